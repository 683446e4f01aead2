"""Reading load balancers (listeners, rules, actions) and security groups
in AWS's shapes (DescribeLoadBalancers, DescribeRules, DescribeSecurityGroups).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping
from ecsprep.sim.front_door.arns import arn_name
from ecsprep.sim.front_door.decisions import SG_RULES
from ecsprep.sim.front_door.doors import (
    Action,
    Condition,
    Listener,
    LoadBalancer,
    Permission,
    Rule,
    SecurityGroup,
)
from ecsprep.sim.front_door.shapes import items, known, number, text


def _action(doc: Mapping[str, Any], where: Where) -> Action:
    kind = text(doc, "Type", where)
    if kind == "forward":
        return Action("forward", target_group=arn_name(text(doc, "TargetGroupArn", where)))
    if kind == "fixed-response":
        # FixedResponseActionConfig: StatusCode is required, "2XX, 4XX, or 5XX"
        if "FixedResponseConfig" not in doc:
            raise where.refuse(
                "FixedResponseConfig is missing", 'e.g. FixedResponseConfig: {StatusCode: "404"}'
            )
        at = where.key("FixedResponseConfig")
        status = number(as_mapping(doc["FixedResponseConfig"], at), "StatusCode", at, 200, 599)
        if status // 100 == 3:
            raise at.key("StatusCode").refuse(
                f"{status}: the HTTP response code is 2XX, 4XX or 5XX"
            )
        return Action("fixed-response", status=status)
    raise where.key("Type").refuse(
        f"action type {kind!r} isn't modelled", "use forward or fixed-response"
    )


def _listener(doc: Mapping[str, Any], where: Where) -> Listener:
    known(doc, ("Port", "Protocol", "DefaultActions", "Rules", "ListenerArn"), where, "a listener")
    defaults = items(doc, "DefaultActions", where)
    if not defaults:
        raise where.refuse("DefaultActions is missing", "every listener has a default action")
    rules = []
    for at, rule in items(doc, "Rules", where):
        conditions = []
        for cat, cond in items(rule, "Conditions", at):
            kind = text(cond, "Field", cat)
            if kind == "http-header":
                config = as_mapping(cond.get("HttpHeaderConfig", {}), cat.key("HttpHeaderConfig"))
                name = text(config, "HttpHeaderName", cat.key("HttpHeaderConfig"))
                values = as_list(config.get("Values", []), cat.key("HttpHeaderConfig.Values"))
            elif kind in ("path-pattern", "host-header"):
                key = "PathPatternConfig" if kind == "path-pattern" else "HostHeaderConfig"
                name = ""
                if key in cond:
                    config = as_mapping(cond[key], cat.key(key))
                    values = as_list(config.get("Values", []), cat.key(f"{key}.Values"))
                else:  # the older form: the values on the condition itself
                    values = as_list(cond.get("Values", []), cat.key("Values"))
            else:
                raise cat.key("Field").refuse(
                    f"condition {kind!r} isn't modelled",
                    "use http-header, path-pattern or host-header",
                )
            if not values:
                raise cat.refuse(
                    f"a {kind} condition without values matches nothing",
                    "give the values to compare, e.g. PathPatternConfig: {Values: [/api/*]}",
                )
            conditions.append(Condition(kind, name, tuple(str(v) for v in values)))
        actions = items(rule, "Actions", at)
        if not actions:
            raise at.refuse("Actions is missing")
        rules.append(
            Rule(
                number(rule, "Priority", at, 1, 50_000),
                tuple(conditions),
                _action(actions[0][1], actions[0][0]),
            )
        )
    return Listener(
        port=number(doc, "Port", where, 1, 65_535),
        rules=tuple(sorted(rules, key=lambda r: r.priority)),
        default=_action(defaults[0][1], defaults[0][0]),
    )


def load_balancer(doc: Mapping[str, Any], where: Where, region: str) -> LoadBalancer:
    known(
        doc,
        (
            "LoadBalancerName",
            "LoadBalancerArn",
            "Type",
            "Scheme",
            "DNSName",
            "SecurityGroups",
            "Listeners",
            "Region",
        ),
        where,
        "a load balancer",
    )
    name = text(doc, "LoadBalancerName", where)
    kind = text(doc, "Type", where, "application")
    if kind not in ("application", "network"):
        raise where.key("Type").refuse(f"{kind!r}: use application or network")
    scheme = text(doc, "Scheme", where, "internet-facing")
    if scheme not in ("internet-facing", "internal"):
        raise where.key("Scheme").refuse(f"{scheme!r}: use internet-facing or internal")
    lb_region = text(doc, "Region", where, region)
    prefix = "internal-" if scheme == "internal" else ""
    dns = text(doc, "DNSName", where, f"{prefix}{name}.{lb_region}.elb.amazonaws.com")
    groups = tuple(
        str(g) for g in as_list(doc.get("SecurityGroups", []), where.key("SecurityGroups"))
    )
    listeners = tuple(_listener(d, at) for at, d in items(doc, "Listeners", where))
    return LoadBalancer(name, kind, scheme, lb_region, dns.lower(), groups, listeners)


def security_group(doc: Mapping[str, Any], where: Where) -> SecurityGroup:
    known(doc, ("GroupId", "GroupName", "Description", "IpPermissions"), where, "a security group")
    perms = []
    for at, perm in items(doc, "IpPermissions", where):
        if "RuleAction" in perm:
            raise at.key("RuleAction").refuse(
                "security groups support allow rules only: you can specify allow rules, but not "
                "deny rules",
                f"{SG_RULES} (deny rules belong to network ACLs)",
            )
        known(
            perm,
            (
                "IpProtocol",
                "FromPort",
                "ToPort",
                "IpRanges",
                "PrefixListIds",
                "UserIdGroupPairs",
                "Description",
            ),
            at,
            "an inbound rule (IpPermissions)",
        )
        cidrs = []
        for rat, r in items(perm, "IpRanges", at):
            cidr = text(r, "CidrIp", rat)
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise rat.key("CidrIp").refuse(f"{cidr!r} isn't a CIDR block") from None
            cidrs.append(cidr)
        lists = tuple(text(p, "PrefixListId", pat) for pat, p in items(perm, "PrefixListIds", at))
        groups = tuple(text(g, "GroupId", gat) for gat, g in items(perm, "UserIdGroupPairs", at))
        # IpPermission: -1 is every protocol on every port; tcp, udp and icmp need a range
        if "IpProtocol" not in perm:
            raise at.refuse(
                "IpProtocol is missing", "tcp, udp, icmp, icmpv6, a protocol number, or -1 for all"
            )
        protocol = str(perm["IpProtocol"])
        if not re.fullmatch(r"tcp|udp|icmp|icmpv6|-1|\d+", protocol):
            raise at.key("IpProtocol").refuse(
                f"{protocol!r}: use tcp, udp, icmp, icmpv6, a protocol number, or -1 for all"
            )
        if protocol == "-1":
            low, high = 0, 65535
        elif "FromPort" in perm and "ToPort" in perm:
            low = as_int(perm["FromPort"], at.key("FromPort"), minimum=-1)
            high = as_int(perm["ToPort"], at.key("ToPort"), minimum=-1)
        else:
            raise at.refuse(
                f"IpProtocol {protocol} needs FromPort and ToPort",
                "e.g. FromPort: 443, ToPort: 443",
            )
        if protocol not in ("-1", "tcp", "6"):
            continue  # a UDP, ICMP or other protocol's rule admits no HTTP(S) connection
        perms.append(Permission(low, high, tuple(cidrs), lists, groups))
    return SecurityGroup(text(doc, "GroupId", where), tuple(perms))
