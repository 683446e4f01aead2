"""Telemetry of an ECS task as a question's check runs it (`simulator: observability`).

The scenario is the simulator's input (docs/observability.md): `taskDefinition`,
`launchType`, `roles` (the IAM policies of the roles the task definition names),
`cluster`, `accountSettings`, `createCluster`, `service`, `usage`, `containerInstances`,
`alarm`, `instrumentation` and `files`. Facts: see ecsprep.sim.observability.FACTS.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.observability import FACTS, RANKED, Run, Setup, read_setup, run
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def step_lines(result: Run) -> list[str]:
    lines = []
    for step in result.steps:
        rule = f" [{step.rule}]" if step.rule else ""
        lines.append(f"{'✔' if step.ok else '✘'} {step.what}{rule}")
    return lines


def summary(result: Run) -> str:
    facts = result.facts()
    parts = []
    delivered = facts["delivered"]
    assert isinstance(delivered, list)
    parts.append("logs reach " + (", ".join(delivered) or "nowhere"))
    parts.append("traces arrive in X-Ray" if facts["traces"] else "no traces arrive")
    if facts["alarm_state"]:
        parts.append(f"alarm {facts['alarm_state']}")
    return "; ".join(parts) + "."


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    return Outcome(
        facts=result.facts(),
        notes=tuple(step_lines(result)) + result.notes,
        summary=summary(result),
        result=result,
    )


SIMULATOR = Simulator(name="observability", facts=FACTS, ranked=RANKED, build=_build, run=_run)
