"""Reading load balancers (listeners, rules, actions) and security groups
in AWS's shapes (DescribeLoadBalancers, DescribeRules, DescribeSecurityGroups).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsprep.sim.documents import Where, as_list, as_mapping
from ecsprep.sim.front_door.arns import arn_name
from ecsprep.sim.front_door.decisions import SG_RULES
from ecsprep.sim.front_door.doors import (
    Action,
    Condition,
    Listener,
    LoadBalancer,
    Rule,
    SecurityGroup,
)
from ecsprep.sim.front_door.shapes import items, known, number, text
from ecsprep.sim.ip_permissions import read_ip_permission


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
    """A DescribeSecurityGroups group: its inbound rules, each read as EC2 reads it
    (sim/ip_permissions.py). Front-door's own rule: a RuleAction (a deny) is refused with
    why, since deny rules belong to network ACLs."""
    known(doc, ("GroupId", "GroupName", "Description", "IpPermissions"), where, "a security group")
    perms = []
    for at, perm in items(doc, "IpPermissions", where):
        if "RuleAction" in perm:
            raise at.key("RuleAction").refuse(
                "security groups support allow rules only: you can specify allow rules, but not "
                "deny rules",
                f"{SG_RULES} (deny rules belong to network ACLs)",
            )
        perms.append(read_ip_permission(perm, at))
    return SecurityGroup(text(doc, "GroupId", where), tuple(perms))
