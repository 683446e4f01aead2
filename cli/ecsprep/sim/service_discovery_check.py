"""Service discovery and Service Connect as a question's check runs it
(`simulator: service-discovery`).

The scenario is `ecsprep simulate service-discovery`'s document (docs/service-discovery.md):
the Cloud Map namespace and services, task definitions, the CreateService / UpdateService /
DeleteService requests in order, security groups, load balancers, callers and calls. Facts:
`records`, `health_check`, `answers`, `resolves`, `reaches`, `arrives_on`, `blocked_by`,
`proxy`, `endpoints`, `http_metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.service_discovery import FACTS, Result, World, discover, read_world
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> World:
    del folder, name
    return read_world(document, where)


def summary(result: Result) -> str:
    if not result.traces:
        kinds = ", ".join(f"{k}: {'/'.join(v)}" for k, v in result.records.items()) or "none"
        return f"Records: {kinds}; {len(result.world.endpoints)} Service Connect endpoint(s)."
    parts = []
    for trace in result.traces:
        if trace.reaches:
            parts.append(f"{trace.call.text} reaches port {trace.arrives_on}")
        elif trace.resolves:
            parts.append(f"{trace.call.text} resolves but is blocked ({trace.blocked_by})")
        else:
            parts.append(f"{trace.call.text} doesn't resolve ({trace.blocked_by})")
    return "; ".join(parts) + "."


def _run(world: World) -> Outcome:
    result = discover(world)
    steps = tuple(f"{t.call.text}: {s.what} [{s.rule}]" for t in result.traces for s in t.steps)
    return Outcome(
        facts=result.facts(),
        notes=result.notes + steps,
        summary=summary(result),
        result=result,
    )


SIMULATOR = Simulator(
    name="service-discovery",
    facts=FACTS,
    ranked=(),
    build=_build,
    run=_run,
)
