"""Service Auto Scaling's facts as a question's check sees them (sim/scaling_check.py): the
facts of runs worked out by hand from the documented rules, a property that recomputes the
count facts from the run's timeline, how conditions (ranges, minutes) are missed, and the
one-line summary."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import Outcome, simulator

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
# CPU demand of 600% from minute 10 on a service of 2 tasks that the cluster holds 6 of.
TRAP = {
    "registerScalableTarget": TARGET,
    "putScalingPolicy": CPU60,
    "service": {"desiredCount": 2, "capacity": 6},
    "timeline": {"minutes": 60, "load": [{"at": 0, "cpu": 100}, {"at": 10, "cpu": 600}]},
}


def _step(name: str, adjustment: int, cooldown: int | None = None) -> dict[str, Any]:
    bound = "MetricIntervalLowerBound" if adjustment > 0 else "MetricIntervalUpperBound"
    config: dict[str, Any] = {
        "AdjustmentType": "ChangeInCapacity",
        "StepAdjustments": [{bound: 0, "ScalingAdjustment": adjustment}],
    }
    if cooldown is not None:
        config["Cooldown"] = cooldown
    return {
        "PolicyName": name,
        "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": config,
    }


def _alarm(name: str, operator: str, threshold: int, action: str) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": threshold,
        "ComparisonOperator": operator,
        "AlarmActions": [action],
    }


# +1 task when more than 100 messages wait, -2 when fewer than 10 (the default step cooldown
# of 300 s between the two +1s); 150 messages until minute 8, then none.
QUEUE = {
    "registerScalableTarget": TARGET,
    "putScalingPolicy": [_step("out", 1), _step("in", -2)],
    "putMetricAlarm": [
        _alarm("busy", "GreaterThanThreshold", 100, "out"),
        _alarm("idle", "LessThanThreshold", 10, "in"),
    ],
    "service": {"desiredCount": 4},
    "timeline": {"minutes": 12, "load": [{"at": 0, "messages": 150}, {"at": 8, "messages": 0}]},
}
WHERE = Where("pack.yaml", "questions[q].check.scenario")


def _run(document: dict[str, Any]) -> Outcome:
    sim = simulator("scaling")
    return sim.run(sim.build(document, WHERE, Path("."), "q"))


def _counts(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if k not in ("desired_at", "running_at")}


def test_the_facts_of_a_target_tracking_run_held_by_the_room_and_max() -> None:
    # Minutes 10-12 are three datapoints above 60%: at 12, 600% over 2 tasks is 300, so
    # ceil(2 × 300 ÷ 60) = 10; after the 120 s cooldown 600 over the 6 running is 100:
    # ceil(10 × 100 ÷ 60) = 17, then ceil(17 × 100 ÷ 60) = 29, held at MaxCapacity 20.
    outcome = _run(TRAP)
    assert _counts(dict(outcome.facts)) == {
        "desired": 20,
        "running": 6,
        "peak_desired": 20,
        "lowest_desired": 2,
        "peak_running": 6,
        "peak_pending": 14,
        "changes": [8, 7, 3],
        "scale_outs": 3,
        "scale_ins": 0,
        "scaled_out_by": ["cpu60"],
        "scaled_in_by": [],
        "first_scale_out": 12,
        "largest_scale_out": 8,
        "held_by_max": True,
        "scaled_out_in_cooldown": False,
        "alarms_written": 0,
        "service_cpu": 100.0,
        "service_memory": None,
        "requests_per_task": None,
        "backlog_per_task": None,
        "wait_seconds": None,
    }
    assert set(outcome.facts) == set(simulator("scaling").facts)
    desired_at = outcome.facts["desired_at"]
    running_at = outcome.facts["running_at"]
    assert isinstance(desired_at, dict)
    assert isinstance(running_at, dict)
    assert len(desired_at) == len(running_at) == 60
    assert (desired_at["00:00"], desired_at["00:12"], desired_at["00:13"]) == (2, 2, 10)
    assert (running_at["00:13"], running_at["00:59"]) == (6, 6)
    assert outcome.summary == (
        "Desired count 2 → 10 (00:12 cpu60) → 17 (00:14 cpu60) → 20 (00:16 cpu60) over 60 min "
        "(peak 20); up to 14 task(s) desired but not running; held at MaxCapacity."
    )
    assert any("ceil(desired × metric ÷ target)" in note for note in outcome.notes)


def test_the_facts_of_step_policies_out_and_in() -> None:
    outcome = _run(QUEUE)
    assert _counts(dict(outcome.facts)) == {
        "desired": 4,
        "running": 4,
        "peak_desired": 6,
        "lowest_desired": 4,
        "peak_running": 6,
        "peak_pending": 0,
        "changes": [1, 1, -2],
        "scale_outs": 2,
        "scale_ins": 1,
        "scaled_out_by": ["out"],
        "scaled_in_by": ["in"],
        "first_scale_out": 0,
        "largest_scale_out": 1,
        "held_by_max": False,
        "scaled_out_in_cooldown": False,
        "alarms_written": 2,
        "service_cpu": None,
        "service_memory": None,
        "requests_per_task": None,
        "backlog_per_task": 0.0,
        "wait_seconds": None,
    }
    assert outcome.summary == (
        "Desired count 4 → 5 (00:00 out) → 6 (00:05 out) → 4 (00:08 in) over 12 min (peak 6)."
    )


def test_one_alarm_written_as_a_mapping_counts_one() -> None:
    document = {**QUEUE, "putScalingPolicy": _step("out", 1)}
    document["putMetricAlarm"] = _alarm("busy", "GreaterThanThreshold", 100, "out")
    assert _run(document).facts["alarms_written"] == 1


def test_the_values_at_the_end_per_task_rounded_to_a_tenth() -> None:
    outcome = _run(
        {
            "registerScalableTarget": TARGET,
            "service": {"desiredCount": 3, "secondsPerMessage": 0.5},
            "timeline": {
                "minutes": 5,
                "load": [{"at": 0, "cpu": 100, "memory": 200, "requests": 300, "messages": 100}],
            },
        }
    )
    facts = outcome.facts
    # 100 % ÷ 3 tasks, 200 % ÷ 3, 300 requests ÷ 3, 100 messages ÷ 3 (× 0.5 s)
    assert (facts["service_cpu"], facts["service_memory"]) == (33.3, 66.7)
    assert (facts["requests_per_task"], facts["backlog_per_task"]) == (100.0, 33.3)
    assert facts["wait_seconds"] == 16.7
    assert (facts["changes"], facts["first_scale_out"], facts["largest_scale_out"]) == ([], None, 0)
    assert outcome.summary == "Desired count 3, unchanged over 5 min (peak 3)."


def test_a_long_run_of_changes_is_cut_in_the_summary() -> None:
    document = {
        **QUEUE,
        "putScalingPolicy": [_step("out", 1, cooldown=0), _step("in", -2)],
        "timeline": {"minutes": 12, "load": [{"at": 0, "messages": 150}]},
    }
    outcome = _run(document)
    assert outcome.facts["changes"] == [1] * 12
    assert outcome.summary == (
        "Desired count 4 → 5 (00:00 out) → 6 (00:01 out) → … 8 more … → 15 (00:10 out) → "
        "16 (00:11 out) over 12 min (peak 16)."
    )
    five = {**document, "timeline": {"minutes": 5, "load": [{"at": 0, "messages": 150}]}}
    assert _run(five).summary == (
        "Desired count 4 → 5 (00:00 out) → 6 (00:01 out) → 7 (00:02 out) → 8 (00:03 out) → "
        "9 (00:04 out) over 5 min (peak 9)."
    )


# --- how a condition is missed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "misses"),
    [
        ({"desired": 20, "peak_pending": 14}, ()),
        ({"desired": 19}, ("desired: expected 19, the simulator gives 20",)),
        ({"desired": {"at_least": 20}}, ()),
        ({"desired": {"at_least": 21}}, ("desired: expected at least 21, the simulator gives 20",)),
        ({"desired": {"at_most": 20}}, ()),
        ({"desired": {"at_most": 19}}, ("desired: expected at most 19, the simulator gives 20",)),
        ({"service_cpu": {"at_least": 100, "at_most": 100}}, ()),
        (
            {"service_cpu": {"at_least": 50, "at_most": 70}},
            ("service_cpu: expected at least 50 and at most 70, the simulator gives 100.0",),
        ),
        (
            {"service_memory": {"at_least": 0}},
            ("service_memory: expected at least 0, the simulator gives nothing",),
        ),
        # a Boolean is not a number
        (
            {"held_by_max": {"at_least": 0}},
            ("held_by_max: expected at least 0, the simulator gives True",),
        ),
        ({"desired": {"at_least": None, "at_most": 25}}, ()),
        # not a range: compared as it is
        ({"desired": {}}, ("desired: expected none, the simulator gives 20",)),
        (
            {"desired": {"at_least": 1, "exactly": 20}},
            ("desired: expected {at_least: 1, exactly: 20}, the simulator gives 20",),
        ),
        ({"desired_at": {"00:12": 2, "00:13": 10}}, ()),
        ({"desired_at": {"00:13": {"at_least": 5, "at_most": 10}}}, ()),
        (
            {"desired_at": {"00:12": 10, "00:13": {"at_most": 5}}},
            (
                "desired_at 00:12: expected 10, the simulator gives 2",
                "desired_at 00:13: expected at most 5, the simulator gives 10",
            ),
        ),
        ({"running_at": {"00:14": 6, "00:05": 2}}, ()),
        ({"running_at": {"00:14": 7}}, ("running_at 00:14: expected 7, the simulator gives 6",)),
        ({"desired_at": {"01:30": 4}}, ("desired_at: the timeline has no minute '01:30'",)),
        ({"desired_at": {"9": 2}}, ()),  # minutes from the start may be given as a number
        # in the order given: minutes and ranges first, then the plain facts
        (
            {"scale_outs": 2, "desired": {"at_most": 3}, "running_at": {"00:30": 5}},
            (
                "desired: expected at most 3, the simulator gives 20",
                "running_at 00:30: expected 5, the simulator gives 6",
                "scale_outs: expected 2, the simulator gives 3",
            ),
        ),
        ({"note": "ceil(desired"}, ()),
        ({"refused": "x"}, ("refused: expected AWS to refuse with 'x'; it accepts the input",)),
    ],
)
def test_how_a_condition_is_missed(condition: dict[str, Any], misses: tuple[str, ...]) -> None:
    assert simulator("scaling").misses(condition, _run(TRAP)) == misses


def test_a_refused_run_misses_ranges_and_minutes_as_refused() -> None:
    refused = Outcome(facts={}, refused="MinCapacity is greater than MaxCapacity")
    condition = {"desired": {"at_least": 1}, "desired_at": {"00:01": 2}, "refused": "MinCapacity"}
    assert simulator("scaling").misses(condition, refused) == (
        "desired: AWS refuses the input (MinCapacity is greater than MaxCapacity)",
        "desired_at: AWS refuses the input (MinCapacity is greater than MaxCapacity)",
    )


# --- the count facts, recomputed from the timeline -----------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    start=st.integers(0, 12),
    capacity=st.one_of(st.none(), st.integers(0, 15)),
    loads=st.lists(
        st.tuples(st.integers(0, 29), st.integers(0, 400)),
        min_size=1,
        max_size=5,
        unique_by=lambda point: point[0],
    ),
    cooldown=st.sampled_from([0, 60, 300]),
)
def test_the_count_facts_follow_from_the_timeline_and_the_changes(
    start: int, capacity: int | None, loads: list[tuple[int, int]], cooldown: int
) -> None:
    document = {
        **QUEUE,
        "registerScalableTarget": {**TARGET, "MinCapacity": 0},
        "putScalingPolicy": [_step("out", 2, cooldown), _step("in", -1, cooldown)],
        "service": {"desiredCount": start, "capacity": capacity},
        "timeline": {"minutes": 30, "load": [{"at": at, "messages": m} for at, m in loads]},
    }
    outcome = _run(document)
    facts = outcome.facts
    desired_at = facts["desired_at"]
    running_at = facts["running_at"]
    changes = facts["changes"]
    assert isinstance(desired_at, dict)
    assert isinstance(running_at, dict)
    assert isinstance(changes, list)
    desired = [*desired_at.values(), facts["desired"]]
    running = [*running_at.values(), facts["running"]]
    assert facts["peak_desired"] == max(desired)
    assert facts["lowest_desired"] == min(desired)
    assert facts["peak_running"] == max(running)
    assert facts["peak_pending"] == max(d - r for d, r in zip(desired, running, strict=True))
    assert start + sum(changes) == facts["desired"]
    outs = [c for c in changes if c > 0]
    ins = [c for c in changes if c < 0]
    assert (facts["scale_outs"], facts["scale_ins"]) == (len(outs), len(ins))
    assert facts["scaled_out_by"] == (["out"] if outs else [])
    assert facts["scaled_in_by"] == (["in"] if ins else [])
    assert facts["largest_scale_out"] == max(outs, default=0)
    # the first scale-out's minute is the first minute whose next minute desires more
    rises = [minute for minute, (now, then) in enumerate(pairwise(desired)) if then > now]
    assert facts["first_scale_out"] == (rises[0] if rises else None)
    # the last datapoint: the last point's messages over the tasks running in the last minute
    messages = max(loads)[1]
    last = list(running_at.values())[-1]
    per_task = None if not last else round(messages / last, 1)
    assert facts["backlog_per_task"] == per_task


def test_the_command_s_json_counts_the_alarms_the_scenario_writes(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from ecsprep.ui.app import app

    path = tmp_path / "queue.json"
    path.write_text(json.dumps(QUEUE), encoding="utf-8")
    done = CliRunner().invoke(app, ["simulate", "scaling", str(path), "--format", "json"])
    assert done.exit_code == 0, done.output
    facts = json.loads(done.output)["facts"]
    assert (facts["alarms_written"], facts["changes"]) == (2, [1, 1, -2])


def test_the_summary_starts_from_the_count_given_before_the_target_moved_it() -> None:
    # desired 1 under MinCapacity 2: registering the target raises it before minute 0 runs
    document = {**QUEUE, "service": {"desiredCount": 1}, "timeline": {"minutes": 1}}
    document["putScalingPolicy"] = _step("out", 1)
    document["putMetricAlarm"] = _alarm("busy", "GreaterThanThreshold", 100, "out")
    outcome = _run(document)
    assert outcome.summary == (
        "Desired count 1 → 2 (00:00 RegisterScalableTarget) over 1 min (peak 2)."
    )
    assert outcome.facts["lowest_desired"] == 2


def test_a_one_minute_run_without_changes() -> None:
    document = {**TRAP, "timeline": {"minutes": 1, "load": [{"at": 0, "cpu": 100}]}}
    assert _run(document).summary == "Desired count 2, unchanged over 1 min (peak 2)."


def test_six_changes_are_cut_to_the_first_two_and_the_last_two() -> None:
    document = {
        **QUEUE,
        "putScalingPolicy": [_step("out", 1, cooldown=0), _step("in", -2)],
        "timeline": {"minutes": 6, "load": [{"at": 0, "messages": 150}]},
    }
    assert _run(document).summary == (
        "Desired count 4 → 5 (00:00 out) → 6 (00:01 out) → … 2 more … → 9 (00:04 out) → "
        "10 (00:05 out) over 6 min (peak 10)."
    )


def test_every_minute_a_condition_names_is_looked_at() -> None:
    condition = {"desired_at": {"01:30": 4, "00:12": 10, "99": 1, "00:13": 10}}
    assert simulator("scaling").misses(condition, _run(TRAP)) == (
        "desired_at: the timeline has no minute '01:30'",
        "desired_at 00:12: expected 10, the simulator gives 2",
        "desired_at: the timeline has no minute '99'",
    )
