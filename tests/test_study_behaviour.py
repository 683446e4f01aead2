"""Behaviours of the study core that a learner meets: the score at the pass mark, the
per-topic breakdown, the spaced-repetition settings and queue, shuffling, drawing by
domain. Each expectation is worked out here from the rule, not copied from the code.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import EcsprepError, NotFoundError
from ecsprep.packs.model import Question
from ecsprep.study import schedule
from ecsprep.study.blueprint import Blueprint, Domain
from ecsprep.study.scoring import TopicScore, breakdown, scaled_score, score
from ecsprep.study.session import (
    Outcome,
    check_choice,
    content_hash,
    grade,
    in_order,
    pool,
    present,
    select,
    select_by_domains,
    shares,
)
from tests import quiz_library

LIB = quiz_library.library()
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


def graded(qid: str, outcome: Outcome, question: Question | None = None) -> object:
    shown = present(question or LIB.questions[qid], random.Random(0), shuffle=False)
    if outcome is Outcome.SKIPPED:
        return grade(shown, None, 1.0)
    right = shown.answer
    wrong = frozenset(set(shown.letters[: len(right) + 1]) - right) if right else right
    wrong = frozenset(sorted(wrong)[: len(right)])
    return grade(shown, right if outcome is Outcome.CORRECT else wrong, 1.0)


# --- the scaled score ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "total", "scaled", "passed"),
    [
        (31, 45, 720, True),  # exactly at the pass mark passes
        (30, 45, 700, False),
        (5, 7, 743, True),  # 742.86 rounds to the nearest point, not down
        (1, 3, 400, False),
        (2, 3, 700, False),
        (65, 65, 1000, True),
        (0, 65, 100, False),
    ],
)
def test_scaled_score_at_and_around_the_pass_mark(
    correct: int, total: int, scaled: int, passed: bool
) -> None:
    results = [graded("spread-az", Outcome.CORRECT)] * correct
    results += [graded("spread-az", Outcome.WRONG)] * (total - correct)
    result = score(results, 720)  # type: ignore[arg-type]
    assert result.scaled == scaled
    assert result.passed is passed


@given(st.integers(1, 200).flatmap(lambda t: st.tuples(st.integers(0, t), st.just(t))))
def test_scaled_score_is_the_nearest_point_on_the_line(pair: tuple[int, int]) -> None:
    correct, total = pair
    exact = 100 + Fraction(900 * correct, total)
    got = scaled_score(correct, total)
    assert abs(got - exact) <= Fraction(1, 2)
    if correct < total:
        assert got <= scaled_score(correct + 1, total)


def test_score_counts_right_wrong_and_skipped_apart() -> None:
    results = [
        graded("spread-az", Outcome.CORRECT),
        graded("ecr-login", Outcome.WRONG),
        graded("ecr-lifecycle", Outcome.WRONG),
        graded("fargate-two", Outcome.SKIPPED),
    ]
    result = score(results, 720, total=6)  # type: ignore[arg-type]
    assert (result.total, result.correct, result.wrong, result.skipped) == (6, 1, 2, 3)
    assert result.percent == 17  # 1 of 6
    assert score([], 720).percent == 0


def test_breakdown_counts_a_multi_topic_question_under_its_main_topic_only() -> None:
    two_topics = replace(LIB.questions["ecr-login"], topics=("ecr", "fargate"))
    results = [
        graded("ecr-login", Outcome.CORRECT, two_topics),
        graded("fargate-awsvpc", Outcome.WRONG),
        graded("fargate-two", Outcome.CORRECT),
        graded("spread-az", Outcome.WRONG),
        graded("binpack-fewest", Outcome.WRONG),
    ]
    topics = breakdown(results)  # type: ignore[arg-type]
    # weakest first: 0/2, 1/2, 1/1
    assert topics == (
        TopicScore("placement-strategies", 2, 0),
        TopicScore("fargate", 2, 1),
        TopicScore("ecr", 1, 1),
    )
    assert [t.percent for t in topics] == [0, 50, 100]
    assert TopicScore("x", 0, 0).percent == 0
    assert TopicScore("x", 3, 2).percent == 67


def test_breakdown_ties_are_in_topic_order_and_a_topicless_question_has_its_own_row() -> None:
    untitled = replace(LIB.questions["spread-az"], topics=())
    results = [
        graded("fargate-awsvpc", Outcome.CORRECT),
        graded("ecr-login", Outcome.CORRECT),
        graded("spread-az", Outcome.CORRECT, untitled),
    ]
    assert [t.topic for t in breakdown(results)] == ["", "ecr", "fargate"]  # type: ignore[arg-type]


# --- spaced repetition -----------------------------------------------------------------


@pytest.mark.parametrize("retention", [0.7, 0.85, 0.99])
def test_retention_from_0_70_to_0_99_is_accepted(retention: float) -> None:
    schedule.scheduler(schedule.Settings(desired_retention=retention))


@pytest.mark.parametrize("retention", [0.69, 0.995, 1.0, 1.5])
def test_retention_outside_0_70_to_0_99_is_refused_with_the_range(retention: float) -> None:
    with pytest.raises(ValueError, match=r"^desired retention must be between 0\.70 and 0\.99$"):
        schedule.scheduler(schedule.Settings(desired_retention=retention))


def _due_after_four_goods(sched: object) -> datetime:
    card = schedule.new_card("q", T0)
    now = T0
    for _ in range(4):
        card, _log = schedule.review(sched, card, Rating.Good, now, 5)  # type: ignore[arg-type]
        now = card.due
    return card.due


def test_long_intervals_are_fuzzed_by_default_so_cards_learnt_together_spread_out() -> None:
    random.seed(1)
    fuzzed = {_due_after_four_goods(schedule.scheduler(schedule.Settings())) for _ in range(20)}
    exact = {
        _due_after_four_goods(schedule.scheduler(schedule.Settings(), fuzz=False))
        for _ in range(20)
    }
    assert len(exact) == 1
    assert len(fuzzed) > 1


def test_a_new_card_is_due_now_and_has_the_questions_stable_id() -> None:
    card = schedule.new_card("spread-az", T0)
    assert card.due == T0
    assert card.last_review is None
    assert card.card_id == schedule.card_id("spread-az")
    assert 0 < card.card_id < 2**48


@pytest.mark.parametrize(
    ("seconds", "expected"), [(59.9, Rating.Good), (60.0, Rating.Good), (60.5, Rating.Hard)]
)
def test_a_right_answer_is_hard_only_when_slower_than_a_minute(
    seconds: float, expected: Rating
) -> None:
    assert schedule.rating(True, seconds) == expected
    assert schedule.rating(True, seconds, schedule.SelfRating.GOOD) == Rating.Good
    assert schedule.rating(False, seconds, schedule.SelfRating.EASY) == Rating.Again


def test_the_review_log_keeps_the_time_taken_in_milliseconds() -> None:
    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    card, log = schedule.review(sched, schedule.new_card("q", T0), Rating.Good, T0, 2.5)
    assert log.review_duration == 2500
    assert log.rating == Rating.Good
    assert card.last_review == T0


def _reviewed(qid: str, due: datetime) -> object:
    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    card, _ = schedule.review(sched, schedule.new_card(qid, T0), Rating.Good, T0, 5)
    card.due = due
    return card


def test_the_due_queue_is_most_overdue_first_whatever_the_names() -> None:
    cards = {
        "a-recent": _reviewed("a-recent", T0 - timedelta(hours=1)),
        "b-oldest": _reviewed("b-oldest", T0 - timedelta(days=3)),
        "c-middle": _reviewed("c-middle", T0 - timedelta(days=1)),
        "d-now": _reviewed("d-now", T0),  # due exactly now counts
        "e-later": _reviewed("e-later", T0 + timedelta(minutes=1)),
    }
    queue = schedule.due_queue(cards, list(cards), T0, new_allowed=0)  # type: ignore[arg-type]
    assert queue == ("b-oldest", "c-middle", "a-recent", "d-now")


def test_recall_fades_with_time_after_a_review() -> None:
    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    card, _ = schedule.review(sched, schedule.new_card("q", T0), Rating.Good, T0, 5)
    day = schedule.retrievability(sched, card, T0 + timedelta(days=1))
    month = schedule.retrievability(sched, card, T0 + timedelta(days=30))
    assert 1.0 > day > month > 0.0


def test_due_between_counts_reviewed_cards_due_before_the_end() -> None:
    cards = {
        "overdue": _reviewed("overdue", T0 - timedelta(days=2)),
        "today": _reviewed("today", T0 + timedelta(hours=3)),
        "in-six-days": _reviewed("in-six-days", T0 + timedelta(days=6)),
        "in-seven-days": _reviewed("in-seven-days", T0 + timedelta(days=7)),
        "next-month": _reviewed("next-month", T0 + timedelta(days=30)),
        "new": schedule.new_card("new", T0),
    }
    assert schedule.due_between(cards, T0, 7) == 3  # type: ignore[arg-type]
    assert schedule.due_between(cards, T0, 1) == 2  # type: ignore[arg-type]
    assert schedule.due_between(cards, T0, 31) == 5  # type: ignore[arg-type]


# --- presentation -----------------------------------------------------------------------


def test_options_are_shuffled_by_default_every_option_reaches_letter_a() -> None:
    question = LIB.questions["fargate-two"]
    firsts = {present(question, random.Random(seed)).options[0].key for seed in range(60)}
    assert firsts == {o.key for o in question.options}


def test_letters_for_maps_pack_keys_to_the_letters_shown() -> None:
    shown = present(LIB.questions["fargate-two"], random.Random(5))
    for option in shown.options:
        assert shown.letters_for([option.key]) == {option.letter}
    expected = {o.letter for o in shown.options if o.key in ("A", "C")}
    assert shown.letters_for(["A", "C", "Z"]) == expected  # an unknown key is left out


def test_several_unknown_letters_are_all_named() -> None:
    shown = present(LIB.questions["spread-az"], random.Random(0))
    with pytest.raises(EcsprepError) as caught:
        check_choice(shown, ["Z", "X"])
    assert caught.value.message == "X, Z is not an option: choose from A–D"


def test_a_graded_answer_keeps_what_was_chosen_and_how_long_it_took() -> None:
    shown = present(LIB.questions["spread-az"], random.Random(0))
    chosen = frozenset({shown.letters[0]})
    result = grade(shown, chosen, 12.5)
    assert (result.chosen, result.seconds) == (chosen, 12.5)
    skipped = grade(shown, None, 3.0)
    assert (skipped.chosen, skipped.seconds, skipped.outcome) == (
        frozenset(),
        3.0,
        Outcome.SKIPPED,
    )


def test_a_peek_is_kept_with_the_grade_whatever_the_answer() -> None:
    """Notes or runs seen before answering: the answer is not evidence of knowing it."""
    shown = present(LIB.questions["spread-az"], random.Random(0))
    for chosen in (shown.answer, frozenset({next(iter(set(shown.letters) - shown.answer))}), None):
        assert grade(shown, chosen, 1.0).peeked is False  # not unless said
        assert grade(shown, chosen, 1.0, peeked=True).peeked is True


def test_an_unknown_topic_names_itself() -> None:
    with pytest.raises(NotFoundError) as caught:
        pool(LIB, Blueprint(id="q", title="Q"), ("fargat",))
    assert (caught.value.kind, caught.value.key) == ("topic", "fargat")
    assert caught.value.message == "no topic matches 'fargat'"


def test_content_hash_changes_with_what_the_learner_saw_and_nothing_else() -> None:
    question = LIB.questions["spread-az"]
    base = content_hash(question)
    assert len(base) == 16
    assert content_hash(replace(question, explanation="Reworded.")) == base
    assert content_hash(replace(question, stem="Another stem?")) != base
    assert content_hash(replace(question, answer=frozenset("C"))) != base
    first = replace(question.options[0], text="Changed text")
    assert content_hash(replace(question, options=(first, *question.options[1:]))) != base
    assert content_hash(LIB.questions["ecr-login"]) != base


def test_content_hash_is_a_stored_format_that_must_not_drift() -> None:
    """Stored answers keep this fingerprint: a new one for the same question would mark
    every past answer as given to an edited question."""
    assert content_hash(LIB.questions["fargate-two"]) == "ec23cd0d5295e9c6"


# --- drawing questions ---------------------------------------------------------------


def test_select_deals_a_topicless_question_too() -> None:
    loose = replace(LIB.questions["spread-az"], id="loose", topics=())
    drawn = select([loose, *LIB.questions.values()], None, random.Random(3))
    assert sorted(q.id for q in drawn) == sorted(["loose", *LIB.questions])


def test_in_order_stops_at_the_count() -> None:
    candidates = list(LIB.questions.values())
    ids = ["ecr-login", "spread-az", "fargate-two"]
    assert [q.id for q in in_order(candidates, ids, 2)] == ["ecr-login", "spread-az"]
    assert [q.id for q in in_order(candidates, ids, None)] == ids


def test_select_by_domains_without_a_count_draws_every_question_the_domains_list() -> None:
    domains = (
        Domain(name="Images", weight=60, topics=("ecr",)),
        Domain(name="Compute", weight=40, topics=("fargate",)),
    )
    drawn = select_by_domains(list(LIB.questions.values()), domains, None, random.Random(2))
    expected = {q.id for q in LIB.questions.values() if q.topics[0] in ("ecr", "fargate")}
    assert sorted(q.id for q in drawn) == sorted(expected)


@given(
    st.integers(0, 100),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 40)), min_size=1, max_size=6),
)
def test_shares_with_zero_weights_fill_what_is_there(
    count: int, domains: list[tuple[int, int]]
) -> None:
    weights = [w for w, _ in domains]
    available = [a for _, a in domains]
    got = shares(count, weights, available)
    assert sum(got) == min(count, sum(available))
    assert all(0 <= g <= a for g, a in zip(got, available, strict=True))
    # A domain of weight 0 draws only once every weighted domain is used up.
    weighted_full = all(g == a for g, a, w in zip(got, available, weights, strict=True) if w)
    if not weighted_full:
        assert all(g == 0 for g, w in zip(got, weights, strict=True) if w == 0)


@pytest.mark.parametrize(
    ("count", "weights", "available", "expected"),
    [
        (10, [1, 0], [3, 10], [3, 7]),  # the weighted domain runs out; weight 0 fills in
        (10, [0, 0], [10, 10], [5, 5]),  # no weights at all: an even split
        (7, [0, 0, 0], [10, 10, 10], [3, 2, 2]),
        (9, [2, 1], [99, 99], [6, 3]),
        (4, [1, 1, 1], [0, 9, 9], [0, 2, 2]),
    ],
)
def test_shares_cases(
    count: int, weights: list[int], available: list[int], expected: list[int]
) -> None:
    assert shares(count, weights, available) == expected
