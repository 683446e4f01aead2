"""Container instances read from AWS's JSON and made by --fleet (sim/instances.py): the
table tests/cases/instances/read.yaml gives each document and what it reads as, or the exact
error and hint a user sees."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.instances import MAX_INSTANCES, Instance, parse_fleet, read_instances

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "instances" / "read.yaml").read_text("utf-8")
)


def read(case: dict[str, Any]) -> list[Instance]:
    if case["call"] == "fleet":
        return parse_fleet(case["input"])
    return read_instances(case["input"], Where("instances.json"))


def fields(instance: Instance) -> dict[str, Any]:
    """Every field and property of an instance, in the table's terms."""
    return {
        "arn": instance.arn,
        "short_id": instance.short_id,
        "ec2_instance_id": instance.ec2_instance_id,
        "registered_cpu": instance.registered_cpu,
        "registered_memory": instance.registered_memory,
        "remaining_cpu": instance.remaining_cpu,
        "remaining_memory": instance.remaining_memory,
        "ports_tcp": sorted(instance.ports_tcp),
        "ports_udp": sorted(instance.ports_udp),
        "gpus": instance.gpus,
        "remaining_gpus": instance.remaining_gpus,
        "status": instance.status.value,
        "agent_connected": instance.agent_connected,
        "agent_version": instance.agent_version,
        "registered_at": None
        if instance.registered_at is None
        else instance.registered_at.astimezone(timezone.utc).isoformat(),
        "attributes": dict(instance.attributes),
        "running_tasks_count": instance.running_tasks_count,
        "windows": instance.windows,
        "all_capabilities": instance.all_capabilities,
        "capacity_provider": instance.capacity_provider,
        "availability_zone": instance.availability_zone,
        "instance_type": instance.instance_type,
        "trunked": instance.trunked,
        "task_eni_limit": instance.task_eni_limit,
    }


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_instance_document(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(InputError) as caught:
            read(case)
        assert (caught.value.message, caught.value.hint) == (case["error"], case["hint"])
        return
    got = [fields(instance) for instance in read(case)]
    assert len(got) == len(case["read"])
    for instance, wanted in zip(got, case["read"], strict=True):
        assert {key: instance[key] for key in wanted} == wanted


def test_a_naive_timestamp_is_read_as_utc() -> None:
    """A YAML scenario's unquoted timestamp arrives as a datetime; without an offset it is
    UTC (as the same text in quotes is), never a naive time read later as local time."""
    document = [
        {
            "containerInstanceArn": "a/x",
            "registeredResources": [
                {"name": "CPU", "integerValue": 1},
                {"name": "MEMORY", "integerValue": 1},
            ],
            "registeredAt": datetime(2024, 1, 31, 12, 0),
        }
    ]
    (instance,) = read_instances(document, Where("scenario.yaml"))
    assert instance.registered_at == datetime(2024, 1, 31, 12, 0, tzinfo=timezone.utc)
    assert instance.registered_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("bits", [257, 300, 1000, 4000, 13000])
def test_a_number_too_long_to_print_is_given_by_about_its_digits(bits: int) -> None:
    """Past 256 bits an amount is shown by its size; the size is right to within 1%."""
    for sign, words in ((-1, "a negative number of about"), (1, "a number of about")):
        amount = sign * (2**bits - 1)
        document = [
            {
                "containerInstanceArn": "a/x",
                "registeredResources": [
                    {"name": "CPU", "integerValue": 1},
                    {"name": "MEMORY", "longValue": amount},
                ],
            }
        ]
        with pytest.raises(InputError) as caught:
            read_instances(document, Where("instances.json"))
        found = re.search(rf"{words} (\d+) digits", caught.value.message)
        assert found is not None, caught.value.message
        digits = math.floor(math.log10(abs(amount))) + 1
        assert abs(int(found.group(1)) - digits) <= digits / 100 + 1


def test_fleet_errors_in_a_scenario_name_the_scenario_entry() -> None:
    with pytest.raises(InputError) as caught:
        parse_fleet(["1xm5.large", "bogus"], at=Where("scenario.yaml").key("fleet"))
    assert caught.value.message == (
        "scenario.yaml fleet[1]: a fleet is COUNTxTYPE[@AZ,AZ…][:CAPACITY_PROVIDER]"
    )


def test_fleets_count_against_the_instances_already_given() -> None:
    """`start` instances come before (from --instances or an earlier fleet): 100,000 in all."""
    (last,) = parse_fleet(["1xt2.micro"], start=MAX_INSTANCES - 1)
    assert last.short_id == f"ci-{MAX_INSTANCES}"
    with pytest.raises(InputError) as caught:
        parse_fleet(["2xt2.micro"], start=MAX_INSTANCES - 1)
    assert caught.value.message == (
        "--fleet '2xt2.micro': the count must be between 1 and 100,000 instances in all, not 2"
    )


def test_fleet_instances_register_their_cpu_architecture() -> None:
    """Graviton types register arm64, the others x86_64 (what
    `attribute:ecs.cpu-architecture == arm64` constraints test)."""
    fleet = parse_fleet(["1xm6g.large", "1xt4g.small", "1xm5.large", "1xc6g.large"])
    assert [i.attributes["ecs.cpu-architecture"] for i in fleet] == [
        "arm64",
        "arm64",
        "x86_64",
        "arm64",
    ]
