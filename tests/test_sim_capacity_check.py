"""The capacity simulator as a question's check runs it (sim/capacity_check.py): the table in
tests/cases/check/capacity.yaml, and a property that recomputes a run's facts from the
strategy alone (base first, then the rest by weight, per the API reference)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.check import run_check
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import simulator

CASES = Path(__file__).parent / "cases" / "check" / "capacity.yaml"
WHERE = Where("pack.yaml", "questions[q].check.scenario")
KEYS = {"name", "scenario", "facts", "summary", "notes", "error", "hint"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    sim = simulator("capacity")
    if "error" in case:
        with pytest.raises(InputError) as caught:
            sim.run(sim.build(case["scenario"], WHERE, Path("."), "q"))
        assert str(caught.value) == case["error"]
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    outcome = sim.run(sim.build(case["scenario"], WHERE, Path("."), "q"))
    assert dict(outcome.facts) == case["facts"]
    assert set(outcome.facts) == set(sim.facts)
    assert outcome.summary == case["summary"]
    assert list(outcome.notes) == case["notes"]
    assert outcome.result.tasks() == case["facts"]["providers"]


def test_a_check_judges_options_on_the_split_and_names_aws_refusals() -> None:
    check = {
        "simulator": "capacity",
        "scenario": {
            "createService": {
                "desiredCount": 4,
                "capacityProviderStrategy": [
                    {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                    {"capacityProvider": "FARGATE_SPOT", "weight": 2},
                ],
            }
        },
        "options": {
            "A": {"expect": {"providers": {"FARGATE": 2, "FARGATE_SPOT": 2}, "tasks": 4}},
            "B": {"change": {"createService": {"desiredCount": 7}}, "expect": {"tasks": 6}},
            "C": {
                "change": {"createService": {"desiredCount": -2}},
                "expect": {"refused": "must be at least 0"},
            },
            "D": {"expect": {"rounded": False, "no_note": "rounding"}},
        },
    }
    runs = {run.key: run for run in run_check(check, Where("pack.yaml", "questions[q].check"))}
    assert runs["A"].misses == ()
    assert runs["B"].misses == ("tasks: expected 6, the simulator gives 7",)
    assert runs["C"].outcome.refused == "createService.desiredCount: must be at least 0, found -2"
    assert runs["C"].misses == ()
    assert runs["D"].misses == ()


STRATEGIES = st.integers(1, 4).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 5), min_size=n, max_size=n),  # weights
        st.integers(-1, n - 1),  # the provider with a base, -1 for none
        st.integers(1, 6),  # its base
    )
)


@given(STRATEGIES, st.integers(0, 40))
def test_the_facts_are_the_base_then_the_weighted_share(
    strategy: tuple[list[int], int, int], count: int
) -> None:
    weights, based, base = strategy
    if len(weights) > 1 and not any(weights):
        weights[0] = 1  # AWS refuses a strategy whose weights are all 0
    names = [f"cp-{n}" for n in range(len(weights))]
    items = [
        {"capacityProvider": name, "weight": weight, **({"base": base} if n == based else {})}
        for n, (name, weight) in enumerate(zip(names, weights, strict=True))
    ]
    document = {"createService": {"desiredCount": count, "capacityProviderStrategy": items}}
    sim = simulator("capacity")
    outcome = sim.run(sim.build(document, WHERE, Path("."), "q"))
    facts = outcome.facts
    providers = facts["providers"]
    assert isinstance(providers, dict)
    assert list(providers) == names
    assert facts["tasks"] == count == sum(providers.values())
    first = min(base, count) if based >= 0 else 0
    rest = count - first
    total = sum(weights) or len(weights)  # a lone provider of weight 0 takes the rest
    shares = [Fraction(rest * (w if sum(weights) else 1), total) for w in weights]
    for n, share in enumerate(shares):
        got = providers[names[n]] - (first if n == based else 0)
        assert abs(got - share) < 1  # the weighted share, rounded up or down
    assert facts["rounded"] is any(s.denominator != 1 for s in shares)
    assert ("rounding" in " ".join(outcome.notes)) is facts["rounded"]
    shown = ", ".join(f"{name} {providers[name]}" for name in names)
    assert outcome.summary == f"{count} task(s): {shown}."
