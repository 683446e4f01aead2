"""The events simulator as a question's check runs it (sim/events_check.py):
the table in tests/cases/check_runs/events.yaml.

Each case is a check's scenario and what the run shows a learner (`ecsprep simulate
question` prints the summary and the notes): the facts a condition may name, every note
in order and the one-line summary; or the InputError that names the place in the pack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import simulator

CASES = Path(__file__).parent / "cases" / "check_runs" / "events.yaml"
WHERE = Where("pack.yaml", "questions[q].check.scenario")
KEYS = {"name", "scenario", "facts", "notes", "summary", "error", "hint"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    sim = simulator("events")
    if "error" in case:
        with pytest.raises(InputError) as caught:
            sim.build(case["scenario"], WHERE, Path("."), "q")
        assert str(caught.value) == case["error"]
        assert caught.value.hint == case.get("hint")
        return
    outcome = sim.run(sim.build(case["scenario"], WHERE, Path("."), "q"))
    assert dict(outcome.facts) == case["facts"]
    assert list(outcome.notes) == case["notes"]
    assert outcome.summary == case["summary"]
    assert outcome.refused == ""
    assert set(outcome.facts) <= set(sim.facts)  # the facts of the parts the scenario has
