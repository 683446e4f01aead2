"""A request's walk through the front doors: the walk's state, the Trip it ends in, and
the web ACL check a protected hop makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecsprep.sim.front_door.decisions import WAF_BLOCK, WAF_RATE, WAF_SQLI, Decision, Verdict
from ecsprep.sim.front_door.doors import Request, Setup, WebAcl


@dataclass(frozen=True, slots=True)
class Trip:
    """One request's way through the front doors."""

    request: Request
    decisions: tuple[Decision, ...]
    reached: str  # the ECS service, or ""
    status: int
    blocked_by: str = ""  # waf | security-group | listener-rule | api-key | authorizer | ...
    blocked_at: str = ""  # cloudfront | api-gateway | alb | nlb | network
    backend_path: str = ""


@dataclass
class Walk:
    setup: Setup
    request: Request
    decisions: list[Decision] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def say(
        self, hop: str, verdict: Verdict, what: str, rule: str = "", inferred: bool = False
    ) -> None:
        self.decisions.append(Decision(hop, verdict, what, rule, inferred))

    def end(
        self, status: int, *, by: str = "", at: str = "", reached: str = "", path: str = ""
    ) -> Trip:
        return Trip(self.request, tuple(self.decisions), reached, status, by, at, path)


def waf(walk: Walk, acl: WebAcl, hop: str, at: str) -> Trip | None:
    request = walk.request
    for rule in acl.rules:
        matched = (rule.kind == "sqli" and request.sqli) or (
            rule.kind == "rate" and request.rate > rule.limit
        )
        if not matched:
            continue
        if rule.action == "Count":
            walk.say(
                hop,
                Verdict.ACCEPT,
                f"web ACL {acl.name}: rule {rule.name} matches and counts",
                WAF_BLOCK,
            )
            continue
        if rule.action == "Block":
            why = (
                f"{request.rate} requests from {request.source_ip} in 5 minutes exceed "
                f"its limit {rule.limit}"
                if rule.kind == "rate"
                else "the request carries SQL injection"
            )
            walk.say(
                hop,
                Verdict.BLOCK,
                f"web ACL {acl.name}: rule {rule.name} blocks ({why}): 403",
                WAF_RATE if rule.kind == "rate" else WAF_SQLI,
                inferred=rule.kind == "rate",
            )
            return walk.end(403, by="waf", at=at)
        walk.say(hop, Verdict.ACCEPT, f"web ACL {acl.name}: rule {rule.name} allows", WAF_BLOCK)
        return None
    if acl.default_block:
        walk.say(
            hop,
            Verdict.BLOCK,
            f"web ACL {acl.name}: no rule matches; default action Block: 403",
            WAF_BLOCK,
        )
        return walk.end(403, by="waf", at=at)
    walk.say(
        hop, Verdict.ACCEPT, f"web ACL {acl.name}: no rule blocks; default action Allow", WAF_BLOCK
    )
    return None


def protecting(setup: Setup, key: str) -> WebAcl | None:
    for resource, name in setup.protects:
        if resource == key:
            return next(a for a in setup.web_acls if a.name == name)
    return None
