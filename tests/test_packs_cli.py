"""`ecsprep packs list | validate | export | schema`, on fixture packs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import ecsprep.data
from ecsprep.packs.export import library_from_data, question_from_data
from ecsprep.packs.load import load_library
from ecsprep.packs.schema import KINDS, FieldType, json_schema
from ecsprep.ui.app import app

VALID = Path(__file__).parent / "cases" / "valid_packs"
BROKEN = Path(__file__).parent / "cases" / "broken_packs"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> Any:
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: VALID)
    monkeypatch.chdir(Path(__file__).parent)
    env = {"ECSPREP_HOME": str(isolated_home), "NO_COLOR": "1", "COLUMNS": "100"}

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(app, ["packs", *args], env=env)

    return invoke


def test_packs_alone_shows_help(run: Any) -> None:
    result = run()
    assert "list" in result.output
    assert "validate" in result.output


def test_list_shows_every_pack(run: Any) -> None:
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = lines.index("sample  shipped, version 2.1")
    assert lines[at + 2].split()[:6] == ["2", "questions", "·", "3", "terms", "·"]
    assert lines[at + 2].endswith("cases/valid_packs/sample.yaml")  # a path is never broken
    assert max(len(line) for line in lines if "·" not in line) <= 100


def test_list_json(run: Any) -> None:
    result = run("list", "--json", "--pack", str(BROKEN / "across-first.yaml"))
    assert result.exit_code == 0, result.output
    packs = json.loads(result.stdout)["packs"]
    assert [(p["id"], p["origin"]) for p in packs] == [
        ("extra", "shipped"),
        ("sample", "shipped"),
        ("across", "option"),
    ]
    assert packs[1]["counts"] == {"topics": 2, "terms": 3, "questions": 2}


def test_validate_ok(run: Any) -> None:
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.output == "ok: 2 packs, 2 topics, 4 terms, 3 questions\n"


def test_validate_reports_every_problem_and_fails(run: Any) -> None:
    result = run(
        "validate", "cases/broken_packs/unknown-key.yaml", "cases/broken_packs/wrong-type.yaml"
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "cases/broken_packs/unknown-key.yaml:19 questions[0].explaination: "
        "unknown key 'explaination'; did you mean 'explanation'?",
        "cases/broken_packs/wrong-type.yaml:9 topics[0].tags: "
        "expected a list of text, got 'placement'",
        "2 problems (2 files left out); loaded 2 packs, 2 topics, 4 terms, 3 questions",
    ]


def test_validate_json(run: Any) -> None:
    result = run("validate", "--json", "cases/broken_packs/answer-not-option.yaml")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["problems"] == [
        {
            "file": "cases/broken_packs/answer-not-option.yaml",
            "line": 20,
            "where": "questions[0].answer",
            "message": "'E' is not one of the options A–D",
        }
    ]
    assert data["loaded"] == {"packs": 2, "topics": 2, "terms": 4, "questions": 3}


def test_validate_missing_file_is_a_usage_error(run: Any) -> None:
    result = run("validate", "nope.yaml")
    assert result.exit_code == 2
    assert "error: no such pack file or folder: nope.yaml" in result.output


def test_broken_user_pack_warns_but_list_works(run: Any, isolated_home: Path) -> None:
    (isolated_home / "packs").mkdir()
    (isolated_home / "packs" / "bad.yaml").write_text((BROKEN / "wrong-type.yaml").read_text())
    result = run("list", "--json")
    assert result.exit_code == 0
    assert [p["id"] for p in json.loads(result.stdout)["packs"]] == ["extra", "sample"]
    assert "warning: content pack" in result.stderr
    assert "bad.yaml" in result.stderr


def test_export_json_round_trip(run: Any) -> None:
    result = run("export", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"packs", "topics", "glossary", "questions"}
    question = data["questions"][0]
    assert set(question) >= {
        "id", "topics", "type", "choose", "difficulty", "stem", "options", "answer",
        "explanation", "refs", "pack",
    }  # fmt: skip
    assert set(question["options"][0]) == {"key", "text", "explanation"}
    library = load_library(cache=False).library
    rebuilt = {q["id"]: question_from_data(q) for q in data["questions"]}
    assert rebuilt == dict(library.questions)
    assert library_from_data(data) == library


def test_export_anki(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "anki.txt"
    result = run("export", "--format", "anki", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote 3 questions to {out}" in result.stderr
    lines = out.read_text("utf-8").splitlines()
    assert lines[:4] == ["#separator:tab", "#html:true", "#notetype:Basic", "#tags column:3"]
    notes = [line.split("\t") for line in lines[4:]]
    assert [len(n) for n in notes] == [3, 3, 3]
    front, back, tags = next(n for n in notes if n[2].startswith("placement-strategies seed"))
    assert front == (
        "Which strategy keeps the fewest instances in use?<br>"
        "Pick one &amp; only one &lt;answer&gt;.<br><br>A. binpack<br>B. spread"
    )
    assert back.startswith("<b>A</b><br><br>binpack minimises the instances in use.<br>")
    assert "<br>A ✓: Fills the fullest instance that still fits." in back
    assert "B: Balances tasks: keeps more instances busy." in back  # the tab is gone
    assert tags == "placement-strategies seed"
    multi = next(n for n in notes if "Which two" in n[0])
    assert "(Choose 2.)" in multi[0]
    assert multi[1].startswith("<b>A, C</b>")


def test_schema_is_json_schema_2020_12(run: Any) -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["format", "pack"]
    assert schema["$defs"]["question"]["allOf"] == [
        {"if": {"properties": {"type": {"const": "multiple"}}}, "then": {"required": ["choose"]}}
    ]


def _schema_objects(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"document": schema, **schema["$defs"]}


def test_schema_and_validator_agree_on_every_key(tmp_path: Path) -> None:
    """Every key the schema lists is accepted; a key it does not list is rejected."""
    schema = _schema_objects(json_schema())
    assert {k: set(v["properties"]) for k, v in schema.items()} == {
        kind: {f.name for f in fields} for kind, fields in KINDS.items()
    }
    # sample.yaml uses every key of every kind, and validates cleanly.
    used: dict[str, set[str]] = {kind: set() for kind in KINDS}
    doc = yaml.safe_load((VALID / "sample.yaml").read_text("utf-8"))
    _collect(doc, "document", used)
    wanted = {kind: set(schema[kind]["properties"]) for kind in KINDS}
    # A goal names the expectation's facts (covered under "expectation"), and `most` mirrors
    # `fewest`, which excludes it in one goal (tests/test_sim_check.py covers `most`).
    wanted["goal"] -= {f.name for f in KINDS["expectation"]} | {"most"}
    used["goal"] -= {f.name for f in KINDS["expectation"]}
    # Another simulator's check has the keys of a placement check (its conditions are that
    # simulator's facts, checked by `packs validate`: tests/test_sim_check.py).
    for other, mirrors in (("fact-check", "check"), ("fact-option-check", "option-check")):
        assert wanted.pop(other) == wanted[mirrors]
        used.pop(other)
    assert used == wanted
    from ecsprep.packs.load import PackFile, load_files
    from ecsprep.packs.model import Origin

    assert load_files([PackFile(VALID / "sample.yaml", Origin.OPTION)]).problems == ()
    # and one key more, in any kind, is an error.
    for kind in (k for k in KINDS if not k.startswith("fact-")):
        bad = tmp_path / f"{kind}.yaml"
        bad.write_text(yaml.safe_dump(_with_extra_key(doc, kind), sort_keys=False))
        problems = load_files([PackFile(bad, Origin.OPTION)]).problems
        assert [p.message for p in problems] == [
            "unknown key 'zzz'; known keys: " + ", ".join(schema[kind]["properties"])
        ], kind


def _collect(value: Any, kind: str, used: dict[str, set[str]]) -> None:
    used[kind] |= set(value)
    for field in KINDS[kind]:
        child = value.get(field.name)
        if child is None:
            continue
        if field.type is FieldType.OBJECT:
            _collect(child, field.kind, used)
        elif field.type is FieldType.OBJECTS:
            for item in child:
                _collect(item, field.kind, used)
        elif field.type in (FieldType.LETTERED, FieldType.BY_LETTER):
            for item in child.values():
                _collect(item, field.kind, used)


def _with_extra_key(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    target = {
        "document": lambda d: d,
        "pack": lambda d: d["pack"],
        "topic": lambda d: d["topics"][0],
        "reference": lambda d: d["topics"][0]["refs"][0],
        "term": lambda d: d["glossary"][0],
        "question": lambda d: d["questions"][0],
        "option": lambda d: d["questions"][0]["options"]["A"],
        "check": lambda d: d["questions"][0]["check"],
        "option-check": lambda d: d["questions"][0]["check"]["options"]["A"],
        "expectation": lambda d: d["questions"][0]["check"]["options"]["A"]["expect"],
        "goal": lambda d: d["questions"][0]["check"]["goal"],
    }[kind](doc)
    target["zzz"] = 1
    return doc


def test_validate_warns_about_questions_that_read_alike(run: Any) -> None:
    result = run("validate", "cases/alike_pack.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok:")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: questions alike-four-tasks and alike-six-tasks read almost alike "
        "(89% of their phrases shared); test one fact one way"
    ]
    data = json.loads(run("validate", "--json", "cases/alike_pack.yaml").stdout)
    assert data["alike"] == [
        {"questions": ["alike-four-tasks", "alike-six-tasks"], "likeness": 0.89}
    ]
