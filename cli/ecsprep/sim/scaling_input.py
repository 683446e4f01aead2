"""Reading a Service Auto Scaling scenario: AWS's request shapes plus a workload timeline.

```yaml
registerScalableTarget:        # aws application-autoscaling register-scalable-target
  {ServiceNamespace: ecs, ResourceId: service/default/web,
   ScalableDimension: "ecs:service:DesiredCount", MinCapacity: 2, MaxCapacity: 10}
putScalingPolicy:              # put-scaling-policy requests (one or a list); the
  - PolicyName: cpu60          #   namespace, resource and dimension default to the target's
    PolicyType: TargetTrackingScaling
    TargetTrackingScalingPolicyConfiguration:
      TargetValue: 60
      PredefinedMetricSpecification: {PredefinedMetricType: ECSServiceAverageCPUUtilization}
putMetricAlarm: [...]          # aws cloudwatch put-metric-alarm requests for step policies
putScheduledAction: [...]      # put-scheduled-action requests
service: {desiredCount: 2, capacity: 6, secondsPerMessage: 0.5}   # ecsprep's own shape
timeline:                      # ecsprep's own shape: the work, minute by minute
  start: "2024-01-01T00:00:00Z"
  minutes: 120
  load:
    - {at: 0, cpu: 120, requests: 6000, messages: 300, metrics: {MyMetric: 5}}
    - {at: "01:00", cpu: 480}
```

A request key AWS doesn't know is refused as the AWS CLI refuses it
(`Unknown parameter in …, must be one of: …`); a value AWS rejects is refused
with the rule AWS documents.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from itertools import pairwise
from typing import Any

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str, kind_of
from ecsprep.sim.metric_math import Expr, Ref, parse_expression, references
from ecsprep.sim.scaling import (
    AdjustmentType,
    Alarm,
    Comparison,
    LoadPoint,
    Metric,
    ScalingInput,
    ScheduledAction,
    Step,
    StepPolicy,
    TargetTracking,
)
from ecsprep.sim.schedule import parse_schedule, zone

DIMENSION = "ecs:service:DesiredCount"
DEFAULT_COOLDOWN = (
    300  # seconds: the default for ECS services (TargetTrackingScalingPolicyConfiguration)
)
MAX_MINUTES = 7 * 24 * 60  # a week at one-minute resolution
MAX_CAPACITY = 100_000
PREDEFINED = {
    "ECSServiceAverageCPUUtilization": "cpu_per_task",
    "ECSServiceAverageMemoryUtilization": "memory_per_task",
    "ALBRequestCountPerTarget": "requests_per_task",
}
# (Namespace, MetricName) → the workload quantity it reads.
KNOWN_METRICS = {
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): "messages",
    ("ECS/ContainerInsights", "RunningTaskCount"): "running",
    ("AWS/ECS", "CPUUtilization"): "cpu_per_task",
    ("AWS/ECS", "MemoryUtilization"): "memory_per_task",
    ("AWS/ApplicationELB", "RequestCountPerTarget"): "requests_per_task",
    ("AWS/ApplicationELB", "RequestCount"): "requests",
}
LOAD_KEYS = {"cpu": "cpu", "memory": "memory", "requests": "requests", "messages": "messages"}

_TOP = (
    "description",
    "registerScalableTarget",
    "putScalingPolicy",
    "putMetricAlarm",
    "putScheduledAction",
    "service",
    "timeline",
)
_TARGET = (
    "ServiceNamespace",
    "ResourceId",
    "ScalableDimension",
    "MinCapacity",
    "MaxCapacity",
    "RoleARN",
    "SuspendedState",
    "Tags",
)
_POLICY = (
    "PolicyName",
    "ServiceNamespace",
    "ResourceId",
    "ScalableDimension",
    "PolicyType",
    "StepScalingPolicyConfiguration",
    "TargetTrackingScalingPolicyConfiguration",
    "PredictiveScalingPolicyConfiguration",
)
_TT = (
    "TargetValue",
    "PredefinedMetricSpecification",
    "CustomizedMetricSpecification",
    "ScaleOutCooldown",
    "ScaleInCooldown",
    "DisableScaleIn",
)
_PREDEFINED = ("PredefinedMetricType", "ResourceLabel")
_CUSTOM = ("MetricName", "Namespace", "Dimensions", "Statistic", "Unit", "Metrics")
_QUERY = ("Expression", "Id", "Label", "MetricStat", "ReturnData")
_STAT = ("Metric", "Stat", "Unit")
_METRIC = ("MetricName", "Namespace", "Dimensions")
_STEP_CONFIG = (
    "AdjustmentType",
    "StepAdjustments",
    "MinAdjustmentMagnitude",
    "Cooldown",
    "MetricAggregationType",
)
_STEP = ("MetricIntervalLowerBound", "MetricIntervalUpperBound", "ScalingAdjustment")
_ALARM = (
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "Tags",
    "ThresholdMetricId",
)
_ACTION = (
    "ServiceNamespace",
    "Schedule",
    "Timezone",
    "ScheduledActionName",
    "ResourceId",
    "ScalableDimension",
    "StartTime",
    "EndTime",
    "ScalableTargetAction",
)
_SERVICE = ("desiredCount", "capacity", "secondsPerMessage")
_TIMELINE = ("start", "minutes", "load")
_POINT = ("at", "cpu", "memory", "requests", "messages", "metrics")


def read_scaling(document: Mapping[str, Any], where: Where) -> ScalingInput:
    _keys(document, _TOP, "the scenario", where, aws=False)
    if "registerScalableTarget" not in document:
        raise where.refuse(
            "registerScalableTarget is missing",
            "give the register-scalable-target request: ServiceNamespace ecs, ResourceId "
            "service/CLUSTER/SERVICE, ScalableDimension ecs:service:DesiredCount, Min/MaxCapacity",
        )
    at = where.key("registerScalableTarget")
    target = as_mapping(
        document["registerScalableTarget"], at, "a register-scalable-target request"
    )
    resource, low, high = _target(target, at)
    policies = _requests(document.get("putScalingPolicy"), where.key("putScalingPolicy"))
    tracking: list[TargetTracking] = []
    steps: list[StepPolicy] = []
    names: set[str] = set()
    for n, (request, spot) in enumerate(policies):
        del n
        made = _policy(request, spot, resource)
        if made.name in names:
            raise spot.key("PolicyName").refuse(
                f"a second policy named {made.name!r}",
                "put-scaling-policy with an existing name replaces that policy: give each a "
                "name of its own",
            )
        names.add(made.name)
        (tracking if isinstance(made, TargetTracking) else steps).append(made)  # type: ignore[arg-type]
    alarms = tuple(
        _alarm(request, spot, {s.name for s in steps})
        for request, spot in _requests(document.get("putMetricAlarm"), where.key("putMetricAlarm"))
    )
    for step in steps:
        if not any(step.name in alarm.actions for alarm in alarms):
            raise where.key("putMetricAlarm").refuse(
                f"no alarm invokes the step scaling policy {step.name!r}",
                "a step policy runs only from a CloudWatch alarm: give a put-metric-alarm "
                f"request with AlarmActions [{step.name}] (its policy ARN or name)",
            )
    timeline_at = where.key("timeline")
    timeline = as_mapping(document.get("timeline", {}), timeline_at, "a timeline")
    start, minutes, load = _timeline(timeline, timeline_at)
    scheduled = tuple(
        _scheduled(request, spot, resource, start)
        for request, spot in _requests(
            document.get("putScheduledAction"), where.key("putScheduledAction")
        )
    )
    service_at = where.key("service")
    service = as_mapping(document.get("service", {}), service_at, "the service")
    _keys(service, _SERVICE, "service", service_at, aws=False)
    if "desiredCount" not in service:
        raise service_at.refuse(
            "desiredCount is missing", "the service's desired count at the start"
        )
    desired = as_int(service["desiredCount"], service_at.key("desiredCount"))
    capacity = (
        None
        if service.get("capacity") is None
        else as_int(service["capacity"], service_at.key("capacity"))
    )
    seconds = (
        None
        if service.get("secondsPerMessage") is None
        else _number(
            service["secondsPerMessage"], service_at.key("secondsPerMessage"), positive=True
        )
    )
    return ScalingInput(
        resource_id=resource,
        min_capacity=low,
        max_capacity=high,
        desired=desired,
        start=start,
        minutes=minutes,
        load=load,
        target_tracking=tuple(tracking),
        step_policies=tuple(steps),
        alarms=alarms,
        scheduled=scheduled,
        capacity=capacity,
        seconds_per_message=seconds,
        description=str(document.get("description", "")),
    )


# --- shapes ---------------------------------------------------------------------


def _keys(
    data: Mapping[str, Any], allowed: tuple[str, ...], shape: str, where: Where, *, aws: bool = True
) -> None:
    for key in data:
        if key in allowed:
            continue
        if aws:
            raise where.refuse(
                f'Parameter validation failed: Unknown parameter in {shape}: "{key}", '
                f"must be one of: {', '.join(allowed)}",
                _near(str(key), allowed),
            )
        raise where.key(str(key)).refuse(
            f"unknown key {key!r} in {shape}", _near(str(key), allowed)
        )


def _near(key: str, allowed: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _required(data: Mapping[str, Any], key: str, where: Where) -> Any:
    if data.get(key) is None:
        raise where.refuse(
            f'Parameter validation failed: Missing required parameter in input: "{key}"'
        )
    return data[key]


def _requests(value: object, where: Where) -> list[tuple[Mapping[str, Any], Where]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [(value, where)]
    items = as_list(value, where, "a request or a list of requests")
    return [
        (as_mapping(item, where.index(n), "a request"), where.index(n))
        for n, item in enumerate(items)
    ]


def _number(value: object, where: Where, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise where.refuse(f"expected a number, found {kind_of(value)}")
    try:
        number = float(value)
    except ValueError:
        raise where.refuse(f"expected a number, found {kind_of(value)}") from None
    if not math.isfinite(number):
        raise where.refuse("expected a finite number")
    if positive and number <= 0:
        raise where.refuse(f"must be greater than 0, found {value}")
    return number


def _target(target: Mapping[str, Any], at: Where) -> tuple[str, int, int]:
    _keys(target, _TARGET, "RegisterScalableTargetRequest", at)
    namespace = as_str(_required(target, "ServiceNamespace", at), at.key("ServiceNamespace"))
    resource = as_str(_required(target, "ResourceId", at), at.key("ResourceId"))
    dimension = as_str(_required(target, "ScalableDimension", at), at.key("ScalableDimension"))
    if namespace != "ecs" or dimension != DIMENSION:
        raise at.refuse(
            f"this simulator scales ECS services: ServiceNamespace ecs and ScalableDimension "
            f"{DIMENSION} (found {namespace}, {dimension})",
            "scaling an Auto Scaling group's instances is EC2 Auto Scaling, "
            "not Service Auto Scaling",
        )
    parts = resource.split("/")
    if len(parts) != 3 or parts[0] != "service" or not parts[1] or not parts[2]:
        raise at.key("ResourceId").refuse(
            f"{resource!r} is not an ECS service's resource ID",
            "the form is service/CLUSTER_NAME/SERVICE_NAME, e.g. service/default/web",
        )
    for key in ("MinCapacity", "MaxCapacity"):
        if target.get(key) is None:
            raise at.refuse(
                f"{key} is missing",
                "registering a new scalable target needs both MinCapacity and MaxCapacity",
            )
    low = as_int(target["MinCapacity"], at.key("MinCapacity"))
    high = as_int(target["MaxCapacity"], at.key("MaxCapacity"))
    if high > MAX_CAPACITY:
        raise at.key("MaxCapacity").refuse(f"{high} is above ecsprep's bound of {MAX_CAPACITY}")
    if low > high:
        raise at.refuse(
            f"ValidationException: MinCapacity {low} is greater than MaxCapacity {high}",
            "the minimum capacity can't be greater than the maximum capacity",
        )
    return resource, low, high


def _same_target(request: Mapping[str, Any], at: Where, resource: str) -> None:
    """A policy or action names the registered target (when it names one at all)."""
    expected = {"ServiceNamespace": "ecs", "ResourceId": resource, "ScalableDimension": DIMENSION}
    for key, value in expected.items():
        if key in request and request[key] != value:
            raise at.key(key).refuse(
                f"ObjectNotFoundException: no scalable target registered for {key} "
                f"{request[key]!r} (the registered one is {value!r})",
                "register the scalable target first, or name the registered one",
            )


def _policy(request: Mapping[str, Any], at: Where, resource: str) -> TargetTracking | StepPolicy:
    _keys(request, _POLICY, "PutScalingPolicyRequest", at)
    name = as_str(_required(request, "PolicyName", at), at.key("PolicyName"))
    _same_target(request, at, resource)
    kind = request.get("PolicyType", "StepScaling")
    if kind == "TargetTrackingScaling":
        key = "TargetTrackingScalingPolicyConfiguration"
        if request.get(key) is None:
            raise at.refuse(
                f"ValidationException: {key} is required when PolicyType is TargetTrackingScaling"
            )
        return _target_tracking(name, as_mapping(request[key], at.key(key)), at.key(key))
    if kind == "StepScaling":
        key = "StepScalingPolicyConfiguration"
        if request.get(key) is None:
            raise at.refuse(
                f"ValidationException: {key} is required when PolicyType is StepScaling"
            )
        return _step_policy(name, as_mapping(request[key], at.key(key)), at.key(key))
    if kind == "PredictiveScaling":
        raise at.key("PolicyType").refuse(
            "ValidationException: predictive scaling isn't supported for ECS services in this "
            "simulator",
            "use TargetTrackingScaling or StepScaling",
        )
    raise at.key("PolicyType").refuse(
        f"{kind!r} is not a policy type", "use TargetTrackingScaling or StepScaling"
    )


def _cooldown(config: Mapping[str, Any], key: str, at: Where) -> int:
    if config.get(key) is None:
        return DEFAULT_COOLDOWN
    return as_int(config[key], at.key(key))


def _target_tracking(name: str, config: Mapping[str, Any], at: Where) -> TargetTracking:
    _keys(config, _TT, "TargetTrackingScalingPolicyConfiguration", at)
    target = _number(_required(config, "TargetValue", at), at.key("TargetValue"), positive=True)
    predefined = config.get("PredefinedMetricSpecification")
    custom = config.get("CustomizedMetricSpecification")
    if (predefined is None) == (custom is None):
        raise at.refuse(
            "ValidationException: give exactly one of PredefinedMetricSpecification and "
            "CustomizedMetricSpecification"
        )
    if predefined is not None:
        spot = at.key("PredefinedMetricSpecification")
        spec = as_mapping(predefined, spot)
        _keys(spec, _PREDEFINED, "PredefinedMetricSpecification", spot)
        kind = as_str(
            _required(spec, "PredefinedMetricType", spot), spot.key("PredefinedMetricType")
        )
        if kind not in PREDEFINED:
            raise spot.key("PredefinedMetricType").refuse(
                f"ValidationException: {kind!r} is not a predefined metric for ECS services",
                "ECS services use ECSServiceAverageCPUUtilization, "
                "ECSServiceAverageMemoryUtilization or ALBRequestCountPerTarget",
            )
        if kind == "ALBRequestCountPerTarget" and not spec.get("ResourceLabel"):
            raise spot.refuse(
                "ValidationException: ALBRequestCountPerTarget needs a ResourceLabel that "
                "identifies the target group attached to the service",
                "app/LOAD_BALANCER/ID/targetgroup/TARGET_GROUP/ID",
            )
        metric = Metric(kind, Ref("m"), {"m": PREDEFINED[kind]})
    else:
        spot = at.key("CustomizedMetricSpecification")
        metric = _custom_metric(as_mapping(custom, spot), spot)
    disable = config.get("DisableScaleIn", False)
    if not isinstance(disable, bool):
        raise at.key("DisableScaleIn").refuse(f"expected true or false, found {kind_of(disable)}")
    return TargetTracking(
        name=name,
        metric=metric,
        target=target,
        scale_out_cooldown=_cooldown(config, "ScaleOutCooldown", at),
        scale_in_cooldown=_cooldown(config, "ScaleInCooldown", at),
        disable_scale_in=disable,
    )


def _custom_metric(spec: Mapping[str, Any], at: Where) -> Metric:
    _keys(spec, _CUSTOM, "CustomizedMetricSpecification", at)
    if spec.get("Metrics") is not None:
        if spec.get("MetricName") is not None:
            raise at.refuse(
                "ValidationException: give either MetricName/Namespace or Metrics, not both"
            )
        return _queries(spec["Metrics"], at.key("Metrics"))
    name = as_str(_required(spec, "MetricName", at), at.key("MetricName"))
    namespace = as_str(_required(spec, "Namespace", at), at.key("Namespace"))
    return Metric(name, Ref("m"), {"m": _source(namespace, name)})


def _source(namespace: str, name: str) -> str:
    return KNOWN_METRICS.get((namespace, name), f"metric:{name}")


def _queries(value: object, at: Where) -> Metric:
    """TargetTrackingMetricDataQuery (or an alarm's MetricDataQuery) list: MetricStats with
    Ids, and the one query (ReturnData true, or the only Expression) that gives the metric."""
    items = as_list(value, at, "a list of metric data queries")
    inputs: dict[str, str] = {}
    expressions: dict[str, tuple[Expr, str]] = {}
    returned: list[str] = []
    for n, item in enumerate(items):
        spot = at.index(n)
        query = as_mapping(item, spot)
        _keys(query, _QUERY, "MetricDataQuery", spot)
        ident = as_str(_required(query, "Id", spot), spot.key("Id"))
        if (query.get("Expression") is None) == (query.get("MetricStat") is None):
            raise spot.refuse("ValidationException: give either Expression or MetricStat")
        if query.get("ReturnData") is True:
            returned.append(ident)
        if query.get("MetricStat") is not None:
            stat_at = spot.key("MetricStat")
            stat = as_mapping(query["MetricStat"], stat_at)
            _keys(stat, _STAT, "MetricStat", stat_at)
            metric_at = stat_at.key("Metric")
            metric = as_mapping(_required(stat, "Metric", stat_at), metric_at)
            _keys(metric, _METRIC, "Metric", metric_at)
            name = as_str(_required(metric, "MetricName", metric_at), metric_at.key("MetricName"))
            namespace = as_str(
                _required(metric, "Namespace", metric_at), metric_at.key("Namespace")
            )
            inputs[ident] = _source(namespace, name)
        else:
            text = as_str(query["Expression"], spot.key("Expression"))
            parsed = parse_expression(text, spot.key("Expression"))
            expressions[ident] = (parsed, str(query.get("Label") or text))
    if len(returned) > 1:
        raise at.refuse("ValidationException: exactly one query may have ReturnData true")
    chosen = (
        returned[0] if returned else (next(iter(expressions)) if len(expressions) == 1 else None)
    )
    if chosen is None:
        raise at.refuse(
            "ValidationException: mark the query that gives the metric with ReturnData true"
        )
    if chosen in inputs:
        return Metric(chosen, Ref(chosen), {chosen: inputs[chosen]})
    expression, label = expressions[chosen]
    for ident in references(expression):
        if ident not in inputs:
            raise at.refuse(
                f"ValidationException: the expression uses {ident!r}, which no MetricStat "
                "query has as its Id",
                "expressions over other expressions aren't modelled; give each metric an Id",
            )
    return Metric(label, expression, {i: inputs[i] for i in references(expression)})


def _step_policy(name: str, config: Mapping[str, Any], at: Where) -> StepPolicy:
    _keys(config, _STEP_CONFIG, "StepScalingPolicyConfiguration", at)
    raw_type = as_str(_required(config, "AdjustmentType", at), at.key("AdjustmentType"))
    try:
        kind = AdjustmentType(raw_type)
    except ValueError:
        raise at.key("AdjustmentType").refuse(
            f"{raw_type!r} is not an adjustment type",
            "use ChangeInCapacity, ExactCapacity or PercentChangeInCapacity",
        ) from None
    raw_steps = as_list(_required(config, "StepAdjustments", at), at.key("StepAdjustments"))
    steps = []
    for n, item in enumerate(raw_steps):
        spot = at.key("StepAdjustments").index(n)
        data = as_mapping(item, spot)
        _keys(data, _STEP, "StepAdjustment", spot)
        adjustment = as_int(
            _required(data, "ScalingAdjustment", spot),
            spot.key("ScalingAdjustment"),
            minimum=-MAX_CAPACITY,
        )
        if kind is AdjustmentType.EXACT and adjustment < 0:
            raise spot.key("ScalingAdjustment").refuse(
                "ValidationException: for ExactCapacity the ScalingAdjustment can't be negative"
            )
        low, high = (
            None if data.get(key) is None else _number(data[key], spot.key(key))
            for key in ("MetricIntervalLowerBound", "MetricIntervalUpperBound")
        )
        steps.append(Step(low, high, adjustment))
    _check_steps(steps, at.key("StepAdjustments"))
    magnitude = config.get("MinAdjustmentMagnitude")
    if magnitude is not None and kind is not AdjustmentType.PERCENT:
        raise at.key("MinAdjustmentMagnitude").refuse(
            "ValidationException: MinAdjustmentMagnitude is valid only with "
            "AdjustmentType PercentChangeInCapacity"
        )
    cooldown = (
        as_int(config["Cooldown"], at.key("Cooldown"))
        if config.get("Cooldown") is not None
        else DEFAULT_COOLDOWN
    )
    return StepPolicy(
        name=name,
        adjustment_type=kind,
        steps=tuple(steps),
        cooldown=cooldown,
        min_magnitude=None
        if magnitude is None
        else as_int(magnitude, at.key("MinAdjustmentMagnitude"), minimum=1),
    )


def _check_steps(steps: list[Step], at: Where) -> None:
    """The documented rules (StepAdjustment, API reference): no overlap or gap; at most one
    null lower and one null upper bound, never both in one step; a negative lower bound
    needs a step with a null lower bound, a positive upper bound one with a null upper."""
    rule = None
    if not steps:
        rule = "give at least one step adjustment"
    elif any(s.lower is None and s.upper is None for s in steps):
        rule = "the upper and lower bound can't be null in the same step adjustment"
    elif sum(s.lower is None for s in steps) > 1 or sum(s.upper is None for s in steps) > 1:
        rule = "at most one step adjustment can have a null lower (upper) bound"
    elif any(s.lower is not None and s.upper is not None and s.lower >= s.upper for s in steps):
        rule = "a step's lower bound must be below its upper bound"
    elif any(s.lower is not None and s.lower < 0 for s in steps) and not any(
        s.lower is None for s in steps
    ):
        rule = "a negative lower bound needs a step adjustment with a null lower bound"
    elif any(s.upper is not None and s.upper > 0 for s in steps) and not any(
        s.upper is None for s in steps
    ):
        rule = "a positive upper bound needs a step adjustment with a null upper bound"
    else:
        ordered = sorted(steps, key=lambda s: -math.inf if s.lower is None else s.lower)
        for before, after in pairwise(ordered):
            if before.upper != after.lower:
                rule = "the ranges of the step adjustments can't overlap or have a gap"
                break
    if rule:
        raise at.refuse(f"ValidationException: {rule}", "see StepAdjustment in the API reference")


def _alarm(request: Mapping[str, Any], at: Where, policies: set[str]) -> Alarm:
    _keys(request, _ALARM, "PutMetricAlarmInput", at)
    name = as_str(_required(request, "AlarmName", at), at.key("AlarmName"))
    for key in ("ExtendedStatistic", "ThresholdMetricId"):
        if request.get(key) is not None:
            raise at.key(key).refuse(f"{key} isn't modelled by this simulator")
    if request.get("Metrics") is not None:
        metric = _queries(request["Metrics"], at.key("Metrics"))
        statistic = "Average"
    else:
        metric_name = as_str(_required(request, "MetricName", at), at.key("MetricName"))
        namespace = as_str(_required(request, "Namespace", at), at.key("Namespace"))
        metric = Metric(metric_name, Ref("m"), {"m": _source(namespace, metric_name)})
        statistic = as_str(request.get("Statistic", "Average"), at.key("Statistic"))
        if statistic not in ("Average", "Sum", "Minimum", "Maximum", "SampleCount"):
            raise at.key("Statistic").refuse(
                f"{statistic!r} is not a statistic", "Average, Sum, Minimum, Maximum or SampleCount"
            )
    period = as_int(request.get("Period", 60), at.key("Period"), minimum=1)
    if period % 60:
        raise at.key("Period").refuse(
            f"a Period of {period} seconds isn't modelled",
            "ecsprep runs whole minutes: use 60, 120, 300…",
        )
    periods = as_int(
        _required(request, "EvaluationPeriods", at), at.key("EvaluationPeriods"), minimum=1
    )
    datapoints = as_int(
        request.get("DatapointsToAlarm", periods), at.key("DatapointsToAlarm"), minimum=1
    )
    if datapoints > periods:
        raise at.key("DatapointsToAlarm").refuse(
            f"ValidationException: DatapointsToAlarm ({datapoints}) can't exceed "
            f"EvaluationPeriods ({periods})"
        )
    threshold = _number(_required(request, "Threshold", at), at.key("Threshold"))
    raw = as_str(_required(request, "ComparisonOperator", at), at.key("ComparisonOperator"))
    try:
        comparison = Comparison(raw)
    except ValueError:
        raise at.key("ComparisonOperator").refuse(
            f"{raw!r} isn't modelled",
            "use GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold or "
            "LessThanOrEqualToThreshold",
        ) from None
    actions = []
    for n, value in enumerate(as_list(request.get("AlarmActions", []), at.key("AlarmActions"))):
        text = as_str(value, at.key("AlarmActions").index(n))
        # a policy ARN ends ":policyName/NAME"; the name itself may hold "policyName/" too
        policy = text.split("policyName/", 1)[-1] if "policyName/" in text else text
        if policy not in policies:
            raise (
                at.key("AlarmActions")
                .index(n)
                .refuse(
                    f"{text!r} names no step scaling policy of this scenario",
                    f"the step policies are: {', '.join(sorted(policies)) or 'none'}",
                )
            )
        actions.append(policy)
    return Alarm(
        name=name,
        metric=metric,
        statistic=statistic,
        period=period // 60,
        evaluation_periods=periods,
        datapoints_to_alarm=datapoints,
        threshold=threshold,
        comparison=comparison,
        actions=tuple(actions),
    )


def _scheduled(
    request: Mapping[str, Any], at: Where, resource: str, start: datetime
) -> ScheduledAction:
    _keys(request, _ACTION, "PutScheduledActionRequest", at)
    name = as_str(_required(request, "ScheduledActionName", at), at.key("ScheduledActionName"))
    _same_target(request, at, resource)
    schedule = parse_schedule(
        as_str(_required(request, "Schedule", at), at.key("Schedule")), at.key("Schedule")
    )
    zone_at = at.key("Timezone")
    raw_zone = request.get("Timezone")
    tz = zone(None if raw_zone is None else as_str(raw_zone, zone_at), zone_at)
    spot = at.key("ScalableTargetAction")
    action = as_mapping(request.get("ScalableTargetAction") or {}, spot)
    _keys(action, ("MinCapacity", "MaxCapacity"), "ScalableTargetAction", spot)
    low = (
        None
        if action.get("MinCapacity") is None
        else as_int(action["MinCapacity"], spot.key("MinCapacity"))
    )
    high = (
        None
        if action.get("MaxCapacity") is None
        else as_int(action["MaxCapacity"], spot.key("MaxCapacity"))
    )
    if low is None and high is None:
        raise spot.refuse(
            "give MinCapacity, MaxCapacity or both", "a scheduled action changes the capacity range"
        )
    if low is not None and high is not None and low > high:
        raise spot.refuse(
            f"ValidationException: MinCapacity {low} is greater than MaxCapacity {high}"
        )
    return ScheduledAction(
        name=name,
        schedule=schedule,
        zone=tz,
        min_capacity=low,
        max_capacity=high,
        start=_time(request.get("StartTime"), at.key("StartTime")),
        end=_time(request.get("EndTime"), at.key("EndTime")),
    )


def _time(value: object, at: Where) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = as_str(value, at).upper().replace("Z", "+00:00")  # RFC 3339 allows t and z
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise at.refuse(f"{value!r} is not a time", "e.g. 2024-01-01T08:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _timeline(
    timeline: Mapping[str, Any], at: Where
) -> tuple[datetime, int, tuple[LoadPoint, ...]]:
    _keys(timeline, _TIMELINE, "timeline", at, aws=False)
    start = _time(timeline.get("start", "2024-01-01T00:00:00Z"), at.key("start"))
    assert start is not None
    raw_points = as_list(timeline.get("load", []), at.key("load"), "a list of load points")
    points = []
    for n, item in enumerate(raw_points):
        spot = at.key("load").index(n)
        data = as_mapping(item, spot, "a load point")
        _keys(data, _POINT, "a load point", spot, aws=False)
        minute = _minute(data.get("at", 0), spot.key("at"), start)
        values: dict[str, float] = {}
        for key, name in LOAD_KEYS.items():
            if data.get(key) is not None:
                values[name] = _number(data[key], spot.key(key))
                if values[name] < 0:
                    raise spot.key(key).refuse("the work can't be negative")
        metrics = as_mapping(data.get("metrics") or {}, spot.key("metrics"))
        for key, value in metrics.items():
            values[f"metric:{key}"] = _number(value, spot.key("metrics").key(str(key)))
        points.append(LoadPoint(minute, values))
    last = max((p.at for p in points), default=0)
    minutes = as_int(timeline.get("minutes", last + 30), at.key("minutes"), minimum=1)
    if minutes > MAX_MINUTES:
        raise at.key("minutes").refuse(f"{minutes} minutes is longer than a week ({MAX_MINUTES})")
    return start, minutes, tuple(points)


def _minute(value: object, at: Where, start: datetime) -> int:
    """A load point's time: minutes from the start, or HH:MM on the start's clock (the
    first such time at or after the start)."""
    if isinstance(value, str) and ":" in value:
        hours, _, mins = value.partition(":")
        if not (hours.isdigit() and mins.isdigit() and int(hours) < 24 and int(mins) < 60):
            raise at.refuse(f"{value!r} is not a time of day HH:MM")
        offset = (int(hours) * 60 + int(mins)) - (start.hour * 60 + start.minute)
        return offset % (24 * 60)
    return as_int(value, at)
