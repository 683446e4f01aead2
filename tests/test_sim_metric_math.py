"""CloudWatch metric math's arithmetic (sim/metric_math.py): + - * / with parentheses over
numbers and metric Ids, the usual precedence (unary minus, then * and /, then + and -, each
left to right), no datapoint when a metric has none or a division by zero, and CloudWatch's
functions refused as not modelled. A case table, and a property that prints random trees,
parses them back and recomputes their value with fractions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.metric_math import (
    Expr,
    Number,
    Op,
    Ref,
    evaluate,
    parse_expression,
    references,
    show,
)

WHERE = Where("policy.json", "Metrics[2].Expression")
VALUES = {"m1": 6.0, "m2": 3.0, "zero": 0.0, "gap": None}
NOT_MODELLED = "ecsprep's metric math evaluates + - * / and parentheses over metric Ids"

# text, its value over VALUES (None: no datapoint), the tree shown fully parenthesised,
# the Ids it reads
VALUED = [
    ("m1 / m2", 2.0, "(m1 / m2)", {"m1", "m2"}),
    ("(m1 + m2) * 100", 900.0, "((m1 + m2) * 100)", {"m1", "m2"}),
    ("m1 + m2 * 100", 306.0, "(m1 + (m2 * 100))", {"m1", "m2"}),
    ("m1 - m2 - 1", 2.0, "((m1 - m2) - 1)", {"m1", "m2"}),
    ("m1 / m2 / 2", 1.0, "((m1 / m2) / 2)", {"m1", "m2"}),
    ("m1 - m2 + 1", 4.0, "((m1 - m2) + 1)", {"m1", "m2"}),
    ("m1 * m2 / 9", 2.0, "((m1 * m2) / 9)", {"m1", "m2"}),
    ("m1 * (m2 - 1)", 12.0, "(m1 * (m2 - 1))", {"m1", "m2"}),
    ("-m1 * 2", -12.0, "(-m1 * 2)", {"m1"}),
    ("- -m1", 6.0, "--m1", {"m1"}),
    ("m1 - -m2", 9.0, "(m1 - -m2)", {"m1", "m2"}),
    ("m1 * -1", -6.0, "(m1 * -1)", {"m1"}),
    ("2.5 * 2", 5.0, "(2.5 * 2)", set()),
    (".5 + 1.", 1.5, "(0.5 + 1)", set()),
    ("  m1+m2  ", 9.0, "(m1 + m2)", {"m1", "m2"}),
    ("m1\t*\nm2", 18.0, "(m1 * m2)", {"m1", "m2"}),
    ("((m1))", 6.0, "m1", {"m1"}),
    ("_x1 + 1", None, "(_x1 + 1)", {"_x1"}),  # an Id with no metric behind it
    ("m1 / zero", None, "(m1 / zero)", {"m1", "zero"}),
    ("zero / m1", 0.0, "(zero / m1)", {"m1", "zero"}),
    ("m1 / (m2 - 3)", None, "(m1 / (m2 - 3))", {"m1", "m2"}),
    ("gap + 1", None, "(gap + 1)", {"gap"}),
    ("1 + gap", None, "(1 + gap)", {"gap"}),
    ("gap * 0", None, "(gap * 0)", {"gap"}),
    ("-gap", None, "-gap", {"gap"}),
    ("m1 / gap", None, "(m1 / gap)", {"gap", "m1"}),
    ("gap / 0", None, "(gap / 0)", {"gap"}),
    ("0 - m1", -6.0, "(0 - m1)", {"m1"}),
    ("100", 100.0, "100", set()),
    ("m1 / m2 \n", 2.0, "(m1 / m2)", {"m1", "m2"}),  # YAML's folded text ends so
]


@pytest.mark.parametrize(
    ("text", "value", "shown", "ids"),
    VALUED,
    ids=[case[0] for case in VALUED],
)
def test_an_expression_its_value_and_how_it_reads(
    text: str, value: float | None, shown: str, ids: set[str]
) -> None:
    node = parse_expression(text, WHERE)
    assert evaluate(node, VALUES) == value
    assert show(node) == shown
    assert references(node) == ids


@pytest.mark.parametrize(
    ("text", "error", "hint"),
    [
        ("", "the expression is empty", None),
        ("   ", "the expression is empty", None),
        ("m1 +", "expression 'm1 +' ends too soon", None),
        ("-", "expression '-' ends too soon", None),
        ("(m1 + m2", "expression '(m1 + m2': a ( is never closed", None),
        ("(m1 + m2 m1)", "expression '(m1 + m2 m1)': a ( is never closed", None),
        ("m1 m2", "expression 'm1 m2': unexpected 'm2'", None),
        ("m1)", "expression 'm1)': unexpected ')'", None),
        ("()", "expression '()': unexpected ')'", None),
        ("* m1", "expression '* m1': unexpected '*'", None),
        ("m1 + / m2", "expression 'm1 + / m2': unexpected '/'", None),
        ("1e5", "expression '1e5': unexpected 'e5'", None),
        ("1.2.3", "expression '1.2.3': unexpected '.3'", None),
        ("SUM(m1)", "expression 'SUM(m1)': the function SUM() is not modelled", NOT_MODELLED),
        (
            "m1 + FILL (m1, 0)",
            "expression 'm1 + FILL (m1, 0)': the function FILL() is not modelled",
            NOT_MODELLED,
        ),
        ("m1 % 2", "expression 'm1 % 2': '%' is not modelled", NOT_MODELLED),
        ("(m1 % 2)", "expression '(m1 % 2)': '%' is not modelled", NOT_MODELLED),
        # the first thing not modelled, reading left to right
        ("m1 % FILL(m1)", "expression 'm1 % FILL(m1)': '%' is not modelled", NOT_MODELLED),
        (
            "FILL(m1) % 2",
            "expression 'FILL(m1) % 2': the function FILL() is not modelled",
            NOT_MODELLED,
        ),
        (
            "IF(m1 > 2, m1, 0)",
            "expression 'IF(m1 > 2, m1, 0)': the function IF() is not modelled",
            NOT_MODELLED,
        ),
        (
            "METRICS()",
            "expression 'METRICS()': the function METRICS() is not modelled",
            NOT_MODELLED,
        ),
        ("m1 * _f(2)", "expression 'm1 * _f(2)': the function _f() is not modelled", NOT_MODELLED),
        ("2 (m1)", "expression '2 (m1)': unexpected '('", None),
        ("m1 ^ 2", "expression 'm1 ^ 2': '^' is not modelled", NOT_MODELLED),
        ("m1 , m2", "expression 'm1 , m2': ',' is not modelled", NOT_MODELLED),
        ("m1 + 1 =", "expression 'm1 + 1 =': '=' is not modelled", NOT_MODELLED),
    ],
)
def test_what_is_refused(text: str, error: str, hint: str | None) -> None:
    with pytest.raises(InputError) as caught:
        parse_expression(text, WHERE)
    assert str(caught.value) == f"policy.json Metrics[2].Expression: {error}"
    assert caught.value.hint == hint


# --- random trees, printed, parsed back and recomputed ---------------------------------

IDS = ["m1", "m2", "zero", "gap"]
EXACT = {"m1": Fraction(6), "m2": Fraction(3), "zero": Fraction(0), "gap": None}

LEAVES = st.sampled_from(IDS).map(Ref) | st.integers(0, 20).map(lambda n: Number(float(n)))
TREES = st.recursive(
    LEAVES,
    lambda inner: (
        st.tuples(st.sampled_from("+-*/"), inner, inner).map(lambda t: Op(*t))
        | inner.map(lambda node: Op("neg", node))
    ),
    max_leaves=8,
)


def _text(node: Expr, spaced: bool) -> str:
    """Printed with only the parentheses a reader needs: always around a binary operation
    under another operator, never around a leaf."""
    if isinstance(node, Number):
        return str(int(node.value))
    if isinstance(node, Ref):
        return node.id
    if node.op == "neg":
        inner = _text(node.left, spaced)
        return f"-{inner}" if isinstance(node.left, (Number, Ref)) else f"-({inner})"
    assert node.right is not None
    gap = " " if spaced else ""
    return f"({_text(node.left, spaced)}{gap}{node.op}{gap}{_text(node.right, spaced)})"


def _exact(node: Expr) -> Fraction | None:
    if isinstance(node, Number):
        return Fraction(int(node.value))
    if isinstance(node, Ref):
        return EXACT[node.id]
    left = _exact(node.left)
    if node.op == "neg":
        return None if left is None else -left
    assert node.right is not None
    right = _exact(node.right)
    if left is None or right is None:
        return None
    if node.op == "/":
        return None if right == 0 else left / right
    return {"+": left + right, "-": left - right, "*": left * right}[node.op]


def _ids(node: Expr) -> set[str]:
    if isinstance(node, Ref):
        return {node.id}
    if isinstance(node, Op):
        return _ids(node.left) | (_ids(node.right) if node.right is not None else set())
    return set()


@given(TREES, st.booleans())
def test_a_printed_tree_parses_back_to_its_value(tree: Expr, spaced: bool) -> None:
    node = parse_expression(_text(tree, spaced), WHERE)
    want = _exact(tree)
    got = evaluate(node, {k: None if v is None else float(v) for k, v in EXACT.items()})
    if want is None:
        assert got is None
    else:
        assert got is not None
        assert got == pytest.approx(float(want), rel=1e-9, abs=1e-9)
    assert references(node) == _ids(tree)


@given(st.lists(st.sampled_from("+-*/"), min_size=1, max_size=6), st.data())
def test_a_chain_without_parentheses_reads_left_to_right_products_first(
    ops: list[str], data: st.DataObject
) -> None:
    numbers = data.draw(st.lists(st.integers(1, 9), min_size=len(ops) + 1, max_size=len(ops) + 1))
    text = " ".join(f"{n} {op}" for n, op in zip(numbers, ops, strict=False)) + f" {numbers[-1]}"
    # products and quotients first, left to right, then sums and differences
    terms: list[Fraction] = [Fraction(numbers[0])]
    signs: list[str] = []
    for op, n in zip(ops, numbers[1:], strict=True):
        if op == "*":
            terms[-1] *= n
        elif op == "/":
            terms[-1] /= n
        else:
            signs.append(op)
            terms.append(Fraction(n))
    total = terms[0]
    for sign, term in zip(signs, terms[1:], strict=True):
        total = total + term if sign == "+" else total - term
    got = evaluate(parse_expression(text, WHERE), {})
    assert got == pytest.approx(float(total), rel=1e-9, abs=1e-9)
