"""Credentials scenarios refused before anything runs (the place, AWS's words and the fix),
and runs step by step.

Case files: tests/cases/credentials_refused.yaml and credentials_steps.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.credentials import read_setup, run
from ecsprep.sim.documents import Where

CASES = Path(__file__).parent / "cases" / "credentials_refused.yaml"
KEYS = {"name", "doc", "base", "scenario", "refused", "hint"}
BASE = {
    "launchType": "EC2",
    "taskDefinition": {"containerDefinitions": [{"name": "a", "image": "nginx"}]},
}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_refused(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    scenario = {**BASE, **case["scenario"]} if case.get("base") else case["scenario"]
    with pytest.raises(InputError) as raised:
        read_setup(scenario, Where("s"))
    assert raised.value.message == case["refused"]
    assert raised.value.hint == case["hint"]


def test_the_base_runs() -> None:
    assert run(read_setup(BASE, Where("s"))).starts


STEPS = Path(__file__).parent / "cases" / "credentials_steps.yaml"


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c["name"]) for c in yaml.safe_load(STEPS.read_text(encoding="utf-8"))],
)
def test_steps(case: dict[str, Any]) -> None:
    result = run(read_setup(case["scenario"], Where("case")))
    steps = [[s.phase, s.actor, s.what, s.outcome.value, s.detail] for s in result.steps]
    assert steps == case["steps"]
    assert list(result.notes) == case["notes"]
    facts = result.facts()
    for name, value in case["facts"].items():
        assert facts[name] == value, name
