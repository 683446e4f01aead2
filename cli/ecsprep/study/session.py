"""Choosing questions for a drill, showing them with shuffled options, grading answers.

Randomness comes in as a `random.Random` so a `--seed` replays the same session.
Options are shuffled and relettered A, B, C… as shown; the `Presented` value maps
shown letters back to the pack's keys, so grading and stored progress always use
the pack's keys and never depend on the shuffle.
"""

from __future__ import annotations

import difflib
import random
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from ecsprep.errors import EcsprepError, NotFoundError
from ecsprep.packs.model import Library, Question, QuestionEntry, QuestionType
from ecsprep.study.blueprint import Blueprint, Domain

# What is drawn: questions, or their entries (a quiz draws entries and builds only those).
D = TypeVar("D", Question, QuestionEntry)


class Outcome(str, Enum):
    CORRECT = "correct"
    WRONG = "wrong"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ShownOption:
    letter: str  # as shown in this session
    key: str  # as written in the pack
    text: str
    why: str
    correct: bool


@dataclass(frozen=True, slots=True)
class Presented:
    """A question as one session shows it."""

    question: Question
    options: tuple[ShownOption, ...]

    @property
    def answer(self) -> frozenset[str]:
        """The key in shown letters."""
        return frozenset(o.letter for o in self.options if o.correct)

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(o.letter for o in self.options)

    def keys_for(self, letters: Iterable[str]) -> frozenset[str]:
        by_letter = {o.letter: o.key for o in self.options}
        return frozenset(by_letter[letter] for letter in letters)

    def letters_for(self, keys: Iterable[str]) -> frozenset[str]:
        by_key = {o.key: o.letter for o in self.options}
        return frozenset(by_key[key] for key in keys if key in by_key)


@dataclass(frozen=True, slots=True)
class Graded:
    presented: Presented
    chosen: frozenset[str]  # shown letters; empty when skipped
    outcome: Outcome
    seconds: float
    peeked: bool = False  # the notes or the simulator were shown before the answer

    @property
    def correct(self) -> bool:
        return self.outcome is Outcome.CORRECT

    @property
    def chosen_keys(self) -> frozenset[str]:
        return self.presented.keys_for(self.chosen)


def present(question: Question, rng: random.Random, *, shuffle: bool = True) -> Presented:
    """Show a question with its options in a (seeded) random order, relettered A, B, C…"""
    options = list(question.options)
    if shuffle:
        rng.shuffle(options)
    shown = tuple(
        ShownOption(letter, o.key, o.text, o.why, o.key in question.answer)
        for letter, o in zip(string.ascii_uppercase, options, strict=False)
    )
    return Presented(question, shown)


def check_choice(presented: Presented, letters: Iterable[str]) -> frozenset[str]:
    """Normalise the learner's letters; an `EcsprepError` says why they cannot be used."""
    chosen = frozenset(letter.strip().upper() for letter in letters if letter.strip())
    valid = presented.letters
    unknown = sorted(chosen - set(valid))
    if unknown:
        raise EcsprepError(
            f"{', '.join(unknown)} is not an option: choose from {valid[0]}–{valid[-1]}"
        )
    need = presented.question.choose if presented.question.type is QuestionType.MULTIPLE else 1
    if len(chosen) != need:
        what = "one option" if need == 1 else f"exactly {need} options"
        raise EcsprepError(f"choose {what} (you chose {len(chosen)})")
    return chosen


def grade(
    presented: Presented, chosen: frozenset[str] | None, seconds: float, *, peeked: bool = False
) -> Graded:
    """All or nothing, as on the exam; `None` means skipped.

    `peeked`: the learner saw the notes or the simulator's runs first, so even a right
    answer is not evidence that they know it (spaced repetition treats it as forgotten).
    """
    if chosen is None:
        return Graded(presented, frozenset(), Outcome.SKIPPED, seconds, peeked)
    outcome = Outcome.CORRECT if chosen == presented.answer else Outcome.WRONG
    return Graded(presented, chosen, outcome, seconds, peeked)


def content_hash(question: Question) -> str:
    """A fingerprint of what the learner saw, to tell when a question was edited later."""
    parts = [question.stem, *(f"{o.key}:{o.text}" for o in question.options)]
    parts.append(",".join(sorted(question.answer)))
    import hashlib  # here: its OpenSSL start-up is paid when the first answer is saved

    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def pool(library: Library, blueprint: Blueprint, topics: Sequence[str] = ()) -> list[QuestionEntry]:
    """Every question the blueprint allows, as entries (`library.questions[entry.id]` is the
    question); `topics` (from --topic) replaces its topic filter."""
    check_topics(library, topics)
    wanted_topics = set(topics or blueprint.topics)
    wanted_tags = set(blueprint.tags)
    if blueprint.questions:
        # Ids no longer in any pack are skipped: a blueprint outlives edits to content.
        by_id = {entry.id: entry for entry in library.entries}
        candidates = [by_id[q] for q in blueprint.questions if q in by_id]
    else:
        candidates = list(library.entries)
    wanted_exams = set(blueprint.exams)
    return [
        q
        for q in candidates
        if (not wanted_topics or wanted_topics & set(q.topics))
        and (not wanted_tags or wanted_tags & set(q.tags))
        and (not wanted_exams or wanted_exams & {e.value for e in q.exams})
    ]


def check_topics(library: Library, topics: Sequence[str]) -> None:
    for topic in topics:
        if topic not in library.topics:
            raise NotFoundError(
                "topic", topic, difflib.get_close_matches(topic, list(library.topics))
            )


def select(
    candidates: Sequence[D], count: int | None, rng: random.Random, *, shuffle: bool = True
) -> tuple[D, ...]:
    """Draw `count` questions (all if None), spread over the main topics when shuffling.

    Dealing round-robin from shuffled per-topic piles keeps a 30-question exam from
    drawing ten questions on one topic by chance.
    """
    chosen = list(candidates)
    if shuffle:
        piles: dict[str, list[D]] = {}
        for question in chosen:
            piles.setdefault(question.topics[0] if question.topics else "", []).append(question)
        order = list(piles)
        rng.shuffle(order)
        for topic in order:
            rng.shuffle(piles[topic])
        chosen = []
        while any(piles.values()):
            for topic in order:
                if piles[topic]:
                    chosen.append(piles[topic].pop())
        if count is not None:
            chosen = chosen[:count]
        rng.shuffle(chosen)
    elif count is not None:
        chosen = chosen[:count]
    return tuple(chosen)


def select_by_domains(
    candidates: Sequence[D],
    domains: Sequence[Domain],
    count: int | None,
    rng: random.Random,
) -> tuple[D, ...]:
    """Draw `count` questions split over the domains by weight, as the exam guide does.

    Each domain draws from the questions whose main topic it lists (round-robin by topic,
    like `select`); the shares come from `shares`. Questions whose main topic no domain
    lists are not drawn.
    """
    piles = [[q for q in candidates if q.topics and q.topics[0] in d.topics] for d in domains]
    total = sum(len(p) for p in piles) if count is None else count
    quotas = shares(total, [d.weight for d in domains], [len(p) for p in piles])
    chosen = [q for pile, n in zip(piles, quotas, strict=True) for q in select(pile, n, rng)]
    rng.shuffle(chosen)
    return tuple(chosen)


def shares(count: int, weights: Sequence[int], available: Sequence[int]) -> list[int]:
    """Split `count` by `weights` (largest remainder), none above what is `available`.

    A domain that runs short gives its unmet share to the others, by their weights, so a
    small bank still fills the exam; the result never exceeds the total available.
    """
    quotas = [0] * len(weights)
    left = min(count, sum(available))
    while left > 0:
        open_ = [i for i in range(len(weights)) if quotas[i] < available[i] and weights[i] > 0]
        if not open_:
            open_ = [i for i in range(len(weights)) if quotas[i] < available[i]]
        weight = sum(weights[i] for i in open_) or len(open_)
        exact = {i: left * (weights[i] or 1) / weight for i in open_}
        given = {i: int(exact[i]) for i in open_}
        spare = left - sum(given.values())
        for i in sorted(open_, key=lambda i: (given[i] - exact[i], i))[:spare]:
            given[i] += 1
        for i in open_:
            take = min(given[i], available[i] - quotas[i])
            quotas[i] += take
            left -= take
    return quotas


def in_order(candidates: Sequence[D], ids: Sequence[str], count: int | None) -> tuple[D, ...]:
    """The candidates whose ids appear in `ids`, in that order (review and due queues)."""
    by_id = {q.id: q for q in candidates}
    picked = tuple(by_id[i] for i in ids if i in by_id)
    return picked if count is None else picked[:count]
