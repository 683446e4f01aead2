"""The content model's own rules: the count hint, option lookup, the first definition wins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ecsprep.packs.model import (
    Library,
    Option,
    Pack,
    Question,
    QuestionEntry,
    QuestionType,
    Term,
    Topic,
)

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
    with pytest.raises(KeyError) as missing:
        Q.option("E")
    assert missing.value.args == ("E",)  # the error names the letter asked for


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


def test_the_notes_list_each_question_by_id_topics_terms_and_check() -> None:
    checked = replace(Q, id="r", topics=("b",), terms=("x",), check={"scenario": "s"})
    pack = Pack(
        id="p",
        title="P",
        version="1",
        topics=(Topic(id="a", title="A", notes="n"), Topic(id="b", title="B", notes="n")),
        glossary=(Term(term="x", definition="d", topic="a"),),
        questions=(Q, checked),
    )
    library = Library.of((pack,))
    notes = library.notes()
    assert notes.topics == library.topics
    assert notes.terms == library.terms
    assert notes.questions == (
        QuestionEntry(id="q", topics=("a", "b"), terms=(), checked=False),
        QuestionEntry(id="r", topics=("b",), terms=("x",), checked=True),
    )
    assert [q.id for q in notes.questions_on("b")] == ["q", "r"]
    assert [q.id for q in notes.questions_on("a")] == ["q"]
    assert notes.questions_on("zzz") == ()
