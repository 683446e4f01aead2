"""The JSON Schema `ecsprep packs schema` gives editors: every pack ecsprep accepts is valid
under it, and each mistake it can express is caught by it and by the validator alike.

Each broken document is sample.yaml (which uses every key) with one edit."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.packs.load import PackFile, load_files
from ecsprep.packs.model import Origin
from ecsprep.packs.schema import json_schema

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parent.parent
VALID = Path(__file__).parent / "cases" / "valid_packs"
SAMPLE = yaml.safe_load((VALID / "sample.yaml").read_text("utf-8"))


def _validator() -> Any:
    # Built in each test, not at import: the schema is what the code gives now.
    return jsonschema.Draft202012Validator(json_schema())


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())


@pytest.mark.parametrize(
    "path",
    [*sorted((REPO / "content").glob("*.yaml")), *sorted(VALID.glob("*.yaml"))],
    ids=lambda p: p.name,
)
def test_every_pack_ecsprep_accepts_is_valid_under_the_schema(path: Path) -> None:
    document = yaml.safe_load(path.read_text("utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(document)]
    assert errors == []


def _question(doc: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in doc["questions"] if q["type"] == "multiple")


def _single(doc: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in doc["questions"] if q["type"] == "single")


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        path(doc)[key] = value

    return edit


def _drop(path: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        del path(doc)[key]

    return edit


def _root(doc: dict[str, Any]) -> dict[str, Any]:
    return doc


def _pack(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["pack"]


def _topic(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["topics"][0]


def _term(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["glossary"][0]


def _option(doc: dict[str, Any]) -> dict[str, Any]:
    return _single(doc)["options"]["A"]


MISTAKES = {
    "another format version": _set(_root, "format", 2),
    "no pack header": _drop(_root, "pack"),
    "an empty pack title": _set(_pack, "title", ""),
    "a pack id that isn't a slug": _set(_pack, "id", "Not A Slug"),
    "a topic without notes": _drop(_topic, "notes"),
    "topic tags that aren't a list": _set(_topic, "tags", "placement"),
    "an empty tag": _set(_topic, "tags", [""]),
    "a reference that isn't a mapping": _set(_topic, "refs", ["https://docs.aws.amazon.com/"]),
    "a term whose topic isn't a slug": _set(_term, "topic", "Placement Strategies"),
    "aliases with a number": _set(_term, "aliases", [7]),
    "a question type that doesn't exist": _set(_single, "type", "essay"),
    "a difficulty that doesn't exist": _set(_single, "difficulty", "brutal"),
    "choose 0": _set(_question, "choose", 0),
    "choose written as text": _set(_question, "choose", "two"),
    "a multiple question without choose": _drop(_question, "choose"),
    "an answer letter past H": _set(_single, "answer", "Z"),
    "an empty list of answers": _set(_question, "answer", []),
    "the same answer twice": _set(_question, "answer", ["A", "A"]),
    "an exam that doesn't exist": _set(_single, "exams", ["clf"]),
    "the same exam twice": _set(_single, "exams", ["dva", "dva"]),
    "an option keyed by a word": _set(_single, "options", {"first": {"text": "x", "why": "y"}}),
    "nine options": _set(_single, "options", {k: {"text": k, "why": k} for k in "ABCDEFGHI"}),
    "an option without its why": _drop(_option, "why"),
    "an option's text empty": _set(_option, "text", ""),
    "a check's simulator that doesn't exist": _set(
        lambda d: next(q for q in d["questions"] if "check" in q)["check"], "simulator", "nope"
    ),
    "a key no kind has": _set(_root, "zzz", 1),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_is_caught_by_the_schema_and_the_validator(name: str, tmp_path: Path) -> None:
    document = copy.deepcopy(SAMPLE)
    MISTAKES[name](document)
    assert list(_validator().iter_errors(document)), f"the schema accepts {name}"
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    assert load_files([PackFile(path, Origin.OPTION)]).problems, f"ecsprep accepts {name}"
