"""The pack format described once: the fields of every kind of object.

The validator (`packs.load`) walks a document with these tables, and
`json_schema()` turns the same tables into a JSON Schema for editors, so the
two cannot disagree about which keys exist or which are required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ecsprep.packs import FORMAT_VERSION as FORMAT_VERSION  # the format's version, with its tables

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MIN_OPTIONS = 2
MAX_OPTIONS = 8
OPTION_LETTERS = "ABCDEFGH"[:MAX_OPTIONS]
# The certification exams a question can be marked with (model.Exam's values).
EXAMS = ("dva", "saa", "soa")
# The simulators a check can name (sim.simulators.MODULES; a test keeps them equal).
SIMULATORS = (
    "placement",
    "capacity",
    "deployment",
    "fargate",
    "ecr-lifecycle",
    "scaling",
    "credentials",
    "registration",
    "events",
    "platform-fit",
    "pipeline-artifacts",
    "load-balancing",
    "ecr-access",
    "lifecycle",
    "service-discovery",
    "ecr-replication",
    "observability",
    "front-door",
    "ecr-scanning",
    "managed-scaling",
    "releases",
)
# Counts a check's goal can rank options by (sim.check.RANKED; a test keeps them equal).
RANKED = ("placed", "unplaced", "instances_used")
# RunTask failure reasons a check can expect (the simulator's FailureReason values;
# a test keeps the two lists equal, and the pack format stays free of the simulator).
FAILURE_REASONS = (
    "AGENT",
    "ATTRIBUTE",
    "RESOURCE:CPU",
    "RESOURCE:MEMORY",
    "RESOURCE:GPU",
    "RESOURCE:PORTS",
    "RESOURCE:ENI",
    "MemberOf placement constraint unsatisfied",
    "DistinctInstance placement constraint unsatisfied",
    "NO ACTIVE INSTANCES",
)


class FieldType(Enum):
    TEXT = "text"  # a non-empty scalar, kept as written
    SLUG = "slug"  # lowercase letters, digits and '-'
    INTEGER = "integer"
    CHOICE = "choice"  # one of Field.choices
    CHOICES = "choices"  # a list of distinct Field.choices
    TEXTS = "texts"  # a list of non-empty scalars
    SLUGS = "slugs"  # a list of slugs
    OBJECT = "object"  # a mapping of kind Field.kind
    OBJECTS = "objects"  # a list of mappings of kind Field.kind
    LETTERED = "lettered"  # a mapping A, B, C… → kind Field.kind
    ANSWER = "answer"  # one option letter, or a list of them
    MAPPING = "mapping"  # any mapping, kept as plain data
    COUNT = "count"  # a whole number, 0 or more
    BY_LETTER = "by-letter"  # a mapping from some option letters → kind Field.kind
    SCENARIO = "scenario"  # a shipped scenario's name, or a scenario mapping


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    doc: str
    required: bool = False
    kind: str = ""  # for OBJECT, OBJECTS, LETTERED
    choices: tuple[str, ...] = ()  # for CHOICE
    min_items: int = 0  # for lists and LETTERED
    required_when: tuple[str, str] | None = None  # (other field, value) that makes it required


T = FieldType
KINDS: dict[str, tuple[Field, ...]] = {
    "document": (
        Field("format", T.INTEGER, "Format version of this document; must be 1.", required=True),
        Field("pack", T.OBJECT, "Who this pack is.", required=True, kind="pack"),
        Field("topics", T.OBJECTS, "Study notes, one per topic.", kind="topic"),
        Field("glossary", T.OBJECTS, "Glossary terms.", kind="term"),
        Field("questions", T.OBJECTS, "Exam-style questions.", kind="question"),
    ),
    "pack": (
        Field("id", T.SLUG, "Unique pack id, a lowercase slug.", required=True),
        Field("title", T.TEXT, "Pack title.", required=True),
        Field("version", T.TEXT, "The pack's own version string.", required=True),
        Field("description", T.TEXT, "What the pack covers."),
    ),
    "topic": (
        Field("id", T.SLUG, "Permanent topic id, a lowercase slug.", required=True),
        Field("title", T.TEXT, "Topic title.", required=True),
        Field("summary", T.TEXT, "One or two sentences shown in lists."),
        Field("tags", T.TEXTS, "Free labels."),
        Field("notes", T.TEXT, "The notes, in Markdown.", required=True),
        Field("refs", T.OBJECTS, "Documentation that backs the notes.", kind="reference"),
    ),
    "reference": (
        Field("url", T.TEXT, "Address of the page.", required=True),
        Field("title", T.TEXT, "Title of the page."),
    ),
    "term": (
        Field("term", T.TEXT, "The term as it is written.", required=True),
        Field("aliases", T.TEXTS, "Other spellings `explain` should find."),
        Field("definition", T.TEXT, "One to three sentences.", required=True),
        Field("topic", T.SLUG, "Id of the topic the term belongs to.", required=True),
        Field("see", T.TEXTS, "Related glossary terms."),
        Field("try", T.TEXT, "A command that shows the term in action."),
    ),
    "question": (
        Field("id", T.SLUG, "Permanent question id, a lowercase slug.", required=True),
        Field(
            "topics", T.SLUGS, "Topic ids; the first is the main one.", required=True, min_items=1
        ),
        Field("difficulty", T.CHOICE, "How hard it is.", choices=("easy", "medium", "hard")),
        Field(
            "type",
            T.CHOICE,
            "One answer or several.",
            required=True,
            choices=("single", "multiple"),
        ),
        Field(
            "choose",
            T.INTEGER,
            "How many options to pick (multiple only).",
            required_when=("type", "multiple"),
        ),
        Field("terms", T.TEXTS, "Glossary terms the question tests."),
        Field("tags", T.TEXTS, "Free labels, e.g. seed."),
        Field(
            "exams",
            T.CHOICES,
            "The certification exams the question fits: dva (Developer Associate), "
            "saa (Solutions Architect Associate), soa (SysOps / CloudOps Associate).",
            choices=EXAMS,
        ),
        Field("stem", T.TEXT, "The question.", required=True),
        Field(
            "options",
            T.LETTERED,
            f"{MIN_OPTIONS} to {MAX_OPTIONS} options keyed A, B, C…",
            required=True,
            kind="option",
            min_items=MIN_OPTIONS,
        ),
        Field("answer", T.ANSWER, "The right option letter, or a list of letters.", required=True),
        Field("explanation", T.TEXT, "The overall explanation.", required=True),
        Field(
            "refs",
            T.OBJECTS,
            "Documentation that backs the answer (at least one page).",
            required=True,
            kind="reference",
            min_items=1,
        ),
        Field(
            "check",
            T.OBJECT,
            "Run the question in the placement simulator: a scenario and, per option, "
            "the change the option makes and what the run shows.",
            kind="check",
        ),
    ),
    "check": (
        Field(
            "simulator",
            T.CHOICE,
            "The simulator that runs the check (default placement).",
            choices=SIMULATORS,
        ),
        Field(
            "scenario",
            T.SCENARIO,
            "A shipped scenario's name (`ecsprep simulate placement --list`) or a scenario "
            "mapping in AWS shapes, as `ecsprep simulate placement` reads them.",
            required=True,
        ),
        Field(
            "options",
            T.BY_LETTER,
            "Per option letter (any subset): what the option changes and what the run shows.",
            required=True,
            kind="option-check",
            min_items=1,
        ),
        Field(
            "goal",
            T.OBJECT,
            "What the question asks for, as a condition on a run (e.g. every task placed on "
            "one instance, or the fewest instances in use): an option is right exactly when "
            "its run meets it. Options with a `claim` are judged by their claim instead.",
            kind="goal",
        ),
    ),
    "option-check": (
        Field(
            "change",
            T.MAPPING,
            "A JSON Merge Patch (RFC 7386) on the scenario: mappings merge key by key, "
            "lists and values replace, null removes a key. Omit it to run the scenario as is.",
        ),
        Field(
            "expect",
            T.OBJECT,
            "What the run must show; the tests and `packs validate` hold the pack to it.",
            required=True,
            kind="expectation",
        ),
        Field("shows", T.TEXT, "One sentence: what the run demonstrates.", required=True),
        Field(
            "claim",
            T.OBJECT,
            "For an option that states something: what the statement predicts about this "
            "option's run. The option is right exactly when the run shows it.",
            kind="expectation",
        ),
        Field(
            "claim_as_given",
            T.OBJECT,
            "Like claim, judged on the scenario as the question gives it (the option's change "
            "only demonstrates what it would take).",
            kind="expectation",
        ),
    ),
    "expectation": (
        Field("placed", T.COUNT, "How many tasks are placed."),
        Field("unplaced", T.COUNT, "How many tasks can't be placed."),
        Field("instances_used", T.COUNT, "How many distinct instances receive a task."),
        Field(
            "instances", T.TEXTS, "Where each task goes, in order (last part of the instance ARN)."
        ),
        Field(
            "failure",
            T.CHOICE,
            "A failure reason that at least one instance reports.",
            choices=FAILURE_REASONS,
        ),
        Field("stopped_on", T.TEXTS, "Scale-in: the instance of each stopped task, in order."),
        Field(
            "note", T.TEXT, "Text that one of the run's notes contains (e.g. why AWS rejects it)."
        ),
        Field("no_note", T.TEXT, "Text that none of the run's notes contains."),
        Field(
            "providers",
            T.MAPPING,
            "With a capacityProviderStrategy: each provider's task count, e.g. "
            "{FARGATE: 4, FARGATE_SPOT: 6}.",
        ),
        Field("used", T.TEXTS, "Exactly these instances receive a task (in any order)."),
        Field("avoid", T.TEXTS, "None of these instances receives a task."),
        Field("tasks_on", T.MAPPING, "How many tasks given instances receive, e.g. {ci-0003: 2}."),
        Field("max_per_instance", T.COUNT, "No instance receives more tasks than this."),
        Field("refused", T.TEXT, "AWS refuses the option's input with a message containing this."),
    ),
    "goal": (
        Field("says", T.TEXT, "The goal in words, as the learner reads it.", required=True),
        Field(
            "fewest",
            T.CHOICE,
            "Of the options whose runs meet the rest of the goal, only those with the least of "
            "this count are right.",
            choices=RANKED,
        ),
        Field("most", T.CHOICE, "Like fewest, for the most of this count.", choices=RANKED),
    ),
    "option": (
        Field("text", T.TEXT, "The option as shown.", required=True),
        Field("why", T.TEXT, "Why this option is right or wrong.", required=True),
    ),
}
# A goal states its condition with the same facts an expectation names.
KINDS["goal"] = (*KINDS["goal"], *KINDS["expectation"])
# A check run by another simulator than placement names that simulator's facts, so its
# conditions are mappings here; `packs validate` checks their names against the simulator.
_FACTS = "Facts of the simulator's run (see docs/pack-format.md), plus note, no_note, refused."
KINDS["fact-check"] = tuple(
    replace(f, kind="fact-option-check")
    if f.name == "options"
    else replace(f, type=FieldType.MAPPING, kind="", doc=f.doc + " " + _FACTS)
    if f.name == "goal"
    else f
    for f in KINDS["check"]
)
KINDS["fact-option-check"] = tuple(
    replace(f, type=FieldType.MAPPING, kind="", doc=f.doc + " " + _FACTS)
    if f.name in ("expect", "claim", "claim_as_given")
    else f
    for f in KINDS["option-check"]
)
del T

SCHEMA_ID = "urn:ecsprep:pack-format:1"


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of a pack file, for editors."""
    defs = {kind: _object_schema(kind) for kind in KINDS if kind != "document"}
    # A question's check is placement's shape, or another simulator's (named by `simulator`).
    check = defs["question"]["properties"]["check"]
    defs["question"]["properties"]["check"] = {
        "description": check["description"],
        "anyOf": [{"$ref": "#/$defs/check"}, {"$ref": "#/$defs/fact-check"}],
    }
    simulator = defs["check"]["properties"]["simulator"]["description"]
    defs["check"]["properties"]["simulator"] = {"description": simulator, "const": "placement"}
    defs["fact-check"]["properties"]["simulator"] = {
        "description": simulator,
        "enum": [name for name in SIMULATORS if name != "placement"],
    }
    defs["fact-check"]["required"] = sorted({*defs["fact-check"].get("required", ()), "simulator"})
    root = _object_schema("document")
    root["properties"]["format"] = {
        "const": FORMAT_VERSION,
        "description": KINDS["document"][0].doc,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ecsprep content pack",
        **root,
        "$defs": defs,
    }


def _object_schema(kind: str) -> dict[str, Any]:
    fields = KINDS[kind]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _field_schema(f) for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    conditional = [
        {
            "if": {"properties": {f.required_when[0]: {"const": f.required_when[1]}}},
            "then": {"required": [f.name]},
        }
        for f in fields
        if f.required_when
    ]
    if conditional:
        schema["allOf"] = conditional
    return schema


# Text is any scalar but null, kept as written (`version: 2` is the text "2").
_TEXT: dict[str, Any] = {"type": ["string", "number", "boolean"], "minLength": 1}
_SLUG: dict[str, Any] = {"type": "string", "pattern": SLUG.pattern.replace(r"\Z", "$")}
_SLUG["pattern"] = "^" + _SLUG["pattern"]
_LETTER: dict[str, Any] = {"enum": list(OPTION_LETTERS)}


def _field_schema(field: Field) -> dict[str, Any]:
    body: dict[str, Any]
    match field.type:
        case FieldType.TEXT:
            body = dict(_TEXT)
        case FieldType.SLUG:
            body = dict(_SLUG)
        case FieldType.INTEGER:
            body = {"type": "integer", "minimum": 1}
        case FieldType.CHOICE:
            body = {"enum": list(field.choices)}
        case FieldType.CHOICES:
            body = {"type": "array", "items": {"enum": list(field.choices)}, "uniqueItems": True}
        case FieldType.TEXTS:
            body = {"type": "array", "items": _TEXT}
        case FieldType.SLUGS:
            body = {"type": "array", "items": _SLUG}
        case FieldType.OBJECT:
            body = {"$ref": f"#/$defs/{field.kind}"}
        case FieldType.OBJECTS:
            body = {"type": "array", "items": {"$ref": f"#/$defs/{field.kind}"}}
        case FieldType.LETTERED:
            body = {
                "type": "object",
                "propertyNames": _LETTER,
                "additionalProperties": {"$ref": f"#/$defs/{field.kind}"},
                "maxProperties": MAX_OPTIONS,
            }
        case FieldType.ANSWER:
            body = {
                "oneOf": [
                    _LETTER,
                    {"type": "array", "items": _LETTER, "minItems": 1, "uniqueItems": True},
                ]
            }
        case FieldType.MAPPING:
            body = {"type": "object"}
        case FieldType.COUNT:
            body = {"type": "integer", "minimum": 0}
        case FieldType.BY_LETTER:
            body = {
                "type": "object",
                "propertyNames": _LETTER,
                "additionalProperties": {"$ref": f"#/$defs/{field.kind}"},
            }
        case FieldType.SCENARIO:
            body = {"oneOf": [_TEXT, {"type": "object"}]}
    if field.min_items:
        by_key = field.type in (FieldType.LETTERED, FieldType.BY_LETTER)
        body["minProperties" if by_key else "minItems"] = field.min_items
    return {"description": field.doc, **body}
