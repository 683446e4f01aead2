"""`ecsprep simulate deployment`: a service deployment step by step.

Reads a deployment scenario (a CreateService/UpdateService request plus the story:
the running tasks, the capacity, how the release behaves) from a file and/or flags,
runs ecsprep.sim.deployment and shows the timeline, the bounds and AWS's words.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.deployment import Outcome


def deployment(
    scenario: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A deployment scenario (YAML/JSON): service (a CreateService request), "
            "running, capacity, release, codeDeploy.",
            show_default=False,
        ),
    ] = None,
    desired: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--desired", help="desiredCount.", min=0),
    ] = None,
    minimum: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--min", help="minimumHealthyPercent \\[default: 100].", min=0),
    ] = None,
    maximum: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--max", help="maximumPercent \\[default: 200].", min=0),
    ] = None,
    capacity: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--capacity", help="Most tasks of the service the cluster holds.", min=0),
    ] = None,
    circuit_breaker: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--circuit-breaker",
            help="on, rollback, or TYPE:VALUE with rollback (COUNT:10, UNBOUNDED_PERCENT:10).",
        ),
    ] = None,
    release: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--release", help="How new tasks behave: HEALTHY, FAIL_TO_START, FAIL_HEALTH_CHECKS."
        ),
    ] = None,
    codedeploy: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--codedeploy",
            help="A CodeDeploy configuration, e.g. CodeDeployDefault.ECSCanary10Percent5Minutes.",
        ),
    ] = None,
    strategy: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--strategy", help="ROLLING, BLUE_GREEN, LINEAR or CANARY (ECS controller)."),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Step through a service deployment: rolling bounds, circuit breaker, traffic shifting.

    Examples:

      ecsprep simulate deployment --desired 4 --min 50 --max 100 --capacity 4

      ecsprep simulate deployment --desired 600 --circuit-breaker rollback
      --release FAIL_TO_START

      ecsprep simulate deployment --codedeploy CodeDeployDefault.ECSCanary10Percent5Minutes

      ecsprep simulate deployment scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError
        from ecsprep.sim.deployment_check import read_scenario, run
        from ecsprep.ui.scenario_file import check_format, scenario_document, show

        check_format(output_format)
        if scenario is None and not any(
            v is not None
            for v in (desired, minimum, maximum, capacity, circuit_breaker, codedeploy, strategy)
        ):
            raise InputError(
                "no deployment given",
                "give a scenario file or flags, e.g. --desired 4 --min 50 --max 100",
            )
        document, where = scenario_document(scenario, "a scenario")
        _apply_flags(
            document,
            desired=desired,
            minimum=minimum,
            maximum=maximum,
            capacity=capacity,
            breaker=circuit_breaker,
            release=release,
            codedeploy=codedeploy,
            strategy=strategy,
        )
        spec = read_scenario(document, where)
        service = document.get("service") or {}
        show(output_format, run(spec, str(service.get("serviceName", "web"))), outcome_json, render)


def _apply_flags(document: dict[str, Any], **flags: Any) -> None:
    from ecsprep.errors import InputError

    service_given = document.get("service")
    blocks = [service_given, document.get("codeDeploy"), document.get("release")]
    if isinstance(service_given, dict):
        blocks.append(service_given.get("deploymentConfiguration"))
    if any(block is not None and not isinstance(block, dict) for block in blocks):
        return  # not an object where one belongs: the reader refuses it, naming the place
    service = dict(document.get("service") or {})
    config = dict(service.get("deploymentConfiguration") or {})
    if flags["desired"] is not None:
        service["desiredCount"] = flags["desired"]
    if flags["minimum"] is not None:
        config["minimumHealthyPercent"] = flags["minimum"]
    if flags["maximum"] is not None:
        config["maximumPercent"] = flags["maximum"]
    if flags["strategy"] is not None:
        config["strategy"] = flags["strategy"].upper()
    breaker = flags["breaker"]
    if breaker is not None:
        setting: dict[str, Any] = {"enable": True, "rollback": breaker != "on"}
        if ":" in breaker:
            kind, _, value = breaker.partition(":")
            if not value.isdigit():
                raise InputError(
                    f"--circuit-breaker {breaker}: the value must be a whole number",
                    "e.g. --circuit-breaker COUNT:10",
                )
            setting["thresholdConfiguration"] = {"type": kind.upper(), "value": int(value)}
        elif breaker not in ("on", "rollback"):
            raise InputError(
                f"--circuit-breaker {breaker}: use on, rollback or TYPE:VALUE",
                "e.g. --circuit-breaker rollback",
            )
        config["deploymentCircuitBreaker"] = setting
    if flags["codedeploy"] is not None:
        service["deploymentController"] = {"type": "CODE_DEPLOY"}
        block = dict(document.get("codeDeploy") or {})
        block["deploymentConfigName"] = flags["codedeploy"]
        document["codeDeploy"] = block
    if config:
        service["deploymentConfiguration"] = config
    document["service"] = service
    if flags["capacity"] is not None:
        document["capacity"] = {"tasks": flags["capacity"]}
    if flags["release"] is not None:
        story = dict(document.get("release") or {})
        story["tasks"] = flags["release"].upper()
        document["release"] = story


def outcome_json(result: Outcome) -> dict[str, Any]:
    return {
        "kind": result.kind,
        "facts": result.facts,
        "steps": [
            {
                key: value
                for key, value in (
                    ("at", step.at),
                    ("action", step.action),
                    ("oldTasks", step.old),
                    ("newTasks", step.new),
                    ("productionPercent", step.production),
                    ("testPercent", step.test),
                    ("why", step.why),
                )
                if value not in (None, "")
            }
            for step in result.steps
        ],
        "notes": list(result.notes),
        "inferred": list(result.inferred),
        "events": list(result.events),
    }


def render(console: Console, result: Outcome) -> None:
    from rich.table import Table

    from ecsprep.sim.deployment_check import summary

    for note in result.notes:
        console.print(note, markup=False)
    table = Table(show_edge=False)
    rolling = result.kind == "rolling"
    columns = ["When", "What happens"]
    columns += ["Old", "New"] if rolling else ["Test %", "Production %"]
    columns.append("Why" if rolling else "")
    for name in columns:
        if name:
            table.add_column(name, overflow="fold")
    for step in result.steps:
        if rolling:
            cells = [step.at, step.action, _n(step.old), _n(step.new), step.why]
        else:
            cells = [step.at, step.action, _n(step.test), _n(step.production)]
        table.add_row(*cells)
    console.print(table)
    for event in result.events:
        console.print(f"AWS says: {event}", markup=False)
    for choice in result.inferred:
        console.print(f"Inferred: {choice}", markup=False, style="dim")
    console.print(summary(result), markup=False, style="bold")


def _n(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)
