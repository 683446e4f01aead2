"""Write a syntax tree back as CQL text that parses to the same tree.

Used to show a normalised expression (symbols instead of word aliases, one
space around operators) in explanations, and by the round-trip property test.
"""

from __future__ import annotations

from ecsprep.sim.cql.nodes import LISTS, PATTERNS, UNARY, And, Comparison, Node, Not, Or, Subject
from ecsprep.sim.cql.tokenizer import RULES

_KEYWORDS = frozenset({"and", "or", "not"})


def render(node: Node) -> str:
    """CQL text for `node`; raises ValueError for a value holding both quote kinds."""
    if isinstance(node, Comparison):
        return _comparison(node)
    if isinstance(node, Not):
        return f"not({render(node.operand)})"
    if isinstance(node, And):
        return " and ".join(_grouped(item, (And, Or)) for item in node.operands)
    return " or ".join(_grouped(item, (Or,)) for item in node.operands)


def _grouped(node: Node, needs_parentheses: tuple[type, ...]) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, needs_parentheses) else text


def _comparison(node: Comparison) -> str:
    subject = f"attribute:{node.name}" if node.subject is Subject.ATTRIBUTE else node.subject.value
    if node.operator in UNARY:
        return f"{subject} {node.operator.value}"
    if node.operator in LISTS:
        items = ", ".join(_value(argument, "VALUE") for argument in node.arguments)
        return f"{subject} {node.operator.value} [{items}]"
    rule = "PATTERN" if node.operator in PATTERNS else "VALUE"
    return f"{subject} {node.operator.value} {_value(node.arguments[0], rule)}"


def _value(text: str, rule: str) -> str:
    if RULES[rule].fullmatch(text) and text not in _KEYWORDS and "<" not in text:
        return text
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ValueError(f"CQL cannot write a value holding both quote characters: {text!r}")
