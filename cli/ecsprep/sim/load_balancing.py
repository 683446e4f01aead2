"""How an ECS service's tasks become load balancer targets and get traffic.

Given a scenario in AWS's own shapes (a task definition, a CreateService or RunTask
request, the load balancers with their listeners and rules as ELBv2 describes them,
the target groups with their health check settings and attributes, the security
groups, the subnets and container instances), `run` walks what ECS and Elastic
Load Balancing do and records each decision as a `Step`:

1. Registration (ECS developer guide, "Use load balancing to distribute Amazon ECS
   service traffic", alb.html / nlb.html): a service names up to five target groups;
   awsvpc tasks (so every Fargate task) register as `ip:containerPort` and need
   target type `ip`; bridge and host tasks register as `instance:hostPort` and need
   `instance`; the wrong type is refused with ECS's InvalidParameterException. In
   bridge mode a hostPort of 0 (or none) takes a dynamic port from the ephemeral
   range (task_definition_parameters.html, portMappings).
2. Reachability: the target's security groups (the task's in awsvpc, the
   instance's otherwise) must admit the load balancer's security group on the
   registered port, the whole ephemeral range for dynamic ports (alb.html).
3. Health: a target in an Availability Zone that isn't enabled for the load
   balancer is `unused` (Target.NotInUse); otherwise the health check (path, port,
   matcher, thresholds) against what the application answers: healthy,
   Target.Timeout (blocked), Target.FailedHealthChecks (nothing listening) or
   Target.ResponseCodeMismatch (target-group-health-checks.html). A new target
   needs one passing check.
4. The service scheduler replaces a task whose target is unhealthy, or whose
   essential container with a task-definition healthCheck is UNHEALTHY, after the
   healthCheckGracePeriodSeconds; standalone tasks are never replaced
   (healthcheck.html, service_definition_parameters.html). Docker image
   HEALTHCHECKs are ignored. A slow start (readyAfterSeconds) fails every check
   until the application is ready; when that outlasts the thresholds, the task
   counts as failing until it is healthy again (a target that went unhealthy after
   HealthyThresholdCount consecutive passes, a container at its first pass), and
   only a grace period lasting past that keeps it (`_warmup_failing`).
5. Routing: a request picks the listener on its port and protocol; ALB rules are
   evaluated from the lowest priority number, all conditions of a rule must match
   (path-pattern, host-header, http-header; only the path is case-sensitive), else the
   default action (listener-update-rules.html, load-balancer-listeners.html).
6. Stopping: a deregistered target drains for up to deregistration_delay (300 s by
   default), at once when nothing is in flight and no connection is open; ECS stops
   the task after draining, so requests longer than the delay are cut.
7. Slow start: a new target joining healthy targets gets a linearly rising share
   for slow_start.duration_seconds after it turns healthy.

Every point the docs leave open is an inferred choice, said in the notes as "(INF)".
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str
from ecsprep.sim.ip_permissions import IpPermission, read_ip_permission

EPHEMERAL_FIRST = 32768  # ECS-optimized AMI's ephemeral range starts here (INF: assignment order)
EPHEMERAL_LAST = 65535
MAX_TARGET_GROUPS = 5
ALB_PROTOCOLS = ("HTTP", "HTTPS")
NLB_PROTOCOLS = ("TCP", "TLS", "UDP", "TCP_UDP")
DEFAULT_DELAY = 300
FACTS = (
    "target_type",
    "registered",
    "targets",
    "routes",
    "healthy",
    "unhealthy",
    "unused",
    "reasons",
    "reachable",
    "replaced_by",
    "replaced_after",
    "warmup_failing",
    "task_health",
    "container_health",
    "drain_seconds",
    "cut_requests",
    "healthy_at",
    "full_share_at",
    "cold_full_share",
    "static_ips",
    "zones",
)
RANKED = (
    "healthy",
    "unhealthy",
    "unused",
    "drain_seconds",
    "cut_requests",
    "full_share_at",
    "replaced_after",
)
_KEYS = (
    "description",
    "taskDefinition",
    "service",
    "runTask",
    "loadBalancers",
    "targetGroups",
    "securityGroups",
    "subnets",
    "containerInstances",
    "application",
    "requests",
    "stop",
    "scaleOut",
)


# --- the input ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortMapping:
    container_port: int
    host_port: int  # 0 = dynamic
    protocol: str = "tcp"


@dataclass(frozen=True, slots=True)
class HealthCheck:
    interval: int = 30
    retries: int = 3
    start_period: int = 0


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    essential: bool
    ports: tuple[PortMapping, ...]
    health: HealthCheck | None


@dataclass(frozen=True, slots=True)
class Condition:
    field: str  # path-pattern, host-header, http-header
    values: tuple[str, ...]
    header: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # forward, fixed-response, redirect
    groups: tuple[tuple[str, int], ...] = ()  # (target group, weight)
    status: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    priority: int
    conditions: tuple[Condition, ...]
    action: Action


@dataclass(frozen=True, slots=True)
class Listener:
    port: int
    protocol: str
    default: Action
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    name: str
    kind: str  # application, network
    zones: tuple[str, ...]
    security_groups: tuple[str, ...]
    listeners: tuple[Listener, ...]
    elastic_ips: int  # zones given an AllocationId


@dataclass(frozen=True, slots=True)
class TargetGroup:
    name: str
    target_type: str
    protocol: str
    port: int
    health_path: str
    health_port: str  # traffic-port or a number
    health_protocol: str
    healthy_threshold: int
    unhealthy_threshold: int
    interval: int
    matcher: tuple[int, ...]
    delay: int
    slow_start: int
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    zone: str
    security_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Binding:
    target_group: str
    container: str
    container_port: int


@dataclass(frozen=True, slots=True)
class Request:
    label: str
    host: str
    path: str
    port: int
    protocol: str
    headers: Mapping[str, str]
    load_balancer: str


@dataclass(frozen=True, slots=True)
class Setup:
    network_mode: str
    launch_type: str
    containers: tuple[Container, ...]
    in_service: bool
    count: int
    grace: int
    bindings: tuple[Binding, ...]
    task_subnets: tuple[str, ...]
    task_security_groups: tuple[str, ...]
    load_balancers: tuple[LoadBalancer, ...]
    target_groups: Mapping[str, TargetGroup]
    security_groups: Mapping[str, tuple[IpPermission, ...]]
    subnets: Mapping[str, str]  # subnet → Availability Zone
    instances: tuple[Instance, ...]
    responses: Mapping[str, int]  # path → status the application answers
    other_paths: int  # status for a path not listed
    listening: bool  # the application answers on its container ports
    ready_after: int  # seconds from start until it answers health checks
    warmup: int  # seconds from start until it answers at full speed
    failing: tuple[str, ...]  # containers whose health check command fails
    image_healthchecks: tuple[str, ...]
    requests: tuple[Request, ...]
    inflight: tuple[float, ...]  # seconds of the requests in flight when a task stops
    keep_alive: bool  # clients hold idle keep-alive connections
    new_tasks: int  # scale-out: tasks that join running healthy ones
    egress_given: bool = False


# --- the run -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    what: str
    ok: bool
    detail: str = ""
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    target_group: str
    id: str  # instance id or IP
    port: int
    zone: str
    state: str  # healthy, unhealthy, unused
    reason: str = ""

    @property
    def text(self) -> str:
        return f"{self.id}:{self.port}"


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    steps: tuple[Step, ...]
    targets: tuple[Target, ...]
    routes: Mapping[str, str]
    reachable: bool
    replaced_by: tuple[str, ...]
    replaced_after: int
    task_health: str
    container_health: Mapping[str, str]
    drain_seconds: int
    cut_requests: int
    healthy_at: int
    full_share_at: int
    cold_full_share: bool
    static_ips: bool
    notes: tuple[str, ...] = field(default=())
    # While the application warms up (readyAfterSeconds): which check counts the task as
    # failing, from when until it is healthy again, in seconds from the task's start.
    warmup_failing: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def count(self, state: str) -> int:
        return sum(1 for t in self.targets if t.state == state)

    def facts(self) -> dict[str, object]:
        registered: dict[str, list[str]] = {}
        for t in self.targets:
            registered.setdefault(t.target_group, []).append(t.text)
        reasons: dict[str, int] = {}
        for t in self.targets:
            if t.reason:
                reasons[t.reason] = reasons.get(t.reason, 0) + 1
        zones: dict[str, int] = {}
        for t in self.targets:
            zones[t.zone] = zones.get(t.zone, 0) + 1
        types = sorted(
            {self.setup.target_groups[b.target_group].target_type for b in self.setup.bindings}
        )
        return {
            "target_type": types[0] if len(types) == 1 else ",".join(types),
            "registered": registered,
            "targets": len(self.targets),
            "routes": dict(self.routes),
            "healthy": self.count("healthy"),
            "unhealthy": self.count("unhealthy"),
            "unused": self.count("unused"),
            "reasons": reasons,
            "reachable": self.reachable,
            "replaced_by": list(self.replaced_by),
            "replaced_after": self.replaced_after,
            "warmup_failing": {k: list(v) for k, v in self.warmup_failing.items()},
            "task_health": self.task_health,
            "container_health": dict(self.container_health),
            "drain_seconds": self.drain_seconds,
            "cut_requests": self.cut_requests,
            "healthy_at": self.healthy_at,
            "full_share_at": self.full_share_at,
            "cold_full_share": self.cold_full_share,
            "static_ips": self.static_ips,
            "zones": zones,
        }


# --- reading -------------------------------------------------------------------------


def _strs(value: object, where: Where) -> tuple[str, ...]:
    if isinstance(value, str):
        return (as_str(value, where),)
    return tuple(as_str(v, where.index(i)) for i, v in enumerate(as_list(value, where)))


def _seconds(value: object, where: Where) -> tuple[float, ...]:
    found = []
    for i, v in enumerate(as_list(value, where)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise where.index(i).refuse("expected a number of seconds")
        found.append(float(v))
    return tuple(found)


def _unknown(data: Mapping[str, object], allowed: tuple[str, ...], where: Where) -> None:
    for key in data:
        if key not in allowed:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "known here: " + ", ".join(allowed)
            )


def read_setup(document: Mapping[str, object], where: Where) -> Setup:
    _unknown(document, _KEYS, where)
    if "taskDefinition" not in document:
        raise where.refuse("taskDefinition is missing", "give the task definition in ECS's shape")
    td_at = where.key("taskDefinition")
    td = as_mapping(document["taskDefinition"], td_at)
    given = [k for k in ("service", "runTask") if k in document]
    if len(given) != 1:
        raise where.refuse("give exactly one of service (CreateService) or runTask (RunTask)")
    in_service = given[0] == "service"
    req_at = where.key(given[0])
    request = as_mapping(document[given[0]], req_at)
    launch = str(request.get("launchType", "EC2")).upper()
    if launch not in ("EC2", "FARGATE", "EXTERNAL"):
        raise req_at.key("launchType").refuse(
            f"launchType {launch!r} isn't one of EC2, FARGATE, EXTERNAL"
        )
    default_mode = "awsvpc" if launch == "FARGATE" else "bridge"
    mode = str(td.get("networkMode", default_mode))
    if mode not in ("awsvpc", "bridge", "host", "none"):
        raise td_at.key("networkMode").refuse(
            f"networkMode {mode!r} isn't awsvpc, bridge, host or none"
        )
    if launch == "FARGATE" and mode != "awsvpc":
        raise td_at.key("networkMode").refuse(
            "Task definition does not support launch_type FARGATE.",
            "Fargate tasks need networkMode awsvpc",
        )
    containers = tuple(
        _container(c, td_at.key("containerDefinitions").index(i), mode)
        for i, c in enumerate(
            as_list(td.get("containerDefinitions", []), td_at.key("containerDefinitions"))
        )
    )
    if not containers:
        raise td_at.refuse("containerDefinitions is empty")
    count_key = "desiredCount" if in_service else "count"
    count = as_int(request.get(count_key, 1), req_at.key(count_key), minimum=0)
    grace = as_int(
        request.get("healthCheckGracePeriodSeconds", 0), req_at.key("healthCheckGracePeriodSeconds")
    )
    target_groups = _target_groups(document.get("targetGroups", []), where.key("targetGroups"))
    load_balancers = tuple(
        _load_balancer(lb, where.key("loadBalancers").index(i))
        for i, lb in enumerate(
            as_list(document.get("loadBalancers", []), where.key("loadBalancers"))
        )
    )
    bindings = _bindings(
        request, req_at, in_service, containers, target_groups, load_balancers, mode
    )
    net = as_mapping(
        as_mapping(request.get("networkConfiguration", {}), req_at.key("networkConfiguration")).get(
            "awsvpcConfiguration", {}
        ),
        req_at.key("networkConfiguration.awsvpcConfiguration"),
    )
    task_subnets = _strs(
        net.get("subnets", []), req_at.key("networkConfiguration.awsvpcConfiguration.subnets")
    )
    task_sgs = _strs(
        net.get("securityGroups", []),
        req_at.key("networkConfiguration.awsvpcConfiguration.securityGroups"),
    )
    if mode == "awsvpc" and not task_subnets:
        raise req_at.key("networkConfiguration").refuse(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified."
        )
    if mode != "awsvpc" and task_subnets:
        raise req_at.key("networkConfiguration").refuse(
            "Network Configuration is not valid for the given networkMode of this task definition."
        )
    subnets = _subnets(document.get("subnets", {}), where.key("subnets"))
    for s in task_subnets:
        if s not in subnets:
            raise req_at.key("networkConfiguration").refuse(
                f"subnet {s} isn't described", "add it under subnets: {SUBNET: AVAILABILITY-ZONE}"
            )
    instances = tuple(
        _instance(x, where.key("containerInstances").index(i))
        for i, x in enumerate(
            as_list(document.get("containerInstances", []), where.key("containerInstances"))
        )
    )
    if mode != "awsvpc" and count and not instances:
        raise where.key("containerInstances").refuse(
            "bridge and host tasks need container instances",
            "give containerInstances: [{ec2InstanceId, availabilityZone, securityGroups}]",
        )
    sgs = _security_groups(document.get("securityGroups", []), where.key("securityGroups"))
    app_at = where.key("application")
    app = as_mapping(document.get("application", {}), app_at)
    _unknown(
        app,
        (
            "responses",
            "otherPaths",
            "listening",
            "readyAfterSeconds",
            "warmupSeconds",
            "failingHealthChecks",
            "imageHealthchecks",
        ),
        app_at,
    )
    responses = {
        str(k): as_int(v, app_at.key("responses").key(str(k)), minimum=100)
        for k, v in as_mapping(app.get("responses", {}), app_at.key("responses")).items()
    }
    stop_at = where.key("stop")
    stop = as_mapping(document.get("stop", {}), stop_at)
    _unknown(stop, ("inflightSeconds", "keepAliveConnections"), stop_at)
    scale = as_mapping(document.get("scaleOut", {}), where.key("scaleOut"))
    _unknown(scale, ("newTasks",), where.key("scaleOut"))
    requests = tuple(
        _request(r, where.key("requests").index(i))
        for i, r in enumerate(as_list(document.get("requests", []), where.key("requests")))
    )
    return Setup(
        network_mode=mode,
        launch_type=launch,
        containers=containers,
        in_service=in_service,
        count=count,
        grace=grace,
        bindings=bindings,
        task_subnets=task_subnets,
        task_security_groups=task_sgs,
        load_balancers=load_balancers,
        target_groups=target_groups,
        security_groups=sgs,
        subnets=subnets,
        instances=instances,
        responses=responses,
        other_paths=as_int(
            app.get("otherPaths", 404 if responses else 200), app_at.key("otherPaths")
        ),
        listening=bool(app.get("listening", True)),
        ready_after=as_int(app.get("readyAfterSeconds", 0), app_at.key("readyAfterSeconds")),
        warmup=as_int(app.get("warmupSeconds", 0), app_at.key("warmupSeconds")),
        failing=_strs(app.get("failingHealthChecks", []), app_at.key("failingHealthChecks")),
        image_healthchecks=_strs(app.get("imageHealthchecks", []), app_at.key("imageHealthchecks")),
        requests=requests,
        inflight=_seconds(stop.get("inflightSeconds", []), stop_at.key("inflightSeconds")),
        keep_alive=bool(stop.get("keepAliveConnections", False)),
        new_tasks=as_int(scale.get("newTasks", 0), where.key("scaleOut.newTasks")),
        egress_given=any(
            isinstance(g, Mapping) and "IpPermissionsEgress" in g
            for g in as_list(document.get("securityGroups", []), where.key("securityGroups"))
        ),
    )


def _container(data: object, where: Where, mode: str) -> Container:
    c = as_mapping(data, where, "a container definition")
    name = as_str(c.get("name"), where.key("name"))  # required
    ports = []
    for i, p in enumerate(as_list(c.get("portMappings", []), where.key("portMappings"))):
        at = where.key("portMappings").index(i)
        pm = as_mapping(p, at)
        # containerPort is required here (a containerPortRange isn't modelled)
        cport = _port(pm.get("containerPort"), at.key("containerPort"), minimum=1)
        host = _port(pm.get("hostPort", 0), at.key("hostPort"), minimum=0)
        if mode in ("awsvpc", "host") and host not in (0, cport):
            raise at.refuse(
                f"When networkMode={mode}, the host ports must either be undefined or "
                "equal to the container port.",
            )
        if mode in ("awsvpc", "host"):
            host = cport
        ports.append(PortMapping(cport, host, str(pm.get("protocol", "tcp")).lower()))
    health = None
    if "healthCheck" in c:
        h = as_mapping(c["healthCheck"], where.key("healthCheck"))
        health = HealthCheck(
            as_int(h.get("interval", 30), where.key("healthCheck.interval"), minimum=5),
            as_int(h.get("retries", 3), where.key("healthCheck.retries"), minimum=1),
            as_int(h.get("startPeriod", 0), where.key("healthCheck.startPeriod")),
        )
    return Container(name, bool(c.get("essential", True)), tuple(ports), health)


def _port(value: object, where: Where, minimum: int) -> int:
    port = as_int(value, where, minimum=minimum)
    if port > EPHEMERAL_LAST:
        raise where.refuse(f"a port is {minimum}-{EPHEMERAL_LAST}, found {port}")
    return port


def _target_groups(data: object, where: Where) -> dict[str, TargetGroup]:
    found: dict[str, TargetGroup] = {}
    for i, raw in enumerate(as_list(data, where)):
        at = where.index(i)
        tg = as_mapping(raw, at, "a target group")
        name = as_str(tg.get("TargetGroupName"), at.key("TargetGroupName"))
        kind = str(tg.get("TargetType", "instance"))
        if kind not in ("instance", "ip", "alb", "lambda"):
            raise at.key("TargetType").refuse(
                f"TargetType {kind!r} isn't instance, ip, alb or lambda"
            )
        protocol = str(tg.get("Protocol", "HTTP")).upper()
        attrs = {
            str(k): str(v)
            for k, v in as_mapping(tg.get("Attributes", {}), at.key("Attributes")).items()
        }
        slow = as_int(
            attrs.get("slow_start.duration_seconds", "0"),
            at.key("Attributes.slow_start.duration_seconds"),
        )
        if slow and not 30 <= slow <= 900:
            raise at.key("Attributes").refuse(
                "slow_start.duration_seconds must be 0 or between 30 and 900",
            )
        delay = as_int(
            attrs.get("deregistration_delay.timeout_seconds", str(DEFAULT_DELAY)),
            at.key("Attributes.deregistration_delay.timeout_seconds"),
        )
        if delay > 3600:
            raise at.key("Attributes").refuse("deregistration_delay.timeout_seconds must be 0-3600")
        matcher_text = str(
            as_mapping(tg.get("Matcher", {}), at.key("Matcher")).get("HttpCode", "200")
        )
        codes: list[int] = []
        for part in matcher_text.split(","):
            lo, _, hi = (p.strip() for p in part.partition("-"))
            if not (lo.isdigit() and (hi or lo).isdigit() and int(lo) <= int(hi or lo)):
                raise at.key("Matcher.HttpCode").refuse(
                    f"HttpCode {matcher_text!r} isn't codes and ranges",
                    'e.g. "200", "200,202" or "200-299"',
                )
            codes.extend(range(int(lo), int(hi or lo) + 1))
        # Defaults (API_CreateTargetGroup.html; for GENEVE, the Gateway Load Balancer
        # guide's health-checks.html): the thresholds are 5 and 2 for every protocol (an
        # older API reference text said 3 and 3 for GENEVE); the health check's port is the
        # traffic port (80 for GENEVE), its protocol TCP for Network and Gateway Load
        # Balancers' target groups, its interval 30 s (10 s for GENEVE).
        geneve = protocol == "GENEVE"
        health_port = str(tg.get("HealthCheckPort", "80" if geneve else "traffic-port"))
        if health_port != "traffic-port":
            health_port = str(_port(health_port, at.key("HealthCheckPort"), minimum=1))
        network = protocol in NLB_PROTOCOLS or geneve
        found[name] = TargetGroup(
            name=name,
            target_type=kind,
            protocol=protocol,
            port=as_int(tg.get("Port", 80), at.key("Port")),
            health_path=str(tg.get("HealthCheckPath", "/")),
            health_port=health_port,
            health_protocol=str(
                tg.get("HealthCheckProtocol", "TCP" if network else "HTTP")
            ).upper(),
            healthy_threshold=as_int(
                tg.get("HealthyThresholdCount", 5),
                at.key("HealthyThresholdCount"),
                minimum=2,
            ),
            unhealthy_threshold=as_int(
                tg.get("UnhealthyThresholdCount", 2),
                at.key("UnhealthyThresholdCount"),
                minimum=2,
            ),
            interval=as_int(
                tg.get("HealthCheckIntervalSeconds", 10 if geneve else 30),
                at.key("HealthCheckIntervalSeconds"),
                minimum=5,
            ),
            matcher=tuple(codes),
            delay=delay,
            slow_start=slow,
            attributes=attrs,
        )
    return found


def _action(data: object, where: Where) -> Action:
    """The terminal (last) action of a rule or listener: forward (to one target group or
    weighted ForwardConfig.TargetGroups), fixed-response, redirect."""
    actions = as_list(data, where)
    if not actions:
        raise where.refuse("a rule needs an action")
    at = where.index(len(actions) - 1)
    a = as_mapping(actions[-1], at)
    kind = str(a.get("Type", "forward"))
    if kind == "forward":
        if "TargetGroupName" in a:
            return Action(
                "forward", ((as_str(a["TargetGroupName"], at.key("TargetGroupName")), 1),)
            )
        fc = as_mapping(a.get("ForwardConfig", {}), at.key("ForwardConfig"))
        listed = at.key("ForwardConfig.TargetGroups")
        groups = []
        for k, g in enumerate(as_list(fc.get("TargetGroups", []), listed)):
            gm = as_mapping(g, listed.index(k))
            groups.append(
                (
                    as_str(gm.get("TargetGroupName"), listed.index(k).key("TargetGroupName")),
                    as_int(gm.get("Weight", 1), listed.index(k).key("Weight")),
                )
            )
        if not groups:
            raise where.refuse(
                "a forward action names TargetGroupName or ForwardConfig.TargetGroups"
            )
        return Action("forward", tuple(groups))
    if kind == "fixed-response":
        config = as_mapping(a.get("FixedResponseConfig", {}), at.key("FixedResponseConfig"))
        return Action("fixed-response", status=str(config.get("StatusCode", "503")))
    return Action(kind)


def _load_balancer(data: object, where: Where) -> LoadBalancer:
    lb = as_mapping(data, where, "a load balancer")
    name = as_str(lb.get("LoadBalancerName"), where.key("LoadBalancerName"))
    kind = str(lb.get("Type", "application"))
    if kind not in ("application", "network", "gateway"):
        raise where.key("Type").refuse(f"Type {kind!r} isn't application, network or gateway")
    zones: list[str] = []
    eips = 0
    for i, z in enumerate(as_list(lb.get("AvailabilityZones", []), where.key("AvailabilityZones"))):
        zat = where.key("AvailabilityZones").index(i)
        if isinstance(z, str):
            zones.append(as_str(z, zat))
            continue
        zm = as_mapping(z, zat)
        zones.append(as_str(zm.get("ZoneName"), zat.key("ZoneName")))
        addresses = as_list(zm.get("LoadBalancerAddresses", []), zat.key("LoadBalancerAddresses"))
        if any(isinstance(x, Mapping) and x.get("AllocationId") for x in addresses):
            eips += 1
    if kind == "application" and len(zones) < 2:
        raise where.key("AvailabilityZones").refuse(
            "At least two subnets in two different Availability Zones must be specified"
        )
    listeners = []
    for i, raw in enumerate(as_list(lb.get("Listeners", []), where.key("Listeners"))):
        at = where.key("Listeners").index(i)
        ln = as_mapping(raw, at)
        protocol = str(ln.get("Protocol", "HTTP" if kind == "application" else "TCP")).upper()
        allowed = (
            ALB_PROTOCOLS
            if kind == "application"
            else NLB_PROTOCOLS
            if kind == "network"
            else ("GENEVE",)
        )
        shown = tuple(reversed(allowed)) if kind == "application" else allowed
        if protocol not in allowed:
            raise at.key("Protocol").refuse(
                f"Listener protocol '{protocol}' must be one of '{', '.join(shown)}'"
            )
        rules = []
        seen: set[int] = set()
        for j, r in enumerate(as_list(ln.get("Rules", []), at.key("Rules"))):
            rat = at.key("Rules").index(j)
            if kind != "application":
                raise rat.refuse(
                    "listener rules exist only on Application Load Balancers; a "
                    f"{kind} load balancer's listener forwards to its default action"
                )
            rm = as_mapping(r, rat)
            priority = as_int(rm.get("Priority"), rat.key("Priority"), minimum=1)
            if priority > 50000:
                raise rat.key("Priority").refuse("Priority must be between 1 and 50000")
            if priority in seen:
                raise rat.key("Priority").refuse(f"Priority '{priority}' is currently in use")
            seen.add(priority)
            conditions = tuple(
                _condition(c, rat.key("Conditions").index(k))
                for k, c in enumerate(as_list(rm.get("Conditions", []), rat.key("Conditions")))
            )
            if not conditions:
                raise rat.key("Conditions").refuse("a rule needs at least one condition")
            rules.append(
                Rule(priority, conditions, _action(rm.get("Actions", []), rat.key("Actions")))
            )
        listeners.append(
            Listener(
                port=as_int(ln.get("Port", 80), at.key("Port"), minimum=1),
                protocol=protocol,
                default=_action(ln.get("DefaultActions", []), at.key("DefaultActions")),
                rules=tuple(sorted(rules, key=lambda r: r.priority)),
            )
        )
    if eips and kind != "network":
        raise where.key("AvailabilityZones").refuse(
            "Elastic IP addresses (SubnetMappings AllocationId) can be given only to a "
            "Network Load Balancer"
        )
    return LoadBalancer(
        name,
        kind,
        tuple(zones),
        _strs(lb.get("SecurityGroups", []), where.key("SecurityGroups")),
        tuple(listeners),
        eips,
    )


def _condition(data: object, where: Where) -> Condition:
    """A RuleCondition: `Values` (host-header and path-pattern only) or the field's config;
    the value of a condition can't be empty (API_RuleCondition.html)."""
    c = as_mapping(data, where)
    fld = str(c.get("Field", ""))
    configs = {
        "path-pattern": "PathPatternConfig",
        "host-header": "HostHeaderConfig",
        "http-header": "HttpHeaderConfig",
    }
    if fld not in configs:
        raise where.key("Field").refuse(
            f"condition field {fld!r} isn't modelled",
            "use path-pattern, host-header or http-header",
        )
    header = ""
    if "Values" in c and fld != "http-header":
        at = where.key("Values")
        values = _strs(c["Values"], at)
    else:
        at = where.key(configs[fld])
        cfg = as_mapping(c.get(configs[fld], {}), at)
        if fld == "http-header":
            header = as_str(cfg.get("HttpHeaderName", ""), at.key("HttpHeaderName"))
            if not header:
                raise at.key("HttpHeaderName").refuse(
                    "an http-header condition names its header",
                    "give HttpHeaderConfig: {HttpHeaderName: NAME, Values: [VALUE]} "
                    "(Values alone is for host-header and path-pattern)",
                )
        at = at.key("Values")
        values = _strs(cfg.get("Values", []), at)
    if not values:
        raise at.refuse("the value for a condition can't be empty", "give at least one value")
    return Condition(fld, values, header.lower())


def _bindings(
    request: Mapping[str, object],
    where: Where,
    in_service: bool,
    containers: tuple[Container, ...],
    target_groups: Mapping[str, TargetGroup],
    load_balancers: tuple[LoadBalancer, ...],
    mode: str,
) -> tuple[Binding, ...]:
    raw = as_list(request.get("loadBalancers", []), where.key("loadBalancers"))
    if raw and not in_service:
        raise where.key("loadBalancers").refuse(
            "RunTask takes no loadBalancers; only a service registers targets"
        )
    if len(raw) > MAX_TARGET_GROUPS:
        raise where.key("loadBalancers").refuse(
            f"a service can have at most {MAX_TARGET_GROUPS} target groups; {len(raw)} given"
        )
    used = {
        g
        for lb in load_balancers
        for ln in lb.listeners
        for action in (ln.default, *(r.action for r in ln.rules))
        for g, _ in action.groups
    }
    out = []
    for i, b in enumerate(raw):
        at = where.key("loadBalancers").index(i)
        bm = as_mapping(b, at)
        arn = str(bm.get("targetGroupArn", bm.get("targetGroupName", "")))
        name = arn.rsplit("targetgroup/", 1)[-1].split("/", 1)[0]
        if name not in target_groups:
            raise at.key("targetGroupArn").refuse(f"target group {name!r} isn't among targetGroups")
        tg = target_groups[name]
        if name not in used:
            raise at.refuse(
                f"The target group with targetGroupArn {arn} does not have an associated "
                "load balancer."
            )
        if tg.target_type == "instance" and mode == "awsvpc":
            raise at.refuse(
                f"The provided target group {arn} has target type instance, which is incompatible "
                "with the awsvpc network mode specified in the task definition."
            )
        if tg.target_type == "ip" and mode in ("bridge", "host"):
            raise at.refuse(
                f"The provided target group {arn} has target type ip, which is incompatible with "
                f"the {mode} network mode specified in the task definition."
            )
        if tg.target_type not in ("instance", "ip"):
            raise at.refuse(
                f"target group {name} has target type {tg.target_type}; ECS registers only "
                "instance or ip targets"
            )
        cname = as_str(bm.get("containerName"), at.key("containerName"))  # both required
        cport = as_int(bm.get("containerPort"), at.key("containerPort"))
        container = next((c for c in containers if c.name == cname), None)
        if container is None or all(p.container_port != cport for p in container.ports):
            raise at.refuse(f"The container {cname} did not have a container port {cport} defined.")
        out.append(Binding(name, cname, cport))
    return tuple(out)


def _subnets(data: object, where: Where) -> dict[str, str]:
    """`{subnet-id: zone}`, or DescribeSubnets' `[{SubnetId, AvailabilityZone}]`."""
    if isinstance(data, list):
        found = {}
        for i, s in enumerate(data):
            at = where.index(i)
            sm = as_mapping(s, at)
            found[as_str(sm.get("SubnetId"), at.key("SubnetId"))] = as_str(
                sm.get("AvailabilityZone"), at.key("AvailabilityZone")
            )
        return found
    return {str(k): as_str(v, where.key(str(k))) for k, v in as_mapping(data, where).items()}


def _instance(data: object, where: Where) -> Instance:
    m = as_mapping(data, where)
    return Instance(
        as_str(m.get("ec2InstanceId"), where.key("ec2InstanceId")),  # required: the target
        as_str(m.get("availabilityZone"), where.key("availabilityZone")),  # decides NotInUse
        _strs(m.get("securityGroups", []), where.key("securityGroups")),
    )


EGRESS_NOTE = (
    "IpPermissionsEgress isn't evaluated: ecsprep takes the load balancer's outbound rules to "
    "allow its targets, as the default all-traffic egress rule does (INF)"
)


def _security_groups(data: object, where: Where) -> dict[str, tuple[IpPermission, ...]]:
    """DescribeSecurityGroups' groups: for each GroupId its inbound rules, each read as EC2
    reads it (sim/ip_permissions.py)."""
    found = {}
    for i, raw in enumerate(as_list(data, where)):
        at = where.index(i)
        g = as_mapping(raw, at)
        perms = at.key("IpPermissions")
        found[as_str(g.get("GroupId"), at.key("GroupId"))] = tuple(
            read_ip_permission(p, perms.index(j))
            for j, p in enumerate(as_list(g.get("IpPermissions", []), perms))
        )
    return found


def _request(data: object, where: Where) -> Request:
    r = as_mapping(data, where)
    host = str(r.get("host", ""))
    path = str(r.get("path", "/"))
    protocol = str(r.get("protocol", "HTTPS")).upper()
    port = as_int(r.get("port", 443 if protocol == "HTTPS" else 80), where.key("port"))
    headers = {
        str(k).lower(): str(v)
        for k, v in as_mapping(r.get("headers", {}), where.key("headers")).items()
    }
    label = str(
        r.get("label", f"{host}{path}" if protocol in ALB_PROTOCOLS else f"{protocol} {port}")
    )
    return Request(label, host, path, port, protocol, headers, str(r.get("loadBalancer", "")))


# --- running -------------------------------------------------------------------------


def _allows(
    setup: Setup, groups: tuple[str, ...], sources: tuple[str, ...], protocol: str, port: int
) -> bool:
    """Do the target's groups admit `protocol` on `port` from the load balancer? Load
    balancing's sources: one of the load balancer's groups, or 0.0.0.0/0 (as written: an
    NLB without security groups is admitted only by an open range)."""
    for g in groups:
        for p in setup.security_groups.get(g, ()):
            if not p.admits(protocol, port):
                continue
            if any(s in p.groups for s in sources) or "0.0.0.0/0" in p.cidrs:
                return True
    return False


def _task_places(setup: Setup, count: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """(id, zone, security groups) for each task: an IP in awsvpc, else an instance."""
    places = []
    for i in range(count):
        if setup.network_mode == "awsvpc":
            subnet = setup.task_subnets[i % len(setup.task_subnets)]
            zone = setup.subnets[subnet]
            index = setup.task_subnets.index(subnet)
            places.append((f"10.0.{index}.{10 + i}", zone, setup.task_security_groups))
        else:
            inst = setup.instances[i % len(setup.instances)]
            places.append((inst.id, inst.zone, inst.security_groups))
    return places


def _route(setup: Setup, request: Request) -> str:
    lbs = [
        lb
        for lb in setup.load_balancers
        if not request.load_balancer or lb.name == request.load_balancer
    ]
    if not lbs:
        return "no load balancer"
    lb = lbs[0]
    wanted = request.protocol
    listener = next(
        (
            ln
            for ln in lb.listeners
            if ln.port == request.port
            and (ln.protocol == wanted or (ln.protocol == "TCP_UDP" and wanted in ("TCP", "UDP")))
        ),
        None,
    )
    if listener is None:
        return f"no {wanted} listener on port {request.port}"
    for rule in listener.rules:
        if all(_matches(c, request) for c in rule.conditions):
            return _say(rule.action)
    return _say(listener.default)


def _matches(c: Condition, r: Request) -> bool:
    if c.field == "path-pattern":
        return any(fnmatch.fnmatchcase(r.path, v) for v in c.values)
    if c.field == "host-header":
        return any(fnmatch.fnmatchcase(r.host.lower(), v.lower()) for v in c.values)
    value = r.headers.get(c.header)  # names and values both compared ignoring case
    return value is not None and any(
        fnmatch.fnmatchcase(value.lower(), v.lower()) for v in c.values
    )


def _say(action: Action) -> str:
    if action.kind == "forward":
        if len(action.groups) == 1:
            return action.groups[0][0]
        total = sum(w for _, w in action.groups) or 1
        return ", ".join(f"{g} {round(100 * w / total)}%" for g, w in action.groups)
    if action.kind == "fixed-response":
        return f"fixed-response {action.status}"
    return action.kind


def _first_check_after(seconds: int, interval: int) -> int:
    """The first health check at or after `seconds` (checks at 0, interval, 2×interval…: INF)."""
    return -(-seconds // interval) * interval if seconds else 0


_CHECK_NAMES = {
    "elb-health-check": "load balancer's health check",
    "container-health": "container health check",
}


def _elb_warmup(ready: int, tg: TargetGroup) -> tuple[int, int, bool]:
    """A slow-starting target's load balancer checks: (unhealthy from, healthy at, went
    unhealthy).

    The application answers nothing before `ready`, so every check before then fails; the
    checks run every interval, the first one interval after registration (INF: ELB doesn't
    document when the first check runs), so the first passing check is the first multiple
    of the interval at or after `ready`. target-group-health-checks.html states two rules,
    and both apply: a newly registered target "must pass one health check to be considered
    healthy", and a target that has become unhealthy after UnhealthyThresholdCount
    consecutive failures needs HealthyThresholdCount consecutive successes to be healthy
    again. So while fewer than UnhealthyThresholdCount checks fail, the target is still in
    its initial checks and its first passing check makes it healthy; otherwise it counts
    unhealthy at the UnhealthyThresholdCount-th failure (interval x UnhealthyThresholdCount)
    and healthy only after HealthyThresholdCount passes, at first pass + (threshold - 1) x
    interval.
    """
    first_pass = _first_check_after(ready, tg.interval)
    unhealthy_from = tg.interval * tg.unhealthy_threshold
    if not ready or unhealthy_from >= first_pass:
        return unhealthy_from, first_pass, False
    return unhealthy_from, first_pass + (tg.healthy_threshold - 1) * tg.interval, True


def _warmup_failing(setup: Setup, targets: list[Target]) -> dict[str, tuple[int, int]]:
    """When a slow-starting task counts as failing its health checks, from and until.

    The load balancer's check: `_elb_warmup` (a target that went unhealthy needs
    HealthyThresholdCount consecutive passes). A container's health check failures
    during its startPeriod don't count towards its retries (API_HealthCheck.html); it
    counts UNHEALTHY after startPeriod + interval x retries (INF, as for a failing check)
    and turns HEALTHY at its first passing check, the first at or after readyAfterSeconds
    (Docker's HEALTHCHECK reference: "Whenever a health check passes, it becomes healthy").
    Only windows that aren't empty are kept; a target or container failing for another
    reason is judged as before.
    """
    ready = setup.ready_after
    found: dict[str, tuple[int, int]] = {}
    if not ready:
        return found
    if setup.bindings and targets and all(t.state == "healthy" for t in targets):
        tg = setup.target_groups[setup.bindings[0].target_group]
        start, until, went_unhealthy = _elb_warmup(ready, tg)
        if went_unhealthy:
            found["elb-health-check"] = (start, until)
    windows = []
    for c in setup.containers:
        if c.health is None or not c.essential or c.name in setup.failing:
            continue
        start = c.health.start_period + c.health.interval * c.health.retries
        until = _first_check_after(ready, c.health.interval)
        if start < until:
            windows.append((start, until))
    if windows:
        found["container-health"] = (min(s for s, _ in windows), max(u for _, u in windows))
    return found


def run(setup: Setup) -> Run:
    steps: list[Step] = []
    notes: list[str] = [EGRESS_NOTE] if setup.egress_given else []
    targets: list[Target] = []
    places = _task_places(setup, setup.count)
    reachable = True
    elb_unhealthy = False
    lb_of = {
        g: lb
        for lb in setup.load_balancers
        for ln in lb.listeners
        for action in (ln.default, *(r.action for r in ln.rules))
        for g, _ in action.groups
    }
    dynamic = False
    healthy_at = _first_check_after(setup.ready_after, 30)
    for binding in setup.bindings:
        tg = setup.target_groups[binding.target_group]
        lb = lb_of[binding.target_group]
        container = next(c for c in setup.containers if c.name == binding.container)
        mapping = next(p for p in container.ports if p.container_port == binding.container_port)
        if tg.protocol in NLB_PROTOCOLS and lb.kind == "application":
            notes.append(
                f"{tg.name} uses {tg.protocol}, which an Application Load Balancer can't forward"
            )
        healthy_at = _elb_warmup(setup.ready_after, tg)[1]
        next_port: dict[str, int] = {}
        for ident, zone, groups in places:
            if setup.network_mode == "awsvpc" or mapping.host_port:
                port = mapping.host_port or mapping.container_port
            else:
                dynamic = True
                port = next_port.get(ident, EPHEMERAL_FIRST)
                next_port[ident] = port + 1
            sources = lb.security_groups
            protocol = "udp" if tg.protocol == "UDP" else "tcp"
            # without security groups (an NLB may have none) only an open CIDR admits it
            ok_traffic = _allows(setup, groups, sources, protocol, port)
            hport = port if tg.health_port == "traffic-port" else int(tg.health_port)
            ok_health = _allows(setup, groups, sources, "tcp", hport)
            listening = setup.listening and (
                hport == port
                or any(p.host_port == hport for c in setup.containers for p in c.ports)
            )
            if zone not in lb.zones:
                state, reason = "unused", "Target.NotInUse"
            elif not ok_health:
                state, reason = "unhealthy", "Target.Timeout"
            elif not listening:
                state, reason = "unhealthy", "Target.FailedHealthChecks"
            elif tg.health_protocol in ("HTTP", "HTTPS") and (
                setup.responses.get(tg.health_path, setup.other_paths) not in tg.matcher
            ):
                state, reason = "unhealthy", "Target.ResponseCodeMismatch"
            else:
                state, reason = "healthy", ""
            reachable = reachable and ok_traffic
            elb_unhealthy = elb_unhealthy or state == "unhealthy"
            targets.append(Target(tg.name, ident, port, zone, state, reason))
        kind = "ip:containerPort" if tg.target_type == "ip" else "instance:hostPort"
        steps.append(
            Step(
                f"ECS registers {len(places)} target(s) in {tg.name} as {kind} "
                f"(target type {tg.target_type})",
                True,
                ", ".join(t.text for t in targets if t.target_group == tg.name),
                "alb.html",
            )
        )
    if dynamic:
        notes.append(
            f"dynamic host ports are taken from the ephemeral range; ecsprep hands them out from "
            f"{EPHEMERAL_FIRST} upward per instance (INF: Docker's order isn't documented)"
        )
    if setup.bindings:
        steps.append(
            Step(
                "the targets' security groups admit the load balancer on the registered ports",
                reachable,
                ""
                if reachable
                else "open the target port (the ephemeral range for dynamic ports) to the "
                "load balancer's security group",
                "alb.html",
            )
        )
    for t in targets:
        if t.state == "unused":
            steps.append(
                Step(
                    f"{t.text} is unused: its Availability Zone {t.zone} isn't enabled for "
                    "the load balancer",
                    False,
                    t.reason,
                    "target-group-health-checks.html",
                )
            )
        elif t.state == "unhealthy":
            steps.append(
                Step(
                    f"{t.text} fails the health check",
                    False,
                    t.reason,
                    "target-group-health-checks.html",
                )
            )
    if targets and all(t.state == "unhealthy" for t in targets):
        notes.append(
            "every target is unhealthy: the load balancer fails open and routes to all of them"
        )
    for name in setup.image_healthchecks:
        notes.append(
            f"the image HEALTHCHECK of {name} is ignored: ECS monitors only the task "
            "definition's healthCheck"
        )
    # Container health (healthcheck.html).
    container_health: dict[str, str] = {}
    container_unhealthy_after = 0
    for c in setup.containers:
        if c.health is None:
            container_health[c.name] = "UNKNOWN"
        elif c.name in setup.failing:
            container_health[c.name] = "UNHEALTHY"
            container_unhealthy_after = max(
                container_unhealthy_after,
                c.health.start_period + c.health.interval * c.health.retries,
            )
        else:
            container_health[c.name] = "HEALTHY"
    checked = [c for c in setup.containers if c.essential and c.health is not None]
    if not checked:
        task_health = "UNKNOWN"
    elif any(container_health[c.name] == "UNHEALTHY" for c in checked):
        task_health = "UNHEALTHY"
    else:
        task_health = "HEALTHY"
    replaced: list[str] = []
    after = 0
    warm = _warmup_failing(setup, targets) if setup.in_service and setup.count else {}
    for label, (start, until) in warm.items():
        ignored = until <= setup.grace
        if label == "elb-health-check":
            tg_w = setup.target_groups[setup.bindings[0].target_group]
            ends = (
                f"until HealthyThresholdCount {tg_w.healthy_threshold} consecutive passing "
                f"checks make it healthy again at {until} s"
            )
        else:
            ends = f"until the first passing check at {until} s"
        steps.append(
            Step(
                f"while the application warms up ({setup.ready_after} s), the "
                f"{_CHECK_NAMES[label]} fails: ECS counts the task unhealthy from {start} s "
                + ends,
                ignored,
                f"inside the {setup.grace} s grace period, the scheduler ignores it"
                if ignored
                else f"past the {setup.grace} s grace period",
                "service_definition_parameters.html",
            )
        )
    if setup.in_service and setup.count:
        # Either failing check makes the task unhealthy (ecs_services.html), so the first of
        # them counts, once the grace period is over.
        failing_at: list[int] = []
        if elb_unhealthy:
            replaced.append("elb-health-check")
            tg0 = setup.target_groups[setup.bindings[0].target_group]
            failing_at.append(tg0.interval * tg0.unhealthy_threshold)
            notes.append(
                "ECS counts a target as failing after UnhealthyThresholdCount checks from "
                "registration (INF: AWS doesn't document the exact moment)"
            )
        if task_health == "UNHEALTHY":
            replaced.append("container-health")
            failing_at.append(container_unhealthy_after)
        # A warm-up failure the grace period doesn't cover (service_definition_parameters.html:
        # the scheduler ignores unhealthy checks only during the grace period).
        for label, (start, until) in warm.items():
            if until > setup.grace:
                if label not in replaced:
                    replaced.append(label)
                failing_at.append(start)
        if warm:
            notes.append(
                "during warm-up, a target that failed UnhealthyThresholdCount checks is "
                "unhealthy until HealthyThresholdCount consecutive passes, a container until "
                "its first pass (target-group-health-checks.html, Docker HEALTHCHECK); INF: "
                "the first check one interval after registration, a container UNHEALTHY at "
                "startPeriod + interval x retries (AWS documents the thresholds, not the "
                "moments)"
            )
        if failing_at:
            after = max(setup.grace, min(failing_at))
        grace = f" after the {setup.grace} s grace period" if setup.grace else ""
        steps.append(
            Step(
                f"the service scheduler replaces the tasks{grace}"
                if replaced
                else "no health check fails: the service scheduler keeps the tasks",
                not replaced,
                ", ".join(replaced),
                "healthcheck.html",
            )
        )
    elif task_health == "UNHEALTHY":
        steps.append(
            Step(
                "a standalone task that turns UNHEALTHY keeps running: nothing replaces it",
                True,
                "",
                "healthcheck.html",
            )
        )
    # Stopping: deregistration delay (edit-target-group-attributes.html#deregistration-delay).
    delay = min((setup.target_groups[b.target_group].delay for b in setup.bindings), default=0)
    drain = 0
    cut = 0
    if setup.bindings:
        if setup.keep_alive:
            drain = delay
            notes.append(
                "clients hold idle keep-alive connections, so the target drains the whole delay "
                "(INF: ELB doesn't document when it closes idle connections to a draining target)"
            )
        else:
            drain = min(delay, math.ceil(max(setup.inflight, default=0)))
        cut = sum(1 for s in setup.inflight if s > delay)
        steps.append(
            Step(
                f"on stop, each target drains for {drain} s (deregistration delay {delay} s), "
                "then ECS stops the task",
                cut == 0,
                f"{cut} in-flight request(s) longer than the delay are cut" if cut else "",
                "edit-target-group-attributes.html",
            )
        )
    # Slow start (edit-target-group-attributes.html#slow-start-mode).
    slow = max((setup.target_groups[b.target_group].slow_start for b in setup.bindings), default=0)
    joins_healthy = setup.new_tasks > 0 and setup.count > 0
    full_share = healthy_at + (slow if slow and joins_healthy else 0)
    if slow and not joins_healthy:
        notes.append("slow start doesn't apply: the new targets join no healthy target")
    cold = bool(setup.warmup) and full_share < setup.warmup
    if setup.bindings and setup.new_tasks:
        steps.append(
            Step(
                f"a new task turns healthy at {healthy_at} s and gets its full share at "
                f"{full_share} s",
                not cold,
                f"it warms up until {setup.warmup} s" if setup.warmup else "",
                "edit-target-group-attributes.html",
            )
        )
    routes = {r.label: _route(setup, r) for r in setup.requests}
    for label, where in routes.items():
        steps.append(
            Step(
                f"request {label} → {where}",
                not where.startswith("no "),
                "",
                "listener-update-rules.html",
            )
        )
    nlbs = [lb for lb in setup.load_balancers if lb.kind == "network"]
    static = bool(nlbs) and all(lb.elastic_ips == len(lb.zones) for lb in nlbs)
    return Run(
        setup=setup,
        steps=tuple(steps),
        targets=tuple(targets),
        routes=routes,
        reachable=reachable,
        replaced_by=tuple(replaced),
        replaced_after=after,
        task_health=task_health,
        container_health=container_health,
        drain_seconds=drain,
        cut_requests=cut,
        healthy_at=healthy_at,
        full_share_at=full_share,
        cold_full_share=cold,
        static_ips=static,
        notes=tuple(notes),
        warmup_failing=warm,
    )
