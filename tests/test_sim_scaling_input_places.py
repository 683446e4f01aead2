"""Every field of a Service Auto Scaling scenario that holds the wrong kind of value is
refused at its own place (sim/scaling_input.py): the error names the path to that field,
as a user reads it in the file (`putMetricAlarm[1].Threshold`), not its parent or a sibling.

FULL uses every shape the reader knows (a registered target; target tracking on a predefined
metric, on a metric by name and on metric math; a step policy and the alarms that invoke it,
by name and by metric math; a scheduled action; the service; a timeline with load points).
Each case puts a value of the wrong kind at one path of FULL and expects the refusal there."""

from __future__ import annotations

from typing import Any

import pytest

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.scaling_input import read_scaling
from tests.places import with_wrong_kind

FULL: dict[str, Any] = {
    "description": "every shape",
    "registerScalableTarget": {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 2,
        "MaxCapacity": 20,
    },
    "putScalingPolicy": [
        {
            "PolicyName": "cpu60",
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 60,
                "ScaleOutCooldown": 60,
                "ScaleInCooldown": 120,
                "DisableScaleIn": False,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ALBRequestCountPerTarget",
                    "ResourceLabel": "app/lb/1/targetgroup/tg/2",
                },
            },
        },
        {
            "PolicyName": "depth",
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 5,
                "CustomizedMetricSpecification": {"Namespace": "Custom", "MetricName": "Depth"},
            },
        },
        {
            "PolicyName": "backlog",
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 100,
                "CustomizedMetricSpecification": {
                    "Metrics": [
                        {
                            "Id": "m1",
                            "MetricStat": {
                                "Metric": {
                                    "Namespace": "AWS/SQS",
                                    "MetricName": "ApproximateNumberOfMessagesVisible",
                                },
                                "Stat": "Average",
                            },
                        },
                        {"Id": "e1", "Expression": "m1 * 2", "ReturnData": True},
                    ]
                },
            },
        },
        {
            "PolicyName": "out",
            "PolicyType": "StepScaling",
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "PercentChangeInCapacity",
                "MinAdjustmentMagnitude": 2,
                "Cooldown": 60,
                "StepAdjustments": [
                    {
                        "MetricIntervalLowerBound": 0,
                        "MetricIntervalUpperBound": 10,
                        "ScalingAdjustment": 10,
                    },
                    {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 50},
                ],
            },
        },
    ],
    "putMetricAlarm": [
        {
            "AlarmName": "busy",
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Statistic": "Maximum",
            "Period": 120,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "Threshold": 100,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "AlarmActions": ["out"],
        },
        {
            "AlarmName": "math",
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Metrics": [
                {
                    "Id": "m1",
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/ECS", "MetricName": "CPUUtilization"}
                    },
                },
                {"Id": "e1", "Expression": "m1 * 2"},
            ],
            "AlarmActions": ["out"],
        },
    ],
    "putScheduledAction": [
        {
            "ScheduledActionName": "morning",
            "Schedule": "cron(0 8 * * ? *)",
            "Timezone": "Europe/Paris",
            "StartTime": "2024-01-01T06:00:00Z",
            "EndTime": "2024-02-01T00:00:00Z",
            "ScalableTargetAction": {"MinCapacity": 5, "MaxCapacity": 10},
        }
    ],
    "service": {"desiredCount": 2, "capacity": 6, "secondsPerMessage": 0.5},
    "timeline": {
        "start": "2024-01-01T00:00:00Z",
        "minutes": 120,
        "load": [
            {"at": 0, "cpu": 120, "memory": 50, "requests": 6000, "messages": 300},
            {"at": "01:00", "metrics": {"Depth": 5}},
        ],
    },
}

POLICY = "putScalingPolicy"
TT = "TargetTrackingScalingPolicyConfiguration"
STEP = "StepScalingPolicyConfiguration"
QUERY = f"{POLICY}[2].{TT}.CustomizedMetricSpecification.Metrics"
PLACES = [
    "registerScalableTarget",
    "registerScalableTarget.ServiceNamespace",
    "registerScalableTarget.ResourceId",
    "registerScalableTarget.ScalableDimension",
    "registerScalableTarget.MinCapacity",
    "registerScalableTarget.MaxCapacity",
    POLICY,
    f"{POLICY}[0]",
    f"{POLICY}[0].PolicyName",
    f"{POLICY}[0].{TT}",
    f"{POLICY}[0].{TT}.TargetValue",
    f"{POLICY}[0].{TT}.ScaleOutCooldown",
    f"{POLICY}[0].{TT}.ScaleInCooldown",
    f"{POLICY}[0].{TT}.DisableScaleIn",
    f"{POLICY}[0].{TT}.PredefinedMetricSpecification",
    f"{POLICY}[0].{TT}.PredefinedMetricSpecification.PredefinedMetricType",
    f"{POLICY}[1].{TT}.CustomizedMetricSpecification",
    f"{POLICY}[1].{TT}.CustomizedMetricSpecification.Namespace",
    f"{POLICY}[1].{TT}.CustomizedMetricSpecification.MetricName",
    QUERY,
    f"{QUERY}[0]",
    f"{QUERY}[0].Id",
    f"{QUERY}[0].MetricStat",
    f"{QUERY}[0].MetricStat.Metric",
    f"{QUERY}[0].MetricStat.Metric.Namespace",
    f"{QUERY}[0].MetricStat.Metric.MetricName",
    f"{QUERY}[1].Expression",
    f"{POLICY}[3].{STEP}",
    f"{POLICY}[3].{STEP}.AdjustmentType",
    f"{POLICY}[3].{STEP}.MinAdjustmentMagnitude",
    f"{POLICY}[3].{STEP}.Cooldown",
    f"{POLICY}[3].{STEP}.StepAdjustments",
    f"{POLICY}[3].{STEP}.StepAdjustments[1]",
    f"{POLICY}[3].{STEP}.StepAdjustments[0].MetricIntervalLowerBound",
    f"{POLICY}[3].{STEP}.StepAdjustments[0].MetricIntervalUpperBound",
    f"{POLICY}[3].{STEP}.StepAdjustments[1].ScalingAdjustment",
    "putMetricAlarm",
    "putMetricAlarm[0]",
    "putMetricAlarm[0].AlarmName",
    "putMetricAlarm[0].Namespace",
    "putMetricAlarm[0].MetricName",
    "putMetricAlarm[0].Statistic",
    "putMetricAlarm[0].Period",
    "putMetricAlarm[0].EvaluationPeriods",
    "putMetricAlarm[0].DatapointsToAlarm",
    "putMetricAlarm[0].Threshold",
    "putMetricAlarm[0].ComparisonOperator",
    "putMetricAlarm[0].AlarmActions",
    "putMetricAlarm[0].AlarmActions[0]",
    "putMetricAlarm[1].Metrics",
    "putMetricAlarm[1].Metrics[0].MetricStat.Metric.MetricName",
    "putScheduledAction",
    "putScheduledAction[0]",
    "putScheduledAction[0].ScheduledActionName",
    "putScheduledAction[0].Schedule",
    "putScheduledAction[0].Timezone",
    "putScheduledAction[0].StartTime",
    "putScheduledAction[0].EndTime",
    "putScheduledAction[0].ScalableTargetAction",
    "putScheduledAction[0].ScalableTargetAction.MinCapacity",
    "putScheduledAction[0].ScalableTargetAction.MaxCapacity",
    "service",
    "service.desiredCount",
    "service.capacity",
    "service.secondsPerMessage",
    "timeline",
    "timeline.start",
    "timeline.minutes",
    "timeline.load",
    "timeline.load[0]",
    "timeline.load[1].at",
    "timeline.load[0].cpu",
    "timeline.load[0].memory",
    "timeline.load[0].requests",
    "timeline.load[0].messages",
    "timeline.load[1].metrics",
    "timeline.load[1].metrics.Depth",
]


def test_the_full_scenario_is_read() -> None:
    read = read_scaling(FULL, Where("scenario.yaml"))
    assert [p.name for p in read.target_tracking] == ["cpu60", "depth", "backlog"]
    assert [p.name for p in read.step_policies] == ["out"]
    assert [a.name for a in read.alarms] == ["busy", "math"]
    assert [s.name for s in read.scheduled] == ["morning"]
    assert len(read.load) == 2


@pytest.mark.parametrize("path", PLACES)
def test_a_value_of_the_wrong_kind_is_refused_at_its_own_place(path: str) -> None:
    with pytest.raises(InputError) as caught:
        read_scaling(with_wrong_kind(FULL, path), Where("scenario.yaml"))
    assert str(caught.value).startswith(f"scenario.yaml {path}: "), str(caught.value)
