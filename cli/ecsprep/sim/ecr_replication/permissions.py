"""Whether the principal may call an ECR action: its identity policies and the
registry and repository policies (resource-based policies naming an account or a role).
"""

from __future__ import annotations

from datetime import datetime

from ecsprep.sim.ecr_replication.registries import Principal, Registry
from ecsprep.sim.ecr_replication.state import State, shown
from ecsprep.sim.ecr_replication.steps import Step, Verdict
from ecsprep.sim.iam_policy import Decision, Policy, statement_applies

# The layer and manifest reads a pull needs once logged in (ecr_access's PULL_ACTIONS adds the
# layer check a `docker pull` makes first).
PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


def _names(statement_principals: tuple[str, ...], account: str, arn: str) -> bool:
    for named in statement_principals:
        if named in ("*", "AWS:*"):
            return True
        if named.startswith("AWS:") and named[4:] in (
            account,
            f"arn:aws:iam::{account}:root",
            arn,
        ):
            return True
    return False


def policy_decision(
    policy: Policy | None, account: str, arn: str, action: str, resource: str
) -> tuple[Decision, str]:
    """A resource-based policy (registry or repository) for a principal of `account`."""
    if policy is None:
        return Decision.IMPLICIT_DENY, ""
    allow = ""
    for statement in policy.statements:
        if not _names(statement.principals, account, arn):
            continue
        if not statement_applies(statement, action, resource, {}):
            continue
        label = policy.name + (f" ({statement.sid})" if statement.sid else "")
        if statement.effect == "Deny":
            return Decision.EXPLICIT_DENY, label
        allow = allow or label
    return (Decision.ALLOWED, allow) if allow else (Decision.IMPLICIT_DENY, "")


def _identity(principal: Principal, action: str, resource: str) -> tuple[Decision, str]:
    if not principal.given:
        return Decision.ALLOWED, "the scenario's principal (INF: no principal given, all allowed)"
    allow = ""
    for policy in principal.policies:
        for statement in policy.statements:
            if not statement_applies(statement, action, resource, {}):
                continue
            label = policy.name + (f" ({statement.sid})" if statement.sid else "")
            if statement.effect == "Deny":
                return Decision.EXPLICIT_DENY, label
            allow = allow or label
    return (Decision.ALLOWED, allow) if allow else (Decision.IMPLICIT_DENY, "")


def allowed(
    state: State,
    action: str,
    registry: Registry,
    repository: str,
    sources: tuple[str, ...],
) -> tuple[bool, str]:
    """May the principal call `action` on a repository of `registry`? `sources` names the
    policies that can grant it: identity, registry, repository."""
    principal = state.principal
    arn = f"arn:aws:ecr:{registry.region}:{registry.registry_id}:repository/{repository}"
    found: list[tuple[Decision, str]] = []
    if "identity" in sources:
        found.append(_identity(principal, action, arn))
    if "registry" in sources:
        found.append(
            policy_decision(registry.policy, principal.account, principal.arn, action, arn)
        )
    if "repository" in sources:
        repo = state.repo(registry.key, repository)
        policy = repo.policy if repo else None
        found.append(policy_decision(policy, principal.account, principal.arn, action, arn))
    for decision, by in found:
        if decision is Decision.EXPLICIT_DENY:
            return False, f"explicitly denied by {by}"
    for decision, by in found:
        if decision is Decision.ALLOWED:
            return True, f"allowed by {by}"
    return False, "not allowed by the " + " or ".join(
        {"identity": "identity policies", "registry": "registry policy"}.get(s, s + " policy")
        for s in sources
    )


def refused(
    state: State,
    actions: tuple[str, ...],
    registry: Registry,
    name: str,
    step: tuple[str, str, datetime | None],
) -> bool:
    """Records the first of `actions` the principal's identity or repository policy doesn't
    allow (the push or pull fails with AccessDeniedException); True when one was refused.
    `step` is the event's label, the doc page and the time."""
    label, rule, at = step
    for action in actions:
        ok, why = allowed(state, action, registry, name, ("identity", "repository"))
        if not ok:
            state.denied.append(action)
            state.errors.append("AccessDeniedException")
            state.decisions.append(Step(label, Verdict.FAILED, f"{action}: {why}", rule, shown(at)))
            return True
    return False
