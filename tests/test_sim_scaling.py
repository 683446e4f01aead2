"""Service Auto Scaling (sim/scaling.py, its reader, its check facts and its command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.scaling import simulate
from ecsprep.sim.scaling_check import SIMULATOR, misses
from ecsprep.sim.scaling_input import read_scaling
from ecsprep.sim.schedule import parse_schedule
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "scaling"
GOLDEN = Path(__file__).parent / "golden"
DOCUMENTED = yaml.safe_load((CASES / "documented.yaml").read_text(encoding="utf-8"))
TARGET = {
    "ServiceNamespace": "ecs",
    "ResourceId": "service/default/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "MinCapacity": 2,
    "MaxCapacity": 20,
}
CPU60 = {
    "PolicyName": "cpu60",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 60,
        "ScaleOutCooldown": 120,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
        },
    },
}
TRAP = {
    "registerScalableTarget": TARGET,
    "putScalingPolicy": CPU60,
    "service": {"desiredCount": 2, "capacity": 6},
    "timeline": {"minutes": 60, "load": [{"at": 0, "cpu": 100}, {"at": 10, "cpu": 600}]},
}


def run(document: dict[str, Any]) -> Any:
    return SIMULATOR.run(SIMULATOR.build(document, Where("test"), Path("."), "inline"))


@pytest.mark.parametrize("case", DOCUMENTED, ids=[c["name"] for c in DOCUMENTED])
def test_documented_behaviour(case: dict[str, Any]) -> None:
    outcome = run(case["scenario"])
    assert misses(case["expect"], outcome) == (), case["doc"]


def test_target_tracking_arithmetic_is_labelled_inferred() -> None:
    outcome = run(TRAP)
    result = outcome.result
    first = result.activities[0]
    assert (first.before, first.after) == (2, 10)  # ceil(2 × 300 ÷ 60)
    assert "(INF)" in first.why
    assert any(note.startswith("INF target tracking's arithmetic") for note in outcome.notes)


def test_desired_rises_while_running_stays_at_the_room() -> None:
    facts = run(TRAP).facts
    assert facts["peak_desired"] == 20
    assert facts["peak_running"] == 6
    assert facts["peak_pending"] == 14
    assert facts["held_by_max"] is True


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"registerScalableTarget": {**TARGET, "MinCapacity": 30}}, "greater than MaxCapacity"),
        (
            {
                "putScheduledAction": {
                    "ScheduledActionName": "x",
                    "Schedule": "rate(5 minutes)",
                    "ScalableTargetAction": {"DesiredCount": 4},
                }
            },
            'Unknown parameter in ScalableTargetAction: "DesiredCount"',
        ),
        (
            {
                "putScalingPolicy": {
                    "PolicyName": "s",
                    "PolicyType": "StepScaling",
                    "StepScalingPolicyConfiguration": {
                        "AdjustmentType": "ChangeInCapacity",
                        "StepAdjustments": [
                            {
                                "MetricIntervalLowerBound": 0,
                                "MetricIntervalUpperBound": 10,
                                "ScalingAdjustment": 1,
                            },
                            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},
                        ],
                    },
                }
            },
            "can't overlap or have a gap",
        ),
        (
            {
                "putScalingPolicy": {
                    **CPU60,
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": 1000,
                        "PredefinedMetricSpecification": {
                            "PredefinedMetricType": "ALBRequestCountPerTarget"
                        },
                    },
                }
            },
            "needs a ResourceLabel",
        ),
        ({"registerScalableTarget": {**TARGET, "ResourceId": "web"}}, "not an ECS service"),
        ({"putScalingPolicy": {**CPU60, "PolicyTyp": "x"}}, "Unknown parameter"),
    ],
)
def test_what_aws_refuses_is_refused(change: dict[str, Any], words: str) -> None:
    document = {**TRAP, **change}
    with pytest.raises(InputError, match=None) as caught:
        read_scaling(document, Where("scenario.yaml"))
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("text", "when", "due"),
    [
        ("cron(0 8 ? * MON-FRI *)", "2024-01-01T08:00", True),  # a Monday
        ("cron(0 8 ? * MON-FRI *)", "2024-01-06T08:00", False),  # a Saturday
        ("cron(*/15 * * * ? *)", "2024-01-01T10:45", True),
        ("cron(*/15 * * * ? *)", "2024-01-01T10:50", False),
        ("at(2024-01-01T08:30:00)", "2024-01-01T08:30", True),
        ("rate(2 hours)", "2024-01-01T02:00", True),
        ("rate(2 hours)", "2024-01-01T03:00", False),
    ],
)
def test_schedule_expressions(text: str, when: str, due: bool) -> None:
    from datetime import datetime

    schedule = parse_schedule(text, Where("test"))
    moment = datetime.fromisoformat(when)
    assert schedule.due(moment, datetime(2024, 1, 1)) is due


def test_a_bad_cron_is_refused() -> None:
    with pytest.raises(InputError, match="6"):
        parse_schedule("cron(0 8 * * *)", Where("test"))


@settings(max_examples=60, deadline=None)
@given(
    low=st.integers(0, 5),
    span=st.integers(0, 20),
    start=st.integers(0, 40),
    capacity=st.one_of(st.none(), st.integers(0, 30)),
    loads=st.lists(st.tuples(st.integers(0, 59), st.integers(0, 3000)), min_size=1, max_size=6),
    target=st.integers(10, 90),
    disable=st.booleans(),
)
def test_counts_stay_within_bounds_and_room(
    low: int,
    span: int,
    start: int,
    capacity: int | None,
    loads: list[tuple[int, int]],
    target: int,
    disable: bool,
) -> None:
    document = {
        "registerScalableTarget": {**TARGET, "MinCapacity": low, "MaxCapacity": low + span},
        "putScalingPolicy": {
            **CPU60,
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": target,
                "DisableScaleIn": disable,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
                },
            },
        },
        "service": {"desiredCount": start, "capacity": capacity},
        "timeline": {"minutes": 60, "load": [{"at": at, "cpu": cpu} for at, cpu in loads]},
    }
    result = simulate(read_scaling(document, Where("test")))
    for row in result.minutes:
        assert low <= row.desired <= low + span
        assert row.running <= row.desired
        assert capacity is None or row.running <= capacity
    if disable:
        assert all(a.after >= a.before for a in result.activities if a.cause == "cpu60")
    for activity in result.activities:
        assert activity.after != activity.before


# --- the command ------------------------------------------------------------------


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_cli_text_matches_golden(tmp_path: Path) -> None:
    path = write(tmp_path, TRAP)
    result = CliRunner().invoke(
        app, ["simulate", "scaling", str(path), "--trace"], env={"COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.output
    golden = GOLDEN / "simulate_scaling_trap.txt"
    assert result.output == golden.read_text(encoding="utf-8")


def test_cli_json(tmp_path: Path) -> None:
    path = write(tmp_path, TRAP)
    result = CliRunner().invoke(app, ["simulate", "scaling", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["facts"]["peak_desired"] == 20
    assert data["activities"][0]["to"] == 10
    assert len(data["minutes"]) == 60
    assert any("INF" in note for note in data["notes"])


def test_cli_separate_request_files(tmp_path: Path) -> None:
    (tmp_path / "target.json").write_text(json.dumps(TARGET), encoding="utf-8")
    (tmp_path / "cpu.json").write_text(json.dumps(CPU60), encoding="utf-8")
    (tmp_path / "load.yaml").write_text(
        "minutes: 30\nload:\n  - {at: 0, cpu: 600}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "scaling",
            "--scalable-target",
            str(tmp_path / "target.json"),
            "--policy",
            str(tmp_path / "cpu.json"),
            "--timeline",
            str(tmp_path / "load.yaml"),
            "--desired",
            "2",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["facts"]["desired"] == 10  # ceil(2 × 300 ÷ 60)


def test_cli_refusal_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, {**TRAP, "registerScalableTarget": {**TARGET, "MinCapacity": 50}})
    result = CliRunner().invoke(app, ["simulate", "scaling", str(path)])
    assert result.exit_code == 2
    assert "MinCapacity 50 is greater than MaxCapacity 20" in result.output
    assert "Traceback" not in result.output


def test_cli_without_input_says_what_to_give() -> None:
    result = CliRunner().invoke(app, ["simulate", "scaling"])
    assert result.exit_code == 2
    assert "--scalable-target" in result.output
