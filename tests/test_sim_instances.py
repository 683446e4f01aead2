"""Container instances read from AWS's JSON and made by --fleet (sim/instances.py): the
table tests/cases/instances/read.yaml gives each document and what it reads as, or the exact
error and hint a user sees."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.instances import Instance, parse_fleet, read_instances

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
