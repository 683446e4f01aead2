"""Does an instance register, step by step (sim/registration.py): the table in
tests/cases/registration_steps.yaml, every step's words, the notes and the errors that name
the place in the scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.registration import FACTS, read_instance, register

CASES = Path(__file__).parent / "cases" / "registration_steps.yaml"
KEYS = {"name", "scenario", "steps", "notes", "facts", "error", "hint"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    where = Where("instance.yaml")
    if "error" in case:
        with pytest.raises(InputError) as caught:
            read_instance(case["scenario"], where)
        assert str(caught.value) == case["error"]
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    registration = register(read_instance(case["scenario"], where))
    if "steps" in case:
        assert [[s.what, s.ok, s.detail] for s in registration.steps] == case["steps"]
    if "notes" in case:
        assert list(registration.notes) == case["notes"]
    facts = registration.facts()
    assert tuple(facts) == FACTS
    for name, value in case.get("facts", {}).items():
        assert facts[name] == value, name
