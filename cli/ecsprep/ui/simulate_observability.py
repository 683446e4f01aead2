"""`ecsprep simulate observability`: which telemetry an ECS task sends, where it arrives,
and why.

Reads a scenario file (docs/observability.md): the task definition, the IAM policies of
its roles, the cluster's and account's containerInsights settings, the launch type, the
tasks' use, an alarm. Flags override the launch type, the network mode and the cluster's
containerInsights setting. Calls ecsprep.sim.observability.run and prints each decision
with the doc page of the rule it applied (INF where ecsprep chose).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.observability import Run


def observability(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML/JSON): taskDefinition, roles, cluster, usage, alarm…",
            show_default=False,
        ),
    ],
    launch_type: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Option("--launch-type", help="FARGATE or EC2 (overrides the scenario's)."),
    ] = None,
    network_mode: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--network-mode", help="awsvpc, bridge or host (overrides the task's)."),
    ] = None,
    insights: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--container-insights",
            help="The cluster's containerInsights: enhanced, enabled or disabled.",
        ),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Predict a task's telemetry: logs, metrics, traces and the task metadata endpoint.

    Examples:

      ecsprep simulate observability task.yaml

      ecsprep simulate observability task.yaml --network-mode bridge --launch-type EC2

      ecsprep simulate observability task.yaml --container-insights enhanced

      ecsprep simulate observability task.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.observability import read_setup, run, to_json
        from ecsprep.ui.scenario_file import block, check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "an observability scenario")
        if launch_type is not None:
            document["launchType"] = launch_type
        if network_mode is not None:
            td = block(document, where, "taskDefinition", "a task definition")
            td["networkMode"] = network_mode
            document["taskDefinition"] = td
        if insights is not None:
            cluster = block(document, where, "cluster", "a cluster")
            cluster["settings"] = [{"name": "containerInsights", "value": insights}]
            document["cluster"] = cluster
        show(output_format, run(read_setup(document, where)), to_json, render)


def render(console: Console, result: Run) -> None:
    from ecsprep.sim.observability_check import step_lines

    setup = result.setup
    console.print(
        f"Task {setup.family} on {setup.launch_type} ({setup.network_mode}), "
        f"cluster {setup.cluster}",
        markup=False,
    )
    if setup.description:
        console.print(setup.description, markup=False, style="dim")
    for line in step_lines(result):
        console.print(line, markup=False)
    facts = result.facts()
    destinations = facts["log_destinations"]
    assert isinstance(destinations, dict)
    for name, dests in destinations.items():
        console.print(f"Logs of {name}: {', '.join(dests) or 'not collected'}", markup=False)
    delivered, denied = facts["delivered"], facts["denied"]
    assert isinstance(delivered, list)
    assert isinstance(denied, list)
    console.print(f"Delivered: {', '.join(delivered) or 'nothing'}", markup=False)
    if denied:
        console.print(f"Denied: {'; '.join(denied)}", markup=False)
    metrics = facts["metrics"]
    assert isinstance(metrics, list)
    ecs = [m for m in metrics if m.startswith("AWS/ECS ")]
    insight_count = len(metrics) - len(ecs)
    console.print(
        f"Metrics: {', '.join(m[8:] for m in ecs) or 'none in AWS/ECS'}"
        + (f"; {insight_count} Container Insights metric series" if insight_count else ""),
        markup=False,
    )
    if facts["alarm_state"]:
        console.print(f"Alarm: {facts['alarm_state']}", markup=False)
    console.print(
        "Traces: " + ("arrive in X-Ray" if facts["traces"] else "none arrive"), markup=False
    )
    for note in result.notes:
        console.print(f"note: {note}", markup=False, style="dim")
