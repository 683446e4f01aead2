"""Every field of a placement scenario that holds the wrong kind of value is refused at its
own place (sim/scenario.py): the error names the path to that field as a user reads it in the
file (`tasks[1].containers[0].networkBindings[0].hostPort`), not its parent or a sibling.

RUN and SERVICE use every field the scenario reader reads itself (the instances, the task
definition, strategies and constraints are read by their own modules and tested there)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.scenario import Overrides, build_scenario
from tests.places import with_wrong_kind

TASK_DEFINITION = {"family": "web", "containerDefinitions": [{"name": "app", "memory": 256}]}
RUN: dict[str, Any] = {
    "description": "every field",
    "fleet": ["2xm5.large@us-east-1a"],
    "taskDefinition": TASK_DEFINITION,
    "seed": 7,
    "ephemeralPortRange": [32768, 60999],
    "tasks": [
        {"containerInstanceArn": "ci-0001", "lastStatus": "RUNNING"},
        {
            "taskArn": "arn:aws:ecs:us-east-1:1:task/sim/t2",
            "containerInstanceArn": "ci-0002",
            "lastStatus": "RUNNING",
            "desiredStatus": "RUNNING",
            "group": "family:other",
            "cpu": "256",
            "memory": "512",
            "attachments": [{"type": "ElasticNetworkInterface"}],
            "containers": [
                {
                    "gpuIds": ["GPU-1"],
                    "networkBindings": [{"hostPort": 8080, "protocol": "tcp"}],
                }
            ],
        },
    ],
    "runTask": {
        "count": 2,
        "group": "batch",
        "launchType": "EC2",
        "placementStrategy": [{"type": "binpack", "field": "memory"}],
        "placementConstraints": [{"type": "distinctInstance"}],
    },
}
SERVICE: dict[str, Any] = {
    "fleet": ["2xm5.large@us-east-1a"],
    "taskDefinition": TASK_DEFINITION,
    "createService": {
        "serviceName": "api",
        "desiredCount": 2,
        "schedulingStrategy": "REPLICA",
        "deploymentConfiguration": {"maximumPercent": 150, "minimumHealthyPercent": 50},
    },
}
TASK = "tasks[1]"
CONTAINER = f"{TASK}.containers[0]"
RUN_PLACES = [
    "description",
    "seed",
    "fleet",
    "fleet[0]",
    "ephemeralPortRange",
    "ephemeralPortRange[1]",
    "tasks",
    "tasks[0]",
    "tasks[0].lastStatus",
    "tasks[0].containerInstanceArn",
    f"{TASK}.taskArn",
    f"{TASK}.desiredStatus",
    f"{TASK}.group",
    f"{TASK}.cpu",
    f"{TASK}.memory",
    f"{TASK}.attachments",
    f"{TASK}.containers",
    CONTAINER,
    f"{CONTAINER}.gpuIds",
    f"{CONTAINER}.gpuIds[0]",
    f"{CONTAINER}.networkBindings",
    f"{CONTAINER}.networkBindings[0]",
    f"{CONTAINER}.networkBindings[0].hostPort",
    "runTask",
    "runTask.count",
    "runTask.group",
    "runTask.launchType",
    "runTask.placementStrategy",
    "runTask.placementStrategy[0]",
    "runTask.placementConstraints",
    "runTask.placementConstraints[0]",
]
SERVICE_PLACES = [
    "createService.serviceName",
    "createService.desiredCount",
    "createService.schedulingStrategy",
    "createService.deploymentConfiguration",
    "createService.deploymentConfiguration.maximumPercent",
    "createService.deploymentConfiguration.minimumHealthyPercent",
]


def test_the_documents_are_read() -> None:
    run = build_scenario(RUN, Where("scenario.yaml"), Path("."), Overrides())
    assert (run.request.count, len(run.running), run.seed) == (2, 2, 7)
    service = build_scenario(SERVICE, Where("scenario.yaml"), Path("."), Overrides())
    assert (service.request.count, service.request.maximum_percent) == (2, 150)


@pytest.mark.parametrize(
    ("document", "path"),
    [(RUN, path) for path in RUN_PLACES] + [(SERVICE, path) for path in SERVICE_PLACES],
    ids=RUN_PLACES + SERVICE_PLACES,
)
def test_a_value_of_the_wrong_kind_is_refused_at_its_own_place(
    document: dict[str, Any], path: str
) -> None:
    with pytest.raises(InputError) as caught:
        build_scenario(
            with_wrong_kind(document, path), Where("scenario.yaml"), Path("."), Overrides()
        )
    assert str(caught.value).startswith(f"scenario.yaml {path}: "), str(caught.value)
