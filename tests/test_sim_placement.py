"""Placement behaviour, table-driven: every case in tests/cases/placement/*.yaml.

Each case is a scenario document plus what must happen: where each task lands
(`instances`, by the last part of the instance ARN), how many are placed or not,
each instance's failure reason, the bindings, the scale-in choices, the
service event text, the exact notes and what --trace says (`decided_by`, `funnel`,
`unplaced_why`). Every case also runs through both engines (the indexed one
and the scan that records the trace) and they must agree.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.placement import PlacementResult, place
from ecsprep.sim.report import response, service_events
from ecsprep.sim.scenario import Overrides, build_scenario

CASES = Path(__file__).parent / "cases" / "placement"


def load_cases() -> list[Any]:
    found = []
    for file in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text()):
            found.append(pytest.param(case, id=f"{file.stem}: {case['name']}"))
    return found


def run(document: dict[str, Any], *, trace: bool = False) -> PlacementResult:
    scenario = build_scenario(document, Where("case"), CASES, Overrides())
    return place(scenario, trace=trace)


def short(arn: str | None) -> str:
    return (arn or "").rsplit("/", 1)[-1]


EXPECT_KEYS = frozenset(
    {
        "instances",
        "placed",
        "unplaced",
        "failures",
        "rejected",
        "bindings",
        "remaining_memory",
        "stopped",
        "stopped_on",
        "event",
        "events",
        "no_event",
        "note",
        "notes",
        "no_note",
        "details",
        "deterministic",
        "decided_by",
        "funnel",
        "network_bindings",
        "unplaced_why",
    }
)


@pytest.mark.parametrize("case", load_cases())
def test_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    unknown = sorted(set(expect) - EXPECT_KEYS)
    assert not unknown, f"unknown expect keys {unknown}: use {', '.join(sorted(EXPECT_KEYS))}"
    result = run(case["scenario"])
    where = [short(p.instance_arn) for p in result.placements]
    if "instances" in expect:
        assert where == expect["instances"]
    if "placed" in expect:
        assert len(result.placements) == expect["placed"]
    if "unplaced" in expect:
        assert result.unplaced == expect["unplaced"]
    if "failures" in expect:
        assert {short(f.arn): f.reason.value for f in result.failures} == expect["failures"]
    if "details" in expect:
        details = {short(f.arn): f.detail for f in result.failures if f.detail}
        assert details == expect["details"]
    if "bindings" in expect:
        assert [[b.host_port for b in p.bindings] for p in result.placements] == expect["bindings"]
    if "network_bindings" in expect:  # the response's tasks: `container->host/protocol`
        tasks: Any = response(result)["tasks"]
        assert [
            [
                f"{b['containerPort']}->{b['hostPort']}/{b['protocol']}"
                for container in task["containers"]
                for b in container["networkBindings"]
            ]
            for task in tasks
        ] == expect["network_bindings"]
    if "remaining_memory" in expect:
        remaining = {short(o.arn): o.remaining_memory for o in result.instances}
        for name, value in expect["remaining_memory"].items():
            assert remaining[name] == value
    if "stopped" in expect:
        assert [short(s.task_arn) for s in result.stopped] == expect["stopped"]
    if "stopped_on" in expect:
        assert [short(s.instance_arn) for s in result.stopped] == expect["stopped_on"]
    if "note" in expect:
        assert any(expect["note"] in note for note in result.notes), result.notes
    if "notes" in expect:  # the exact notes the user sees, in order
        assert list(result.notes) == expect["notes"]
    if "no_note" in expect:
        assert not any(expect["no_note"] in note for note in result.notes), result.notes
    if "event" in expect:
        assert any(expect["event"] in event for event in service_events(result))
    if "events" in expect:  # in this order, oldest first
        events = iter(service_events(result))
        for wanted in expect["events"]:
            assert any(wanted in event for event in events), (wanted, service_events(result))
    if "no_event" in expect:
        assert not any(expect["no_event"] in event for event in service_events(result))
    traced = run(case["scenario"], trace=True)
    if "rejected" in expect:
        # Every instance the first task could not use, with its first failing check.
        first = traced.placements[0].trace if traced.placements else None
        assert first is not None
        assert {short(arn): r.value for arn, r in first.rejected} == expect["rejected"]
    if "decided_by" in expect:  # --trace: what picked each task's instance, in order
        assert [p.trace.decided_by for p in traced.placements if p.trace] == expect["decided_by"]
    if "funnel" in expect:  # --trace: the first task's funnel, `step: candidates left`
        first = traced.placements[0].trace
        assert first is not None
        assert [f"{f.step}: {f.candidates}" for f in first.funnel] == expect["funnel"]
    if "unplaced_why" in expect:  # --trace: where the first unplaced task's funnel emptied
        assert traced.unplaced_trace is not None
        assert traced.unplaced_trace.decided_by == expect["unplaced_why"]
    drawn = [
        p.number
        for p in traced.placements
        if p.trace is not None and p.trace.decided_by.startswith("random")
    ]
    # A case that says where tasks land, when they land there by a random draw among
    # several candidates, proves nothing about the filters: it must say what was
    # rejected, or be about the seed itself.
    pinned = "instances" in expect or "bindings" in expect
    assert not (drawn and pinned) or "rejected" in expect or expect.get("deterministic"), (
        f"tasks {drawn} were drawn at random among candidates: use a deterministic strategy "
        "or give `rejected`"
    )
    if expect.get("deterministic"):
        again = run(case["scenario"])
        assert [p.instance_arn for p in again.placements] == [
            p.instance_arn for p in result.placements
        ]


@pytest.mark.parametrize("case", load_cases())
def test_both_engines_agree(case: dict[str, Any]) -> None:
    fast = run(case["scenario"])
    traced = run(case["scenario"], trace=True)
    assert [p.instance_arn for p in traced.placements] == [p.instance_arn for p in fast.placements]
    assert traced.unplaced == fast.unplaced


def test_seeded_ties_differ_from_registration_order_but_repeat() -> None:
    document = {
        "fleet": ["8xm5.large"],
        "runTask": {"count": 1, "placementStrategy": [{"type": "spread", "field": "instanceId"}]},
    }
    unseeded = {short(run(document).placements[0].instance_arn)}
    seeded = {
        short(run({**document, "seed": seed}).placements[0].instance_arn) for seed in range(20)
    }
    assert unseeded == {"ci-0001"}
    assert len(seeded) > 1
    assert run({**document, "seed": 3}).placements == run({**document, "seed": 3}).placements


def test_trace_records_the_funnel_and_the_winner() -> None:
    result = run(
        {
            "fleet": ["1xt3.micro", "2xm5.large"],
            "taskDefinition": {
                "family": "t",
                "containerDefinitions": [{"name": "a", "memory": 2048}],
            },
            "runTask": {
                "count": 2,
                "placementStrategy": [{"type": "binpack", "field": "memory"}],
                "placementConstraints": [{"type": "distinctInstance"}],
            },
        },
        trace=True,
    )
    first, second = (p.trace for p in result.placements)
    assert first is not None
    assert second is not None
    funnel = {step.step: step.candidates for step in second.funnel}
    assert funnel["ACTIVE"] == 3
    assert funnel["memory"] == 2  # the t3.micro has 985 MiB
    assert funnel["distinctInstance"] == 1
    assert {short(a): r.value for a, r in second.rejected} == {
        "ci-0001": "RESOURCE:MEMORY",
        "ci-0002": "DistinctInstance placement constraint unsatisfied",
    }
    assert "tie between 2" in first.decided_by


def test_fargate_explains_instead_of_placing() -> None:
    result = run(
        {
            "fleet": ["1xm5.large"],
            "taskDefinition": {
                "family": "f",
                "cpu": "256",
                "memory": "512",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "containerDefinitions": [{"name": "a"}],
            },
            "runTask": {
                "count": 1,
                "launchType": "FARGATE",
                "placementStrategy": [{"type": "binpack", "field": "memory"}],
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
            },
        }
    )
    assert result.fargate
    assert not result.placements
    assert any("do not apply" in note for note in result.notes)
    assert any("rejects placementStrategy" in note for note in result.notes)


def test_response_is_runtask_shaped() -> None:
    result = run(
        {
            "fleet": ["2xm5.large"],
            "taskDefinition": {
                "family": "w",
                "containerDefinitions": [
                    {"name": "web", "memory": 128, "portMappings": [{"containerPort": 80}]}
                ],
            },
            "runTask": {"count": 1},
        }
    )
    body = response(result)
    task = body["tasks"][0]  # type: ignore[index]
    assert task["group"] == "family:w"
    assert task["containers"][0]["networkBindings"][0]["hostPort"] == 32768
    assert body["failures"] == []
    names = [r["name"] for r in body["containerInstances"][0]["remainingResources"]]  # type: ignore[index]
    assert names == ["CPU", "MEMORY", "PORTS", "PORTS_UDP"]


def test_place_accepts_a_caller_rng() -> None:
    document = {"fleet": ["4xm5.large"], "runTask": {"count": 3}}
    scenario = build_scenario(document, Where("x"), CASES, Overrides())
    one = place(scenario, random.Random(5))
    two = place(scenario, random.Random(5))
    assert [p.instance_arn for p in one.placements] == [p.instance_arn for p in two.placements]


def test_trace_says_where_the_funnel_emptied_for_a_task_not_placed() -> None:
    result = run(
        {
            "fleet": ["1xt3.micro", "2xm5.large"],
            "taskDefinition": {
                "family": "t",
                "containerDefinitions": [
                    {
                        "name": "a",
                        "memory": 2048,
                        "portMappings": [{"containerPort": 80, "hostPort": 80}],
                    }
                ],
            },
            "runTask": {"count": 3},
        },
        trace=True,
    )
    assert result.unplaced == 1
    failed = result.unplaced_trace
    assert failed is not None
    funnel = {step.step: step.candidates for step in failed.funnel}
    assert (funnel["ACTIVE"], funnel["memory"], funnel["ports"]) == (3, 2, 0)
    assert (
        failed.decided_by == "no instance left after ports (2× RESOURCE:PORTS, 1× RESOURCE:MEMORY)"
    )
    body = response(result, with_trace=True)
    last = body["trace"][-1]  # type: ignore[index]
    assert last["taskArn"] is None
    assert last["unplaced"] == 1
    assert run({"fleet": ["1xt3.micro"], "runTask": {"count": 9}}).unplaced_trace is None


def test_instances_are_named_by_ec2_id_and_tasks_by_definition_revision() -> None:
    instance = {
        "containerInstanceArn": "arn:aws:ecs:us-east-1:1:container-instance/c/0f1e2d3c4b5a",
        "ec2InstanceId": "i-0123456789abcdef0",
        "registeredResources": [
            {"name": "CPU", "integerValue": 2048},
            {"name": "MEMORY", "integerValue": 4000},
        ],
    }
    definition = {"family": "web", "containerDefinitions": [{"name": "a", "memory": 64}]}
    document = {
        "containerInstances": [instance],
        "fleet": ["1xm5.large"],
        "taskDefinition": definition,
    }
    result = run({**document, "runTask": {"count": 1}})
    assert [o.label for o in result.instances] == ["i-0123456789abcdef0", "ci-0002"]
    first = response(result)["tasks"][0]  # type: ignore[index]
    assert first["taskDefinitionArn"].endswith(":task-definition/web:1")
    described = {"taskDefinition": {**definition, "revision": 7, "taskDefinitionArn": "x"}}
    again = run({**document, "taskDefinition": described, "runTask": {"count": 1}})
    assert response(again)["tasks"][0]["taskDefinitionArn"].endswith("/web:7")  # type: ignore[index]


def test_daemon_on_fargate_is_refused_with_the_docs_words() -> None:
    from ecsprep.errors import InputError

    document = {
        "taskDefinition": {
            "family": "f",
            "cpu": "256",
            "memory": "512",
            "networkMode": "awsvpc",
            "containerDefinitions": [{"name": "a"}],
        },
        "createService": {
            "serviceName": "d",
            "schedulingStrategy": "DAEMON",
            "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
        },
    }
    with pytest.raises(InputError, match="don't support the DAEMON scheduling strategy"):
        run(document)


def test_an_unknown_expect_key_is_refused_not_ignored() -> None:
    case = {"scenario": {"fleet": ["1xm5.large"], "runTask": {"count": 1}}, "expect": {}}
    with pytest.raises(AssertionError, match=r"unknown expect keys \['instance'\]"):
        test_case({**case, "expect": {"instance": ["ci-0001"]}})


def test_a_case_pinned_on_a_random_draw_is_refused() -> None:
    case = {
        "scenario": {"fleet": ["2xm5.large"], "runTask": {"count": 1}},
        "expect": {"instances": ["ci-0002"]},  # what the draw happens to give
    }
    with pytest.raises(AssertionError, match="drawn at random"):
        test_case(case)


def test_an_awsvpc_request_without_network_configuration_is_refused_on_fargate_too() -> None:
    """RunTask and CreateService refuse it whatever the launch type (InvalidParameterException)."""
    document = {
        "taskDefinition": {
            "family": "v",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [{"name": "a", "image": "nginx"}],
        },
        "runTask": {"count": 1, "launchType": "FARGATE"},
    }
    with pytest.raises(
        InputError,
        match=r"runTask: Network Configuration must be provided when networkMode 'awsvpc'",
    ):
        run(document)
    document["runTask"]["networkConfiguration"] = {  # type: ignore[index]
        "awsvpcConfiguration": {"subnets": ["subnet-a"]}
    }
    assert run(document).fargate


def test_fargate_reports_the_capacity_provider_split_the_checks_read() -> None:
    """`simulate question` checks read `providers`: FARGATE base 1 weight 1 and FARGATE_SPOT
    weight 3 split 5 tasks 2 and 3 (base first, then 1:3 of the other 4); none without one."""
    document: dict[str, Any] = {
        "fleet": ["1xm5.large"],
        "taskDefinition": {
            "family": "f",
            "networkMode": "awsvpc",
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [{"name": "a"}],
        },
        "runTask": {
            "count": 5,
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}},
            "capacityProviderStrategy": [
                {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 3},
            ],
        },
    }
    result = run(document)
    assert result.fargate
    assert dict(result.providers) == {"FARGATE": 2, "FARGATE_SPOT": 3}
    assert result.stopped == ()  # a check's `stopped_on` reads it: nothing is stopped
    del document["runTask"]["capacityProviderStrategy"]
    document["runTask"]["launchType"] = "FARGATE"
    assert dict(run(document).providers) == {}


def _notes_for(document: dict[str, Any], count: int | None = None) -> list[str]:
    scenario = build_scenario(document, Where("case"), CASES, Overrides(count=count))
    return list(place(scenario).notes)


BINPACK = [{"type": "binpack", "field": "memory"}]
SMALL_TASK = {"family": "n", "containerDefinitions": [{"name": "a", "memory": 64}]}


@pytest.mark.parametrize(
    ("count", "notes"),
    [
        (10, []),
        (
            11,
            [
                "RunTask places at most 10 tasks per call: 11 tasks are 2 calls in AWS "
                "(simulated as one run)"
            ],
        ),
        (
            25,
            [
                "RunTask places at most 10 tasks per call: 25 tasks are 3 calls in AWS "
                "(simulated as one run)"
            ],
        ),
    ],
)
def test_runtask_over_ten_tasks_says_how_many_calls(count: int, notes: list[str]) -> None:
    document = {
        "fleet": ["1xm5.large"],
        "taskDefinition": SMALL_TASK,
        "runTask": {"placementStrategy": BINPACK},
    }
    assert _notes_for(document, count) == notes


@pytest.mark.parametrize(
    ("desired", "notes"),
    [
        (5000, []),
        (
            5001,
            [
                "AWS's default quota is 5,000 tasks per service (adjustable): CreateService "
                "refuses more unless the quota was raised"
            ],
        ),
    ],
)
def test_a_service_over_the_tasks_quota_is_told(desired: int, notes: list[str]) -> None:
    document = {
        "fleet": ["1xt3.micro"],
        "taskDefinition": SMALL_TASK,
        "createService": {
            "serviceName": "s",
            "desiredCount": desired,
            "placementStrategy": BINPACK,
        },
    }
    assert _notes_for(document) == notes


@pytest.mark.parametrize(
    ("instances", "notes"),
    [
        (5000, []),
        (
            5001,
            [
                "AWS's default quota is 5,000 container instances per cluster (adjustable): "
                "more can't register unless the quota was raised"
            ],
        ),
    ],
)
def test_a_cluster_over_the_instances_quota_is_told(instances: int, notes: list[str]) -> None:
    document = {
        "fleet": [f"{instances}xm5.large"],
        "taskDefinition": SMALL_TASK,
        "runTask": {"count": 1, "placementStrategy": BINPACK},
    }
    assert _notes_for(document) == notes
