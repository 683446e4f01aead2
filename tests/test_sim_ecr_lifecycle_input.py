"""ECR lifecycle policies and image lists as they are read and evaluated
(sim/ecr_lifecycle.py): the table in tests/cases/ecr_lifecycle_input/policies.yaml, with
what PutLifecyclePolicy refuses (the place and the words), each rule as the output
describes it, and the facts of the documented matching and counting rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_lifecycle import read_and_evaluate

CASES = Path(__file__).parent / "cases" / "ecr_lifecycle_input" / "policies.yaml"
KEYS = {"name", "rules", "images", "now", "scenario", "error", "hint", "rules_text", "expect",
        "now_is"}  # fmt: skip
NOW = "2025-06-01T00:00:00Z"


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


def _document(case: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if "rules" in case:
        document["lifecyclePolicy"] = {"rules": case["rules"]}
    if "images" in case:
        document["imageDetails"] = case["images"]
    if case.get("now", NOW) is not None:
        document["now"] = case.get("now", NOW)
    document.update(case.get("scenario", {}))
    return document


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    if "error" in case:
        with pytest.raises(InputError) as caught:
            read_and_evaluate(_document(case), Where("case.yaml"))
        assert str(caught.value) == case["error"]
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    result = read_and_evaluate(_document(case), Where("case.yaml"))
    if "rules_text" in case:
        assert [rule.text for rule in result.rules] == case["rules_text"]
        assert [step.rule.text for step in result.steps] == case["rules_text"]
    if "now_is" in case:  # without `now`, image counts run at the newest push
        assert result.now == case["now_is"]
    facts = result.facts()
    for name, wanted in case.get("expect", {}).items():
        assert facts[name] == wanted, name
