"""Every option's verdict as `ecsprep simulate platform-fit FILE --format json` gives it:
the table in tests/cases/platform_fit_reasons.yaml.

Each case is a scenario {workload, candidate} and, for every option in overhead order,
`fits` or its reasons one line each: `code | text | the page it cites | INF` (INF when
the reason is read from a documented purpose). `candidate` lists the candidate's reasons;
`error` is the whole message of a scenario refused before any option is judged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "platform_fit_reasons.yaml"


def _reasons(reasons: list[dict[str, Any]]) -> list[str]:
    return [
        " | ".join(
            [r["code"], r["text"], r["ref"].rsplit("/", 1)[-1]] + (["INF"] if r["inferred"] else [])
        )
        for r in reasons
    ]


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_verdicts(case: dict[str, Any], tmp_path: Path) -> None:
    assert not set(case) - {"name", "scenario", "options", "candidate", "exit", "error"}
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(case["scenario"]))
    result = CliRunner().invoke(app, ["simulate", "platform-fit", str(path), "--format", "json"])
    if "error" in case:  # refused before any option is judged: the place, what, the fix
        assert result.exit_code == 2
        assert " ".join(result.output.replace(str(path), "scenario.json").split()) == case["error"]
        return
    assert result.exit_code == case.get("exit", 0), result.output
    data = json.loads(result.stdout)
    got = {o["option"]: "fits" if o["fits"] else _reasons(o["reasons"]) for o in data["options"]}
    assert got == case["options"]
    assert [o["option"] for o in data["options"]] == list(case["options"])
    assert [o["rank"] for o in data["options"]] == list(range(1, len(data["options"]) + 1))
    if "candidate" in case:
        assert _reasons(data["candidateReasons"]) == case["candidate"]
