"""Every field of a lifecycle scenario that holds the wrong kind of value is refused at its own
place (sim/lifecycle.py), with what was expected there: the error names the path to that field
as a user reads it in the file (`taskDefinition.containerDefinitions[1].dependsOn[0]`), not its
parent or a sibling, and what it should hold (`{containerName, condition}`).

FULL uses every shape the reader knows (EC2, a task definition with every kind of volume, a
container with every setting read, a dependency and volumesFrom, both containers' behaviour,
a service, a StopTask, the agent's configuration, a Spot interruption, a list of
UpdateTaskProtection requests). Each case puts a value of the wrong kind at
one path of FULL and expects the refusal there."""

from __future__ import annotations

from typing import Any

import pytest

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.lifecycle import read_scenario, simulate
from tests.places import replaced

FULL: dict[str, Any] = {
    "description": "every shape",
    "launchType": "EC2",
    "taskDefinition": {
        "family": "shop",
        "requiresCompatibilities": ["EC2"],
        "memory": "1024",
        "volumes": [
            {"name": "scratch"},
            {"name": "srv", "host": {"sourcePath": "/srv"}},
            {"name": "cache", "dockerVolumeConfiguration": {"scope": "shared"}},
        ],
        "containerDefinitions": [
            {
                "name": "db",
                "image": "db",
                "healthCheck": {
                    "command": ["CMD", "true"],
                    "interval": 5,
                    "timeout": 2,
                    "retries": 3,
                    "startPeriod": 0,
                },
                "startTimeout": 30,
                "stopTimeout": 10,
                "memory": 512,
                "memoryReservation": 256,
                "linuxParameters": {"initProcessEnabled": True},
                "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/s"}],
            },
            {
                "name": "app",
                "image": "app",
                "dependsOn": [{"containerName": "db", "condition": "HEALTHY"}],
                "volumesFrom": [{"sourceContainer": "db", "readOnly": True}],
            },
        ],
    },
    "behaviour": {
        "db": {
            "exitsAfter": 100,
            "exitCode": 0,
            "healthyAfter": 5,
            "memory": [{"at": 0, "mib": 100}],
            "onSigterm": "exit",
            "shutdownSeconds": 1,
            "sigtermExitCode": 0,
            "busyUntil": 30,
            "writes": ["/s/out"],
        },
        "app": {"memory": [{"at": 0, "mib": 200}]},
    },
    "service": {"healthCheckGracePeriodSeconds": 10},
    "stopTask": {"at": 60, "reason": "done", "initiatedBy": "user"},
    "ecsConfig": {"ECS_CONTAINER_STOP_TIMEOUT": "30s"},
    "spotInterruption": {"at": 100},
    "taskProtection": [{"at": 0, "protectionEnabled": True, "expiresInMinutes": 60}],
    "until": 120,
}

OBJECT, NUMBER, LIST, TEXT = "an object", "a whole number", "a list", "a string"
TD = "taskDefinition"
DB = f"{TD}.containerDefinitions[0]"
APP = f"{TD}.containerDefinitions[1]"

# path -> what a value of the wrong kind there is told it should have been
PLACES: dict[str, str] = {
    TD: "a task definition",
    f"{TD}.requiresCompatibilities": LIST,
    f"{TD}.memory": NUMBER,
    f"{TD}.volumes": LIST,
    f"{TD}.volumes[0]": "a volume",
    f"{TD}.volumes[0].name": TEXT,
    f"{TD}.volumes[1].host": OBJECT,
    f"{TD}.volumes[2].dockerVolumeConfiguration": OBJECT,
    f"{TD}.containerDefinitions": LIST,
    f"{TD}.containerDefinitions[0]": "a container definition",
    f"{DB}.name": TEXT,
    f"{DB}.healthCheck.timeout": NUMBER,
    f"{DB}.healthCheck.retries": NUMBER,
    f"{DB}.healthCheck.startPeriod": NUMBER,
    f"{DB}.startTimeout": NUMBER,
    f"{DB}.stopTimeout": NUMBER,
    f"{DB}.memory": NUMBER,
    f"{DB}.memoryReservation": NUMBER,
    f"{DB}.linuxParameters": OBJECT,
    f"{DB}.mountPoints": LIST,
    f"{DB}.mountPoints[0]": "{sourceVolume, containerPath, readOnly}",
    f"{DB}.mountPoints[0].sourceVolume": TEXT,
    f"{DB}.mountPoints[0].containerPath": TEXT,
    f"{APP}.dependsOn": LIST,
    f"{APP}.dependsOn[0]": "{containerName, condition}",
    f"{APP}.dependsOn[0].containerName": TEXT,
    f"{APP}.volumesFrom": LIST,
    f"{APP}.volumesFrom[0]": "{sourceContainer, readOnly}",
    f"{APP}.volumesFrom[0].sourceContainer": TEXT,
    "behaviour": OBJECT,
    "behaviour.db": "a behaviour",
    "behaviour.db.exitsAfter": NUMBER,
    "behaviour.db.exitCode": NUMBER,
    "behaviour.db.healthyAfter": NUMBER,
    "behaviour.db.memory": LIST,
    "behaviour.db.memory[0]": "{at, mib}",
    "behaviour.db.shutdownSeconds": NUMBER,
    "behaviour.db.sigtermExitCode": NUMBER,
    "behaviour.db.busyUntil": NUMBER,
    "behaviour.db.writes": LIST,
    "behaviour.db.writes[0]": TEXT,
    "stopTask": OBJECT,
    "stopTask.at": NUMBER,
    "stopTask.reason": TEXT,
    "ecsConfig": OBJECT,
    "spotInterruption": OBJECT,
    "spotInterruption.at": NUMBER,
    "taskProtection": LIST,
    "taskProtection[0]": "an UpdateTaskProtection request",
    "taskProtection[0].at": NUMBER,
    "taskProtection[0].expiresInMinutes": NUMBER,
    "until": NUMBER,
}


def _wrong_value(expected: str) -> tuple[object, str]:
    """A value of the wrong kind where `expected` is wanted, and how the refusal names it."""
    if expected == NUMBER:
        return "soon", "the string 'soon'"
    if expected == LIST:
        return "x", "the string 'x'"
    return 7, "int 7"


def test_full_is_read_and_runs() -> None:
    run = simulate(read_scenario(FULL, Where("scenario.yaml")))
    assert run.start_order == ("db", "app")
    assert run.stop_began_at == 60


@pytest.mark.parametrize("path", PLACES)
def test_a_value_of_the_wrong_kind_is_refused_at_its_own_place(path: str) -> None:
    expected = PLACES[path]
    value, shown = _wrong_value(expected)
    with pytest.raises(InputError) as caught:
        read_scenario(replaced(FULL, path, value), Where("scenario.yaml"))
    assert str(caught.value) == f"scenario.yaml {path}: expected {expected}, found {shown}"
