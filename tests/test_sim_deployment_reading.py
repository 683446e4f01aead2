"""How a deployment scenario is read (sim/deployment_check.py), in process: the refusals of
tests/cases/deployment/refusals.yaml (the whole message, with the JSON path of the value at
fault, and the hint) and the readings of tests/cases/deployment/reading.yaml (defaults,
limits that are still accepted, settings that do nothing, what a check sees).
tests/test_sim_deployment_reading_cli.py runs the same tables through the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.deployment_check import SIMULATOR, read_scenario, run
from ecsprep.sim.documents import Where

CASES = Path(__file__).parent / "cases" / "deployment"


def cases(name: str) -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load((CASES / name).read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", cases("refusals.yaml"))
def test_refusal(case: dict[str, Any]) -> None:
    assert not set(case) - {"name", "scenario", "error", "hint", "check_only"}
    with pytest.raises(InputError) as caught:
        read_scenario(case["scenario"], Where("scenario.yaml"))
    assert str(caught.value) == case["error"]
    assert caught.value.hint == case.get("hint")


@pytest.mark.parametrize("case", cases("reading.yaml"))
def test_reading(case: dict[str, Any]) -> None:
    assert not set(case) - {"name", "scenario", "facts", "notes", "summary", "actions", "check"}
    result = run(read_scenario(case["scenario"], Where("scenario.json")))
    for name, wanted in case.get("facts", {}).items():
        assert result.facts[name] == wanted, name
    if "notes" in case:
        assert list(result.notes) == case["notes"]
    if "actions" in case:
        assert [step.action for step in result.steps] == case["actions"]
    outcome = SIMULATOR.run(
        SIMULATOR.build(case["scenario"], Where("scenario.json"), Path("."), "case")
    )
    assert SIMULATOR.misses(case.get("check", {}), outcome) == ()
    if "summary" in case:
        assert outcome.summary == case["summary"]


def test_the_service_event_names_the_service() -> None:
    """A stuck rolling update's service event names the scenario's service (web by default)."""
    config = {"minimumHealthyPercent": 100, "maximumPercent": 100}
    named = {
        "service": {"serviceName": "checkout", "desiredCount": 3, "deploymentConfiguration": config}
    }
    outcome = SIMULATOR.run(SIMULATOR.build(named, Where("s"), Path("."), "q"))
    assert "service (checkout) was unable" in " ".join(outcome.notes)
    unnamed = {"service": {"desiredCount": 3, "deploymentConfiguration": config}}
    outcome = SIMULATOR.run(SIMULATOR.build(unnamed, Where("s"), Path("."), "q"))
    assert "service (web) was unable" in " ".join(outcome.notes)
    assert "service (web) was unable" in " ".join(run(read_scenario(unnamed, Where("s"))).events)
