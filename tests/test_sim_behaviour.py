"""Placement behaviours an engineer would meet on a real cluster, each worked out by hand
from AWS's documented rules: an exact fit, running out of ephemeral ports, the closest
matching instance in a service event, `=~` matching the whole value, required attributes,
and the API's limits on constraints, strategies and capacity providers.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.capacity import read_capacity_strategy
from ecsprep.sim.documents import Where
from ecsprep.sim.placement import PlacementResult, place
from ecsprep.sim.report import service_events
from ecsprep.sim.scenario import Overrides, build_scenario

ARN = "arn:aws:ecs:us-east-1:111122223333:container-instance/c/"


def instance(name: str, cpu: int, memory: int, **extra: Any) -> dict[str, Any]:
    return {
        "containerInstanceArn": ARN + name,
        "registeredResources": [
            {"name": "CPU", "integerValue": cpu},
            {"name": "MEMORY", "integerValue": memory},
        ],
        **extra,
    }


def task(memory: int, cpu: int = 0, **extra: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "memory": memory, **extra}
    if cpu:
        container["cpu"] = cpu
    return {"family": "app", "containerDefinitions": [container]}


def run(document: dict[str, Any]) -> PlacementResult:
    return place(build_scenario(document, Where("test"), None, Overrides()))


def short(arn: str | None) -> str:
    return (arn or "").rsplit("/", 1)[-1]


def where(result: PlacementResult) -> list[str]:
    return [short(p.instance_arn) for p in result.placements]


def failures(result: PlacementResult) -> dict[str, str]:
    return {short(f.arn): f.reason.value for f in result.failures}


# --- resources ---------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["memory", "cpu"])
def test_a_task_that_needs_exactly_what_is_left_fits(resource: str) -> None:
    need = {"memory": 1024, "cpu": 512} if resource == "memory" else {"memory": 128, "cpu": 2048}
    result = run(
        {
            "containerInstances": [instance("a", cpu=2048, memory=1024)],
            "taskDefinition": task(need["memory"], need["cpu"]),
            "runTask": {"count": 2},
        }
    )
    assert where(result) == ["a"]
    assert result.unplaced == 1
    reason = "RESOURCE:MEMORY" if resource == "memory" else "RESOURCE:CPU"
    assert failures(result) == {"a": reason}


def test_one_mib_more_than_is_left_does_not_fit() -> None:
    result = run(
        {
            "containerInstances": [instance("a", cpu=2048, memory=1024)],
            "taskDefinition": task(1025),
            "runTask": {"count": 1},
        }
    )
    assert result.placements == ()
    assert failures(result) == {"a": "RESOURCE:MEMORY"}


@pytest.mark.parametrize("size", [1, 3, 5])
def test_dynamic_host_ports_run_out_with_the_ephemeral_range(size: int) -> None:
    """Each task with hostPort 0 takes one port of the range; when none is free the next
    task fails on RESOURCE:PORTS, however much memory is left."""
    first = 50000
    result = run(
        {
            "ephemeralPortRange": [first, first + size - 1],
            "containerInstances": [instance("a", cpu=4096, memory=16000)],
            "taskDefinition": task(
                64, portMappings=[{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}]
            ),
            "runTask": {"count": size + 1},
        }
    )
    assert len(result.placements) == size
    assert failures(result) == {"a": "RESOURCE:PORTS"}
    ports = sorted(b.host_port for p in result.placements for b in p.bindings)
    assert ports == list(range(first, first + size))


def test_dynamic_ports_taken_by_running_tasks_count_against_the_range() -> None:
    result = run(
        {
            "ephemeralPortRange": [50000, 50002],
            "containerInstances": [
                instance(
                    "a",
                    cpu=4096,
                    memory=16000,
                    remainingResources=[
                        {"name": "CPU", "integerValue": 4096},
                        {"name": "MEMORY", "integerValue": 16000},
                        {"name": "PORTS", "stringSetValue": ["22", "50001"]},
                    ],
                )
            ],
            "taskDefinition": task(
                64, portMappings=[{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}]
            ),
            "runTask": {"count": 3},
        }
    )
    assert len(result.placements) == 2
    assert sorted(b.host_port for p in result.placements for b in p.bindings) == [50000, 50002]


# --- required attributes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("required", "expected"),
    [
        ([{"name": "ecs.capability.task-eni"}], {"new"}),
        ([{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.17"}], {"old"}),
        ([{"name": "ecs.capability.task-eni"}, {"name": "nowhere"}], set()),
    ],
)
def test_only_instances_with_every_required_attribute_are_candidates(
    required: list[dict[str, str]], expected: set[str]
) -> None:
    result = run(
        {
            "containerInstances": [
                instance(
                    "old",
                    2048,
                    4000,
                    attributes=[{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.17"}],
                ),
                instance("new", 2048, 4000, attributes=[{"name": "ecs.capability.task-eni"}]),
            ],
            "taskDefinition": {**task(128), "requiresAttributes": required},
            "runTask": {"count": 6, "placementStrategy": [{"type": "random"}]},
            "seed": 1,
        }
    )
    assert set(where(result)) == expected
    assert len(result.placements) == (6 if expected else 0)
    if not expected:
        assert failures(result) == {"old": "ATTRIBUTE", "new": "ATTRIBUTE"}


def test_a_required_attribute_with_a_value_needs_that_value() -> None:
    result = run(
        {
            "containerInstances": [
                instance("a", 2048, 4000, attributes=[{"name": "stack", "value": "blue"}]),
                instance("b", 2048, 4000, attributes=[{"name": "stack", "value": "green"}]),
            ],
            "taskDefinition": {
                **task(128),
                "requiresAttributes": [{"name": "stack", "value": "green"}],
            },
            "runTask": {"count": 4, "placementStrategy": [{"type": "random"}]},
        }
    )
    assert where(result) == ["b"] * 4


# --- the service event's closest matching instance ------------------------------------


def test_the_closest_instance_for_a_memory_failure_is_the_one_with_most_memory_left() -> None:
    """Both instances are short of memory; `b` has more memory left but less CPU."""
    result = run(
        {
            "containerInstances": [instance("a", 4096, 1000), instance("b", 1024, 2000)],
            "taskDefinition": task(3000, 512),
            "createService": {"serviceName": "web", "desiredCount": 1},
        }
    )
    assert result.closest is not None
    assert (short(result.closest[0]), result.closest[1].value) == ("b", "RESOURCE:MEMORY")
    assert any(
        "The closest matching container-instance b has insufficient memory available." in e
        for e in service_events(result)
    )


def test_the_closest_instance_for_a_cpu_failure_is_the_one_with_most_cpu_left() -> None:
    result = run(
        {
            "containerInstances": [instance("a", 1000, 8000), instance("b", 2000, 4000)],
            "taskDefinition": task(512, 3000),
            "createService": {"serviceName": "web", "desiredCount": 1},
        }
    )
    assert result.closest is not None
    assert (short(result.closest[0]), result.closest[1].value) == ("b", "RESOURCE:CPU")


# --- memberOf and the Cluster Query Language ----------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute:ecs.instance-type =~ t3.*", ["t3"]),
        ("attribute:ecs.instance-type =~ t3", []),  # a pattern matches the whole value
        ("attribute:ecs.instance-type =~ .*large", ["m5"]),
        ("attribute:ecs.instance-type =~ m5.larg", []),
        ("attribute:ecs.instance-type !~ t3.*", ["m5"]),
        ("attribute:ecs.instance-type !~ t3", ["m5", "t3"]),
    ],
)
def test_a_pattern_must_match_the_whole_attribute_value(
    expression: str, expected: list[str]
) -> None:
    result = run(
        {
            "containerInstances": [
                instance(
                    "m5",
                    2048,
                    7680,
                    attributes=[{"name": "ecs.instance-type", "value": "m5.large"}],
                ),
                instance(
                    "t3",
                    2048,
                    3900,
                    attributes=[{"name": "ecs.instance-type", "value": "t3.medium"}],
                ),
            ],
            "taskDefinition": task(128),
            "runTask": {
                "count": 2,
                "placementStrategy": [{"type": "spread", "field": "instanceId"}],
                "placementConstraints": [{"type": "memberOf", "expression": expression}],
            },
        }
    )
    assert sorted(set(where(result))) == expected


# --- two attribute spreads -------------------------------------------------------------


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.sampled_from("ab"), st.sampled_from(["r1", "r2", "r3"])),
        min_size=2,
        max_size=8,
    ),
    st.integers(1, 12),
    st.integers(0, 3),
)
def test_spread_by_zone_then_by_rack_balances_zones_first_then_racks(
    layout: list[tuple[str, str]], count: int, seed: int
) -> None:
    """Worked out from the rule: each task goes to the zone with the fewest tasks, then,
    among the instances still in play, to one whose rack has the fewest tasks (a spread
    counts the group's tasks per value over the whole cluster)."""
    instances = [
        instance(
            f"i{n}",
            4096,
            16000,
            attributes=[
                {"name": "ecs.availability-zone", "value": f"us-east-1{zone}"},
                {"name": "rack", "value": rack},
            ],
        )
        for n, (zone, rack) in enumerate(layout)
    ]
    result = run(
        {
            "containerInstances": instances,
            "taskDefinition": task(64),
            # A service: RunTask takes at most 10 tasks a call, a service any desired count.
            "createService": {
                "serviceName": "spread",
                "desiredCount": count,
                "placementStrategy": [
                    {"type": "spread", "field": "attribute:ecs.availability-zone"},
                    {"type": "spread", "field": "attribute:rack"},
                ],
            },
            "seed": seed,
        }
    )
    assert len(result.placements) == count
    zone_of = {f"i{n}": z for n, (z, _) in enumerate(layout)}
    rack_of = {f"i{n}": r for n, (_, r) in enumerate(layout)}
    per_zone: dict[str, int] = dict.fromkeys(zone_of.values(), 0)
    per_rack: dict[str, int] = dict.fromkeys(rack_of.values(), 0)
    for name in where(result):
        fewest = min(per_zone.values())
        assert per_zone[zone_of[name]] == fewest, "not the zone with the fewest tasks"
        in_play = {rack_of[i] for i in zone_of if per_zone[zone_of[i]] == fewest}
        assert per_rack[rack_of[name]] == min(per_rack[r] for r in in_play), "not the emptiest rack"
        per_zone[zone_of[name]] += 1
        per_rack[rack_of[name]] += 1


# --- the API's limits ----------------------------------------------------------------------


def _with(constraints: int = 0, strategies: int = 0) -> dict[str, Any]:
    return {
        "fleet": ["2xm5.large"],
        "taskDefinition": {
            **task(128),
            "placementConstraints": [
                {"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}
            ]
            * min(constraints, 5),
        },
        "runTask": {
            "count": 1,
            "placementConstraints": [{"type": "distinctInstance"}] * max(constraints - 5, 0),
            "placementStrategy": [{"type": "spread", "field": "instanceId"}] * strategies,
        },
    }


def test_ten_constraints_from_task_definition_and_request_together_are_allowed() -> None:
    assert len(run(_with(constraints=10)).placements) == 1
    with pytest.raises(InputError, match=r"11 placement constraints .*at most 10"):
        run(_with(constraints=11))


def test_five_strategies_are_allowed_six_are_not() -> None:
    assert len(run(_with(strategies=5)).placements) == 1
    with pytest.raises(InputError, match="6 placement strategies: AWS allows at most 5"):
        run(_with(strategies=6))


def _providers(n: int, **first: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"capacityProvider": f"asg-{i}", "weight": 1} for i in range(n)]
    items[0].update(first)
    return items


def test_twenty_capacity_providers_are_allowed_twenty_one_are_not() -> None:
    assert len(read_capacity_strategy(_providers(20), Where("t"))) == 20
    with pytest.raises(InputError, match="21 capacity providers; a strategy takes at most 20"):
        read_capacity_strategy(_providers(21), Where("t"))


@pytest.mark.parametrize(("key", "most"), [("base", 100_000), ("weight", 1_000)])
def test_base_and_weight_have_the_apis_maximums(key: str, most: int) -> None:
    (item,) = read_capacity_strategy(_providers(1, **{key: most}), Where("t"))
    assert getattr(item, key) == most
    with pytest.raises(InputError, match=f"{most + 1} is above the maximum of {most}"):
        read_capacity_strategy(_providers(1, **{key: most + 1}), Where("t"))


def test_anti_affinity_with_its_own_group_sees_the_tasks_placed_in_the_same_run() -> None:
    """`not(task:group == family:app)` changes as the run places tasks of that group, so
    each of three tasks goes to a different instance and the fourth has nowhere to go."""
    result = run(
        {
            "fleet": ["3xm5.large"],
            "taskDefinition": task(128),
            "runTask": {
                "count": 4,
                "placementStrategy": [{"type": "binpack", "field": "memory"}],
                "placementConstraints": [
                    {"type": "memberOf", "expression": "not(task:group == family:app)"}
                ],
            },
        }
    )
    assert sorted(where(result)) == ["ci-0001", "ci-0002", "ci-0003"]
    assert result.unplaced == 1


def test_a_bad_expression_without_a_place_is_reported_as_memberof() -> None:
    from ecsprep.sim.constraints import member_of

    with pytest.raises(InputError, match=r"^memberOf: expected a value after '=='"):
        member_of("attribute:a ==")


def test_a_split_reports_the_count_it_shared() -> None:
    from ecsprep.sim.capacity import CapacityItem, split_tasks

    split = split_tasks((CapacityItem("a", 1, 1), CapacityItem("b", 0, 2)), 7)
    assert (split.count, split.remaining, sum(split.tasks().values())) == (7, 6, 7)


def _ports_case(taken: list[str], mappings: int, size: int) -> PlacementResult:
    return run(
        {
            "ephemeralPortRange": [50000, 50000 + size - 1],
            "containerInstances": [
                instance(
                    "a",
                    cpu=4096,
                    memory=16000,
                    remainingResources=[
                        {"name": "CPU", "integerValue": 4096},
                        {"name": "MEMORY", "integerValue": 16000},
                        {"name": "PORTS", "stringSetValue": taken},
                    ],
                )
            ],
            "taskDefinition": task(
                64,
                portMappings=[
                    {"containerPort": 8000 + n, "hostPort": 0, "protocol": "tcp"}
                    for n in range(mappings)
                ],
            ),
            "runTask": {"count": 1},
        }
    )


@pytest.mark.parametrize("size", [4, 6, 9])
def test_ports_outside_the_ephemeral_range_do_not_use_it_up(size: int) -> None:
    """Ports 22 and 2376 are taken but lie outside the range: a task that needs every
    port of the range still fits."""
    result = _ports_case(["22", "2376"], mappings=size, size=size)
    assert len(result.placements) == 1
    assert sorted(b.host_port for b in result.placements[0].bindings) == list(
        range(50000, 50000 + size)
    )


def test_a_task_needing_more_dynamic_ports_than_are_free_does_not_fit() -> None:
    result = _ports_case(["50002"], mappings=5, size=5)
    assert result.placements == ()
    assert failures(result) == {"a": "RESOURCE:PORTS"}


# --- what a run reports besides where tasks go -------------------------------------------


@pytest.mark.parametrize(
    ("instance_arn", "task_prefix"),
    [
        (
            "arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/abc",
            "arn:aws:ecs:eu-west-1:123456789012:task/prod/",
        ),
        (  # the old ARN format has no cluster name
            "arn:aws:ecs:eu-west-1:123456789012:container-instance/abc",
            "arn:aws:ecs:eu-west-1:123456789012:task/default/",
        ),
        ("abc", "arn:aws:ecs:us-east-1:111122223333:task/default/"),
    ],
)
def test_task_arns_take_region_account_and_cluster_from_the_instances(
    instance_arn: str, task_prefix: str
) -> None:
    result = run(
        {
            "containerInstances": [
                {**instance("x", 2048, 4000), "containerInstanceArn": instance_arn}
            ],
            "taskDefinition": task(128),
            "runTask": {"count": 1},
        }
    )
    (placed,) = result.placements
    assert placed.task_arn.startswith(task_prefix)
    assert len(placed.task_arn) - len(task_prefix) == 32


@pytest.mark.parametrize(
    ("request_", "notes"),
    [
        (
            {"runTask": {"count": 1}},
            ["no placement strategy given: the default for RunTask: random"],
        ),
        (
            {"createService": {"serviceName": "w", "desiredCount": 1}},
            [
                "no placement strategy given: the default for a service: "
                "spread(AZ) then spread(instanceId)"
            ],
        ),
        (
            {
                "runTask": {
                    "count": 10,
                    "placementStrategy": [{"type": "binpack", "field": "memory"}],
                }
            },
            [],
        ),
    ],
)
def test_notes_on_the_request(request_: dict[str, Any], notes: list[str]) -> None:
    result = run({"fleet": ["2xm5.large"], "taskDefinition": task(64), **request_})
    assert list(result.notes) == notes


def test_a_runtask_request_for_more_than_ten_tasks_is_refused_with_awss_words() -> None:
    with pytest.raises(InputError, match="You can specify up to 10 tasks for each call"):
        run(
            {
                "fleet": ["2xm5.large"],
                "taskDefinition": task(64),
                "runTask": {"count": 25, "placementStrategy": [{"type": "binpack"}]},
            }
        )


def test_fargate_names_everything_aws_would_refuse() -> None:
    result = run(
        {
            "fleet": ["1xm5.large"],
            "taskDefinition": {**task(128), "networkMode": "bridge"},
            "runTask": {
                "count": 2,
                "launchType": "FARGATE",
                "placementStrategy": [{"type": "binpack", "field": "memory"}],
            },
        }
    )
    assert result.fargate
    assert (result.placements, result.unplaced, result.failures, result.instances) == (
        (),
        0,
        (),
        (),
    )
    assert list(result.notes[1:]) == [
        "AWS rejects placementStrategy and placementConstraints with the FARGATE launch type: "
        "remove them from the request.",
        "a FARGATE task needs task-level cpu and memory in its task definition.",
        "a FARGATE task needs networkMode awsvpc.",
    ]
    assert result.notes[0].startswith("FARGATE: AWS runs the task on its own capacity")


def test_each_instance_reports_what_it_has_left_and_holds() -> None:
    result = run(
        {
            "containerInstances": [
                instance("x", 2048, 4000, ec2InstanceId="i-0abc"),
                instance("y", 1024, 2000, status="DRAINING"),
            ],
            "tasks": [
                {
                    "containerInstanceArn": "x",
                    "group": "family:other",
                    "cpu": "100",
                    "memory": "100",
                }
            ],
            "taskDefinition": task(
                128, 256, portMappings=[{"containerPort": 80, "hostPort": 8080, "protocol": "udp"}]
            ),
            "runTask": {"count": 1},
        }
    )
    x, y = result.instances
    assert (x.ec2_instance_id, x.status, y.status) == ("i-0abc", "ACTIVE", "DRAINING")
    assert (x.registered_cpu, x.registered_memory) == (2048, 4000)
    assert (x.remaining_cpu, x.remaining_memory) == (2048 - 100 - 256, 4000 - 100 - 128)
    assert (x.placed, x.running, x.group_tasks) == (1, 2, 1)
    assert 8080 in x.ports_udp
    assert 8080 not in x.ports_tcp
    assert (y.placed, y.running) == (0, 0)
