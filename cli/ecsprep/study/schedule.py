"""Spaced repetition with the `fsrs` library: each question is one FSRS card.

The scheduling itself is fsrs's; this module only decides the rating, keeps card
ids stable, and builds the due queue. Every datetime is timezone-aware UTC, as
fsrs requires; `now` always comes in from the caller.

fsrs is imported by the functions that use it, not here: `ecsprep quiz` draws its
first question before it needs a card (benchmarks/quiz.py measures the start-up).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fsrs import Card, Rating, ReviewLog, Scheduler

DEFAULT_RETENTION = 0.9
DEFAULT_NEW_PER_DAY = 20
# A right answer slower than this is rated Hard: it was recalled, but with effort.
# The real exam allows about two minutes a question; a confident answer takes well under one.
SLOW_SECONDS = 60.0


class SelfRating(str, Enum):
    """What the learner may say about a right answer (a wrong one is always Again)."""

    HARD = "hard"
    GOOD = "good"
    EASY = "easy"


@dataclass(frozen=True, slots=True)
class Settings:
    desired_retention: float = DEFAULT_RETENTION
    new_per_day: int = DEFAULT_NEW_PER_DAY


def scheduler(settings: Settings, *, fuzz: bool = True) -> Scheduler:
    if not 0.7 <= settings.desired_retention <= 0.99:
        raise ValueError("desired retention must be between 0.70 and 0.99")
    from fsrs import Scheduler

    return Scheduler(desired_retention=settings.desired_retention, enable_fuzzing=fuzz)


def card_id(question_id: str) -> int:
    """A stable card id from the question id (fsrs's default id is the clock)."""
    import hashlib

    digest = hashlib.sha256(question_id.encode()).digest()
    return int.from_bytes(digest[:6], "big")  # 48 bits: exact in JSON and in SQLite


def new_card(question_id: str, now: datetime) -> Card:
    from fsrs import Card

    return Card(card_id=card_id(question_id), due=now)


def rating(
    correct: bool,
    seconds: float,
    self_rating: SelfRating | None = None,
    *,
    peeked: bool = False,
) -> Rating:
    """Wrong or peeked → Again; a self-rating wins for a right answer; else slow → Hard,
    fast → Good.

    A right answer given after reading the notes (or running the simulator) shows
    nothing about recall, so it is Again, like a wrong one. Easy is never inferred:
    FSRS stretches intervals a lot on Easy, so only the learner may claim it.
    """
    from fsrs import Rating

    if not correct or peeked:
        return Rating.Again
    if self_rating is not None:
        return {
            SelfRating.HARD: Rating.Hard,
            SelfRating.GOOD: Rating.Good,
            SelfRating.EASY: Rating.Easy,
        }[self_rating]
    return Rating.Hard if seconds > SLOW_SECONDS else Rating.Good


def review(
    sched: Scheduler, card: Card, grade: Rating, now: datetime, seconds: float
) -> tuple[Card, ReviewLog]:
    return sched.review_card(
        card, grade, review_datetime=now, review_duration=round(seconds * 1000)
    )


def is_due(card: Card, now: datetime) -> bool:
    return card.last_review is not None and card.due <= now


def due_queue(
    cards: Mapping[str, Card],
    candidates: Sequence[str],
    now: datetime,
    *,
    new_allowed: int,
) -> tuple[str, ...]:
    """Cards due now (most overdue first), then up to `new_allowed` never-seen questions.

    `candidates` are the question ids the drill may use, in the order new ones
    should come; ids with a card that is not yet due are left out.
    """
    due = sorted(
        (qid for qid in candidates if qid in cards and is_due(cards[qid], now)),
        key=lambda qid: cards[qid].due,
    )
    fresh = [qid for qid in candidates if qid not in cards or cards[qid].last_review is None]
    return (*due, *fresh[: max(new_allowed, 0)])


def retrievability(sched: Scheduler, card: Card, now: datetime) -> float:
    """The chance of recalling the card now (0 for a card never reviewed)."""
    if card.last_review is None:
        return 0.0
    return float(sched.get_card_retrievability(card, current_datetime=now))


def due_between(cards: Mapping[str, Card], start: datetime, days: int) -> int:
    """How many reviewed cards fall due before `start + days` (overdue ones included)."""
    end = start + timedelta(days=days)
    return sum(1 for c in cards.values() if c.last_review is not None and c.due < end)
