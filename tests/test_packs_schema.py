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
from ecsprep.packs.schema import KINDS, json_schema

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


def _check(doc: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in doc["questions"] if "check" in q)["check"]


def _option_check(doc: dict[str, Any]) -> dict[str, Any]:
    return _check(doc)["options"]["A"]


def _expect(doc: dict[str, Any]) -> dict[str, Any]:
    return _option_check(doc)["expect"]


def _edits(*edits: Callable[[dict[str, Any]], None]) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        for one in edits:
            one(doc)

    return edit


_OPTION = {"text": "binpack", "why": "A strategy."}


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
    "an alias left empty (null)": _set(_term, "aliases", [None]),
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
    "a check's simulator that doesn't exist": _set(_check, "simulator", "nope"),
    "a key no kind has": _set(_root, "zzz", 1),
    "exams written as one string": _set(_single, "exams", "dva"),
    "question topics written as one string": _set(_single, "topics", "placement-strategies"),
    "a question topic that isn't a slug": _set(_single, "topics", ["Placement Strategies"]),
    "a question without topics": _set(_single, "topics", []),
    "a question without references": _set(_single, "refs", []),
    "references written as one mapping": _set(
        _topic, "refs", {"url": "https://docs.aws.amazon.com/"}
    ),
    "options written as a list": _set(_single, "options", [_OPTION, _OPTION]),
    "an option keyed by a word beside a letter": _set(
        _single, "options", {"A": _OPTION, "first": _OPTION}
    ),
    "one option only": _set(_single, "options", {"A": _OPTION}),
    "a check without options": _set(_check, "options", {}),
    "a check's options written as a list": _set(
        _check, "options", [{"expect": {"placed": 1}, "shows": "x"}]
    ),
    "a check's option keyed by a word": _set(
        _check, "options", {"first": {"expect": {"placed": 1}, "shows": "x"}}
    ),
    "a check's option without expect": _drop(_option_check, "expect"),
    "a change that isn't a mapping": _set(_option_check, "change", "run more tasks"),
    "a negative count": _set(_expect, "placed", -1),
    "a count written as text": _set(_expect, "placed", "two"),
    "a placement check naming a fact placement doesn't report": _set(
        _option_check, "expect", {"tasks_running": 2}
    ),
    "a check without simulator naming a fact placement doesn't report": _edits(
        _drop(_check, "simulator"), _set(_option_check, "expect", {"tasks_running": 2})
    ),
    "another simulator's check without a scenario": _edits(
        _set(_check, "simulator", "capacity"), _drop(_check, "scenario")
    ),
    "another simulator's check without options": _edits(
        _set(_check, "simulator", "capacity"), _drop(_check, "options")
    ),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_is_caught_by_the_schema_and_the_validator(name: str, tmp_path: Path) -> None:
    document = copy.deepcopy(SAMPLE)
    MISTAKES[name](document)
    assert list(_validator().iter_errors(document)), f"the schema accepts {name}"
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    assert load_files([PackFile(path, Origin.OPTION)]).problems, f"ecsprep accepts {name}"


ACCEPTED = {
    "a single question saying choose: 1": _set(_single, "choose", 1),
    "a single answer written as a list of one": _set(_single, "answer", ["A"]),
    "a check naming a shipped scenario": _set(_check, "scenario", "binpack-memory"),
    "a check that leaves its simulator out (placement)": _drop(_check, "simulator"),
    # Text is any scalar but null, kept as written: `version: 2` is the version "2".
    "a pack version written as a number": _set(_pack, "version", 2),
    "a tag written as a number": _set(_topic, "tags", [2024]),
    "an option's text written as true": _set(_option, "text", True),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_accepted_edit_is_accepted_by_the_schema_and_the_validator(
    name: str, tmp_path: Path
) -> None:
    document = copy.deepcopy(SAMPLE)
    ACCEPTED[name](document)
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    assert load_files([PackFile(path, Origin.OPTION)]).problems == ()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(document)]
    assert errors == []


def _vocabulary() -> dict[str, Any]:
    """Every keyword of draft 2020-12, from its vocabularies' meta-schemas."""
    specifications = pytest.importorskip("jsonschema_specifications")
    keywords: dict[str, Any] = {}
    for uri in specifications.REGISTRY:
        if uri.startswith("https://json-schema.org/draft/2020-12/meta/"):
            keywords |= specifications.REGISTRY.contents(uri).get("properties", {})
    return keywords


def _subschemas(schema: dict[str, Any], keywords: dict[str, Any]) -> list[tuple[str, Any]]:
    """The schemas inside one schema, each with its place, as the meta-schema says."""
    meta = {"$dynamicRef": "#meta"}
    inside: list[tuple[str, Any]] = []
    for key, value in schema.items():
        shape = keywords.get(key)
        if shape == meta:
            inside.append((key, value))
        elif isinstance(shape, dict) and shape.get("additionalProperties") == meta:
            inside += [(f"{key}/{name}", sub) for name, sub in value.items()]
        elif isinstance(shape, dict) and shape.get("$ref") == "#/$defs/schemaArray":
            inside += [(f"{key}/{i}", sub) for i, sub in enumerate(value)]
    return inside


def test_every_keyword_in_the_schema_is_a_draft_2020_12_keyword() -> None:
    """A validator or an editor silently ignores a misspelt keyword (`minitems`, `TYPE`),
    so the rule it should state would quietly not hold."""
    keywords = _vocabulary()
    assert {"type", "minItems", "propertyNames", "$defs"} <= set(keywords)
    unknown: list[str] = []
    places: list[tuple[str, Any]] = [("#", json_schema())]
    while places:
        place, schema = places.pop()
        if isinstance(schema, bool):  # `true` / `false` are schemas too
            continue
        unknown += [f"{place}: {key}" for key in schema if key not in keywords]
        places += [(f"{place}/{sub}", value) for sub, value in _subschemas(schema, keywords)]
    assert unknown == []


def test_every_field_has_its_description_for_the_editor() -> None:
    """An editor shows a field's description on hover: each key of each kind carries the
    doc of that field in the table the validator walks."""
    schema = json_schema()
    objects = {"document": schema, **schema["$defs"]}
    missing = [
        f"{kind}.{field.name}"
        for kind, fields in KINDS.items()
        for field in fields
        if objects[kind]["properties"][field.name].get("description") != field.doc
        or not field.doc.strip()
    ]
    assert missing == []


def test_every_definition_is_used_and_every_reference_resolves() -> None:
    """No dead definition that could drift from the one in use (a second `document`)."""
    schema = json_schema()
    refs: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            stack += node.values()
        elif isinstance(node, list):
            stack += node
    assert refs == {f"#/$defs/{name}" for name in schema["$defs"]}
