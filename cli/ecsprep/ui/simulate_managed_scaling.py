"""`ecsprep simulate managed-scaling`: what an Auto Scaling group capacity provider's managed
scaling and managed termination protection do with the cluster's tasks.

Reads a scenario file (docs/managed-scaling.md): the CreateCapacityProvider request, the Auto
Scaling group (describe-auto-scaling-groups), the tasks (describe-tasks) and optionally a
PutClusterCapacityProviders call and a CreateService or RunTask request. `--target-capacity`
tries another targetCapacity. Calls ecsprep.sim.managed_scaling.run and prints M, N, the
CapacityProviderReservation metric, the scaling decision and which instances may be
terminated, each step with the AWS page of its rule (INF where ecsprep chose).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption, fact_lines

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.managed_scaling import Run


def managed_scaling(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML/JSON): capacityProvider, autoScalingGroup, tasks, "
            "instanceResources, cluster, putClusterCapacityProviders, createService or runTask "
            "with taskDefinition, startInstanceRefresh, lifetimeExpired, ecsConfig.",
            show_default=False,
        ),
    ],
    target_capacity: Annotated[
        Optional[int],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Option(
            "--target-capacity",
            help="Try this managedScaling.targetCapacity (1 to 100) instead of the file's.",
            show_default=False,
        ),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Evaluate CapacityProviderReservation (M / N x 100) once: does managed scaling scale the
    Auto Scaling group out or in, by how much, and which instances may it terminate?

    Examples:

      ecsprep simulate managed-scaling provider.yaml

      ecsprep simulate managed-scaling provider.yaml --target-capacity 80

      ecsprep simulate managed-scaling provider.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.managed_scaling import run, to_json
        from ecsprep.sim.managed_scaling_input import read_setup
        from ecsprep.ui.scenario_file import block, check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "a managed-scaling scenario")
        if target_capacity is not None:
            provider = block(
                document, where, "capacityProvider", "a CreateCapacityProvider request"
            )
            at = where.key("capacityProvider")
            asg = block(provider, at, "autoScalingGroupProvider", "an AutoScalingGroupProvider")
            at = at.key("autoScalingGroupProvider")
            scaling = block(asg, at, "managedScaling", "a ManagedScaling object")
            scaling.setdefault("status", "ENABLED")
            scaling["targetCapacity"] = target_capacity
            asg["managedScaling"] = scaling
            provider["autoScalingGroupProvider"] = asg
            document["capacityProvider"] = provider
        show(output_format, run(read_setup(document, where)), to_json, render)


def render(console: Console, result: Run) -> None:
    from ecsprep.sim.managed_scaling_check import summary

    provider = result.setup.provider
    scaling = provider.scaling
    settings = (
        f"managed scaling {'ENABLED' if scaling.enabled else 'DISABLED'}"
        + (
            f" (targetCapacity {scaling.target}, steps {scaling.min_step}-{scaling.max_step})"
            if scaling.enabled
            else ""
        )
        + ", managed termination protection "
        + ("ENABLED" if provider.termination_protection else "DISABLED")
    )
    console.print(f"Capacity provider {provider.name}: {settings}", markup=False)
    if result.setup.description:
        console.print(result.setup.description, markup=False, style="dim")
    for step in result.steps:
        console.print(f"- {step.text()}", markup=False)
    console.print(summary(result), markup=False)
    facts = result.facts()
    rows = (
        ("Protected from scale-in", "protected"),
        ("May be terminated", "may_terminate"),
        ("Cluster's providers", "cluster_providers"),
        ("Disassociated", "disassociated"),
    )
    fact_lines(console, facts, rows, always=("protected",), empty="none")
    done = result.replacement
    if result.setup.replacement is not None:
        console.print(
            f"Tasks drained first: {len(done.drained)}; stopped with their instance: "
            f"{len(done.killed)}" + ("; the instance refresh fails" if done.failed else ""),
            markup=False,
        )
    if result.spare:
        console.print(
            f"Spare: {result.spare} of {result.desired} instance(s) ({result.spare_percent}%)",
            markup=False,
        )
