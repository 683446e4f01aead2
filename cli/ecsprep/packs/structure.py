"""Checking one pack document against the field tables in `packs.schema`.

The walk reports every problem it meets (wrong types, unknown or missing keys,
duplicate keys, empty text, bad slugs, question rules) and keeps every value
that is fine, with its line, so the cross-pack checks can still run on a file
that has problems and point at the right line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ecsprep.packs.schema import (
    FORMAT_VERSION,
    KINDS,
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_LETTERS,
    SLUG,
    Field,
    FieldType,
)
from ecsprep.packs.source import INT_TAG, describe, is_null, line_of, to_python
from ecsprep.plain_yaml import check_text, integer


@dataclass(frozen=True, slots=True)
class Found:
    """A problem inside one document (the file is added by the caller)."""

    line: int | None
    where: str
    message: str


@dataclass(slots=True)
class Entry:
    """One checked mapping: the values that passed, each with its line."""

    where: str
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # "name" or "name[i]" → line
    kind: str = ""  # the KINDS entry it was checked as ("check" or "fact-check", …)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def line_for(self, name: str) -> int:
        return self.lines.get(name, self.line)

    def plain(self) -> dict[str, Any]:
        """The checked values as plain data (nested entries included)."""
        return {name: _plain(value) for name, value in self.values.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Entry):
        return value.plain()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


Report = Callable[[int | None, str, str], None]


def suggest(word: str, known: list[str] | tuple[str, ...], cutoff: float = 0.6) -> str | None:
    close = difflib.get_close_matches(word, known, n=1, cutoff=cutoff)
    return close[0] if close else None


def check_document(root: yaml.Node | None) -> tuple[Entry | None, list[Found]]:
    """Walk a whole pack document; the entry is None when it is not a mapping."""
    found: list[Found] = []

    def report(line: int | None, where: str, message: str) -> None:
        found.append(Found(line, where, message))

    if root is None or is_null(root):
        report(1, "", "the file is empty; a pack starts with `format: 1` and `pack:`")
        return None, found
    if not isinstance(root, yaml.MappingNode):
        report(
            line_of(root), "", f"expected a mapping (format, pack, topics…), got {describe(root)}"
        )
        return None, found
    entry = _Walk(report).object(root, "document", "")
    fmt = entry.get("format")
    if fmt is not None and fmt != FORMAT_VERSION:
        report(
            entry.line_for("format"),
            "format",
            f"unsupported format {fmt}; this ecsprep reads format {FORMAT_VERSION}",
        )
    for question in entry.get("questions", ()):
        check_question(question, report)
    return entry, found


class _Walk:
    def __init__(self, report: Report) -> None:
        self.report = report

    def object(self, node: yaml.MappingNode, kind: str, where: str) -> Entry:
        fields = {f.name: f for f in KINDS[kind]}
        entry = Entry(where, line_of(node), kind=kind)
        seen: dict[str, int] = {}
        meant: set[str] = set()  # known keys an unknown key was probably meant to be
        for key_node, value_node in node.value:
            key_line = line_of(key_node)
            if not isinstance(key_node, yaml.ScalarNode) or is_null(key_node):
                self.report(key_line, where, f"a key must be text, got {describe(key_node)}")
                continue
            key = str(key_node.value)
            path = f"{where}.{_shown(key)}" if where else _shown(key)
            if key in seen:
                self.report(key_line, path, f"duplicate key {key!r} (first at line {seen[key]})")
                continue
            seen[key] = key_line
            spec = fields.get(key)
            if spec is None:
                near = suggest(key, list(fields))
                meant.add(near or "")
                self.report(key_line, path, _unknown_key(key, near, list(fields)))
                continue
            entry.lines[key] = line_of(value_node)
            value = self.value(spec, value_node, path, entry)
            if value is not None:
                entry.values[key] = value
        for spec in fields.values():
            if spec.name in seen or spec.name in meant:
                continue
            needed = spec.required or (
                spec.required_when is not None
                and entry.get(spec.required_when[0]) == spec.required_when[1]
            )
            if needed:
                self.report(entry.line, where, f"missing required key {spec.name!r}")
        return entry

    def value(self, spec: Field, node: yaml.Node, where: str, entry: Entry) -> Any:
        t = spec.type
        if t in (
            FieldType.TEXT,
            FieldType.SLUG,
            FieldType.INTEGER,
            FieldType.COUNT,
            FieldType.CHOICE,
        ):
            return self.scalar(spec, node, where)
        if t is FieldType.SCENARIO:
            if isinstance(node, yaml.MappingNode):
                return to_python(node, where, self.report)
            if not isinstance(node, yaml.ScalarNode):
                return self._wrong(node, where, _expected(spec))
            return self.scalar(Field(spec.name, FieldType.TEXT, ""), node, where)
        if t in (FieldType.TEXTS, FieldType.SLUGS, FieldType.CHOICES):
            return self.scalars(spec, node, where, entry)
        if t is FieldType.ANSWER:
            return self.answer(node, where, entry)
        if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and is_null(node):
            # `topics:` with nothing after it reads as an empty list, which is harmless.
            if t is not FieldType.OBJECTS:
                return self._wrong(node, where, _expected(spec))
            self._enough(spec, node, where, 0)
            return []
        if t is FieldType.OBJECT:
            if not isinstance(node, yaml.MappingNode):
                return self._wrong(node, where, "a mapping")
            kind = spec.kind
            if kind == "check" and _simulator_named(node) not in (None, "placement"):
                kind = "fact-check"  # another simulator's facts: checked by `packs validate`
            return self.object(node, kind, where)
        if t is FieldType.OBJECTS:
            if not isinstance(node, yaml.SequenceNode):
                return self._wrong(node, where, "a list")
            items = []
            for i, item in enumerate(node.value):
                path = f"{where}[{i}]"
                if isinstance(item, yaml.MappingNode):
                    items.append(self.object(item, spec.kind, path))
                else:
                    self._wrong(item, path, f"a mapping ({spec.kind})")
            self._enough(spec, node, where, len(node.value))
            return items
        if t is FieldType.LETTERED:
            if not isinstance(node, yaml.MappingNode):
                return self._wrong(node, where, "a mapping of A, B, C… to options")
            return self.lettered(spec, node, where)
        if t is FieldType.BY_LETTER:
            if not isinstance(node, yaml.MappingNode):
                return self._wrong(node, where, "a mapping of option letters (A, B…)")
            return self.by_letter(spec, node, where)
        if not isinstance(node, yaml.MappingNode):  # FieldType.MAPPING
            return self._wrong(node, where, "a mapping")
        return to_python(node, where, self.report)

    def scalar(self, spec: Field, node: yaml.Node, where: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return self._wrong(node, where, _expected(spec))
        line = line_of(node)
        text = str(node.value)
        if is_null(node) or not text.strip():
            self.report(line, where, "must not be empty")
            return None
        if spec.type in (FieldType.INTEGER, FieldType.COUNT):
            if node.tag != INT_TAG:
                return self._wrong(node, where, "a whole number")
            number = integer(node)
            if isinstance(number, str):
                self.report(line, where, number)
                return None
            least = 1 if spec.type is FieldType.INTEGER else 0
            if number < least:
                self.report(line, where, f"must be at least {least}, got {number}")
                return None
            return number
        if spec.type is FieldType.SLUG:
            return self._slug(text, line, where)
        problem = check_text(text)
        if problem is not None:
            self.report(line, where, problem)
            return None
        if spec.type is FieldType.CHOICE and text not in spec.choices:
            near = suggest(text.lower(), spec.choices)
            hint = f"; did you mean {near!r}?" if near else ""
            self.report(line, where, f"{text!r} is not one of {', '.join(spec.choices)}{hint}")
            return None
        return text

    def scalars(self, spec: Field, node: yaml.Node, where: str, entry: Entry) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self._wrong(node, where, _expected(spec))
        item_type = {FieldType.SLUGS: FieldType.SLUG, FieldType.CHOICES: FieldType.CHOICE}
        item_spec = Field(
            spec.name, item_type.get(spec.type, FieldType.TEXT), "", choices=spec.choices
        )
        values: list[str] = []
        for i, item in enumerate(node.value):
            value = self.scalar(item_spec, item, f"{where}[{i}]")
            if value is not None and spec.type is FieldType.CHOICES and value in values:
                self.report(line_of(item), f"{where}[{i}]", f"{value!r} is listed twice")
            elif value is not None:
                entry.lines[f"{spec.name}[{len(values)}]"] = line_of(item)
                values.append(value)
        if len(node.value) < spec.min_items:
            self.report(line_of(node), where, f"needs at least {spec.min_items} entry")
        return values

    def answer(self, node: yaml.Node, where: str, entry: Entry) -> Any:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        letters: list[str] = []
        for item in items:
            if not isinstance(item, yaml.ScalarNode) or is_null(item) or not str(item.value):
                self._wrong(item, where, "an option letter such as A, or a list like [A, C]")
                continue
            letter = str(item.value)
            if letter in letters:
                self.report(line_of(item), where, f"{letter!r} is listed twice")
                continue
            entry.lines[f"answer[{len(letters)}]"] = line_of(item)
            letters.append(letter)
        if not items:
            self.report(line_of(node), where, "must name at least one option letter")
        return letters

    def lettered(self, spec: Field, node: yaml.MappingNode, where: str) -> Any:
        options: dict[str, Entry] = {}
        misordered = False
        for i, (key_node, value_node) in enumerate(node.value):
            key = str(key_node.value)
            path = f"{where}.{_shown(key)}"
            expected = OPTION_LETTERS[i] if i < len(OPTION_LETTERS) else None
            if key in options:
                first = options[key].line
                self.report(
                    line_of(key_node), path, f"duplicate key {key!r} (first at line {first})"
                )
                continue
            if key != expected and not misordered and expected is not None:
                misordered = True  # one message is enough: the rest follow from it
                self.report(
                    line_of(key_node),
                    path,
                    "options must be lettered A, B, C… in order; "
                    f"expected {expected!r}, got {key!r}",
                )
            if not isinstance(value_node, yaml.MappingNode):
                self._wrong(value_node, path, "a mapping with text and why")
                continue
            option = self.object(value_node, spec.kind, path)
            option.line = line_of(key_node)
            options[key] = option
        count = len(node.value)
        if count < MIN_OPTIONS or count > MAX_OPTIONS:
            self.report(
                line_of(node),
                where,
                f"needs {MIN_OPTIONS} to {MAX_OPTIONS} options, got {count}",
            )
        return options

    def by_letter(self, spec: Field, node: yaml.MappingNode, where: str) -> Any:
        """Some option letters, in any order (which ones exist is the question's business)."""
        found: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = f"{where}.{_shown(key)}"
            if key in found:
                first = found[key].line
                self.report(
                    line_of(key_node), path, f"duplicate key {key!r} (first at line {first})"
                )
                continue
            if key not in OPTION_LETTERS:
                self.report(line_of(key_node), path, f"{key!r} is not an option letter (A, B, C…)")
                continue
            if not isinstance(value_node, yaml.MappingNode):
                self._wrong(value_node, path, f"a mapping ({spec.kind})")
                continue
            entry = self.object(value_node, spec.kind, path)
            entry.line = line_of(key_node)
            found[key] = entry
        if len(node.value) < spec.min_items:
            self.report(line_of(node), where, f"needs at least {spec.min_items} entry")
        return found

    def _enough(self, spec: Field, node: yaml.Node, where: str, count: int) -> None:
        if count < spec.min_items:
            self.report(line_of(node), where, f"needs at least {spec.min_items} entry")

    def _slug(self, text: str, line: int, where: str) -> str | None:
        if SLUG.match(text):
            return text
        fixed = "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
        hint = f"; try {fixed!r}" if fixed and SLUG.match(fixed) else ""
        self.report(
            line, where, f"{text!r} is not a slug (lowercase letters, digits and '-'){hint}"
        )
        return None

    def _wrong(self, node: yaml.Node, where: str, expected: str) -> None:
        self.report(line_of(node), where, f"expected {expected}, got {describe(node)}")


def _simulator_named(node: yaml.MappingNode) -> str | None:
    """The `simulator` a check block names, read before the block is walked."""
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "simulator":
            return str(value.value) if isinstance(value, yaml.ScalarNode) else None
    return None


def _shown(key: str) -> str:
    """A key as a place in a message: quoted and escaped when it holds control characters."""
    return key if check_text(key) is None else ascii(key)


def _expected(spec: Field) -> str:
    return {
        FieldType.TEXT: "text",
        FieldType.SLUG: "a slug (lowercase letters, digits and '-')",
        FieldType.INTEGER: "a whole number",
        FieldType.COUNT: "a whole number",
        FieldType.SCENARIO: "a scenario name or a scenario mapping",
        FieldType.CHOICE: "one of " + ", ".join(spec.choices),
        FieldType.TEXTS: "a list of text",
        FieldType.SLUGS: "a list of slugs",
        FieldType.CHOICES: "a list of " + ", ".join(spec.choices),
        FieldType.OBJECTS: "a list",
    }.get(spec.type, "a mapping")


def _unknown_key(key: str, near: str | None, known: list[str]) -> str:
    if near:
        return f"unknown key {key!r}; did you mean {near!r}?"
    return f"unknown key {key!r}; known keys: {', '.join(known)}"


def check_question(question: Entry, report: Report) -> None:
    """The rules that tie a question's type, choose, options and answer together."""
    options: dict[str, Entry] | None = question.get("options")
    answer: list[str] | None = question.get("answer")
    qtype = question.get("type")
    where = question.where
    if options is not None and answer is not None:
        letters = list(options)
        span = f"{letters[0]}–{letters[-1]}" if len(letters) > 1 else ", ".join(letters)
        for i, key in enumerate(answer):
            if key not in options:
                report(
                    question.line_for(f"answer[{i}]"),
                    f"{where}.answer",
                    f"{key!r} is not one of the options {span}" if letters else "no options",
                )
    check: Entry | None = question.get("check")
    if check is not None:
        _check_block(check, options, report)
    if answer is None:
        return
    keys = ", ".join(answer)
    if qtype == "single" and len(answer) > 1:
        report(
            question.line_for("answer"),
            f"{where}.answer",
            f"a single question has exactly one answer, got {len(answer)} ({keys}); "
            f"for several use `type: multiple` with `choose: {len(answer)}`",
        )
    if qtype == "single" and question.get("choose", 1) != 1:
        report(
            question.line_for("choose"),
            f"{where}.choose",
            "choose is only for `type: multiple`; a single question has one answer",
        )
    choose = question.get("choose")
    if qtype != "multiple" or choose is None:
        return
    if options is not None and not MIN_OPTIONS <= choose < len(options):
        report(
            question.line_for("choose"),
            f"{where}.choose",
            f"choose must be at least 2 and less than the number of options ({len(options)})",
        )
    if len(answer) != choose:
        report(
            question.line_for("answer"),
            f"{where}.answer",
            f"choose is {choose} but the answer has {len(answer)} keys ({keys})",
        )


def _check_block(check: Entry, options: dict[str, Entry] | None, report: Report) -> None:
    """A check simulates options the question has, and each says what to look for."""
    simulated: dict[str, Entry] = check.get("options") or {}
    # As the block was walked: a simulator named other than placement, even one that doesn't
    # exist (reported as such), has facts, not placement's expectation entries.
    facts = check.kind == "fact-check"
    for key, spec in simulated.items():
        if options is not None and key not in options:
            letters = ", ".join(options) or "none"
            report(spec.line, spec.where, f"the question has no option {key!r} (it has {letters})")
        if facts:
            if spec.get("expect") == {}:
                report(spec.line_for("expect"), f"{spec.where}.expect", "states nothing to check")
            if spec.get("claim") is not None and spec.get("claim_as_given") is not None:
                report(spec.line, spec.where, "give claim or claim_as_given, not both")
            continue
        expect: Entry | None = spec.get("expect")
        if expect is not None and not expect.lines:
            known = ", ".join(f.name for f in KINDS["expectation"])
            report(expect.line, expect.where, f"states nothing to check; give one of {known}")
        for name in ("expect", "claim", "claim_as_given"):
            condition: Entry | None = spec.get(name)
            if condition is not None:
                _counts_in(condition, f"{spec.where}.{name}", report)
        if spec.get("claim") is not None and spec.get("claim_as_given") is not None:
            report(spec.line, spec.where, "give claim or claim_as_given, not both")
    goal: Any = check.get("goal")
    if facts and goal is not None and not str(goal.get("says") or "").strip():
        report(check.line_for("goal"), f"{check.where}.goal", "missing required key 'says'")
    elif goal is not None and not facts:
        _counts_in(goal, goal.where, report)
        if goal.get("fewest") is not None and goal.get("most") is not None:
            report(goal.line, goal.where, "give fewest or most, not both")
    judged = {
        key
        for key, spec in simulated.items()
        if spec.get("claim") is not None or spec.get("claim_as_given") is not None
    }
    if goal is None and simulated and set(simulated) - judged:
        unjudged = ", ".join(sorted(set(simulated) - judged))
        report(
            check.line,
            check.where,
            f"nothing says what makes option {unjudged} right or wrong: give the check a "
            "`goal` (what the question asks for, in terms of a run) or the option a `claim`",
        )


def _counts_in(condition: Entry, where: str, report: Report) -> None:
    """The task counts a condition names by instance or provider are whole numbers."""
    for fact in ("providers", "tasks_on"):
        for name, tasks in (condition.get(fact) or {}).items():
            if isinstance(tasks, bool) or not isinstance(tasks, int) or tasks < 0:
                report(
                    condition.line_for(fact),
                    f"{where}.{fact}.{name}",
                    f"expected a task count (0 or more), got {tasks!r}",
                )
