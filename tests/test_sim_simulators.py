"""What every simulator shares (sim/simulators.py): finding one by name, and how a run
misses a condition when facts are compared for equality (tests/cases/check/fact_misses.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import DEFAULT, MODULES, Outcome, Simulator, fact_misses, simulator

CASES = Path(__file__).parent / "cases" / "check" / "fact_misses.yaml"


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


def _outcome(data: dict[str, Any]) -> Outcome:
    return Outcome(
        facts=data.get("facts", {}),
        notes=tuple(data.get("notes", ())),
        refused=data.get("refused", ""),
    )


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert list(fact_misses(case["condition"], _outcome(case["outcome"]))) == case["misses"]


def test_a_simulator_by_name_and_the_default() -> None:
    assert DEFAULT == "placement"
    assert simulator(None).name == "placement"
    assert simulator("").name == "placement"
    for name in MODULES:
        found = simulator(name)
        assert found.name == name
        assert set(found.ranked) <= set(found.facts)
    with pytest.raises(KeyError):
        simulator("placements")


def test_a_simulator_that_says_nothing_else_compares_facts_and_ships_no_scenarios() -> None:
    plain = Simulator(
        name="t", facts=("n",), ranked=("n",), build=lambda *_: None, run=lambda _: Outcome({})
    )
    assert plain.scenarios() == {}
    assert plain.misses({"n": 2}, Outcome({"n": 1})) == ("n: expected 2, the simulator gives 1",)
    assert plain.misses({"n": 1}, Outcome({"n": 1})) == ()
    assert plain.build({}, Where("x"), Path(), "t") is None


SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "a", "b"])
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xy"), inner),
    max_leaves=6,
)


def _plain(value: object) -> object:
    """The value as JSON would carry it: tuples as lists, True never 1."""
    if isinstance(value, (list, tuple)):
        return ["list", [_plain(v) for v in value]]
    if isinstance(value, dict):
        return ["map", sorted((str(k), _plain(v)) for k, v in value.items())]
    return [type(value).__name__, value]


@given(
    st.dictionaries(st.sampled_from("abc"), VALUES), st.dictionaries(st.sampled_from("abc"), VALUES)
)
def test_a_condition_holds_exactly_when_every_fact_it_names_is_the_runs(
    condition: dict[str, Any], facts: dict[str, Any]
) -> None:
    misses = fact_misses(condition, Outcome(facts=facts))
    differ = [k for k in condition if _plain(condition[k]) != _plain(facts.get(k))]
    assert [m.split(":")[0] for m in misses] == differ
