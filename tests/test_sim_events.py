"""EventBridge patterns, rules, targets and schedules, and Step Functions' ECS patterns
(sim/event_patterns.py, event_routing.py, event_schedules.py, step_functions.py,
events_check.py and `ecsprep simulate events`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where, read_document
from ecsprep.sim.event_patterns import match, read_pattern
from ecsprep.sim.events_check import facts, read_scenario, simulate
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "events"
W = Where("test")


def run(document: dict[str, Any]) -> dict[str, object]:
    return facts(simulate(read_scenario(document, W)))


def run_case(name: str) -> dict[str, object]:
    document = read_document(CASES / name)
    assert isinstance(document, dict)
    return run(document)


# --- patterns: the documented examples (EventBridge User Guide, content filtering) ----

EVENT = {
    "source": "aws.ecs",
    "detail-type": "ECS Task State Change",
    "time": "2017-10-02T18:43:48Z",
    "detail": {
        "lastStatus": "STOPPED",
        "stopCode": "EssentialContainerExited",
        "group": "service:web",
        "containers": [{"exitCode": 137}, {"exitCode": 0}],
        "c-count": 5,
        "source-ip": "10.0.0.123",
        "FileName": "image.PNG",
    },
}


@pytest.mark.parametrize(
    ("pattern", "matched"),
    [
        ({"time": [{"prefix": "2017-10-02"}]}, True),  # the docs' prefix example
        ({"time": [{"prefix": "2017-10-03"}]}, False),
        ({"detail": {"FileName": [{"suffix": ".png"}]}}, False),  # case-sensitive
        ({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, True),
        ({"detail": {"lastStatus": [{"anything-but": "RUNNING"}]}}, True),
        ({"detail": {"lastStatus": [{"anything-but": ["STOPPED", "RUNNING"]}]}}, False),
        ({"detail": {"group": [{"anything-but": {"prefix": "service:"}}]}}, False),
        ({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, True),  # the docs' range
        ({"detail": {"c-count": [{"numeric": [">", 5]}]}}, False),
        ({"detail": {"stoppedReason": [{"exists": False}]}}, True),
        ({"detail": {"stoppedReason": [{"exists": True}]}}, False),
        ({"detail": {"stoppedReason": [{"anything-but": "x"}]}}, False),  # field must exist
        ({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, True),
        ({"detail": {"containers": {"exitCode": [137]}}}, True),  # any element of a list
        ({"detail": {"containers": {"exitCode": [1]}}}, False),
        ({"detail": {"group": [{"wildcard": "service:*"}]}}, True),
        ({"source": ["aws.ecs"], "detail-type": ["ECS Service Action"]}, False),  # AND
        ({"source": ["aws.ec2", "aws.ecs"]}, True),  # OR within a list
        (
            {
                "source": ["aws.ecs"],
                "$or": [{"detail": {"lastStatus": ["RUNNING"]}}, {"detail": {"c-count": [5]}}],
            },
            True,
        ),
    ],
)
def test_documented_operators(pattern: dict[str, Any], matched: bool) -> None:
    assert match(read_pattern(pattern, W), EVENT).matched is matched


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ({"source": [{"prefi": "aws."}]}, "Unrecognized match type prefi"),
        ({"source": [{"numeric": ["!=", 1]}]}, "Unrecognized numeric range operator"),
        ({"source": "aws.ecs"}, "must be an array or an object"),
        ({"source": [{"exists": "yes"}]}, "exists match pattern must be either true or false"),
        ("{not json", "the pattern is not JSON"),
    ],
)
def test_patterns_putrule_refuses(pattern: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_pattern(pattern, W)
    assert "Event pattern is not valid" in caught.value.message
    assert message in caught.value.message


values = st.one_of(st.text(max_size=8), st.integers(-1000, 1000))


@given(value=values, other=values)
def test_exact_and_anything_but_are_complements(value: object, other: object) -> None:
    event = {"detail": {"x": value}}
    exact = match(read_pattern({"detail": {"x": [other]}}, W), event).matched
    but = match(read_pattern({"detail": {"x": [{"anything-but": other}]}}, W), event).matched
    assert exact != but
    assert match(read_pattern({"detail": {"x": [value]}}, W), event).matched


@given(low=st.integers(-100, 100), width=st.integers(0, 50), value=st.integers(-200, 200))
def test_numeric_range_is_the_interval(low: int, width: int, value: int) -> None:
    pattern = read_pattern({"n": [{"numeric": [">=", low, "<", low + width]}]}, W)
    assert match(pattern, {"n": value}).matched is (low <= value < low + width)


# --- rules, targets, permissions -------------------------------------------------


def test_aws_service_action_example_reaches_the_lambda_with_the_transformed_input() -> None:
    found = run_case("service-action-placement-failure.yaml")
    failure = "57c9506e-9d21-294c-d2fe-e8738da7e67d"
    assert found["matched"] == {
        "placement-failures": [failure],
        "errors-only": [failure],
        "custom-bus": [],  # AWS events go to the default bus only
    }
    assert found["delivered"] == {"shift": [failure]}
    inputs = found["inputs"]
    assert isinstance(inputs, dict)
    assert json.loads(inputs["shift"][0]) == {
        "service": "arn:aws:ecs:us-west-2:111122223333:service/default/servicetest",
        "reason": "RESOURCE:FARGATE",
    }


def test_a_lambda_without_a_resource_policy_is_not_invoked() -> None:
    document = read_document(CASES / "service-action-placement-failure.yaml")
    assert isinstance(document, dict)
    document["addPermission"] = []
    found = run(document)
    assert found["delivered"] == {"shift": []}
    not_delivered = found["not_delivered"]
    assert isinstance(not_delivered, dict)
    assert "events.amazonaws.com" in not_delivered["shift"]
    document["addPermission"] = [
        {
            "FunctionName": "shift-strategy",
            "Action": "lambda:InvokeFunction",
            "Principal": "events.amazonaws.com",
            "SourceArn": "arn:aws:events:us-west-2:111122223333:rule/another-rule",
        }
    ]
    assert run(document)["delivered"] == {"shift": []}  # allowed for another rule only


def test_disabled_rules_match_nothing_and_input_path_picks_a_part() -> None:
    document = {
        "events": [{"id": "e1", "source": "aws.ecs", "detail-type": "X", "detail": {"a": 1}}],
        "putRule": [
            {"Name": "off", "State": "DISABLED", "EventPattern": {"source": ["aws.ecs"]}},
            {"Name": "on", "EventPattern": {"source": ["aws.ecs"]}},
        ],
        "putTargets": [
            {
                "Rule": "on",
                "Targets": [{"Id": "q", "Arn": "arn:aws:sqs:r:1:q", "InputPath": "$.detail"}],
            }
        ],
    }
    found = run(document)
    assert found["matched"] == {"off": [], "on": ["e1"]}
    assert found["inputs"] == {"q": ['{"a": 1}']}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"putRule": [{"Name": "r", "ScheduleExpression": "at(2024-01-01T00:00:00)"}]},
            "Parameter ScheduleExpression is not valid.",
        ),
        (
            {"putRule": [{"Name": "r", "ScheduleExpression": "rate(1 hours)"}]},
            "Parameter ScheduleExpression is not valid.",
        ),
        (
            {
                "putRule": [
                    {
                        "Name": "r",
                        "ScheduleExpression": "rate(5 minutes)",
                        "ScheduleExpressionTimezone": "Europe/Berlin",
                    }
                ]
            },
            'Unknown parameter in input: "ScheduleExpressionTimezone"',
        ),
        (
            {
                "putRule": [
                    {"Name": "r", "EventBusName": "ops", "ScheduleExpression": "rate(5 minutes)"}
                ]
            },
            "ScheduleExpression is supported only on the default event bus.",
        ),
        ({"putRule": [{"Name": "r"}]}, "EventPattern or ScheduleExpression must be specified"),
        (
            {
                "createSchedule": [
                    {
                        "Name": "s",
                        "ScheduleExpression": "rate(5 minutes)",
                        "Target": {"Arn": "a", "RoleArn": "r"},
                    }
                ]
            },
            'Missing required parameter in input: "FlexibleTimeWindow"',
        ),
        (
            {
                "createSchedule": [
                    {
                        "Name": "s",
                        "ScheduleExpression": "rate(5 minutes)",
                        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1441},
                        "Target": {"Arn": "a", "RoleArn": "r"},
                    }
                ]
            },
            "above the maximum of 1440",
        ),
    ],
)
def test_what_aws_refuses(change: dict[str, Any], message: str) -> None:
    document = {"timeline": {"start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"}}
    document.update(change)
    with pytest.raises(InputError) as caught:
        run(document)
    assert message in caught.value.message


# --- schedules ---------------------------------------------------------------------


def test_rule_is_utc_and_scheduler_follows_berlin_and_skips_the_missing_hour() -> None:
    found = run_case("berlin-schedule-vs-rule.yaml")
    assert found["local_times"] == {"nightly": ["02:00"], "nightly-rule": ["02:00", "03:00"]}
    assert found["fires"] == {"nightly": 4, "nightly-rule": 5}
    assert found["skipped"] == {"nightly": ["2024-03-31 02:00"], "nightly-rule": []}


def test_rate_without_start_date_starts_at_creation_and_at_runs_once() -> None:
    target = {"Arn": "a", "RoleArn": "r"}
    found = run(
        {
            "timeline": {
                "start": "2024-05-06T00:00:00Z",
                "end": "2024-05-07T00:00:00Z",
                "createdAt": "2024-05-06T14:23:00Z",
            },
            "createSchedule": [
                {
                    "Name": "every-6h",
                    "ScheduleExpression": "rate(6 hours)",
                    "FlexibleTimeWindow": {"Mode": "OFF"},
                    "Target": target,
                },
                {
                    "Name": "once",
                    "ScheduleExpression": "at(2024-05-06T10:00:00)",
                    "ScheduleExpressionTimezone": "America/New_York",
                    "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
                    "Target": target,
                },
            ],
        }
    )
    assert found["fires_at"] == {
        "every-6h": ["2024-05-06T14:23Z", "2024-05-06T20:23Z"],
        "once": ["2024-05-06T14:00Z"],
    }
    assert found["start_windows"] == {"every-6h": ["14:23", "20:23"], "once": ["14:00-14:15"]}


# --- Step Functions ----------------------------------------------------------------


def test_callback_resumes_when_the_app_sends_the_token() -> None:
    found = run_case("sfn-callback.yaml")
    assert found["entered"] == {"Score": 0, "Report": 10}
    assert found["execution"] == "SUCCEEDED"
    assert found["started_before_task_stopped"] == ["Report"]


@pytest.mark.parametrize(
    ("change", "status", "report"),
    [
        ({"ecsTask": {"taskRoleActions": None}}, "RUNNING", None),
        (
            {"stateMachine": {"States": {"Score": {"Parameters": {"Overrides": None}}}}},
            "RUNNING",
            None,
        ),
        (
            {
                "stateMachine": {
                    "States": {"Score": {"Resource": "arn:aws:states:::ecs:runTask.sync"}}
                }
            },
            "SUCCEEDED",
            70,
        ),
    ],
)
def test_callback_needs_the_token_and_the_task_role(
    change: dict[str, Any], status: str, report: int | None
) -> None:
    from ecsprep.sim.check import merge_patch

    document = read_document(CASES / "sfn-callback.yaml")
    found = run(merge_patch(document, change))  # type: ignore[arg-type]
    assert found["execution"] == status
    entered = found["entered"]
    assert isinstance(entered, dict)
    assert entered.get("Report") == report


# --- the command -------------------------------------------------------------------

runner = CliRunner()
GOLDEN = Path(__file__).parent / "golden" / "simulate_events.txt"


def test_command_text_golden() -> None:
    result = runner.invoke(
        app,
        ["simulate", "events", str(CASES / "berlin-schedule-vs-rule.yaml")],
        env={"COLUMNS": "100"},
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == GOLDEN.read_text()


def test_command_json() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "events",
            str(CASES / "service-action-placement-failure.yaml"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["facts"]["delivered"] == {"shift": ["57c9506e-9d21-294c-d2fe-e8738da7e67d"]}
    steady = [
        m for m in data["matches"] if m["event"] == "steady-1" and m["rule"] == "placement-failures"
    ]
    assert steady[0]["matched"] is False
    assert steady[0]["steps"][-1]["event"] == '"SERVICE_STEADY_STATE"'


def test_command_refuses_with_awss_message(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("putRule:\n  - {Name: r, EventPattern: {source: [{prefi: aws.}]}}\n")
    result = runner.invoke(app, ["simulate", "events", str(path)])
    assert result.exit_code == 2
    assert "Unrecognized match type prefi" in result.stderr
    assert "Traceback" not in result.output
