"""The instance reader: a describe output without surprises is read without
building error locations, and gives exactly what the locating reader gives;
anything else is read by the locating reader, whose messages name the place.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.instances import _read_located, _read_plain, read_instances
from tests.test_sim_hostile import _VALUES

# An instance as the AWS CLI prints it, with one of everything the reader reads.
BASE: dict[str, Any] = {
    "containerInstanceArn": "arn:aws:ecs:us-east-1:111122223333:container-instance/c/0a1b",
    "ec2InstanceId": "i-0123456789abcdef0",
    "versionInfo": {"agentVersion": "1.89.0", "agentHash": "a190a73f"},
    "registeredResources": [
        {
            "name": "CPU",
            "type": "INTEGER",
            "doubleValue": 0.0,
            "longValue": 0,
            "integerValue": 2048,
        },
        {"name": "MEMORY", "type": "INTEGER", "integerValue": 7680},
        {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "2376", "51678"]},
        {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []},
        {"name": "GPU", "type": "STRINGSET", "stringSetValue": ["GPU-a", "GPU-b"]},
    ],
    "remainingResources": [
        {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
        {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
        {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "80"]},
        {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": ["53"]},
        {"name": "GPU", "type": "STRINGSET", "stringSetValue": ["GPU-b"]},
    ],
    "status": "ACTIVE",
    "agentConnected": True,
    "runningTasksCount": 2,
    "attributes": [
        {"name": "ecs.availability-zone", "value": "us-east-1a"},
        {"name": "ecs.os-type", "value": "linux"},
        {"name": "ecs.capability.task-eni"},
    ],
    "registeredAt": 1700000000.5,
    "capacityProviderName": "asg-on-demand",
}


def _paths(value: object, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += _paths(item, (*path, n))
    return found


PATHS = _paths(BASE)[1:]
AWKWARD = [
    "${Zone}",
    "{{zone}}",
    "a{b",
    "$",
    " 80 ",
    "80x",
    "\u00b2",
    "2024-01-31T12:00:00Z",
    "2024-01-31",
    "DRAINING",
    "windows",
    "a" * 129,
    1e20,
    -1,
    2**31,
    2**63,
    2048.0,
    True,
    [],
    {},
    "",
    0,
    datetime(2024, 1, 1),
    datetime(2024, 1, 1, tzinfo=timezone.utc),
    None,
    "ACTIVE",
    "GPU",
    "PORTS",
    "CPU",
    "LONG",
    "DOUBLE",
    "INTEGER",
    "longValue",
    ["22"],
    [22],
    {"name": "x"},
    [{"name": "x"}],
    "1700000000",
    1e300,
    -1e300,
    1.5,
]


def _replaced(path: tuple[Any, ...], value: object) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    holder: Any = document
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return document


def _same_as_located(document: object) -> None:
    try:
        located = _read_located(document, Where("x.json"))
    except InputError:
        located = None
    plain = _read_plain(document)
    if plain is not None:
        assert located is not None, "the plain reader took what the locating one refuses"
        assert plain == located, (plain, located)


def test_the_base_instance_is_read_plainly() -> None:
    plain = _read_plain(BASE)
    assert plain is not None
    assert plain == _read_located(BASE, Where("x.json"))
    assert (plain.remaining_cpu, plain.gpus, plain.remaining_gpus) == (1024, 2, 1)
    assert plain.ports_tcp == frozenset({22, 80})


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), _VALUES | st.sampled_from(AWKWARD))
def test_any_value_anywhere_reads_as_the_locating_reader_reads_it(
    path: tuple[Any, ...], value: object
) -> None:
    _same_as_located(_replaced(path, value))


def test_every_awkward_value_in_every_field_reads_as_the_locating_reader_reads_it() -> None:
    for path in PATHS:
        for value in AWKWARD:
            _same_as_located(_replaced(path, value))


@pytest.mark.parametrize("path", [p for p in PATHS if isinstance(p[-1], str)], ids=str)
def test_a_key_left_out_reads_as_the_locating_reader_reads_it(path: tuple[Any, ...]) -> None:
    document = copy.deepcopy(BASE)
    holder: Any = document
    for step in path[:-1]:
        holder = holder[step]
    del holder[path[-1]]
    _same_as_located(document)


def test_a_bad_value_among_many_instances_is_named_by_its_place() -> None:
    instances = [copy.deepcopy(BASE) for _ in range(50)]
    instances[37]["attributes"][1]["value"] = "w" * 129
    with pytest.raises(InputError) as caught:
        read_instances({"containerInstances": instances}, Where("big.json"))
    assert caught.value.message.startswith(
        "big.json containerInstances[37].attributes[1].value: 129 characters"
    )


def test_json_of_the_base_instance_reads_the_same_as_the_dict() -> None:
    # what a file gives (floats and ints as json reads them)
    document = json.loads(json.dumps(BASE))
    assert read_instances([document], Where("x"))[0] == _read_located(BASE, Where("x"))


def test_a_number_too_long_to_print_is_refused_by_its_size() -> None:
    document = _replaced(("remainingResources", 1, "integerValue"), 10**5000)
    with pytest.raises(InputError, match=r"a number of about [0-9]{4} digits is more than"):
        _read_located(document, Where("x.json"))
    _same_as_located(document)
