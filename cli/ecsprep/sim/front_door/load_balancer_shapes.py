"""Reading load balancers (listeners, rules, actions) and security groups
in AWS's shapes (DescribeLoadBalancers, DescribeRules, DescribeSecurityGroups).
"""

from __future__ import annotations

import ipaddress
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
from ecsprep.sim.front_door.shapes import items, known, text


def _action(doc: Mapping[str, Any], where: Where) -> Action:
    kind = text(doc, "Type", where)
    if kind == "forward":
        return Action("forward", target_group=arn_name(text(doc, "TargetGroupArn", where)))
    if kind == "fixed-response":
        config = as_mapping(doc.get("FixedResponseConfig", {}), where.key("FixedResponseConfig"))
        status = as_int(config.get("StatusCode", 200), where.key("FixedResponseConfig.StatusCode"))
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
                config = as_mapping(cond.get(key, {}), cat.key(key))
                name = ""
                values = as_list(config.get("Values", []), cat.key(f"{key}.Values"))
            else:
                raise cat.key("Field").refuse(
                    f"condition {kind!r} isn't modelled",
                    "use http-header, path-pattern or host-header",
                )
            conditions.append(Condition(kind, name, tuple(str(v) for v in values)))
        actions = items(rule, "Actions", at)
        if not actions:
            raise at.refuse("Actions is missing")
        rules.append(
            Rule(
                as_int(rule.get("Priority", 1), at.key("Priority"), minimum=1),
                tuple(conditions),
                _action(actions[0][1], actions[0][0]),
            )
        )
    return Listener(
        port=as_int(doc.get("Port", 80), where.key("Port"), minimum=1),
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
        protocol = str(perm.get("IpProtocol", "tcp"))
        low = as_int(perm.get("FromPort", 0), at.key("FromPort")) if protocol != "-1" else 0
        high = as_int(perm.get("ToPort", 65535), at.key("ToPort")) if protocol != "-1" else 65535
        perms.append(Permission(low, high, tuple(cidrs), lists, groups))
    return SecurityGroup(text(doc, "GroupId", where), tuple(perms))
