"""`ecsprep stats` figures from a known history, worked out by hand (and by fsrs itself).

The learner's day is local: the histories here are in UTC+13, so a day boundary in
the learner's zone falls at a different instant than in UTC or in this machine's zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from fsrs import Card, Rating, State

from ecsprep.study import schedule
from ecsprep.study.stats import summarize, weakest
from ecsprep.study.store import AnswerRow
from tests import quiz_library

TZ = timezone(timedelta(hours=13))
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)  # 2025-03-11 01:00 for the learner
LIBRARY = quiz_library.library()
SCHED = schedule.scheduler(schedule.Settings(), fuzz=False)


def _row(
    n: int,
    qid: str,
    outcome: str,
    at: datetime,
    *,
    topic: str = "",
    content: str | None = None,
    peeked: bool = False,
) -> AnswerRow:
    question = LIBRARY.questions.get(qid)
    if content is None:
        from ecsprep.study.session import content_hash

        content = content_hash(question) if question is not None else "x"
    return AnswerRow(
        id=n,
        session_id=1,
        question_id=qid,
        topic=topic or (question.topics[0] if question else "gone"),
        chosen=frozenset("A"),
        answer=frozenset("A"),
        outcome=outcome,
        seconds=2.0,
        answered_at=at,
        content_hash=content,
        peeked=peeked,
    )


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=TZ).astimezone(timezone.utc)


def test_counts_days_and_streak_follow_the_learners_own_day() -> None:
    answers = [
        _row(1, "spread-az", "correct", _local(7, 1)),  # 2025-03-06 in UTC
        _row(2, "ecr-login", "wrong", _local(9, 23), content="", peeked=True),
        _row(3, "gone-question", "correct", _local(10, 23, 30), content="x"),
        _row(4, "fargate-awsvpc", "skipped", _local(11, 0, 30), content="old"),  # UTC: the 10th
        _row(5, "binpack-fewest", "correct", _local(11, 0, 40), content="old", peeked=True),
    ]
    figures = summarize(answers, {}, LIBRARY, SCHED, NOW, TZ)
    assert (figures.answered, figures.correct, figures.skipped, figures.peeked) == (4, 3, 1, 2)
    assert (figures.removed, figures.edited) == (1, 2)  # an answer without a hash isn't edited
    assert figures.days == {
        date(2025, 3, 7): 1,
        date(2025, 3, 9): 1,
        date(2025, 3, 10): 1,
        date(2025, 3, 11): 2,
    }
    assert figures.streak == 3  # the 9th, 10th and 11th; in UTC it would be 2


def _card(due: datetime) -> Card:
    last = datetime(2025, 3, 1, tzinfo=timezone.utc)
    return Card(state=State.Review, stability=5.0, difficulty=5.0, due=due, last_review=last)


def test_due_today_ends_at_the_learners_midnight_and_the_week_runs_seven_days() -> None:
    midnight = datetime(2025, 3, 12, tzinfo=TZ)  # the end of the learner's today
    minute = timedelta(minutes=1)
    cards = {
        "overdue": _card(NOW - timedelta(days=1)),
        "tonight": _card(midnight - minute),
        "tomorrow": _card(midnight + minute),
        "in-six-days": _card(NOW + timedelta(days=7) - minute),
        "in-seven-days": _card(NOW + timedelta(days=7) + minute),
        "new": Card(due=NOW - timedelta(days=3)),  # never reviewed: new, not due
    }
    figures = summarize([], cards, LIBRARY, SCHED, NOW, TZ)
    assert figures.due_today == 2  # overdue and tonight
    assert figures.due_week == 4  # and tomorrow and in six days


def test_topic_rows_accuracy_mastery_and_the_weakest_three() -> None:
    at = NOW - timedelta(hours=1)
    outcomes = {
        "spread-az": ["wrong"],
        "binpack-fewest": ["correct"],  # placement-strategies: 1 of 2
        "ecr-login": ["wrong", "skipped"],  # ecr: 0 of 1
        "fargate-awsvpc": ["correct"],  # fargate: 1 of 1, never weak
        "old-a": ["correct", "correct", "wrong"],  # alpha: 2 of 3 (removed question)
        "old-z": ["correct", "correct", "correct", "wrong"],  # zulu: 3 of 4
    }
    topic = {"old-a": "alpha", "old-z": "zulu"}
    answers = [
        _row(n, qid, outcome, at, topic=topic.get(qid, ""))
        for n, (qid, outcome) in enumerate(
            ((qid, o) for qid, seq in outcomes.items() for o in seq), start=1
        )
    ]
    card, _ = schedule.review(
        SCHED, schedule.new_card("spread-az", NOW), Rating.Good, NOW - timedelta(days=2), 5
    )
    figures = summarize(answers, {"spread-az": card}, LIBRARY, SCHED, NOW, TZ)
    rows = {t.topic: t for t in figures.topics}
    assert list(rows) == ["alpha", "ecr", "fargate", "placement-strategies", "zulu"]
    recall = SCHED.get_card_retrievability(card, NOW + timedelta(days=1))  # a day ahead
    assert 0 < recall < 1
    placement = rows["placement-strategies"]
    assert placement.title == "Placement Strategies"
    assert (placement.answered, placement.correct) == (2, 1)
    assert (placement.questions, placement.seen) == (2, 1)
    assert abs(placement.mastery - recall / 2) < 1e-9  # the unseen question counts as 0
    ecr = rows["ecr"]
    assert (ecr.answered, ecr.correct, ecr.questions, ecr.seen, ecr.mastery) == (1, 0, 2, 0, 0.0)
    alpha = rows["alpha"]
    assert alpha.title == "alpha"  # no pack names it any more
    assert (alpha.answered, alpha.correct, alpha.questions, alpha.seen) == (3, 2, 0, 0)
    assert alpha.mastery == 0.0
    assert [t.topic for t in figures.weakest] == ["ecr", "placement-strategies", "alpha"]
    assert [t.topic for t in weakest(figures.topics, limit=10)] == [
        "ecr",
        "placement-strategies",
        "alpha",
        "zulu",
    ]  # fargate, answered without a miss, is not weak


def test_equal_accuracy_puts_the_less_mastered_topic_first() -> None:
    at = NOW - timedelta(hours=1)
    answers = [
        _row(1, "spread-az", "wrong", at),
        _row(2, "ecr-login", "wrong", at),
    ]
    card, _ = schedule.review(
        SCHED, schedule.new_card("ecr-login", NOW), Rating.Good, NOW - timedelta(days=2), 5
    )
    figures = summarize(answers, {"ecr-login": card}, LIBRARY, SCHED, NOW, TZ)
    # both 0 of 1; ecr has some mastery, placement none: placement first, whatever the names
    assert [t.topic for t in figures.weakest] == ["placement-strategies", "ecr"]
