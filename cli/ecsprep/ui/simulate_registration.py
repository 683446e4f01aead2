"""`ecsprep simulate registration`: does an EC2 instance register with a cluster, and why not.

Reads a scenario file (docs/registration.md) and/or flags (an ecs.config file,
the clusters that exist, the instance role's policies), calls
ecsprep.sim.registration.register and shows the agent's steps, the result and
the lint of ecs.config.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.registration import Registration


def registration(
    scenario: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A scenario file (YAML/JSON): ami, ecsConfig, instanceRole, network, clusters.",
            show_default=False,
        ),
    ] = None,
    ecs_config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--ecs-config", help="An /etc/ecs/ecs.config file (KEY=VALUE lines)."),
    ] = None,
    cluster: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--cluster", help="A cluster that exists; repeatable \\[default: default]."),
    ] = None,
    ami: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--ami", help="ecs-optimized, with-agent or plain \\[default: ecs-optimized]."
        ),
    ] = None,
    policy: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--policy",
            help="The instance role's policy: a document file or a managed policy name; "
            "repeatable \\[default: AmazonEC2ContainerServiceforEC2Role].",
        ),
    ] = None,
    no_instance_profile: Annotated[
        bool, typer.Option("--no-instance-profile", help="The instance has no instance profile.")
    ] = False,
    output_format: FormatOption = "text",
) -> None:
    """Show whether an instance registers, into which cluster, and why not; lint ecs.config.

    Examples:

      ecsprep simulate registration --ecs-config /etc/ecs/ecs.config --cluster payments

      ecsprep simulate registration scenario.yaml

      ecsprep simulate registration --ecs-config ecs.config --ami with-agent --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError
        from ecsprep.sim.documents import read_document
        from ecsprep.sim.registration import read_instance, register
        from ecsprep.ui.scenario_file import check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "a registration scenario")
        if ecs_config is not None:
            try:
                document["ecsConfig"] = ecs_config.read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(
                    f"{ecs_config}: cannot read the file ({exc.strerror or exc})"
                ) from None
        if cluster:
            document["clusters"] = list(cluster)
        if ami is not None:
            document["ami"] = ami
        if no_instance_profile:
            document["instanceRole"] = None
        elif policy:
            document["instanceRole"] = {
                "roleName": "ecsInstanceRole",
                "policies": [
                    read_document(Path(p))
                    if Path(p).suffix.lower() in (".json", ".yaml", ".yml")
                    else p
                    for p in policy
                ],
            }
        elif "instanceRole" not in document:
            document["instanceRole"] = {
                "roleName": "ecsInstanceRole",
                "policies": ["AmazonEC2ContainerServiceforEC2Role"],
            }
        if scenario is None and ecs_config is None:
            raise InputError(
                "nothing to simulate", "give a scenario file or --ecs-config FILE (see --help)"
            )
        show(output_format, register(read_instance(document, where)), registration_json, render)


def registration_json(result: Registration) -> dict[str, Any]:
    return {
        "facts": result.facts(),
        "steps": [{"what": s.what, "ok": s.ok, "detail": s.detail} for s in result.steps],
        "notes": list(result.notes),
    }


def render(console: Console, result: Registration) -> None:
    for step in result.steps:
        mark = "✔" if step.ok else "✘"
        detail = f" ({step.detail})" if step.detail else ""
        console.print(f"{mark} {step.what}{detail}", markup=False, emoji=False, overflow="fold")
    from ecsprep.sim.registration_check import summary

    console.print(summary(result), markup=False, emoji=False, style="bold")
    if result.registers:
        console.print(
            f"  registered: {result.registered_cpu} CPU units, {result.registered_memory} MiB, "
            f"reserved ports {', '.join(str(p) for p in result.reserved_ports) or 'none'}",
            markup=False,
            emoji=False,
        )
        if result.attributes:
            pairs = ", ".join(f"{k}={v}" for k, v in result.attributes.items())
            console.print(f"  custom attributes: {pairs}", markup=False, emoji=False)
    console.print(
        f"  task IAM roles: {'on' if result.task_iam_role else 'off'} "
        f"({result.instance.config.setting('ECS_ENABLE_TASK_IAM_ROLE').source})",
        markup=False,
        emoji=False,
    )
    if result.lint:
        console.print("ecs.config:", style="bold")
        for finding in result.lint:
            console.print(f"  {finding}", markup=False, emoji=False, overflow="fold")
    for note in result.notes:
        console.print(f"note: {note}", style="dim", markup=False, emoji=False, overflow="fold")
