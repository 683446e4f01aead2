"""Every rule of the pack format, one small document each: tests/cases/pack_structure.yaml
lists the document and the exact problems (`line where: message`) it must report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.packs.structure import check_document

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "pack_structure.yaml").read_text("utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_pack_document_problems(case: dict[str, Any]) -> None:
    entry, found = check_document(yaml.compose(case["doc"]))
    assert [f"{f.line} {f.where}: {f.message}" for f in found] == case["problems"]
    if not found:
        assert entry is not None


def test_a_clean_document_keeps_every_value_with_its_line() -> None:
    doc = (
        "format: 1\n"
        "pack: {id: p, title: P, version: '1'}\n"
        "questions:\n"
        "  - id: q\n"
        "    topics: [t, u]\n"
        "    type: multiple\n"
        "    choose: 2\n"
        "    stem: S?\n"
        "    options: {A: {text: a, why: wa}, B: {text: b, why: wb}, C: {text: c, why: wc}}\n"
        "    answer:\n"
        "      - A\n"
        "      - C\n"
        "    explanation: E.\n"
        "    refs: [{url: 'https://x'}]\n"
    )
    entry, found = check_document(yaml.compose(doc))
    assert found == []
    assert entry is not None
    (question,) = entry.get("questions")
    assert question.get("topics") == ["t", "u"]
    assert question.get("answer") == ["A", "C"]
    assert question.line_for("answer[1]") == 12
    assert question.line_for("topics[1]") == 5
    assert question.line_for("nothing") == question.line == 4
    assert question.get("options")["B"].line == 9
    assert entry.plain()["questions"][0]["options"]["C"] == {"text": "c", "why": "wc"}
    assert entry.plain()["pack"] == {"id": "p", "title": "P", "version": "1"}
