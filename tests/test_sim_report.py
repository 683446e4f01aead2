"""The placement report in AWS's shapes (sim/report.py) and the cluster state it reads
(sim/cluster.py): each test builds a scenario, runs it and checks the RunTask response, the
service events and each instance's remainingResources against values worked out by hand
from the scenario (in the comments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.sim.documents import Where
from ecsprep.sim.placement import place
from ecsprep.sim.report import response, service_events
from ecsprep.sim.scenario import Overrides, build_scenario

TROUBLESHOOTING = (
    "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
)


def run(text: str) -> tuple[dict[str, Any], list[str]]:
    scenario = build_scenario(yaml.safe_load(text), Where("s"), Path("."), Overrides())
    result = place(scenario)
    return response(result), service_events(result)


def remaining(outcome: dict[str, Any]) -> dict[str, Any]:
    return {
        r["name"]: r["integerValue"] if r["type"] == "INTEGER" else r["stringSetValue"]
        for r in outcome["remainingResources"]
    }


RUN_TASK = """
containerInstances:
  - containerInstanceArn: arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/a1
    ec2InstanceId: i-a1
    registeredResources:
      - {name: CPU, integerValue: 1024}
      - {name: MEMORY, integerValue: 1000}
      - {name: PORTS, stringSetValue: ["8080", "22", "100"]}
  - containerInstanceArn: arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/b2
    ec2InstanceId: i-b2
    registeredResources: [{name: CPU, integerValue: 1024}, {name: MEMORY, integerValue: 300}]
taskDefinition:
  family: web
  revision: 4
  taskDefinitionArn: arn:aws:ecs:eu-west-1:123456789012:task-definition/web:4
  containerDefinitions:
    - name: app
      memory: 400
      portMappings: [{containerPort: 80}, {containerPort: 53, hostPort: 5353, protocol: udp}]
    - {name: log, memory: 100, portMappings: [{containerPort: 24224}]}
runTask:
  count: 3
  placementStrategy: [{type: binpack, field: memory}]
"""


def test_a_runtask_response_in_awss_shapes() -> None:
    body, events = run(RUN_TASK)
    # The task needs 500 MiB: a1 (1000) takes one; then a1 has no second UDP 5353 and b2 (300)
    # is short of memory, so 2 of the 3 are not placed.
    (task,) = body["tasks"]
    assert task["clusterArn"] == "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"
    assert task["taskDefinitionArn"] == "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:4"
    assert task["containerInstanceArn"].endswith("container-instance/prod/a1")
    assert task["taskArn"].startswith("arn:aws:ecs:eu-west-1:123456789012:task/prod/")
    assert {k: task[k] for k in ("group", "launchType", "lastStatus", "desiredStatus")} == {
        "group": "family:web",
        "launchType": "EC2",
        "lastStatus": "PENDING",
        "desiredStatus": "RUNNING",
    }
    assert (task["cpu"], task["memory"]) == ("0", "500")
    # each binding goes to the container that maps it; dynamic ports from 32768 up
    assert task["containers"] == [
        {
            "name": "app",
            "networkBindings": [
                {"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 32768, "protocol": "tcp"},
                {"bindIP": "0.0.0.0", "containerPort": 53, "hostPort": 5353, "protocol": "udp"},
            ],
        },
        {
            "name": "log",
            "networkBindings": [
                {"bindIP": "0.0.0.0", "containerPort": 24224, "hostPort": 32769, "protocol": "tcp"}
            ],
        },
    ]
    assert body["failures"] == [
        {
            "arn": "arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/a1",
            "reason": "RESOURCE:PORTS",
        },
        {
            "arn": "arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/b2",
            "reason": "RESOURCE:MEMORY",
        },
    ]
    a1, b2 = body["containerInstances"]
    assert (a1["ec2InstanceId"], a1["status"], a1["runningTasksCount"]) == ("i-a1", "ACTIVE", 1)
    # ports in numeric order, written as text
    assert remaining(a1) == {
        "CPU": 1024,
        "MEMORY": 500,
        "PORTS": ["22", "100", "8080", "32768", "32769"],
        "PORTS_UDP": ["5353"],
    }
    assert remaining(b2) == {
        "CPU": 1024,
        "MEMORY": 300,
        "PORTS": ["22", "2375", "2376", "51678", "51679", "51680"],
        "PORTS_UDP": [],
    }
    assert "events" not in body
    assert "stoppedTasks" not in body
    assert events == []
    assert body["simulation"] == {
        "launchType": "EC2",
        "group": "family:web",
        "taskCpu": 0,
        "taskMemory": 500,
        "placementStrategy": [{"type": "binpack", "field": "memory"}],
        "placementConstraints": [],
        "seed": None,
        "placed": 1,
        "unplaced": 2,
        "notes": [],
    }


def test_a_definition_without_a_revision_is_revision_1_and_a_failure_without_an_arn() -> None:
    body, _ = run(
        """
fleet: ["1xm5.large@ap-south-1b"]
taskDefinition: {family: api, cpu: "512", containerDefinitions: [{name: a, memory: 64}]}
runTask: {count: 1}
"""
    )
    (task,) = body["tasks"]
    assert task["taskDefinitionArn"] == "arn:aws:ecs:ap-south-1:111122223333:task-definition/api:1"
    assert task["clusterArn"] == "arn:aws:ecs:ap-south-1:111122223333:cluster/sim"
    assert (task["cpu"], task["memory"]) == ("512", "64")
    assert body["failures"] == []
    body, _ = run(
        """
containerInstances:
  - containerInstanceArn: arn:aws:ecs:ap-south-1:9:container-instance/c/gone
    status: DRAINING
    registeredResources: [{name: CPU, integerValue: 1}, {name: MEMORY, integerValue: 1}]
runTask: {count: 1}
"""
    )
    assert body["failures"] == [{"reason": "NO ACTIVE INSTANCES"}]


def test_a_missing_attribute_is_named_in_the_failure() -> None:
    body, _ = run(
        """
containerInstances:
  - containerInstanceArn: arn:aws:ecs:us-east-1:1:container-instance/c/old
    registeredResources: [{name: CPU, integerValue: 2048}, {name: MEMORY, integerValue: 4096}]
taskDefinition:
  family: l
  containerDefinitions: [{name: a, memory: 64, logConfiguration: {logDriver: awslogs}}]
runTask: {count: 1}
"""
    )
    assert body["failures"] == [
        {
            "arn": "arn:aws:ecs:us-east-1:1:container-instance/c/old",
            "reason": "ATTRIBUTE",
            "detail": "missing attribute com.amazonaws.ecs.capability.logging-driver.awslogs",
        }
    ]


DRAINING = """
containerInstances:
  - containerInstanceArn: arn:aws:ecs:us-east-1:1:container-instance/c/d
    status: DRAINING
    runningTasksCount: 3
    registeredResources: [{name: CPU, integerValue: 2048}, {name: MEMORY, integerValue: 4096}]
    attributes: [{name: ecs.availability-zone, value: us-east-1c}]
  - containerInstanceArn: arn:aws:ecs:us-east-1:1:container-instance/c/a
    registeredResources: [{name: CPU, integerValue: 2048}, {name: MEMORY, integerValue: 4096}]
    attributes: [{name: ecs.availability-zone, value: us-east-1a}]
taskDefinition:
  family: web
  containerDefinitions: [{name: web, cpu: 128, memory: 1024, portMappings: [{containerPort: 80}]}]
tasks:
  - taskArn: t1
    containerInstanceArn: d
    group: service:web
    containers: [{networkBindings: [{hostPort: 32768}, {hostPort: 8125, protocol: udp}]}]
  - taskArn: t2
    containerInstanceArn: d
    group: service:web
    containers: [{networkBindings: [{hostPort: 32769}]}]
  - taskArn: o1
    containerInstanceArn: d
    group: family:other
    cpu: "256"
    memory: "256"
    containers: [{networkBindings: [{hostPort: 9000}]}]
updateService: {service: web, desiredCount: 2}
"""


def test_draining_gives_back_what_the_stopped_tasks_held() -> None:
    body, events = run(DRAINING)
    d, a = body["containerInstances"]
    # t1 and t2 (128 CPU, 1024 MiB each, this definition's size) stop; o1 (256, 256) stays
    assert remaining(d) == {
        "CPU": 2048 - 256,
        "MEMORY": 4096 - 256,
        "PORTS": ["22", "2375", "2376", "9000", "51678", "51679", "51680"],
        "PORTS_UDP": [],
    }
    assert d["runningTasksCount"] == 1  # 3 given, 2 stopped
    # the two replacements start on a, with the dynamic ports t1 and t2 had on d
    assert remaining(a) == {
        "CPU": 2048 - 256,
        "MEMORY": 4096 - 2048,
        "PORTS": ["22", "2375", "2376", "32768", "32769", "51678", "51679", "51680"],
        "PORTS_UDP": [],
    }
    assert a["runningTasksCount"] == 2
    ids = " ".join(f"(task {t['taskArn'].rsplit('/', 1)[-1]})" for t in body["tasks"])
    assert events == [
        f"service web has started 2 tasks: {ids}.",
        "service web has stopped 2 running tasks: (task t1) (task t2).",
        "service web has reached a steady state.",
    ]
    # DescribeServices lists the newest first
    assert [e["message"] for e in body["events"]] == events[::-1]
    assert [
        (s["taskArn"], s["containerInstanceArn"].rsplit("/", 1)[-1]) for s in body["stoppedTasks"]
    ] == [
        ("t1", "d"),
        ("t2", "d"),
    ]


def test_running_tasks_count_is_the_given_count_less_the_tasks_leaving() -> None:
    body, _ = run(
        """
containerInstances:
  - containerInstanceArn: arn:aws:ecs:us-east-1:1:container-instance/c/x
    runningTasksCount: 5
    registeredResources: [{name: CPU, integerValue: 2048}, {name: MEMORY, integerValue: 4096}]
  - containerInstanceArn: arn:aws:ecs:us-east-1:1:container-instance/c/y
    runningTasksCount: 1
    registeredResources: [{name: CPU, integerValue: 2048}, {name: MEMORY, integerValue: 4096}]
tasks:
  - {containerInstanceArn: x, group: "family:other", cpu: "0", memory: "0", lastStatus: STOPPING}
  - {containerInstanceArn: y, group: "family:other", cpu: "0", memory: "0"}
  - {containerInstanceArn: y, group: "family:other", cpu: "0", memory: "0"}
taskDefinition: {family: c, containerDefinitions: [{name: a, memory: 64}]}
runTask: {count: 1, placementConstraints: [{type: memberOf, expression: "runningTasksCount == 4"}]}
"""
    )
    # x: 5 given less 1 STOPPING = 4, so it qualifies; y: 1 given, but 2 listed staying: 2
    x, y = body["containerInstances"]
    assert body["simulation"]["placed"] == 1
    assert (x["runningTasksCount"], y["runningTasksCount"]) == (5, 2)


CLOSEST = {
    "insufficient CPU": (
        "taskDefinition: {family: t, cpu: '4096', containerDefinitions: [{name: a, memory: 64}]}",
        "has insufficient CPU units available.",
    ),
    "insufficient memory": (
        "taskDefinition: {family: t, containerDefinitions: [{name: a, memory: 99999}]}",
        "has insufficient memory available.",
    ),
    "a port in use": (
        "taskDefinition: {family: t, containerDefinitions: [{name: a, memory: 64,"
        " portMappings: [{containerPort: 22, hostPort: 22}]}]}",
        "is already using a port required by your task.",
    ),
    "a GPU": (
        "taskDefinition: {family: t, containerDefinitions: [{name: a, memory: 64,"
        " resourceRequirements: [{type: GPU, value: '1'}]}]}",
        "has insufficient GPU resources available.",
    ),
    "an ENI (no words of its own)": (
        "taskDefinition: {family: t, networkMode: awsvpc,"
        " containerDefinitions: [{name: a, memory: 64}]}\n"
        "tasks: [{containerInstanceArn: ci-0001, group: 'family:o', memory: '64',"
        " attachments: [{type: ElasticNetworkInterface}]}]",
        'encountered error "RESOURCE:ENI".',
    ),
}


@pytest.mark.parametrize(("scenario", "tail"), CLOSEST.values(), ids=list(CLOSEST))
def test_the_unplaced_event_says_why_the_closest_instance_failed(scenario: str, tail: str) -> None:
    _, events = run(
        f"""
fleet: [1xt2.micro]
{scenario}
createService:
  serviceName: api
  desiredCount: 1
  networkConfiguration: {{awsvpcConfiguration: {{subnets: [s-1]}}}}
"""
    )
    assert events == [
        "service api was unable to place a task because no container instance met all of its "
        f"requirements. The closest matching container-instance ci-0001 {tail} {TROUBLESHOOTING}"
    ]


def test_the_unplaced_event_names_the_missing_attribute_failure() -> None:
    _, events = run(
        """
containerInstances:
  - containerInstanceArn: arn:aws:ecs:us-east-1:1:container-instance/c/old
    registeredResources: [{name: CPU, integerValue: 2048}, {name: MEMORY, integerValue: 4096}]
taskDefinition:
  family: l
  containerDefinitions: [{name: a, memory: 64, logConfiguration: {logDriver: awslogs}}]
createService: {serviceName: logs, desiredCount: 1}
"""
    )
    assert events == [
        "service logs was unable to place a task because no container instance met all of its "
        "requirements. The closest matching container-instance old is missing an attribute "
        f"required by your task. {TROUBLESHOOTING}"
    ]


def test_more_protected_tasks_than_desired_is_an_event_and_no_steady_state() -> None:
    body, events = run(
        """
fleet: [1xm5.large]
tasks:
  - {taskArn: a1, containerInstanceArn: ci-0001, group: "service:web", protectionEnabled: true}
  - {taskArn: a2, containerInstanceArn: ci-0001, group: "service:web", protectionEnabled: true}
updateService: {service: web, desiredCount: 1}
"""
    )
    assert events == [
        "service web was unable to scale in. Reason: The number of protected tasks are more "
        "than the desired count of tasks"
    ]
    assert "stoppedTasks" not in body


def test_a_service_at_its_count_with_nothing_to_do_is_steady() -> None:
    body, events = run(
        """
fleet: [1xm5.large]
tasks: [{taskArn: a1, containerInstanceArn: ci-0001, group: "service:web"}]
updateService: {service: web, desiredCount: 1}
"""
    )
    assert events == ["service web has reached a steady state."]
    assert body["events"] == [{"message": "service web has reached a steady state."}]
    assert body["tasks"] == []


def test_scale_in_stops_first_and_frees_the_instance() -> None:
    body, events = run(
        """
fleet: ["1xm5.large", "1xm5.large"]
tasks:
  - {taskArn: a1, containerInstanceArn: ci-0001, group: "service:web", memory: "512"}
  - {taskArn: a2, containerInstanceArn: ci-0001, group: "service:web", memory: "512"}
  - {taskArn: b1, containerInstanceArn: ci-0002, group: "service:web", memory: "512", cpu: "256",
     containers: [{networkBindings: [{hostPort: 8080}, {hostPort: 53, protocol: udp}]}]}
updateService: {service: web, desiredCount: 2, placementStrategy: [{type: binpack, field: memory}]}
"""
    )
    assert events == [
        "service web has stopped 1 running tasks: (task b1).",
        "service web has reached a steady state.",
    ]
    _, freed = body["containerInstances"]
    assert freed["runningTasksCount"] == 0
    assert remaining(freed) == {
        "CPU": 2048,
        "MEMORY": 7700,
        "PORTS": ["22", "2375", "2376", "51678", "51679", "51680"],
        "PORTS_UDP": [],
    }


def _ports_instance(ports: int) -> str:
    listed = ", ".join(f'"{p}"' for p in [22, *range(8000, 8000 + ports - 1)])
    return f"""
containerInstances:
  - containerInstanceArn: arn:aws:ecs:us-east-1:1:container-instance/c/busy
    registeredResources: [{{name: CPU, integerValue: 4096}}, {{name: MEMORY, integerValue: 8000}}]
    remainingResources: [{{name: PORTS, stringSetValue: [{listed}]}}]
"""


@pytest.mark.parametrize(("reserved", "placed"), [(98, 1), (99, 1), (100, 0)])
def test_dynamic_ports_of_every_running_task_stay_out_of_the_100_reserved(
    reserved: int, placed: int
) -> None:
    # `reserved` static ports listed, plus three dynamic ports held by two running tasks:
    # the static host port 80 makes reserved + 1, refused above 100.
    body, _ = run(
        _ports_instance(reserved)
        + """
tasks:
  - {containerInstanceArn: busy, group: "family:o", cpu: "0", memory: "64",
     containers: [{networkBindings: [{hostPort: 32768}, {hostPort: 32769}]}]}
  - {containerInstanceArn: busy, group: "family:o", cpu: "0", memory: "64",
     containers: [{networkBindings: [{hostPort: 32770}]}]}
taskDefinition:
  family: p
  containerDefinitions: [{name: a, memory: 64, portMappings: [{containerPort: 80, hostPort: 80}]}]
runTask: {count: 1}
"""
    )
    assert body["simulation"]["placed"] == placed


def test_each_instance_counts_the_tasks_this_run_placed_there() -> None:
    scenario = build_scenario(
        yaml.safe_load(
            """
fleet: [2xm5.large]
tasks: [{containerInstanceArn: ci-0002, group: "family:web"}]
taskDefinition: {family: web, containerDefinitions: [{name: a, memory: 64}]}
runTask: {count: 3, placementStrategy: [{type: binpack, field: memory}]}
"""
        ),
        Where("s"),
        Path("."),
        Overrides(),
    )
    result = place(scenario)
    # binpack: ci-0002 already has less memory left, so all three land there
    assert [(o.placed, o.group_tasks, o.running) for o in result.instances] == [
        (0, 0, 0),
        (3, 4, 4),
    ]


@pytest.mark.parametrize("count", [0, 2])
def test_a_fargate_service_is_explained_not_placed_so_it_has_no_events(count: int) -> None:
    # nothing is placed on FARGATE (AWS runs the tasks on its own capacity): the simulator
    # has no steady state to report, even for a service that wants no tasks
    body, events = run(
        f"""
taskDefinition:
  family: web
  networkMode: awsvpc
  requiresCompatibilities: [FARGATE]
  cpu: "256"
  memory: "512"
  containerDefinitions: [{{name: app}}]
createService:
  serviceName: web
  desiredCount: {count}
  launchType: FARGATE
  networkConfiguration: {{awsvpcConfiguration: {{subnets: [subnet-1]}}}}
"""
    )
    assert events == []
    assert body["events"] == []
    assert body["tasks"] == []
