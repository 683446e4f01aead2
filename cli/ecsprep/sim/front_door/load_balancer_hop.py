"""A request at a load balancer: security groups, web ACL, listener rules,
an NLB forwarding to its ALB target, and the ECS service reached.
"""

from __future__ import annotations

import ipaddress
import re

from ecsprep.sim.front_door.decisions import (
    CF_VPC_ORIGINS,
    CLOUDFRONT_PREFIX_LISTS,
    ELB_503,
    ELB_LISTENERS,
    ELB_RULES,
    ELB_SCHEME,
    HTTP_PRIVATE,
    NLB_ALB_TARGET,
    SG_RULES,
    Verdict,
)
from ecsprep.sim.front_door.doors import Condition, LoadBalancer, Setup
from ecsprep.sim.front_door.walk import Trip, Walk, protecting, waf


def _admits(setup: Setup, lb: LoadBalancer, source: str, port: int) -> tuple[bool, str]:
    """An inbound rule admits TCP `port` from the client's address, or from CloudFront's
    managed prefix list for an address CloudFront uses (front-door's sources)."""
    groups = [g for g in setup.security_groups if g.group_id in lb.security_groups]
    address = ipaddress.ip_address(source)
    cloudfront = address in ipaddress.ip_network("130.176.0.0/18")
    for group in groups:
        for perm in group.inbound:
            if not perm.admits("tcp", port):
                continue  # a UDP, ICMP or other protocol's rule admits no HTTP(S) connection
            cidr = perm.cidr_for(source)
            if cidr:
                return True, f"{group.group_id} allows {cidr} on port {port}"
            for plist in perm.prefix_lists:
                if cloudfront and plist in CLOUDFRONT_PREFIX_LISTS:
                    return True, f"{group.group_id} allows prefix list {plist} on port {port}"
    return (
        False,
        f"no inbound rule of {', '.join(lb.security_groups)} allows {source} on port {port}",
    )


def at_load_balancer(
    walk: Walk, lb: LoadBalancer, path: str, source: str, *, from_internet: bool
) -> Trip:
    hop = lb.label
    at = "alb" if lb.kind == "application" else "nlb"
    if from_internet and lb.scheme == "internal":
        walk.say(
            hop,
            Verdict.FAIL,
            f"{lb.dns} is internal: it routes requests only from clients with access to the VPC",
            ELB_SCHEME,
        )
        return walk.end(0, by="network", at="network")
    port = walk.request.port
    if source in ("vpc-origin", "vpc-link", "nlb"):
        # From inside the VPC the hop before picks the listener (a listener ARN, the VPC
        # origin's port): INF, the only listener, else port 80 (private integrations use
        # HTTP by default).
        port = lb.listeners[0].port if len(lb.listeners) == 1 else 80
        what = {"vpc-origin": "CloudFront's VPC origin", "vpc-link": "the VPC link"}.get(
            source, "the Network Load Balancer"
        )
        walk.say(
            hop,
            Verdict.ACCEPT,
            f"from {what}: ecsprep assumes its security groups admit it, as the docs instruct",
            {"vpc-origin": CF_VPC_ORIGINS, "vpc-link": HTTP_PRIVATE}.get(source, NLB_ALB_TARGET),
            inferred=True,
        )
    elif lb.security_groups:
        ok, why = _admits(walk.setup, lb, source, port)
        if not ok:
            walk.say(hop, Verdict.BLOCK, f"security group drops the connection: {why}", SG_RULES)
            return walk.end(0, by="security-group", at=at)
        walk.say(hop, Verdict.ACCEPT, f"security group: {why}", SG_RULES)
    acl = protecting(walk.setup, f"lb:{lb.name}")
    if acl is not None:
        stopped = waf(walk, acl, hop, at)
        if stopped:
            return stopped
    listener = next((li for li in lb.listeners if li.port == port), None)
    if listener is None:
        walk.say(
            hop,
            Verdict.BLOCK,
            f"no listener on port {port}: a listener checks for connection requests on the "
            "port you configure",
            ELB_LISTENERS[lb.kind],
        )
        return walk.end(0, by="no-listener", at=at)
    action, why = listener.default, "default action"
    if lb.kind == "application":
        for rule in listener.rules:
            if all(_condition(c, walk, path) for c in rule.conditions):
                action, why = rule.action, f"rule priority {rule.priority} matches"
                break
    if action.kind == "fixed-response":
        walk.say(
            hop, Verdict.BLOCK, f"listener {port}: {why}: fixed response {action.status}", ELB_RULES
        )
        return walk.end(action.status, by="listener-rule", at=at, path=path)
    tg = next(t for t in walk.setup.target_groups if t.name == action.target_group)
    if tg.target_type == "alb":
        walk.say(
            hop,
            Verdict.FORWARD,
            f"listener {port}: {why}: forward to {tg.name} (type alb)",
            NLB_ALB_TARGET,
        )
        alb = next(x for x in walk.setup.load_balancers if x.name == tg.alb)
        return _through_nlb(walk, alb, path)
    walk.say(hop, Verdict.FORWARD, f"listener {port}: {why}: forward to {tg.name}", ELB_RULES)
    if not tg.service:
        if lb.kind == "application":
            walk.say(
                hop,
                Verdict.FAIL,
                f"target group {tg.name} has no registered targets (no ECS service): "
                "503 Service Unavailable",
                ELB_503,
            )
            return walk.end(503, by="no-target", at=at)
        walk.say(
            hop,
            Verdict.FAIL,
            f"target group {tg.name} has no registered targets (no ECS service): the "
            "connection fails",
            inferred=True,
        )
        return walk.end(0, by="no-target", at=at)
    walk.say(
        f"ECS service {tg.service}",
        Verdict.REACH,
        f"a task of {tg.service} answers {path}",
        inferred=True,
    )
    return walk.end(200, reached=tg.service, path=path)


def _through_nlb(walk: Walk, alb: LoadBalancer, path: str) -> Trip:
    # An NLB forwarding to its ALB target: the ALB's security group must admit the NLB
    # (INF: ecsprep assumes it does, as the NLB-to-ALB docs instruct).
    return at_load_balancer(walk, alb, path, "nlb", from_internet=False)


def _condition(cond: Condition, walk: Walk, path: str) -> bool:
    if cond.field == "http-header":
        value = walk.headers.get(cond.name.lower())
        return value is not None and any(_glob(v, value, case=False) for v in cond.values)
    if cond.field == "path-pattern":
        return any(_glob(v, path, case=True) for v in cond.values)
    return any(_glob(v, walk.request.host, case=False) for v in cond.values)


def _glob(pattern: str, value: str, *, case: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None
