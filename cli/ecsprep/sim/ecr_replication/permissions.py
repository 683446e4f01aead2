"""Whether the principal may call an ECR action: its identity policies and the
registry and repository policies (resource-based policies naming an account or a role).
"""

from __future__ import annotations

import re
from datetime import datetime

from ecsprep.sim.ecr_replication.registries import Principal, Registry
from ecsprep.sim.ecr_replication.state import State, shown
from ecsprep.sim.ecr_replication.steps import Step, Verdict
from ecsprep.sim.iam_policy import Decision, Evaluation, Policy, evaluate

# The layer and manifest reads a pull needs once logged in (ecr_access's PULL_ACTIONS adds the
# layer check a `docker pull` makes first).
PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")

NO_PRINCIPAL = (
    "INF: the scenario gives no principal: its identity policies are taken to allow every ECR "
    "action (a registry or repository policy can still deny one explicitly)"
)


def _iam_arn(arn: str) -> str:
    """The IAM ARN a policy sees for the caller: an assumed-role session
    (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) acts as its role, which a Principal
    element names (reference_policies_elements_principal.html) and aws:PrincipalArn holds
    (reference_policies_condition-keys.html)."""
    match = re.fullmatch(r"arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/.+", arn)
    return f"arn:{match[1]}:iam::{match[2]}:role/{match[3]}" if match else arn


def _names(statement_principals: tuple[str, ...], account: str, arn: str) -> bool:
    """Does a statement's Principal name the caller? "*" and {"AWS": "*"} name everyone; an
    account ID or its root ARN names every identity of the account (it delegates to the
    account, reference_policies_elements_principal.html); a role or user ARN names itself."""
    for named in statement_principals:
        kind, _, value = named.partition(":")
        if named == "*" or (
            kind == "AWS"
            and value in ("*", account, f"arn:aws:iam::{account}:root", arn, _iam_arn(arn))
        ):
            return True
    return False


def _context(account: str, arn: str) -> dict[str, str]:
    """The global condition keys of every request that ecsprep knows: the caller's account
    and ARN (reference_policies_condition-keys.html)."""
    return {"aws:PrincipalAccount": account, "aws:PrincipalArn": _iam_arn(arn)}


def policy_decision(
    policy: Policy | None, account: str, arn: str, action: str, resource: str
) -> tuple[Decision, str]:
    """A resource-based policy (registry or repository) for the caller `arn` of `account`:
    its decision and, when a statement decided, the policy's name and the statement's Sid."""
    if policy is None:
        return Decision.IMPLICIT_DENY, ""
    naming = tuple(s for s in policy.statements if _names(s.principals, account, arn))
    found = evaluate((Policy(policy.name, naming),), action, resource, _context(account, arn))
    return found.decision, found.by


def _identity(principal: Principal, action: str, resource: str) -> Evaluation:
    if not principal.given:
        return Evaluation(Decision.ALLOWED)  # INF: no principal, said in the run's notes
    context = _context(principal.account, principal.arn)
    return evaluate(principal.policies, action, resource, context)


def refusal(
    state: State,
    action: str,
    registry: Registry,
    repository: str,
    resources: tuple[str, ...],
) -> str:
    """Why the principal may not call `action` on a repository of `registry`, "" when it may.
    Its identity policies and the resource policies `resources` names ("registry",
    "repository") can grant it: an explicit deny in any of them refuses, else an allow in one
    of them grants (same account, reference_policies_evaluation-logic_policy-eval-basics.html)."""
    principal = state.principal
    arn = f"arn:aws:ecr:{registry.region}:{registry.registry_id}:repository/{repository}"
    if not principal.given:
        state.notes.append(NO_PRINCIPAL)
    identity = _identity(principal, action, arn)
    found = [(identity.decision, identity.by)]
    if "registry" in resources:
        found.append(
            policy_decision(registry.policy, principal.account, principal.arn, action, arn)
        )
    if "repository" in resources:
        repo = state.repo(registry.key, repository)
        policy = repo.policy if repo else None
        found.append(policy_decision(policy, principal.account, principal.arn, action, arn))
    for decision, by in found:
        if decision is Decision.EXPLICIT_DENY:
            return f"explicitly denied by {by}"
    if any(decision is Decision.ALLOWED for decision, _ in found):
        return ""
    return "not allowed by the identity policies" + "".join(f" or {s} policy" for s in resources)


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
        why = refusal(state, action, registry, name, ("repository",))
        if why:
            state.denied.append(action)
            state.errors.append("AccessDeniedException")
            state.decisions.append(Step(label, Verdict.FAILED, f"{action}: {why}", rule, shown(at)))
            return True
    return False
