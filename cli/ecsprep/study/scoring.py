"""Session scores: raw counts, the scaled 100–1000 score, and a per-topic breakdown.

AWS does not publish how raw answers map to its 100–1000 scale (questions are
weighted), so the scaled score here is a linear estimate: 100 + 900 × fraction right.
It is labelled an estimate wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecsprep.study.session import Graded, Outcome

SCALE_MIN = 100
SCALE_MAX = 1000


@dataclass(frozen=True, slots=True)
class TopicScore:
    topic: str
    total: int
    correct: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True, slots=True)
class Score:
    total: int  # questions in the session
    correct: int
    wrong: int
    skipped: int  # skipped or unanswered; counted wrong by the scaled score
    scaled: int
    pass_mark: int
    topics: tuple[TopicScore, ...]
    peeked: int = 0  # answered after looking at the notes or the simulator

    @property
    def passed(self) -> bool:
        return self.scaled >= self.pass_mark

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


def scaled_score(correct: int, total: int) -> int:
    """100 for none right (or nothing asked), 1000 for all right, linear in between."""
    if total <= 0:
        return SCALE_MIN
    return SCALE_MIN + round((SCALE_MAX - SCALE_MIN) * correct / total)


def score(results: Sequence[Graded], pass_mark: int, *, total: int | None = None) -> Score:
    """Score graded answers; `total` counts questions never reached (unanswered) too."""
    count = len(results) if total is None else max(total, len(results))
    correct = sum(r.outcome is Outcome.CORRECT for r in results)
    wrong = sum(r.outcome is Outcome.WRONG for r in results)
    return Score(
        total=count,
        correct=correct,
        wrong=wrong,
        skipped=count - correct - wrong,
        scaled=scaled_score(correct, count),
        pass_mark=pass_mark,
        topics=breakdown(results),
        peeked=sum(r.peeked for r in results),
    )


def breakdown(results: Sequence[Graded]) -> tuple[TopicScore, ...]:
    """Right answers per main topic (a question's first topic), weakest first."""
    totals: dict[str, list[int]] = {}
    for result in results:
        topic = result.presented.question.topics[0] if result.presented.question.topics else ""
        entry = totals.setdefault(topic, [0, 0])
        entry[0] += 1
        entry[1] += result.outcome is Outcome.CORRECT
    scores = [TopicScore(topic, t, c) for topic, (t, c) in totals.items()]
    return tuple(sorted(scores, key=lambda s: (s.correct / s.total, s.topic)))
