"""`ecsprep simulate deployment FILE` on the tables of tests/test_sim_deployment_reading.py:
the command refuses what the reader refuses (exit 2, the message naming the file it read,
never a traceback, also when flags add to a block that isn't an object), and shows what it
read (the JSON facts, notes and steps, and the summary at the end of the text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ecsprep.ui.app import app
from tests.test_sim_deployment_reading import cases

WIDE = {"COLUMNS": "2000"}


@pytest.mark.parametrize("case", cases("refusals.yaml"))
def test_command_refuses(case: dict[str, Any], tmp_path: Path) -> None:
    if case.get("check_only"):  # the command fills in what its flags would give
        return
    path = tmp_path / "scenario.yaml"
    path.write_text(json.dumps(case["scenario"]), encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", "deployment", str(path)], env=WIDE)
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert case["error"].replace("scenario.yaml", str(path), 1) in said


@pytest.mark.parametrize(
    ("document", "flags", "words"),
    [
        ({"service": [1]}, ["--desired", "2"], "service: expected a CreateService request"),
        (
            {"service": {"deploymentConfiguration": "fast"}},
            ["--min", "50"],
            "service.deploymentConfiguration: expected an object",
        ),
        (
            {"service": {}, "release": [1]},
            ["--release", "FAIL_TO_START"],
            "release: expected the release",
        ),
        (
            {"service": {"deploymentController": {"type": "CODE_DEPLOY"}}, "codeDeploy": [1]},
            ["--codedeploy", "CodeDeployDefault.ECSAllAtOnce"],
            "codeDeploy: expected an object",
        ),
    ],
)
def test_flags_on_a_block_that_isnt_an_object(
    document: dict[str, Any], flags: list[str], words: str, tmp_path: Path
) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", "deployment", str(path), *flags], env=WIDE)
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.stderr.split())


@pytest.mark.parametrize("case", cases("reading.yaml"))
def test_command_reads(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(case["scenario"]), encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", "deployment", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for name, wanted in case.get("facts", {}).items():
        assert data["facts"][name] == wanted, name
    if "notes" in case:
        assert data["notes"] == case["notes"]
    if "actions" in case:
        assert [step["action"] for step in data["steps"]] == case["actions"]
    if "summary" in case:
        text = CliRunner().invoke(app, ["simulate", "deployment", str(path)], env=WIDE)
        assert case["summary"] in " ".join(text.stdout.split())
