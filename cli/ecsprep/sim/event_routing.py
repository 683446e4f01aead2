"""EventBridge rules and targets: which rule matches which ECS event, and what each
target receives.

Inputs are AWS's shapes: the events as EventBridge delivers them (`source`,
`detail-type`, `detail`, …: ECS Task State Change, ECS Container Instance State
Change, ECS Service Action, ECS Deployment State Change), PutRule requests, PutTargets
requests and Lambda AddPermission requests. Documented rules applied (docs/events.md
has the page of each):

- AWS services, ECS included, send their events to the account's default event bus
  only, so a rule on a custom bus never sees them;
- a DISABLED rule matches nothing;
- a target receives the whole event, or `Input` (constant JSON), or the part named by
  `InputPath`, or `InputTransformer`'s template filled from `InputPathsMap`;
- EventBridge invokes a Lambda function only when the function's resource-based policy
  allows `events.amazonaws.com` (AddPermission); without it the invocation fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str
from ecsprep.sim.event_patterns import PatternMatch, match, read_pattern

_PUT_RULE = ("Name", "ScheduleExpression", "EventPattern", "State", "Description", "RoleArn",
             "Tags", "EventBusName")  # fmt: skip
_TARGET = ("Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer", "EcsParameters",
           "DeadLetterConfig", "RetryPolicy", "SqsParameters", "HttpParameters",
           "RunCommandParameters", "BatchParameters", "KinesisParameters",
           "RedshiftDataParameters", "SageMakerPipelineParameters")  # fmt: skip
_PATH = re.compile(r"\$(\.[A-Za-z0-9_\-]+|\[\d+\])*")


def unknown_parameter(key: str, allowed: tuple[str, ...], where: Where) -> Exception:
    """The AWS CLI's (botocore's) refusal of a parameter the API doesn't have."""
    return where.refuse(
        f'Parameter validation failed: Unknown parameter in input: "{key}", must be one of: '
        + ", ".join(allowed),
        None,
    )


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    source: str
    detail_type: str
    body: Mapping[str, object]  # the whole event as EventBridge delivers it

    @property
    def label(self) -> str:
        detail = self.body.get("detail")
        name = ""
        if isinstance(detail, Mapping):
            name = str(detail.get("eventName") or detail.get("lastStatus") or "")
        return f"{self.id} ({self.detail_type}{': ' + name if name else ''})"


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    arn: str
    input: str | None = None
    input_path: str | None = None
    paths_map: tuple[tuple[str, str], ...] = ()
    template: str | None = None
    role_arn: str | None = None

    @property
    def kind(self) -> str:
        parts = self.arn.split(":")
        return parts[2] if len(parts) > 2 else "?"


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    bus: str
    enabled: bool
    pattern: Mapping[str, object] | None
    schedule: str | None
    targets: tuple[Target, ...] = ()


@dataclass(frozen=True, slots=True)
class Permission:
    function: str  # name or ARN as given
    principal: str
    action: str
    source_arn: str | None
    qualifier: str = ""  # AddPermission's Qualifier: the version or alias the policy is on


@dataclass(frozen=True, slots=True)
class Delivery:
    rule: str
    target: str
    event: str
    delivered: bool
    input: str  # the JSON text the target receives
    reason: str = ""  # why it was not delivered


@dataclass(frozen=True, slots=True)
class Routing:
    events: tuple[Event, ...]
    rules: tuple[Rule, ...]
    matches: tuple[tuple[str, str, PatternMatch | None, str], ...]  # rule, event, match, skip
    deliveries: tuple[Delivery, ...]

    def matched(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {r.name: [] for r in self.rules if r.pattern is not None}
        for rule, event, result, skip in self.matches:
            if result is not None and result.matched and not skip:
                found[rule].append(event)
        return found

    def delivered(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for rule in self.rules:
            for target in rule.targets:
                found.setdefault(target.id, [])
        for d in self.deliveries:
            if d.delivered and d.event not in found[d.target]:
                found[d.target].append(d.event)
        return found

    def failed(self) -> dict[str, str]:
        return {d.target: d.reason for d in self.deliveries if not d.delivered}


def read_events(raw: object, where: Where) -> tuple[Event, ...]:
    events = []
    seen: set[str] = set()
    for position, item in enumerate(as_list(raw, where, "a list of events")):
        at = where.index(position)
        body = as_mapping(item, at, "an event")
        for key in ("source", "detail-type", "detail"):
            if key not in body:
                raise at.refuse(
                    f"the event has no {key!r}",
                    "give events as EventBridge delivers them: source, detail-type, detail",
                )
        event_id = str(body.get("id") or f"event-{position + 1}")
        if event_id in seen:
            raise at.key("id").refuse(f"two events have the id {event_id!r}")
        seen.add(event_id)
        events.append(
            Event(
                event_id,
                as_str(body["source"], at.key("source")),
                as_str(body["detail-type"], at.key("detail-type")),
                dict(body),
            )
        )
    return tuple(events)


def read_rules(put_rule: object, put_targets: object, where: Where) -> tuple[Rule, ...]:
    rules: dict[str, Rule] = {}
    at_rules = where.key("putRule")
    for position, item in enumerate(as_list(put_rule, at_rules, "a list of PutRule requests")):
        at = at_rules.index(position)
        request = as_mapping(item, at, "a PutRule request")
        for key in request:
            if key not in _PUT_RULE:
                raise unknown_parameter(str(key), _PUT_RULE, at)
        if "Name" not in request:
            raise at.refuse(
                'Parameter validation failed: Missing required parameter in input: "Name"'
            )
        name = as_str(request["Name"], at.key("Name"))
        bus = str(request.get("EventBusName") or "default")
        state = str(request.get("State") or "ENABLED")
        if state not in ("ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"):
            raise at.key("State").refuse(f"{state!r} is not ENABLED or DISABLED")
        pattern = schedule = None
        if "EventPattern" in request:
            pattern = read_pattern(request["EventPattern"], at.key("EventPattern"))
        if "ScheduleExpression" in request:
            schedule = as_str(request["ScheduleExpression"], at.key("ScheduleExpression"))
            if bus != "default":
                raise at.key("ScheduleExpression").refuse(
                    "ScheduleExpression is supported only on the default event bus."
                )
        if pattern is None and schedule is None:
            raise at.refuse(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
                "a rule matches events (EventPattern) or runs on a schedule (ScheduleExpression)",
            )
        if name in rules:
            raise at.key("Name").refuse(f"two PutRule requests name the rule {name!r}")
        rules[name] = Rule(name, bus, state != "DISABLED", pattern, schedule)
    at_targets = where.key("putTargets")
    for position, item in enumerate(
        as_list(put_targets or [], at_targets, "a list of PutTargets requests")
    ):
        at = at_targets.index(position)
        request = as_mapping(item, at, "a PutTargets request")
        name = as_str(request.get("Rule", ""), at.key("Rule"))
        if name not in rules:
            raise at.key("Rule").refuse(
                f"Rule {name} does not exist on EventBus "
                f"{request.get('EventBusName') or 'default'}.",
                "put the rule first (putRule)",
            )
        targets = list(rules[name].targets)
        for t_position, raw in enumerate(as_list(request.get("Targets"), at.key("Targets"))):
            targets.append(_read_target(raw, at.key("Targets").index(t_position)))
        ids = [t.id for t in targets]
        if len(ids) != len(set(ids)):
            raise at.key("Targets").refuse("two targets of the rule have the same Id")
        if len(targets) > 5:
            raise at.key("Targets").refuse(
                "The requested resource exceeds the maximum number allowed.",
                "a rule has at most 5 targets",
            )
        old = rules[name]
        rules[name] = Rule(
            old.name, old.bus, old.enabled, old.pattern, old.schedule, tuple(targets)
        )
    return tuple(rules.values())


def _read_target(raw: object, at: Where) -> Target:
    target = as_mapping(raw, at, "a target")
    for key in target:
        if key not in _TARGET:
            raise unknown_parameter(str(key), _TARGET, at)
    for key in ("Id", "Arn"):
        if key not in target:
            raise at.refuse(
                f'Parameter validation failed: Missing required parameter in input: "{key}"'
            )
    given = [k for k in ("Input", "InputPath", "InputTransformer") if k in target]
    if len(given) > 1:
        raise at.refuse(
            "Only one of Input, InputPath, or InputTransformer must be provided.",
            "choose one way to shape what the target receives",
        )
    paths: tuple[tuple[str, str], ...] = ()
    template = None
    if "InputTransformer" in target:
        transformer = as_mapping(target["InputTransformer"], at.key("InputTransformer"))
        if "InputTemplate" not in transformer:
            raise at.key("InputTransformer").refuse(
                'Parameter validation failed: Missing required parameter in input: "InputTemplate"'
            )
        template = as_str(transformer["InputTemplate"], at.key("InputTransformer.InputTemplate"))
        raw_map = as_mapping(
            transformer.get("InputPathsMap") or {}, at.key("InputTransformer.InputPathsMap")
        )
        if len(raw_map) > 100:
            raise at.key("InputTransformer.InputPathsMap").refuse("at most 100 variables")
        for name, path in raw_map.items():
            text = as_str(path, at.key(f"InputTransformer.InputPathsMap.{name}"))
            if name.startswith("aws.events"):
                raise at.key("InputTransformer.InputPathsMap").refuse(
                    f"InputPathsMap variable {name} is reserved (aws.events.*)"
                )
            _check_path(text, at.key(f"InputTransformer.InputPathsMap.{name}"))
            paths += ((str(name), text),)
    input_path = None
    if "InputPath" in target:
        input_path = as_str(target["InputPath"], at.key("InputPath"))
        _check_path(input_path, at.key("InputPath"))
    constant = None
    if "Input" in target:
        constant = as_str(target["Input"], at.key("Input"))
        try:
            json.loads(constant)
        except json.JSONDecodeError:
            raise at.key("Input").refuse("Input is not valid JSON text") from None
    return Target(
        id=as_str(target["Id"], at.key("Id")),
        arn=as_str(target["Arn"], at.key("Arn")),
        input=constant,
        input_path=input_path,
        paths_map=paths,
        template=template,
        role_arn=str(target["RoleArn"]) if "RoleArn" in target else None,
    )


def _check_path(text: str, at: Where) -> None:
    if not _PATH.fullmatch(text):
        raise at.refuse(f"{text!r} is not a JSON path such as $.detail.stoppedReason")


def read_permissions(raw: object, where: Where) -> tuple[Permission, ...]:
    found = []
    for position, item in enumerate(as_list(raw or [], where, "a list of AddPermission requests")):
        at = where.index(position)
        request = as_mapping(item, at, "an AddPermission request")
        for key in ("FunctionName", "Action", "Principal"):
            if key not in request:
                raise at.refuse(
                    f'Parameter validation failed: Missing required parameter in input: "{key}"'
                )
        found.append(
            Permission(
                function=str(request["FunctionName"]),
                principal=str(request["Principal"]),
                action=str(request["Action"]),
                source_arn=str(request["SourceArn"]) if request.get("SourceArn") else None,
                qualifier=str(request.get("Qualifier") or ""),
            )
        )
    return tuple(found)


def function_id(text: str, qualifier: str = "") -> str:
    """A Lambda function as `name` or `name:qualifier` (a version or an alias), from a
    function ARN, a partial ARN (`ACCOUNT:function:NAME`) or a name, each of which may end
    in `:QUALIFIER`; AddPermission's Qualifier, when given, names the version or alias."""
    name, _, own = text.split(":function:", 1)[-1].partition(":")
    qualifier = qualifier or own
    return f"{name}:{qualifier}" if qualifier else name


def route(
    events: tuple[Event, ...], rules: tuple[Rule, ...], permissions: tuple[Permission, ...]
) -> Routing:
    matches: list[tuple[str, str, PatternMatch | None, str]] = []
    deliveries: list[Delivery] = []
    for rule in rules:
        if rule.pattern is None:
            continue
        for event in events:
            skip = ""
            if rule.bus != "default" and event.source.startswith("aws."):
                skip = f"AWS service events go to the default bus, not {rule.bus}"
            elif not rule.enabled:
                skip = "the rule is DISABLED"
            result = match(rule.pattern, event.body)
            matches.append((rule.name, event.id, result, skip))
            if skip or not result.matched:
                continue
            for target in rule.targets:
                text = target_input(target, event, rule.name)
                reason = _permission_problem(target, rule, permissions)
                deliveries.append(
                    Delivery(rule.name, target.id, event.id, not reason, text, reason)
                )
    return Routing(events, rules, tuple(matches), tuple(deliveries))


def _permission_problem(target: Target, rule: Rule, permissions: tuple[Permission, ...]) -> str:
    if target.kind != "lambda":
        return ""  # other targets' permissions aren't modelled (docs/events.md)
    # A resource-based policy applies to the function, one version or one alias: the
    # invoked ARN's qualifier must be the policy's (using-aliases.html, API_AddPermission).
    name = function_id(target.arn)
    for p in permissions:
        if function_id(p.function, p.qualifier) != name:
            continue
        if p.principal != "events.amazonaws.com":
            continue
        if p.action not in ("lambda:InvokeFunction", "lambda:*"):
            continue
        # INF: a SourceArn is compared by the rule's name (the ARN's `rule/NAME` ending).
        if p.source_arn is not None and not p.source_arn.endswith(f"rule/{rule.name}"):
            continue
        return ""
    return (
        f"the function {name}'s resource-based policy doesn't allow events.amazonaws.com to "
        f"invoke it for rule {rule.name} (add-permission)"
    )


def target_input(target: Target, event: Event, rule: str) -> str:
    """The JSON text the target receives for this event."""
    if target.input is not None:
        return target.input
    if target.input_path is not None:
        return json.dumps(_lookup(event.body, target.input_path))
    if target.template is not None:
        values = {name: _lookup(event.body, path) for name, path in target.paths_map}
        values["aws.events.rule-name"] = rule
        values["aws.events.event.json"] = event.body
        values["aws.events.event"] = event.body
        return _fill(target.template, values)
    return json.dumps(event.body)


def _lookup(body: object, path: str) -> object:
    value: object = body
    for part in re.findall(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]", path):
        key, index = part
        if key and isinstance(value, Mapping):
            value = value.get(key)
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return None
    return value


def _fill(template: str, values: Mapping[str, object]) -> str:
    """InputTemplate: `<name>` becomes the value; a string is written bare (inside the
    template's own quotes), anything else as JSON; a missing path gives null in JSON
    templates. (INF: how a string containing quotes is escaped is not modelled.)"""

    def replace(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in values:
            return found.group(0)
        value = values[name]
        if isinstance(value, str):
            return value
        return json.dumps(value, separators=(",", ":"))

    return re.sub(r"<([A-Za-z0-9_.\-]+)>", replace, template)
