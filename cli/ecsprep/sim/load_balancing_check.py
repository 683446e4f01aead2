"""The load-balancing simulator as a question's check runs it (`simulator: load-balancing`).

The scenario is the simulator's input (docs/load-balancing.md): a task definition, a
CreateService (`service`) or RunTask (`runTask`) request, the load balancers with
their listeners and rules, the target groups, security groups, subnets, container
instances, what the application answers, requests to route, and what is in flight
when a task stops. Facts: see `ecsprep.sim.load_balancing.FACTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.load_balancing import FACTS, RANKED, Run, Setup, read_setup, run
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def summary(result: Run) -> str:
    parts = []
    if result.targets:
        parts.append(
            f"{len(result.targets)} target(s): {result.count('healthy')} healthy, "
            f"{result.count('unhealthy')} unhealthy, {result.count('unused')} unused"
        )
    if result.warmup_failing:
        parts.append(
            "during warm-up the tasks count as failing ("
            + ", ".join(f"{k} {a}-{b} s" for k, (a, b) in result.warmup_failing.items())
            + f"; grace period {result.setup.grace} s)"
        )
    if result.replaced_by:
        parts.append("the service replaces tasks (" + ", ".join(result.replaced_by) + ")")
    if result.routes:
        parts.append("routes: " + "; ".join(f"{k} → {v}" for k, v in result.routes.items()))
    if result.cut_requests:
        parts.append(f"{result.cut_requests} in-flight request(s) cut on stop")
    if not parts:
        return f"Task health {result.task_health}."
    return ". ".join(p[0].upper() + p[1:] for p in parts) + "."


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    return Outcome(facts=result.facts(), notes=result.notes, summary=summary(result), result=result)


SIMULATOR = Simulator(name="load-balancing", facts=FACTS, ranked=RANKED, build=_build, run=_run)
