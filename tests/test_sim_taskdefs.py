"""Task definitions read from AWS's JSON (sim/taskdef.py): tests/cases/taskdefs/read.yaml
gives each document and what placement reads from it, or the exact error and hint;
tests/cases/taskdefs/flags.yaml the same for the one-container task of the quick flags
(--cpu, --memory, --port, --network-mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.scenario import Overrides, build_scenario
from ecsprep.sim.taskdef import ContainerSpec, NetworkMode, TaskSpec, read_task_definition

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "taskdefs" / "read.yaml").read_text("utf-8")
)


def container(spec: ContainerSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "cpu": spec.cpu,
        "memory": spec.memory,
        "memory_reservation": spec.memory_reservation,
        "reserved_memory": spec.reserved_memory,
        "ports": [
            f"{p.container_port}->{'dynamic' if p.host_port is None else p.host_port}"
            f"/{p.protocol.value}"
            for p in spec.ports
        ],
        "gpus": spec.gpus,
    }


def fields(spec: TaskSpec) -> dict[str, Any]:
    return {
        "family": spec.family,
        "name": spec.name,
        "default_group": spec.default_group,
        "network_mode": spec.network_mode.value,
        "cpu": spec.cpu,
        "memory": spec.memory,
        "windows_cpu": spec.windows_cpu,
        "windows_memory": spec.windows_memory,
        "gpus": spec.gpus,
        "compatibilities": sorted(c.value for c in spec.compatibilities),
        "constraints": [c.text for c in spec.constraints],
        "required_attributes": [list(pair) for pair in spec.required_attributes],
        "revision": spec.revision,
        "notes": list(spec.notes),
        "containers": [container(c) for c in spec.containers],
    }


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_task_definition_document(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(InputError) as caught:
            read_task_definition(case["input"], Where("td.json"))
        assert (caught.value.message, caught.value.hint) == (case["error"], case["hint"])
        return
    got = fields(read_task_definition(case["input"], Where("td.json")))
    for key, wanted in case["read"].items():
        if key == "containers":  # each container's listed fields
            assert len(got[key]) == len(wanted)
            for have, want in zip(got[key], wanted, strict=True):
                assert {k: have[k] for k in want} == want
        else:
            assert got[key] == wanted, key


FLAG_CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "taskdefs" / "flags.yaml").read_text("utf-8")
)


@pytest.mark.parametrize("case", FLAG_CASES, ids=[c["name"] for c in FLAG_CASES])
def test_task_the_flags_describe(case: dict[str, Any]) -> None:
    flags = case["flags"]
    overrides = Overrides(
        cpu=flags.get("cpu"),
        memory=flags.get("memory"),
        ports=tuple(flags.get("ports", ())),
        network_mode=NetworkMode(flags["network_mode"]) if "network_mode" in flags else None,
    )
    if "error" in case:
        with pytest.raises(InputError) as caught:
            build_scenario({"fleet": ["1xm5.large"]}, Where("s"), Path("."), overrides)
        assert (caught.value.message, caught.value.hint) == (case["error"], case["hint"])
        return
    task = build_scenario({"fleet": ["1xm5.large"]}, Where("s"), Path("."), overrides).task
    got = fields(task)
    for key, wanted in case["read"].items():
        assert got[key] == wanted, key
