"""The deployment simulator (sim/deployment.py) and `ecsprep simulate deployment`.

The documented examples live in tests/cases/deployment/documented.yaml; each names the AWS
page it comes from. Hypothesis holds the rolling update to its two bounds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim import deployment as d
from ecsprep.sim.deployment_check import SIMULATOR, read_scenario, run
from ecsprep.sim.documents import Where
from ecsprep.ui.app import app

CASES = yaml.safe_load(
    (Path(__file__).parent / "cases" / "deployment" / "documented.yaml").read_text()
)["cases"]
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_documented_example(case: dict[str, Any]) -> None:
    if "refused" in case:
        with pytest.raises(InputError, match=case["refused"]):
            read_scenario(case["scenario"], Where("case"))
        return
    outcome = SIMULATOR.run(SIMULATOR.build(case["scenario"], Where("case"), Path("."), "case"))
    assert SIMULATOR.misses(case["facts"], outcome) == ()


def _replay(steps: tuple[d.Step, ...]) -> list[tuple[int, int]]:
    return [(s.old, s.new) for s in steps if s.old is not None and s.new is not None]


@given(
    desired=st.integers(1, 60),
    minimum=st.integers(0, 100),
    maximum=st.integers(100, 200),
    capacity=st.one_of(st.none(), st.integers(1, 130)),
)
def test_rolling_update_stays_within_its_bounds(
    desired: int, minimum: int, maximum: int, capacity: int | None
) -> None:
    spec = d.Rolling(desired, minimum, maximum, capacity=capacity)
    result = d.rolling_update(spec)
    floor, ceiling = int(str(result.facts["floor"])), int(str(result.facts["ceiling"]))
    assert floor == math.ceil(desired * minimum / 100)
    assert ceiling == math.floor(desired * maximum / 100)
    for old, new in _replay(result.steps):
        # never below the floor (a floor above what runs only blocks stops), never above
        # the ceiling or the capacity
        assert old + new >= min(floor, desired)
        assert old + new <= max(ceiling, desired)
        if capacity is not None:
            assert old + new <= max(capacity, desired)
    if result.facts["rollout_state"] == "COMPLETED":
        assert result.facts["replaced"] == desired
    else:
        assert result.facts["stuck"] is True
        if ceiling <= desired and floor >= desired:
            assert result.facts["stuck_reason"] == "configuration"


@given(st.integers(1, 5000), st.sampled_from(list(d.ThresholdType)), st.integers(1, 100))
def test_threshold_follows_its_type(desired: int, kind: d.ThresholdType, value: int) -> None:
    got = d.threshold(d.CircuitBreaker(True, True, True, kind, value), desired)
    if kind is d.ThresholdType.COUNT:
        assert got == value
    elif kind is d.ThresholdType.BOUNDED_PERCENT:
        assert 3 <= got <= 200
    else:
        assert got >= desired * value / 100


@given(st.floats(3, 100).map(lambda p: round(p, 1)), st.integers(0, 30))
def test_linear_plan_rises_to_100_in_equal_steps(percent: float, interval: int) -> None:
    plan = d.shift_plan(d.Shift("TimeBasedLinear", percent, interval))
    assert plan[-1][1] == 100.0
    shares = [p for _, p in plan]
    assert shares == sorted(shares)
    assert [m for m, _ in plan] == [interval * n for n in range(len(plan))]


def test_failing_release_without_breaker_is_never_failed() -> None:
    result = run(
        read_scenario(
            {"service": {"desiredCount": 2}, "release": {"tasks": "FAIL_TO_START"}}, Where("t")
        )
    )
    assert result.facts["rollout_state"] == "IN_PROGRESS"
    assert result.facts["failed_event"] is False
    assert any("never marks the deployment FAILED" in text for text in result.inferred)


def test_external_controller_is_refused() -> None:
    with pytest.raises(InputError, match="EXTERNAL"):
        read_scenario({"service": {"deploymentController": {"type": "EXTERNAL"}}}, Where("t"))


# --- the command -------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["simulate", "deployment", *args])
    return result.exit_code, result.stdout, result.stderr


def test_command_text_shows_steps_and_words() -> None:
    code, out, _ = invoke("--desired", "3", "--max", "125")
    assert code == 0
    assert "Stuck (configuration)" in out
    assert "unable to stop or start tasks during a deployment" in out


def test_command_json() -> None:
    code, out, _ = invoke(
        "--desired",
        "600",
        "--circuit-breaker",
        "rollback",
        "--release",
        "FAIL_TO_START",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["facts"]["threshold"] == 200
    assert data["facts"]["rolled_back"] is True


def test_command_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "service: {deploymentController: {type: CODE_DEPLOY}}\n"
        "codeDeploy: {deploymentConfigName: CodeDeployDefault.ECSCanary10Percent15Minutes}\n"
    )
    code, out, _ = invoke(str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["facts"]["traffic"] == [[0, 10.0], [15, 100.0]]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--desired", "4", "--circuit-breaker", "BOUNDED_PERCENT:0"), "valid range of value"),
        (("--codedeploy", "CodeDeployDefault.Nope"), "not a predefined ECS deployment"),
        (("--desired", "4", "--circuit-breaker", "maybe"), "use on, rollback or TYPE:VALUE"),
        ((), "no deployment given"),
        (("--desired", "4", "--format", "xml"), "use text or json"),
    ],
)
def test_command_refuses_with_exit_2(args: tuple[str, ...], words: str) -> None:
    code, _, err = invoke(*args)
    assert code == 2
    assert words in err


def test_golden_text() -> None:
    import os

    code, out, _ = invoke("--desired", "4", "--min", "50", "--max", "100", "--capacity", "4")
    assert code == 0
    path = GOLDEN / "simulate_deployment_rolling.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(out)
    assert out == path.read_text()
