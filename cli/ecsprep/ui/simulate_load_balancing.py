"""`ecsprep simulate load-balancing`: how a service's tasks become targets and get traffic.

Reads a scenario file (docs/load-balancing.md) and optional --request flags, calls
ecsprep.sim.load_balancing.run and shows the registrations, each target's health,
the routing of each request, draining and slow start, with the notes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.load_balancing import Run


def load_balancing(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML/JSON): taskDefinition, service or runTask, "
            "loadBalancers, targetGroups, securityGroups, subnets, containerInstances…",
            show_default=False,
        ),
    ],
    request: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Option(
            "--request",
            help="A request to route, HOST/PATH (HTTPS 443); repeatable \\[default: the file's].",
        ),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Show the targets ECS registers, their health, where requests go, and draining.

    Examples:

      ecsprep simulate load-balancing service.yaml

      ecsprep simulate load-balancing service.yaml --request shop.example.com/orders/1

      ecsprep simulate load-balancing service.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.load_balancing import read_setup, run
        from ecsprep.ui.scenario_file import check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "a load-balancing scenario")
        if request:
            document["requests"] = [_request(text) for text in request]
        show(output_format, run(read_setup(document, where)), load_balancing_json, render)


def _request(text: str) -> dict[str, str]:
    """`--request HOST/PATH` as the file's request (the path "/" when none is given)."""
    host, _, path = text.partition("/")
    return {"host": host, "path": "/" + path}


def load_balancing_json(result: Run) -> dict[str, Any]:
    return {
        "facts": result.facts(),
        "targets": [
            {
                "targetGroup": t.target_group,
                "target": t.text,
                "zone": t.zone,
                "state": t.state,
                "reason": t.reason,
            }
            for t in result.targets
        ],
        "steps": [
            {"what": s.what, "ok": s.ok, "detail": s.detail, "doc": s.doc} for s in result.steps
        ],
        "notes": list(result.notes),
    }


def render(console: Console, result: Run) -> None:
    for step in result.steps:
        mark = "✔" if step.ok else "✘"
        detail = f" ({step.detail})" if step.detail else ""
        console.print(
            f"{mark} {step.what}{detail} [{step.doc}]", markup=False, emoji=False, overflow="fold"
        )
    if result.targets:
        console.print("targets:", style="bold")
        for t in result.targets:
            reason = f" {t.reason}" if t.reason else ""
            console.print(
                f"  {t.target_group:<14} {t.text:<22} {t.zone:<12} {t.state}{reason}",
                markup=False,
                emoji=False,
            )
    from ecsprep.sim.load_balancing_check import summary

    console.print(summary(result), markup=False, emoji=False, style="bold", overflow="fold")
    for note in result.notes:
        console.print(f"note: {note}", style="dim", markup=False, emoji=False, overflow="fold")
