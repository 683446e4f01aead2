"""Every rule Fargate applies, as `ecsprep simulate fargate FILE --format json` lists it:
the table in tests/cases/fargate_findings.yaml.

Each case is a scenario (a task definition on top of a minimal valid one, and optionally
the runTask / createService request) and the findings in the order AWS meets them, one
line each: `rule | ok or refused | stage | message | AWS's words or ecsprep's | path`.
A case with `error` is input the command refuses (exit 2) before any rule runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "fargate_findings.yaml"
BASE = {
    "family": "app",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "app", "image": "app:latest"}],
}


def _line(finding: dict[str, Any]) -> str:
    # JSON booleans, never null: a consumer of `--format json` tests them as such
    parts = [
        finding["rule"],
        {True: "ok", False: "refused"}[finding["ok"]],
        finding["stage"],
        finding["message"],
        {True: "AWS", False: "ecsprep"}[finding["awsWords"]],
    ]
    if "where" in finding:
        parts.append(finding["where"])
    return " | ".join(parts)


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_findings(case: dict[str, Any], tmp_path: Path) -> None:
    assert not set(case) - {"name", "task", "request", "raw", "findings", "facts", "error"}
    document = case.get("raw") or {
        "taskDefinition": {**BASE, **case.get("task", {})},
        **case.get("request", {}),
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(
        app, ["simulate", "fargate", str(path), "--format", "json"], env={"COLUMNS": "2000"}
    )
    if "error" in case:
        assert result.exit_code == 2
        # the whole message: the file, the place in it, what is wrong (and the hint)
        said = " ".join(result.output.split())
        assert said in (f"error: {path} {case['error']}", f"error: {path}: {case['error']}"), said
        return
    data = json.loads(result.stdout)
    assert result.exit_code == (0 if data["runs"] else 2)
    assert [_line(f) for f in data["findings"]] == case["findings"]
    for name, value in case.get("facts", {}).items():
        assert data[name] == value, name
