"""Every field the loader reads from the fixture packs, against a reviewed golden file.

tests/golden/valid_packs.json is the export of tests/cases/valid_packs (file names only):
defaults (no description, no `try`, no exams, difficulty medium, choose 1 on a single
question), a term written as an alias stored as the glossary writes it, a reference without
a title. Regenerate it only after reading the difference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ecsprep.data
from ecsprep.packs.export import library_to_data
from ecsprep.packs.load import load_library

VALID = Path(__file__).parent / "cases" / "valid_packs"
GOLDEN = Path(__file__).parent / "golden" / "valid_packs.json"


def test_the_loaded_model_field_by_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: VALID)
    data = library_to_data(load_library(include_user=False, cache=False).library)
    for pack in data["packs"]:
        pack["file"] = Path(pack["file"]).name
    assert data == json.loads(GOLDEN.read_text("utf-8"))
