"""When schedules fire: EventBridge scheduled rules against EventBridge Scheduler.

Documented rules applied (docs/events.md has the page of each):

- a scheduled rule (PutRule with ScheduleExpression) takes `cron(...)` or `rate(...)`,
  always in UTC, at one-minute precision; it has no time zone, no one-time `at()`
  and no flexible time window; `rate(1 hours)` and `rate(5 hour)` are invalid (a value
  of 1 takes the singular unit, more the plural); scheduled rules live on the default
  event bus only;
- an EventBridge Scheduler schedule (CreateSchedule) takes `cron(...)`, `rate(...)` or
  the one-time `at(yyyy-mm-ddThh:mm:ss)`, evaluated in `ScheduleExpressionTimezone`
  (UTC by default) with daylight saving time: a cron time that doesn't exist when the
  clocks go forward is skipped, and a time that happens twice when they go back runs
  once; a rate schedule without StartDate starts when it is created; StartDate and
  EndDate bound the invocations; `FlexibleTimeWindow` is required: OFF invokes in the
  scheduled minute, FLEXIBLE with MaximumWindowInMinutes (1–1440) invokes at some point
  within that many minutes after the scheduled time.

Inferred (INF) and labelled in the output: a rule's rate schedule counts from the
rule's creation; where the clocks go back, the schedule runs at the first of the two
02:00s; where in a flexible window Scheduler invokes is not documented, so ecsprep
gives the window, never a guessed minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str
from ecsprep.sim.event_routing import unknown_parameter
from ecsprep.sim.schedule import Schedule, parse_schedule, zone

_CREATE_SCHEDULE = ("Name", "GroupName", "ScheduleExpression", "StartDate", "EndDate",
                    "Description", "ScheduleExpressionTimezone", "State", "KmsKeyArn",
                    "Target", "FlexibleTimeWindow", "ClientToken",
                    "ActionAfterCompletion")  # fmt: skip
MAX_MINUTES = 62 * 24 * 60  # two months of minutes at most
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Scheduled:
    name: str
    kind: str  # "rule" (EventBridge scheduled rule) or "schedule" (EventBridge Scheduler)
    expression: Schedule
    zone_name: str  # "UTC" for rules
    zone: tzinfo
    window: int  # flexible time window in minutes; 0 = OFF
    start: datetime | None  # StartDate (aware)
    end: datetime | None
    enabled: bool
    target: str


@dataclass(frozen=True, slots=True)
class Firing:
    name: str
    at: datetime  # aware UTC: the scheduled minute
    latest: datetime  # aware UTC: the end of the flexible window (= at when OFF)


@dataclass(frozen=True, slots=True)
class Timeline:
    start: datetime
    end: datetime
    created: datetime
    shown_in: str
    shown_zone: tzinfo


@dataclass(frozen=True, slots=True)
class Firings:
    timeline: Timeline
    schedules: tuple[Scheduled, ...]
    firings: tuple[Firing, ...]
    skipped: tuple[tuple[str, str], ...]  # (schedule, local time that didn't exist)
    notes: tuple[str, ...]

    def of(self, name: str) -> list[Firing]:
        return [f for f in self.firings if f.name == name]


def parse_time(text: object, where: Where) -> datetime:
    """An ISO 8601 timestamp; without an offset it is UTC (as the AWS CLI reads it)."""
    if isinstance(text, datetime):
        moment = text
    else:
        raw = as_str(text, where).strip()
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise where.refuse(
                f"{raw!r} is not a timestamp", "use ISO 8601, e.g. 2024-10-24T00:00:00Z"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(second=0, microsecond=0)


def read_timeline(raw: object, where: Where) -> Timeline:
    given = as_mapping(raw, where, "a timeline: {start, end}")
    for key in given:
        if key not in ("start", "end", "createdAt", "showIn"):
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "a timeline has start, end, createdAt and showIn"
            )
    start = parse_time(given.get("start"), where.key("start"))
    end = parse_time(given.get("end"), where.key("end"))
    if end <= start:
        raise where.key("end").refuse("the timeline ends before it starts")
    if (end - start) / _MINUTE > MAX_MINUTES:
        raise where.key("end").refuse("the timeline is longer than 62 days")
    created = (
        parse_time(given["createdAt"], where.key("createdAt")) if "createdAt" in given else start
    )
    shown = str(given.get("showIn") or "UTC")
    return Timeline(start, end, created, shown, zone(shown, where.key("showIn")))


def rule_schedule(
    name: str, expression: str, enabled: bool, target: str, where: Where
) -> Scheduled:
    text = expression.strip()
    if not text.startswith(("cron(", "rate(")):
        raise where.refuse(
            "Parameter ScheduleExpression is not valid.",
            "a scheduled rule takes cron(...) or rate(...); "
            "one-time at() is EventBridge Scheduler's",
        )
    if text.startswith("rate("):
        parts = text[5:-1].split()
        if len(parts) == 2 and parts[0].isdigit():
            singular = parts[1] in ("minute", "hour", "day")
            if (int(parts[0]) == 1) != singular:
                raise where.refuse(
                    "Parameter ScheduleExpression is not valid.",
                    "a value of 1 takes minute/hour/day, larger values minutes/hours/days",
                )
    parsed = parse_schedule(text, where, "EventBridge")
    return Scheduled(name, "rule", parsed, "UTC", timezone.utc, 0, None, None, enabled, target)


def read_schedules(raw: object, where: Where) -> tuple[Scheduled, ...]:
    found = []
    names: set[str] = set()
    for position, item in enumerate(as_list(raw, where, "a list of CreateSchedule requests")):
        at = where.index(position)
        request = as_mapping(item, at, "a CreateSchedule request")
        for key in request:
            if key not in _CREATE_SCHEDULE:
                raise unknown_parameter(str(key), _CREATE_SCHEDULE, at)
        for key in ("Name", "ScheduleExpression", "Target", "FlexibleTimeWindow"):
            if key not in request:
                raise at.refuse(
                    f'Parameter validation failed: Missing required parameter in input: "{key}"'
                )
        name = as_str(request["Name"], at.key("Name"))
        if name in names:
            raise at.key("Name").refuse(f"two schedules are named {name!r}")
        names.add(name)
        zone_name = str(request.get("ScheduleExpressionTimezone") or "UTC")
        tz = zone(zone_name, at.key("ScheduleExpressionTimezone"))
        expression = parse_schedule(
            as_str(request["ScheduleExpression"], at.key("ScheduleExpression")),
            at.key("ScheduleExpression"),
            "EventBridge Scheduler",
        )
        flexible = as_mapping(request["FlexibleTimeWindow"], at.key("FlexibleTimeWindow"))
        mode = flexible.get("Mode")
        window = 0
        if mode == "FLEXIBLE":
            if "MaximumWindowInMinutes" not in flexible:
                raise at.key("FlexibleTimeWindow").refuse(
                    "MaximumWindowInMinutes is required when Mode is FLEXIBLE",
                    "e.g. {Mode: FLEXIBLE, MaximumWindowInMinutes: 15}",
                )
            window = as_int(
                flexible["MaximumWindowInMinutes"],
                at.key("FlexibleTimeWindow.MaximumWindowInMinutes"),
                minimum=1,
            )
            if window > 1440:
                raise at.key("FlexibleTimeWindow.MaximumWindowInMinutes").refuse(
                    f"{window} is above the maximum of 1440"
                )
        elif mode != "OFF":
            raise at.key("FlexibleTimeWindow.Mode").refuse(
                f"Value {mode!r} at 'flexibleTimeWindow.mode' failed to satisfy constraint: "
                "Member must satisfy enum value set: [OFF, FLEXIBLE]"
            )
        target = as_mapping(request["Target"], at.key("Target"))
        for key in ("Arn", "RoleArn"):
            if key not in target:
                raise at.key("Target").refuse(
                    f'Parameter validation failed: Missing required parameter in input: "{key}"'
                )
        start = (
            parse_time(request["StartDate"], at.key("StartDate"))
            if "StartDate" in request
            else None
        )
        end = parse_time(request["EndDate"], at.key("EndDate")) if "EndDate" in request else None
        state = str(request.get("State") or "ENABLED")
        found.append(
            Scheduled(
                name,
                "schedule",
                expression,
                zone_name,
                tz,
                window,
                start,
                end,
                state == "ENABLED",
                str(target["Arn"]),
            )
        )
    return tuple(found)


def fire(schedules: tuple[Scheduled, ...], timeline: Timeline) -> Firings:
    firings: list[Firing] = []
    skipped: list[tuple[str, str]] = []
    notes: list[str] = []
    for item in schedules:
        if not item.enabled:
            notes.append(f"{item.name} is DISABLED: it never fires")
            continue
        times, gaps, twice = _times(item, timeline)
        if twice:
            notes.append(
                f"{item.name}: {', '.join(twice)} happens twice in {item.zone_name} (the clocks "
                "go back); EventBridge Scheduler runs once, ecsprep at the first (INF)"
            )
        for moment in times:
            firings.append(Firing(item.name, moment, moment + item.window * _MINUTE))
        skipped.extend((item.name, gap) for gap in gaps)
        if gaps:
            notes.append(
                f"{item.name}: {', '.join(gaps)} doesn't exist in {item.zone_name} (the clocks "
                "go forward), so EventBridge Scheduler skips that invocation"
            )
        if item.window:
            notes.append(
                f"{item.name}: flexible time window of {item.window} min; AWS doesn't say where "
                "in the window it invokes, so ecsprep shows the window, not a minute (INF)"
            )
        if item.expression.every is not None and item.kind == "rule":
            notes.append(
                f"{item.name}: a rule's rate counts from its creation (INF: not documented)"
            )
    firings.sort(key=lambda f: (f.at, f.name))
    return Firings(timeline, schedules, tuple(firings), tuple(skipped), tuple(notes))


def _times(item: Scheduled, timeline: Timeline) -> tuple[list[datetime], list[str], list[str]]:
    start = max(timeline.start, item.start) if item.start else timeline.start
    end = min(timeline.end, item.end) if item.end else timeline.end
    schedule = item.expression
    found: list[datetime] = []
    if schedule.every is not None:
        since = item.start or timeline.created
        step = schedule.every * _MINUTE
        moment = since
        if moment < start:
            moment += ((start - moment + step - _MINUTE) // step) * step
        while moment < end:
            found.append(moment)
            moment += step
        return found, [], []
    seen_local: set[datetime] = set()
    twice: list[str] = []
    moment = start
    while moment < end:
        local = moment.astimezone(item.zone).replace(tzinfo=None)
        if _due(schedule, local):
            if local in seen_local:  # a local time that happens twice runs once (the first)
                twice.append(local.strftime("%Y-%m-%d %H:%M"))
            else:
                seen_local.add(local)
                found.append(moment)
        moment += _MINUTE
    gaps = _gaps(item, start, end, schedule)
    return found, gaps, twice


def _due(schedule: Schedule, local: datetime) -> bool:
    if schedule.at is not None:
        return local == schedule.at
    assert schedule.cron is not None
    return schedule.cron.matches(local)


def _gaps(item: Scheduled, start: datetime, end: datetime, schedule: Schedule) -> list[str]:
    """Local minutes the expression names that the clocks skip (spring forward)."""
    if item.zone is timezone.utc:
        return []
    gaps = []
    moment = start
    while moment < end:
        before = moment.astimezone(item.zone).replace(tzinfo=None)
        after = (moment + _MINUTE).astimezone(item.zone).replace(tzinfo=None)
        probe = before + _MINUTE
        while probe < after:  # local minutes that never happen
            if _due(schedule, probe):
                gaps.append(probe.strftime("%Y-%m-%d %H:%M"))
            probe += _MINUTE
        moment += _MINUTE
    return gaps


def window_text(firing: Firing, zone_: tzinfo) -> str:
    first = firing.at.astimezone(zone_).strftime("%H:%M")
    if firing.latest == firing.at:
        return first
    return f"{first}-{firing.latest.astimezone(zone_).strftime('%H:%M')}"


def facts(result: Firings) -> dict[str, object]:
    shown = result.timeline.shown_zone
    names = [s.name for s in result.schedules]
    fires: dict[str, object] = {}
    fires_at: dict[str, object] = {}
    local_times: dict[str, object] = {}
    windows: dict[str, object] = {}
    for name in names:
        mine = result.of(name)
        fires[name] = len(mine)
        fires_at[name] = [f.at.strftime("%Y-%m-%dT%H:%MZ") for f in mine]
        local_times[name] = sorted({f.at.astimezone(shown).strftime("%H:%M") for f in mine})
        windows[name] = sorted({window_text(f, shown) for f in mine})
    return {
        "fires": fires,
        "fires_at": fires_at,
        "local_times": local_times,
        "start_windows": windows,
        "skipped": {name: [g for n, g in result.skipped if n == name] for name in names},
    }
