"""CodePipeline's ECS deploy actions check by check (sim/pipeline_artifacts.py): the table
in tests/cases/pipeline_artifacts_steps/steps.yaml, with each check's words, verdict,
failure code and cited page as `ecsprep simulate pipeline-artifacts` lists them, the task
definition that would be registered, and what the scenario reader refuses."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.pipeline_artifacts import (
    BLUE_GREEN,
    BUILDSPEC,
    ECS_ACTION,
    FILE_REFERENCE,
    Deployment,
    deploy,
)

CASES = Path(__file__).parent / "cases" / "pipeline_artifacts_steps" / "steps.yaml"
WHERE = Where("s.yaml")
PAGES = {
    "file": FILE_REFERENCE,
    "ecs": ECS_ACTION,
    "blue-green": BLUE_GREEN,
    "buildspec": BUILDSPEC,
}
KEYS = {"name", "scenario", "steps", "expect", "registered_definition", "padding",
        "text_of_bytes", "appspecs", "error", "hint"}  # fmt: skip
DEFINITIONS = '[{"name": "api", "imageUri": "r:1"}]'


def _cases() -> list[Any]:
    table = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in table]


def _scenario(case: dict[str, Any]) -> dict[str, Any]:
    scenario = copy.deepcopy(case["scenario"])
    files = scenario.get("artifact", {})
    if "padding" in case:
        files["imagedefinitions.json"][0]["padding"] = "x" * case["padding"]
    if "text_of_bytes" in case:  # valid JSON text, padded with spaces to exactly that size
        files["imagedefinitions.json"] = DEFINITIONS.ljust(case["text_of_bytes"])
    return scenario


def _check(case: dict[str, Any], result: Deployment) -> None:
    if "steps" in case:
        got = [[s.text, s.ok, s.code, s.ref] for s in result.steps]
        assert got == [[text, ok, code, PAGES[page]] for text, ok, code, page in case["steps"]]
    facts = result.facts()
    for name, wanted in case.get("expect", {}).items():
        assert facts[name] == wanted, name
    assert facts["deploys"] is (not result.errors)
    if "registered_definition" in case:
        assert result.registered == case["registered_definition"]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    if "error" in case:
        with pytest.raises(InputError) as caught:
            deploy(_scenario(case), WHERE)
        assert str(caught.value) == case["error"]
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    _check(case, deploy(_scenario(case), WHERE))
    for appspec in case.get("appspecs", []):
        scenario = _scenario(case)
        scenario["artifact"]["appspec.yaml"] = appspec
        _check(case, deploy(scenario, WHERE))
