"""Which names resolve from which caller, to what, and why: ECS service discovery (Cloud Map
DNS records through `serviceRegistries`) and ECS Service Connect (`serviceConnectConfiguration`).

The input is AWS's own shapes (docs/service-discovery.md): the Cloud Map namespace and
services (servicediscovery CreateService requests), RegisterTaskDefinition requests, the
CreateService / UpdateService / DeleteService requests in the order they were made, the
security groups (DescribeSecurityGroups shape), optional load balancers and target groups,
and the calls to follow: `{from: CALLER, to: "name:port"}`.

The documented rules it applies (each step of a call names its rule):

- ServiceRegistry (API reference): bridge or host tasks need `containerName` and
  `containerPort`; awsvpc tasks with an SRV record need either that pair or `port`, not both.
  service-discovery.html: A records need awsvpc (a bridge/host task's address is its
  host's, and its port varies), so bridge and host tasks use SRV records only.
- Cloud Map: records hold the task's private IP address; with HealthCheckCustomConfig ECS
  reports each task's health and unhealthy instances drop out of the answers; with no health
  check every instance counts as healthy; Route 53 health checks (HealthCheckConfig) are for
  public DNS namespaces only. A private DNS namespace resolves inside the VPC through the
  VPC resolver, which needs the VPC's DNS support and DNS hostnames attributes.
- Service Connect (ServiceConnectService, ServiceConnectClientAlias, service-connect-concepts,
  service-connect-concepts-deploy): `portName` must name a port mapping of the task
  definition; each client alias is the name and port that client tasks in the namespace call;
  a service with Service Connect enabled gets the managed proxy in each task (a client-only
  service has no `services`); the server proxy listens on `ingressPortOverride`, by default
  the containerPort in awsvpc mode and an ephemeral proxy port in bridge mode; existing tasks
  can't resolve an endpoint created after they started; only tasks that ECS services create
  get the proxy (not RunTask tasks, Lambda functions or EC2 hosts); appProtocol http, http2
  or grpc adds protocol telemetry (no value: TCP, no protocol metrics), and appProtocol is
  immutable in a Service Connect service.
- Security groups are stateful: an inbound rule on the server's group must allow the port the
  traffic arrives on from the client; return traffic needs no rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str
from ecsprep.sim.ip_permissions import IpPermission, read_ip_permission

FACTS = (
    "records",
    "health_check",
    "answers",
    "resolves",
    "reaches",
    "arrives_on",
    "blocked_by",
    "answer_kind",
    "forwards_to",
    "reached",
    "proxy",
    "endpoints",
    "http_metrics",
)
_KEYS = (
    "description",
    "namespace",
    "vpc",
    "cluster",
    "cloudMapServices",
    "taskDefinitions",
    "deployments",
    "taskHealth",
    "securityGroups",
    "loadBalancers",
    "targetGroups",
    "callers",
    "calls",
)
SERVICE_DISCOVERY = "service-discovery.html"
REGISTRY = "API_ServiceRegistry.html"
CLOUD_MAP_HEALTH = "cloud-map/latest/dg/services-health-checks.html"
SC_SERVICE = "API_ServiceConnectService.html"
SC_ALIAS = "API_ServiceConnectClientAlias.html"
SC_CONCEPTS = "service-connect-concepts.html"
SC_DEPLOY = "service-connect-concepts-deploy.html"
PORT_MAPPING = "API_PortMapping.html"
VPC_DNS = "vpc/latest/userguide/vpc-dns.html"
SECURITY_GROUPS = "vpc/latest/userguide/vpc-security-groups.html"
APP_PROTOCOLS = ("http", "http2", "grpc")
EPHEMERAL_PROXY_PORT = 40000  # INF: the bridge-mode proxy port is ephemeral; ecsprep shows one


class CallerKind(str, Enum):
    SERVICE = "service"  # tasks of an ECS service (CreateService)
    RUN_TASK = "runTask"  # standalone tasks (RunTask)
    LAMBDA = "lambda"
    EC2 = "ec2"


@dataclass(frozen=True, slots=True)
class PortMapping:
    container: str
    container_port: int
    name: str
    app_protocol: str


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    family: str
    network_mode: str
    ports: tuple[PortMapping, ...]
    app_mesh: bool  # a proxyConfiguration of type APPMESH


@dataclass(frozen=True, slots=True)
class CloudMapService:
    id: str
    name: str
    records: tuple[str, ...]  # DnsRecords types
    health: str  # custom, route53 or none


@dataclass(frozen=True, slots=True)
class Registry:
    cloud_map: CloudMapService
    container: str
    container_port: int | None
    port: int | None


@dataclass(frozen=True, slots=True)
class Alias:
    dns_name: str
    port: int


@dataclass(frozen=True, slots=True)
class ScService:
    port: PortMapping
    discovery_name: str
    aliases: tuple[Alias, ...]
    ingress_override: int | None


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    task_definition: TaskDefinition
    registries: tuple[Registry, ...]
    service_connect: bool
    sc_services: tuple[ScService, ...]
    security_groups: tuple[str, ...]
    public_ip: bool
    target_groups: tuple[tuple[str, str, int], ...]  # (targetGroupArn, container, port)
    deployed_at: int  # the step of its latest deployment: its tasks started then


@dataclass(frozen=True, slots=True)
class Endpoint:
    alias: Alias
    service: str
    sc: ScService
    created_at: int


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    id: str
    inbound: tuple[IpPermission, ...]
    outbound: tuple[IpPermission, ...]


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    dns_name: str
    scheme: str
    target_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    kind: CallerKind
    service: str
    security_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Call:
    caller: str
    host: str
    port: int | None

    @property
    def text(self) -> str:
        target = self.host if self.port is None else f"{self.host}:{self.port}"
        return f"{self.caller} -> {target}"


@dataclass(frozen=True, slots=True)
class World:
    namespace: str
    namespace_type: str
    vpc_dns: bool
    cloud_map: tuple[CloudMapService, ...]
    services: tuple[Service, ...]
    endpoints: tuple[Endpoint, ...]
    unhealthy: Mapping[str, frozenset[int]]  # service → indexes of unhealthy tasks
    tasks: Mapping[str, int]  # service → running task count
    groups: Mapping[str, SecurityGroup]
    load_balancers: tuple[LoadBalancer, ...]
    callers: tuple[Caller, ...]
    calls: tuple[Call, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    what: str
    ok: bool
    rule: str  # the doc page (or INF for ecsprep's choice)


@dataclass(frozen=True, slots=True)
class Trace:
    call: Call
    steps: tuple[Step, ...]
    answers: tuple[str, ...]
    resolves: bool
    reaches: bool
    arrives_on: int | None
    blocked_by: str
    kind: str = ""  # what answered: private (Cloud Map records), service-connect, load-balancer
    server: str = ""  # the ECS service the call reaches, "" when it doesn't
    forwards_to: str = ""  # container:port that receives the request


@dataclass(frozen=True, slots=True)
class Result:
    world: World
    records: Mapping[str, tuple[str, ...]]
    traces: tuple[Trace, ...]
    notes: tuple[str, ...] = field(default=())

    def facts(self) -> dict[str, object]:
        world = self.world
        return {
            "records": {name: list(types) for name, types in self.records.items()},
            "health_check": {c.name: c.health for c in world.cloud_map},
            "answers": {t.call.text: list(t.answers) for t in self.traces},
            "resolves": {t.call.text: t.resolves for t in self.traces},
            "reaches": {t.call.text: t.reaches for t in self.traces},
            "arrives_on": {t.call.text: t.arrives_on for t in self.traces},
            "blocked_by": {t.call.text: t.blocked_by for t in self.traces},
            "answer_kind": {t.call.text: t.kind for t in self.traces},
            "forwards_to": {t.call.text: t.forwards_to for t in self.traces},
            "reached": {
                caller: sorted({t.server for t in self.traces if t.call.caller == caller} - {""})
                for caller in dict.fromkeys(t.call.caller for t in self.traces)
            },
            "proxy": [s.name for s in world.services if s.service_connect],
            "endpoints": [f"{e.alias.dns_name}:{e.alias.port}" for e in world.endpoints],
            "http_metrics": sorted(
                {e.service for e in world.endpoints if e.sc.port.app_protocol in APP_PROTOCOLS}
            ),
        }


# --- reading AWS's shapes ---------------------------------------------------------------


def _known(data: Mapping[str, object], keys: tuple[str, ...], where: Where, what: str) -> None:
    for key in data:
        if key not in keys:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r} in {what}", f"{what} takes {', '.join(keys)}"
            )


def _port(value: object, where: Where) -> int:
    """A TCP port number, 1-65535."""
    port = as_int(value, where, minimum=1)
    if port > 65535:
        raise where.refuse(f"must be at most 65535 (the highest port), found {port}")
    return port


def _needed(raw: Mapping[str, object], key: str, where: Where, why: str) -> object:
    """raw[key], refused at the object's place when it is missing (or null, or empty)."""
    value = raw.get(key)
    if value is None or value == "":
        raise where.refuse(f"{key} is missing: {why}")
    return value


def _resource(text: str, kind: str, where: Where, refusal: str) -> str:
    """A name, or its ARN (arn:…:KIND/NAME): the name. Anything else is refused."""
    if "/" not in text:
        return text
    prefix, _, name = text.partition("/")
    if not prefix.endswith(f":{kind}") or "/" in name:
        raise where.refuse(refusal)
    return name


def _task_definition(data: object, where: Where) -> TaskDefinition:
    raw = as_mapping(data, where, "a RegisterTaskDefinition request")
    family = as_str(raw.get("family", ""), where.key("family"))
    if not family:
        raise where.refuse("family is missing", "give the task definition's family")
    mode = as_str(raw.get("networkMode", "bridge"), where.key("networkMode"))
    if mode not in ("bridge", "host", "awsvpc", "none"):
        raise where.key("networkMode").refuse(f"{mode!r}: use bridge, host, awsvpc or none")
    ports = []
    containers = as_list(raw.get("containerDefinitions", []), where.key("containerDefinitions"))
    for n, item in enumerate(containers):
        at = where.key("containerDefinitions").index(n)
        container = as_mapping(item, at, "a container definition")
        if not container.get("name"):
            raise at.refuse(
                "ClientException: Container.name should not be null or empty",
                "give each container definition its name",
            )
        name = as_str(container["name"], at.key("name"))
        for m, mapping in enumerate(
            as_list(container.get("portMappings", []), at.key("portMappings"))
        ):
            pat = at.key("portMappings").index(m)
            pm = as_mapping(mapping, pat, "a port mapping")
            protocol = as_str(pm.get("appProtocol", ""), pat.key("appProtocol"))
            if protocol and protocol not in APP_PROTOCOLS:
                raise pat.key("appProtocol").refuse(
                    f"{protocol!r}: appProtocol is http, http2 or grpc ({PORT_MAPPING})"
                )
            ports.append(
                PortMapping(
                    container=name,
                    container_port=_port(
                        _needed(
                            pm,
                            "containerPort",
                            pat,
                            "ecsprep reads a port mapping's containerPort (not containerPortRange)",
                        ),
                        pat.key("containerPort"),
                    ),
                    name=as_str(pm.get("name", ""), pat.key("name")),
                    app_protocol=protocol,
                )
            )
    proxy_config = raw.get("proxyConfiguration")
    if proxy_config is not None:
        proxy = as_mapping(proxy_config, where.key("proxyConfiguration"))
        kind = as_str(proxy.get("type", "APPMESH"), where.key("proxyConfiguration").key("type"))
        if kind != "APPMESH":
            raise (
                where.key("proxyConfiguration")
                .key("type")
                .refuse(f"{kind!r}: the proxy type's only supported value is APPMESH")
            )
    return TaskDefinition(family, mode, tuple(ports), proxy_config is not None)


def _cloud_map_service(data: object, where: Where, namespace_type: str) -> CloudMapService:
    raw = as_mapping(data, where, "a Cloud Map CreateService request")
    name = as_str(raw.get("Name", ""), where.key("Name"))
    if not name:
        raise where.refuse("Name is missing", "give the Cloud Map service's Name")
    # INF: Cloud Map makes up the Id (srv-…); a scenario without one gets srv-NAME
    ident = as_str(raw.get("Id", f"srv-{name}"), where.key("Id"))
    types = []
    dns = raw.get("DnsConfig")
    if dns is not None:
        config = as_mapping(dns, where.key("DnsConfig"))
        if "DnsRecords" not in config:
            raise where.key("DnsConfig").refuse(
                "DnsRecords is missing: a DnsConfig lists the DNS records of each instance",
                "e.g. DnsRecords: [{Type: A, TTL: 60}]",
            )
        records = config["DnsRecords"]
        for n, record in enumerate(as_list(records, where.key("DnsConfig").key("DnsRecords"))):
            at = where.key("DnsConfig").key("DnsRecords").index(n)
            kind = as_str(as_mapping(record, at).get("Type", ""), at.key("Type"))
            if kind not in ("A", "AAAA", "SRV", "CNAME"):
                raise at.key("Type").refuse(
                    f"{kind!r}: Cloud Map DNS records are of type SRV, A, AAAA or CNAME "
                    "(DnsRecord.Type)",
                    "a port is carried by an SRV record",
                )
            types.append(kind)
    if "HealthCheckConfig" in raw and "HealthCheckCustomConfig" in raw:
        raise where.refuse(
            "you can specify either HealthCheckCustomConfig or HealthCheckConfig but not both "
            "(API_HealthCheckCustomConfig.html)",
            "with ECS, give HealthCheckCustomConfig: ECS reports each task's health",
        )
    if "HealthCheckConfig" in raw and namespace_type == "DNS_PRIVATE":
        raise where.key("HealthCheckConfig").refuse(
            "HealthCheckConfig (a Route 53 health check) is for public DNS namespaces only; "
            f"a private DNS namespace uses HealthCheckCustomConfig ({CLOUD_MAP_HEALTH})",
            "with ECS, give HealthCheckCustomConfig: ECS reports each task's health",
        )
    health = "none"
    if "HealthCheckCustomConfig" in raw:
        health = "custom"
    elif "HealthCheckConfig" in raw:
        health = "route53"
    return CloudMapService(ident, name, tuple(types), health)


def _groups(data: object, where: Where) -> dict[str, SecurityGroup]:
    """DescribeSecurityGroups' groups; each rule read as EC2 reads it (sim/ip_permissions.py).
    A group without IpPermissionsEgress keeps the default rule: all traffic out."""
    found = {}
    for n, item in enumerate(as_list(data, where, "a list of security groups")):
        at = where.index(n)
        raw = as_mapping(item, at, "a security group")
        gid = as_str(raw.get("GroupId", ""), at.key("GroupId"))
        if not gid:
            raise at.refuse("GroupId is missing", "give each security group its GroupId (sg-…)")
        rules = []
        for key in ("IpPermissions", "IpPermissionsEgress"):
            default = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
            given = raw.get(key, default if key == "IpPermissionsEgress" else [])
            rules.append(
                tuple(
                    read_ip_permission(perm, at.key(key).index(m))
                    for m, perm in enumerate(as_list(given, at.key(key)))
                )
            )
        found[gid] = SecurityGroup(gid, rules[0], rules[1])
    return found


def read_world(document: Mapping[str, object], where: Where) -> World:
    _known(document, _KEYS, where, "a service-discovery scenario")
    notes: list[str] = []
    namespace = ""
    ns: Mapping[str, object] = {}
    if "namespace" in document:
        nat = where.key("namespace")
        ns = as_mapping(document["namespace"], nat, "a Cloud Map namespace")
        why = "a Cloud Map namespace has a Name (CreatePrivateDnsNamespace: Required)"
        namespace = as_str(_needed(ns, "Name", nat, why), nat.key("Name"))
    ns_type = as_str(ns.get("Type", "DNS_PRIVATE"), where.key("namespace").key("Type"))
    if ns_type not in ("DNS_PRIVATE", "DNS_PUBLIC", "HTTP"):
        raise (
            where.key("namespace")
            .key("Type")
            .refuse(f"{ns_type!r}: use DNS_PRIVATE, DNS_PUBLIC or HTTP")
        )
    vpc = as_mapping(document.get("vpc", {}), where.key("vpc"))
    vpc_dns = (
        vpc.get("EnableDnsSupport", True) is True and vpc.get("EnableDnsHostnames", True) is True
    )
    cluster = as_mapping(document.get("cluster", {}), where.key("cluster"))
    defaults = cluster.get("serviceConnectDefaults")
    default_ns = (
        str(
            as_mapping(defaults, where.key("cluster").key("serviceConnectDefaults")).get(
                "namespace", ""
            )
        )
        if defaults is not None
        else ""
    )
    cloud_map = tuple(
        _cloud_map_service(item, where.key("cloudMapServices").index(n), ns_type)
        for n, item in enumerate(
            as_list(document.get("cloudMapServices", []), where.key("cloudMapServices"))
        )
    )
    tds: dict[str, TaskDefinition] = {}
    for n, item in enumerate(
        as_list(document.get("taskDefinitions", []), where.key("taskDefinitions"))
    ):
        td = _task_definition(item, where.key("taskDefinitions").index(n))
        tds[td.family] = td
    groups = _groups(document.get("securityGroups", []), where.key("securityGroups"))

    services: dict[str, Service] = {}
    endpoints: list[Endpoint] = []
    created_protocol: dict[str, dict[str, str]] = {}
    requests: dict[str, Mapping[str, object]] = {}  # each service's request, updates merged
    tasks: dict[str, int] = {}
    steps = as_list(document.get("deployments", []), where.key("deployments"))
    for step, item in enumerate(steps, start=1):
        at = where.key("deployments").index(step - 1)
        raw = as_mapping(
            item, at, "{createService: ...}, {updateService: ...} or {deleteService: ...}"
        )
        if len(raw) != 1 or next(iter(raw)) not in (
            "createService",
            "updateService",
            "deleteService",
        ):
            raise at.refuse("give one of createService, updateService or deleteService")
        kind = next(iter(raw))
        rat = at.key(kind)
        request = as_mapping(raw[kind], rat, "a request")
        if kind == "deleteService":
            name = as_str(request.get("service", ""), rat.key("service"))
            if name not in services:
                raise rat.key("service").refuse(f"ServiceNotFoundException: {name}")
            services.pop(name)
            requests.pop(name, None)
            endpoints = [e for e in endpoints if e.service != name]
            created_protocol.pop(name, None)
            continue
        if kind == "createService":
            why = "a CreateService request names its service (serviceName: Required)"
            name = as_str(_needed(request, "serviceName", rat, why), rat.key("serviceName"))
            if name in services:
                raise rat.key("serviceName").refuse(
                    f"InvalidParameterException: Creation of service was not idempotent ({name} "
                    "exists)",
                    "delete the service first, or use updateService",
                )
            previous: Mapping[str, object] = {}
        else:
            name = as_str(request.get("service", ""), rat.key("service"))
            if name not in services:
                raise rat.key("service").refuse(f"ServiceNotFoundException: {name}")
            previous = requests[name]
        merged = {**previous, **request}
        requests[name] = merged
        service = _service(merged, rat, name, tds, cloud_map, namespace, default_ns, step, notes)
        if kind == "updateService":
            for sc in service.sc_services:
                before = created_protocol.get(name, {}).get(sc.port.name)
                if before is not None and before != sc.port.app_protocol:
                    raise rat.refuse(
                        f"appProtocol of port {sc.port.name!r} changes from "
                        f"{before or 'none'} to {sc.port.app_protocol or 'none'}: appProtocol is "
                        "immutable in a Service Connect service. Updating this field requires a "
                        f"service deletion and redeployment ({PORT_MAPPING})",
                        "deleteService, then createService with the new task definition",
                    )
        created_protocol.setdefault(name, {})
        for sc in service.sc_services:
            created_protocol[name].setdefault(sc.port.name, sc.port.app_protocol)
        services[name] = service
        tasks[name] = as_int(merged.get("desiredCount", 1), rat.key("desiredCount"))
        endpoints = [e for e in endpoints if e.service != name] + _endpoints(
            service, endpoints, name, step, rat
        )

    unhealthy: dict[str, frozenset[int]] = {}
    health = as_mapping(document.get("taskHealth", {}), where.key("taskHealth"))
    for name, states in health.items():
        hat = where.key("taskHealth").key(str(name))
        listed = [as_str(s, hat) for s in as_list(states, hat)]
        tasks[str(name)] = len(listed)
        unhealthy[str(name)] = frozenset(i for i, s in enumerate(listed) if s == "UNHEALTHY")

    target_groups = []
    for n, tg in enumerate(as_list(document.get("targetGroups", []), where.key("targetGroups"))):
        tat = where.key("targetGroups").index(n)
        group = as_mapping(tg, tat, "a target group")
        why = "DescribeTargetGroups gives each target group its TargetGroupArn"
        arn = as_str(_needed(group, "TargetGroupArn", tat, why), tat.key("TargetGroupArn"))
        lb_arns = as_list(group.get("LoadBalancerArns", []), tat.key("LoadBalancerArns"))
        target_groups.append((arn, [str(x) for x in lb_arns]))
    lbs = []
    for n, item in enumerate(
        as_list(document.get("loadBalancers", []), where.key("loadBalancers"))
    ):
        at = where.key("loadBalancers").index(n)
        raw = as_mapping(item, at, "a load balancer")
        why = "DescribeLoadBalancers gives each load balancer its LoadBalancerArn and DNSName"
        arn = as_str(_needed(raw, "LoadBalancerArn", at, why), at.key("LoadBalancerArn"))
        lbs.append(
            LoadBalancer(
                as_str(_needed(raw, "DNSName", at, why), at.key("DNSName")),
                str(raw.get("Scheme", "internet-facing")),
                tuple(tg_arn for tg_arn, lb_arns in target_groups if arn in lb_arns),
            )
        )

    callers = []
    for n, item in enumerate(as_list(document.get("callers", []), where.key("callers"))):
        at = where.key("callers").index(n)
        raw = as_mapping(item, at, "a caller")
        _known(raw, ("name", "kind", "service", "securityGroups"), at, "a caller")
        kind_text = str(raw.get("kind", "service"))
        try:
            kind = CallerKind(kind_text)
        except ValueError:
            raise at.key("kind").refuse(
                f"{kind_text!r}: use service, runTask, lambda or ec2"
            ) from None
        service_name = str(raw.get("service", raw.get("name", "")))
        if kind is CallerKind.SERVICE and service_name not in services:
            raise at.key("service").refuse(f"no ECS service {service_name!r} in deployments")
        caller_name = as_str(raw.get("name", service_name), at.key("name"))
        if not caller_name:
            raise at.refuse(
                "name is missing: a caller has a name (a service's task: its service's, "
                "by default)",
                "e.g. {name: fn, kind: lambda}",
            )
        callers.append(
            Caller(
                caller_name,
                kind,
                service_name,
                tuple(
                    str(g) for g in as_list(raw.get("securityGroups", []), at.key("securityGroups"))
                ),
            )
        )
    known_callers = {c.name for c in callers} | set(services)
    calls = []
    for n, item in enumerate(as_list(document.get("calls", []), where.key("calls"))):
        at = where.key("calls").index(n)
        raw = as_mapping(item, at, "a call {from, to}")
        caller = as_str(raw.get("from", ""), at.key("from"))
        if caller not in known_callers:
            raise at.key("from").refuse(f"no caller or service named {caller!r}")
        why = 'the name to call: "name:port" (an A record), or "name" (an SRV lookup)'
        target = as_str(_needed(raw, "to", at, why), at.key("to"))
        host, colon, port = target.partition(":")
        if ":" in port or (colon and not host):
            raise at.key("to").refuse(
                f"{target!r}: give name:port, with one ':'", 'e.g. "payments.corp.local:8080"'
            )
        calls.append(Call(caller, host, _port(port, at.key("to")) if colon else None))
    return World(
        namespace=namespace,
        namespace_type=ns_type,
        vpc_dns=vpc_dns,
        cloud_map=cloud_map,
        services=tuple(services.values()),
        endpoints=tuple(endpoints),
        unhealthy=unhealthy,
        tasks=tasks,
        groups=groups,
        load_balancers=tuple(lbs),
        callers=tuple(callers),
        calls=tuple(calls),
        notes=tuple(notes),
    )


def _service(
    request: Mapping[str, object],
    at: Where,
    name: str,
    tds: Mapping[str, TaskDefinition],
    cloud_map: tuple[CloudMapService, ...],
    namespace: str,
    default_ns: str,
    step: int,
    notes: list[str],
) -> Service:
    # family, family:revision or the task definition's ARN (…:task-definition/family:revision)
    text = as_str(request.get("taskDefinition", ""), at.key("taskDefinition"))
    family = _resource(
        text,
        "task-definition",
        at.key("taskDefinition"),
        f"ClientException: TaskDefinition not found ({text}): a task definition's ARN is "
        "arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION",
    ).split(":")[0]
    if family not in tds:
        raise at.key("taskDefinition").refuse(
            f"ClientException: TaskDefinition not found ({family})",
            "add the task definition to taskDefinitions",
        )
    td = tds[family]
    registries = []
    for n, item in enumerate(
        as_list(request.get("serviceRegistries", []), at.key("serviceRegistries"))
    ):
        rat = at.key("serviceRegistries").index(n)
        raw = as_mapping(item, rat, "a ServiceRegistry")
        arn = as_str(raw.get("registryArn", ""), rat.key("registryArn"))
        found = next((c for c in cloud_map if arn.endswith(f"service/{c.id}")), None)
        if found is None:
            raise rat.key("registryArn").refuse(
                f"no Cloud Map service with this ARN ({arn})",
                "give cloudMapServices an Id and use arn:aws:servicediscovery:…:service/ID",
            )
        container = as_str(raw.get("containerName", ""), rat.key("containerName"))
        cport = (
            _port(raw["containerPort"], rat.key("containerPort"))
            if raw.get("containerPort") is not None
            else None
        )
        port = _port(raw["port"], rat.key("port")) if raw.get("port") is not None else None
        if td.network_mode in ("bridge", "host"):
            if "A" in found.records or "AAAA" in found.records:
                raise rat.refuse(
                    f"InvalidParameterException: the Cloud Map service {found.name} has "
                    f"{'/'.join(r for r in found.records if r != 'SRV')} records: tasks in "
                    f"{td.network_mode} network mode support only SRV records "
                    f"({SERVICE_DISCOVERY})",
                    "give the Cloud Map service an SRV record",
                )
            if not container or cport is None:
                raise rat.refuse(
                    "InvalidParameterException: the task definition uses the "
                    f"{td.network_mode} network mode, so you must specify a containerName "
                    f"and containerPort combination from the task definition ({REGISTRY})",
                    "add containerName and containerPort",
                )
            if port is not None:
                raise rat.key("port").refuse(
                    f"port is for awsvpc tasks with an SRV record ({REGISTRY}); in "
                    f"{td.network_mode} mode the containerName and containerPort give the "
                    "record's port (ecsprep refuses both, INF)",
                    "remove port",
                )
        elif "SRV" in found.records and bool(container or cport is not None) == (port is not None):
            raise rat.refuse(
                "InvalidParameterException: with awsvpc and an SRV record you must "
                "specify either a containerName and containerPort combination or a port "
                f"value, but not both ({REGISTRY})"
            )
        if container or cport is not None:
            match = [p for p in td.ports if p.container == container and p.container_port == cport]
            if not match:
                raise rat.refuse(
                    f"InvalidParameterException: containerName {container!r} with "
                    f"containerPort {cport} isn't a port mapping of the task definition "
                    f"({REGISTRY})"
                )
        registries.append(Registry(found, container, cport, port))
    if len(registries) > 1:
        raise at.key("serviceRegistries").refuse(
            f"each service may be associated with one service registry ({REGISTRY})"
        )
    sc_enabled = False
    sc_services: list[ScService] = []
    raw_sc = request.get("serviceConnectConfiguration")
    if raw_sc is not None:
        sat = at.key("serviceConnectConfiguration")
        sc = as_mapping(raw_sc, sat, "a ServiceConnectConfiguration")
        sc_enabled = sc.get("enabled") is True
        if sc_enabled:
            ns_name = str(sc.get("namespace", "") or default_ns)
            if not ns_name:
                raise sat.refuse(
                    "InvalidParameterException: no namespace, and the cluster has no default "
                    f"Service Connect namespace ({SC_CONCEPTS})",
                    "give serviceConnectConfiguration.namespace",
                )
            ns_id = _resource(
                ns_name,
                "namespace",
                sat.key("namespace"),
                f"NamespaceNotFoundException: {ns_name} (a namespace's ARN is "
                "arn:aws:servicediscovery:REGION:ACCOUNT:namespace/ID)",
            )
            if ns_id not in (namespace, f"ns-{namespace}"):
                raise sat.key("namespace").refuse(
                    f"NamespaceNotFoundException: {ns_name} (the scenario's namespace is "
                    f"{namespace})"
                )
            for n, item in enumerate(as_list(sc.get("services", []), sat.key("services"))):
                vat = sat.key("services").index(n)
                raw = as_mapping(item, vat, "a ServiceConnectService")
                port_name = as_str(raw.get("portName", ""), vat.key("portName"))
                mapping = next((p for p in td.ports if p.name and p.name == port_name), None)
                if mapping is None:
                    named = ", ".join(p.name for p in td.ports if p.name) or "none"
                    raise vat.key("portName").refuse(
                        f"InvalidParameterException: portName {port_name!r} must match the "
                        "name of one of the portMappings from all the containers in the task "
                        f"definition (named port mappings: {named}) ({SC_SERVICE})",
                        "name the port mapping in the task definition (portMappings[].name)",
                    )
                discovery = str(raw.get("discoveryName", "") or port_name)
                aliases = []
                for m, alias in enumerate(
                    as_list(raw.get("clientAliases", []), vat.key("clientAliases"))
                ):
                    aat = vat.key("clientAliases").index(m)
                    a = as_mapping(alias, aat, "a ServiceConnectClientAlias")
                    if "port" not in a:
                        raise aat.refuse(f"port is required ({SC_ALIAS})")
                    aliases.append(
                        Alias(
                            str(a.get("dnsName", "") or f"{discovery}.{namespace}"),
                            _port(a["port"], aat.key("port")),
                        )
                    )
                if len(aliases) > 1:
                    raise vat.key("clientAliases").refuse(
                        f"the maximum number of client aliases in this list is 1 ({SC_SERVICE})"
                    )
                if not aliases:
                    notes.append(
                        f"{name}: a services entry with no clientAliases: the API reference "
                        "says each ServiceConnectService must provide one client alias, yet "
                        "marks the field optional; ecsprep publishes no client endpoint for it, "
                        f"so client proxies answer no name for {discovery} (INF)"
                    )
                override = raw.get("ingressPortOverride")
                sc_services.append(
                    ScService(
                        mapping,
                        discovery,
                        tuple(aliases),
                        _port(override, vat.key("ingressPortOverride"))
                        if override is not None
                        else None,
                    )
                )
    nat = at.key("networkConfiguration")
    network = as_mapping(request.get("networkConfiguration", {}), nat)
    wat = nat.key("awsvpcConfiguration")
    awsvpc = as_mapping(network.get("awsvpcConfiguration", {}), wat)
    groups = tuple(
        str(g) for g in as_list(awsvpc.get("securityGroups", []), wat.key("securityGroups"))
    )
    target_groups = []
    for n, item in enumerate(as_list(request.get("loadBalancers", []), at.key("loadBalancers"))):
        lat = at.key("loadBalancers").index(n)
        lb = as_mapping(item, lat, "a LoadBalancer")
        why = (
            "for an Application or Network Load Balancer the entry must contain the target "
            "group ARN, the container name and the container port (CreateService "
            "loadBalancers; a Classic Load Balancer's loadBalancerName isn't modelled)"
        )
        target_groups.append(
            (
                as_str(_needed(lb, "targetGroupArn", lat, why), lat.key("targetGroupArn")),
                as_str(_needed(lb, "containerName", lat, why), lat.key("containerName")),
                _port(_needed(lb, "containerPort", lat, why), lat.key("containerPort")),
            )
        )
    return Service(
        name=name,
        task_definition=td,
        registries=tuple(registries),
        service_connect=sc_enabled,
        sc_services=tuple(sc_services),
        security_groups=groups,
        public_ip=awsvpc.get("assignPublicIp") == "ENABLED",
        target_groups=tuple(target_groups),
        deployed_at=step,
    )


def _endpoints(
    service: Service, existing: list[Endpoint], name: str, step: int, at: Where
) -> list[Endpoint]:
    found = []
    for sc in service.sc_services:
        for alias in sc.aliases:
            clash = next((e for e in existing if e.alias == alias and e.service != name), None)
            if clash is not None:
                raise at.refuse(
                    f"InvalidParameterException: the client alias {alias.dns_name}:{alias.port} "
                    f"is already used by {clash.service}: each name and port mapping must be "
                    f"unique within the namespace ({SC_SERVICE})"
                )
            before = next((e for e in existing if e.alias == alias and e.service == name), None)
            created = before.created_at if before is not None else step
            found.append(Endpoint(alias, name, sc, created))
    return found


# --- following the calls ----------------------------------------------------------------


def _task_ip(world: World, service: Service, n: int) -> str:
    index = [s.name for s in world.services].index(service.name)
    return f"10.0.{index + 1}.{n + 10}"  # INF: made-up private addresses, one per task


def _healthy(world: World, service: Service, registry: Registry) -> list[int]:
    count = world.tasks.get(service.name, 1)
    bad = world.unhealthy.get(service.name, frozenset())
    if registry.cloud_map.health == "custom":
        return [n for n in range(count) if n not in bad]
    return list(range(count))


def _allowed(world: World, server: Service, port: int, client_groups: tuple[str, ...]) -> bool:
    """An inbound rule of the server's groups admits TCP `port` from one of the caller's
    groups, or from a range holding the caller's address (ecsprep's callers are 10.0.0.1)."""
    for gid in server.security_groups:
        group = world.groups.get(gid)
        if group is None:
            continue
        for rule in group.inbound:
            if not rule.admits("tcp", port):
                continue
            if any(g in client_groups for g in rule.groups) or rule.cidr_for("10.0.0.1"):
                return True
    return False


def _egress(world: World, groups: tuple[str, ...], port: int, server: Service) -> bool:
    """An outbound rule of the caller's groups lets TCP `port` out to everywhere
    (0.0.0.0/0, as written) or to one of the server's groups."""
    for gid in groups:
        group = world.groups.get(gid)
        if group is None:
            return True  # INF: a group the scenario doesn't list keeps the default egress rule
        for rule in group.outbound:
            if rule.admits("tcp", port) and (
                "0.0.0.0/0" in rule.cidrs or any(g in server.security_groups for g in rule.groups)
            ):
                return True
    return not groups


def _client_groups(world: World, caller: str) -> tuple[str, ...]:
    for c in world.callers:
        if c.name == caller:
            if c.kind is CallerKind.SERVICE:
                return next(s.security_groups for s in world.services if s.name == c.service)
            return c.security_groups
    return next((s.security_groups for s in world.services if s.name == caller), ())


def _reach(
    world: World, call: Call, server: Service, port: int, steps: list[Step]
) -> tuple[bool, str]:
    """Security groups between the caller and the server task, on `port`."""
    if server.task_definition.network_mode != "awsvpc" or not server.security_groups:
        steps.append(
            Step(
                f"{server.name}: no task security groups to check (not awsvpc, or none "
                "given): ecsprep takes the port as allowed",
                True,
                "INF",
            )
        )
        return True, ""
    groups = _client_groups(world, call.caller)
    if not _egress(world, groups, port, server):
        steps.append(
            Step(
                f"the caller's security groups allow no outbound TCP {port}", False, SECURITY_GROUPS
            )
        )
        return False, "security-group"
    if not _allowed(world, server, port, groups):
        steps.append(
            Step(
                f"no inbound rule of {', '.join(server.security_groups)} allows TCP {port} "
                f"from {', '.join(groups) or 'the caller'}: the connection times out",
                False,
                SECURITY_GROUPS,
            )
        )
        return False, "security-group"
    steps.append(
        Step(
            f"an inbound rule of {', '.join(server.security_groups)} allows TCP {port} from "
            "the caller (security groups are stateful: replies need no rule)",
            True,
            SECURITY_GROUPS,
        )
    )
    return True, ""


def _follow(world: World, call: Call) -> Trace:
    steps: list[Step] = []
    caller = next((c for c in world.callers if c.name == call.caller), None)
    kind = caller.kind if caller is not None else CallerKind.SERVICE
    own = next(
        (s for s in world.services if s.name == (caller.service if caller else call.caller)),
        None,
    )
    in_service = kind is CallerKind.SERVICE and own is not None

    def done(
        answers: tuple[str, ...],
        resolves: bool,
        reaches: bool,
        port: int | None,
        why: str,
        kind: str = "",
        server: Service | None = None,
        forwards_to: str = "",
    ) -> Trace:
        name = server.name if server is not None and reaches else ""
        return Trace(
            call,
            tuple(steps),
            answers,
            resolves,
            reaches,
            port,
            why,
            kind,
            name,
            forwards_to if reaches else "",
        )

    # 1. A Service Connect alias, answered by the caller's own proxy.
    alias_match = [
        e
        for e in world.endpoints
        if e.alias.dns_name == call.host and (call.port is None or e.alias.port == call.port)
    ]
    if alias_match:
        endpoint = alias_match[0]
        if not (in_service and own is not None and own.service_connect):
            who = {
                CallerKind.RUN_TASK: "a standalone task (RunTask)",
                CallerKind.LAMBDA: "a Lambda function",
                CallerKind.EC2: "an EC2 host",
                CallerKind.SERVICE: "a task of a service without Service Connect",
            }[kind]
            steps.append(
                Step(
                    f"{call.host} is a Service Connect client alias, answered only by the "
                    f"Service Connect proxy inside tasks that ECS services create; {who} has "
                    "no proxy, so the name doesn't resolve",
                    False,
                    SC_ALIAS,
                )
            )
            return done((), False, False, None, "no-proxy")
        assert own is not None
        if own.deployed_at < endpoint.created_at:
            steps.append(
                Step(
                    f"the endpoint {call.host}:{endpoint.alias.port} was created at step "
                    f"{endpoint.created_at}, after the {own.name} tasks started (step "
                    f"{own.deployed_at}): existing tasks can't resolve and connect to a new "
                    "endpoint; redeploy the client service",
                    False,
                    SC_DEPLOY,
                )
            )
            return done((), False, False, None, "endpoint-newer-than-task")
        server = next(s for s in world.services if s.name == endpoint.service)
        ingress = endpoint.sc.ingress_override
        if ingress is None:
            ingress = (
                endpoint.sc.port.container_port
                if server.task_definition.network_mode == "awsvpc"
                else EPHEMERAL_PROXY_PORT
            )
            where_from = (
                "the containerPort of the named port mapping (awsvpc default)"
                if server.task_definition.network_mode == "awsvpc"
                else "the proxy's ephemeral port (bridge default; ecsprep shows 40000, INF)"
            )
        else:
            where_from = "ingressPortOverride"
        steps.append(
            Step(
                f"the proxy in the {own.name} tasks answers {call.host}:{endpoint.alias.port} "
                f"(client alias of {server.name}, created at step {endpoint.created_at}) "
                f"and balances the request over the {server.name} tasks, on port {ingress}: "
                f"{where_from}",
                True,
                SC_ALIAS,
            )
        )
        tasks = world.tasks.get(server.name, 1)
        answers = tuple(f"{_task_ip(world, server, n)}:{ingress}" for n in range(tasks))
        ok, why = _reach(world, call, server, ingress, steps)
        if ok:
            steps.append(
                Step(
                    f"the proxy in the {server.name} tasks forwards to "
                    f"{endpoint.sc.port.container}:{endpoint.sc.port.container_port} "
                    f"(port {endpoint.sc.port.name}, "
                    f"appProtocol {endpoint.sc.port.app_protocol or 'none: TCP'})",
                    True,
                    SC_SERVICE,
                )
            )
        target = f"{endpoint.sc.port.container}:{endpoint.sc.port.container_port}"
        return done(answers, True, ok, ingress, why, "service-connect", server, target)

    # 2. A Cloud Map DNS name (serviceRegistries).
    for server in world.services:
        for registry in server.registries:
            fqdn = f"{registry.cloud_map.name}.{world.namespace}"
            if call.host != fqdn:
                continue
            if world.namespace_type == "HTTP":
                steps.append(
                    Step(
                        f"{world.namespace} is an HTTP namespace: no DNS records; discover "
                        "instances with the DiscoverInstances API",
                        False,
                        SERVICE_DISCOVERY,
                    )
                )
                return done((), False, False, None, "not-dns")
            if world.namespace_type == "DNS_PRIVATE" and not world.vpc_dns:
                steps.append(
                    Step(
                        "the private DNS namespace is a Route 53 private hosted zone: the VPC "
                        "needs enableDnsSupport and enableDnsHostnames for its resolver to "
                        "answer",
                        False,
                        VPC_DNS,
                    )
                )
                return done((), False, False, None, "vpc-dns")
            healthy = _healthy(world, server, registry)
            skipped = world.tasks.get(server.name, 1) - len(healthy)
            health_text = {
                "custom": "HealthCheckCustomConfig: ECS reports task health; "
                f"{skipped} unhealthy task(s) left out",
                "none": "no health check: Cloud Map treats every instance as healthy",
                "route53": "a Route 53 health check",
            }[registry.cloud_map.health]
            mode = server.task_definition.network_mode
            if "SRV" in registry.cloud_map.records and call.port is None:
                if mode == "bridge":  # INF: made-up host ports from the ephemeral range
                    ports = [32768 + n for n in healthy]
                elif mode == "host":  # the host port is the containerPort (PortMapping)
                    ports = [registry.container_port or 0 for _ in healthy]
                else:
                    ports = [registry.port or registry.container_port or 0 for _ in healthy]
                answers = tuple(
                    f"{_task_ip(world, server, n)}:{port}"
                    for n, port in zip(healthy, ports, strict=True)
                )
                steps.append(
                    Step(
                        f"SRV {fqdn} answers each task's address and port ({health_text}); "
                        "records hold the task's private IP address",
                        bool(answers),
                        SERVICE_DISCOVERY,
                    )
                )
            elif "A" in registry.cloud_map.records and call.port is not None:
                answers = tuple(f"{_task_ip(world, server, n)}:{call.port}" for n in healthy)
                steps.append(
                    Step(
                        f"A {fqdn} answers each task's private IP address ({health_text}); the "
                        f"caller adds port {call.port} itself",
                        bool(answers),
                        SERVICE_DISCOVERY,
                    )
                )
            else:
                wanted = "an SRV lookup (no port)" if call.port is None else f"port {call.port}"
                steps.append(
                    Step(
                        f"{fqdn} has {'/'.join(registry.cloud_map.records)} records: "
                        f"nothing answers {wanted}",
                        False,
                        SERVICE_DISCOVERY,
                    )
                )
                return done((), False, False, None, "no-record")
            if not answers:
                return done((), False, False, None, "no-healthy-task")
            arrival = int(answers[0].rsplit(":", 1)[1])  # each answer is address:port
            # bridge: the instance maps the host port to the registry's containerPort; awsvpc
            # and host: the traffic arrives on the container's own port
            listen_on = registry.container_port if mode == "bridge" else arrival
            listener = next(
                (p for p in server.task_definition.ports if p.container_port == listen_on), None
            )
            if listener is None:
                steps.append(
                    Step(
                        f"no container of {server.name} listens on {listen_on}",
                        False,
                        SERVICE_DISCOVERY,
                    )
                )
                return done(answers, True, False, arrival, "no-listener", "private")
            if mode == "awsvpc":
                ok, why = _reach(world, call, server, arrival, steps)
            else:
                ok, why = True, ""
            target = f"{listener.container}:{listener.container_port}"
            return done(answers, True, ok, arrival, why, "private", server, target)

    # 3. A load balancer's DNS name.
    for lb in world.load_balancers:
        if call.host != lb.dns_name:
            continue
        targets = [
            (s, c, p)
            for s in world.services
            for (tg, c, p) in s.target_groups
            if tg in lb.target_groups
        ]
        steps.append(
            Step(
                f"{lb.dns_name} is an {lb.scheme} load balancer: its DNS name resolves for any "
                "caller in the VPC; it forwards to the tasks its target groups register "
                "(the load balancer's own security groups: see `simulate load-balancing`)",
                bool(targets),
                "elasticloadbalancing/latest/application/application-load-balancers.html",
            )
        )
        if not targets:
            return done((lb.dns_name,), True, False, None, "no-targets", "load-balancer")
        server, container, port = targets[0]
        return done(
            (lb.dns_name,), True, True, port, "", "load-balancer", server, f"{container}:{port}"
        )

    steps.append(
        Step(
            f"nothing in the scenario answers {call.host}"
            + (
                " (a Service Connect alias exists under another port)"
                if any(e.alias.dns_name == call.host for e in world.endpoints)
                else ""
            ),
            False,
            SC_ALIAS,
        )
    )
    return done((), False, False, None, "not-resolved")


def discover(world: World) -> Result:
    """Every service's records, and each call followed from its caller."""
    records = {
        s.name: tuple(r for reg in s.registries for r in reg.cloud_map.records)
        for s in world.services
        if s.registries
    }
    notes = list(world.notes)
    for service in world.services:
        if service.task_definition.app_mesh:
            notes.append(
                f"{service.name}: the task definition has an App Mesh proxyConfiguration; AWS "
                "App Mesh reached end of support on 30 September 2026 (its console and "
                "resources are no longer available) and AWS points ECS users to Service "
                "Connect, whose proxy ECS adds and manages itself (what-is-app-mesh.html)"
            )
        if service.service_connect:
            role = "client-server" if service.sc_services else "client-only"
            notes.append(
                f"{service.name}: Service Connect {role}: ECS adds the managed Service Connect "
                "proxy container to each new task (no proxyConfiguration, no sidecar in the "
                f"task definition) ({SC_CONCEPTS})"
            )
        if service.public_ip and service.registries:
            notes.append(
                f"{service.name}: assignPublicIp doesn't change the records: Cloud Map gets the "
                "task's private IP address"
            )
    return Result(world, records, tuple(_follow(world, c) for c in world.calls), tuple(notes))
