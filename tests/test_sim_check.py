"""Check each answer in place: question check blocks run in the simulator.

The most important test here is the first: every shipped check runs and shows
what its pack says, so content and simulator cannot drift apart silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.packs.load import load_library
from ecsprep.packs.model import Question
from ecsprep.packs.schema import FAILURE_REASONS
from ecsprep.packs.verify import verify_checks
from ecsprep.sim.check import MISSING, Difference, differences, merge_patch, run_check
from ecsprep.sim.documents import Where
from ecsprep.sim.placement import FailureReason
from ecsprep.ui.app import app

SHIPPED = load_library(include_user=False, cache=False).library
CHECKED = sorted((q for q in SHIPPED.questions.values() if q.check), key=lambda q: q.id)


def test_shipped_content_has_checks() -> None:
    assert len(CHECKED) >= 1


@pytest.mark.parametrize("question", CHECKED, ids=[q.id for q in CHECKED])
def test_every_shipped_check_shows_what_its_pack_says(question: Question) -> None:
    assert question.check is not None
    runs = run_check(question.check, Where(question.pack, question.id))
    assert runs, "a check simulates at least one option"
    assert {run.key for run in runs} <= {o.key for o in question.options}
    for run in runs:
        assert run.holds, f"option {run.key}: {'; '.join(run.misses)}"
        assert run.shows


def test_validate_runs_every_shipped_check_cleanly() -> None:
    assert verify_checks(SHIPPED) == []


# RFC 7386, Appendix A (every example but the non-object targets, which follow the same rule).
MERGE_CASES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "result"), MERGE_CASES)
def test_merge_patch_follows_rfc_7386(target: Any, patch: Any, result: Any) -> None:
    assert merge_patch(target, patch) == result


def test_merge_patch_leaves_the_target_alone() -> None:
    target = {"a": {"b": 1}}
    merge_patch(target, {"a": {"b": 2}})
    assert target == {"a": {"b": 1}}


def test_differences_name_only_the_leaves_that_change() -> None:
    before = {
        "taskDefinition": {
            "containerDefinitions": [
                {"name": "web", "portMappings": [{"containerPort": 80, "hostPort": 80}]}
            ]
        },
        "runTask": {"count": 2},
    }
    after = merge_patch(
        before,
        {
            "taskDefinition": {
                "containerDefinitions": [
                    {"name": "web", "portMappings": [{"containerPort": 80, "hostPort": 0}]}
                ]
            },
            "runTask": {"group": "g"},
        },
    )
    assert differences(before, after) == [
        Difference("taskDefinition.containerDefinitions[0].portMappings[0].hostPort", 80, 0),
        Difference("runTask.group", MISSING, "g"),
    ]
    assert differences(after, merge_patch(after, {"runTask": None})) == [
        Difference("runTask", {"count": 2, "group": "g"}, MISSING)
    ]


def test_the_failure_reasons_a_pack_can_expect_are_the_simulators() -> None:
    assert set(FAILURE_REASONS) == {reason.value for reason in FailureReason}


SPREAD_VS_BINPACK: dict[str, Any] = {
    "scenario": {"fleet": ["3xm5.large"], "runTask": {"count": 3}},
    "options": {
        "A": {
            "change": {"runTask": {"placementStrategy": [{"type": "binpack", "field": "memory"}]}},
            "expect": {"instances_used": 1, "instances": ["ci-0001"] * 3},
            "shows": "binpack fills one instance.",
        },
        "B": {
            "change": {
                "runTask": {"placementStrategy": [{"type": "spread", "field": "instanceId"}]}
            },
            "expect": {"instances_used": 1, "failure": "RESOURCE:PORTS"},
            "shows": "Deliberately wrong.",
        },
    },
}


def test_a_run_that_contradicts_the_pack_is_reported_in_words() -> None:
    good, bad = run_check(SPREAD_VS_BINPACK, Where("test"))
    assert good.holds
    assert bad.misses == (
        "instances_used: expected 1, the simulator gives 3",
        "failure: expected 'RESOURCE:PORTS', the simulator reports none",
    )


def test_only_runs_the_options_asked_for() -> None:
    (run,) = run_check(SPREAD_VS_BINPACK, Where("test"), only=["B"])
    assert run.key == "B"


def test_a_shipped_scenario_by_name_and_a_misspelt_one() -> None:
    check = {"scenario": "static-port-conflict", "options": {"A": {"expect": {"placed": 2}}}}
    (run,) = run_check(check, Where("pack.yaml", "questions[q].check"))
    assert run.holds
    assert run.result.unplaced == 1
    with pytest.raises(InputError) as caught:
        run_check({**check, "scenario": "static-port-conflic"}, Where("pack.yaml", "q.check"))
    assert "pack.yaml q.check.scenario: 'static-port-conflic' is not a shipped scenario" in str(
        caught.value
    )
    assert caught.value.hint == "did you mean static-port-conflict?"


def test_a_change_that_breaks_the_scenario_names_the_option() -> None:
    check = {
        "scenario": {"fleet": ["1xm5.large"], "runTask": {"count": 1}},
        "options": {"B": {"change": {"runTask": {"count": "many"}}, "expect": {"placed": 1}}},
    }
    with pytest.raises(InputError, match=r"^pack\.yaml q\.check\.options\.B\.runTask\.count"):
        run_check(check, Where("pack.yaml", "q.check"))


def test_an_inline_scenario_reads_files_next_to_its_pack(tmp_path: Path) -> None:
    (tmp_path / "web.json").write_text(
        json.dumps({"family": "web", "containerDefinitions": [{"name": "w", "memory": 4096}]})
    )
    check = {
        "scenario": {
            "fleet": ["1xm5.large"],
            "taskDefinition": "web.json",
            "runTask": {"count": 2},
        },
        "options": {"A": {"expect": {"placed": 1, "failure": "RESOURCE:MEMORY"}}},
    }
    (run,) = run_check(check, Where("p"), folder=tmp_path)
    assert run.holds, run.misses


# --- the command --------------------------------------------------------------

runner = CliRunner()
PORTS = "seed-second-container-fixed-host-port"


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["simulate", "question", *args])


def test_simulate_question_shows_each_options_change_and_run() -> None:
    result = invoke(PORTS)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "A ✔ The task definition fixes the host port" in out
    assert "taskDefinition.containerDefinitions[0].portMappings[0].hostPort: 80 → 0" in out
    assert "Placed 2 of 2 task(s) on 1 of 1 instance(s)." in out
    assert "B ✘ The instance role lacks ECR permissions" in out
    assert "the statement fails: placed: expected 2, the simulator gives 1" in out
    assert "1 not placed (RESOURCE:PORTS)" in out
    assert "disagrees" not in out


def test_simulate_question_json_and_trace() -> None:
    result = invoke(PORTS, "--format", "json", "--option", "a", "--trace")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["question"], data["answer"]) == (PORTS, ["A"])
    (option,) = data["options"]
    assert (option["key"], option["correct"], option["holds"]) == ("A", True, True)
    assert option["differences"] == [
        {
            "path": "taskDefinition.containerDefinitions[0].portMappings[0].hostPort",
            "before": 80,
            "after": 0,
        }
    ]
    assert option["observed"]["placed"] == 2
    assert len(option["response"]["tasks"]) == 2
    assert "trace" in json.dumps(option["response"])


def test_simulate_question_list() -> None:
    result = invoke("--list", "--format", "json")
    assert result.exit_code == 0
    listed = {row["question"] for row in json.loads(result.stdout)}
    assert listed == {q.id for q in CHECKED}


def test_simulate_question_errors() -> None:
    unknown = invoke("seed-second-container-fixed-host")
    assert unknown.exit_code == 1
    assert "did you mean" in unknown.stderr
    assert PORTS in unknown.stderr
    unchecked = min(q.id for q in SHIPPED.questions.values() if not q.check)
    no_check = invoke(unchecked)
    assert no_check.exit_code == 2
    assert "has no simulator check" in no_check.stderr
    bad_option = invoke(PORTS, "--option", "Z")
    assert bad_option.exit_code == 2
    assert "has options A, B, C, D" in bad_option.stderr


def test_golden_text_at_100_columns(tmp_path: Path) -> None:
    """The whole rendering of one shipped check (UPDATE_GOLDEN=1 rewrites it; read the diff)."""
    import os

    env = {"ECSPREP_HOME": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "100"}
    result = runner.invoke(app, ["simulate", "question", PORTS], env=env)
    assert result.exit_code == 0, result.output
    path = Path(__file__).parent / "golden" / "simulate_question_ports.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(result.stdout)
    assert result.stdout == path.read_text()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["a", "b", ""]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["k", "l", "m"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(JSON, JSON)
def test_differences_are_empty_exactly_when_documents_are_equal(a: Any, b: Any) -> None:
    assert (differences(a, b) == []) == (a == b)


@given(
    st.dictionaries(st.sampled_from(["k", "l"]), JSON),
    st.dictionaries(st.sampled_from(["k", "m"]), JSON),
)
def test_merge_patch_is_idempotent(target: dict[str, Any], patch: dict[str, Any]) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once


def test_validate_reports_a_check_the_simulator_contradicts() -> None:
    pack = Path(__file__).parent / "cases" / "check_contradicted.yaml"
    result = runner.invoke(app, ["packs", "validate", str(pack)])
    assert result.exit_code == 1
    assert (
        "check_contradicted.yaml:8 questions[my-binpack].check.options.B.expect: "
        "instances_used: expected 1, the simulator gives 3"
    ) in result.stdout
    assert "questions[my-broken].check: the scenario can't run" in result.stdout
    assert "did you mean spread-az-then-binpack?" in result.stdout


# --- the answer key, verified by the runs -------------------------------------------------


def _verdicts(question: Question) -> dict[str, bool]:
    from ecsprep.sim.check import judge, needs_as_given, run_as_given

    assert question.check is not None
    where = Where(question.pack, question.id)
    runs = run_check(question.check, where)
    as_given = run_as_given(question.check, where) if needs_as_given(question.check) else None
    return {v.key: v.right for v in judge(question.check, runs, as_given)}


@pytest.mark.parametrize("question", CHECKED, ids=[q.id for q in CHECKED])
def test_every_check_says_what_makes_an_option_right(question: Question) -> None:
    assert question.check is not None
    simulated = set(question.check["options"])
    judged = _verdicts(question)
    assert set(judged) == simulated  # a goal or a claim for every simulated option
    # The simulator's verdicts agree with the key on every option it judges...
    assert {k for k, ok in judged.items() if ok} == set(question.answer) & simulated
    # ...and at least one keyed or one wrong option is judged, so a flip can't pass unseen.
    assert judged


def _other_keys(question: Question) -> list[frozenset[str]]:
    from itertools import combinations

    letters = [o.key for o in question.options]
    return [
        frozenset(c)
        for c in combinations(letters, question.choose)
        if frozenset(c) != question.answer
    ]


@pytest.mark.parametrize("question", CHECKED, ids=[q.id for q in CHECKED])
def test_a_flipped_key_is_caught_unless_it_only_moves_between_unsimulated_options(
    question: Question,
) -> None:
    from dataclasses import replace

    from ecsprep.packs.verify import key_disagreement

    judged = _verdicts(question)
    for wrong in _other_keys(question):
        flipped = replace(question, answer=wrong)
        touches_a_judged_option = bool((wrong ^ question.answer) & set(judged))
        assert bool(key_disagreement(flipped, judged)) == touches_a_judged_option, sorted(wrong)


def test_packs_validate_fails_on_a_flipped_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's own example: seed-most-cost-efficient-strategy keyed B instead of D."""
    import shutil

    import ecsprep.data

    content = tmp_path / "content"
    shutil.copytree(ecsprep.data.shipped_content_dir(), content)
    core = content / "ecs-core.yaml"
    text = core.read_text(encoding="utf-8")
    at = text.index("  - id: seed-most-cost-efficient-strategy")
    head, tail = text[:at], text[at:]
    assert "    answer: D\n" in tail
    core.write_text(head + tail.replace("    answer: D\n", "    answer: B\n", 1), "utf-8")
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: content)
    result = CliRunner().invoke(app, ["packs", "validate"], env={"ECSPREP_NO_CACHE": "1"})
    assert result.exit_code == 1
    assert (
        "the key is B, but by the simulator the options that are right among A, B, C, D are D"
        in result.stdout
    )


def test_a_check_without_goal_or_claims_is_a_problem(tmp_path: Path) -> None:
    pack = tmp_path / "no-goal.yaml"
    pack.write_text(
        """format: 1
pack: {id: no-goal, title: No goal, version: "1"}
topics: [{id: no-goal-topic, title: T, notes: N}]
questions:
  - id: no-goal-question
    topics: [no-goal-topic]
    type: single
    stem: Which strategy uses the fewest instances?
    options:
      A: {text: binpack, why: Fills instances first.}
      B: {text: spread, why: Spreads out.}
    answer: A
    explanation: binpack.
    refs: [{url: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html"}]
    check:
      scenario: binpack-memory
      options:
        A: {expect: {placed: 4}, shows: Four tasks.}
""",
        encoding="utf-8",
    )
    from ecsprep.packs.load import validate_files

    problems = [str(p) for p in validate_files([pack]).problems]
    assert any(
        "nothing says what makes option A right or wrong: give the check a `goal`" in p
        for p in problems
    ), problems


def test_goal_ranking_keeps_only_the_best_of_the_options_that_meet_it() -> None:
    from dataclasses import replace as replace_

    question = SHIPPED.questions["seed-most-cost-efficient-strategy"]
    verdicts = _verdicts(question)
    assert verdicts == {"A": False, "B": False, "C": False, "D": True}
    assert question.check is not None
    # Without the ranking, every option that places all three tasks meets the goal.
    goal = {k: v for k, v in question.check["goal"].items() if k != "fewest"}
    loose = replace_(question, check={**question.check, "goal": goal})
    assert _verdicts(loose) == {"A": True, "B": True, "C": True, "D": True}


def test_the_ranked_counts_are_the_simulators() -> None:
    from ecsprep.packs.schema import RANKED as PACK_RANKED
    from ecsprep.sim.check import RANKED

    assert PACK_RANKED == RANKED


# --- other simulators: the capacity split -----------------------------------------------


def test_the_simulators_a_pack_can_name_are_the_registered_ones() -> None:
    from ecsprep.packs.schema import SIMULATORS
    from ecsprep.sim.simulators import MODULES, simulator

    assert set(SIMULATORS) == set(MODULES)
    for name in SIMULATORS:
        assert simulator(name).name == name


CAPACITY_CHECK: dict[str, Any] = {
    "simulator": "capacity",
    "scenario": {
        "createService": {
            "desiredCount": 10,
            "capacityProviderStrategy": [
                {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 3},
            ],
        }
    },
    "goal": {"says": "Most tasks on Spot.", "most": "tasks"},
    "options": {
        "A": {"expect": {"providers": {"FARGATE": 4, "FARGATE_SPOT": 6}}, "shows": "As given."},
        "B": {
            "change": {
                "createService": {
                    "capacityProviderStrategy": [
                        {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
                        {"capacityProvider": "FARGATE_SPOT", "base": 1, "weight": 3},
                    ]
                }
            },
            "expect": {"refused": "both set a base"},
            "shows": "Two bases are refused.",
        },
    },
}


def test_an_option_aws_refuses_shows_as_refused_with_awss_reason() -> None:
    runs = {run.key: run for run in run_check(CAPACITY_CHECK, Where("pack", "q"))}
    assert runs["A"].holds
    assert runs["A"].outcome.facts["providers"] == {"FARGATE": 4, "FARGATE_SPOT": 6}
    assert runs["B"].holds
    assert "FARGATE and FARGATE_SPOT both set a base" in runs["B"].outcome.refused
    assert runs["B"].outcome.facts == {}


def test_a_refusal_nobody_expected_is_a_broken_check() -> None:
    check = json.loads(json.dumps(CAPACITY_CHECK))
    check["options"]["B"]["expect"] = {"tasks": 10}
    with pytest.raises(InputError, match="both set a base"):
        run_check(check, Where("pack", "q"))


def test_a_refused_option_misses_every_fact_it_names() -> None:
    from ecsprep.sim.check import judge

    runs = run_check(CAPACITY_CHECK, Where("pack", "q"))
    verdicts = {v.key: v for v in judge(CAPACITY_CHECK, runs, None)}
    assert verdicts["A"].right
    assert not verdicts["B"].right  # refused: no tasks to count, so it can't be the most


def test_validate_names_a_fact_the_simulator_does_not_have() -> None:
    from ecsprep.packs.verify import unknown_facts

    check = json.loads(json.dumps(CAPACITY_CHECK))
    check["options"]["A"]["expect"] = {"provider": {"FARGATE": 4}}
    check["goal"]["fewest"] = "providers"
    found = dict(unknown_facts(check))
    assert found["options.A.expect.provider"].startswith(
        "the capacity simulator has no fact 'provider'; did you mean 'providers'?"
    )
    assert found["goal"] == "give fewest or most, not both"
    assert found["goal.fewest"] == "'providers' can't be ranked; use tasks"


def test_a_scenario_aws_refuses_as_written_is_shown_with_the_options_that_fix_it() -> None:
    result = invoke("fargate-requires-awsvpc")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "AWS refuses it as written (Fargate only supports network mode 'awsvpc'.)" in text
    assert "AWS refuses it:" in text  # options A, B and D
    assert "Answer: C" in text


def test_the_scenario_behind_the_question_comes_whole_before_the_runs() -> None:
    """AZs, running tasks of other groups, attributes, the request and the check's own
    description: what the options' explanations point at."""
    text = invoke("cql-anti-affinity-task-group").stdout
    before, _, after = text.partition("Each option changes it:")
    assert "The scenario behind the question:" in before
    assert "ci-0001 runs a database task, ci-0002 a cache task, ci-0003 nothing" in before
    assert "instance ci-0001: m5.large, us-east-1a, running 1× database" in before
    assert "instance ci-0002: m5.large, us-east-1a, running 1× service:cache" in before
    assert "constraints memberOf(not(task:group == database))" in " ".join(before.split())
    assert "A ✔" in after
    custom = " ".join(invoke("cql-not-equals-missing-attribute").stdout.split())
    assert "instance i-1: m5.large, attributes stack=prod" in custom
    assert "instance i-3: m5.large RunTask" in custom  # no stack attribute to show


def test_another_simulators_scenario_is_shown_whole_not_cut_off() -> None:
    text = " ".join(invoke("iam-fargate-execution-vs-task-role").stdout.split())
    before = text.partition("Each option changes it:")[0]
    assert "…" not in before
    assert (
        "taskDefinition.executionRoleArn: arn:aws:iam::111122223333:role/orders-execution" in before
    )
    assert "dynamodb:PutItem" in before  # the task role's policy, far into the document


def test_option_shows_only_the_chosen_options_judged_among_all() -> None:
    """--option B must not call B right just because it is the only one run, nor label
    the others "not simulated"."""
    text = " ".join(invoke("seed-most-cost-efficient-strategy", "--option", "B").stdout.split())
    assert "B ✘ random" in text
    assert "✘ misses the goal: instances_used is 2; another option gives 1 (fewest)" in text
    assert "A ✘" not in text
    assert "D ✔" not in text
    assert "not simulated" not in text
    assert "--option: only option B shown; options A, C, D not shown" in text
    data = json.loads(
        invoke("seed-most-cost-efficient-strategy", "-o", "b", "--format", "json").stdout
    )
    assert [o["key"] for o in data["options"]] == ["B"]
    assert data["options"][0]["verdict"]["right"] is False


def test_a_run_that_rests_on_the_random_draw_says_so() -> None:
    text = " ".join(invoke("seed-most-cost-efficient-strategy").stdout.split())
    assert (
        "rests on the random draw (seed 0): over 12 other seeds, instances_used 1 to 3 (2 here)"
        in text
    )
    assert "(with this draw; 1 of 12 other draws turn it)" in text
    # binpack's answer doesn't rest on luck: no such line for D
    d = text.partition("D ✔ binpack on memory")[2]
    assert "rests on" not in d


def test_a_deterministic_run_has_no_other_draws() -> None:
    from ecsprep.sim.placement_check import SIMULATOR

    def outcome(strategy: dict[str, Any]) -> Any:
        document = {
            "fleet": ["3xm5.large@us-east-1a,us-east-1b,us-east-1c"],
            "taskDefinition": {
                "family": "b",
                "containerDefinitions": [{"name": "b", "memory": 2048}],
            },
            "runTask": {"count": 3, "placementStrategy": [strategy]},
        }
        return SIMULATOR.run(SIMULATOR.build(document, Where("t"), Path.cwd(), "t"))

    drawn = outcome({"type": "random"})
    assert drawn.draws
    assert drawn.rests_on[0].startswith("the random draw (seed 0)")
    spread = outcome({"type": "spread", "field": "attribute:ecs.availability-zone"})
    assert spread.facts["instances_used"] == 3
    # one task per AZ whatever the order: the counts never change, only which instance is first
    assert all(d.facts["instances_used"] == 3 for d in spread.draws)


def test_every_verdict_that_rests_on_luck_says_so_in_its_shows() -> None:
    from ecsprep.ui.simulate_question import judge_question, run_question

    for question in CHECKED:
        runs = run_question(SHIPPED, question)
        shows = {run.key: run.shows for run in runs}
        for verdict in judge_question(SHIPPED, question, runs):
            if verdict.flips:
                said = shows.get(verdict.key, "")
                assert "seed" in said or "draw" in said, (
                    f"{question.id} {verdict.key}: the verdict turns in {verdict.flips} of "
                    f"{verdict.draws} other draws; make the scenario deterministic or say so"
                )
