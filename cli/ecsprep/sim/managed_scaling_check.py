"""Managed scaling as a question's check runs it (`simulator: managed-scaling`).

The scenario is `ecsprep simulate managed-scaling`'s document (docs/managed-scaling.md): the
CreateCapacityProvider request (`capacityProvider`), the Auto Scaling group
(`autoScalingGroup`, as describe-auto-scaling-groups shows it), `tasks` (describe-tasks),
`instanceResources`, and optionally `cluster`, `putClusterCapacityProviders`, a
`createService` or `runTask` request with its `taskDefinition`. A value AWS refuses
(targetCapacity 120, an in-use provider left out of PutClusterCapacityProviders, managed
termination protection on a group without scale-in protection) is refused with AWS's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.managed_scaling import FACTS, RANKED, Run, Setup, run
from ecsprep.sim.managed_scaling_input import read_setup
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def summary(result: Run) -> str:
    metric = f"CapacityProviderReservation {result.reservation:g} (M {result.m}, N {result.n})"
    if result.setup.put is not None:
        providers = ", ".join(result.cluster_providers) or "none"
        metric = f"Cluster's providers: {providers}. {metric}"
    if result.action.value == "scale-out":
        said = f"{metric}: scale out by {result.added} to {result.desired} instance(s)."
    elif result.action.value == "scale-in" and result.removed < result.n - result.desired:
        said = (
            f"{metric}: scale in to {result.desired} instance(s); {result.removed} can be "
            "terminated, the others are protected from scale in."
        )
    elif result.action.value == "scale-in":
        said = f"{metric}: scale in by {result.removed} to {result.desired} instance(s)."
    elif result.action.value == "none":
        said = f"{metric}: no scaling."
    else:
        said = f"{metric}: managed scaling is off, ECS doesn't scale the group."
    if result.setup.replacement is not None:
        done = result.replacement
        said += (
            f" Replaced: {', '.join(done.replaced) or 'none'}"
            + (f"; kept: {', '.join(done.kept)}" if done.kept else "")
            + ("; the refresh fails" if done.failed else "")
            + f"; tasks drained {len(done.drained)}, stopped {len(done.killed)}."
        )
    return said


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    return Outcome(facts=result.facts(), notes=result.notes, summary=summary(result), result=result)


SIMULATOR = Simulator(
    name="managed-scaling",
    facts=FACTS,
    ranked=RANKED,
    build=_build,
    run=_run,
)
