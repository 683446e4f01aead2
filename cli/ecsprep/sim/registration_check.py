"""The registration simulator as a question's check runs it (`simulator: registration`).

The scenario: `ami` (ecs-optimized, with-agent or plain), `ecsConfig` (KEY=VALUE
text or a mapping), `instanceRole` ({roleName, policies}; null for no instance
profile), `network` (the instance's path out), `clusters` (the ones that exist)
and `instance` ({memoryMiB, cpu}). Facts: `registers`, `cluster`, `wanted`,
`reason`, `connected`, `telemetry`, `denied`, `unreachable`, `registered_memory`,
`registered_cpu`, `reserved_ports`, `attributes`, `tags`, `lint`, `task_iam_role`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.registration import FACTS, Instance, Registration, read_instance, register
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Instance:
    del folder, name
    return read_instance(document, where)


def summary(result: Registration) -> str:
    if result.registers:
        state = "connected" if result.connected else "not connected (agentConnected false)"
        return f"The instance registers into {result.cluster}, {state}."
    last = next((s for s in reversed(result.steps) if not s.ok), None)
    because = f": {last.what}: {last.detail}" if last else ""
    return f"The instance doesn't register ({result.reason.value}){because}."


def _run(instance: Instance) -> Outcome:
    result = register(instance)
    return Outcome(facts=result.facts(), notes=result.notes, summary=summary(result), result=result)


SIMULATOR = Simulator(
    name="registration",
    facts=FACTS,
    ranked=("registered_memory",),
    build=_build,
    run=_run,
)
