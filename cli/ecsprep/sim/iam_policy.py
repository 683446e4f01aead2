"""IAM policy documents: is a call allowed, denied, or not allowed at all?

The documented evaluation logic for one account (IAM User Guide, "Policy
evaluation logic"), reduced to what the credentials simulator needs: a request
(action, resource, context keys) is checked against a principal's identity-based
policies; an explicit Deny in any statement wins; otherwise an Allow that matches
allows; otherwise the request is implicitly denied. `Action`/`NotAction` and
`Resource`/`NotResource` match with the `*` and `?` wildcards, actions without
regard to case; `ArnEquals` and `ArnLike` both match the six parts of an ARN one by
one, wildcards included. Conditions are evaluated for the operators listed in
`OPERATORS` (with `...IfExists` and `ForAnyValue:`/`ForAllValues:` refused as
not modelled): a condition key missing from the request fails the condition,
except a negated one (`StringNotEquals`, `StringNotLike`, `ArnNotLike`...), which
holds, as IAM documents for every operator but `...IfExists` and `Null`.

Trust policies are the same documents with a `Principal`; `trusts` says whether
a service principal may call `sts:AssumeRole` with a given request context.

Managed policies that AWS documents the content of are built in by name
(`MANAGED`): write `AmazonECSTaskExecutionRolePolicy` in a role's policy list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str


class Decision(str, Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitly denied"
    IMPLICIT_DENY = "not allowed"  # no statement allows it


@dataclass(frozen=True, slots=True)
class Condition:
    operator: str  # e.g. StringEquals
    key: str  # e.g. aws:SourceAccount (compared without regard to case)
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    effect: str  # Allow or Deny
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ("*",)
    not_resources: tuple[str, ...] = ()
    principals: tuple[str, ...] = ()  # trust policies: "Service:ecs-tasks.amazonaws.com", ...
    conditions: tuple[Condition, ...] = ()
    sid: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    statements: tuple[Statement, ...]


# Condition operators evaluated here (IAM JSON reference, condition operators).
OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Bool",
)

_STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
)


# IAM policy variables (IAM User Guide, "IAM policy elements: Variables and tags",
# reference_policies_variables.html): `${aws:username}`, `${aws:PrincipalTag/team, 'none'}` and
# the escapes `${*}`, `${?}`, `${$}`. IAM fills them from the request; ecsprep doesn't model that.
# (CloudFormation's `${AWS::AccountId}`, two colons, is a template placeholder: as_str refuses it.)
_POLICY_VARIABLE = re.compile(r"\$\{\s*(?:[A-Za-z0-9-]+:(?!:)[^}]+|[*?$])\}")


def _texts(value: object, where: Where) -> tuple[str, ...]:
    """A policy element's string or list of strings, each checked where it stands."""
    if isinstance(value, str):
        return (_text(value, where),)
    return tuple(_text(item, where.index(n)) for n, item in enumerate(as_list(value, where)))


def _text(value: object, where: Where) -> str:
    if isinstance(value, str):
        variable = _POLICY_VARIABLE.search(value)
        if variable:
            raise where.refuse(
                f"the IAM policy variable {variable.group(0)} is not modelled",
                "write the value IAM would put in its place for this request "
                "(e.g. the user name for ${aws:username})",
            )
    return as_str(value, where)


def read_policy(data: object, where: Where, name: str = "") -> Policy:
    """A policy document (`{"Version": ..., "Statement": [...]}`) or a managed policy's name."""
    if isinstance(data, str):
        if data not in MANAGED:
            import difflib

            close = difflib.get_close_matches(data, list(MANAGED), n=1)
            raise where.refuse(
                f"{data!r} is not a managed policy ecsprep knows",
                f"did you mean {close[0]}?" if close else "write the policy document inline",
            )
        return read_policy(MANAGED[data], where, data)
    document = as_mapping(data, where, "a policy document")
    for key in document:
        if key not in ("Version", "Id", "Statement"):
            raise where.key(str(key)).refuse(
                f"unknown key {key!r} in a policy document", "give Version and Statement"
            )
    raw = document.get("Statement")
    if raw is None:
        raise where.refuse("the policy has no Statement", "MalformedPolicyDocument")
    listed = [raw] if isinstance(raw, Mapping) else as_list(raw, where.key("Statement"))
    statements = tuple(
        _statement(item, where.key("Statement").index(n)) for n, item in enumerate(listed)
    )
    return Policy(name or str(document.get("Id", "inline policy")), statements)


def read_resource_policy(data: object, where: Where, kind: str) -> Policy:
    """A resource-based policy (an ECR `kind` "repository" or "registry" policy): a policy
    document whose every statement names a Principal, as ECR requires."""
    policy = read_policy(data, where, f"{kind} policy")
    for s, statement in enumerate(policy.statements):
        if not statement.principals:
            raise (
                where.key("Statement")
                .index(s)
                .refuse(
                    f"InvalidParameterException: Invalid {kind} policy provided: a statement in a "
                    f"{kind} policy needs a Principal"
                )
            )
    return policy


def _statement(data: object, where: Where) -> Statement:
    raw = as_mapping(data, where, "a policy statement")
    for key in raw:
        if key not in _STATEMENT_KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), _STATEMENT_KEYS, n=1)
            raise where.key(str(key)).refuse(
                f"unknown key {key!r} in a policy statement",
                f"did you mean {close[0]}?" if close else None,
            )
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise where.key("Effect").refuse(
            f"Effect must be Allow or Deny, found {effect!r}", "MalformedPolicyDocument"
        )
    if "NotPrincipal" in raw:
        raise where.key("NotPrincipal").refuse("NotPrincipal is not modelled")
    principals: list[str] = []
    if "Principal" in raw:
        given = raw["Principal"]
        if given == "*":
            principals.append("*")
        else:
            for kind, names in as_mapping(given, where.key("Principal")).items():
                principals += [
                    f"{kind}:{name}" for name in _texts(names, where.key("Principal").key(kind))
                ]
    if ("Action" in raw) == ("NotAction" in raw):
        raise where.refuse("a statement needs exactly one of Action or NotAction")
    if "Resource" in raw and "NotResource" in raw:
        raise where.refuse(
            "a statement takes Resource or NotResource, not both", "MalformedPolicyDocument"
        )
    conditions: list[Condition] = []
    for operator, pairs in as_mapping(raw.get("Condition", {}), where.key("Condition")).items():
        at = where.key("Condition").key(str(operator))
        if operator not in OPERATORS:
            raise at.refuse(
                f"the condition operator {operator} is not modelled",
                "ecsprep evaluates " + ", ".join(OPERATORS),
            )
        for key, values in as_mapping(pairs, at).items():
            texts = (
                (str(values).lower(),) if isinstance(values, bool) else _texts(values, at.key(key))
            )
            conditions.append(Condition(str(operator), str(key), texts))
    return Statement(
        effect=str(effect),
        actions=_texts(raw["Action"], where.key("Action")) if "Action" in raw else (),
        not_actions=_texts(raw["NotAction"], where.key("NotAction")) if "NotAction" in raw else (),
        resources=_texts(raw.get("Resource", "*"), where.key("Resource"))
        if "NotResource" not in raw
        else (),
        not_resources=_texts(raw["NotResource"], where.key("NotResource"))
        if "NotResource" in raw
        else (),
        principals=tuple(principals),
        conditions=tuple(conditions),
        sid=str(raw.get("Sid", "")),
    )


def _matches(pattern: str, value: str, *, fold: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one character; nothing else.

    The classic greedy matcher with one backtrack point: O(len(pattern) * len(value))
    at worst, whatever the pattern (no regex engine to blow up).
    """
    if fold:
        pattern, value = pattern.lower(), value.lower()
    p = v = 0
    star, mark = -1, 0
    while v < len(value):
        if p < len(pattern) and pattern[p] in ("?", value[v]):
            p += 1
            v += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, v
            p += 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            v = mark
        else:
            return False
    return all(ch == "*" for ch in pattern[p:])


def _any(patterns: tuple[str, ...], value: str, *, fold: bool = False) -> bool:
    return any(_matches(p, value, fold=fold) for p in patterns)


def _condition_holds(condition: Condition, context: Mapping[str, str]) -> bool:
    found = {k.lower(): v for k, v in context.items()}.get(condition.key.lower())
    negated = "Not" in condition.operator
    if found is None:
        # "the values do not match": false, so true for a negated operator (IAM User
        # Guide, condition operators)
        return negated
    op = condition.operator.replace("Not", "")
    if op == "StringEquals":
        hit = found in condition.values
    elif op == "Bool":
        hit = found.lower() in condition.values
    elif op in ("ArnEquals", "ArnLike"):  # the same test, as IAM documents
        hit = any(_arn_matches(pattern, found) for pattern in condition.values)
    else:  # StringLike
        hit = _any(condition.values, found)
    return hit != negated


def _arn_matches(pattern: str, arn: str) -> bool:
    """ArnEquals and ArnLike: each of the six colon-delimited parts of the ARN is matched
    on its own (with regard to case), so a wildcard never spans a colon between them."""
    parts, given = pattern.split(":", 5), arn.split(":", 5)
    return len(parts) == len(given) == 6 and all(
        _matches(p, v) for p, v in zip(parts, given, strict=True)
    )


def statement_applies(
    statement: Statement, action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if statement.actions and not _any(statement.actions, action, fold=True):
        return False
    if statement.not_actions and _any(statement.not_actions, action, fold=True):
        return False
    if statement.resources and not _any(statement.resources, resource):
        return False
    if statement.not_resources and _any(statement.not_resources, resource):
        return False
    return all(_condition_holds(c, context) for c in statement.conditions)


@dataclass(frozen=True, slots=True)
class Evaluation:
    decision: Decision
    by: str = ""  # the policy (and Sid) that decided, when a statement did

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED


def evaluate(
    policies: tuple[Policy, ...],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> Evaluation:
    """Explicit deny wins, then an allow, else an implicit deny."""
    given = context or {}
    allow = ""
    for policy in policies:
        for statement in policy.statements:
            if not statement_applies(statement, action, resource, given):
                continue
            label = policy.name + (f" ({statement.sid})" if statement.sid else "")
            if statement.effect == "Deny":
                return Evaluation(Decision.EXPLICIT_DENY, label)
            allow = allow or label
    return Evaluation(Decision.ALLOWED, allow) if allow else Evaluation(Decision.IMPLICIT_DENY)


def trusts(trust: Policy, service: str, context: Mapping[str, str]) -> Evaluation:
    """May the service principal call sts:AssumeRole on a role with this trust policy?"""
    allow = ""
    for statement in trust.statements:
        named = "*" in statement.principals or f"Service:{service}" in statement.principals
        if not named or not statement_applies(statement, "sts:AssumeRole", "*", context):
            continue
        label = trust.name + (f" ({statement.sid})" if statement.sid else "")
        if statement.effect == "Deny":
            return Evaluation(Decision.EXPLICIT_DENY, label)
        allow = allow or label
    return Evaluation(Decision.ALLOWED, allow) if allow else Evaluation(Decision.IMPLICIT_DENY)


def service_trust(service: str) -> dict[str, object]:
    """The trust policy the console writes for a role a service assumes."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


# Managed policies whose content the AWS docs list (ECS developer guide, "AWS managed
# policies for Amazon ECS"). Only the statements that matter to the simulators.
MANAGED: dict[str, dict[str, object]] = {
    "AmazonECSTaskExecutionRolePolicy": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ],
                "Resource": "*",
            }
        ],
    },
    "AmazonEC2ContainerServiceforEC2Role": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:DescribeTags",
                    "ecs:CreateCluster",
                    "ecs:DeregisterContainerInstance",
                    "ecs:DiscoverPollEndpoint",
                    "ecs:Poll",
                    "ecs:RegisterContainerInstance",
                    "ecs:StartTelemetrySession",
                    "ecs:UpdateContainerInstancesState",
                    "ecs:Submit*",
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ],
                "Resource": "*",
            }
        ],
    },
}
