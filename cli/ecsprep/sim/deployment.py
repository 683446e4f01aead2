"""Service deployments step by step: rolling updates, the circuit breaker and deployment
alarms, CodeDeploy blue/green traffic shifting, and the ECS controller's own blue/green,
linear and canary strategies.

Pure functions over frozen values. Every decision is recorded as a `Step` (a timeline
entry with the counts after it and why), so a renderer can show the reasoning. Rules
come from the AWS documentation (docs/deployment.md cites each one); what AWS leaves
undocumented is a deliberate choice that the result lists in `inferred` (marked INF).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

# --- inputs -----------------------------------------------------------------------------


class Controller(str, Enum):
    ECS = "ECS"
    CODE_DEPLOY = "CODE_DEPLOY"
    EXTERNAL = "EXTERNAL"


class Strategy(str, Enum):
    ROLLING = "ROLLING"
    BLUE_GREEN = "BLUE_GREEN"
    LINEAR = "LINEAR"
    CANARY = "CANARY"


class TaskOutcome(str, Enum):
    """How the new revision's tasks behave (ecsprep's input: the release under test)."""

    HEALTHY = "HEALTHY"
    FAIL_TO_START = "FAIL_TO_START"  # never reach RUNNING (bad image, crashing entry point)
    FAIL_HEALTH_CHECKS = "FAIL_HEALTH_CHECKS"  # RUNNING, then fail ELB/Cloud Map/container checks


class ThresholdType(str, Enum):
    BOUNDED_PERCENT = "BOUNDED_PERCENT"
    UNBOUNDED_PERCENT = "UNBOUNDED_PERCENT"
    COUNT = "COUNT"


@dataclass(frozen=True, slots=True)
class CircuitBreaker:
    enable: bool = False
    rollback: bool = False
    reset_on_healthy_task: bool = True
    threshold_type: ThresholdType = ThresholdType.BOUNDED_PERCENT
    threshold_value: int = 50


@dataclass(frozen=True, slots=True)
class Alarms:
    names: tuple[str, ...] = ()
    enable: bool = False
    rollback: bool = False


@dataclass(frozen=True, slots=True)
class Release:
    """What the new revision does once it runs (not an AWS shape: the story of the question)."""

    tasks: TaskOutcome = TaskOutcome.HEALTHY
    alarms_in_alarm: tuple[str, ...] = ()  # CloudWatch alarms that go to ALARM on this version
    alarm_after_minutes: int = 0  # ... this long after production traffic first reaches it
    hook_status: tuple[str, ...] = ("SUCCEEDED",)  # what each hook returns, call by call


@dataclass(frozen=True, slots=True)
class Rolling:
    """A rolling update (the ECS controller's ROLLING strategy) or a draining instance."""

    desired: int
    minimum_healthy_percent: int = 100
    maximum_percent: int = 200
    old_tasks: int | None = None  # RUNNING tasks of the previous revision (default desired)
    capacity: int | None = None  # most tasks of the service the cluster holds at once
    breaker: CircuitBreaker = CircuitBreaker()
    alarms: Alarms = Alarms()
    release: Release = Release()
    old_revision: str = "previous"
    new_revision: str = "new"
    draining: bool = False  # replacing the tasks of a DRAINING instance, not a deployment


@dataclass(frozen=True, slots=True)
class Shift:
    """A traffic shifting plan: the first step and the rest."""

    kind: str  # AllAtOnce, TimeBasedCanary, TimeBasedLinear
    percent: float = 100.0  # canary: first step; linear: each step
    interval: int = 0  # minutes between steps


@dataclass(frozen=True, slots=True)
class CodeDeploy:
    """A CodeDeploy blue/green deployment of an ECS service (CODE_DEPLOY controller)."""

    config_name: str
    shift: Shift
    termination_wait: int = 0  # terminationWaitTimeInMinutes of the original task set
    test_listener: bool = False
    prod_listeners: int = 1
    alarms: tuple[str, ...] = ()  # alarms associated with the deployment group (enabled)
    rollback_events: tuple[str, ...] = ()  # DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM
    hooks: tuple[tuple[str, str], ...] = ()  # (lifecycle event, Lambda function), AppSpec order
    release: Release = Release()
    ecs_settings_ignored: tuple[str, ...] = ()  # service settings that don't apply here


@dataclass(frozen=True, slots=True)
class Native:
    """The ECS controller's own BLUE_GREEN, LINEAR or CANARY deployment."""

    strategy: Strategy
    shift: Shift
    bake_time: int = 0
    hooks: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (hook target, lifecycle stages)
    alarms: Alarms = Alarms()
    test_listener: bool = False
    release: Release = Release()
    ignored: tuple[str, ...] = ()  # settings given that this strategy doesn't use


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One entry of a deployment's timeline: what happened and the state after it."""

    at: str  # "step 3", "minute 5", a lifecycle stage
    action: str  # what happened, in words
    old: int | None = None  # old-revision tasks RUNNING after it (rolling)
    new: int | None = None  # new-revision tasks after it (rolling)
    production: float | None = None  # % of production traffic on the new version
    test: float | None = None  # % of test traffic on the new version
    why: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a deployment did: the timeline, the facts a check can name, and AWS's words."""

    kind: str  # rolling, codedeploy, native
    steps: tuple[Step, ...]
    facts: dict[str, object]
    notes: tuple[str, ...] = ()  # AWS's rules applied, in words
    inferred: tuple[str, ...] = ()  # undocumented choices this run rests on (INF)
    events: tuple[str, ...] = ()  # service events / EventBridge events AWS would send


# --- rolling update ---------------------------------------------------------------------

MAX_ROUNDS = 2000  # a rolling update that hasn't finished by then keeps going for ever (INF)

CONFIG_STUCK = (
    "service {name} was unable to stop or start tasks during a deployment because of the "
    "service deployment configuration. Update the minimumHealthyPercent or maximumPercent "
    "value and try again."
)
PLACE_STUCK = (
    "service {name} was unable to place a task because no container instance met all of its "
    "requirements."
)


def floor_tasks(desired: int, minimum_healthy_percent: int) -> int:
    """minimumHealthyPercent of desiredCount, rounded up (the healthy floor)."""
    return -(-desired * minimum_healthy_percent // 100)


def ceiling_tasks(desired: int, maximum_percent: int) -> int:
    """maximumPercent of desiredCount, rounded down (RUNNING + PENDING ceiling)."""
    return desired * maximum_percent // 100


def threshold(breaker: CircuitBreaker, desired: int) -> int:
    """The circuit breaker's failure threshold for this desired count.

    BOUNDED_PERCENT: value% of desired, rounded up, clamped to 3..200 (the default, 50);
    UNBOUNDED_PERCENT: the same without the bounds; COUNT: the value itself.
    """
    if breaker.threshold_type is ThresholdType.COUNT:
        return breaker.threshold_value
    raw = math.ceil(desired * breaker.threshold_value / 100)
    if breaker.threshold_type is ThresholdType.UNBOUNDED_PERCENT:
        return max(raw, 1)  # INF: AWS doesn't say what a threshold of 0 would mean
    return min(max(raw, 3), 200)


def rolling_update(spec: Rolling, name: str = "web") -> Outcome:
    """Replace the old tasks with new ones within the two bounds, step by step.

    Each step is decided from the state at its start (INF): stop the old tasks above the
    healthy floor, and start new tasks up to the ceiling, the free capacity and what is
    still missing. New tasks are healthy at the next step (INF: ECS overlaps steps).
    """
    desired = spec.desired
    floor = floor_tasks(desired, spec.minimum_healthy_percent)
    ceiling = ceiling_tasks(desired, spec.maximum_percent)
    old = desired if spec.old_tasks is None else spec.old_tasks
    room = spec.capacity
    breaker = spec.breaker
    limit = threshold(breaker, desired) if breaker.enable else None
    failing = spec.release.tasks is not TaskOutcome.HEALTHY
    notes = [
        f"floor: {spec.minimum_healthy_percent}% of {desired} rounded up = {floor} task(s) "
        "must stay RUNNING and healthy",
        f"ceiling: {spec.maximum_percent}% of {desired} rounded down = {ceiling} task(s) may "
        "be RUNNING or PENDING",
    ]
    inferred = [
        "each step is decided from the state at its start: old tasks above the floor stop, "
        "new tasks start up to the ceiling and the free capacity, and new tasks are healthy "
        "by the next step (INF: ECS overlaps these, the order isn't documented)",
    ]
    if room is not None:
        notes.append(f"capacity: the cluster holds at most {room} task(s) of this service")
    steps: list[Step] = []
    events: list[str] = []
    new = 0  # healthy tasks of the new revision
    failures = 0
    failed_total = 0
    state = "IN_PROGRESS"
    stuck_reason: str | None = None
    first_stop = first_start = None
    peak = old
    lowest = old
    rolled_back = False
    rolled_back_to: str | None = None
    failed_event = False
    alarm_fires = bool(set(spec.release.alarms_in_alarm) & set(spec.alarms.names)) and (
        spec.alarms.enable
    )
    if breaker.enable and limit is not None:
        notes.append(_threshold_note(breaker, desired, limit))
    for number in range(1, MAX_ROUNDS + 1):
        if new >= desired and old == 0:
            state = "COMPLETED"
            break
        stop = min(old, max(0, old + new - floor))
        total = old + new
        free = ceiling - total if room is None else min(ceiling, room) - total
        start = max(0, min(desired - new, free))
        if stop == 0 and start == 0:
            if ceiling <= total:
                stuck_reason = "configuration"
                events.append(CONFIG_STUCK.format(name=f"({name})"))
                why = (
                    f"the floor ({floor}) forbids stopping a task and the ceiling ({ceiling}) "
                    f"forbids starting one: {total} task(s) run"
                )
            else:
                stuck_reason = "capacity"
                events.append(PLACE_STUCK.format(name=f"({name})"))
                why = (
                    f"the floor ({floor}) forbids stopping a task and the cluster has no room "
                    f"for another (capacity {room}, {total} running)"
                )
            steps.append(Step(f"step {number}", "stuck", old, new, why=why))
            break
        if first_stop is None:
            first_stop, first_start = stop, start
        old -= stop
        lowest = min(lowest, old + new)
        peak = max(peak, old + new + start)
        if not failing:
            new += start
            action = _moves(stop, start)
            steps.append(
                Step(
                    f"step {number}",
                    action,
                    old,
                    new,
                    why=_why(stop, start, floor, ceiling, room, old + new),
                )
            )
            continue
        # The new tasks fail: each one counts toward the circuit breaker's threshold.
        failures += start
        failed_total += start
        verb = (
            "fail to reach RUNNING"
            if spec.release.tasks is TaskOutcome.FAIL_TO_START
            else "reach RUNNING, then fail their health checks and are replaced"
        )
        steps.append(
            Step(
                f"step {number}",
                _moves(stop, start) + f"; the {start} new task(s) {verb}",
                old,
                new,
                why=_why(stop, start, floor, ceiling, room, old + start)
                + (f"; failures counted: {min(failures, limit)} of {limit}" if limit else ""),
            )
        )
        if limit is not None and failures >= limit:
            failed_total = failed_total - (failures - limit)
            failures = limit
            state = "FAILED"
            failed_event = True
            events.append("SERVICE_DEPLOYMENT_FAILED (ECS Deployment State Change)")
            if breaker.rollback:
                rolled_back = True
                rolled_back_to = spec.old_revision
                events.append(
                    "SERVICE_DEPLOYMENT_IN_PROGRESS: a deployment started because of a rollback"
                )
                steps.append(
                    Step(
                        "circuit breaker",
                        f"FAILED after {limit} failed task(s); rollback to {spec.old_revision}",
                        why="the deployment stops launching tasks; with rollback, ECS redeploys "
                        "the last deployment that completed",
                    )
                )
            else:
                steps.append(
                    Step(
                        "circuit breaker",
                        f"FAILED after {limit} failed task(s); no rollback",
                        why="a FAILED deployment launches no new tasks; the old tasks keep running",
                    )
                )
            break
    else:
        inferred.append(
            f"the run stops after {MAX_ROUNDS} steps: without a circuit breaker ECS keeps "
            "launching replacement tasks and never marks the deployment FAILED"
        )
    if state == "IN_PROGRESS" and failing and not breaker.enable:
        notes.append(
            "without the circuit breaker (or alarms) ECS keeps launching new tasks; the "
            "deployment stays IN_PROGRESS and is never marked FAILED"
        )
    if alarm_fires and state != "FAILED" and stuck_reason is None:
        state = "FAILED"
        failed_event = True
        events.append("SERVICE_DEPLOYMENT_FAILED (deployment alarm in ALARM)")
        if spec.alarms.rollback:
            rolled_back = True
            rolled_back_to = spec.old_revision
        steps.append(
            Step(
                "alarm",
                "a deployment alarm went to ALARM: FAILED"
                + (f", rollback to {spec.old_revision}" if spec.alarms.rollback else ""),
                why="ECS watches the alarms named in deploymentConfiguration.alarms",
            )
        )
    elif spec.release.alarms_in_alarm and not alarm_fires:
        notes.append(
            "an alarm goes to ALARM, but ECS watches no deployment alarm of that name "
            "(deploymentConfiguration.alarms must name it and be enabled): the circuit breaker "
            "counts failed tasks, not metrics, so nothing fails the deployment"
        )
    replaced = min(new, desired) if not rolled_back else 0
    facts: dict[str, object] = {
        "floor": floor,
        "ceiling": ceiling,
        "threshold": limit,
        "rollout_state": state,
        "stuck": stuck_reason is not None,
        "stuck_reason": stuck_reason,
        "steps": len([s for s in steps if s.at.startswith("step") and s.action != "stuck"]),
        "first_stop": first_stop or 0,
        "first_start": first_start or 0,
        "peak_tasks": peak,
        "lowest_running": lowest,
        "replaced": replaced,
        "failed_tasks": failed_total,
        "rolled_back": rolled_back,
        "rolled_back_to": rolled_back_to,
        "failed_event": failed_event,
    }
    return Outcome("rolling", tuple(steps), facts, tuple(notes), tuple(inferred), tuple(events))


def _threshold_note(breaker: CircuitBreaker, desired: int, limit: int) -> str:
    kind, value = breaker.threshold_type, breaker.threshold_value
    if kind is ThresholdType.COUNT:
        return f"circuit breaker threshold: COUNT {value} = {limit} failed task(s)"
    raw = desired * value / 100
    bounds = " clamped to 3..200" if kind is ThresholdType.BOUNDED_PERCENT else ""
    return (
        f"circuit breaker threshold: {kind.value} {value}% of {desired} = {raw:g}, rounded "
        f"up{bounds} = {limit} failed task(s)"
    )


def _moves(stop: int, start: int) -> str:
    parts = []
    if stop:
        parts.append(f"stop {stop} old")
    if start:
        parts.append(f"start {start} new")
    return " and ".join(parts)


def _why(stop: int, start: int, floor: int, ceiling: int, room: int | None, total: int) -> str:
    reasons = []
    if stop:
        reasons.append(f"{stop} above the floor of {floor}")
    if start:
        bound = f"ceiling {ceiling}" if room is None or ceiling <= room else f"capacity {room}"
        reasons.append(f"{start} fit under the {bound}")
    return "; ".join(reasons) + f" ({total} task(s) after)"


# --- traffic shifting -------------------------------------------------------------------

PREDEFINED: dict[str, Shift] = {
    "CodeDeployDefault.ECSAllAtOnce": Shift("AllAtOnce"),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": Shift("TimeBasedCanary", 10, 5),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": Shift("TimeBasedCanary", 10, 15),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": Shift("TimeBasedLinear", 10, 1),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": Shift("TimeBasedLinear", 10, 3),
}


def shift_plan(shift: Shift) -> tuple[tuple[int, float], ...]:
    """(minute after the first production shift, % of production traffic on the new version)."""
    if shift.kind == "AllAtOnce" or shift.percent >= 100:
        return ((0, 100.0),)
    if shift.kind == "TimeBasedCanary":
        return ((0, shift.percent), (shift.interval, 100.0))
    plan = []
    percent, minute = 0.0, 0
    while percent < 100:
        percent = min(100.0, round(percent + shift.percent, 1))
        plan.append((minute, percent))
        minute += shift.interval
    return tuple(plan)


def traffic_at(plan: tuple[tuple[int, float], ...], minute: float) -> float:
    """The production share on the new version at a minute of the shift (0 before it)."""
    share = 0.0
    for at, percent in plan:
        if at <= minute:
            share = percent
    return share


# CodeDeploy's lifecycle events for ECS, in order; None marks an event with no hook.
CODEDEPLOY_EVENTS = (
    ("BeforeInstall", True),
    ("Install", False),
    ("AfterInstall", True),
    ("AllowTestTraffic", False),
    ("AfterAllowTestTraffic", True),
    ("BeforeAllowTraffic", True),
    ("AllowTraffic", False),
    ("AfterAllowTraffic", True),
)


def codedeploy(spec: CodeDeploy) -> Outcome:
    """A CodeDeploy blue/green deployment: lifecycle events, traffic over time, rollback."""
    plan = shift_plan(spec.shift)
    hooks = dict(spec.hooks)
    notes = [f"{spec.config_name}: " + _plan_words(plan)]
    inferred: list[str] = []
    steps: list[Step] = []
    replacement = False
    test = production = 0.0
    hook_traffic: dict[str, object] | None = None
    invoked = 0
    stopped = rolled_back = False
    status = _hook_answer(spec.release.hook_status)
    alarm_at = _alarm_minute(spec.release, spec.alarms)
    for event, scriptable in CODEDEPLOY_EVENTS:
        if event == "Install":
            replacement = True
            steps.append(Step(event, "replacement task set created; it serves no traffic yet"))
        elif event == "AllowTestTraffic":
            test = 100.0 if spec.test_listener else 0.0
            words = "the test listener routes to the replacement task set"
            steps.append(
                Step(event, words if spec.test_listener else "no test listener", test=test)
            )
        elif event == "AllowTraffic":
            for minute, share in plan:
                if alarm_at is not None and alarm_at < minute:
                    break
                production = share
                steps.append(
                    Step(
                        f"minute {minute}",
                        f"{share:g}% of production traffic",
                        test=test,
                        production=share,
                    )
                )
            if alarm_at is not None:
                stopped = True
                rolled_back = "DEPLOYMENT_STOP_ON_ALARM" in spec.rollback_events
                if rolled_back:
                    production = 0.0
                steps.append(
                    Step(
                        f"minute {alarm_at}",
                        "an associated alarm is in ALARM: deployment stopped"
                        + (
                            "; rolled back, production traffic returns to the original task set"
                            if rolled_back
                            else "; no automatic rollback on alarm is set, traffic stays"
                        ),
                        production=production,
                    )
                )
        elif scriptable and event in hooks:
            invoked += 1
            if hook_traffic is None:
                hook_traffic = {
                    "replacement_running": replacement,
                    "test": test,
                    "production": production,
                }
            steps.append(
                Step(event, f"hook {hooks[event]}: {status}", test=test, production=production)
            )
            if status != "Succeeded":
                stopped = True
                if event == "BeforeInstall":
                    steps.append(Step(event, "deployment failed; no rollback is possible yet"))
                else:
                    rolled_back = "DEPLOYMENT_FAILURE" in spec.rollback_events
                    production = 0.0 if rolled_back else production
                    steps.append(
                        Step(
                            event,
                            "deployment failed"
                            + ("; rolled back to the original task set" if rolled_back else ""),
                            production=production,
                        )
                    )
        if stopped:
            break
    if not stopped:
        steps.append(
            Step(
                "termination wait",
                f"original task set kept {spec.termination_wait} minute(s), then terminated",
                production=100.0,
            )
        )
    if spec.hooks:
        inferred.append("every hook function answers with the same status (release.hookStatus)")
    for setting in spec.ecs_settings_ignored:
        notes.append(
            f"{setting} is a setting of the ECS deployment controller: it does nothing for a "
            "CODE_DEPLOY service (use the deployment group)"
        )
    if spec.release.alarms_in_alarm and alarm_at is None:
        notes.append(
            "an alarm goes to ALARM, but the deployment group's alarm configuration doesn't "
            "watch it (it must name the alarm and be enabled): CodeDeploy doesn't stop the "
            "deployment"
        )
    facts: dict[str, object] = {
        "traffic": [[m, p] for m, p in plan],
        "shifts": len(plan),
        "hook_order": [e for e, s in CODEDEPLOY_EVENTS if s],
        "hook_traffic": hook_traffic,
        "hook_invocations": invoked,
        "blue_kept_minutes": 0 if stopped else spec.termination_wait,
        "stopped": stopped,
        "rolled_back": rolled_back,
        "rollout_state": "STOPPED" if stopped else "SUCCEEDED",
        "failed_event": False,
    }
    return Outcome("codedeploy", tuple(steps), facts, tuple(notes), tuple(inferred), ())


# A hook's function that reports neither Succeeded nor Failed (PutLifecycleEventHookExecutionStatus
# takes only those two) fails the deployment after one hour: the AppSpec 'hooks' page,
# https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html
HOOK_SILENT = "no Succeeded or Failed reported within one hour: the hook timed out"


def _hook_answer(statuses: tuple[str, ...]) -> str:
    """What CodeDeploy hears from a hook's function: its last status decides, once (CodeDeploy
    invokes each hook once; IN_PROGRESS answers mean it hasn't reported yet)."""
    final = statuses[-1].upper() if statuses else "SUCCEEDED"
    if final == "SUCCEEDED":
        return "Succeeded"
    return "Failed" if final == "FAILED" else HOOK_SILENT


def _alarm_minute(release: Release, watched: tuple[str, ...]) -> int | None:
    if set(release.alarms_in_alarm) & set(watched):
        return release.alarm_after_minutes
    return None


def _plan_words(plan: tuple[tuple[int, float], ...]) -> str:
    return ", ".join(f"{p:g}% at minute {m}" for m, p in plan)


# ECS-native lifecycle stages, in order, with whether a hook may run there and the traffic.
NATIVE_STAGES = (
    ("RECONCILE_SERVICE", True),
    ("PRE_SCALE_UP", True),
    ("SCALE_UP", False),
    ("POST_SCALE_UP", True),
    ("TEST_TRAFFIC_SHIFT", True),
    ("POST_TEST_TRAFFIC_SHIFT", True),
    ("PRODUCTION_TRAFFIC_SHIFT", True),
    ("POST_PRODUCTION_TRAFFIC_SHIFT", True),
    ("BAKE_TIME", False),
    ("CLEAN_UP", False),
)
CALLBACK_SECONDS = 30  # a hook answering IN_PROGRESS is called again after 30 s by default


def native(spec: Native) -> Outcome:
    """The ECS controller's blue/green, linear or canary deployment, stage by stage."""
    plan = shift_plan(spec.shift)
    notes = [f"{spec.strategy.value}: " + _plan_words(plan)]
    inferred = [
        "RECONCILE_SERVICE runs only when more than one service revision is ACTIVE; "
        "ecsprep assumes one (the stage is skipped)",
    ]
    steps: list[Step] = []
    by_stage: dict[str, list[str]] = {}
    for target, stages in spec.hooks:
        for stage in stages:
            by_stage.setdefault(stage, []).append(target)
    green = False
    test = production = 0.0
    hook_traffic: dict[str, object] | None = None
    invocations = 0
    rolled_back = False
    state = "SUCCESSFUL"
    statuses = spec.release.hook_status or ("SUCCEEDED",)
    alarm_watched = spec.alarms.enable and bool(
        set(spec.release.alarms_in_alarm) & set(spec.alarms.names)
    )
    for stage, hookable in NATIVE_STAGES:
        if stage == "RECONCILE_SERVICE":
            continue
        if stage == "SCALE_UP":
            green = True
            steps.append(Step(stage, "green tasks start; no traffic yet"))
            continue
        if stage == "TEST_TRAFFIC_SHIFT":
            test = 100.0 if spec.test_listener else 0.0
            steps.append(
                Step(
                    stage,
                    "test traffic to green"
                    if spec.test_listener
                    else "no test listener rule: no test traffic",
                    test=test,
                )
            )
        if stage == "PRODUCTION_TRAFFIC_SHIFT":
            for minute, share in plan:
                production = share
                steps.append(
                    Step(
                        f"{stage} +{minute} min",
                        f"{share:g}% of production to green",
                        test=test,
                        production=share,
                    )
                )
        if stage == "BAKE_TIME":
            alarm_at = spec.release.alarm_after_minutes if alarm_watched else None
            shifted = plan[-1][0]
            if alarm_at is not None and alarm_at <= shifted + spec.bake_time:
                rolled_back = spec.alarms.rollback
                state = "ROLLBACK_SUCCESSFUL" if rolled_back else "STOPPED"
                production = 0.0 if rolled_back else production
                steps.append(
                    Step(
                        stage,
                        f"alarm in ALARM at minute {alarm_at}: "
                        + ("traffic returns to blue" if rolled_back else "deployment stopped"),
                        production=production,
                    )
                )
                break
            steps.append(
                Step(
                    stage,
                    f"blue and green both run for {spec.bake_time} minute(s)",
                    production=production,
                )
            )
            continue
        if stage == "CLEAN_UP":
            steps.append(Step(stage, "blue tasks stop"))
            continue
        if not hookable or stage not in by_stage:
            continue
        for target in by_stage[stage]:
            if hook_traffic is None:
                hook_traffic = {"green_running": green, "test": test, "production": production}
            calls = []
            for status in statuses:
                invocations += 1
                calls.append(status)
                if status != "IN_PROGRESS":
                    break
            final = calls[-1]
            waited = CALLBACK_SECONDS * (len(calls) - 1)
            steps.append(
                Step(
                    stage,
                    f"hook {target}: "
                    + " → ".join(calls)
                    + (f" (called again after {CALLBACK_SECONDS} s each time)" if waited else ""),
                    test=test,
                    production=production,
                )
            )
            if final != "SUCCEEDED":
                rolled_back = True
                state = "ROLLBACK_SUCCESSFUL"
                production = 0.0
                steps.append(
                    Step(stage, "hook did not succeed: rollback to blue", production=production)
                )
                break
        if rolled_back:
            break
    for setting in spec.ignored:
        notes.append(f"{setting} does nothing for the {spec.strategy.value} strategy")
    facts: dict[str, object] = {
        "traffic": [[m, p] for m, p in plan],
        "shifts": len(plan),
        "hook_traffic": hook_traffic,
        "hook_invocations": invocations,
        "blue_kept_minutes": spec.bake_time,
        "rolled_back": rolled_back,
        "rollout_state": state,
        "stopped": state != "SUCCESSFUL",
        "failed_event": False,
    }
    return Outcome("native", tuple(steps), facts, tuple(notes), tuple(inferred), ())


# Facts every kind of run reports (None where a kind doesn't have one).
ALL_FACTS = (
    "floor",
    "ceiling",
    "threshold",
    "rollout_state",
    "stuck",
    "stuck_reason",
    "steps",
    "first_stop",
    "first_start",
    "peak_tasks",
    "lowest_running",
    "replaced",
    "failed_tasks",
    "rolled_back",
    "rolled_back_to",
    "failed_event",
    "traffic",
    "shifts",
    "hook_order",
    "hook_traffic",
    "hook_invocations",
    "blue_kept_minutes",
    "stopped",
)

__all__ = [
    "ALL_FACTS",
    "Alarms",
    "CircuitBreaker",
    "CodeDeploy",
    "Controller",
    "Native",
    "Outcome",
    "Release",
    "Rolling",
    "Shift",
    "Step",
    "Strategy",
    "TaskOutcome",
    "ThresholdType",
    "ceiling_tasks",
    "codedeploy",
    "floor_tasks",
    "native",
    "rolling_update",
    "shift_plan",
    "threshold",
    "traffic_at",
]
