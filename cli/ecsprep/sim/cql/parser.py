"""Recursive-descent parser for the Cluster Query Language.

One function per grammar rule, with the rule in its docstring
(`grep ':= ' parser.py` prints the grammar). `and` binds tighter than `or`
and `not` tighter than both; see docs/cql.md for every choice AWS leaves open.
"""

from __future__ import annotations

import re

from ecsprep.sim.cql.nodes import (
    ALLOWED,
    LISTS,
    PATTERNS,
    SPELLINGS,
    UNARY,
    And,
    Comparison,
    Expression,
    Node,
    Not,
    OperandError,
    Operator,
    Or,
    Subject,
)
from ecsprep.sim.cql.tokenizer import CqlSyntaxError, Token, Tokenizer

MAX_LENGTH = 2000  # AWS: "The maximum length is 2000 characters" (PlacementConstraint)
MAX_NAME_LENGTH = 128  # attribute names (PutAttributes)
MAX_DEPTH = 50  # nested `not` / parentheses; deeper would exhaust Python's stack
EXAMPLE = "attribute:ecs.instance-type == t2.small"

# `${Param}` (CloudFormation, Terraform), `{{ var }}` (Jinja, Ansible) and
# `<Name>` (prose in the AWS guide) are filled in before ECS sees the text.
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}?|\{\{.*?(?:\}\}|$)")
_ANGLE_PLACEHOLDER = re.compile(r"<[A-Za-z_][A-Za-z0-9_ ]*>")

_KEYWORDS = frozenset({"and", "or", "not"})
_SUBJECT_NAMES = tuple(subject.value for subject in Subject if subject is not Subject.ATTRIBUTE)
_OPERATOR_HINTS = {
    "=": "==",
    "<>": "!=",
    "~=": "=~",
    "=!": "!=",
    "=>": ">=",
    "=<": "<=",
    "!==": "!=",
    "===": "==",
    "eq": "equals",
    "ne": "not_equals",
    "gt": "greater_than",
    "ge": "greater_than_equal",
    "lt": "less_than",
    "le": "less_than_equal",
    "like": "=~",
    "not": "not_in",
}


def parse(text: str) -> Expression:
    """expression := or_expr END"""
    _refuse_unusable(text)
    tokens = Tokenizer(text)
    root = _or_expr(tokens, 0)
    if not tokens.at_end():
        raise _trailing(tokens)
    return Expression(text, root)


def _refuse_unusable(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise CqlSyntaxError(
            "expression too long",
            text,
            MAX_LENGTH + 1,
            f": AWS allows {MAX_LENGTH} characters and this one has {len(text)}",
        )
    if not text.strip():
        raise CqlSyntaxError("empty expression", text, 1, f": write a comparison such as {EXAMPLE}")
    found = _PLACEHOLDER.search(text)
    if found:
        raise _placeholder(text, found)


def _placeholder(text: str, found: re.Match[str]) -> CqlSyntaxError:
    return CqlSyntaxError(
        f"template placeholder {found.group()!r}",
        text,
        found.start() + 1,
        ": substitute a real value before simulating",
    )


def _trailing(tokens: Tokenizer) -> CqlSyntaxError:
    junk = tokens.peek("JUNK")
    assert junk is not None  # not at the end, so some character is there
    if junk.text == ")":
        return tokens.error("unexpected ')'", detail=": there is no '(' to close")
    hint = ""
    if junk.text.lower() in _KEYWORDS:
        hint = f" (keywords are lowercase: {junk.text.lower()!r})"
    return tokens.error(
        f"unexpected {junk.text!r}",
        detail=f": expected 'and', 'or' or the end of the expression{hint}",
    )


def _or_expr(tokens: Tokenizer, depth: int) -> Node:
    """or_expr := and_expr (("or" | "||") and_expr)*"""
    operands = [_and_expr(tokens, depth)]
    while tokens.read("OR"):
        operands.append(_and_expr(tokens, depth))
    return operands[0] if len(operands) == 1 else Or(tuple(operands))


def _and_expr(tokens: Tokenizer, depth: int) -> Node:
    """and_expr := not_expr (("and" | "&&") not_expr)*"""
    operands = [_not_expr(tokens, depth)]
    while tokens.read("AND"):
        operands.append(_not_expr(tokens, depth))
    return operands[0] if len(operands) == 1 else And(tuple(operands))


def _not_expr(tokens: Tokenizer, depth: int) -> Node:
    """not_expr := ("not" | "!") not_expr | "(" or_expr ")" | comparison"""
    if depth >= MAX_DEPTH and (tokens.peek("NOT") or tokens.peek("LPAREN")):
        raise tokens.error(f"expression nested more than {MAX_DEPTH} levels deep")
    if tokens.read("NOT"):
        return Not(_not_expr(tokens, depth + 1))
    opening = tokens.read("LPAREN")
    if opening is None:
        return _comparison(tokens)
    inside = _or_expr(tokens, depth + 1)
    if tokens.read("RPAREN") is None:
        if tokens.at_end():
            raise tokens.error("unclosed '('", opening.column, ": add the missing ')'")
        raise _trailing(tokens)
    return inside


def _comparison(tokens: Tokenizer) -> Node:
    """comparison := subject (unary_op | binary_op value | list_op list)"""
    subject, name, written = _subject(tokens)
    operator, spelled = _operator(tokens, written)
    if operator not in ALLOWED[subject]:
        allowed = " ".join(op.value for op in Operator if op in ALLOWED[subject])
        raise tokens.error(
            f"operator {spelled.text!r} cannot be used with {subject.value}",
            spelled.column,
            f"; use one of: {allowed}",
        )
    if operator in UNARY:
        arguments: list[Token] = []
    elif operator in LISTS:
        arguments = _list(tokens, spelled)
    else:
        arguments = [_value(tokens, spelled, "PATTERN" if operator in PATTERNS else "VALUE")]
    try:
        return Comparison(subject, operator, tuple(_unquoted(arg) for arg in arguments), name)
    except OperandError as exc:
        raise tokens.error(exc.problem, arguments[exc.index].column, exc.detail) from None


def _subject(tokens: Tokenizer) -> tuple[Subject, str, Token]:
    """subject := "agentConnected" | "agentVersion" | "ec2InstanceId" | "registeredAt"
    | "runningTasksCount" | "task:group" | "attribute:" NAME"""
    known = tokens.read("SUBJECT")
    if known:
        return Subject(known.text), "", known
    attribute = tokens.read("ATTRIBUTE")
    if attribute:
        return Subject.ATTRIBUTE, _attribute_name(tokens, attribute), attribute
    if tokens.peek("WRAPPER"):
        raise tokens.error(
            "'memberOf(...)' is the constraint type, not part of the expression",
            detail=f": write only the expression, e.g. {EXAMPLE}",
        )
    word = tokens.peek("WORD")
    if word is None:
        raise _no_subject(tokens)
    raise tokens.error(f"unknown subject {word.text!r}", detail=_subject_hint(word.text))


def _attribute_name(tokens: Tokenizer, attribute: Token) -> str:
    name = attribute.match.group("name")
    if not name:
        raise tokens.missing("expected an attribute name after 'attribute:'", attribute)
    if len(name) > MAX_NAME_LENGTH:
        raise tokens.error(
            f"attribute name longer than {MAX_NAME_LENGTH} characters",
            attribute.column + len("attribute:") + MAX_NAME_LENGTH,
        )
    return name


def _no_subject(tokens: Tokenizer) -> CqlSyntaxError:
    expected = f"expected a subject such as {EXAMPLE.split()[0]}"
    if tokens.at_end():
        # Only reachable after `and`, `or`, `not` or `(`: point at that word.
        column = len(tokens.source.rstrip())
        return tokens.error(expected, column)
    found = tokens.peek("JUNK")
    shown = f", found {found.text!r}" if found else ""
    return tokens.error(expected, detail=shown)


def _subject_hint(word: str) -> str:
    """'; did you mean …?' for a misspelt subject or a missing 'attribute:' prefix."""
    import difflib  # only errors need it; parsing valid text stays cheap to import

    if ":" not in word and any(mark in word for mark in "./-"):
        return f"; did you mean 'attribute:{word}'?"  # subject names have none of these
    by_case = [name for name in _SUBJECT_NAMES if name.lower() == word.lower()]
    close = by_case or difflib.get_close_matches(word, _SUBJECT_NAMES, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    prefix, colon, rest = word.partition(":")
    if colon and rest and difflib.get_close_matches(prefix, ["attribute"], cutoff=0.6):
        return f"; did you mean 'attribute:{rest}'?"
    if ":" not in word:
        return f"; did you mean 'attribute:{word}'?"
    return "; subjects are attribute:<name>, " + ", ".join(_SUBJECT_NAMES)


def _operator(tokens: Tokenizer, subject: Token) -> tuple[Operator, Token]:
    """unary_op := "exists" | "!exists" | "not_exists"
    binary_op := "==" | "equals" | "!=" | "not_equals" | ">" | "greater_than" | ">="
    | "greater_than_equal" | "<" | "less_than" | "<=" | "less_than_equal"
    | "=~" | "matches" | "!~" | "not_matches"
    list_op := "in" | "!in" | "not_in\""""
    spelled = tokens.read("OPERATOR")
    if spelled:
        return SPELLINGS[spelled.text], spelled
    if tokens.at_end():
        raise tokens.missing(f"expected an operator after {subject.text!r}", subject)
    unknown = tokens.peek("ANY_OPERATOR")
    if unknown is None:
        raise tokens.missing(f"expected an operator after {subject.text!r}", subject)
    raise tokens.error(f"unknown operator {unknown.text!r}", detail=_operator_hint(unknown.text))


def _operator_hint(word: str) -> str:
    import difflib  # only errors need it

    close = _OPERATOR_HINTS.get(word.lower())
    if close is None:
        found = difflib.get_close_matches(word, list(SPELLINGS), n=1, cutoff=0.6)
        close = found[0] if found else None
    if close is not None:
        return f"; did you mean {close!r}?"
    return "; operators are " + " ".join(op.value for op in Operator)


def _list(tokens: Tokenizer, spelled: Token) -> list[Token]:
    """list := "[" value ("," value)* "]\""""
    opening = tokens.read("LBRACKET")
    if opening is None:
        raise tokens.missing(f"expected a list such as [a, b] after {spelled.text!r}", spelled)
    values = [_value(tokens, opening, "VALUE", in_list=True)]
    while (comma := tokens.read("COMMA")) is not None:
        values.append(_value(tokens, comma, "VALUE", in_list=True))
    if tokens.read("RBRACKET") is None:
        if tokens.at_end():
            raise tokens.error("unclosed '['", opening.column, ": add the missing ']'")
        raise tokens.missing("expected ',' or ']' in the list", values[-1])
    return values


def _value(tokens: Tokenizer, after: Token, rule: str, in_list: bool = False) -> Token:
    """value := "'" chars "'" | '"' chars '"' | bare"""
    place = "in the list" if in_list else f"after {after.text!r}"
    quoted = tokens.read("QUOTED")
    if quoted:
        return quoted
    opening = tokens.peek("OPEN_QUOTE")
    if opening:
        raise tokens.error(f"unclosed {opening.text} quote", opening.column)
    bare = tokens.peek(rule)
    if bare is None or bare.text in _KEYWORDS:
        raise tokens.missing(f"expected a value {place}", after)
    angle = _ANGLE_PLACEHOLDER.search(bare.text)
    if angle:
        raise CqlSyntaxError(
            f"template placeholder {angle.group()!r}",
            tokens.source,
            bare.column + angle.start(),
            ": substitute a real value before simulating",
        )
    return tokens.read(rule) or bare


def _unquoted(token: Token) -> str:
    if token.rule != "QUOTED":
        return token.text
    single = token.match.group("single")
    return single if single is not None else token.match.group("double")
