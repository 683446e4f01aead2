"""`ecsprep simulate credentials`: who gets which credentials in an ECS task.

Reads a scenario file (docs/credentials.md) and/or flags that give AWS's own
shapes: a register-task-definition input, an ecs.config file, policy documents.
Calls ecsprep.sim.credentials.run and shows each step (who calls what, and how it
ends), then who gets which credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.credentials import Run


def credentials(
    scenario: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A scenario file (YAML/JSON): taskDefinition, launchType, ecsConfig, roles…",
            show_default=False,
        ),
    ] = None,
    task_definition: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--task-definition", help="register-task-definition input (JSON/YAML)."),
    ] = None,
    launch_type: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--launch-type", help="EC2 or FARGATE \\[default: from the task definition]."),
    ] = None,
    ecs_config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--ecs-config", help="An /etc/ecs/ecs.config file (KEY=VALUE lines)."),
    ] = None,
    agent_start: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--agent-start", help="ecs-init (ECS-optimized AMI) or agent \\[default: ecs-init]."
        ),
    ] = None,
    role: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--role",
            help="NAME=POLICY: a policy document file or a managed policy name; repeatable.",
        ),
    ] = None,
    instance_role: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--instance-role", help="The container instance role's name (EC2)."),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Show who gets which credentials: the application, image pulls, secrets, awslogs.

    Examples:

      ecsprep simulate credentials scenario.yaml

      ecsprep simulate credentials --task-definition taskdef.json --launch-type EC2
      --ecs-config ecs.config --instance-role ecsInstanceRole
      --role ecsInstanceRole=AmazonEC2ContainerServiceforEC2Role
      --role ecsTaskExecutionRole=AmazonECSTaskExecutionRolePolicy
      --role orders-task=orders-policy.json

      ecsprep simulate credentials scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.credentials import read_setup, run
        from ecsprep.ui.scenario_file import check_format, show

        check_format(output_format)
        document, where = _document(
            scenario, task_definition, launch_type, ecs_config, agent_start, role, instance_role
        )
        show(output_format, run(read_setup(document, where)), run_json, render)


def _document(
    scenario: Path | None,
    task_definition: Path | None,
    launch_type: str | None,
    ecs_config: Path | None,
    agent_start: str | None,
    roles: list[str] | None,
    instance_role: str | None,
) -> tuple[dict[str, Any], Any]:
    from ecsprep.errors import InputError
    from ecsprep.sim.documents import Where, as_mapping, read_document

    document: dict[str, Any] = {}
    where = Where("flags")
    if scenario is not None:
        where = Where(str(scenario))
        document = dict(as_mapping(read_document(scenario), where, "a credentials scenario"))
    if task_definition is not None:
        document["taskDefinition"] = as_mapping(
            read_document(task_definition), Where(str(task_definition)), "a task definition"
        )
    if launch_type is not None:
        document["launchType"] = launch_type.upper()
    if ecs_config is not None:
        try:
            document["ecsConfig"] = ecs_config.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"{ecs_config}: cannot read the file ({exc.strerror or exc})"
            ) from None
    if agent_start is not None:
        document["agentStart"] = agent_start
    if instance_role is not None:
        document["instanceRole"] = instance_role
    for text in roles or []:
        name, _, policy = text.partition("=")
        if not name or not policy:
            raise InputError(
                f"--role {text!r}: give NAME=POLICY",
                "e.g. --role ecsTaskExecutionRole=AmazonECSTaskExecutionRolePolicy",
            )
        path = Path(policy)
        value: object = (
            read_document(path) if path.suffix.lower() in (".json", ".yaml", ".yml") else policy
        )
        spec = dict(document.setdefault("roles", {}).get(name, {}))
        spec["policies"] = [*spec.get("policies", []), value]
        document["roles"] = {**document.get("roles", {}), name: spec}
    if "taskDefinition" not in document:
        raise InputError(
            "no task definition given",
            "give a scenario file or --task-definition FILE (see ecsprep simulate credentials "
            "--help)",
        )
    return document, where


def run_json(result: Run) -> dict[str, Any]:
    return {
        "facts": result.facts(),
        "steps": [
            {
                "phase": step.phase,
                "actor": step.actor,
                "what": step.what,
                "outcome": step.outcome.value,
                "detail": step.detail,
            }
            for step in result.steps
        ],
        "notes": list(result.notes),
    }


_MARK = {"ok": "✔", "denied": "✘", "unreachable": "✘", "failed": "✘", "skipped": "·"}


def render(console: Console, result: Run) -> None:
    from rich.table import Table
    from rich.text import Text

    s = result.setup
    launch = "FARGATE" if s.fargate else "EC2"
    console.print(
        f"Task {s.containers[0].name} ({launch}, {s.network_mode} mode) in {s.region}; "
        f"task role {s.task_role or 'none'}, execution role {s.execution_role or 'none'}"
        + ("" if s.fargate else f", instance role {s.instance_role or 'none'}"),
        markup=False,
        emoji=False,
    )
    table = Table(show_edge=False, pad_edge=False)
    for name in ("", "Phase", "Who", "Call", "Detail"):
        table.add_column(name, overflow="fold")
    for step in result.steps:
        table.add_row(
            *(
                Text(cell)
                for cell in (
                    _MARK[step.outcome.value],
                    step.phase,
                    step.actor,
                    step.what,
                    step.detail,
                )
            )
        )
    console.print(table)
    if result.starts:
        console.print("The task starts.", markup=False, emoji=False)
    else:
        console.print(
            f"The task stops ({result.stopped_at}): {result.stopped_reason}",
            markup=False,
            emoji=False,
        )
    console.print("Who gets which credentials:", style="bold")
    via = " → ".join(result.chain) if result.chain else "nothing tried"
    lines = [
        f"application: {result.app} (the SDK's chain: {via})",
        f"image pulls from ECR: {result.pull_by or 'no ECR image'}",
        f"secrets and environment files: {result.secrets_by or 'none used'}",
        f"awslogs: {result.logs_by or 'not used'}",
        "instance role through the instance metadata service: "
        + ("reachable from the containers" if result.instance_role_reachable else "out of reach"),
    ]
    if result.exec != "not tried":
        lines.append(f"ECS Exec: {result.exec}")
    for line in lines:
        console.print(f"  {line}", markup=False, emoji=False)
    for action, said in result.calls.items():
        console.print(f"  call {action}: {said}", markup=False, emoji=False)
    if result.denied:
        console.print("Denied: " + ", ".join(result.denied), markup=False, emoji=False)
    for note in result.notes:
        console.print(f"note: {note}", style="dim", markup=False, emoji=False)
