"""What a learner reads after each documented case of the session-17 simulators: the
one-line summary, every note of the run (each step with its mark, clock and doc page) and
every fact a check may name (and ecr-scanning's EventBridge events, as `--format json`
shows them: ecr-eventbridge.html, image-scanning-enhanced-events.html); for each refused
case AWS's (or ecsprep's) whole message, its place and its hint.

The case tables are the simulators' own (tests/cases/<simulator>/documented.yaml and
refused.yaml), whose facts their test files check; this pins the words around those facts.
Golden text: tests/golden/outcomes/<simulator>.yaml, one entry a case (regenerate with
ECSPREP_REGOLD=1, then read the diff: every changed line is a change a learner sees).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import simulator

CASES = Path(__file__).parent / "cases"
GOLDEN = Path(__file__).parent / "golden" / "outcomes"
SIMULATORS = {
    "service-discovery": "service_discovery",
    "front-door": "front_door",
    "observability": "observability",
    "ecr-replication": "ecr_replication",
    "ecr-scanning": "ecr_scanning",
    "managed-scaling": "managed_scaling",
    "releases": "releases",
}


def _cases() -> list[Any]:
    found = []
    for name, folder in SIMULATORS.items():
        for path in sorted((CASES / folder).glob("*.yaml")):
            for case in yaml.safe_load(path.read_text(encoding="utf-8")):
                key = f"{path.stem}: {case['name']}"
                found.append(pytest.param(name, key, case["scenario"], id=f"{name}: {key}"))
    return found


def _shown(name: str, scenario: dict[str, Any]) -> dict[str, Any]:
    sim = simulator(name)
    try:
        outcome = sim.run(sim.build(scenario, Where("case.yaml"), Path("."), "case"))
    except InputError as refused:
        return {"error": str(refused), "hint": refused.hint}
    facts = json.loads(json.dumps(outcome.facts))  # as --format json and a check see them
    shown = {"summary": outcome.summary, "notes": list(outcome.notes), "facts": facts}
    emitted = getattr(outcome.result, "emitted", None)  # ecr-scanning's EventBridge events
    if emitted is not None:
        shown["events"] = json.loads(json.dumps(list(emitted)))
    return shown


def _golden(folder: str) -> dict[str, Any]:
    path = GOLDEN / f"{folder}.yaml"
    if not path.exists():
        return {}
    loaded: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return loaded


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# read once, when the tests are collected (each test then compares in memory)
_GOLDEN = {folder: _golden(folder) for folder in SIMULATORS.values()}


@pytest.mark.parametrize(("name", "key", "scenario"), _cases())
def test_what_a_learner_reads(name: str, key: str, scenario: dict[str, Any]) -> None:
    folder = SIMULATORS[name]
    shown = _shown(name, scenario)
    if os.environ.get("ECSPREP_REGOLD") == "1":
        GOLDEN.mkdir(exist_ok=True)
        golden = _golden(folder)
        golden[key] = shown
        text = yaml.safe_dump(golden, allow_unicode=True, sort_keys=True, width=100)
        (GOLDEN / f"{folder}.yaml").write_text(text, encoding="utf-8")
        _GOLDEN[folder] = golden
    assert shown == _GOLDEN[folder][key]
