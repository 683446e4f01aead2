"""YAML from strangers, read with bounds: packs, blueprints and simulator scenarios.

PyYAML's safe loader never runs code, but it will still build whatever a document
asks for. Three things are bounded here, before anything is built:

- **Aliases** (`*name`) may repeat at most `MAX_ALIAS_EXPANSION` units of content per
  document, a unit being one value or one character of text. Each alias costs the full
  size of what it repeats, aliases inside it included, so a 1 KB "billion laughs" is
  refused after a few hundred events, and a 200 KB value aliased 5,000 times is refused
  before the second copy. No shipped file uses aliases; a million units is about 50 times
  the biggest shipped pack's worth of repetition, and costs well under a second to walk.
- **Nesting** deeper than `MAX_DEPTH` levels (aliases counted at the depth they land at)
  is refused: every walk of the tree is recursive, and Python stops at 1,000 frames.
  The deepest shipped document has 12 levels; AWS's JSON shapes have fewer than 10.
- **Values** are plain data only (text, whole numbers, finite decimals, true/false,
  null, lists and mappings with text keys). YAML 1.1 readings that surprise people are
  refused with the fix (`010` is octal 8, `1:30` is base-60 90, `0x1F` is hex), as are
  numbers longer than `MAX_DIGITS`, tags such as `!!binary` or `!!python/...`, and text
  holding control characters or terminal escape sequences (content is text to show).

`compose` gives the node tree (with lines) or raises a `yaml.MarkedYAMLError`; `to_plain`
turns a node into plain data and reports each problem with its line and place.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.resolver import Resolver

MAX_ALIAS_EXPANSION = 1_000_000
MAX_DEPTH = 100
MAX_DIGITS = 20  # 2**64 has 20 digits; no field anywhere needs more

NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
STR_TAG = "tag:yaml.org,2002:str"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG = "tag:yaml.org,2002:merge"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"

_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
# Control characters (Unicode's Cc, but tab and newline), and the bidirectional overrides
# and isolates, which reorder what a terminal shows ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class LimitError(ComposerError):
    """A document over one of the bounds; `problem` says which and how to fix it."""


class _BoundedComposer(Composer):
    """PyYAML's composer, counting nesting and what each alias repeats.

    Only anchored nodes are measured (an alias can repeat nothing else): `_units`
    counts values and characters composed so far, aliases expanded, and `_deepest`
    the deepest level reached, so a node's size and height are differences.
    """

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._deepest = 0
        self._units = 0
        self._expanded = 0
        self._size: dict[int, int] = {}  # id(anchored node) -> values + characters
        self._height: dict[int, int] = {}  # id(anchored node) -> levels below it

    def compose_node(self, parent: Any, index: Any) -> Any:
        event: Any = self.peek_event()  # type: ignore[attr-defined]  # from the parser
        if isinstance(event, AliasEvent):
            return self._alias(parent, index, event)
        depth = self._depth + 1
        if depth > MAX_DEPTH:
            raise LimitError(
                None,
                None,
                f"nested more than {MAX_DEPTH} levels deep; flatten the document",
                event.start_mark,
            )
        units, deepest = self._units, self._deepest
        self._depth = depth
        self._deepest = max(deepest, depth)
        try:
            node: Any = super().compose_node(parent, index)
        finally:
            self._depth = depth - 1
        self._units += 1 + len(node.value) if isinstance(node, yaml.ScalarNode) else 1
        if event.anchor is not None:
            self._size[id(node)] = self._units - units
            self._height[id(node)] = self._deepest - depth
            self._deepest = max(deepest, self._deepest)
        return node

    def _alias(self, parent: Any, index: Any, event: Any) -> Any:
        node = super().compose_node(parent, index)
        size = self._size.get(id(node))
        if size is None:
            raise LimitError(
                None,
                None,
                f"the alias *{event.anchor} is used inside its own anchor (a loop); "
                "write the value out instead",
                event.start_mark,
            )
        self._units += size
        self._expanded += size
        if self._expanded > MAX_ALIAS_EXPANSION:
            raise LimitError(
                None,
                None,
                f"aliases (*name) repeat more than {MAX_ALIAS_EXPANSION:,} values and "
                "characters; write the values out or use fewer aliases",
                event.start_mark,
            )
        deepest = self._depth + 1 + self._height[id(node)]
        if deepest > MAX_DEPTH:
            raise LimitError(
                None,
                None,
                f"the alias *{event.anchor} nests the document more than {MAX_DEPTH} "
                "levels deep; flatten the document",
                event.start_mark,
            )
        self._deepest = max(self._deepest, deepest)
        return node


def _loader_class() -> Any:
    """libyaml's parser (fast) when PyYAML has it, else the pure one; our composer on top."""
    c_parser: Any = getattr(yaml.cyaml, "CParser", None) if yaml.__with_libyaml__ else None
    if c_parser is not None:

        class CLoader(_BoundedComposer, c_parser, SafeConstructor, Resolver):  # type: ignore[misc]
            def __init__(self, stream: str) -> None:
                c_parser.__init__(self, stream)
                _BoundedComposer.__init__(self)
                SafeConstructor.__init__(self)
                Resolver.__init__(self)

        return CLoader
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class PureLoader(Reader, Scanner, Parser, _BoundedComposer, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _BoundedComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    return PureLoader


_Loader = _loader_class()


def compose(text: str) -> yaml.Node | None:
    """The document's node tree (None when empty), within the bounds; else MarkedYAMLError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node if isinstance(node, yaml.Node) else None
    finally:
        loader.dispose()


# --- plain data --------------------------------------------------------------------

Report = Callable[[int, str, str], None]  # line, place, message


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def to_plain(node: yaml.Node, where: str, report: Report) -> Any:
    """The node as plain data; each refused value is reported and left out (None)."""
    return _Plain(report).value(node, where)


def check_text(text: str) -> str | None:
    """Why this text can't be shown as it is (a control character), or None."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "a control character")
    return (
        f"contains {name} ({ascii(char)[1:-1]}) at character {found.start() + 1}; content is "
        "plain text: remove control characters and terminal escape sequences"
    )


_CONTROL_NAMES = {
    "\x1b": "ESCAPE",
    "\x07": "BELL",
    "\r": "CARRIAGE RETURN",
    "\x08": "BACKSPACE",
    "\x9b": "CONTROL SEQUENCE INTRODUCER",
    "\x9d": "OPERATING SYSTEM COMMAND",
}


def integer(node: yaml.ScalarNode) -> int | str:
    """A decimal whole number, or why the written number is refused."""
    text = str(node.value)
    digits = text.lstrip("+-").replace("_", "")
    if _DECIMAL.fullmatch(text) and digits.isdigit():
        if len(digits) > MAX_DIGITS:
            return f"a number with {len(digits):,} digits is too long (at most {MAX_DIGITS})"
        return int(text.replace("_", ""))
    return _surprising_number(text, "whole number")


def _surprising_number(text: str, kind: str) -> str:
    shown = text if len(text) <= 30 else text[:27] + "..."
    quote = f"; quote it ('{shown}') if it is text"
    if ":" in text:
        return f"{shown} is a base-60 number in YAML 1.1; write it in decimal{quote}"
    if re.fullmatch(r"[-+]?0[0-7_]+", text):
        return (
            f"{shown} is an octal number in YAML 1.1 (leading zero); "
            f"write it without the leading zero{quote}"
        )
    if re.fullmatch(r"[-+]?0[xXbBoO][0-9a-fA-F_]+", text):
        return f"{shown} is not a decimal number; write it in decimal{quote}"
    return f"{shown} is not a {kind}{quote}"


class _Plain:
    def __init__(self, report: Report) -> None:
        self.report = report

    def value(self, node: yaml.Node, where: str) -> Any:
        if isinstance(node, yaml.MappingNode):
            if node.tag != MAP_TAG:
                return self._tag(node, where)
            return self.mapping(node, where)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ_TAG:
                return self._tag(node, where)
            return [self.value(item, f"{where}[{i}]") for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node, where)

    def mapping(self, node: yaml.MappingNode, where: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        lines: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged = {**self._merge(value_node, where), **merged}
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != STR_TAG:
                shown = (
                    repr(key_node.value)
                    if isinstance(key_node, yaml.ScalarNode)
                    else "a list or mapping"
                )
                self.report(
                    line_of(key_node),
                    where,
                    f"a key must be text, got {shown}; quote it if it is text",
                )
                continue
            key = self.scalar(key_node, where)
            if key is None:
                continue
            path = f"{where}.{key}" if where else key
            if key in lines:
                self.report(
                    line_of(key_node), path, f"duplicate key {key!r} (first at line {lines[key]})"
                )
                continue
            lines[key] = line_of(key_node)
            result[key] = self.value(value_node, path)
        return {**merged, **result}

    def _merge(self, node: yaml.Node, where: str) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):  # the first mapping listed wins
            if not isinstance(source, yaml.MappingNode):
                self.report(line_of(source), where, "`<<` merges a mapping or a list of mappings")
                continue
            merged.update(self.mapping(source, where))
        return merged

    def scalar(self, node: yaml.ScalarNode, where: str) -> Any:
        tag, text = node.tag, str(node.value)
        if tag in (STR_TAG, TIMESTAMP_TAG):  # a date is kept as the text written
            problem = check_text(text)
            if problem:
                self.report(line_of(node), where, problem)
                return None
            return text
        if tag == NULL_TAG:
            return None
        if tag == BOOL_TAG:
            truth = SafeConstructor.bool_values.get(text.lower())
            if truth is None:
                self.report(line_of(node), where, f"{text!r} is not true or false")
            return truth
        if tag == INT_TAG:
            number = integer(node)
            if isinstance(number, str):
                self.report(line_of(node), where, number)
                return None
            return number
        if tag == FLOAT_TAG:
            return self._float(node, where)
        return self._tag(node, where)

    def _float(self, node: yaml.ScalarNode, where: str) -> float | None:
        text = str(node.value)
        if text.lower().lstrip("+-") in (".inf", ".nan"):
            self.report(line_of(node), where, f"{text} is not a finite number")
            return None
        if ":" in text:
            self.report(line_of(node), where, _surprising_number(text, "number"))
            return None
        try:
            number = float(text.replace("_", ""))
        except ValueError:
            self.report(line_of(node), where, _surprising_number(text, "number"))
            return None
        if not math.isfinite(number):
            self.report(line_of(node), where, f"{text} is not a finite number")
            return None
        return number

    def _tag(self, node: yaml.Node, where: str) -> None:
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        self.report(
            line_of(node),
            where,
            f"the tag {tag} is not allowed; use plain text, numbers, true/false, "
            "lists and mappings",
        )
