"""The content model's own rules: the count hint, option lookup, the first definition wins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ecsprep.packs.model import Library, Option, Pack, Question, QuestionType, Term, Topic

Q = Question(
    id="q",
    topics=("a", "b"),
    type=QuestionType.MULTIPLE,
    stem="Which two?",
    options=tuple(Option(key=k, text=k, why=k) for k in "ABCD"),
    answer=frozenset({"A", "B"}),
    explanation="x",
    choose=2,
)


@pytest.mark.parametrize(
    ("qtype", "stem", "hint"),
    [
        (QuestionType.MULTIPLE, "Which two?", True),
        (QuestionType.MULTIPLE, "Which two? (Choose two.)", False),
        (QuestionType.MULTIPLE, "Which two? (CHOOSE TWO.)", False),
        (QuestionType.MULTIPLE, "Which two? Choose two.", True),  # not the exam's "(Choose"
        (QuestionType.SINGLE, "Which one?", False),
    ],
)
def test_a_multiple_question_needs_the_count_hint_unless_its_stem_says_it(
    qtype: QuestionType, stem: str, hint: bool
) -> None:
    assert replace(Q, type=qtype, stem=stem).needs_count_hint is hint


def test_an_option_is_found_by_its_letter() -> None:
    assert Q.option("C").text == "C"
    assert Q.option("A").key == "A"
    with pytest.raises(KeyError):
        Q.option("E")


def test_the_first_definition_of_an_id_wins_across_packs() -> None:
    first = Pack(
        id="one",
        title="One",
        version="1",
        topics=(Topic(id="t", title="First", notes="n"),),
        glossary=(Term(term="x", definition="first", topic="t"),),
        questions=(Q,),
    )
    second = Pack(
        id="two",
        title="Two",
        version="1",
        topics=(Topic(id="t", title="Second", notes="n"), Topic(id="u", title="U", notes="n")),
        glossary=(Term(term="x", definition="second", topic="t"),),
        questions=(replace(Q, stem="Second"), replace(Q, id="r", topics=("b",))),
    )
    library = Library.of((first, second))
    assert library.packs == (first, second)
    assert (library.topics["t"].title, library.topics["u"].title) == ("First", "U")
    assert library.terms["x"].definition == "first"
    assert library.questions["q"].stem == "Which two?"
    assert [q.id for q in library.questions_on("b")] == ["q", "r"]
    assert [q.id for q in library.questions_on("a")] == ["q"]
    assert library.questions_on("zzz") == ()
