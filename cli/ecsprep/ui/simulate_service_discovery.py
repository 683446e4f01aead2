"""`ecsprep simulate service-discovery`: which names resolve from which caller, to what, and why
(Cloud Map service discovery and ECS Service Connect).

Reads a scenario file (docs/service-discovery.md) and/or flags that add calls, calls
ecsprep.sim.service_discovery.discover and prints each service's records, the Service Connect
endpoints and, per call, the steps with the doc rule each applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.service_discovery import Result


def service_discovery(
    scenario: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A scenario file (YAML/JSON): namespace, cloudMapServices, taskDefinitions, "
            "deployments, securityGroups, callers, calls.",
            show_default=False,
        ),
    ] = None,
    call: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--call", help="CALLER=NAME[:PORT], a call to follow; repeatable."),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Show which names resolve from which caller, to what, and why (Cloud Map DNS, Service
    Connect client aliases, load balancers).

    Examples:

      ecsprep simulate service-discovery scenario.yaml

      ecsprep simulate service-discovery scenario.yaml --call frontend=pricing:8080

      ecsprep simulate service-discovery scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError
        from ecsprep.sim.service_discovery import discover, read_world
        from ecsprep.ui.scenario_file import add_items, check_format, scenario_document, show

        check_format(output_format)
        if scenario is None:
            raise InputError("nothing to simulate", "give a scenario file (see --help)")
        document, where = scenario_document(scenario, "a service-discovery scenario")
        calls = []
        for text in call or ():
            caller, sep, target = text.partition("=")
            if not sep or not caller or not target:
                raise InputError(f"--call {text!r}: use CALLER=NAME[:PORT]")
            calls.append({"from": caller, "to": target})
        add_items(document, where, "calls", calls)
        show(output_format, discover(read_world(document, where)), service_discovery_json, render)


def service_discovery_json(result: Result) -> dict[str, Any]:
    return {
        "facts": result.facts(),
        "calls": [
            {
                "call": t.call.text,
                "steps": [{"what": s.what, "ok": s.ok, "rule": s.rule} for s in t.steps],
            }
            for t in result.traces
        ],
        "notes": list(result.notes),
    }


def render(console: Console, result: Result) -> None:
    def say(text: str, **style: Any) -> None:
        console.print(text, markup=False, emoji=False, overflow="fold", **style)

    world = result.world
    say(f"Namespace {world.namespace} ({world.namespace_type})", style="bold")
    for service in world.services:
        parts = []
        if service.registries:
            reg = service.registries[0]
            parts.append(
                f"Cloud Map {reg.cloud_map.name}.{world.namespace}: "
                f"{'/'.join(reg.cloud_map.records) or 'no DNS'} records, "
                f"health check {reg.cloud_map.health}"
            )
        if service.service_connect:
            aliases = [
                f"{a.dns_name}:{a.port} → {sc.port.container}:{sc.port.container_port}"
                for sc in service.sc_services
                for a in sc.aliases
            ]
            parts.append("Service Connect " + (", ".join(aliases) if aliases else "client only"))
        say(
            f"  {service.name} ({service.task_definition.network_mode}, deployed at step "
            f"{service.deployed_at}): {'; '.join(parts) or 'no discovery'}"
        )
    for trace in result.traces:
        say(trace.call.text, style="bold")
        for step in trace.steps:
            mark = "✔" if step.ok else "✘"
            say(f"  {mark} {step.what} [{step.rule}]")
        if trace.answers:
            say(f"  answers: {', '.join(trace.answers)}")
    from ecsprep.sim.service_discovery_check import summary

    say(summary(result), style="bold")
    for note in result.notes:
        say(f"note: {note}", style="dim")
