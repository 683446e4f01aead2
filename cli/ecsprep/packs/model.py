"""The content model: packs of topics, glossary terms and questions.

Immutable values only; no I/O and no validation here (that is `packs.load`,
which turns YAML into these values and reports every problem it finds).
The YAML format is documented in docs/pack-format.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any


class QuestionType(str, Enum):
    SINGLE = "single"  # exactly one key; radio buttons
    MULTIPLE = "multiple"  # "choose N": exactly `choose` keys; checkboxes


class Difficulty(str, Enum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Exam(str, Enum):
    """The AWS certification exams a question is written for."""

    DVA = "dva"  # Developer – Associate (DVA-C02)
    SAA = "saa"  # Solutions Architect – Associate (SAA-C03)
    SOA = "soa"  # SysOps Administrator / CloudOps Engineer – Associate


class Origin(str, Enum):
    """Where a pack came from; shown by `ecsprep packs list`."""

    SHIPPED = "shipped"  # inside ecsprep (content/)
    USER = "user"  # $ECSPREP_HOME/packs/
    OPTION = "option"  # --pack PATH on the command line


@dataclass(frozen=True, slots=True)
class Reference:
    """A documentation page that backs a fact (AWS docs, mostly)."""

    url: str
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Topic:
    id: str
    title: str
    notes: str  # Markdown
    summary: str = ""  # one or two sentences, shown in lists
    tags: tuple[str, ...] = ()
    refs: tuple[Reference, ...] = ()
    pack: str = ""  # id of the pack that defines it


@dataclass(frozen=True, slots=True, kw_only=True)
class Term:
    term: str
    definition: str
    topic: str  # Topic.id
    aliases: tuple[str, ...] = ()
    see: tuple[str, ...] = ()  # other Term.term values
    try_command: str = ""  # e.g. "ecsprep simulate placement --strategy binpack:memory ..."
    pack: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    key: str  # "A", "B", ... as written in the pack (the quiz may reshuffle letters)
    text: str
    why: str  # why this option is right or wrong


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    id: str
    topics: tuple[str, ...]  # Topic.id values; the first is the main one
    type: QuestionType
    stem: str
    options: tuple[Option, ...]
    answer: frozenset[str]  # Option.key values
    explanation: str
    difficulty: Difficulty = Difficulty.MEDIUM
    choose: int = 1  # how many keys to pick; 1 for SINGLE
    terms: tuple[str, ...] = ()  # glossary terms this question tests
    tags: tuple[str, ...] = ()  # free labels, e.g. "seed" for the source material's questions
    exams: tuple[Exam, ...] = ()  # the certification exams it fits
    refs: tuple[Reference, ...] = ()
    # {"scenario": name or mapping, "options": {key: {change, expect, shows}}}: run by sim.check
    check: Mapping[str, Any] | None = None
    pack: str = ""

    @property
    def needs_count_hint(self) -> bool:
        """A multiple-response question whose stem doesn't say "(Choose two.)" itself,
        as exam questions do; shown with "(Choose N.)" added."""
        return self.type is QuestionType.MULTIPLE and "(choose " not in self.stem.lower()

    def option(self, key: str) -> Option:
        for opt in self.options:
            if opt.key == key:
                return opt
        raise KeyError(key)


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionEntry:
    """A question as the notes list it and a quiz draws it: enough to count it, name it,
    offer to check it and choose it for a drill, without building the question itself."""

    id: str
    topics: tuple[str, ...]
    terms: tuple[str, ...] = ()
    checked: bool = False  # it has a check: `ecsprep simulate question ID` runs it
    tags: tuple[str, ...] = ()
    exams: tuple[Exam, ...] = ()

    @classmethod
    def of(cls, question: Question) -> QuestionEntry:
        return cls(
            id=question.id,
            topics=question.topics,
            terms=question.terms,
            checked=bool(question.check),
            tags=question.tags,
            exams=question.exams,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Pack:
    id: str
    title: str
    version: str
    description: str = ""
    source: Path | None = None  # the YAML file it was read from
    origin: Origin = Origin.SHIPPED
    topics: tuple[Topic, ...] = ()
    glossary: tuple[Term, ...] = ()
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True, slots=True)
class Library:
    """Every loaded pack, with lookups by id. Built by `packs.load`.

    `entries` lists every question in `questions` (in its order) as a `QuestionEntry`,
    which is all a quiz needs to choose its questions: a library read from the load
    cache (packs.cache) builds each question, and its packs, only when first asked for,
    so a drill of ten questions builds ten.
    """

    packs: Sequence[Pack] = ()
    topics: Mapping[str, Topic] = field(default_factory=dict)
    terms: Mapping[str, Term] = field(default_factory=dict)  # keyed by Term.term
    questions: Mapping[str, Question] = field(default_factory=dict)
    entries: tuple[QuestionEntry, ...] = ()

    @classmethod
    def of(cls, packs: tuple[Pack, ...]) -> Library:
        """Index packs; the first definition of an id wins (load reports duplicates)."""
        topics: dict[str, Topic] = {}
        terms: dict[str, Term] = {}
        questions: dict[str, Question] = {}
        for pack in packs:
            for topic in pack.topics:
                topics.setdefault(topic.id, topic)
            for term in pack.glossary:
                terms.setdefault(term.term, term)
            for question in pack.questions:
                questions.setdefault(question.id, question)
        entries = tuple(QuestionEntry.of(q) for q in questions.values())
        return cls(packs, topics, terms, questions, entries)

    def questions_on(self, topic_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions.values() if topic_id in q.topics)

    def notes(self) -> Notes:
        return Notes(self.topics, self.terms, self.entries)


@dataclass(frozen=True, slots=True)
class Notes:
    """What `ecsprep explain` reads: the topics, the glossary and a list of the questions.

    The questions' stems, options and explanations are three quarters of the library,
    and explain only counts and names questions, so the load cache keeps the notes
    apart (packs.cache) and explain never reads or builds the questions themselves.
    """

    topics: Mapping[str, Topic] = field(default_factory=dict)
    terms: Mapping[str, Term] = field(default_factory=dict)  # keyed by Term.term
    questions: tuple[QuestionEntry, ...] = ()

    def questions_on(self, topic_id: str) -> tuple[QuestionEntry, ...]:
        return tuple(q for q in self.questions if topic_id in q.topics)
