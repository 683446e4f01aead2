"""A simulator as a question's check runs it (the sim/*_check.py modules): the scenario a
check writes, built at the check's place and run, gives the simulator's facts, notes and a
one-line summary (what `ecsprep simulate question` shows for an option's run).

Case files: tests/cases/sim_checks/<simulator>.yaml (`load_balancing.yaml` is the
`load-balancing` simulator), each a list of {name, scenario, summary, facts, notes} or
{name, scenario, refused}. The shipped checks run every simulator too, but slowly
(tests/test_sim_check.py); these tables are fast and say what each summary must read.
"""

from __future__ import annotations

from numbers import Real
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import simulator

CASES = Path(__file__).parent / "cases" / "sim_checks"
WHERE = Where("pack.yaml", "questions[q].check.scenario")
KEYS = {"name", "scenario", "summary", "facts", "notes", "refused"}


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        name = path.stem.replace("_", "-")
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            found.append(pytest.param(name, case, id=f"{name}: {case['name']}"))
    return found


@pytest.mark.parametrize(("name", "case"), _cases())
def test_case(name: str, case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    sim = simulator(name)
    if "refused" in case:
        with pytest.raises(InputError) as raised:
            sim.build(case["scenario"], WHERE, CASES, "q")
        assert case["refused"] in str(raised.value)
        return
    outcome = sim.run(sim.build(case["scenario"], WHERE, CASES, "q"))
    assert outcome.summary == case["summary"]
    for fact, value in case.get("facts", {}).items():
        assert outcome.facts[fact] == value, f"{fact}: {outcome.facts[fact]!r} != {value!r}"
    for words in case.get("notes", ()):
        assert any(words in note for note in outcome.notes), (words, outcome.notes)
    # A condition may name exactly the facts a run gives; a goal ranks numbers (None: the
    # run has no such moment, a task that never stops).
    assert set(outcome.facts) == set(sim.facts)
    for fact in sim.ranked:
        assert outcome.facts[fact] is None or isinstance(outcome.facts[fact], Real), fact
    # The renderer gets the simulator's own result, whose facts these are.
    assert outcome.result.facts() == outcome.facts
    assert outcome.notes == outcome.result.notes
