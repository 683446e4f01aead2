"""CloudWatch metric math, the arithmetic part: `m1 / m2`, `(m1 + m2) * 100`.

A target tracking policy's CustomizedMetricSpecification can compute its metric
with metric math (Metrics: a list of metric data queries, one of them an
Expression that the others' Ids feed). ecsprep evaluates the arithmetic
operators + - * / with parentheses and numbers; CloudWatch's functions
(SUM, METRICS(), FILL…) are not modelled and are refused with that reason.
Division by zero gives no datapoint, as CloudWatch drops such values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ecsprep.sim.documents import Where

# A number, an Id, or any other character; spaces (leading, trailing, between) are skipped.
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\S))")
_NOT_MODELLED = "ecsprep's metric math evaluates + - * / and parentheses over metric Ids"


@dataclass(frozen=True, slots=True)
class Number:
    value: float


@dataclass(frozen=True, slots=True)
class Ref:
    id: str


@dataclass(frozen=True, slots=True)
class Op:
    op: str  # + - * / or "neg"
    left: Expr
    right: Expr | None = None


Expr = Number | Ref | Op


def parse_expression(text: str, where: Where) -> Expr:
    tokens = _tokens(text, where)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = tokens[position]
        position += 1
        return token

    def sum_() -> Expr:
        node = product()
        while peek() in ("+", "-"):
            op = take()
            node = Op(op, node, product())
        return node

    def product() -> Expr:
        node = unary()
        while peek() in ("*", "/"):
            op = take()
            node = Op(op, node, unary())
        return node

    def unary() -> Expr:
        if peek() == "-":
            take()
            return Op("neg", unary())
        return atom()

    def atom() -> Expr:
        token = peek()
        if token is None:
            raise where.refuse(f"expression {text!r} ends too soon")
        take()
        if token == "(":
            node = sum_()
            if peek() != ")":
                raise where.refuse(f"expression {text!r}: a ( is never closed")
            take()
            return node
        if token[0].isdigit() or token[0] == ".":
            return Number(float(token))
        if token[0].isalpha() or token[0] == "_":
            return Ref(token)
        raise where.refuse(f"expression {text!r}: unexpected {token!r}")

    node = sum_()
    if peek() is not None:
        raise where.refuse(f"expression {text!r}: unexpected {peek()!r}")
    return node


def _tokens(text: str, where: Where) -> list[str]:
    """The tokens, left to right; the first thing not modelled (a function call, a
    character that is no operator) is refused where it comes."""
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        number, name, other = match.groups()
        if other is not None and other not in "+-*/()":
            raise where.refuse(f"expression {text!r}: {other!r} is not modelled", _NOT_MODELLED)
        if other == "(" and found and (found[-1][0].isalpha() or found[-1][0] == "_"):
            raise where.refuse(
                f"expression {text!r}: the function {found[-1]}() is not modelled", _NOT_MODELLED
            )
        found.append(number or name or other)
    if not found:
        raise where.refuse("the expression is empty")
    return found


def references(node: Expr) -> set[str]:
    if isinstance(node, Ref):
        return {node.id}
    if isinstance(node, Op):
        return references(node.left) | (references(node.right) if node.right else set())
    return set()


def evaluate(node: Expr, values: Mapping[str, float | None]) -> float | None:
    """The expression's value; None when a metric has no datapoint or a division by 0."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Ref):
        return values.get(node.id)
    left = evaluate(node.left, values)
    if node.op == "neg":
        return None if left is None else -left
    assert node.right is not None
    right = evaluate(node.right, values)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    return None if right == 0 else left / right


def show(node: Expr) -> str:
    if isinstance(node, Number):
        return f"{node.value:g}"
    if isinstance(node, Ref):
        return node.id
    if node.op == "neg":
        return f"-{show(node.left)}"
    assert node.right is not None
    return f"({show(node.left)} {node.op} {show(node.right)})"
