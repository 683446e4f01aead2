"""Reading a pack file into a YAML node tree that remembers every line.

Composing (not constructing) keeps each value's position, duplicate keys and
the written form of scalars, which the validator needs for its messages.
Safe loading only, within the bounds of `ecsprep.plain_yaml` (aliases, nesting,
plain values only).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ecsprep import plain_yaml
from ecsprep.plain_yaml import INT_TAG, NULL_TAG, line_of

__all__ = ["INT_TAG", "NULL_TAG", "SyntaxProblem", "compose", "describe", "line_of"]


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    line: int | None
    message: str


def compose(path: Path) -> yaml.Node | SyntaxProblem | None:
    """The file's node tree (None for an empty file), or why it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return SyntaxProblem(None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        return SyntaxProblem(None, f"cannot read the file: {exc.strerror or exc}")
    try:
        return plain_yaml.compose(text)
    except plain_yaml.LimitError as exc:
        mark = exc.problem_mark
        return SyntaxProblem(None if mark is None else mark.line + 1, str(exc.problem))
    except yaml.MarkedYAMLError as exc:
        return _syntax_problem(exc)
    except yaml.reader.ReaderError as exc:
        return _forbidden_character(text, exc)
    except yaml.YAMLError as exc:
        return SyntaxProblem(None, f"YAML error: {exc}")


def _syntax_problem(exc: yaml.MarkedYAMLError) -> SyntaxProblem:
    mark = exc.problem_mark or exc.context_mark
    message = f"YAML syntax error: {exc.problem or exc.context or 'invalid YAML'}"
    if mark is None:
        return SyntaxProblem(None, message)
    message += f" (column {mark.column + 1})"
    context = exc.context_mark
    if exc.problem and exc.context and context is not None:
        # The context says where the unfinished thing began, often the real mistake.
        message += f", {exc.context} at line {context.line + 1}, column {context.column + 1}"
    return SyntaxProblem(mark.line + 1, message)


def _forbidden_character(text: str, exc: yaml.reader.ReaderError) -> SyntaxProblem:
    """A character YAML refuses to read (a raw control character): its line, column and name.

    PyYAML gives only its position in "<unicode string>", on a second line of its message."""
    at = min(max(int(exc.position), 0), max(len(text) - 1, 0))
    char = text[at : at + 1] or "?"
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    name = unicodedata.name(char, "") or f"the character U+{ord(char):04X}"
    return SyntaxProblem(
        text.count("\n", 0, at) + 1,
        f"contains {name} ({ascii(char)[1:-1]}) at column {column}, which YAML does not allow; "
        "remove it",
    )


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG


def describe(node: yaml.Node) -> str:
    """How a value reads in a message: `a list`, `a mapping`, `nothing`, `'x'`."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if is_null(node):
        return "nothing"
    text = str(node.value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def to_python(node: yaml.Node, where: str, report: plain_yaml.Report) -> Any:
    """Plain Python data for a free-form value (`check`); refused values are reported."""
    return plain_yaml.to_plain(node, where, report)
