"""Regular expressions for `=~` / `!~` that match in bounded time, whatever the pattern.

Python's `re` backtracks: `(a*)*b` on 30 characters takes minutes. A CQL match
is a yes or no on the whole value (Java's `Pattern.matches`), so no capture or
leftmost-longest rule matters, and a Thompson automaton answers it in time
proportional to (states × characters): each character moves a set of states.

The pattern is parsed by Python's own regex parser (so the syntax and its
errors are `re`'s) and built into at most MAX_STATES states; a pattern that
needs more (`(a{1000}){1000}`), or that uses what no automaton can do
(backreferences, lookaround, atomic groups, possessive repeats, conditionals),
is refused with a message that says so. Values are at most 255 characters
(AWS's longest: a task group), so one match costs at most MAX_STATES × 256 steps.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    from re import _parser as sre  # type: ignore[attr-defined]
else:  # pragma: no cover - Python 3.10
    import sre_parse as sre

MAX_STATES = 2_000

# state kinds
_CHAR, _SPLIT, _ASSERT, _MATCH, _EMPTY = range(5)

_UNSUPPORTED = {
    "GROUPREF": "backreferences",
    "GROUPREF_EXISTS": "conditional groups",
    "ASSERT": "lookahead and lookbehind",
    "ASSERT_NOT": "lookahead and lookbehind",
    "ATOMIC_GROUP": "atomic groups",
    "POSSESSIVE_REPEAT": "possessive repeats",
}


class PatternError(ValueError):
    """A pattern this matcher refuses (too big, or beyond a finite automaton)."""


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _category(name: str, ascii_only: bool) -> Callable[[str], bool]:
    base: Callable[[str], bool]
    if "DIGIT" in name:
        base = str.isdecimal
    elif "SPACE" in name:
        base = str.isspace
    else:
        base = _is_word
    if ascii_only:
        inner = base
        base = lambda ch: ch.isascii() and inner(ch)  # noqa: E731
    if name.startswith("CATEGORY_NOT_"):
        positive = base
        return lambda ch: not positive(ch)
    return base


@dataclass(frozen=True, slots=True)
class _Flags:
    ignore_case: bool = False
    dot_all: bool = False
    multiline: bool = False
    ascii_only: bool = False

    def with_(self, add: int, remove: int) -> _Flags:
        def get(flag: int, now: bool) -> bool:
            return (now or bool(add & flag)) and not remove & flag

        return _Flags(
            get(sre.SRE_FLAG_IGNORECASE, self.ignore_case),
            get(sre.SRE_FLAG_DOTALL, self.dot_all),
            get(sre.SRE_FLAG_MULTILINE, self.multiline),
            get(sre.SRE_FLAG_ASCII, self.ascii_only),
        )


class Pattern:
    """A compiled pattern: `fullmatch(text)` is True when the whole text matches."""

    def __init__(self, text: str) -> None:
        self.text = text
        parsed: Any = sre.parse(text)  # raises re.error for bad syntax
        flags = _Flags().with_(parsed.state.flags, 0)
        self._kind: list[int] = []
        self._arg: list[Any] = []
        self._out: list[int] = []
        self._alt: list[int] = []
        match = self._new(_MATCH)
        self.start = self._sequence(list(parsed), match, flags)
        self._cache: dict[str, bool] = {}

    # --- building, back to front: each piece is given the state that follows it

    def _new(self, kind: int, arg: Any = None, out: int = -1, alt: int = -1) -> int:
        if len(self._kind) >= MAX_STATES:
            raise PatternError(
                f"the pattern needs more than {MAX_STATES} automaton states "
                "(large {n} repeats); write it shorter"
            )
        self._kind.append(kind)
        self._arg.append(arg)
        self._out.append(out)
        self._alt.append(alt)
        return len(self._kind) - 1

    def _sequence(self, items: list[tuple[Any, Any]], follow: int, flags: _Flags) -> int:
        for op, av in reversed(items):
            follow = self._item(op, av, follow, flags)
        return follow

    def _item(self, op: Any, av: Any, follow: int, flags: _Flags) -> int:
        name = str(op)
        if name in _UNSUPPORTED:
            raise PatternError(
                f"{_UNSUPPORTED[name]} can't be matched in bounded time, so the simulator "
                "doesn't accept them; write the pattern without"
            )
        if name == "LITERAL":
            return self._new(_CHAR, _literal(chr(av), flags), follow)
        if name == "NOT_LITERAL":
            same = _literal(chr(av), flags)
            return self._new(_CHAR, lambda ch: not same(ch), follow)
        if name == "ANY":
            dot_all = flags.dot_all
            return self._new(_CHAR, lambda ch: dot_all or ch != "\n", follow)
        if name == "IN":
            return self._new(_CHAR, _charset(av, flags), follow)
        if name == "AT":
            return self._new(_ASSERT, (str(av), flags.multiline, flags.ascii_only), follow)
        if name == "SUBPATTERN":
            _group, add, remove, body = av
            return self._sequence(list(body), follow, flags.with_(add, remove))
        if name == "BRANCH":
            _, alternatives = av
            starts = [self._sequence(list(branch), follow, flags) for branch in alternatives]
            entry = starts[-1]
            for start in reversed(starts[:-1]):
                entry = self._new(_SPLIT, None, start, entry)
            return entry
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, body = av
            if low > MAX_STATES or (high != sre.MAXREPEAT and high > MAX_STATES):
                raise PatternError(
                    f"a repeat of more than {MAX_STATES} can't be matched in bounded time; "
                    "write a smaller count"
                )
            items = list(body)
            if high == sre.MAXREPEAT:
                # a loop: try the body again, or go on
                loop = self._new(_SPLIT, None, -1, follow)
                self._out[loop] = self._sequence(items, loop, flags)
                follow = loop
            else:
                for _ in range(high - low):  # optional copies
                    body_start = self._sequence(items, follow, flags)
                    follow = self._new(_SPLIT, None, body_start, follow)
            for _ in range(low):
                follow = self._sequence(items, follow, flags)
            return follow
        raise PatternError(f"the regex construct {name} isn't supported by the simulator")

    # --- matching

    def fullmatch(self, text: str) -> bool:
        known = self._cache.get(text)
        if known is None:
            known = self._run(text)
            if len(self._cache) < 10_000:
                self._cache[text] = known
        return known

    def _run(self, text: str) -> bool:
        kinds, args, outs = self._kind, self._arg, self._out
        current = self._closure([self.start], text, 0)
        for position, ch in enumerate(text):
            moved = [outs[s] for s in current if kinds[s] == _CHAR and args[s](ch)]
            if not moved:
                return False
            current = self._closure(moved, text, position + 1)
        return any(kinds[s] == _MATCH for s in current)

    def _closure(self, states: list[int], text: str, position: int) -> list[int]:
        """The states reachable without reading a character, at `position`."""
        kinds, args, outs, alts = self._kind, self._arg, self._out, self._alt
        seen: set[int] = set()
        found: list[int] = []
        stack = list(reversed(states))
        while stack:
            state = stack.pop()
            if state in seen:
                continue
            seen.add(state)
            kind = kinds[state]
            if kind == _SPLIT:
                stack.append(alts[state])
                stack.append(outs[state])
            elif kind == _ASSERT:
                if _holds(args[state], text, position):
                    stack.append(outs[state])
            else:
                found.append(state)
        return found


def _literal(ch: str, flags: _Flags) -> Callable[[str], bool]:
    if flags.ignore_case and ch.lower() != ch.upper():
        variants = {ch, ch.lower(), ch.upper()}
        return lambda other: other in variants or other.lower() in variants
    return ch.__eq__


def _charset(items: list[tuple[Any, Any]], flags: _Flags) -> Callable[[str], bool]:
    negate = False
    tests: list[Callable[[str], bool]] = []
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            tests.append(_literal(chr(av), flags))
        elif name == "RANGE":
            tests.append(_in_range(*av))
        elif name == "CATEGORY":
            tests.append(_category(str(av), flags.ascii_only))
        else:
            raise PatternError(f"the character-class item {name} isn't supported")
    if flags.ignore_case:
        exact = tests
        tests = [
            lambda ch: any(t(v) for t in exact for v in {ch, ch.lower(), ch.upper()}),
        ]

    def test(ch: str) -> bool:
        return any(t(ch) for t in tests) != negate

    return test


def _in_range(low: int, high: int) -> Callable[[str], bool]:
    return lambda ch: low <= ord(ch) <= high


def _holds(at: tuple[str, bool, bool], text: str, position: int) -> bool:
    """`^`, `$`, `\\A`, `\\Z`, `\\b`, `\\B` at `position` of `text`."""
    code, multiline, ascii_only = at
    end = len(text)
    if code == "AT_BEGINNING_STRING":
        return position == 0
    if code == "AT_END_STRING":
        return position == end
    if code in ("AT_BEGINNING", "AT_BEGINNING_LINE"):
        return position == 0 or (multiline and text[position - 1] == "\n")
    if code in ("AT_END", "AT_END_LINE"):
        if multiline:
            return position == end or text[position] == "\n"
        return position == end or (position == end - 1 and text[position] == "\n")
    word = _category("CATEGORY_WORD", ascii_only)
    before = position > 0 and word(text[position - 1])
    after = position < end and word(text[position])
    if code == "AT_BOUNDARY":
        return before != after
    if code == "AT_NON_BOUNDARY":
        return before == after
    raise PatternError(f"the anchor {code} isn't supported")
