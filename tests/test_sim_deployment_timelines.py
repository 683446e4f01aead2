"""The timeline `ecsprep simulate deployment FILE --format json` shows, step by step: the
table in tests/cases/deployment/timelines.yaml.

Each case is a scenario file's content and the steps the run must list, one line each:
`when | what happens | old N new M | test X% production Y% | why` (the parts a step has);
`steps_head` gives the first steps of a long run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "deployment" / "timelines.yaml"


def _line(step: dict[str, Any]) -> str:
    parts = [step.pop("at"), step.pop("action")]
    if "oldTasks" in step or "newTasks" in step:
        parts.append(f"old {step.pop('oldTasks', '-')} new {step.pop('newTasks', '-')}")
    if "testPercent" in step or "productionPercent" in step:
        test, production = step.pop("testPercent", "-"), step.pop("productionPercent", "-")
        parts.append(f"test {test}% production {production}%")
    if "why" in step:
        parts.append(step.pop("why"))
    assert not step, f"unexpected keys {sorted(step)}"
    return " | ".join(str(p) for p in parts)


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_timeline(case: dict[str, Any], tmp_path: Path) -> None:
    assert not set(case) - {"name", "scenario", "steps", "steps_head", "events", "inferred"}
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(case["scenario"]))
    result = CliRunner().invoke(app, ["simulate", "deployment", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    lines = [_line(step) for step in data["steps"]]
    if "steps_head" in case:  # a long run: its first steps
        assert lines[: len(case["steps_head"])] == case["steps_head"]
    else:
        assert lines == case["steps"]
    if "events" in case:
        assert data["events"] == case["events"]
    if "inferred" in case:
        assert data["inferred"] == case["inferred"]
    assert data["kind"] == _kind(case["scenario"])


def _kind(scenario: dict[str, Any]) -> str:
    """The kind of run the JSON names: the deployment controller, then the ECS strategy."""
    service = scenario.get("service") or {}
    if (service.get("deploymentController") or {}).get("type") == "CODE_DEPLOY":
        return "codedeploy"
    strategy = (service.get("deploymentConfiguration") or {}).get("strategy", "ROLLING")
    return "rolling" if strategy == "ROLLING" else "native"
