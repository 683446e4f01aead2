"""Service Auto Scaling over a metric timeline: what Application Auto Scaling does to an
ECS service's desired count, minute by minute, and why.

The input (`ScalingInput`, read from AWS's request shapes by `sim.scaling_input`) is a
scalable target (MinCapacity, MaxCapacity), target tracking and step scaling policies,
the CloudWatch alarms that invoke the step policies, scheduled actions, the service's
starting desired count (and optionally how many tasks the cluster can place), and a
workload timeline. The workload is given as work, not as metric values: total CPU and
memory demand, requests per minute, visible queue messages and any other metric by name.
Per-task metrics (ECSServiceAverageCPUUtilization, ALBRequestCountPerTarget, backlog per
task) are that work divided by the tasks running in the minute, so adding tasks lowers
them, as it does in AWS.

Every rule is either documented (docs/scaling.md gives the page for each) or an
inferred choice, labelled INF (the constants below) and in the notes of each run that relies on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from ecsprep.sim.metric_math import Expr, evaluate

if TYPE_CHECKING:
    from datetime import tzinfo

    from ecsprep.sim.schedule import Schedule

# Inferred choices, shown with every run that relies on them (docs/scaling.md).
TT_FORMULA = (
    "INF target tracking's arithmetic isn't documented: ecsprep sets "
    "desired = ceil(desired × metric ÷ target), from the newest datapoint"
)
TT_ALARMS = (
    "INF the alarms target tracking creates: ecsprep scales out after 3 consecutive "
    "1-minute datapoints above the target and scales in after 15 below it"
)
TT_COOLDOWN = (
    "INF during its ScaleOutCooldown a target tracking policy doesn't scale out again "
    "(AWS says only that the capacity just added counts toward the next scale-out)"
)
TT_SCALE_IN_ALL = (
    "INF a target tracking policy scales in only when every target tracking policy with "
    "scale-in enabled wants to (as EC2 Auto Scaling documents); step policies aren't held back"
)
TASKS_START = (
    "INF new tasks run from the next minute, and the work divides evenly over running tasks"
)
NO_TASKS = "INF with no task running, per-task metrics have no datapoint"
_PER_TASK = ("cpu_per_task", "memory_per_task", "requests_per_task", "backlog_per_task")


class Direction(str, Enum):
    OUT = "scale-out"
    IN = "scale-in"


@dataclass(frozen=True, slots=True)
class Metric:
    """What a policy or alarm watches: an expression over workload quantities.

    `inputs` maps each Id the expression names to a quantity of the workload:
    `cpu_per_task`, `memory_per_task`, `requests_per_task`, `requests`, `messages`,
    `running` or `metric:<MetricName>` (any other metric, read from the timeline)."""

    label: str  # e.g. "ECSServiceAverageCPUUtilization" or "m1 / m2"
    expression: Expr
    inputs: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class TargetTracking:
    name: str
    metric: Metric
    target: float
    scale_out_cooldown: int  # seconds
    scale_in_cooldown: int
    disable_scale_in: bool = False


class AdjustmentType(str, Enum):
    CHANGE = "ChangeInCapacity"
    EXACT = "ExactCapacity"
    PERCENT = "PercentChangeInCapacity"


@dataclass(frozen=True, slots=True)
class Step:
    lower: float | None  # MetricIntervalLowerBound (None: minus infinity)
    upper: float | None  # MetricIntervalUpperBound (None: infinity)
    adjustment: int

    def holds(self, breach: float, below: bool) -> bool:
        """Whether `breach` (metric − threshold) falls in this step. Above the threshold
        the lower bound is inclusive and the upper exclusive; below it (`below`: a breach
        under 0, or of 0 for a LessThanOrEqualToThreshold alarm), the reverse."""
        low = -math.inf if self.lower is None else self.lower
        high = math.inf if self.upper is None else self.upper
        if not below:
            return low <= breach < high
        return low < breach <= high


@dataclass(frozen=True, slots=True)
class StepPolicy:
    name: str
    adjustment_type: AdjustmentType
    steps: tuple[Step, ...]
    cooldown: int  # seconds
    min_magnitude: int | None = None


class Comparison(str, Enum):
    GT = "GreaterThanThreshold"
    GE = "GreaterThanOrEqualToThreshold"
    LT = "LessThanThreshold"
    LE = "LessThanOrEqualToThreshold"

    def breaches(self, value: float, threshold: float) -> bool:
        if self is Comparison.GT:
            return value > threshold
        if self is Comparison.GE:
            return value >= threshold
        if self is Comparison.LT:
            return value < threshold
        return value <= threshold

    @property
    def symbol(self) -> str:
        return {"GT": ">", "GE": "≥", "LT": "<", "LE": "≤"}[self.name]


@dataclass(frozen=True, slots=True)
class Alarm:
    name: str
    metric: Metric
    statistic: str  # Average, Sum, Minimum, Maximum, SampleCount
    period: int  # minutes
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: Comparison
    actions: tuple[str, ...]  # policy names (from the AlarmActions ARNs)


@dataclass(frozen=True, slots=True)
class ScheduledAction:
    name: str
    schedule: Schedule
    zone: tzinfo
    min_capacity: int | None
    max_capacity: int | None
    start: datetime | None = None  # aware
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class LoadPoint:
    at: int  # minute from the start
    values: Mapping[str, float]  # cpu, memory, requests, messages, metric:<Name>


@dataclass(frozen=True, slots=True)
class ScalingInput:
    resource_id: str
    min_capacity: int
    max_capacity: int
    desired: int  # the service's desired count at the start
    start: datetime  # aware (UTC)
    minutes: int
    load: tuple[LoadPoint, ...]
    target_tracking: tuple[TargetTracking, ...] = ()
    step_policies: tuple[StepPolicy, ...] = ()
    alarms: tuple[Alarm, ...] = ()
    scheduled: tuple[ScheduledAction, ...] = ()
    capacity: int | None = None  # the most tasks the cluster can place (None: no limit)
    seconds_per_message: float | None = None  # one task's processing time per message
    description: str = ""


@dataclass(frozen=True, slots=True)
class Minute:
    """One minute of the run: the counts in force during it and what was measured."""

    t: int
    clock: str
    desired: int
    running: int
    min_capacity: int
    max_capacity: int
    metrics: Mapping[str, float | None]  # policy or alarm name → its datapoint
    alarms: Mapping[str, str]  # alarm name → ALARM / OK / INSUFFICIENT_DATA


@dataclass(frozen=True, slots=True)
class Activity:
    """A change of the desired count: by a policy, a scheduled action or the target's bounds."""

    t: int
    clock: str
    before: int
    after: int
    cause: str  # policy or scheduled action name, or "RegisterScalableTarget"
    why: str

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Event:
    """A decision that didn't change the count, or a reason worth reading (the trace)."""

    t: int
    clock: str
    text: str


@dataclass(frozen=True, slots=True)
class ScalingResult:
    input: ScalingInput
    minutes: tuple[Minute, ...]
    activities: tuple[Activity, ...]
    events: tuple[Event, ...]
    notes: tuple[str, ...]
    held_by_max: bool
    scaled_out_in_cooldown: bool
    final_desired: int
    final_running: int
    final_values: Mapping[str, float | None] = field(default_factory=dict)

    def minute_of(self, key: object) -> int | None:
        """The minute a condition names: a minute number, `HH:MM` (its first occurrence)
        or the full clock label."""
        if isinstance(key, int) and not isinstance(key, bool):
            return key if 0 <= key < len(self.minutes) else None
        text = str(key).strip()
        if text.isdigit():
            return self.minute_of(int(text))
        for row in self.minutes:
            if row.clock == text or row.clock.endswith(" " + text):
                return row.t
        return None


def simulate(given: ScalingInput) -> ScalingResult:
    return _Run(given).run()


class _Run:
    def __init__(self, given: ScalingInput) -> None:
        self.given = given
        self.min = given.min_capacity
        self.max = given.max_capacity
        self.desired = given.desired
        self.history: dict[str, list[float | None]] = {}  # per policy / alarm: datapoints
        self.raw: dict[str, list[float | None]] = {}  # per alarm: 1-minute values
        self.out_cooldown: dict[str, tuple[int, int]] = {}  # policy → (ends at second, base)
        self.in_cooldown: dict[str, int] = {}  # policy → ends at second
        self.activities: list[Activity] = []
        self.events: list[Event] = []
        self.last_event: dict[str, str] = {}
        self.rows: list[Minute] = []
        self.held_by_max = False
        self.out_in_cooldown = False
        self.notes: list[str] = []
        self.labels = _clock_labels(given.start, given.minutes)
        self.values = _load_by_minute(given.load, given.minutes)

    # --- the run ---------------------------------------------------------------

    def run(self) -> ScalingResult:
        given = self.given
        clamped = min(max(self.desired, self.min), self.max)
        if clamped != self.desired:
            self._activity(
                0,
                clamped,
                "RegisterScalableTarget",
                "the desired count is brought "
                f"inside MinCapacity {self.min}–MaxCapacity {self.max}",
            )
        if given.target_tracking:
            self.notes += [TT_FORMULA, TT_ALARMS, TT_COOLDOWN]
            if len(given.target_tracking) > 1:
                self.notes.append(TT_SCALE_IN_ALL)
        self.notes.append(TASKS_START)
        final_values: dict[str, float | None] = {}
        for t in range(given.minutes):
            self._scheduled(t)
            running = self._running()
            load = self.values[t]
            measured: dict[str, float | None] = {}
            for policy in given.target_tracking:
                measured[policy.name] = self._measure(policy.metric, load, running)
                self.history.setdefault(policy.name, []).append(measured[policy.name])
            states = {alarm.name: self._alarm_state(alarm, load, running) for alarm in given.alarms}
            for alarm in given.alarms:
                measured[alarm.name] = self._alarm_value(alarm)
            final_values = _quantities(load, running, given.seconds_per_message)
            self.rows.append(
                Minute(
                    t, self.labels[t], self.desired, running, self.min, self.max, measured, states
                )
            )
            self._decide(t, measured, states)
        if any(row.running < row.desired for row in self.rows):
            self.notes.append(
                "Service Auto Scaling only changes the desired count: tasks the cluster can't "
                "place stay PENDING until capacity is added (cluster auto scaling)"
            )
        return ScalingResult(
            input=given,
            minutes=tuple(self.rows),
            activities=tuple(self.activities),
            events=tuple(self.events),
            notes=tuple(dict.fromkeys(self.notes)),
            held_by_max=self.held_by_max,
            scaled_out_in_cooldown=self.out_in_cooldown,
            final_desired=self.desired,
            final_running=self._running(),
            final_values=final_values,
        )

    def _running(self) -> int:
        cap = self.given.capacity
        return self.desired if cap is None else min(self.desired, cap)

    # --- scheduled actions -------------------------------------------------------

    def _scheduled(self, t: int) -> None:
        moment = self.given.start + timedelta(minutes=t)
        from ecsprep.sim.schedule import local_minute

        for action in self.given.scheduled:
            if action.start is not None and moment < action.start:
                continue
            if action.end is not None and moment > action.end:
                continue
            local = local_minute(moment, action.zone)
            since = local_minute(action.start or self.given.start, action.zone)
            if not action.schedule.due(local, since):
                continue
            said = []
            if action.min_capacity is not None:
                self.min = action.min_capacity
                said.append(f"MinCapacity {self.min}")
            if action.max_capacity is not None:
                self.max = action.max_capacity
                said.append(f"MaxCapacity {self.max}")
            if self.min > self.max:
                self.max = self.min
                self.notes.append(
                    "INF a scheduled MinCapacity above the MaxCapacity in force raises the "
                    "maximum to it"
                )
            self._event(
                t, action.name, f"{action.name} ({action.schedule.text}) sets " + " and ".join(said)
            )
            if self.desired < self.min:
                self._activity(t, self.min, action.name, f"below the new MinCapacity {self.min}")
            elif self.desired > self.max:
                self._activity(t, self.max, action.name, f"above the new MaxCapacity {self.max}")

    # --- metrics and alarms --------------------------------------------------------

    def _measure(self, metric: Metric, load: Mapping[str, float], running: int) -> float | None:
        quantities = _quantities(load, running, None)
        if running == 0 and any(source in _PER_TASK for source in metric.inputs.values()):
            self.notes.append(NO_TASKS)
        values = {ident: quantities.get(source) for ident, source in metric.inputs.items()}
        return evaluate(metric.expression, values)

    def _alarm_state(self, alarm: Alarm, load: Mapping[str, float], running: int) -> str:
        self.raw.setdefault(alarm.name, []).append(self._measure(alarm.metric, load, running))
        raw = self.raw[alarm.name]
        points: list[float | None] = []
        for n in range(alarm.evaluation_periods):
            end = len(raw) - n * alarm.period
            if end < alarm.period:
                break
            window = [v for v in raw[end - alarm.period : end] if v is not None]
            points.append(_statistic(alarm.statistic, window) if window else None)
        self.history[alarm.name] = points  # newest first
        present = [p for p in points if p is not None]
        breaching = sum(1 for p in present if alarm.comparison.breaches(p, alarm.threshold))
        if breaching >= alarm.datapoints_to_alarm:
            return "ALARM"
        if not present:
            return "INSUFFICIENT_DATA"
        return "OK"

    def _alarm_value(self, alarm: Alarm) -> float | None:
        points = self.history.get(alarm.name) or []
        return points[0] if points else None

    # --- decisions ----------------------------------------------------------------

    def _decide(
        self, t: int, measured: Mapping[str, float | None], states: Mapping[str, str]
    ) -> None:
        now = t * 60
        outs: list[tuple[int, str, str]] = []  # (wanted desired count, cause, why)
        ins: list[tuple[int, str, str, bool]] = []  # (..., from target tracking)
        tt_ready_in = []
        for policy in self.given.target_tracking:
            wanted = self._target_tracking(t, now, policy, measured[policy.name])
            if wanted is None:
                continue
            count, why = wanted
            if count > self.desired:
                outs.append((count, policy.name, why))
            elif count < self.desired:
                ins.append((count, policy.name, why, True))
                tt_ready_in.append(policy.name)
        for alarm in self.given.alarms:
            if states[alarm.name] != "ALARM":
                continue
            value = measured[alarm.name]
            for name in alarm.actions:
                step = next((p for p in self.given.step_policies if p.name == name), None)
                if step is None or value is None:
                    continue
                wanted = self._step(t, now, step, alarm, value)
                if wanted is None:
                    continue
                count, why = wanted
                if count > self.desired:
                    outs.append((count, step.name, why))
                elif count < self.desired:
                    ins.append((count, step.name, why, False))
        if outs:
            count, cause, why = max(outs, key=lambda o: o[0])
            if count > self.max:
                self.held_by_max = True
                self._event(t, cause, f"{cause} wants {count}: held at MaxCapacity {self.max}")
                count = self.max
            if count > self.desired:
                before = self.desired
                if self.in_cooldown and any(end > now for end in self.in_cooldown.values()):
                    self.out_in_cooldown = True
                    why += "; a scale-out isn't held back by a scale-in cooldown, and ends it"
                self.in_cooldown.clear()
                self._activity(t, count, cause, why)
                cooldown = self._cooldown_of(cause, Direction.OUT)
                running = self.out_cooldown.get(cause)
                if cooldown and not (running and running[0] > now):
                    # a scale-out inside the cooldown (a larger step) keeps the cooldown that
                    # the initiating scale-out started, and its starting capacity
                    self.out_cooldown[cause] = (now + cooldown, before)
            return
        if not ins:
            return
        enabled = [p.name for p in self.given.target_tracking if not p.disable_scale_in]
        allowed = [i for i in ins if not i[3] or set(enabled) <= set(tt_ready_in)]
        for held in (i for i in ins if i not in allowed):
            self._event(
                t,
                held[1],
                f"{held[1]} wants {held[0]}: another target tracking policy "
                "doesn't want to scale in",
            )
        if not allowed:
            return
        count, cause, why, _ = max(allowed, key=lambda i: i[0])
        if count < self.min:
            self._event(t, cause, f"{cause} wants {count}: held at MinCapacity {self.min}")
            count = self.min
        if count < self.desired:
            self._activity(t, count, cause, why)
            cooldown = self._cooldown_of(cause, Direction.IN)
            if cooldown:
                self.in_cooldown[cause] = now + cooldown

    def _cooldown_of(self, name: str, direction: Direction) -> int:
        for policy in self.given.target_tracking:
            if policy.name == name:
                if direction is Direction.OUT:
                    return policy.scale_out_cooldown
                return policy.scale_in_cooldown
        for step in self.given.step_policies:
            if step.name == name:
                return step.cooldown
        return 0

    def _target_tracking(
        self, t: int, now: int, policy: TargetTracking, value: float | None
    ) -> tuple[int, str] | None:
        points = self.history[policy.name]
        if value is None:
            self._event(
                t, policy.name, f"{policy.name}: no datapoint (INSUFFICIENT_DATA), so no scaling"
            )
            return None
        high = len(points) >= 3 and all(p is not None and p > policy.target for p in points[-3:])
        low = len(points) >= 15 and all(p is not None and p < policy.target for p in points[-15:])
        if not (high or low):
            self.last_event.pop(policy.name, None)
            return None
        wanted = max(0, math.ceil(self.desired * value / policy.target - 1e-9))
        arithmetic = (
            f"{policy.metric.label} {_number(value)} vs target {_number(policy.target)}: "
            f"ceil({self.desired} × {_number(value)} ÷ {_number(policy.target)}) = {wanted} (INF)"
        )
        if high:
            cooling = self.out_cooldown.get(policy.name)
            if cooling and cooling[0] > now and wanted > self.desired:
                self._event(
                    t,
                    policy.name,
                    f"{policy.name} wants {wanted}: in its "
                    f"ScaleOutCooldown until {self._clock_at(cooling[0])}",
                )
                return None
            return wanted, arithmetic
        if policy.disable_scale_in:
            if wanted < self.desired:
                self._event(
                    t,
                    policy.name,
                    f"{policy.name} would scale in to {wanted}: DisableScaleIn is true",
                )
            return None
        ends = self.in_cooldown.get(policy.name)
        if ends and ends > now and wanted < self.desired:
            self._event(
                t,
                policy.name,
                f"{policy.name} wants {wanted}: in its ScaleInCooldown "
                f"until {self._clock_at(ends)}",
            )
            return None
        return wanted, arithmetic

    def _step(
        self, t: int, now: int, policy: StepPolicy, alarm: Alarm, value: float
    ) -> tuple[int, str] | None:
        breach = value - alarm.threshold
        # At the threshold itself the alarm's side decides (StepAdjustment: with
        # "less than or equal to 50", a step from -10 to 0 holds at 50)
        below = breach < 0 or (breach == 0 and alarm.comparison is Comparison.LE)
        step = next((s for s in policy.steps if s.holds(breach, below)), None)
        if step is None:
            self._event(
                t,
                policy.name,
                f"{policy.name}: {alarm.name} at {_number(value)} matches no step adjustment",
            )
            return None
        base = self.desired
        cooling = self.out_cooldown.get(policy.name)
        in_out_cooldown = cooling is not None and cooling[0] > now
        if in_out_cooldown and cooling is not None:
            base = cooling[1]  # the capacity added since counts toward this scale-out
        wanted = _adjust(policy, base, step.adjustment)
        why = (
            f"{alarm.name} in ALARM ({alarm.metric.label} {_number(value)} "
            f"{alarm.comparison.symbol} {_number(alarm.threshold)}): step "
            f"{_bounds(step, below)} → {policy.adjustment_type.value} {step.adjustment:+d}"
        )
        exact = policy.adjustment_type is AdjustmentType.EXACT
        if not exact and (step.adjustment >= 0) != (wanted > self.desired):
            # a positive step only adds: the capacity added in its cooldown (or removed by
            # another policy since) never turns it into a scale-in, nor a negative one back;
            # a step of 0 changes nothing
            if in_out_cooldown and step.adjustment > 0:
                self._event(
                    t,
                    policy.name,
                    f"{policy.name}: in its Cooldown, the {base}→"
                    f"{self.desired} already there covers {step.adjustment:+d}",
                )
            return None
        if wanted > self.desired:
            if in_out_cooldown:
                why += f" from {base} (the capacity added in the cooldown counts)"
            return wanted, why
        if wanted < self.desired:
            ends = self.in_cooldown.get(policy.name, 0)
            if ends > now:
                self._event(
                    t,
                    policy.name,
                    f"{policy.name} wants {wanted}: in its Cooldown until {self._clock_at(ends)}",
                )
                return None
            return wanted, why
        if in_out_cooldown:
            self._event(
                t,
                policy.name,
                f"{policy.name}: in its Cooldown, the {base}→"
                f"{self.desired} already added covers {step.adjustment:+d}",
            )
        return None

    # --- records ------------------------------------------------------------------

    def _activity(self, t: int, after: int, cause: str, why: str) -> None:
        self.activities.append(Activity(t, self.labels[t], self.desired, after, cause, why))
        self.desired = after
        self.last_event.pop(cause, None)

    def _event(self, t: int, key: str, text: str) -> None:
        """Record a reason, once until it changes (a held count isn't repeated every minute)."""
        kind = re.sub(r"[\d.]+", "#", text)
        if self.last_event.get(key) == kind:
            return
        self.last_event[key] = kind
        self.events.append(Event(t, self.labels[t], text))

    def _clock_at(self, second: int) -> str:
        minute = math.ceil(second / 60)
        if minute < len(self.labels):
            return self.labels[minute]
        return _clock(self.given.start, minute, self.given.minutes)


def _adjust(policy: StepPolicy, current: int, adjustment: int) -> int:
    if policy.adjustment_type is AdjustmentType.EXACT:
        return adjustment
    if policy.adjustment_type is AdjustmentType.CHANGE:
        return max(0, current + adjustment)
    change = current * adjustment / 100
    if 0 < change < 1:
        step = 1
    elif change >= 1:
        step = math.floor(change)
    elif -1 < change < 0:
        step = -1
    else:
        step = math.ceil(change)
    if policy.min_magnitude and step and abs(step) < policy.min_magnitude:
        step = policy.min_magnitude if step > 0 else -policy.min_magnitude
    return max(0, current + step)


def _statistic(name: str, values: list[float]) -> float:
    if name == "Sum":
        return sum(values)
    if name == "Minimum":
        return min(values)
    if name == "Maximum":
        return max(values)
    if name == "SampleCount":
        return float(len(values))
    return sum(values) / len(values)


def _quantities(
    load: Mapping[str, float], running: int, seconds_per_message: float | None
) -> dict[str, float | None]:
    """The workload quantities a metric can name, with `running` tasks sharing the work."""

    def per_task(key: str) -> float | None:
        if key not in load or running == 0:
            return None
        return load[key] / running

    found: dict[str, float | None] = {
        "cpu_per_task": per_task("cpu"),
        "memory_per_task": per_task("memory"),
        "requests_per_task": per_task("requests"),
        "requests": load.get("requests"),
        "messages": load.get("messages"),
        "backlog_per_task": per_task("messages"),
        "running": float(running),
    }
    backlog = found["backlog_per_task"]
    if seconds_per_message is not None and backlog is not None:
        found["wait_seconds"] = backlog * seconds_per_message
    for key, value in load.items():
        if key.startswith("metric:"):
            found[key] = value
    return found


def _load_by_minute(points: tuple[LoadPoint, ...], minutes: int) -> list[dict[str, float]]:
    """Each point's values hold until the next point changes them."""
    ordered = sorted(points, key=lambda p: p.at)
    current: dict[str, float] = {}
    found = []
    index = 0
    for t in range(minutes):
        while index < len(ordered) and ordered[index].at <= t:
            current = {**current, **ordered[index].values}
            index += 1
        found.append(current)
    return found


def _clock_labels(start: datetime, minutes: int) -> list[str]:
    return [_clock(start, t, minutes) for t in range(minutes)]


def _clock(start: datetime, t: int, minutes: int) -> str:
    """Minute `t` of a run of `minutes`: `HH:MM` for a run within one day, `YYYY-MM-DD
    HH:MM` when a clock time repeats (also for a time after the run's end)."""
    when = start + timedelta(minutes=t)
    return when.strftime("%H:%M" if minutes <= 24 * 60 else "%Y-%m-%d %H:%M")


def _number(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _bounds(step: Step, below: bool) -> str:
    """The step's interval as it holds: above the threshold the lower bound is inclusive
    and the upper exclusive, below it the reverse (`Step.holds`)."""
    low = "(-∞" if step.lower is None else ("(" if below else "[") + _number(step.lower)
    high = "+∞)" if step.upper is None else _number(step.upper) + ("]" if below else ")")
    return f"{low}, {high}"
