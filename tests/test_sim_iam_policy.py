"""IAM policy documents as the credentials, registration and ECR simulators read them.

Case files: tests/cases/iam_policy/evaluate.yaml (identity policies: a request's
decision and the policy that decided), trust.yaml (may a service assume a role) and
refused.yaml (documents IAM or ecsprep refuses: the whole message, place and hint).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.iam_policy import (
    Decision,
    evaluate,
    read_policy,
    read_resource_policy,
    service_trust,
    trusts,
)

CASES = Path(__file__).parent / "cases" / "iam_policy"


def _cases(name: str) -> list[Any]:
    return [
        pytest.param(case, id=case["name"]) for case in yaml.safe_load((CASES / name).read_text())
    ]


@pytest.mark.parametrize("case", _cases("evaluate.yaml"))
def test_evaluate(case: dict[str, Any]) -> None:
    policies = tuple(
        read_policy(doc, Where("p").index(n)) for n, doc in enumerate(case["policies"])
    )
    args = (policies, case["action"], case.get("resource", "*"))
    decided = evaluate(*args, context=case["context"]) if "context" in case else evaluate(*args)
    assert decided.decision is Decision(case["decision"])
    assert decided.by == case["by"]
    assert decided.allowed == (case["decision"] == "allowed")


@pytest.mark.parametrize("case", _cases("trust.yaml"))
def test_trust(case: dict[str, Any]) -> None:
    document = service_trust(case["for"]) if case["trust"] == "console" else case["trust"]
    trust = read_policy(document, Where("trust"), "trust" if case["trust"] == "console" else "")
    decided = trusts(trust, case["service"], case.get("context", {}))
    assert decided.decision is Decision(case["decision"])
    assert decided.by == case["by"]


@pytest.mark.parametrize("case", _cases("refused.yaml"))
def test_refused(case: dict[str, Any]) -> None:
    kind = case.get("resource")  # an ECR resource-based policy of that kind
    read = functools.partial(read_resource_policy, kind=kind) if kind else read_policy
    with pytest.raises(InputError) as raised:
        read(case["policy"], Where("p"))
    assert raised.value.message == case["refused"]
    assert raised.value.hint == case["hint"]


def test_decisions_read_as_iam_words() -> None:
    """The words the simulators print for a decision."""
    assert [d.value for d in Decision] == ["allowed", "explicitly denied", "not allowed"]


# A condition's verdict, recomputed from the operator's documented meaning: Equals is
# membership, Like is a glob over the whole value, Not negates, a missing key doesn't
# match (so a negated operator holds).
VALUES = st.sampled_from(["web", "Web", "api", "w?b", "w*", "*"])


def _expected(operator: str, values: list[str], found: str | None) -> bool:
    import fnmatch

    if found is None:
        match = False
    elif "Like" in operator:
        match = any(fnmatch.fnmatchcase(found, v.replace("[", "[[]")) for v in values)
    else:
        match = found in values
    return match != ("Not" in operator)


@given(
    st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"]),
    st.lists(VALUES, min_size=1, max_size=3),
    st.one_of(st.none(), VALUES),
)
def test_string_conditions_as_documented(
    operator: str, values: list[str], found: str | None
) -> None:
    policy = read_policy(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Condition": {operator: {"aws:PrincipalTag/team": values}},
                }
            ]
        },
        Where("p"),
    )
    context = {} if found is None else {"aws:PrincipalTag/team": found}
    decided = evaluate((policy,), "s3:GetObject", "*", context)
    assert decided.allowed == _expected(operator, values, found)
