"""A question's check, run and judged: the table in tests/cases/check/runs.yaml.

Each case is a check block as a pack writes it and what the runs must report: each
option's misses in words, AWS's refusal, the leaves its change changes, the verdicts
(basis, right or wrong and why, how many other draws turn them) or the error that
names the place in the pack. A hypothesis property recomputes a ranked goal's verdicts
from the facts alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.check import (
    MISSING,
    Basis,
    OptionRun,
    judge,
    needs_as_given,
    run_as_given,
    run_check,
)
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import Outcome

CASES = Path(__file__).parent / "cases" / "check" / "runs.yaml"
WHERE = Where("pack.yaml", "questions[q].check")
KEYS = {"name", "check", "misses", "shaky", "refused", "differences", "verdicts", "error", "hint"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


def _side(value: object) -> object:
    return "-" if value is MISSING else value


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    check = case["check"]
    if "error" in case:
        with pytest.raises(InputError) as caught:
            run_check(check, WHERE)
        assert str(caught.value) == case["error"]
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    runs = {run.key: run for run in run_check(check, WHERE)}
    assert list(runs) == list(check["options"])
    for key, run in runs.items():  # the option as the pack writes it, for the renderer
        spec = check["options"][key]
        assert run.shows == spec.get("shows", "")
        assert run.change == (spec.get("change") or {})
        assert run.expect == (spec.get("expect") or {})
        assert run.simulator == check.get("simulator", "placement")
        if run.outcome.refused:
            assert run.outcome.facts == {}  # AWS refused: nothing ran
    for key, misses in case.get("misses", {}).items():
        assert list(runs[key].misses) == misses
        assert runs[key].holds is (not misses)
    for key, shaky in case.get("shaky", {}).items():
        assert runs[key].shaky == shaky, key
    for key, refused in case.get("refused", {}).items():
        assert runs[key].outcome.refused == refused
    for key, leaves in case.get("differences", {}).items():
        got = [[d.path, _side(d.before), _side(d.after)] for d in runs[key].differences]
        assert got == leaves, key
    if "verdicts" in case:
        as_given = run_as_given(check, WHERE) if needs_as_given(check) else None
        verdicts = judge(check, tuple(runs.values()), as_given)
        got = {v.key: [v.basis.value, v.right, list(v.because), v.flips, v.draws] for v in verdicts}
        assert got == case["verdicts"]
        assert [v.key for v in verdicts] == list(case["verdicts"])  # in the options' order


def test_a_run_as_given_that_aws_refuses_carries_the_refusal_not_an_error() -> None:
    check = {
        "scenario": {"fleet": ["1xm5.large"], "runTask": {"count": 0}},
        "options": {"A": {"change": {"runTask": {"count": 1}}, "claim_as_given": {"placed": 1}}},
    }
    assert needs_as_given(check)
    outcome = run_as_given(check, WHERE)
    assert outcome.refused == "runTask.count: must be at least 1, found 0"
    (verdict,) = judge(check, run_check(check, WHERE), outcome)
    assert (verdict.basis, verdict.right) == (Basis.CLAIM_AS_GIVEN, False)
    assert verdict.because == (
        "AWS refuses the input (runTask.count: must be at least 1, found 0)",
    )


def test_needs_as_given_only_for_a_claim_on_the_scenario_as_given() -> None:
    assert not needs_as_given({"options": {"A": {"claim": {"placed": 1}}, "B": "not a mapping"}})
    assert not needs_as_given({"options": {"A": {"claim_as_given": {}}}})
    assert not needs_as_given({})
    assert needs_as_given({"options": {"A": "x", "B": {"claim_as_given": {"placed": 1}}}})


def test_a_claim_on_the_scenario_as_given_without_that_run_falls_back_to_the_goal() -> None:
    check = {
        "simulator": "capacity",
        "goal": {"says": "ten tasks", "tasks": 10},
        "options": {"A": {"claim_as_given": {"tasks": 3}}},
    }
    run = _run("A", {"tasks": 10})
    (verdict,) = judge(check, (run,), None)
    assert (verdict.basis, verdict.right) == (Basis.GOAL, True)


# --- a ranked goal, recomputed from the facts ----------------------------------------------


def _run(key: str, facts: dict[str, Any], draws: tuple[Outcome, ...] = ()) -> OptionRun:
    return OptionRun(
        key=key,
        shows="",
        change={},
        differences=(),
        expect={},
        outcome=Outcome(facts=facts, draws=draws),
        misses=(),
        simulator="capacity",
    )


OPTION = st.fixed_dictionaries(
    {"tasks": st.integers(0, 4), "rounded": st.booleans()},
)


@given(
    st.lists(st.tuples(OPTION, st.lists(OPTION, max_size=3)), min_size=1, max_size=5),
    st.sampled_from(["fewest", "most", None]),
    st.sampled_from([None, True, False]),
)
def test_a_goal_keeps_the_options_that_meet_it_and_rank_best(
    options: list[tuple[dict[str, Any], list[dict[str, Any]]]],
    rank: str | None,
    rounded: bool | None,
) -> None:
    """The capacity simulator compares facts for equality, so what a goal keeps can be
    worked out here from the facts alone: the options whose `rounded` is the goal's, and
    among them the fewest (or most) tasks; each verdict counts the draws that turn it."""
    keys = "ABCDE"
    runs = tuple(
        _run(keys[n], facts, tuple(Outcome(facts=d) for d in draws))
        for n, (facts, draws) in enumerate(options)
    )
    goal: dict[str, Any] = {"says": "x"}
    if rounded is not None:
        goal["rounded"] = rounded
    if rank:
        goal[rank] = "tasks"
    check = {"simulator": "capacity", "goal": goal, "options": {run.key: {} for run in runs}}

    def meets(facts: dict[str, Any]) -> bool:
        return rounded is None or facts["rounded"] is rounded

    meeting = [facts["tasks"] for facts, _ in options if meets(facts)]
    best = (min if rank == "fewest" else max)(meeting) if rank and meeting else None

    def right(facts: dict[str, Any]) -> bool:
        if not meets(facts):
            return False
        if best is None:
            return True
        return facts["tasks"] <= best if rank == "fewest" else facts["tasks"] >= best

    verdicts = judge(check, runs, None)
    assert [v.key for v in verdicts] == [run.key for run in runs]
    for verdict, (facts, draws) in zip(verdicts, options, strict=True):
        assert verdict.basis is Basis.GOAL
        assert verdict.right is (meets(facts) and (best is None or facts["tasks"] == best))
        assert verdict.right is (not verdict.because)
        assert (verdict.flips, verdict.draws) == (
            sum(right(d) != verdict.right for d in draws),
            len(draws),
        )


@given(st.lists(st.tuples(OPTION, st.lists(OPTION, max_size=3)), min_size=1, max_size=4))
def test_a_claim_is_judged_on_its_own_run_and_its_draws(
    options: list[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> None:
    runs = tuple(
        _run("ABCD"[n], facts, tuple(Outcome(facts=d) for d in draws))
        for n, (facts, draws) in enumerate(options)
    )
    claims = {run.key: {"claim": {"tasks": 2}} for run in runs}
    verdicts = judge({"simulator": "capacity", "options": claims}, runs, None)
    for verdict, (facts, draws) in zip(verdicts, options, strict=True):
        assert verdict.basis is Basis.CLAIM
        assert verdict.right is (facts["tasks"] == 2)
        assert verdict.draws == len(draws)
        assert verdict.flips == sum((d["tasks"] == 2) != verdict.right for d in draws)


# --- differences, replayed -----------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", ""]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["k", "l"]), inner, max_size=2)
    ),
    max_leaves=10,
)


def _steps(path: str) -> list[str | int]:
    import re

    return [
        int(index) if index else key for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)
    ]


def _replay(before: Any, found: list[Any]) -> Any:
    """`before` with each difference's leaf set to its `after` (or removed): additions
    first in order, then removals from the end, so list indexes stay right."""
    import copy

    document = {"": copy.deepcopy(before)}
    for difference in found:
        *parents, last = ["", *_steps(difference.path)]
        holder: Any = document
        for step in parents:
            holder = holder[step]
        if difference.after is MISSING:
            continue
        if isinstance(holder, list) and last == len(holder):
            holder.append(difference.after)
        else:
            holder[last] = difference.after
    for difference in reversed(found):
        if difference.after is MISSING:
            *parents, last = ["", *_steps(difference.path)]
            holder = document
            for step in parents:
                holder = holder[step]
            del holder[last]
    return document[""]


@given(JSON, JSON)
def test_replaying_the_differences_turns_one_document_into_the_other(a: Any, b: Any) -> None:
    from ecsprep.sim.check import differences

    found = differences(a, b)
    for difference in found:
        assert difference.before != difference.after
    assert _replay(a, found) == b


# --- the scenario as the check gives it ------------------------------------------------------


def test_the_base_scenario_is_the_checks_own_simulators_input() -> None:
    from ecsprep.sim.check import base_scenario
    from ecsprep.sim.scenario import Scenario

    capacity = {
        "simulator": "capacity",
        "scenario": {
            "createService": {
                "desiredCount": 4,
                "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}],
            }
        },
    }
    built = base_scenario(capacity, WHERE)
    assert not isinstance(built, Scenario)
    assert built[1] == 4  # the capacity simulator's (strategy, count)
    shipped = base_scenario({"scenario": "static-port-conflict"}, WHERE)
    assert isinstance(shipped, Scenario)
    assert shipped.name == "static-port-conflict"
    with pytest.raises(InputError) as caught:
        base_scenario({"scenario": {"fleet": ["1xm5.large"], "runTask": {"count": 0}}}, WHERE)
    assert str(caught.value) == (
        "pack.yaml questions[q].check.scenario.runTask.count: must be at least 1, found 0"
    )


def test_an_inline_scenario_reads_its_files_from_the_folder_given(tmp_path: Path) -> None:
    import json

    from ecsprep.sim.check import base_scenario

    (tmp_path / "web.json").write_text(
        json.dumps({"family": "web", "containerDefinitions": [{"name": "w", "memory": 3000}]})
    )
    check = {
        "scenario": {
            "fleet": ["1xm5.large"],
            "taskDefinition": "web.json",
            "runTask": {"count": 3},
        },
        "options": {"A": {"claim_as_given": {"placed": 2}}},
    }
    assert base_scenario(check, WHERE, tmp_path).task.family == "web"
    outcome = run_as_given(check, WHERE, folder=tmp_path)
    assert (outcome.facts["placed"], outcome.facts["unplaced"]) == (2, 1)
    with pytest.raises(InputError, match=r"^pack\.yaml questions\[q\]\.check\.scenario"):
        base_scenario(check, WHERE, tmp_path / "elsewhere")


def test_a_scenario_aws_refuses_as_given_reads_as_awss_words() -> None:
    check = {
        "scenario": {
            "fleet": ["1xm5.large"],
            "runTask": {"count": 1},
            "taskDefinition": {
                "family": "x",
                "networkMode": "bridge",
                "requiresCompatibilities": ["FARGATE"],
                "containerDefinitions": [{"name": "a", "memory": 512}],
            },
        }
    }
    assert run_as_given(check, WHERE).refused == (
        "taskDefinition.networkMode: Fargate only supports network mode 'awsvpc'. "
        "(use networkMode awsvpc (each task gets its own ENI), or drop FARGATE from "
        "requiresCompatibilities)"
    )
    assert run_as_given({"scenario": {"runTask": {"count": 1}}}, WHERE).refused == (
        "the cluster has no container instances (give containerInstances in the scenario, "
        "--instances FILE, or --fleet 3xm5.large)"
    )


def test_a_scenario_is_named_by_its_shipped_name_or_inline() -> None:
    from ecsprep.sim.check import scenario_name

    assert scenario_name({"scenario": "static-port-conflict"}) == "static-port-conflict"
    assert scenario_name({"scenario": {"fleet": []}}) == "inline"
    assert scenario_name({}) == ""


def test_a_scenario_name_is_looked_up_among_the_checks_own_simulators_scenarios() -> None:
    """Only placement ships scenarios: another simulator's check can't borrow one by name."""
    from ecsprep.sim.check import base_scenario

    check = {
        "simulator": "capacity",
        "scenario": "static-port-conflict",
        "options": {"A": {"claim_as_given": {"tasks": 1}}},
    }
    wanted = (
        "pack.yaml questions[q].check.scenario: 'static-port-conflict' is not a shipped "
        "scenario (`ecsprep simulate placement --list`)"
    )
    for call in (base_scenario, run_as_given, run_check):
        with pytest.raises(InputError) as caught:
            call(check, WHERE)
        assert str(caught.value) == wanted, call.__name__
        assert caught.value.hint == "write the scenario inline"
    with pytest.raises(InputError) as caught:
        base_scenario({"scenario": "static-port-conflic"}, WHERE)
    assert str(caught.value).startswith(
        "pack.yaml questions[q].check.scenario: 'static-port-conflic' is not a shipped scenario"
    )


def test_run_check_runs_only_the_options_asked_for_and_reads_files_from_the_folder(
    tmp_path: Path,
) -> None:
    import json

    (tmp_path / "web.json").write_text(
        json.dumps({"family": "web", "containerDefinitions": [{"name": "w", "memory": 3000}]})
    )
    check = {
        "scenario": {
            "fleet": ["1xm5.large"],
            "taskDefinition": "web.json",
            "runTask": {"count": 1},
        },
        "options": {
            "A": {"expect": {"placed": 1}},
            "B": {"change": {"runTask": {"count": 3}}, "expect": {"placed": 2}},
            "C": {"change": {"runTask": {"count": 2}}, "expect": {"placed": 2}},
        },
    }
    runs = run_check(check, WHERE, only=["B", "C"], folder=tmp_path)
    assert [(run.key, run.holds) for run in runs] == [("B", True), ("C", True)]
    assert [run.key for run in run_check(check, WHERE, folder=tmp_path)] == ["A", "B", "C"]


def test_an_inline_scenario_is_named_inline() -> None:
    from ecsprep.sim.check import base_scenario

    built = base_scenario({"scenario": {"fleet": ["1xm5.large"], "runTask": {"count": 1}}}, WHERE)
    assert built.name == "inline"


PATCHES = st.dictionaries(st.sampled_from(["k", "l"]), JSON, max_size=3)


@given(
    st.one_of(st.none(), st.integers(), st.text(max_size=2), st.lists(JSON, max_size=2)), PATCHES
)
def test_a_patch_on_something_not_an_object_starts_from_an_empty_one(
    target: Any, patch: dict[str, Any]
) -> None:
    from ecsprep.sim.check import merge_patch

    assert merge_patch(target, patch) == merge_patch({}, patch)
    # a null removes a key, present or not: what is left is the patch's other keys
    assert set(merge_patch({}, patch)) == {k for k, v in patch.items() if v is not None}
