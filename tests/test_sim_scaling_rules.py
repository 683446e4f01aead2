"""Service Auto Scaling's rules, minute by minute (sim/scaling.py): step adjustment
arithmetic (PercentChangeInCapacity's rounding and MinAdjustmentMagnitude as the
StepScalingPolicyConfiguration reference gives them), how a CloudWatch alarm turns the
minutes into datapoints (Period, Statistic, EvaluationPeriods, DatapointsToAlarm, the
comparison) and finding a minute by its clock."""

from __future__ import annotations

from typing import Any

import pytest

from ecsprep.sim.documents import Where
from ecsprep.sim.scaling import ScalingResult, simulate
from ecsprep.sim.scaling_input import read_scaling

TARGET = {
    "ServiceNamespace": "ecs",
    "ResourceId": "service/default/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "MinCapacity": 0,
    "MaxCapacity": 1000,
}


def _alarm(**more: Any) -> dict[str, Any]:
    return {
        "AlarmName": "a",
        "Namespace": "Custom",
        "MetricName": "Depth",
        "EvaluationPeriods": 1,
        "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold",
        **more,
    }


def _run(document: dict[str, Any]) -> ScalingResult:
    return simulate(read_scaling({"registerScalableTarget": TARGET, **document}, Where("t")))


def _one_step(kind: str, adjustment: int, desired: int, **config: Any) -> ScalingResult:
    """One minute in ALARM (Depth 10 above a threshold of 0, or below 20 for a scale-in)."""
    out = adjustment > 0 or kind == "ExactCapacity"
    bound = "MetricIntervalLowerBound" if out else "MetricIntervalUpperBound"
    policy = {
        "PolicyName": "p",
        "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": kind,
            "StepAdjustments": [{bound: 0, "ScalingAdjustment": adjustment}],
            **config,
        },
    }
    alarm = _alarm(
        AlarmActions=["p"],
        Threshold=0 if out else 20,
        ComparisonOperator="GreaterThanThreshold" if out else "LessThanThreshold",
    )
    return _run(
        {
            "putScalingPolicy": policy,
            "putMetricAlarm": alarm,
            "service": {"desiredCount": desired},
            "timeline": {"minutes": 1, "load": [{"at": 0, "metrics": {"Depth": 10}}]},
        }
    )


@pytest.mark.parametrize(
    ("kind", "adjustment", "desired", "config", "after"),
    [
        ("ChangeInCapacity", 3, 4, {}, 7),
        ("ChangeInCapacity", -3, 4, {}, 1),
        ("ChangeInCapacity", -5, 4, {}, 0),  # never below 0 tasks
        ("ExactCapacity", 3, 10, {}, 3),
        ("ExactCapacity", 12, 10, {}, 12),
        ("ExactCapacity", 0, 10, {}, 0),
        # PercentChangeInCapacity: a change between 0 and 1 is 1, above 1 rounded down,
        # between -1 and 0 is -1, below -1 rounded up (toward 0)
        ("PercentChangeInCapacity", 5, 10, {}, 11),  # +0.5 → +1
        ("PercentChangeInCapacity", 127, 10, {}, 22),  # +12.7 → +12
        ("PercentChangeInCapacity", 10, 15, {}, 16),  # +1.5 → +1
        ("PercentChangeInCapacity", 50, 10, {}, 15),  # +5 exactly
        ("PercentChangeInCapacity", 10, 10, {}, 11),  # +1 exactly
        ("PercentChangeInCapacity", -5, 10, {}, 9),  # -0.5 → -1
        ("PercentChangeInCapacity", -10, 10, {}, 9),  # -1 exactly
        ("PercentChangeInCapacity", -22, 30, {}, 24),  # -6.6 → -6
        ("PercentChangeInCapacity", -50, 10, {}, 5),  # -5 exactly
        ("PercentChangeInCapacity", -100, 3, {}, 0),
        # the reference's example: 25 % of 4 is 1, a MinAdjustmentMagnitude of 2 adds 2
        ("PercentChangeInCapacity", 25, 4, {"MinAdjustmentMagnitude": 2}, 6),
        ("PercentChangeInCapacity", 25, 40, {"MinAdjustmentMagnitude": 2}, 50),  # 10 ≥ 2
        ("PercentChangeInCapacity", 25, 8, {"MinAdjustmentMagnitude": 2}, 10),  # exactly 2
        ("PercentChangeInCapacity", -25, 4, {"MinAdjustmentMagnitude": 2}, 2),
        ("PercentChangeInCapacity", -25, 40, {"MinAdjustmentMagnitude": 2}, 30),
    ],
)
def test_a_step_adjustment(
    kind: str, adjustment: int, desired: int, config: dict[str, Any], after: int
) -> None:
    result = _one_step(kind, adjustment, desired, **config)
    assert result.final_desired == after
    if after != desired:
        (activity,) = result.activities
        assert (activity.before, activity.after, activity.cause) == (desired, after, "p")
        word = f"{kind} {adjustment:+d}"
        assert word in activity.why
    else:
        assert result.activities == ()


def test_a_percent_change_of_nothing_changes_nothing() -> None:
    assert _one_step("PercentChangeInCapacity", 0, 10).activities == ()
    assert _one_step("PercentChangeInCapacity", 50, 0).activities == ()  # 50 % of 0 is 0
    # MinAdjustmentMagnitude raises a change, it doesn't make one out of nothing
    assert _one_step("PercentChangeInCapacity", 0, 10, MinAdjustmentMagnitude=2).activities == ()
    assert _one_step("PercentChangeInCapacity", 50, 0, MinAdjustmentMagnitude=2).activities == ()


def test_a_step_of_zero_in_the_cooldown_of_a_scale_out_changes_nothing() -> None:
    # the usual band that holds the count: [0, 10) adds 0, from 10 up adds 2
    steps = [
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 0},
        {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2},
    ]
    alarm = {"Threshold": 100, "ComparisonOperator": "GreaterThanThreshold"}
    result = _stepped(steps, alarm, 4, [(0, 115), (1, 105)])
    assert [(a.clock, a.before, a.after) for a in result.activities] == [("00:00", 4, 6)]
    assert result.events == ()


# --- alarms: datapoints and states --------------------------------------------------------


def _states(depths: list[float | None], **alarm: Any) -> list[tuple[str, float | None]]:
    """The alarm's state and newest datapoint each minute, Depth given minute by minute
    (None: no datapoint that minute)."""
    load = [{"at": t, "metrics": {} if d is None else {"Depth": d}} for t, d in enumerate(depths)]
    if depths and depths[0] is None:
        load[0] = {"at": 0}
    result = _run(
        {
            "putMetricAlarm": _alarm(**alarm),
            "service": {"desiredCount": 1},
            "timeline": {"minutes": len(depths), "load": load},
        }
    )
    return [(row.alarms["a"], row.metrics["a"]) for row in result.minutes]


def test_one_minute_periods_of_the_average() -> None:
    assert _states([1, 0, 5], Threshold=1) == [("OK", 1), ("OK", 0), ("ALARM", 5)]


@pytest.mark.parametrize(
    ("operator", "states"),
    [
        ("GreaterThanThreshold", ["OK", "OK", "ALARM"]),
        ("GreaterThanOrEqualToThreshold", ["OK", "ALARM", "ALARM"]),
        ("LessThanThreshold", ["ALARM", "OK", "OK"]),
        ("LessThanOrEqualToThreshold", ["ALARM", "ALARM", "OK"]),
    ],
)
def test_the_comparison_at_and_around_the_threshold(operator: str, states: list[str]) -> None:
    got = _states([1, 2, 3], Threshold=2, ComparisonOperator=operator)
    assert [state for state, _ in got] == states


@pytest.mark.parametrize(
    ("statistic", "datapoints"),
    [
        ("Average", [None, 3.0, 2.5, 3.0]),
        ("Sum", [None, 6.0, 5.0, 6.0]),
        ("Minimum", [None, 2.0, 1.0, 1.0]),
        ("Maximum", [None, 4.0, 4.0, 5.0]),
        ("SampleCount", [None, 2.0, 2.0, 2.0]),
    ],
)
def test_two_minute_periods_of_each_statistic(
    statistic: str, datapoints: list[float | None]
) -> None:
    # Depth 2, 4, 1, 5 by minute; the alarm is evaluated every minute over the Period that
    # ends then ([2, 4], [4, 1], [1, 5]); before a whole Period has passed there is none
    got = _states([2, 4, 1, 5], Period=120, Statistic=statistic, Threshold=100)
    assert [value for _, value in got] == datapoints
    assert [state for state, _ in got] == ["INSUFFICIENT_DATA", "OK", "OK", "OK"]


def test_m_of_n_datapoints_to_alarm() -> None:
    got = _states([5, 0, 5, 0, 0, 5, 5], Threshold=1, EvaluationPeriods=3, DatapointsToAlarm=2)
    # minute: the last three datapoints breaching (newest last)
    # 0: [5] 1; 1: [5, 0] 1; 2: [5, 0, 5] 2; 3: [0, 5, 0] 1; 4: [5, 0, 0] 1; 5: [0, 0, 5] 1;
    # 6: [0, 5, 5] 2
    assert [state for state, _ in got] == ["OK", "OK", "ALARM", "OK", "OK", "OK", "ALARM"]


def test_all_periods_must_breach_when_datapoints_to_alarm_is_left_out() -> None:
    got = _states([5, 5, 0, 5, 5, 5], Threshold=1, EvaluationPeriods=3)
    assert [state for state, _ in got] == ["OK", "OK", "OK", "OK", "OK", "ALARM"]


def test_missing_data_is_neither_breaching_nor_ok() -> None:
    got = _states([None, None, 5, None], Threshold=1)
    assert got == [
        ("INSUFFICIENT_DATA", None),
        ("INSUFFICIENT_DATA", None),
        ("ALARM", 5),
        ("ALARM", 5),  # the point holds until the next one changes it
    ]


# --- minutes by their clock ---------------------------------------------------------------


def test_a_minute_by_number_or_clock() -> None:
    result = _run(
        {
            "service": {"desiredCount": 1},
            "timeline": {"start": "2024-01-01T23:58:00Z", "minutes": 4},
        }
    )
    assert [row.clock for row in result.minutes] == ["23:58", "23:59", "00:00", "00:01"]
    assert result.minute_of(0) == 0
    assert result.minute_of(3) == 3
    assert result.minute_of(4) is None
    assert result.minute_of(-1) is None
    assert result.minute_of("2") == 2
    assert result.minute_of(" 00:01 ") == 3
    assert result.minute_of("23:59") == 1
    assert result.minute_of("12:00") is None
    assert result.minute_of(True) is None


def test_a_run_longer_than_a_day_names_minutes_with_their_date() -> None:
    result = _run(
        {
            "service": {"desiredCount": 1},
            "timeline": {"start": "2024-01-01T00:00:00Z", "minutes": 24 * 60 + 1},
        }
    )
    assert result.minutes[0].clock == "2024-01-01 00:00"
    assert result.minutes[-1].clock == "2024-01-02 00:00"
    assert result.minute_of("00:00") == 0  # its first occurrence
    assert result.minute_of("2024-01-02 00:00") == 24 * 60
    exactly = _run({"service": {"desiredCount": 1}, "timeline": {"minutes": 24 * 60}})
    assert exactly.minutes[-1].clock == "23:59"


def test_a_cooldown_ending_after_a_long_run_is_named_with_its_date() -> None:
    policy = {
        "PolicyName": "p",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": "ChangeInCapacity",
            "Cooldown": 600,
            "StepAdjustments": [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}],
        },
    }
    result = _run(
        {
            "putScalingPolicy": policy,
            "putMetricAlarm": _alarm(
                AlarmActions=["p"], Threshold=10, ComparisonOperator="LessThanThreshold"
            ),
            "service": {"desiredCount": 6},
            "timeline": {
                "start": "2024-01-01T00:00:00Z",
                "minutes": 24 * 60 + 1,
                "load": [
                    {"at": 0, "metrics": {"Depth": 50}},
                    {"at": "23:55", "metrics": {"Depth": 5}},
                ],
            },
        }
    )
    assert [(a.clock, a.after) for a in result.activities] == [("2024-01-01 23:55", 5)]
    # the cooldown ends at 00:05 the next day, after the run's last minute
    assert [(e.clock, e.text) for e in result.events] == [
        ("2024-01-01 23:56", "p wants 4: in its Cooldown until 2024-01-02 00:05")
    ]


# --- target tracking's decisions (the INF rules the notes name) -----------------------------


def _tt(name: str = "cpu", **config: Any) -> dict[str, Any]:
    return {
        "PolicyName": name,
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 50,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            **config,
        },
    }


def _tracked(policies: Any, desired: int, load: list[dict[str, Any]], minutes: int) -> Any:
    target = {**TARGET, "MinCapacity": 1, "MaxCapacity": 10}
    return simulate(
        read_scaling(
            {
                "registerScalableTarget": target,
                "putScalingPolicy": policies,
                "service": {"desiredCount": desired},
                "timeline": {"minutes": minutes, "load": load},
            },
            Where("t"),
        )
    )


def _activities(result: Any) -> list[tuple[str, int, int, str]]:
    return [(a.clock, a.before, a.after, a.cause) for a in result.activities]


def test_target_tracking_scales_out_after_three_high_datapoints() -> None:
    result = _tracked(_tt(), 2, [{"at": 0, "cpu": 200}], 12)
    # 200 % over 2 tasks is 100 against 50: minutes 0, 1 and 2 are high
    assert _activities(result) == [("00:02", 2, 4, "cpu")]
    assert result.activities[0].why == (
        "ECSServiceAverageCPUUtilization 100 vs target 50: ceil(2 × 100 ÷ 50) = 4 (INF)"
    )


def test_target_tracking_scales_in_after_fifteen_low_datapoints_then_waits_its_cooldown() -> None:
    result = _tracked(
        _tt(ScaleInCooldown=1800), 8, [{"at": 0, "cpu": 100}, {"at": 20, "cpu": 40}], 40
    )
    # 100 % over 8 tasks is 12.5: minutes 0-14 are low, ceil(8 × 12.5 ÷ 50) = 2; from minute
    # 20, 40 % over 2 is 20: low again at 34, inside the 30-minute cooldown from 00:14
    assert _activities(result) == [("00:14", 8, 2, "cpu")]
    assert [(e.clock, e.text) for e in result.events] == [
        ("00:34", "cpu wants 1: in its ScaleInCooldown until 00:44")
    ]


def test_a_policy_with_scale_in_disabled_does_not_hold_back_another() -> None:
    result = _tracked([_tt(), _tt("quiet", DisableScaleIn=True)], 8, [{"at": 0, "cpu": 100}], 20)
    assert _activities(result) == [("00:14", 8, 2, "cpu")]
    assert [(e.clock, e.text) for e in result.events] == [
        ("00:14", "quiet would scale in to 2: DisableScaleIn is true")
    ]


def test_two_policies_that_may_scale_in_must_both_want_to() -> None:
    load = [{"at": 0, "cpu": 100}]
    result = _tracked([_tt(), _tt("even", TargetValue=12.5)], 8, load, 20)
    # cpu (target 50) wants 2 from minute 14; even (target 12.5) sees 12.5, its target
    assert _activities(result) == []
    assert [(e.clock, e.text) for e in result.events] == [
        ("00:14", "cpu wants 2: another target tracking policy doesn't want to scale in")
    ]


# --- scheduled actions --------------------------------------------------------------------


def _scheduled(actions: list[dict[str, Any]], minutes: int, start: str) -> Any:
    target = {**TARGET, "MinCapacity": 1, "MaxCapacity": 10}
    return simulate(
        read_scaling(
            {
                "registerScalableTarget": target,
                "putScheduledAction": actions,
                "service": {"desiredCount": 4},
                "timeline": {"start": start, "minutes": minutes},
            },
            Where("t"),
        )
    )


def test_scheduled_actions_move_the_range_and_the_count_into_it() -> None:
    result = _scheduled(
        [
            {
                "ScheduledActionName": "up",
                "Schedule": "at(2024-01-01T00:30:00)",
                "ScalableTargetAction": {"MinCapacity": 12},
            },
            {
                "ScheduledActionName": "down",
                "Schedule": "at(2024-01-01T01:00:00)",
                "ScalableTargetAction": {"MinCapacity": 1, "MaxCapacity": 3},
            },
            {  # every 30 minutes from its StartTime, until its EndTime: once, at 01:10
                "ScheduledActionName": "late",
                "Schedule": "rate(30 minutes)",
                "StartTime": "2024-01-01T01:10:00Z",
                "EndTime": "2024-01-01T01:35:00Z",
                "ScalableTargetAction": {"MaxCapacity": 2},
            },
        ],
        120,
        "2024-01-01T00:00:00Z",
    )
    assert [(a.clock, a.before, a.after, a.cause, a.why) for a in result.activities] == [
        ("00:30", 4, 12, "up", "below the new MinCapacity 12"),
        ("01:00", 12, 3, "down", "above the new MaxCapacity 3"),
        ("01:10", 3, 2, "late", "above the new MaxCapacity 2"),
    ]
    assert [(e.clock, e.text) for e in result.events] == [
        ("00:30", "up (at(2024-01-01T00:30:00)) sets MinCapacity 12"),
        ("01:00", "down (at(2024-01-01T01:00:00)) sets MinCapacity 1 and MaxCapacity 3"),
        ("01:10", "late (rate(30 minutes)) sets MaxCapacity 2"),
    ]
    ranges = {row.clock: (row.min_capacity, row.max_capacity) for row in result.minutes}
    # a minimum above the maximum in force raises the maximum to it (INF, in the notes)
    assert (ranges["00:29"], ranges["00:30"], ranges["00:59"]) == ((1, 10), (12, 12), (12, 12))
    assert (ranges["01:00"], ranges["01:09"], ranges["01:10"]) == ((1, 3), (1, 3), (1, 2))
    assert ranges["01:59"] == (1, 2)
    assert any("raises the maximum" in note for note in result.notes)


def test_a_scheduled_action_runs_on_its_own_time_zone() -> None:
    result = _scheduled(
        [
            {
                "ScheduledActionName": "paris",
                "Schedule": "cron(0 8 * * ? *)",
                "Timezone": "Europe/Paris",
                "ScalableTargetAction": {"MinCapacity": 6},
            }
        ],
        90,
        "2024-01-01T06:00:00Z",
    )
    # 08:00 in Paris in January is 07:00 UTC
    assert [(a.clock, a.after) for a in result.activities] == [("07:00", 6)]
    assert not any("raises the maximum" in note for note in result.notes)


def test_a_scheduled_action_inside_the_range_changes_only_the_range() -> None:
    result = _scheduled(
        [
            {
                "ScheduledActionName": "wide",
                "Schedule": "at(2024-01-01T00:05:00)",
                "ScalableTargetAction": {"MinCapacity": 4, "MaxCapacity": 4},
            }
        ],
        10,
        "2024-01-01T00:00:00Z",
    )
    assert result.activities == ()
    assert result.minutes[5].min_capacity == result.minutes[5].max_capacity == 4


# --- step policies: the step that matched, cooldowns ---------------------------------------


def _stepped(steps: list[dict[str, Any]], alarm: dict[str, Any], desired: int, depths: Any) -> Any:
    target = {**TARGET, "MinCapacity": 1, "MaxCapacity": 50}
    policy = {
        "PolicyName": "p",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": "ChangeInCapacity",
            "Cooldown": 180,
            "StepAdjustments": steps,
        },
    }
    load = [{"at": at, "metrics": {"Depth": depth}} for at, depth in depths]
    return simulate(
        read_scaling(
            {
                "registerScalableTarget": target,
                "putScalingPolicy": policy,
                "putMetricAlarm": _alarm(AlarmActions=["p"], **alarm),
                "service": {"desiredCount": desired},
                "timeline": {"minutes": len(depths) and 8, "load": load},
            },
            Where("t"),
        )
    )


@pytest.mark.parametrize(
    ("steps", "alarm", "depth", "said"),
    [
        # above the threshold a step holds from its lower bound (inclusive) to its upper
        (
            [
                {
                    "MetricIntervalLowerBound": 0,
                    "MetricIntervalUpperBound": 10,
                    "ScalingAdjustment": 1,
                },
                {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2},
            ],
            {"Threshold": 50, "ComparisonOperator": "GreaterThanOrEqualToThreshold"},
            50,
            "a in ALARM (Depth 50 ≥ 50): step [0, 10) → ChangeInCapacity +1",
        ),
        (
            [
                {
                    "MetricIntervalLowerBound": 0,
                    "MetricIntervalUpperBound": 10,
                    "ScalingAdjustment": 1,
                },
                {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2},
            ],
            {"Threshold": 50, "ComparisonOperator": "GreaterThanOrEqualToThreshold"},
            60,
            "a in ALARM (Depth 60 ≥ 50): step [10, +∞) → ChangeInCapacity +2",
        ),
        # below it, from its lower bound (exclusive) to its upper (inclusive)
        (
            [
                {
                    "MetricIntervalLowerBound": -10,
                    "MetricIntervalUpperBound": 0,
                    "ScalingAdjustment": -1,
                },
                {"MetricIntervalUpperBound": -10, "ScalingAdjustment": -2},
            ],
            {"Threshold": 50, "ComparisonOperator": "LessThanOrEqualToThreshold"},
            50,
            "a in ALARM (Depth 50 ≤ 50): step (-10, 0] → ChangeInCapacity -1",
        ),
        (
            [
                {
                    "MetricIntervalLowerBound": -10,
                    "MetricIntervalUpperBound": 0,
                    "ScalingAdjustment": -1,
                },
                {"MetricIntervalUpperBound": -10, "ScalingAdjustment": -2},
            ],
            {"Threshold": 50, "ComparisonOperator": "LessThanThreshold"},
            40,
            "a in ALARM (Depth 40 < 50): step (-∞, -10] → ChangeInCapacity -2",
        ),
        (
            [
                {"MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
                {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2},
            ],
            {"Threshold": 50, "ComparisonOperator": "GreaterThanThreshold"},
            55.5,
            "a in ALARM (Depth 55.5 > 50): step (-∞, 10) → ChangeInCapacity +1",
        ),
    ],
)
def test_the_step_that_matched_is_shown_with_its_bounds_as_they_hold(
    steps: list[dict[str, Any]], alarm: dict[str, Any], depth: float, said: str
) -> None:
    result = _stepped(steps, alarm, 6, [(0, depth)])
    assert result.activities[0].why == said


def test_a_step_scale_out_in_its_cooldown_counts_what_it_added() -> None:
    steps = [
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 2},
        {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3},
    ]
    alarm = {"Threshold": 100, "ComparisonOperator": "GreaterThanThreshold"}
    result = _stepped(steps, alarm, 4, [(0, 105), (2, 150)])
    # +2 at 00:00 (cooldown 180 s, to 00:03); at 00:02 the +3 step counts from 4: +1 more;
    # at 00:03 the cooldown is over: +3
    assert [(a.clock, a.before, a.after) for a in result.activities] == [
        ("00:00", 4, 6),
        ("00:02", 6, 7),
        ("00:03", 7, 10),
        ("00:06", 10, 13),
    ]
    assert result.activities[1].why.endswith(" from 4 (the capacity added in the cooldown counts)")
    assert [(e.clock, e.text) for e in result.events][:2] == [
        ("00:01", "p: in its Cooldown, the 4→6 already there covers +2"),
        ("00:04", "p: in its Cooldown, the 7→10 already there covers +3"),
    ]


def test_a_step_scale_in_waits_its_cooldown() -> None:
    steps = [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]
    alarm = {"Threshold": 10, "ComparisonOperator": "LessThanThreshold"}
    result = _stepped(steps, alarm, 6, [(0, 5)])
    assert [(a.clock, a.after) for a in result.activities] == [
        ("00:00", 5),
        ("00:03", 4),
        ("00:06", 3),
    ]
    assert [(e.clock, e.text) for e in result.events] == [
        ("00:01", "p wants 4: in its Cooldown until 00:03"),
        ("00:04", "p wants 3: in its Cooldown until 00:06"),
        ("00:07", "p wants 2: in its Cooldown until 00:09"),
    ]


def test_a_value_in_alarm_that_no_step_covers() -> None:
    steps = [
        {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2},
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
    ]
    alarm = {"Threshold": 50, "ComparisonOperator": "GreaterThanThreshold"}
    # GreaterThanThreshold with ranges from 0: at 50 it isn't in ALARM; the steps start at
    # 0 so every value in ALARM matches one
    result = _stepped(steps, alarm, 6, [(0, 50)])
    assert result.activities == ()


def test_with_no_task_running_a_per_task_metric_has_no_datapoint_and_the_run_says_so() -> None:
    target = {**TARGET, "MinCapacity": 0, "MaxCapacity": 10}
    document = {
        "registerScalableTarget": target,
        "putScalingPolicy": _tt(),
        "service": {"desiredCount": 0},
        "timeline": {"minutes": 5, "load": [{"at": 0, "cpu": 300}]},
    }
    result = simulate(read_scaling(document, Where("t")))
    assert result.activities == ()
    assert [row.metrics["cpu"] for row in result.minutes] == [None] * 5
    assert "INF with no task running, per-task metrics have no datapoint" in result.notes
    # with a task running there is a datapoint, and no such note
    running = simulate(read_scaling({**document, "service": {"desiredCount": 1}}, Where("t")))
    assert running.minutes[0].metrics["cpu"] == 300
    assert not any("no task running" in note for note in running.notes)
    # a metric that isn't per task (the queue's depth) has its datapoint with no task running
    queue = {
        **document,
        "putScalingPolicy": {
            "PolicyName": "depth",
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 50,
                "CustomizedMetricSpecification": {
                    "Namespace": "AWS/SQS",
                    "MetricName": "ApproximateNumberOfMessagesVisible",
                },
            },
        },
        "timeline": {"minutes": 5, "load": [{"at": 0, "messages": 300}]},
    }
    drained = simulate(read_scaling(queue, Where("t")))
    assert drained.minutes[0].metrics["depth"] == 300
    assert not any("no task running" in note for note in drained.notes)


def test_each_load_point_holds_until_a_later_one_changes_what_it_names() -> None:
    document = {
        "registerScalableTarget": {**TARGET, "MinCapacity": 2, "MaxCapacity": 2},
        "putScalingPolicy": [
            _tt(),
            {
                "PolicyName": "depth",
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue": 1000,
                    "CustomizedMetricSpecification": {
                        "Namespace": "AWS/SQS",
                        "MetricName": "ApproximateNumberOfMessagesVisible",
                    },
                },
            },
        ],
        "service": {"desiredCount": 2},
        # listed out of order: the points are taken by their minute
        "timeline": {
            "minutes": 6,
            "load": [
                {"at": 4, "messages": 7},
                {"at": 0, "cpu": 20, "messages": 50},
                {"at": 2, "cpu": 60},
            ],
        },
    }
    result = simulate(read_scaling(document, Where("t")))
    assert [row.metrics["cpu"] for row in result.minutes] == [10, 10, 30, 30, 30, 30]
    assert [row.metrics["depth"] for row in result.minutes] == [50, 50, 50, 50, 7, 7]


def test_a_value_in_alarm_on_the_side_no_step_covers_is_named() -> None:
    # only a step below the threshold, on an alarm that goes off above it
    steps = [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]
    alarm = {"Threshold": 50, "ComparisonOperator": "GreaterThanThreshold"}
    result = _stepped(steps, alarm, 6, [(0, 60)])
    assert result.activities == ()
    assert [(e.clock, e.text) for e in result.events] == [
        ("00:00", "p: a at 60 matches no step adjustment")
    ]


def test_an_exact_capacity_step_in_its_cooldown_says_the_count_is_there() -> None:
    policy = {
        "PolicyName": "p",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": "ExactCapacity",
            "Cooldown": 180,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 9}],
        },
    }
    result = _run(
        {
            "putScalingPolicy": policy,
            "putMetricAlarm": _alarm(AlarmActions=["p"]),
            "service": {"desiredCount": 6},
            "timeline": {"minutes": 5, "load": [{"at": 0, "metrics": {"Depth": 10}}]},
        }
    )
    assert _activities(result) == [("00:00", 6, 9, "p")]
    # inside the cooldown (to 00:03) it says so once; after it, 9 wanted with 9 there is quiet
    assert [(e.clock, e.text) for e in result.events] == [
        ("00:01", "p: in its Cooldown, the 6→9 already added covers +9")
    ]


@pytest.mark.parametrize(
    ("operator", "adjustment", "expected"),
    [
        ("GreaterThanThreshold", 2, [("00:00", 4, 6), ("00:02", 6, 8), ("00:04", 8, 10)]),
        ("LessThanThreshold", -1, [("00:00", 4, 3), ("00:02", 3, 2), ("00:04", 2, 1)]),
    ],
)
def test_a_step_policy_keeps_its_own_cooldown_beside_target_tracking(
    operator: str, adjustment: int, expected: list[tuple[str, int, int]]
) -> None:
    # the target tracking policy has no datapoint (no cpu in the load), so only p scales; its
    # 120 s Cooldown, not the target tracking policy's 600 s / 900 s, spaces the changes
    bound = "MetricIntervalLowerBound" if adjustment > 0 else "MetricIntervalUpperBound"
    step = {
        "PolicyName": "p",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": "ChangeInCapacity",
            "Cooldown": 120,
            "StepAdjustments": [{bound: 0, "ScalingAdjustment": adjustment}],
        },
    }
    tracking = _tt(ScaleOutCooldown=600, ScaleInCooldown=900)
    result = _run(
        {
            "putScalingPolicy": [tracking, step],
            "putMetricAlarm": _alarm(AlarmActions=["p"], Threshold=5, ComparisonOperator=operator),
            "service": {"desiredCount": 4},
            "timeline": {
                "minutes": 5,
                "load": [{"at": 0, "metrics": {"Depth": 10 if adjustment > 0 else 0}}],
            },
        }
    )
    assert [(a.clock, a.before, a.after) for a in result.activities] == expected
    assert {a.cause for a in result.activities} == {"p"}


def test_a_step_policy_acts_only_on_the_alarm_s_newest_datapoint() -> None:
    # an alarm that stays in ALARM on 1 of 3 datapoints while its newest has none (no task
    # runs once a scheduled MaxCapacity of 0 stops them): no step can be chosen, nothing done
    document = {
        "registerScalableTarget": {**TARGET, "MinCapacity": 0, "MaxCapacity": 10},
        "putScalingPolicy": {
            "PolicyName": "p",
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "ChangeInCapacity",
                "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
            },
        },
        "putMetricAlarm": {
            "AlarmName": "busy",
            "Namespace": "AWS/ECS",
            "MetricName": "CPUUtilization",
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 1,
            "Threshold": 10,
            "ComparisonOperator": "GreaterThanThreshold",
            "AlarmActions": ["p"],
        },
        "putScheduledAction": {
            "ScheduledActionName": "off",
            "Schedule": "at(2024-01-01T00:02:00)",
            "ScalableTargetAction": {"MaxCapacity": 0},
        },
        "service": {"desiredCount": 2},
        "timeline": {
            "start": "2024-01-01T00:00:00Z",
            "minutes": 5,
            "load": [{"at": 0, "cpu": 800}],
        },
    }
    result = simulate(read_scaling(document, Where("t")))
    assert [row.alarms["busy"] for row in result.minutes] == ["ALARM"] * 4 + ["INSUFFICIENT_DATA"]
    assert [row.metrics["busy"] for row in result.minutes][2:] == [None, None, None]
    assert _activities(result) == [
        ("00:00", 2, 3, "p"),  # then its default 300 s cooldown
        ("00:02", 3, 0, "off"),
    ]


# --- survivors of the mutation run: what each decision shows ---------------------------------


def _depth_tt(name: str, target: float, **config: Any) -> dict[str, Any]:
    """Target tracking on a queue's depth (not per task: scaling doesn't change it)."""
    return {
        "PolicyName": name,
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": target,
            "CustomizedMetricSpecification": {"Namespace": "Custom", "MetricName": "Depth"},
            **config,
        },
    }


def _events(result: Any) -> list[tuple[str, str]]:
    return [(e.clock, e.text) for e in result.events]


def test_a_desired_count_outside_the_range_is_brought_inside_and_notes_say_what_applies() -> None:
    result = _run(
        {
            "registerScalableTarget": {**TARGET, "MinCapacity": 2, "MaxCapacity": 20},
            "putScalingPolicy": [_tt(), _tt("mem", TargetValue=70)],
            "service": {"desiredCount": 30},
            "timeline": {"minutes": 2, "load": [{"at": 0, "cpu": 600, "memory": 700}]},
        }
    )
    assert [(a.before, a.after, a.cause, a.why) for a in result.activities] == [
        (
            30,
            20,
            "RegisterScalableTarget",
            "the desired count is brought inside MinCapacity 2–MaxCapacity 20",
        )
    ]
    assert [note.split(" ")[:4] for note in result.notes] == [
        ["INF", "target", "tracking's", "arithmetic"],
        ["INF", "the", "alarms", "target"],
        ["INF", "during", "its", "ScaleOutCooldown"],
        ["INF", "a", "target", "tracking"],  # two policies: every one must want to scale in
        ["INF", "new", "tasks", "run"],
    ]  # and no PENDING note: every desired task runs


def test_the_quantities_a_metric_can_name() -> None:
    metrics = [
        ("requests", "AWS/ApplicationELB", "RequestCount"),
        ("running", "ECS/ContainerInsights", "RunningTaskCount"),
        ("depth", "AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ]
    result = _run(
        {
            "registerScalableTarget": {**TARGET, "MinCapacity": 3, "MaxCapacity": 3},
            "putScalingPolicy": [
                {
                    "PolicyName": name,
                    "PolicyType": "TargetTrackingScaling",
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": 1000,
                        "CustomizedMetricSpecification": {"Namespace": ns, "MetricName": metric},
                    },
                }
                for name, ns, metric in metrics
            ],
            "service": {"desiredCount": 3},
            "timeline": {"minutes": 1, "load": [{"at": 0, "requests": 600, "messages": 42}]},
        }
    )
    row = result.minutes[0].metrics
    assert (row["requests"], row["running"], row["depth"]) == (600, 3, 42)


def test_a_step_of_one_in_its_cooldown_is_covered_and_a_larger_one_says_where_it_counts_from() -> (
    None
):
    result = _stepped(
        [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
        {"Threshold": 100, "ComparisonOperator": "GreaterThanThreshold"},
        4,
        [(0, 105)],
    )
    assert _events(result)[0] == ("00:01", "p: in its Cooldown, the 4→5 already there covers +1")
    steps = [
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 2},
        {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3},
    ]
    alarm = {"Threshold": 100, "ComparisonOperator": "GreaterThanThreshold"}
    larger = _stepped(steps, alarm, 4, [(0, 105), (2, 150)])
    assert larger.activities[1].why == (
        "a in ALARM (Depth 150 > 100): step [10, +∞) → ChangeInCapacity +3 from 4 "
        "(the capacity added in the cooldown counts)"
    )


def _out_now_in_with_a_cooldown(minutes: int, load: list[dict[str, Any]]) -> Any:
    """Step policies "out" (+2, no cooldown, alarm high: Depth > 50) and "in" (−1, a 180 s
    cooldown, alarm low: Depth < 10) on a service of 4, run for `minutes` of `load`."""

    def policy(name: str, cooldown: int, bound: str, adjustment: int) -> dict[str, Any]:
        return {
            "PolicyName": name,
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "ChangeInCapacity",
                "Cooldown": cooldown,
                "StepAdjustments": [{bound: 0, "ScalingAdjustment": adjustment}],
            },
        }

    return _run(
        {
            "putScalingPolicy": [
                policy("out", 0, "MetricIntervalLowerBound", 2),
                policy("in", 180, "MetricIntervalUpperBound", -1),
            ],
            "putMetricAlarm": [
                _alarm(AlarmName="high", AlarmActions=["out"], Threshold=50),
                _alarm(
                    AlarmName="low",
                    AlarmActions=["in"],
                    Threshold=10,
                    ComparisonOperator="LessThanThreshold",
                ),
            ],
            "service": {"desiredCount": 4},
            "timeline": {"minutes": minutes, "load": load},
        }
    )


def test_a_scale_out_in_a_scale_in_cooldown_says_it_ends_it() -> None:
    result = _out_now_in_with_a_cooldown(
        5,
        [
            {"at": 0, "metrics": {"Depth": 5}},
            {"at": 2, "metrics": {"Depth": 60}},
            {"at": 3, "metrics": {"Depth": 30}},
        ],
    )
    # in: 4 → 3 at 00:00 (cooldown to 00:03); out at 00:02 inside it
    assert [(a.clock, a.before, a.after, a.cause) for a in result.activities] == [
        ("00:00", 4, 3, "in"),
        ("00:02", 3, 5, "out"),
    ]
    assert result.activities[1].why == (
        "high in ALARM (Depth 60 > 50): step [0, +∞) → ChangeInCapacity +2; "
        "a scale-out isn't held back by a scale-in cooldown, and ends it"
    )
    assert result.scaled_out_in_cooldown is True


def test_a_scale_out_just_as_a_scale_in_cooldown_ends_is_not_inside_it() -> None:
    result = _out_now_in_with_a_cooldown(
        4, [{"at": 0, "metrics": {"Depth": 5}}, {"at": 3, "metrics": {"Depth": 60}}]
    )
    assert [(a.clock, a.after, a.cause) for a in result.activities] == [
        ("00:00", 3, "in"),
        ("00:03", 5, "out"),  # the cooldown ended at 00:03 itself
    ]
    assert "ends it" not in result.activities[1].why
    assert result.scaled_out_in_cooldown is False


def test_a_target_tracking_scale_in_cooldown_ends_at_its_second() -> None:
    result = _run(
        {
            "registerScalableTarget": {**TARGET, "MinCapacity": 1, "MaxCapacity": 10},
            "putScalingPolicy": _depth_tt("depth", 50, ScaleInCooldown=120),
            "service": {"desiredCount": 8},
            "timeline": {"minutes": 19, "load": [{"at": 0, "metrics": {"Depth": 10}}]},
        }
    )
    # 15 low datapoints by 00:14: ceil(8 × 10 ÷ 50) = 2; cooldown to 00:16, then 1
    assert [(a.clock, a.after) for a in result.activities] == [("00:14", 2), ("00:16", 1)]
    # at 1 it wants 1 (ceil 0.2): nothing to do, so nothing said about the cooldown
    assert _events(result) == [("00:15", "depth wants 1: in its ScaleInCooldown until 00:16")]
    assert [e.t for e in result.events] == [15]


def test_exactly_at_the_bounds_nothing_is_held() -> None:
    up = _stepped(
        [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 46}],
        {"Threshold": 100, "ComparisonOperator": "GreaterThanThreshold"},
        4,
        [(0, 105)],
    )
    assert up.activities[0].after == 50  # the MaxCapacity itself
    assert not any("held at" in e.text for e in up.events if e.t == 0)
    down = _stepped(
        [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -3}],
        {"Threshold": 10, "ComparisonOperator": "LessThanThreshold"},
        4,
        [(0, 5)],
    )
    assert down.activities[0].after == 1  # the MinCapacity itself
    assert not any("held at" in e.text for e in down.events if e.t == 0)


def test_a_held_count_is_said_once_while_only_its_numbers_change() -> None:
    result = _run(
        {
            "registerScalableTarget": {**TARGET, "MinCapacity": 1, "MaxCapacity": 4},
            "putScalingPolicy": _depth_tt("depth", 10, ScaleOutCooldown=0),
            "service": {"desiredCount": 4},
            "timeline": {
                "minutes": 6,
                "load": [{"at": 0, "metrics": {"Depth": 20}}, {"at": 4, "metrics": {"Depth": 30}}],
            },
        }
    )
    assert _events(result) == [("00:02", "depth wants 8: held at MaxCapacity 4")]
    assert result.held_by_max is True


def test_the_largest_scale_in_wins_and_a_policy_with_nothing_to_do_does_not_stop_the_next() -> None:
    def step(name: str, adjustment: int, upper: float | None = 0) -> dict[str, Any]:
        bound = {"MetricIntervalUpperBound": upper} if upper is not None else {}
        return {
            "PolicyName": name,
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "ChangeInCapacity",
                "StepAdjustments": [{**bound, "ScalingAdjustment": adjustment}],
            },
        }

    result = _run(
        {
            "registerScalableTarget": {**TARGET, "MinCapacity": 0, "MaxCapacity": 50},
            "putScalingPolicy": [
                # only a scale-out step: at 5, below the threshold, it matches nothing
                {
                    "PolicyName": "up",
                    "StepScalingPolicyConfiguration": {
                        "AdjustmentType": "ChangeInCapacity",
                        "StepAdjustments": [
                            {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}
                        ],
                    },
                },
                step("a_little", -1),
                step("b_lot", -4),
            ],
            "putMetricAlarm": _alarm(
                AlarmActions=["up", "a_little", "b_lot"],
                Threshold=10,
                ComparisonOperator="LessThanThreshold",
            ),
            "service": {"desiredCount": 10},
            "timeline": {"minutes": 1, "load": [{"at": 0, "metrics": {"Depth": 5}}]},
        }
    )
    # the policy that leaves the largest capacity wins a scale-in (PutScalingPolicy)
    assert [(a.after, a.cause) for a in result.activities] == [(9, "a_little")]
    assert _events(result) == [("00:00", "up: a at 5 matches no step adjustment")]


def test_a_policy_without_a_datapoint_does_not_stop_the_next() -> None:
    result = _run(
        {
            "registerScalableTarget": {**TARGET, "MinCapacity": 1, "MaxCapacity": 20},
            "putScalingPolicy": [_tt(), _depth_tt("depth", 10)],
            "service": {"desiredCount": 2},
            "timeline": {"minutes": 3, "load": [{"at": 0, "metrics": {"Depth": 40}}]},
        }
    )
    assert [(a.clock, a.after, a.cause) for a in result.activities] == [("00:02", 8, "depth")]


def test_a_policy_whose_count_stays_is_not_ready_to_scale_in() -> None:
    load = [{"at": 0, "cpu": 100}]
    # cpu (target 50) sees 12.5: wants 2; near (target 13) also sees 12.5, below its target,
    # but ceil(8 × 12.5 ÷ 13) = 8: it keeps the count, so it doesn't want to scale in
    result = _tracked([_tt(), _tt("near", TargetValue=13)], 8, load, 15)
    assert _activities(result) == []
    assert _events(result) == [
        ("00:14", "cpu wants 2: another target tracking policy doesn't want to scale in")
    ]
    # and with scale-in disabled, a count that stays isn't a scale-in it would make
    quiet = _tracked(_tt("near", TargetValue=13, DisableScaleIn=True), 8, load, 15)
    assert quiet.events == ()


def test_a_metric_of_nothing_scales_in_to_the_minimum() -> None:
    result = _run(
        {
            "registerScalableTarget": {**TARGET, "MinCapacity": 0, "MaxCapacity": 10},
            "putScalingPolicy": _depth_tt("depth", 10),
            "service": {"desiredCount": 3},
            "timeline": {"minutes": 15, "load": [{"at": 0, "metrics": {"Depth": 0}}]},
        }
    )
    assert [(a.clock, a.after) for a in result.activities] == [("00:14", 0)]


def test_a_value_close_to_a_whole_number_is_shown_without_a_trailing_point() -> None:
    result = _stepped(
        [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
        {"Threshold": 100, "ComparisonOperator": "GreaterThanThreshold"},
        4,
        [(0, 300.002)],
    )
    assert result.activities[0].why.startswith("a in ALARM (Depth 300 > 100)")


def test_a_scheduled_minimum_equal_to_the_maximum_needs_no_note_and_the_note_is_as_written() -> (
    None
):
    same = _scheduled(
        [
            {
                "ScheduledActionName": "pin",
                "Schedule": "at(2024-01-01T00:01:00)",
                "ScalableTargetAction": {"MinCapacity": 10},
            }
        ],
        3,
        "2024-01-01T00:00:00Z",
    )
    assert not any("raises the maximum" in note for note in same.notes)
    above = _scheduled(
        [
            {
                "ScheduledActionName": "pin",
                "Schedule": "at(2024-01-01T00:01:00)",
                "ScalableTargetAction": {"MinCapacity": 12},
            }
        ],
        3,
        "2024-01-01T00:00:00Z",
    )
    assert (
        "INF a scheduled MinCapacity above the MaxCapacity in force raises the maximum to it"
        in above.notes
    )


def test_an_action_not_yet_started_or_already_ended_does_not_stop_the_next() -> None:
    common = {"Schedule": "at(2024-01-01T00:01:00)", "ScalableTargetAction": {"MinCapacity": 6}}
    result = _scheduled(
        [
            {"ScheduledActionName": "later", **common, "StartTime": "2024-01-01T05:00:00Z"},
            {"ScheduledActionName": "over", **common, "EndTime": "2023-12-31T00:00:00Z"},
            {"ScheduledActionName": "now", **common},
        ],
        3,
        "2024-01-01T00:00:00Z",
    )
    assert [(a.clock, a.after, a.cause) for a in result.activities] == [("00:01", 6, "now")]


def test_a_rate_in_a_zone_half_an_hour_off_counts_from_its_start() -> None:
    result = _scheduled(
        [
            {
                "ScheduledActionName": "hourly",
                "Schedule": "rate(1 hour)",
                "Timezone": "Asia/Kolkata",
                "StartTime": "2024-01-01T00:10:00Z",
                "ScalableTargetAction": {"MinCapacity": 6},
            }
        ],
        80,
        "2024-01-01T00:00:00Z",
    )
    assert [(a.clock, a.after) for a in result.activities] == [("00:10", 6)]
    assert [e.clock for e in result.events] == ["00:10", "01:10"]
