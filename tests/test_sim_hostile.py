"""Hostile and broken simulator input (issue 12): every file gives a clean
result or exit 2 with the file, the JSON path and the fix; never a traceback,
a hang or unbounded memory.

Case files: tests/cases/placement_input/refused.yaml. The hypothesis test puts
any JSON value (NaN, infinities, huge and negative numbers, deep nesting,
strings, lists, objects) in any field of a rich scenario and runs it through
the reader, the engine, the JSON writer and the table.
"""

from __future__ import annotations

import copy
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from ecsprep.errors import InputError
from ecsprep.sim import placement
from ecsprep.sim.cluster import InstanceState
from ecsprep.sim.documents import Where, check_values, read_document
from ecsprep.sim.placement import FailureReason, place
from ecsprep.sim.report import response
from ecsprep.sim.scenario import Overrides, build_scenario, load_scenario
from ecsprep.ui.simulate import render_result

from .test_sim_cli import invoke

CASES = Path(__file__).parent / "cases" / "placement_input"
BASE: dict[str, Any] = json.loads((CASES / "base.json").read_text())


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load((CASES / "refused.yaml").read_text())
    ]


def _text(case: dict[str, Any]) -> str:
    return (
        case["text"]
        .replace("{DIGITS}", "9" * 5000)
        .replace("{DEEP}", "[" * 1000 + "]" * 1000)
        .replace("{DEEP100}", "[" * 100 + "]" * 100)
        .replace("{LONG}", "a" * 129)
    )


@pytest.mark.parametrize("case", _cases())
def test_refused_with_the_place_and_exit_2(case: dict[str, Any], tmp_path: Path) -> None:
    file = tmp_path / f"scenario{case.get('suffix', '.json')}"
    file.write_text(_text(case), encoding="utf-8")
    code, out, err = invoke(tmp_path, str(file))
    assert code == 2, out + err
    assert "Traceback" not in err
    assert str(file) in err
    assert case["error"] in " ".join(err.split()), err


def test_instances_from_an_endless_device_are_refused_quickly(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path, "--instances", "/dev/zero", "--count", "1")
    assert code == 2
    assert "/dev/zero: the file is bigger than 128 MiB" in err


def test_the_base_document_runs() -> None:
    result = place(build_scenario(BASE, Where("base.json"), CASES, Overrides()))
    assert result.placements


def test_check_values_finds_the_path_of_a_deep_problem() -> None:
    with pytest.raises(InputError, match=r"x\.y\[1\]\.z: NaN"):
        check_values({"x": {"y": [1, {"z": float("nan")}]}}, Where("f"))


# --- any JSON value in any field ---------------------------------------------

_NUMBERS = st.one_of(
    st.integers(-1000, 100_000),
    st.sampled_from([2**31 - 1, 2**31, 2**63, -(2**63), 10**19, 10**25]),
    st.just(0).map(lambda _: 10**5000),  # built on draw: hypothesis can't repr it
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, 512.5, 1e308, -0.0, 1e-300]),
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    _NUMBERS,
    st.text(max_size=20),
    st.sampled_from(["2048", "1 vCPU", "${Cpu}", "ACTIVE", "awsvpc", "a" * 300, "(a*)*b"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
) | st.integers(65, 300).map(lambda depth: _nested(depth))


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


def _paths(value: object, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += _paths(item, (*path, n))
    return found


PATHS = _paths(BASE)[1:]


def _replaced(path: tuple[Any, ...], value: object) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    holder: Any = document
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return document


def _run(document: dict[str, Any]) -> None:
    try:
        result = place(build_scenario(document, Where("hostile.json"), CASES, Overrides()))
    except InputError as exc:
        refused = str(exc)
    else:
        refused = ""
    if refused:
        assert refused.startswith("hostile.json")
        return
    json.dumps(response(result, with_trace=False))
    render_result(Console(file=io.StringIO(), width=100), result, trace=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), _VALUES)
def test_any_value_in_any_field_gives_a_result_or_a_clean_error(
    path: tuple[Any, ...], value: object
) -> None:
    _run(_replaced(path, value))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([p for p in PATHS if isinstance(p[-1], str)]), st.text(max_size=12), _VALUES)
def test_any_extra_key_gives_a_result_or_a_clean_error(
    path: tuple[Any, ...], key: str, value: object
) -> None:
    document = copy.deepcopy(BASE)
    holder: Any = document
    for step in path[:-1]:
        holder = holder[step]
    holder[key] = value
    _run(document)


def test_a_file_through_the_reader_and_the_engine(tmp_path: Path) -> None:
    file = tmp_path / "s.json"
    file.write_text(json.dumps(BASE))
    assert read_document(file) == BASE
    assert load_scenario(file, Overrides()).request.count == 3


# --- unbounded runs ------------------------------------------------------------


def _fleet_run(count: int, *strategies: dict[str, str], **task: Any) -> dict[str, Any]:
    return {
        "fleet": ["2000xm5.large@us-east-1a,us-east-1b,us-east-1c"],
        "taskDefinition": {
            "family": "big",
            "containerDefinitions": [{"name": "a", "memory": task.get("memory", 16), "cpu": 0}],
        },
        "createService": {
            "serviceName": "big",
            "desiredCount": count,
            **({"placementStrategy": list(strategies)} if strategies else {}),
        },
    }


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the run looked at an instance for a task (the resource check, which
    every engine makes first). A count, not a clock: it holds on a loaded machine too;
    the timings themselves are benchmarks/placement.py's."""
    seen = [0]
    resources = placement._Checker.resources

    def counted(checker: placement._Checker, state: InstanceState) -> FailureReason | None:
        seen[0] += 1
        return resources(checker, state)

    monkeypatch.setattr(placement._Checker, "resources", counted)
    return seen


def test_random_costs_what_the_other_strategies_cost(looks: list[int]) -> None:
    # 2,000 instances x 20,000 tasks: the old scan looked at every instance for every task
    # (40 million looks, about 4 s); a draw looks at one instance while most have room.
    document = _fleet_run(20_000, {"type": "random"})
    result = place(build_scenario(document, Where("big"), CASES, Overrides(seed=3)))
    assert looks[0] <= 2 * 20_000
    assert len(result.placements) == 20_000
    assert len({p.instance_arn for p in result.placements}) > 1_900  # spread about evenly


def test_random_draws_uniformly_among_the_instances_that_pass() -> None:
    # 1 instance in 4 has room; each of them should get about the same share
    document: dict[str, Any] = {
        "fleet": ["3xt3.micro", "1xm5.large", "3xt3.micro", "1xm5.large"],
        "taskDefinition": {"family": "u", "containerDefinitions": [{"name": "a", "memory": 1500}]},
        "runTask": {"placementStrategy": [{"type": "random"}]},
    }
    wins: Counter[str] = Counter()
    for seed in range(400):
        result = place(build_scenario(document, Where("u"), CASES, Overrides(seed=seed)))
        wins[result.placements[0].instance_arn.rsplit("/", 1)[-1]] += 1
    assert set(wins) == {"ci-0004", "ci-0008"}
    assert 150 < wins["ci-0004"] < 250


def test_identical_tasks_after_the_first_unplaceable_one_fail_without_a_scan_each(
    looks: list[int],
) -> None:
    # the first task tries every instance, the failure report reads each once; the other
    # 999,999 tasks would fail the same way and are not tried (a scan each: 2 billion looks)
    document = _fleet_run(1_000_000, {"type": "random"}, memory=1_000_000)
    result = place(build_scenario(document, Where("big"), CASES, Overrides()))
    assert result.unplaced == 1_000_000
    assert looks[0] <= 3 * 2_000


def test_long_runs_report_progress() -> None:
    calls: list[tuple[int, int]] = []
    document = _fleet_run(25_000, {"type": "binpack", "field": "memory"})
    place(
        build_scenario(document, Where("big"), CASES, Overrides()),
        progress=lambda placed, wanted: calls.append((placed, wanted)),
    )
    assert calls == [(10_000, 25_000), (20_000, 25_000)]


def test_progress_is_shown_on_a_terminal_only() -> None:
    from ecsprep.ui.simulate import _progress_line

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert _progress_line(io.StringIO()) is None
    terminal = Terminal()
    show = _progress_line(terminal)
    assert show is not None
    show(10_000, 25_000)
    show(0, 0)
    assert terminal.getvalue() == "\rplacing tasks: 10,000 of 25,000…\r\x1b[K"
