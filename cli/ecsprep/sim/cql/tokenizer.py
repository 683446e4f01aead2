"""Context-sensitive tokenizer for CQL, and the syntax error it reports.

There is no separate lexing pass: the parser asks "is the next token an X?"
and the tokenizer tries only rule X at the current position (the design of
pypa/packaging's marker parser). That is what lets a bare value such as
`t2.*`, `service:production` or `us-east-1a` be read as one value without a
global rule deciding whether `:` or `-` or `.` starts a new token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ecsprep.errors import InputError

# Characters of an attribute name (PutAttributes: letters, digits, - _ / \ .).
NAME_CHARS = r"A-Za-z0-9_./\\\-"
_END_OF_WORD = rf"(?![{NAME_CHARS}:])"

# A bare value runs until whitespace, a list or group bracket, a quote, a comma,
# or a Boolean `&&` / `||`. Single `&` and `|` stay inside (regex alternation).
_BARE = r"""(?:[^\s,()\[\]'"&|]|&(?!&)|\|(?!\|))+"""
# A bare regex may also hold [ ] and , (character classes, {1,3}); parentheses
# still end it because they group Boolean expressions: quote regexes that use them.
_BARE_PATTERN = r"""(?:[^\s()'"&|]|&(?!&)|\|(?!\|))+"""

RULES: Mapping[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "SPACE": r"\s+",
        "OR": rf"\|\||or{_END_OF_WORD}",
        "AND": rf"&&|and{_END_OF_WORD}",
        "NOT": rf"not{_END_OF_WORD}|!(?![=~])",
        "LPAREN": r"\(",
        "RPAREN": r"\)",
        "LBRACKET": r"\[",
        "RBRACKET": r"\]",
        "COMMA": r",",
        "SUBJECT": (
            rf"(?:agentConnected|agentVersion|ec2InstanceId|registeredAt|runningTasksCount"
            rf"|task:group){_END_OF_WORD}"
        ),
        "ATTRIBUTE": rf"attribute:(?P<name>[{NAME_CHARS}]*)",
        "WRAPPER": r"memberOf\s*\(",
        "WORD": rf"[{NAME_CHARS}:]+",
        # Longest spelling first, so `!=` is never `!` then `=`, nor `>=` `>` then `=`.
        "OPERATOR": (
            r"==|!=|>=|<=|=~|!~|!exists(?![\w])|!in(?![\w])|>|<"
            r"|(?:equals|not_equals|greater_than_equal|greater_than|less_than_equal|less_than"
            r"|not_exists|exists|not_in|in|not_matches|matches)(?![\w])"
        ),
        "ANY_OPERATOR": r"""[^\s\[\]()'"]+""",
        "QUOTED": r"""'(?P<single>[^']*)'|"(?P<double>[^"]*)\"""",
        "OPEN_QUOTE": r"""['"]""",
        "VALUE": _BARE,
        "PATTERN": _BARE_PATTERN,
        "JUNK": r"""[^\s]+?(?=\s|$|[()\[\]'",])|[()\[\]'",]""",
    }.items()
}


class CqlSyntaxError(InputError):
    """An expression that cannot be parsed, with the place that is wrong.

    `str(err)` is three lines: the message, the expression, and a caret under
    the column, so a person sees where to look without counting characters.
    """

    def __init__(self, problem: str, source: str, column: int, detail: str = "") -> None:
        super().__init__(f"{problem} at column {column}{detail}")
        self.source = source
        self.column = column  # 1-based

    def __str__(self) -> str:
        line, caret = self.excerpt()
        return f"{self.message}\n{line}\n{' ' * (caret - 1)}^"

    def excerpt(self, width: int = 100) -> tuple[str, int]:
        """The source (cut to `width` characters around the column, marked
        with …, when longer) and the caret's 1-based column in it."""
        if len(self.source) <= width:
            return self.source, self.column
        start = max(0, min(self.column - 1 - width // 2, len(self.source) - width))
        end = start + width
        before = "…" if start > 0 else ""
        after = "…" if end < len(self.source) else ""
        return before + self.source[start:end] + after, self.column - start + len(before)


@dataclass(frozen=True, slots=True)
class Token:
    rule: str
    text: str
    column: int  # 1-based column of the first character
    match: re.Match[str]


class Tokenizer:
    """Reads one token of a named kind at a time, skipping whitespace before it."""

    def __init__(self, source: str, rules: Mapping[str, re.Pattern[str]] = RULES) -> None:
        self.source = source
        self.rules = rules
        self.position = 0  # 0-based index of the next unread character

    def skip_space(self) -> None:
        found = self.rules["SPACE"].match(self.source, self.position)
        if found:
            self.position = found.end()

    def peek(self, rule: str) -> Token | None:
        """The token of kind `rule` at the next non-space position, without reading it."""
        self.skip_space()
        found = self.rules[rule].match(self.source, self.position)
        if found is None or found.end() == found.start():
            return None
        return Token(rule, found.group(), found.start() + 1, found)

    def read(self, rule: str) -> Token | None:
        """Like `peek`, but moves past the token when there is one."""
        token = self.peek(rule)
        if token is not None:
            self.position = token.match.end()
        return token

    def at_end(self) -> bool:
        self.skip_space()
        return self.position >= len(self.source)

    @property
    def column(self) -> int:
        """1-based column of the next unread character (after any whitespace)."""
        self.skip_space()
        return self.position + 1

    def error(self, problem: str, column: int | None = None, detail: str = "") -> CqlSyntaxError:
        return CqlSyntaxError(
            problem, self.source, self.column if column is None else column, detail
        )

    def missing(self, problem: str, after: Token, detail: str = "") -> CqlSyntaxError:
        """An error for something absent: points at what is there instead, or,
        at the end of the text, under the last character of `after`, so the
        caret never points past the expression."""
        if self.at_end():
            return self.error(problem, after.column + len(after.text) - 1, detail)
        found = self.peek("JUNK")
        shown = f", found {found.text!r}" if found else ""
        return self.error(problem, None, shown + detail)
