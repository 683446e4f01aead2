"""ECR access scenarios refused before anything runs (the place, AWS's words and the fix),
and sessions step by step.

Case files: tests/cases/ecr_access_refused.yaml and ecr_access_sessions.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_access import read_setup, run

CASES = Path(__file__).parent / "cases" / "ecr_access_refused.yaml"
KEYS = {"name", "doc", "scenario", "refused", "hint"}
BASE: dict[str, Any] = {
    "repositories": [{"repositoryName": "app"}],
    "principal": {
        "arn": "arn:aws:iam::111122223333:user/dev",
        "policies": [{"Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}],
    },
}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_refused(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    with pytest.raises(InputError) as raised:
        read_setup({**BASE, **case["scenario"]}, Where("s"))
    assert raised.value.message == case["refused"]
    assert raised.value.hint == case["hint"]


def test_the_base_runs() -> None:
    result = run(read_setup(BASE, Where("s")))
    assert result.steps == ()
    assert result.facts()["cross_account"] is False


@pytest.mark.parametrize(
    ("at", "shown"), [("23:59", "2000-01-01T23:59:00"), ("0:00", "2000-01-01T00:00:00")]
)
def test_clock_times(at: str, shown: str) -> None:
    setup = read_setup({**BASE, "commands": [{"run": "docker pull nginx", "at": at}]}, Where("s"))
    assert setup.commands[0].at is not None
    assert setup.commands[0].at.isoformat() == shown


SESSIONS = Path(__file__).parent / "cases" / "ecr_access_sessions.yaml"


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c["name"]) for c in yaml.safe_load(SESSIONS.read_text(encoding="utf-8"))],
)
def test_session(case: dict[str, Any]) -> None:
    result = run(read_setup(case["scenario"], Where("case")))
    steps = [
        {
            "command": s.command,
            "at": s.at,
            "outcome": s.outcome.value,
            "detail": s.detail,
            "error": s.error,
            "calls": [
                [
                    c.action,
                    c.identity.value,
                    c.repository.value if c.repository else None,
                    c.allowed,
                    c.why,
                ]
                for c in s.calls
            ],
        }
        for s in result.steps
    ]
    assert steps == case["steps"]
    assert list(result.notes) == case["notes"]
    assert result.facts() == case["facts"]
