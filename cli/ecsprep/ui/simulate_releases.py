"""`ecsprep simulate releases`: what a service's tasks run after a sequence of operator
actions (task definition revisions, image tags resolved to digests, Fargate platform
revisions, what starts a deployment).

Reads a scenario file (docs/releases.md), calls ecsprep.sim.releases.run and prints each
action's step with the AWS page of its rule (INF where ecsprep chose), then the tasks the
service settles on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.releases import Run, Step


def releases(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML/JSON): taskDefinitions, images, platformRevisions, "
            "timing, setup and actions (registerTaskDefinition, updateService, putImage, …).",
            show_default=False,
        ),
    ],
    output_format: FormatOption = "text",
) -> None:
    """Play operator actions in order and show, after each, the deployments (what started
    them, their task definition, resolved digests, platform version) and the tasks.

    Examples:

      ecsprep simulate releases same-tag-push.yaml

      ecsprep simulate releases same-tag-push.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.releases import run
        from ecsprep.sim.releases_check import read_setup
        from ecsprep.ui.scenario_file import check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "a releases scenario")
        show(output_format, run(read_setup(document, where)), to_json, render)


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "action": step.label,
        "clockSeconds": step.clock,
        "said": [{"text": line.text, "source": line.source} for line in step.lines],
        "deployments": [
            {
                "id": d.id,
                "service": d.service,
                "status": d.status,
                "rolloutState": d.rollout,
                "taskDefinition": d.task_definition,
                "imageDigests": list(d.digests),
                "platformVersion": d.platform_version,
                "startedBy": d.started_by,
            }
            for d in step.deployments
        ],
        "tasks": [
            {
                "task": t.task,
                "service": t.service,
                "lastStatus": t.status,
                "taskDefinition": t.revision,
                "imageDigests": list(t.digests),
                "platformRevision": t.platform,
                "deployment": t.deployment,
            }
            for t in step.tasks
        ],
    }


def to_json(result: Run) -> dict[str, Any]:
    return {
        "steps": [_step_json(step) for step in result.steps],
        "settled": _step_json(result.settled),
        "facts": result.facts(),
        "inferred": list(result.inferred()),
    }


def render(console: Console, result: Run) -> None:
    from rich.table import Table

    from ecsprep.sim.releases_check import summary

    if result.setup.description:
        console.print(result.setup.description, markup=False, style="dim")
    for step in (*result.steps, result.settled):
        console.print(f"{step.label} (at {step.clock} s)", markup=False, style="bold")
        for line in step.lines:
            console.print(f"  - {line.text} [{line.source}]", markup=False)
        live = [d for d in step.deployments if d.status != "INACTIVE"]
        for d in live:
            console.print(
                f"  {d.service} {d.id} {d.status} {d.rollout}: {d.task_definition}, "
                f"{', '.join(d.digests)}"
                + (f", platform {d.platform_version}" if d.platform_version else "")
                + f" (started by {d.started_by})",
                markup=False,
                style="dim",
            )
    table = Table(show_edge=False)
    for name in ("Task", "Status", "Task definition", "Image digests", "Platform revision"):
        table.add_column(name)
    for t in result.settled.tasks:
        table.add_row(t.task, t.status, t.revision, ", ".join(t.digests), t.platform or "-")
    console.print(table)
    console.print(summary(result), markup=False)
    if result.inferred():
        console.print("Inferred (INF): " + "; ".join(result.inferred()), markup=False, style="dim")
