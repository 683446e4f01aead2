"""`ecsprep simulate events`: EventBridge rules against ECS events, when schedules fire,
and how a Step Functions ECS state waits.

Reads one scenario file (JSON or YAML, AWS's shapes: events, putRule, putTargets,
addPermission, createSchedule, timeline, stateMachine, ecsTask), runs
ecsprep.sim.events_check and prints why each rule matched or not, what each target
received, each schedule's invocations and the state machine's steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.events_check import EventsResult


def events(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (JSON/YAML): events, putRule, putTargets, addPermission, "
            "createSchedule, timeline, stateMachine, ecsTask.",
            show_default=False,
        ),
    ],
    output_format: FormatOption = "text",
) -> None:
    """Show which EventBridge rules match which ECS events, what each target receives,
    when scheduled rules and EventBridge Scheduler schedules fire, and how a Step
    Functions ecs:runTask state waits.

    Examples:

      ecsprep simulate events placement-failure.yaml

      ecsprep simulate events berlin-schedule.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.events_check import facts, read_scenario, simulate
        from ecsprep.ui.scenario_file import check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "a scenario")
        result = simulate(read_scenario(document, where))
        show(output_format, result, lambda r: events_json(r, facts(r)), _render)


def events_json(result: EventsResult, found: dict[str, object]) -> dict[str, Any]:
    data: dict[str, Any] = {"facts": found, "notes": list(result.notes)}
    if result.routing is not None:
        data["matches"] = [
            {
                "rule": rule,
                "event": event,
                "matched": bool(m and m.matched and not skip),
                "skipped": skip or None,
                "steps": [
                    {"field": s.path, "pattern": s.wanted, "event": s.seen, "matched": s.matched}
                    for s in (m.steps if m else ())
                ],
            }
            for rule, event, m, skip in result.routing.matches
        ]
        data["deliveries"] = [
            {
                "rule": d.rule,
                "target": d.target,
                "event": d.event,
                "delivered": d.delivered,
                "input": d.input,
                "reason": d.reason or None,
            }
            for d in result.routing.deliveries
        ]
    if result.execution is not None:
        data["steps"] = [
            {"minute": e.minute, "state": e.state, "text": e.text} for e in result.execution.events
        ]
    return data


def _render(console: Console, result: EventsResult) -> None:
    from rich.table import Table

    if result.routing is not None:
        console.print("EventBridge rules against the events", style="bold", markup=False)
        for rule, event, m, skip in result.routing.matches:
            ok = bool(m and m.matched and not skip)
            mark = "✔ matches" if ok else "✘ no match"
            why = skip or ("" if ok or m is None else m.why_not)
            line = f"  {rule} · {event}: {mark}" + (f" ({why})" if why else "")
            console.print(line, markup=False)
        if result.routing.deliveries:
            table = Table(show_edge=False)
            for name in ("Target", "Event", "Delivered", "Input it receives"):
                table.add_column(name)
            for d in result.routing.deliveries:
                table.add_row(
                    d.target, d.event, "yes" if d.delivered else f"no: {d.reason}", d.input
                )
            console.print(table)
    if result.firings is not None:
        firings = result.firings
        zone = firings.timeline.shown_zone
        console.print(
            f"Schedules from {firings.timeline.start:%Y-%m-%d %H:%M} to "
            f"{firings.timeline.end:%Y-%m-%d %H:%M} UTC, shown in {firings.timeline.shown_in}",
            style="bold",
            markup=False,
        )
        from ecsprep.sim.event_schedules import window_text

        for item in firings.schedules:
            kind = (
                "scheduled rule (UTC)"
                if item.kind == "rule"
                else (f"Scheduler schedule ({item.zone_name})")
            )
            mine = firings.of(item.name)
            console.print(
                f"  {item.name}: {kind}, {item.expression.text}: fires {len(mine)}×",
                markup=False,
            )
            for f in mine[:20]:
                local = f.at.astimezone(zone)
                console.print(
                    f"    {f.at:%Y-%m-%d %H:%M} UTC = {local:%a %Y-%m-%d} "
                    f"{window_text(f, zone)} {firings.timeline.shown_in}",
                    markup=False,
                )
            if len(mine) > 20:
                console.print(f"    … {len(mine) - 20} more", markup=False)
    if result.execution is not None:
        ex = result.execution
        console.print(
            f"Step Functions ({ex.pattern or 'no ECS state'})", style="bold", markup=False
        )
        for e in ex.events:
            console.print(f"  minute {e.minute:>4}  {e.state}: {e.text}", markup=False)
        console.print(f"  execution {ex.status}", markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, style="dim")
