"""CQL written back as text (sim/cql/render.py): values that must be quoted, grouping, and the
one value CQL cannot write. Each text parses back to the tree it was written from."""

from __future__ import annotations

import pytest

from ecsprep.sim.cql import And, Comparison, Not, Operator, Or, Subject, parse, render

A = Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("a",), "x")
B = Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("b",), "y")
C = Comparison(Subject.RUNNING_TASKS_COUNT, Operator.LESS_THAN, ("3",))


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        (A, "attribute:x == a"),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("and",), "x"), "attribute:x == 'and'"),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("or",), "x"), "attribute:x == 'or'"),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("not",), "x"), "attribute:x == 'not'"),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("<A>",), "x"), "attribute:x == '<A>'"),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("a b",), "x"), "attribute:x == 'a b'"),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("",), "x"), "attribute:x == ''"),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("it's",), "x"), 'attribute:x == "it\'s"'),
        (
            Comparison(Subject.ATTRIBUTE, Operator.IN, ("m5.large", "t 2", "or"), "x"),
            "attribute:x in [m5.large, 't 2', 'or']",
        ),
        (Comparison(Subject.ATTRIBUTE, Operator.EXISTS, (), "gpu"), "attribute:gpu exists"),
        (Comparison(Subject.ATTRIBUTE, Operator.NOT_EXISTS, (), "gpu"), "attribute:gpu !exists"),
        (Comparison(Subject.ATTRIBUTE, Operator.MATCHES, ("t2.*",), "x"), "attribute:x =~ t2.*"),
        # a regex may hold [ ] and , bare; a value may not
        (
            Comparison(Subject.ATTRIBUTE, Operator.MATCHES, ("[a-z]+",), "x"),
            "attribute:x =~ [a-z]+",
        ),
        (
            Comparison(Subject.ATTRIBUTE, Operator.NOT_MATCHES, ("a{1,3}",), "x"),
            "attribute:x !~ a{1,3}",
        ),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("a,b",), "x"), "attribute:x == 'a,b'"),
        (Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("[a]",), "x"), "attribute:x == '[a]'"),
        (
            Comparison(Subject.TASK_GROUP, Operator.NOT_EQUALS, ("service:a",)),
            "task:group != service:a",
        ),
        (C, "runningTasksCount < 3"),
        (Not(A), "not(attribute:x == a)"),
        (And((A, B)), "attribute:x == a and attribute:y == b"),
        (Or((A, B)), "attribute:x == a or attribute:y == b"),
        (And((Or((A, B)), C)), "(attribute:x == a or attribute:y == b) and runningTasksCount < 3"),
        (
            And((C, And((A, B)))),
            "runningTasksCount < 3 and (attribute:x == a and attribute:y == b)",
        ),
        (Or((And((A, B)), C)), "attribute:x == a and attribute:y == b or runningTasksCount < 3"),
        (Or((C, Or((A, B)))), "runningTasksCount < 3 or (attribute:x == a or attribute:y == b)"),
        (
            Or((Not(And((A, B))), C)),
            "not(attribute:x == a and attribute:y == b) or runningTasksCount < 3",
        ),
    ],
)
def test_render_writes_cql_that_parses_back(tree: object, text: str) -> None:
    assert render(tree) == text  # type: ignore[arg-type]
    assert parse(text).root == tree


def test_a_value_with_both_quote_characters_cannot_be_written() -> None:
    value = """it's "x\""""
    with pytest.raises(ValueError, match="both quote characters") as caught:
        render(Comparison(Subject.ATTRIBUTE, Operator.EQUALS, (value,), "x"))
    assert str(caught.value) == f"CQL cannot write a value holding both quote characters: {value!r}"
