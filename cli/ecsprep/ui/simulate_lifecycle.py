"""`ecsprep simulate lifecycle`: a task's containers from start to stop.

Reads a scenario file (docs/lifecycle.md: a task definition in AWS's shape plus each
container's `behaviour`) and/or `--task-definition FILE`, calls
ecsprep.sim.lifecycle.simulate and shows the timeline (what started, when and why; health;
stop signals; exits with codes and reasons), then each container and the task's volumes.
Events ecsprep infers (the docs leave them open) carry an INF label.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.lifecycle import Run


def lifecycle(
    scenario: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A scenario file (YAML/JSON): taskDefinition, launchType, behaviour, service, "
            "stopTask, spotInterruption, taskProtection, taskRetirement, ecsConfig, until.",
            show_default=False,
        ),
    ] = None,
    task_definition: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--task-definition",
            help="register-task-definition input or describe-task-definition output (JSON/YAML).",
        ),
    ] = None,
    launch_type: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--launch-type", help="EC2 or FARGATE \\[default: from the task definition]."),
    ] = None,
    stop_at: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--stop-at", help="Call StopTask at this second.", min=0),
    ] = None,
    until: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--until", help="Simulate this many seconds \\[default: 600].", min=1),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Follow a task's containers from start to stop: dependsOn, essential, health, signals.

    Examples:

      ecsprep simulate lifecycle scenario.yaml

      ecsprep simulate lifecycle --task-definition taskdef.json --stop-at 60

      ecsprep simulate lifecycle scenario.yaml --task-definition taskdef.json --launch-type EC2

      ecsprep simulate lifecycle scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.lifecycle import read_scenario, simulate
        from ecsprep.ui.scenario_file import check_format, show

        check_format(output_format)
        document, where = _document(scenario, task_definition, launch_type, stop_at, until)
        show(output_format, simulate(read_scenario(document, where)), run_json, render)


def _document(
    scenario: Path | None,
    task_definition: Path | None,
    launch_type: str | None,
    stop_at: int | None,
    until: int | None,
) -> tuple[dict[str, Any], Any]:
    from ecsprep.errors import InputError
    from ecsprep.sim.documents import Where, as_mapping, read_document

    document: dict[str, Any] = {}
    where = Where("flags")
    if scenario is not None:
        where = Where(str(scenario))
        document = dict(as_mapping(read_document(scenario), where, "a lifecycle scenario"))
    if task_definition is not None:
        document["taskDefinition"] = as_mapping(
            read_document(task_definition), Where(str(task_definition)), "a task definition"
        )
    if launch_type is not None:
        document["launchType"] = launch_type.upper()
    if stop_at is not None:
        document["stopTask"] = {**dict(document.get("stopTask") or {}), "at": stop_at}
    if until is not None:
        document["until"] = until
    if "taskDefinition" not in document:
        raise InputError(
            "no task definition given",
            "give a scenario file or --task-definition FILE (see ecsprep simulate lifecycle "
            "--help)",
        )
    return document, where


def run_json(run: Run) -> dict[str, Any]:
    return {
        "facts": run.facts(),
        "events": [
            {
                "at": event.at,
                "container": event.container or None,
                "what": event.what,
                "inferred": event.inferred,
            }
            for event in run.events
        ],
        "notes": list(run.notes),
    }


def render(console: Console, run: Run) -> None:
    from rich.table import Table
    from rich.text import Text

    from ecsprep.sim.lifecycle import stop_timeout

    s = run.scenario

    def say(text: str, style: str = "") -> None:
        console.print(Text(text, style=style), overflow="fold")

    launch = "FARGATE" if s.fargate else "EC2"
    who = (
        f"a service's task (healthCheckGracePeriodSeconds {s.grace_period})"
        if s.service
        else "a standalone task"
    )
    say(f"Task {s.family or '(no family)'} on {launch}, {who}; simulated up to {s.until} s")
    timeline = Table(show_edge=False, pad_edge=False, box=None)
    timeline.add_column("At", justify="right", no_wrap=True)
    timeline.add_column("Who", no_wrap=True)
    timeline.add_column("What", overflow="fold")
    for event in run.events:
        what = Text(event.what)
        if event.inferred:
            what = Text.assemble(("INF ", "yellow"), event.what)
        timeline.add_row(f"{event.at} s", event.container or "task", what)
    console.print(timeline)
    table = Table(show_edge=False, pad_edge=False)
    for name, justify in (
        ("Container", "left"),
        ("Essential", "left"),
        ("Started", "right"),
        ("Health", "left"),
        ("Exit", "right"),
        ("Stop timeout", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    if run.reasons:
        table.add_column("Reason", overflow="fold")
    facts = run.facts()
    for container in s.containers:
        name = container.name
        started = run.started_at.get(name)
        seconds, source = stop_timeout(s, container)
        code = run.exit_codes.get(name)
        table.add_row(
            name,
            "yes" if container.essential else "no",
            "never" if started is None else f"{started} s",
            "-" if container.health is None else _health(run, name),
            "-" if code is None else str(code),
            f"{seconds} s ({source})",
            *([Text(run.reasons.get(name, ""))] if run.reasons else []),
        )
    console.print(table)
    if run.task_stopped:
        stop_code = f"{run.stop_code}: " if run.stop_code else ""  # retirement, reclaim: none
        say(
            f"The task is STOPPED at {run.stopped_at} s (began stopping at {run.stop_began_at} s):"
            f" {stop_code}{run.stopped_reason}"
        )
    else:
        say(f"The task is still RUNNING at {s.until} s.")
    say(f"Task health: {run.task_health}")
    if run.killed:
        say("SIGKILL after the stop timeout: " + ", ".join(run.killed))
    if run.work_lost:
        say("Work lost (stopped before its job was done, busyUntil): " + ", ".join(run.work_lost))
    if run.oom_killed:
        say("Killed for memory (exit 137): " + ", ".join(run.oom_killed))
    if run.zombies:
        say(
            "Child processes left unreaped (no initProcessEnabled): " + ", ".join(run.zombies),
        )
    if s.volumes:
        say("Volumes after the task stops:", "bold")
        kept = set(facts["kept_after_stop"])  # type: ignore[call-overload]
        for volume in s.volumes:
            fate = "kept" if volume.name in kept else "lost with the task"
            where = f" at {volume.host_path}" if volume.host_path else ""
            say(f"  {volume.name} ({volume.kind.value}{where}): {fate}")
        for name, paths in run.mounts.items():
            if paths:
                shown = ", ".join(f"{path} ({mode})" for path, mode in paths.items())
                say(f"  {name} mounts {shown}")
    for note in run.notes:
        say(f"note: {note}", "dim")


def _health(run: Run, name: str) -> str:
    """The container's last health status: UNHEALTHY, HEALTHY or UNKNOWN."""
    if name in run.unhealthy:
        return "UNHEALTHY"
    passed = any(e.container == name and e.what.endswith(": HEALTHY") for e in run.events)
    return "HEALTHY" if passed else "UNKNOWN"
