"""Can a task ENI (or a container instance) reach an AWS service, and by which path?

Every call the agent, Fargate or the application makes is an outbound HTTPS
connection. The documented ways out of a subnet (VPC User Guide, PrivateLink
guide, ECS "interface VPC endpoints"):

- an interface endpoint for the service, when its private DNS is on (and the VPC
  has `enableDnsSupport` and `enableDnsHostnames`): the service's normal hostname
  resolves to the endpoint's private IPs. The endpoint's security groups must
  allow inbound TCP 443 from the caller (its security group or its address);
  without private DNS the hostname resolves to public IPs and the call takes the
  internet path instead;
- a gateway endpoint (S3, DynamoDB) associated with the subnet's route table: the
  prefix-list route is more specific than any default route, so it wins;
- the default route `0.0.0.0/0`: to a NAT gateway, or to an internet gateway,
  which works only for an ENI with a public IP.

An endpoint policy (`PolicyDocument`) can refuse a call that reaches it (403).
Security groups are stateful, so the caller's inbound rules never matter for an
outbound call; the caller's outbound rules are taken as allowing all (the default
rule), and an endpoint whose security groups aren't described (no `Groups`, or
groups missing from `securityGroupRules`) as accepting the caller: inferred
choices, listed in docs/credentials.md.

The input is in the shapes of the EC2 API (describe-route-tables,
describe-vpc-endpoints, describe-security-groups), trimmed to the fields used.
No `network` at all means "an unrestricted path to the internet".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str
from ecsprep.sim.iam_policy import Policy, evaluate, read_policy
from ecsprep.sim.ip_permissions import IpPermission, read_ip_permission

_NETWORK_KEYS = (
    "subnetCidr",
    "routeTable",
    "routes",
    "securityGroups",
    "publicIp",
    "enableDnsSupport",
    "enableDnsHostnames",
    "vpcEndpoints",
    "securityGroupRules",
    "description",
)
_ENDPOINT_KEYS = (
    "ServiceName",
    "VpcEndpointType",
    "PrivateDnsEnabled",
    "Groups",
    "RouteTableIds",
    "PolicyDocument",
)
GATEWAY_SERVICES = ("s3", "dynamodb")


@dataclass(frozen=True, slots=True)
class Endpoint:
    service: str  # the short name: ecr.dkr, s3, logs...
    kind: str  # Interface or Gateway
    private_dns: bool = False
    groups: tuple[str, ...] = ()
    route_tables: tuple[str, ...] = ()
    policy: Policy | None = None


@dataclass(frozen=True, slots=True)
class Network:
    subnet_cidr: str = "10.0.1.0/24"
    route_table: str = "rtb-main"
    default_route: str = ""  # "", "igw-…" or "nat-…" (the 0.0.0.0/0 target)
    security_groups: tuple[str, ...] = ()
    public_ip: bool = False
    dns_support: bool = True
    dns_hostnames: bool = True
    endpoints: tuple[Endpoint, ...] = ()
    rules: Mapping[str, tuple[IpPermission, ...]] | None = None  # endpoint group → inbound
    open: bool = False  # no network given: an unrestricted path


OPEN = Network(open=True)


@dataclass(frozen=True, slots=True)
class Reach:
    ok: bool
    via: str  # "interface endpoint ecr.dkr", "gateway endpoint s3", "NAT gateway", ...
    why: str = ""  # when not ok: what stops it
    refused: bool = False  # an endpoint policy answered 403 (not a timeout)


def short_service(name: str) -> str:
    """`com.amazonaws.eu-west-1.ecr.dkr` → `ecr.dkr`; a short name stays as it is."""
    parts = name.split(".")
    if len(parts) >= 4 and parts[0] == "com" and parts[1] == "amazonaws":
        return ".".join(parts[3:])
    return name


def read_network(data: object, where: Where) -> Network:
    if data is None:
        return OPEN
    raw = as_mapping(data, where, "a network description")
    for key in raw:
        if key not in _NETWORK_KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), _NETWORK_KEYS, n=1)
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", f"did you mean {close[0]}?" if close else None
            )
    cidr = as_str(raw.get("subnetCidr", "10.0.1.0/24"), where.key("subnetCidr"))
    try:
        ipaddress.ip_network(cidr)
    except ValueError:
        raise where.key("subnetCidr").refuse(f"{cidr!r} is not a CIDR block") from None
    default_route = ""
    for n, route in enumerate(as_list(raw.get("routes", []), where.key("routes"))):
        at = where.key("routes").index(n)
        item = as_mapping(route, at, "a route (describe-route-tables shape)")
        if item.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        target = item.get("NatGatewayId") or item.get("GatewayId")
        if not isinstance(target, str) or not target.startswith(("nat-", "igw-")):
            raise at.refuse(
                "a default route needs a NatGatewayId (nat-…) or a GatewayId (igw-…)",
                "e.g. {DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: nat-0abc}",
            )
        if default_route:
            raise at.refuse(
                "RouteAlreadyExists: a route table has one route per destination",
                "keep one 0.0.0.0/0 route",
            )
        default_route = target
    endpoints = tuple(
        _endpoint(item, where.key("vpcEndpoints").index(n))
        for n, item in enumerate(as_list(raw.get("vpcEndpoints", []), where.key("vpcEndpoints")))
    )
    rules: dict[str, tuple[IpPermission, ...]] = {}
    at_rules = where.key("securityGroupRules")
    for group, permissions in as_mapping(raw.get("securityGroupRules", {}), at_rules).items():
        rules[str(group)] = tuple(
            read_ip_permission(item, at_rules.key(str(group)).index(n))
            for n, item in enumerate(as_list(permissions, at_rules.key(str(group))))
        )
    return Network(
        subnet_cidr=cidr,
        route_table=as_str(raw.get("routeTable", "rtb-main"), where.key("routeTable")),
        default_route=default_route,
        security_groups=tuple(
            as_str(g, where.key("securityGroups").index(n))
            for n, g in enumerate(
                as_list(raw.get("securityGroups", []), where.key("securityGroups"))
            )
        ),
        public_ip=_flag(raw.get("publicIp", False), where.key("publicIp")),
        dns_support=_flag(raw.get("enableDnsSupport", True), where.key("enableDnsSupport")),
        dns_hostnames=_flag(raw.get("enableDnsHostnames", True), where.key("enableDnsHostnames")),
        endpoints=endpoints,
        rules=rules if "securityGroupRules" in raw else None,
    )


def _flag(value: object, where: Where) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("ENABLED", "DISABLED"):
        return value == "ENABLED"
    raise where.refuse(f"expected true/false (or ENABLED/DISABLED), found {value!r}")


def _endpoint(data: object, where: Where) -> Endpoint:
    raw = as_mapping(data, where, "a VPC endpoint (describe-vpc-endpoints shape)")
    for key in raw:
        if key not in _ENDPOINT_KEYS:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "use " + ", ".join(_ENDPOINT_KEYS)
            )
    service = short_service(as_str(raw.get("ServiceName", ""), where.key("ServiceName")))
    if not service:
        raise where.refuse("ServiceName is missing", "e.g. com.amazonaws.eu-west-1.ecr.dkr")
    kind = raw.get("VpcEndpointType", "Gateway" if service in GATEWAY_SERVICES else "Interface")
    if kind not in ("Interface", "Gateway"):
        raise where.key("VpcEndpointType").refuse(f"{kind!r}: use Interface or Gateway")
    if kind == "Gateway" and service not in GATEWAY_SERVICES:
        raise where.refuse(
            f"InvalidServiceName: {service} has no gateway endpoint",
            "gateway endpoints exist for s3 and dynamodb; use an Interface endpoint",
        )
    if kind == "Gateway" and raw.get("PrivateDnsEnabled"):
        raise where.key("PrivateDnsEnabled").refuse(
            "InvalidParameter: private DNS is an option of interface endpoints, "
            "not gateway endpoints",
            "a gateway endpoint works through route tables",
        )
    if kind == "Interface" and raw.get("RouteTableIds"):
        raise where.key("RouteTableIds").refuse(
            "InvalidParameter: route tables are for gateway endpoints",
            "an interface endpoint is placed in subnets and reached through DNS",
        )
    if kind == "Gateway" and raw.get("Groups"):
        raise where.key("Groups").refuse(
            "InvalidParameter: a gateway endpoint has no security groups",
            "a gateway endpoint works through route tables",
        )
    policy = None
    if raw.get("PolicyDocument") is not None:
        document = raw["PolicyDocument"]
        if isinstance(document, str) and document.lstrip().startswith("{"):
            import json

            try:
                document = json.loads(document)
            except json.JSONDecodeError as error:
                raise where.key("PolicyDocument").refuse(
                    f"the policy document isn't JSON: {error.msg} at line {error.lineno}, "
                    f"column {error.colno}"
                ) from None
        policy = read_policy(document, where.key("PolicyDocument"), f"{service} endpoint policy")
    return Endpoint(
        service=service,
        kind=str(kind),
        private_dns=bool(raw.get("PrivateDnsEnabled", False)),
        groups=tuple(
            str(g.get("GroupId") if isinstance(g, Mapping) else g)
            for g in as_list(raw.get("Groups", []), where.key("Groups"))
        ),
        route_tables=tuple(
            as_str(r, where.key("RouteTableIds").index(n))
            for n, r in enumerate(as_list(raw.get("RouteTableIds", []), where.key("RouteTableIds")))
        ),
        policy=policy,
    )


def _allows_443(rules: tuple[IpPermission, ...], network: Network) -> bool:
    """A rule admits TCP 443 from the caller: from one of its security groups, or from a
    range that holds the caller's whole subnet (the network path's sources)."""
    subnet = ipaddress.ip_network(network.subnet_cidr)
    for rule in rules:
        if not rule.admits("tcp", 443):
            continue
        if set(rule.groups) & set(network.security_groups):
            return True
        for cidr in rule.cidrs if subnet.version == 4 else rule.ipv6_cidrs:
            if subnet.subnet_of(ipaddress.ip_network(cidr, strict=False)):  # type: ignore[arg-type]
                return True
    return False


def reach(
    network: Network, service: str, action: str = "", resource: str = "*", *, aws: bool = True
) -> Reach:
    """The path a call to `service` takes, and whether it gets through.

    `aws=False` is a host outside AWS (Docker Hub): only the internet path reaches it.
    """
    if network.open:
        return Reach(True, "the internet (no network restrictions given)")
    notes = []
    if aws:
        for endpoint in network.endpoints:
            if endpoint.service != service or endpoint.kind != "Interface":
                continue
            if not endpoint.private_dns:
                notes.append(
                    f"the {service} interface endpoint has private DNS off, so the service "
                    "hostname resolves to public addresses"
                )
                continue
            if not (network.dns_support and network.dns_hostnames):
                notes.append(
                    f"private DNS of the {service} endpoint needs the VPC's enableDnsSupport "
                    "and enableDnsHostnames"
                )
                continue
            described = network.rules is not None and all(
                g in network.rules for g in endpoint.groups
            )
            if network.rules is not None and endpoint.groups and described:
                rules = tuple(r for g in endpoint.groups for r in network.rules.get(g, ()))
                if not _allows_443(rules, network):
                    return Reach(
                        False,
                        f"interface endpoint {service}",
                        f"the {service} endpoint's security groups allow no inbound TCP 443 "
                        "from the caller, so the connection times out",
                    )
            return _through_policy(endpoint, action, resource, f"interface endpoint {service}")
        for endpoint in network.endpoints:
            if endpoint.service == service and endpoint.kind == "Gateway":
                if network.route_table in endpoint.route_tables:
                    return _through_policy(
                        endpoint, action, resource, f"gateway endpoint {service}"
                    )
                notes.append(
                    f"the {service} gateway endpoint isn't associated with the subnet's route "
                    f"table {network.route_table}"
                )
    if network.default_route.startswith("nat-"):
        return Reach(True, f"NAT gateway {network.default_route}")
    if network.default_route.startswith("igw-"):
        if network.public_ip:
            return Reach(True, f"internet gateway {network.default_route} (public IP)")
        why = "the route goes to an internet gateway, but the ENI has no public IP"
    else:
        why = "the route table has no route to the internet (no NAT gateway or internet gateway)"
    if aws:
        why += f" and no usable {service} endpoint"
    return Reach(False, "no path", "; ".join([*notes, why]) + ", so the connection times out")


def _through_policy(endpoint: Endpoint, action: str, resource: str, via: str) -> Reach:
    if endpoint.policy is None or not action:
        return Reach(True, via)
    decided = evaluate((endpoint.policy,), action, resource)
    if decided.allowed:
        return Reach(True, via)
    return Reach(
        False,
        via,
        f"the {endpoint.service} endpoint policy doesn't allow {action} on {resource} "
        "(403 AccessDenied)",
        refused=True,
    )
