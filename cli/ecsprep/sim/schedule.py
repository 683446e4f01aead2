"""When a scheduled action runs: Application Auto Scaling's `at(...)`, `rate(...)` and
`cron(...)` expressions, at one-minute resolution.

The syntax is PutScheduledAction's (Application Auto Scaling API reference,
"Schedule"): `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` with unit minute(s),
hour(s) or day(s), and `cron(Minutes Hours Day-of-month Month Day-of-week Year)`
with `*`, `?`, ranges, lists, `/` steps and JAN–DEC / SUN–SAT names. Times are in
the action's `Timezone` (UTC unless given). A rate schedule counts from the
action's StartTime, or from the start of the simulated timeline when it has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from ecsprep.sim.documents import Where

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # cron day-of-week 1–7
_RATE_UNITS = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}


@dataclass(frozen=True, slots=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: `?` or `*` (any day of the month)
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1 = Sunday … 7 = Saturday; None: any
    years: frozenset[int] | None

    def matches(self, when: datetime) -> bool:
        weekday = (when.isoweekday() % 7) + 1  # Sunday 1 … Saturday 7
        return (
            when.minute in self.minutes
            and when.hour in self.hours
            and when.month in self.months
            and (self.days is None or when.day in self.days)
            and (self.weekdays is None or weekday in self.weekdays)
            and (self.years is None or when.year in self.years)
        )


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule expression, as given (`text`) and as the simulator runs it."""

    text: str
    at: datetime | None = None  # one time (naive: in the action's time zone)
    every: int | None = None  # rate: minutes between runs
    cron: Cron | None = None

    def due(self, local: datetime, since: datetime) -> bool:
        """Whether the action runs in the minute that starts at `local` (the action's
        time zone, naive); `since` is where a rate schedule counts from."""
        if self.at is not None:
            return local == self.at
        if self.every is not None:
            elapsed = int((local - since).total_seconds() // 60)
            return elapsed >= 0 and elapsed % self.every == 0
        assert self.cron is not None
        return self.cron.matches(local)


def parse_schedule(text: str, where: Where, service: str = "Application Auto Scaling") -> Schedule:
    text = text.strip()
    found = re.fullmatch(r"(at|rate|cron)\((.*)\)", text)
    if not found:
        raise where.refuse(
            f"{text!r} is not a schedule expression",
            "use at(2024-05-06T08:00:00), rate(5 minutes) or cron(0 8 ? * MON-FRI *)",
        )
    kind, body = found.group(1), found.group(2).strip()
    if kind == "at":
        try:
            when = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise where.refuse(
                f"at({body}) is not a time in the form yyyy-mm-ddThh:mm:ss",
                "e.g. at(2024-05-06T08:00:00)",
            ) from None
        return Schedule(text, at=when.replace(second=0))
    if kind == "rate":
        parts = body.split()
        if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in _RATE_UNITS:
            raise where.refuse(
                f"rate({body}) is not 'rate(value unit)'",
                "the unit is minute(s), hour(s) or day(s): rate(5 minutes)",
            )
        value = int(parts[0])
        if value < 1:
            raise where.refuse("a rate must be a positive whole number", "e.g. rate(5 minutes)")
        return Schedule(text, every=value * _RATE_UNITS[parts[1]])
    return Schedule(text, cron=_parse_cron(body, where, service))


def _parse_cron(body: str, where: Where, service: str = "Application Auto Scaling") -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise where.refuse(
            f"cron({body}) has {len(fields)} fields; {service}'s cron has 6",
            "Minutes Hours Day-of-month Month Day-of-week Year, e.g. cron(0 8 ? * MON-FRI *)",
        )
    minute, hour, day, month, weekday, year = fields
    if day != "?" and weekday != "?":
        raise where.refuse(
            f"cron({body}): give ? in either day-of-month or day-of-week",
            "one of the two must be ?, e.g. cron(0 8 ? * MON-FRI *)",
        )
    return Cron(
        minutes=_field(minute, 0, 59, (), where, "minutes"),
        hours=_field(hour, 0, 23, (), where, "hours"),
        days=None if day in ("?", "*") else _field(day, 1, 31, (), where, "day-of-month"),
        months=_field(month, 1, 12, _MONTHS, where, "month"),
        weekdays=None if weekday in ("?", "*") else _field(weekday, 1, 7, _DAYS, where, "day"),
        years=None if year == "*" else _field(year, 1970, 2199, (), where, "year"),
    )


def _field(
    text: str, low: int, high: int, names: tuple[str, ...], where: Where, what: str
) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        stepped = "/" in part  # `5/1` is every minute from 5, not minute 5 alone
        if stepped:
            part, _, step_text = part.partition("/")
            if not step_text.isdigit() or int(step_text) < 1:
                raise where.refuse(f"cron {what} field {text!r}: a step must be a number")
            step = int(step_text)
        if part == "*":
            first, last = low, high
        elif "-" in part:
            start, _, end = part.partition("-")
            first, last = (
                _value(start, low, names, where, what),
                _value(end, low, names, where, what),
            )
        else:
            first = _value(part, low, names, where, what)
            last = high if stepped else first
        for value in (first, last):
            if not low <= value <= high:
                raise where.refuse(f"cron {what} field {text!r}: {value} is outside {low}–{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, low: int, names: tuple[str, ...], where: Where, what: str) -> int:
    if text.upper() in names:
        return names.index(text.upper()) + low
    if text.isdigit():
        return int(text)
    raise where.refuse(f"cron {what} field: {text!r} is not a number or a name")


def zone(name: str | None, where: Where) -> tzinfo:
    """The action's Timezone (an IANA name such as Europe/Paris); UTC when None."""
    if not name or name in ("UTC", "Etc/UTC"):
        return timezone.utc
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        raise where.refuse(
            f"{name!r} is not a time zone", "use an IANA name such as Europe/Paris"
        ) from None


def local_minute(moment: datetime, tz: tzinfo) -> datetime:
    """`moment` (aware, UTC) in the zone `tz`, without its zone (as cron reads it)."""
    return moment.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


MINUTE = timedelta(minutes=1)
