"""Every kind of pack problem gives its exact `file:line where: message`.

tests/cases/broken_packs/cases.yaml lists groups of broken packs (loaded
together) and the exact problems each group must report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.packs.load import PackFile, load_files
from ecsprep.packs.model import Origin

CASES_DIR = Path(__file__).parent / "cases" / "broken_packs"
CASES: list[dict[str, Any]] = yaml.safe_load((CASES_DIR / "cases.yaml").read_text("utf-8"))


def load(names: list[str]) -> Any:
    return load_files([PackFile(Path(name), Origin.OPTION) for name in names])


@pytest.mark.parametrize("case", CASES, ids=[c["files"][0] for c in CASES])
def test_broken_pack_reports_exact_problems(
    case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CASES_DIR)
    loaded = load(case["files"])
    assert [str(p) for p in loaded.problems] == case["problems"]
    broken = case.get("broken", case["files"])
    assert [str(p) for p in loaded.broken] == broken
    clean = [name for name in case["files"] if name not in broken]
    assert [str(p.source) for p in loaded.library.packs] == clean


def test_every_case_file_is_in_the_table() -> None:
    listed = {name for case in CASES for name in case["files"]}
    on_disk = {p.name for p in CASES_DIR.glob("*.yaml")} - {"cases.yaml"}
    assert listed == on_disk


def test_several_problems_in_one_file_are_all_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES_DIR)
    loaded = load(["empty-and-slugs.yaml"])
    wheres = [p.where for p in loaded.problems]
    assert wheres == [
        "pack.id",
        "pack.title",
        "topics[0].id",
        "topics[0].notes",
        "questions[0].topics[0]",
        "questions[0].difficulty",
        "questions[0].stem",
    ]
    lines = [p.line for p in loaded.problems]
    assert lines == sorted(lines)


def test_a_broken_pack_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES_DIR)
    loaded = load(["across-first.yaml", "wrong-type.yaml", "across-second.yaml"])
    assert [p.id for p in loaded.library.packs] == ["across"]
    assert loaded.library.packs[0].title == "First of two packs"
    assert {str(p) for p in loaded.broken} == {"wrong-type.yaml", "across-second.yaml"}


def test_paths_are_shown_relative_to_the_current_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(CASES_DIR.parent)
    loaded = load_files([PackFile((CASES_DIR / "empty.yaml").resolve(), Origin.OPTION)])
    assert str(loaded.problems[0]).startswith("broken_packs/empty.yaml:1: ")


def test_unreadable_bytes_are_a_problem_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"format: 1\npack: {id: caf\xe9}\n")
    loaded = load_files([PackFile(bad, Origin.OPTION)])
    assert len(loaded.problems) == 1
    assert loaded.problems[0].line is None
    assert "not UTF-8 text" in loaded.problems[0].message
    assert loaded.broken == (bad,)
