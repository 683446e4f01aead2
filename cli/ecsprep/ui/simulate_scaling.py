"""`ecsprep simulate scaling`: Service Auto Scaling over a workload timeline.

Reads a scenario file (register-scalable-target, put-scaling-policy, put-metric-alarm and
put-scheduled-action requests, the service and the timeline; see docs/scaling.md) or the
same requests as separate files, runs ecsprep.sim.scaling and shows the desired and
running counts as a chart, each scaling activity with its arithmetic, and (with --trace)
the decisions that changed nothing: cooldowns, MinCapacity/MaxCapacity, missing data.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.scaling import ScalingResult


def scaling(
    scenario: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A scenario file (YAML/JSON): registerScalableTarget, putScalingPolicy, "
            "putMetricAlarm, putScheduledAction, service and timeline.",
            show_default=False,
        ),
    ] = None,
    scalable_target: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--scalable-target", help="A register-scalable-target request (JSON/YAML)."),
    ] = None,
    policy: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--policy", help="A put-scaling-policy request; repeatable."),
    ] = None,
    alarm: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--alarm", help="A put-metric-alarm request for a step policy; repeatable."),
    ] = None,
    scheduled_action: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--scheduled-action", help="A put-scheduled-action request; repeatable."),
    ] = None,
    timeline: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--timeline", help="The workload timeline: {start, minutes, load: [...]}."),
    ] = None,
    desired: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--desired", help="The service's desired count at the start.", min=0),
    ] = None,
    capacity: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--capacity",
            help="The most tasks the cluster can place (EC2 with no instance scaling).",
            min=0,
        ),
    ] = None,
    trace: Annotated[
        bool, typer.Option("--trace", help="Also show decisions that changed nothing, and why.")
    ] = False,
    width: Annotated[int, typer.Option("--width", help="Chart columns.", min=10, max=400)] = 60,
    output_format: FormatOption = "text",
) -> None:
    """Simulate Service Auto Scaling: the desired count over a workload timeline, and why.

    Target tracking's arithmetic isn't documented by AWS: ecsprep's choice is labelled INF
    wherever it shows (docs/scaling.md lists every inferred choice).

    Examples:

      ecsprep simulate scaling scenario.yaml

      ecsprep simulate scaling scenario.yaml --capacity 6 --trace

      ecsprep simulate scaling --scalable-target target.json --policy cpu60.json
      --timeline load.yaml --desired 2

      ecsprep simulate scaling scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.documents import Where
        from ecsprep.sim.scaling import simulate
        from ecsprep.sim.scaling_input import read_scaling
        from ecsprep.ui.scenario_file import block, check_format, show

        check_format(output_format)
        document = _document(
            scenario, scalable_target, policy or [], alarm or [], scheduled_action or [], timeline
        )
        where = Where(str(scenario) if scenario else "the given requests")
        if desired is not None or capacity is not None:
            service = block(document, where, "service", "the service")
            if desired is not None:
                service["desiredCount"] = desired
            if capacity is not None:
                service["capacity"] = capacity
            document["service"] = service
        result = simulate(read_scaling(document, where))
        show(output_format, result, result_json, partial(render, trace=trace, width=width))


def _document(
    scenario: Path | None,
    target: Path | None,
    policies: list[Path],
    alarms: list[Path],
    actions: list[Path],
    timeline: Path | None,
) -> dict[str, Any]:
    from ecsprep.errors import InputError
    from ecsprep.sim.documents import Where, as_mapping, read_document

    document: dict[str, Any] = {}
    if scenario is not None:
        document = dict(as_mapping(read_document(scenario), Where(str(scenario)), "a scenario"))
    elif target is None:
        raise InputError(
            "no scenario given",
            "give a scenario file, or --scalable-target FILE with --policy / "
            "--scheduled-action and --timeline",
        )
    if target is not None:
        document["registerScalableTarget"] = read_document(target)
    for key, paths in (
        ("putScalingPolicy", policies),
        ("putMetricAlarm", alarms),
        ("putScheduledAction", actions),
    ):
        if paths:
            given = document.get(key)
            listed = [] if given is None else (given if isinstance(given, list) else [given])
            document[key] = [*listed, *(read_document(path) for path in paths)]
    if timeline is not None:
        document["timeline"] = read_document(timeline)
    return document


def result_json(result: ScalingResult) -> dict[str, Any]:
    from ecsprep.sim.scaling_check import facts

    found = facts(result)
    return {
        "resourceId": result.input.resource_id,
        "minutes": [
            {
                "minute": row.t,
                "time": row.clock,
                "desiredCount": row.desired,
                "runningCount": row.running,
                "minCapacity": row.min_capacity,
                "maxCapacity": row.max_capacity,
                "metrics": dict(row.metrics),
                "alarms": dict(row.alarms),
            }
            for row in result.minutes
        ],
        "activities": [
            {
                "minute": a.t,
                "time": a.clock,
                "from": a.before,
                "to": a.after,
                "cause": a.cause,
                "why": a.why,
            }
            for a in result.activities
        ],
        "events": [{"minute": e.t, "time": e.clock, "text": e.text} for e in result.events],
        "notes": list(result.notes),
        "facts": {k: v for k, v in found.items() if k not in ("desired_at", "running_at")},
    }


def render(console: Console, result: ScalingResult, *, trace: bool, width: int = 60) -> None:
    from ecsprep.sim.scaling_check import summary

    given = result.input
    cap = "no limit" if given.capacity is None else f"{given.capacity} task(s)"
    console.print(
        f"{given.resource_id}: MinCapacity {given.min_capacity}, MaxCapacity "
        f"{given.max_capacity}; desired count {given.desired} at the start; cluster room: {cap}",
        markup=False,
    )
    for policy in given.target_tracking:
        extra = ", DisableScaleIn" if policy.disable_scale_in else ""
        console.print(
            f"  target tracking {policy.name}: {policy.metric.label} at {policy.target:g} "
            f"(cooldowns out {policy.scale_out_cooldown}s, in {policy.scale_in_cooldown}s{extra})",
            markup=False,
        )
    for step in given.step_policies:
        console.print(
            f"  step scaling {step.name}: {step.adjustment_type.value}, cooldown {step.cooldown}s",
            markup=False,
        )
    for alarm in given.alarms:
        console.print(
            f"  alarm {alarm.name}: {alarm.metric.label} {alarm.comparison.symbol} "
            f"{alarm.threshold:g} for {alarm.datapoints_to_alarm} of {alarm.evaluation_periods} "
            f"period(s) of {alarm.period} min → {', '.join(alarm.actions)}",
            markup=False,
        )
    for action in given.scheduled:
        console.print(f"  scheduled {action.name}: {action.schedule.text}", markup=False)
    console.print()
    for line in chart(result, width=width):
        console.print(line, markup=False, highlight=False)
    console.print()
    if result.activities:
        console.print("Scaling activities:", style="bold")
        for a in result.activities:
            console.print(
                f"  {a.clock}  {a.before} → {a.after}  {a.cause}: {a.why}",
                markup=False,
                overflow="fold",
            )
    else:
        console.print("No scaling activity.")
    if trace and result.events:
        console.print(
            "Decisions that changed nothing, or why (each reason once until it changes):",
            style="bold",
        )
        for event in result.events:
            console.print(f"  {event.clock}  {event.text}", markup=False, overflow="fold")
    for note in result.notes:
        console.print(f"note: {note}", style="dim", markup=False, overflow="fold")
    console.print(summary(result), markup=False)


def chart(result: ScalingResult, *, width: int = 60, height: int = 10) -> list[str]:
    """The desired count over time: █ running tasks, ░ desired but not running."""
    rows = result.minutes
    if not rows:
        return []
    columns = min(width, len(rows))
    buckets = [
        rows[n * len(rows) // columns : (n + 1) * len(rows) // columns] for n in range(columns)
    ]
    desired = [max(r.desired for r in bucket) for bucket in buckets]
    running = [min(r.running for r in bucket) for bucket in buckets]
    top = max(max(desired), 1)
    scale = top / height if top > height else 1.0
    levels = min(height, top)
    lines = []
    for level in range(levels, 0, -1):
        threshold = level * scale
        label = f"{round(threshold):>5} ┤" if level in (levels, (levels + 1) // 2, 1) else "      │"
        cells = "".join(
            "█" if r >= threshold - 1e-9 else "░" if d >= threshold - 1e-9 else " "
            for d, r in zip(desired, running, strict=True)
        )
        lines.append(label + cells)
    lines.append("    0 └" + "─" * columns)
    first, last = rows[0].clock, rows[-1].clock
    lines.append("       " + first + " " * max(1, columns - len(first) - len(last)) + last)
    pending = any(r < d for d, r in zip(desired, running, strict=True))
    key = "█ running tasks" + (
        "   ░ desired but not running (no room to place them)" if pending else ""
    )
    lines.append("       " + key)
    return lines
