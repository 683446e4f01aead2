"""What the learner's history says: accuracy and mastery per topic, due cards, streak, activity.

Pure functions over rows read from the store; days are counted in the learner's
local time zone (`tz`), which comes in from the caller like `now`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from fsrs import Card, Scheduler

from ecsprep.packs.model import Library
from ecsprep.study import schedule
from ecsprep.study.session import content_hash
from ecsprep.study.store import AnswerRow

GRADED = ("correct", "wrong")
# Mastery is retrievability one day ahead: right after any review (even a failed one)
# FSRS puts recall at 100%, so "now" would flatter a card just answered wrong.
MASTERY_HORIZON = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TopicStats:
    topic: str
    title: str
    answered: int  # graded answers (skips not counted)
    correct: int
    questions: int  # questions on this topic in the library now
    seen: int  # of those, how many have a card
    mastery: float  # mean FSRS retrievability a day ahead over the topic's questions (unseen = 0)

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Stats:
    answered: int
    correct: int
    skipped: int
    peeked: int  # graded answers given after looking at the notes or the simulator
    topics: tuple[TopicStats, ...]
    due_today: int
    due_week: int
    streak: int  # days in a row with at least one answer, up to today (or yesterday)
    days: Mapping[date, int]  # answers per local day
    weakest: tuple[TopicStats, ...]
    removed: int  # answers to questions no longer in any loaded pack
    edited: int  # answers to questions changed since they were answered


def summarize(
    answers: Sequence[AnswerRow],
    cards: Mapping[str, Card],
    library: Library,
    sched: Scheduler,
    now: datetime,
    tz: tzinfo,
) -> Stats:
    graded = [a for a in answers if a.outcome in GRADED]
    topics = topic_stats(graded, cards, library, sched, now)
    today = now.astimezone(tz).date()
    end_of_today = datetime.combine(today + timedelta(days=1), time(), tz)
    current = {qid: content_hash(q) for qid, q in library.questions.items()}
    return Stats(
        answered=len(graded),
        correct=sum(a.outcome == "correct" for a in graded),
        skipped=len(answers) - len(graded),
        peeked=sum(a.peeked for a in graded),
        topics=topics,
        due_today=schedule.due_between(cards, end_of_today, 0),
        due_week=schedule.due_between(cards, now, 7),
        streak=streak(answers, today, tz),
        days=activity(answers, tz),
        weakest=weakest(topics),
        removed=sum(a.question_id not in current for a in answers),
        edited=sum(
            a.question_id in current
            and bool(a.content_hash)
            and a.content_hash != current[a.question_id]
            for a in answers
        ),
    )


def topic_stats(
    graded: Sequence[AnswerRow],
    cards: Mapping[str, Card],
    library: Library,
    sched: Scheduler,
    now: datetime,
) -> tuple[TopicStats, ...]:
    """One row per topic that has questions or answers, sorted by topic id.

    A question is on a topic when the topic is any of its topics: the way `quiz
    --topic` draws and `explain` counts. So a question on two topics counts under
    both (the rows' answers can add up to more than the answers). An answer to a
    question no longer in any pack counts under the main topic it was saved with.
    """

    def topics_of(answer: AnswerRow) -> tuple[str, ...]:
        question = library.questions.get(answer.question_id)
        if question is not None and question.topics:
            return question.topics
        return (answer.topic,)

    answered = Counter(t for a in graded for t in topics_of(a))
    correct = Counter(t for a in graded if a.outcome == "correct" for t in topics_of(a))
    by_topic: dict[str, list[str]] = {}
    for question in library.questions.values():
        for topic in dict.fromkeys(question.topics):
            by_topic.setdefault(topic, []).append(question.id)
    rows = []
    for topic in sorted(set(by_topic) | set(answered)):
        ids = by_topic.get(topic, [])
        later = now + MASTERY_HORIZON
        recall = [
            schedule.retrievability(sched, cards[q], later) if q in cards else 0.0 for q in ids
        ]
        known = library.topics.get(topic)
        rows.append(
            TopicStats(
                topic=topic,
                title=known.title if known else topic,
                answered=answered[topic],
                correct=correct[topic],
                questions=len(ids),
                seen=sum(q in cards for q in ids),
                mastery=sum(recall) / len(recall) if recall else 0.0,
            )
        )
    return tuple(rows)


def weakest(topics: Sequence[TopicStats], limit: int = 3) -> tuple[TopicStats, ...]:
    """Practised topics with the lowest accuracy (then mastery): the ones to drill next.

    A topic answered without a miss is not weak, whatever its rank.
    """
    tried = [t for t in topics if t.answered and t.correct < t.answered]
    return tuple(sorted(tried, key=lambda t: (t.accuracy, t.mastery, t.topic))[:limit])


def activity(answers: Sequence[AnswerRow], tz: tzinfo) -> dict[date, int]:
    return dict(Counter(a.answered_at.astimezone(tz).date() for a in answers))


def streak(answers: Sequence[AnswerRow], today: date, tz: tzinfo) -> int:
    days = set(activity(answers, tz))
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count
