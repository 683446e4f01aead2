"""The credentials, registration and ecr-access simulators as a question's check runs them.

Case file: tests/cases/iam_checks/runs.yaml: a scenario, the run's one-line summary, a
subset of its facts and its notes. Packs name these simulators' facts in `expect`,
`claim` and `goal`: `packs validate` must know every fact a run gives, and which ones a
goal may rank.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.packs.verify import unknown_facts
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import simulator

CASES = Path(__file__).parent / "cases" / "iam_checks" / "runs.yaml"
KEYS = {"name", "simulator", "scenario", "summary", "facts", "notes"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_run(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    sim = simulator(case["simulator"])
    assert sim.name == case["simulator"]
    outcome = sim.run(sim.build(case["scenario"], Where("case"), Path("."), "q"))
    assert outcome.summary == case["summary"]
    for name, value in case.get("facts", {}).items():
        assert outcome.facts[name] == value, name
    if "notes" in case:
        assert list(outcome.notes) == case["notes"]
    assert set(outcome.facts) == set(sim.facts)  # a check may name every fact of a run
    assert outcome.result.facts() == outcome.facts  # the renderer's result is this run's
    assert outcome.refused == ""


@pytest.mark.parametrize("name", ["credentials", "registration", "ecr-access"])
def test_build_refuses_with_the_place(name: str) -> None:
    with pytest.raises(InputError) as raised:
        simulator(name).build({"nonsense": 1}, Where("pack.yaml", "check.scenario"), Path("."), "q")
    assert str(raised.value).startswith("pack.yaml check.scenario.nonsense: unknown key")


def test_registration_goal_ranks_registered_memory() -> None:
    assert unknown_facts({"simulator": "registration", "goal": {"most": "registered_memory"}}) == []
    assert unknown_facts({"simulator": "registration", "goal": {"fewest": "registered_cpu"}}) == [
        ("goal.fewest", "'registered_cpu' can't be ranked; use registered_memory")
    ]


@pytest.mark.parametrize(
    ("name", "wrong", "near"),
    [
        ("credentials", "start", "starts"),
        ("registration", "register", "registers"),
        ("ecr-access", "pull", "pulled"),
    ],
)
def test_unknown_fact_named_with_the_simulator(name: str, wrong: str, near: str) -> None:
    check = {"simulator": name, "options": {"A": {"expect": {wrong: True}}}}
    [(at, message)] = unknown_facts(check)
    assert at == f"options.A.expect.{wrong}"
    assert message.startswith(
        f"the {name} simulator has no fact {wrong!r}; did you mean {near!r}? (it has "
    )
    ranks = (
        "use registered_memory" if name == "registration" else f"the {name} simulator ranks none"
    )
    assert unknown_facts({"simulator": name, "goal": {"most": near}}) == [
        ("goal.most", f"{near!r} can't be ranked; {ranks}")
    ]
