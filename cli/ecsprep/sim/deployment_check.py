"""Service deployments as a question's check runs them (`simulator: deployment`), and the
reader that `ecsprep simulate deployment` shares.

The scenario holds AWS's own shapes plus three keys of ecsprep's own (the story the
question tells, which no AWS API holds):

```yaml
service:               # a CreateService / UpdateService request (the fields that matter)
  serviceName: web
  taskDefinition: web:8
  desiredCount: 4
  deploymentController: {type: ECS}            # ECS (default), CODE_DEPLOY, EXTERNAL
  deploymentConfiguration:
    minimumHealthyPercent: 50
    maximumPercent: 100
    deploymentCircuitBreaker: {enable: true, rollback: true}
    alarms: {alarmNames: [web-5xx], enable: true, rollback: true}
    strategy: ROLLING                          # BLUE_GREEN, LINEAR, CANARY
running: {taskDefinition: web:7, tasks: 4}     # ecsprep: the last COMPLETED deployment
capacity: {tasks: 4}                           # ecsprep: most tasks of the service that fit
release: {tasks: FAIL_TO_START}                # ecsprep: how the new revision behaves
codeDeploy: {deploymentConfigName: ..., deploymentGroup: {...}, appspec: {...}}
```

Facts (docs/deployment.md): floor, ceiling, threshold, rollout_state, stuck,
stuck_reason, steps, first_stop, first_start, peak_tasks, lowest_running, replaced,
failed_tasks, rolled_back, rolled_back_to, failed_event, traffic, shifts, hook_order,
hook_traffic, hook_invocations, blue_kept_minutes, stopped. A condition may also name
`traffic_at` ({minute: percent}) and any number fact with `_at_least` / `_at_most`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim import deployment as d
from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str, kind_of
from ecsprep.sim.simulators import Outcome, Simulator, fact_misses

TOP_KEYS = ("service", "running", "capacity", "release", "codeDeploy", "draining", "description")
Built = d.Rolling | d.CodeDeploy | d.Native

# AWS's ranges (API reference); values outside them are refused.
MAX_TERMINATION_WAIT = 2880
MAX_BAKE = 1440


def read_scenario(document: Mapping[str, Any], where: Where) -> Built:
    """The deployment a scenario describes, refusing what AWS refuses."""
    for key in document:
        if key not in TOP_KEYS:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", f"a deployment scenario has {', '.join(TOP_KEYS[:-1])}"
            )
    if "service" not in document:
        raise where.refuse("the service is missing", "give service: {desiredCount: N, ...}")
    at = where.key("service")
    service = as_mapping(document["service"], at, "a CreateService request")
    config_at = at.key("deploymentConfiguration")
    config = as_mapping(service.get("deploymentConfiguration") or {}, config_at)
    controller = _choice(
        as_mapping(service.get("deploymentController") or {}, at.key("deploymentController")).get(
            "type", "ECS"
        ),
        d.Controller,
        at.key("deploymentController.type"),
    )
    release = _release(document.get("release") or {}, where.key("release"))
    if controller is d.Controller.EXTERNAL:
        raise at.key("deploymentController").refuse(
            "the EXTERNAL controller deploys task sets your own tool creates",
            "ecsprep simulates the ECS and CODE_DEPLOY controllers",
        )
    if controller is d.Controller.CODE_DEPLOY:
        return _codedeploy(document, where, config, release)
    strategy = _choice(config.get("strategy", "ROLLING"), d.Strategy, config_at.key("strategy"))
    if strategy is not d.Strategy.ROLLING:
        return _native(service, at, config, config_at, strategy, release)
    return _rolling(document, where, service, config, config_at, release)


def _rolling(
    document: Mapping[str, Any],
    where: Where,
    service: Mapping[str, Any],
    config: Mapping[str, Any],
    at: Where,
    release: d.Release,
) -> d.Rolling:
    desired = as_int(service.get("desiredCount", 1), where.key("service.desiredCount"))
    minimum = as_int(config.get("minimumHealthyPercent", 100), at.key("minimumHealthyPercent"))
    maximum = as_int(config.get("maximumPercent", 200), at.key("maximumPercent"))
    running = as_mapping(document.get("running") or {}, where.key("running"))
    old = running.get("tasks")
    capacity = as_mapping(document.get("capacity") or {}, where.key("capacity"))
    room = capacity.get("tasks")
    launch = str(service.get("launchType", ""))
    if launch == "FARGATE" and room is not None:
        raise where.key("capacity").refuse(
            "on Fargate there is no cluster capacity to run out of", "leave capacity out"
        )
    return d.Rolling(
        desired=desired,
        minimum_healthy_percent=minimum,
        maximum_percent=maximum,
        old_tasks=None if old is None else as_int(old, where.key("running.tasks")),
        capacity=None if room is None else as_int(room, where.key("capacity.tasks")),
        breaker=_breaker(config.get("deploymentCircuitBreaker") or {}, at),
        alarms=_alarms(config.get("alarms") or {}, at.key("alarms")),
        release=release,
        old_revision=str(running.get("taskDefinition", "the previous revision")),
        new_revision=str(service.get("taskDefinition", "the new revision")),
        draining=bool(document.get("draining", False)),
    )


def _breaker(value: object, at: Where) -> d.CircuitBreaker:
    where = at.key("deploymentCircuitBreaker")
    data = as_mapping(value, where)
    kind, number = d.ThresholdType.BOUNDED_PERCENT, 50
    if "thresholdConfiguration" in data:
        here = where.key("thresholdConfiguration")
        threshold = as_mapping(data["thresholdConfiguration"], here)
        kind = _choice(threshold.get("type"), d.ThresholdType, here.key("type"))
        number = as_int(threshold.get("value"), here.key("value"))
        if kind is not d.ThresholdType.COUNT and not 1 <= number <= 100:
            raise here.key("value").refuse(
                f"{number}: for the percentage types the valid range of value is 1–100"
            )
        if kind is d.ThresholdType.COUNT and number < 1:
            raise here.key("value").refuse(f"{number}: a COUNT threshold must be at least 1")
    return d.CircuitBreaker(
        enable=_bool(data.get("enable", False), where.key("enable")),
        rollback=_bool(data.get("rollback", False), where.key("rollback")),
        reset_on_healthy_task=_bool(
            data.get("resetOnHealthyTask", True), where.key("resetOnHealthyTask")
        ),
        threshold_type=kind,
        threshold_value=number,
    )


def _alarms(value: object, where: Where) -> d.Alarms:
    data = as_mapping(value, where)
    names = as_list(data.get("alarmNames") or [], where.key("alarmNames"))
    return d.Alarms(
        names=tuple(as_str(n, where.key("alarmNames").index(i)) for i, n in enumerate(names)),
        enable=_bool(data.get("enable", False), where.key("enable")),
        rollback=_bool(data.get("rollback", False), where.key("rollback")),
    )


def _release(value: object, where: Where) -> d.Release:
    data = as_mapping(
        value, where, "the release: tasks, alarmsInAlarm, alarmAfterMinutes, hookStatus"
    )
    for key in data:
        if key not in ("tasks", "alarmsInAlarm", "alarmAfterMinutes", "hookStatus"):
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                "release has tasks, alarmsInAlarm, alarmAfterMinutes, hookStatus",
            )
    status = data.get("hookStatus", "SUCCEEDED")
    status_at = where.key("hookStatus")
    statuses = (
        [(s, status_at.index(i)) for i, s in enumerate(status)]
        if isinstance(status, list)
        else [(status, status_at)]
    )
    alarms = as_list(data.get("alarmsInAlarm") or [], where.key("alarmsInAlarm"))
    return d.Release(
        tasks=_choice(data.get("tasks", "HEALTHY"), d.TaskOutcome, where.key("tasks")),
        alarms_in_alarm=tuple(
            as_str(a, where.key("alarmsInAlarm").index(i)) for i, a in enumerate(alarms)
        ),
        alarm_after_minutes=as_int(
            data.get("alarmAfterMinutes", 0), where.key("alarmAfterMinutes")
        ),
        hook_status=tuple(as_str(s, at).upper() for s, at in statuses),
    )


def _codedeploy(
    document: Mapping[str, Any], where: Where, config: Mapping[str, Any], release: d.Release
) -> d.CodeDeploy:
    at = where.key("codeDeploy")
    if "codeDeploy" not in document:
        raise where.refuse(
            "a CODE_DEPLOY service is deployed by CodeDeploy: the codeDeploy block is missing",
            "give codeDeploy: {deploymentConfigName: CodeDeployDefault.ECSAllAtOnce, ...}",
        )
    data = as_mapping(document["codeDeploy"], at)
    given = data.get("deploymentConfigName")
    if "trafficRoutingConfig" in data:
        # A custom configuration (CreateDeploymentConfig) has a name of its own: a
        # predefined name already exists, with its traffic routing fixed.
        if isinstance(given, str) and given in d.PREDEFINED:
            raise at.key("deploymentConfigName").refuse(
                f"{given!r} is predefined: its traffic routing can't be changed",
                "give trafficRoutingConfig a deploymentConfigName of your own, or leave "
                "trafficRoutingConfig out",
            )
        name = "a custom deployment configuration" if given is None else str(given)
        shift = _routing(data["trafficRoutingConfig"], at.key("trafficRoutingConfig"))
    else:
        name = str(data.get("deploymentConfigName", "CodeDeployDefault.ECSAllAtOnce"))
        if name not in d.PREDEFINED:
            raise at.key("deploymentConfigName").refuse(
                f"{name!r} is not a predefined ECS deployment configuration",
                "use one of " + ", ".join(d.PREDEFINED) + ", or give trafficRoutingConfig",
            )
        shift = d.PREDEFINED[name]
    group_at = at.key("deploymentGroup")
    group = as_mapping(data.get("deploymentGroup") or {}, group_at)
    blue_green = as_mapping(
        group.get("blueGreenDeploymentConfiguration") or {},
        group_at.key("blueGreenDeploymentConfiguration"),
    )
    term_at = group_at.key(
        "blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess"
    )
    term = as_mapping(blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}, term_at)
    wait = as_int(
        term.get("terminationWaitTimeInMinutes", 0), term_at.key("terminationWaitTimeInMinutes")
    )
    if wait > MAX_TERMINATION_WAIT:
        raise term_at.key("terminationWaitTimeInMinutes").refuse(
            f"{wait}: the maximum setting is {MAX_TERMINATION_WAIT} minutes (2 days)"
        )
    lb_at = group_at.key("loadBalancerInfo")
    lb = as_mapping(group.get("loadBalancerInfo") or {}, lb_at)
    pairs = as_list(lb.get("targetGroupPairInfoList") or [{}], lb_at.key("targetGroupPairInfoList"))
    pair_at = lb_at.key("targetGroupPairInfoList").index(0)
    pair = as_mapping(pairs[0] if pairs else {}, pair_at)
    test_route = as_mapping(pair.get("testTrafficRoute") or {}, pair_at.key("testTrafficRoute"))
    prod_at = pair_at.key("prodTrafficRoute")
    prod_route = as_mapping(pair.get("prodTrafficRoute") or {}, prod_at)
    alarm_at = group_at.key("alarmConfiguration")
    alarm_config = as_mapping(group.get("alarmConfiguration") or {}, alarm_at)
    alarms: tuple[str, ...] = ()
    if _bool(alarm_config.get("enabled", False), alarm_at.key("enabled")):
        listed = as_list(alarm_config.get("alarms") or [], alarm_at.key("alarms"))
        alarms = tuple(
            str(as_mapping(a, alarm_at.key("alarms").index(i)).get("name", ""))
            for i, a in enumerate(listed)
        )
    roll_at = group_at.key("autoRollbackConfiguration")
    roll = as_mapping(group.get("autoRollbackConfiguration") or {}, roll_at)
    events: tuple[str, ...] = ()
    if _bool(roll.get("enabled", False), roll_at.key("enabled")):
        events = tuple(str(e) for e in as_list(roll.get("events") or [], roll_at.key("events")))
    hooks_at = at.key("appspec.Hooks")
    appspec = as_mapping(data.get("appspec") or {}, at.key("appspec"))
    hooks: list[tuple[str, str]] = []
    for n, entry in enumerate(as_list(appspec.get("Hooks") or [], hooks_at)):
        for event, function in as_mapping(entry, hooks_at.index(n)).items():
            if event not in {e for e, s in d.CODEDEPLOY_EVENTS if s}:
                raise hooks_at.index(n).refuse(
                    f"{event!r} is not a hook of an ECS deployment",
                    "BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, "
                    "AfterAllowTraffic",
                )
            hooks.append((str(event), str(function)))
    ignored = tuple(
        f"deploymentConfiguration.{key}"
        for key in ("deploymentCircuitBreaker", "alarms", "bakeTimeInMinutes", "strategy")
        if key in config
    )
    return d.CodeDeploy(
        config_name=name,
        shift=shift,
        termination_wait=wait,
        test_listener=bool(test_route.get("listenerArns")),
        prod_listeners=len(
            as_list(prod_route.get("listenerArns") or [], prod_at.key("listenerArns"))
        ),
        alarms=alarms,
        rollback_events=events,
        hooks=tuple(hooks),
        release=release,
        ecs_settings_ignored=ignored,
    )


def _routing(value: object, where: Where) -> d.Shift:
    data = as_mapping(value, where)
    kind = str(data.get("type", "AllAtOnce"))
    if kind == "TimeBasedCanary":
        inner = as_mapping(data.get("timeBasedCanary") or {}, where.key("timeBasedCanary"))
        return d.Shift(
            kind,
            as_int(
                inner.get("canaryPercentage", 10), where.key("timeBasedCanary.canaryPercentage")
            ),
            as_int(inner.get("canaryInterval", 5), where.key("timeBasedCanary.canaryInterval")),
        )
    if kind == "TimeBasedLinear":
        inner = as_mapping(data.get("timeBasedLinear") or {}, where.key("timeBasedLinear"))
        percent = as_int(
            inner.get("linearPercentage", 10),
            where.key("timeBasedLinear.linearPercentage"),
            minimum=1,
        )
        return d.Shift(
            kind,
            percent,
            as_int(inner.get("linearInterval", 1), where.key("timeBasedLinear.linearInterval")),
        )
    if kind == "AllAtOnce":
        return d.Shift(kind)
    raise where.key("type").refuse(
        f"{kind!r}: the type is TimeBasedCanary, TimeBasedLinear or AllAtOnce"
    )


def _native(
    service: Mapping[str, Any],
    service_at: Where,
    config: Mapping[str, Any],
    at: Where,
    strategy: d.Strategy,
    release: d.Release,
) -> d.Native:
    bake = _minutes(config.get("bakeTimeInMinutes", 0), at.key("bakeTimeInMinutes"))
    ignored: list[str] = []
    if strategy is d.Strategy.CANARY:
        here = at.key("canaryConfiguration")
        canary = as_mapping(config.get("canaryConfiguration") or {}, here)
        percent = _percent(canary.get("canaryPercent", 5.0), here.key("canaryPercent"), 0.1)
        wait = _minutes(
            canary.get("canaryBakeTimeInMinutes", 10), here.key("canaryBakeTimeInMinutes")
        )
        shift = d.Shift("TimeBasedCanary", percent, wait)
    elif strategy is d.Strategy.LINEAR:
        here = at.key("linearConfiguration")
        linear = as_mapping(config.get("linearConfiguration") or {}, here)
        percent = _percent(linear.get("stepPercent", 10.0), here.key("stepPercent"), 3.0)
        wait = _minutes(linear.get("stepBakeTimeInMinutes", 6), here.key("stepBakeTimeInMinutes"))
        shift = d.Shift("TimeBasedLinear", percent, wait)
    else:
        shift = d.Shift("AllAtOnce")
    for key, used_by in (
        ("canaryConfiguration", d.Strategy.CANARY),
        ("linearConfiguration", d.Strategy.LINEAR),
    ):
        if key in config and strategy is not used_by:
            ignored.append(f"deploymentConfiguration.{key}")
    hooks_at = at.key("lifecycleHooks")
    hooks = []
    for n, entry in enumerate(as_list(config.get("lifecycleHooks") or [], hooks_at)):
        hook = as_mapping(entry, hooks_at.index(n))
        stages = as_list(
            hook.get("lifecycleStages") or [], hooks_at.index(n).key("lifecycleStages")
        )
        valid = {s for s, hookable in d.NATIVE_STAGES if hookable}
        for stage in stages:
            if stage not in valid:
                raise (
                    hooks_at.index(n)
                    .key("lifecycleStages")
                    .refuse(
                        f"{stage!r} is not a lifecycle stage a hook can use",
                        ", ".join(s for s, h in d.NATIVE_STAGES if h),
                    )
                )
        target = str(hook.get("hookTargetArn", f"hook {n + 1}")).rsplit(":", 1)[-1]
        hooks.append((target, tuple(str(s) for s in stages)))
    balancers = as_list(service.get("loadBalancers") or [], service_at.key("loadBalancers"))
    test_listener = any(
        isinstance(b, Mapping)
        and isinstance(b.get("advancedConfiguration"), Mapping)
        and b["advancedConfiguration"].get("testListenerRule")
        for b in balancers
    )
    return d.Native(
        strategy=strategy,
        shift=shift,
        bake_time=bake,
        hooks=tuple(hooks),
        alarms=_alarms(config.get("alarms") or {}, at.key("alarms")),
        test_listener=test_listener,
        release=release,
        ignored=tuple(ignored),
    )


def _minutes(value: object, where: Where) -> int:
    minutes = as_int(value, where)
    if minutes > MAX_BAKE:
        raise where.refuse(f"{minutes}: valid values are 0 to {MAX_BAKE} minutes (24 hours)")
    return minutes


def _percent(value: object, where: Where, least: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.refuse(f"expected a number, found {kind_of(value)}")
    tenths = float(value) * 10
    if not least <= float(value) <= 100.0 or abs(tenths - round(tenths)) > 1e-6:
        raise where.refuse(f"{value}: valid values are multiples of 0.1 from {least} to 100.0")
    return float(value)


def _bool(value: object, where: Where) -> bool:
    if not isinstance(value, bool):
        raise where.refuse(f"expected true or false, found {kind_of(value)}")
    return value


def _choice(value: object, kind: Any, where: Where) -> Any:
    try:
        return kind(str(value))
    except ValueError:
        names = ", ".join(member.value for member in kind)
        raise where.refuse(f"{value!r} is not one of {names}") from None


def run(spec: Built, name: str = "web") -> d.Outcome:
    if isinstance(spec, d.CodeDeploy):
        return d.codedeploy(spec)
    if isinstance(spec, d.Native):
        return d.native(spec)
    return d.rolling_update(spec, name)


# --- the check interface ------------------------------------------------------------------


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> tuple[Built, str]:
    """The scenario and the service's name (ECS's events name the service)."""
    del folder, name
    service = document.get("service")
    named = service.get("serviceName", "web") if isinstance(service, Mapping) else "web"
    return read_scenario(document, where), str(named)


def _run(built_and_name: tuple[Built, str]) -> Outcome:
    result = run(*built_and_name)
    return Outcome(
        facts=result.facts,
        notes=(
            *result.notes,
            *(f"{text} (INF)" if "INF" not in text else text for text in result.inferred),
            *result.events,
        ),
        summary=summary(result),
        result=result,
    )


def summary(result: d.Outcome) -> str:
    facts = result.facts
    if result.kind == "rolling":
        if facts["stuck"]:
            return (
                f"Stuck ({facts['stuck_reason']}): floor {facts['floor']}, ceiling "
                f"{facts['ceiling']}; no task can stop or start."
            )
        text = f"{facts['rollout_state']} in {facts['steps']} step(s)"
        if facts["rollout_state"] == "COMPLETED":
            text += f"; at least {facts['lowest_running']} task(s) kept running"
        if facts["threshold"] is not None:
            text += f"; circuit breaker threshold {facts['threshold']}"
        if facts["failed_tasks"]:
            text += f"; {facts['failed_tasks']} new task(s) failed"
        if facts["rolled_back"]:
            text += f"; rolled back to {facts['rolled_back_to']}"
        return text + "."
    shifts: Any = facts["traffic"]
    if facts["stopped"]:
        reached = max((s.production or 0.0 for s in result.steps), default=0.0)
        text = f"{facts['rollout_state']}: stopped after production traffic reached {reached:g}%"
    else:
        plan = ", ".join(f"{p:g}% at +{m} min" for m, p in shifts)
        text = f"{facts['rollout_state']}: production traffic {plan}"
    if facts["rolled_back"]:
        text += "; rolled back"
    elif not facts["stopped"]:
        text += f"; old version kept {facts['blue_kept_minutes']} min"
    return text + "."


def misses(condition: Mapping[str, Any], outcome: Outcome) -> tuple[str, ...]:
    """`traffic_at` ({minute: percent}) and `FACT_at_least` / `FACT_at_most` besides the facts."""
    found = []
    plain = {}
    for name, wanted in condition.items():
        if name == "traffic_at" and not outcome.refused:
            shifts: Any = outcome.facts.get("traffic") or []
            plan = tuple((int(m), float(p)) for m, p in shifts)
            for minute, percent in dict(wanted).items():
                got = d.traffic_at(plan, float(minute))
                if got != float(percent):
                    found.append(
                        f"traffic_at: at minute {minute} expected {percent}%, "
                        f"the simulator gives {got:g}%"
                    )
        elif name.endswith(("_at_least", "_at_most")) and not outcome.refused:
            fact, _, bound = name.rpartition("_at_")
            seen = outcome.facts.get(fact)
            fine = isinstance(seen, int) and (
                seen >= wanted if bound == "least" else seen <= wanted
            )
            if not fine:
                found.append(
                    f"{name}: expected {fact} at {bound} {wanted}, the simulator gives {seen}"
                )
        else:
            plain[name] = wanted
    return (*found, *fact_misses(plain, outcome))


_RANKED = ("steps", "lowest_running", "failed_tasks", "peak_tasks", "blue_kept_minutes")

SIMULATOR = Simulator(
    name="deployment",
    facts=(
        *d.ALL_FACTS,
        "traffic_at",
        *(
            f"{fact}_at_{bound}"
            for fact in (*_RANKED, "threshold", "replaced")
            for bound in ("least", "most")
        ),
    ),
    ranked=_RANKED,
    build=_build,
    run=_run,
    misses=misses,
)
