"""EventBridge, its schedules and Step Functions' ECS integration as a question's check
runs them (`simulator: events`), and as `ecsprep simulate events` reads them.

The scenario (every part optional, at least one given), in AWS's shapes:

- `events`: ECS events as EventBridge delivers them; `putRule`: PutRule requests
  (EventPattern or ScheduleExpression); `putTargets`: PutTargets requests;
  `addPermission`: Lambda AddPermission requests (the function's resource policy);
- `createSchedule`: EventBridge Scheduler CreateSchedule requests; `timeline`:
  `{start, end, createdAt, showIn}` for the schedules (and scheduled rules);
- `stateMachine`: an Amazon States Language definition; `ecsTask`: what its ECS task
  does (`runsMinutes`, `exitCode`, `callsSendTaskSuccessAt`, `taskRoleActions`).

Facts: `matched` (rule → event ids), `delivered` (target Id → event ids),
`not_delivered` (target Id → why), `inputs` (target Id → the JSON texts it received);
`fires`, `fires_at`, `local_times`, `start_windows`, `skipped` (schedule → …);
`execution`, `entered` (state → minute), `task_stops_at`, `started_before_task_stopped`,
`pattern`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where, as_mapping
from ecsprep.sim.event_routing import (
    Event,
    Permission,
    Routing,
    Rule,
    read_events,
    read_permissions,
    read_rules,
    route,
)
from ecsprep.sim.event_schedules import (
    Firings,
    Scheduled,
    Timeline,
    fire,
    read_schedules,
    read_timeline,
    rule_schedule,
)
from ecsprep.sim.event_schedules import facts as schedule_facts
from ecsprep.sim.simulators import Outcome, Simulator
from ecsprep.sim.step_functions import (
    EcsTask,
    Execution,
    StateMachine,
    read_ecs_task,
    read_state_machine,
)
from ecsprep.sim.step_functions import run as run_machine

KEYS = ("description", "events", "putRule", "putTargets", "addPermission", "createSchedule",
        "timeline", "stateMachine", "ecsTask")  # fmt: skip
FACTS = ("matched", "delivered", "not_delivered", "inputs", "fires", "fires_at", "local_times",
         "start_windows", "skipped", "execution", "entered", "task_stops_at",
         "started_before_task_stopped", "pattern")  # fmt: skip


@dataclass(frozen=True, slots=True)
class EventsInput:
    events: tuple[Event, ...]
    rules: tuple[Rule, ...]
    permissions: tuple[Permission, ...]
    schedules: tuple[Scheduled, ...]
    timeline: Timeline | None
    machine: StateMachine | None
    task: EcsTask | None


@dataclass(frozen=True, slots=True)
class EventsResult:
    input: EventsInput
    routing: Routing | None
    firings: Firings | None
    execution: Execution | None
    notes: tuple[str, ...]


def read_scenario(document: Mapping[str, Any], where: Where) -> EventsInput:
    for key in document:
        if key not in KEYS:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "the scenario's keys are " + ", ".join(KEYS[1:])
            )
    if not any(key in document for key in KEYS[1:]):
        raise where.refuse(
            "nothing to simulate", "give events and putRule, createSchedule, or a stateMachine"
        )
    events = read_events(document.get("events") or [], where.key("events"))
    rules = read_rules(document.get("putRule") or [], document.get("putTargets"), where)
    permissions = read_permissions(document.get("addPermission"), where.key("addPermission"))
    schedules = list(
        read_schedules(document.get("createSchedule") or [], where.key("createSchedule"))
    )
    for position, rule in enumerate(rules):
        if rule.schedule is not None:
            target = rule.targets[0].arn if rule.targets else ""
            schedules.append(
                rule_schedule(
                    rule.name,
                    rule.schedule,
                    rule.enabled,
                    target,
                    where.key("putRule").index(position).key("ScheduleExpression"),
                )
            )
    timeline = None
    if schedules:
        if "timeline" not in document:
            raise where.refuse(
                "schedules need a timeline", "timeline: {start: 2024-10-24T00:00:00Z, end: ...}"
            )
        timeline = read_timeline(document["timeline"], where.key("timeline"))
    machine = task = None
    if "stateMachine" in document:
        machine = read_state_machine(document["stateMachine"], where.key("stateMachine"))
        task = read_ecs_task(document.get("ecsTask") or {}, where.key("ecsTask"))
    return EventsInput(events, rules, permissions, tuple(schedules), timeline, machine, task)


def simulate(given: EventsInput) -> EventsResult:
    notes: list[str] = []
    routing = None
    if any(rule.pattern is not None for rule in given.rules):
        routing = route(given.events, given.rules, given.permissions)
        for target, reason in routing.failed().items():
            notes.append(f"{target} is not invoked: {reason}")
        if any(t.kind != "lambda" for r in given.rules for t in r.targets):
            notes.append(
                "permissions of targets other than Lambda (IAM roles, other resource policies) "
                "are not modelled"
            )
    firings = None
    if given.schedules and given.timeline is not None:
        firings = fire(given.schedules, given.timeline)
        notes.extend(firings.notes)
        if any(s.kind == "rule" for s in given.schedules):
            notes.append("scheduled rules evaluate cron and rate in UTC")
    execution = None
    if given.machine is not None and given.task is not None:
        execution = run_machine(given.machine, given.task)
    return EventsResult(given, routing, firings, execution, tuple(notes))


def facts(result: EventsResult) -> dict[str, object]:
    found: dict[str, object] = {}
    if result.routing is not None:
        found["matched"] = result.routing.matched()
        found["delivered"] = result.routing.delivered()
        found["not_delivered"] = result.routing.failed()
        inputs: dict[str, list[str]] = {}
        for d in result.routing.deliveries:
            if d.delivered:
                inputs.setdefault(d.target, []).append(d.input)
        found["inputs"] = inputs
    if result.firings is not None:
        found.update(schedule_facts(result.firings))
    if result.execution is not None:
        ex = result.execution
        found["execution"] = ex.status
        found["entered"] = dict(ex.entered)
        found["task_stops_at"] = ex.task_stopped
        found["started_before_task_stopped"] = ex.early()
        found["pattern"] = ex.pattern
    return found


def summary(result: EventsResult) -> str:
    parts = []
    if result.routing is not None:
        delivered = result.routing.delivered()
        parts.append(
            "; ".join(
                f"{t} ← {', '.join(ids) if ids else 'nothing'}" for t, ids in delivered.items()
            )
            or "no targets"
        )
    if result.firings is not None:
        f = schedule_facts(result.firings)
        fires, windows = f["fires"], f["start_windows"]
        assert isinstance(fires, dict)
        assert isinstance(windows, dict)
        parts.append(
            "; ".join(
                f"{name} fires {count}× at {', '.join(windows[name]) or '-'} "
                f"{result.firings.timeline.shown_in}"
                for name, count in fires.items()
            )
        )
    if result.execution is not None:
        ex = result.execution
        path = " → ".join(f"{s} ({m} min)" for s, m in ex.entered)
        parts.append(f"{path}; execution {ex.status}")
    if not parts:  # events without a rule that has a pattern: nothing is routed
        return "No rule has an event pattern: nothing is routed."
    return ". ".join(parts) + "."


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> EventsInput:
    del folder, name
    return read_scenario(as_mapping(document, where, "a scenario"), where)


def _run(given: EventsInput) -> Outcome:
    result = simulate(given)
    return Outcome(facts=facts(result), notes=result.notes, summary=summary(result), result=result)


SIMULATOR = Simulator(
    name="events",
    facts=FACTS,
    ranked=(),
    build=_build,
    run=_run,
)
