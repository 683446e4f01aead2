"""Find the notes for a word: glossary terms, their aliases, and topics.

People type what they remember, not what the glossary says: `binpak`,
`host port 0`, `task role`, `ecs_enable_task_iam_role`. So every name is
normalised the same way (camelCase split, case folded, punctuation and plural
endings dropped) and scored against the query:

    same words ........................ 1.0
    same letters, other spacing ....... 0.97   ("hostport" ~ "host port")
    every query word in the name ...... 0.80 – 0.90, more for closer lengths
    every name word in the query ...... 0.70 – 0.80
    typo (difflib ratio ≥ 0.75) ....... ratio × 0.9

An entry scores its best name. One entry clearly ahead wins; entries within
`TIE` of the best are all shown, so the learner picks. No I/O here: the
library comes in, an `Explanation` or a `Lookup` goes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches

from ecsprep.errors import NotFoundError
from ecsprep.packs.model import Library, Question, Term, Topic

TIE = 0.03  # entries this close to the best score are equally good answers
FUZZY_CUTOFF = 0.75
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    """What `ecsprep explain` shows for one glossary term or topic."""

    topic: Topic
    term: Term | None = None  # None when a topic itself matched
    see: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()  # questions on the topic or naming the term

    @property
    def name(self) -> str:
        return self.term.term if self.term else self.topic.title

    @property
    def drill(self) -> str:
        return f"ecsprep quiz --topic {self.topic.id}"

    @property
    def try_command(self) -> str:
        return self.term.try_command if self.term else ""

    @property
    def check_command(self) -> str:
        """A question on this to run in the simulator, preferring one that names the term."""
        checked = [q for q in self.questions if q.check]
        if self.term is not None:
            term = self.term.term
            checked.sort(key=lambda q: term not in q.terms)  # stable: pack order otherwise
        return f"ecsprep simulate question {checked[0].id}" if checked else ""


@dataclass(frozen=True, slots=True)
class Lookup:
    """The outcome of a search: one clear answer, or several equally close ones."""

    query: str
    matches: tuple[Explanation, ...]

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1


def normalise(text: str) -> str:
    """`ECS_ENABLE_TASK_IAM_ROLE` and `ecs enable task iam roles` read the same."""
    words = _NON_WORD.sub(" ", _CAMEL.sub(" ", text).lower()).split()
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def score(query: str, name: str, *, fuzzy: bool = True) -> float:
    """How well a normalised query names a normalised entry name (0 to 1)."""
    if query == name:
        return 1.0
    if query.replace(" ", "") == name.replace(" ", ""):
        return 0.97
    q_words, n_words = set(query.split()), set(name.split())
    if q_words and q_words <= n_words:
        return 0.8 + 0.1 * len(q_words) / len(n_words)
    if n_words and n_words <= q_words:
        return 0.7 + 0.1 * len(n_words) / len(q_words)
    if not fuzzy:
        return 0.0
    ratio = SequenceMatcher(None, query.replace(" ", ""), name.replace(" ", "")).ratio()
    return ratio * 0.9 if ratio >= FUZZY_CUTOFF else 0.0


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str  # "term:<term>" or "topic:<id>"
    names: tuple[str, ...]  # normalised names this entry answers to


def _entries(library: Library) -> list[_Entry]:
    entries = [
        _Entry(f"term:{t.term}", tuple({normalise(n) for n in (t.term, *t.aliases)}))
        for t in library.terms.values()
    ]
    entries += [
        _Entry(f"topic:{t.id}", tuple({normalise(t.id), normalise(t.title)}))
        for t in library.topics.values()
    ]
    return entries


def lookup(library: Library, query: str) -> Lookup:
    """Search terms, aliases and topics; raise NotFoundError with suggestions on no match."""
    wanted = normalise(query)
    if not wanted:
        raise NotFoundError("term or topic", query, ())
    entries = _entries(library)
    # Typo matching (difflib) costs most; a query that names an entry by its words skips it.
    scored = _rank(entries, wanted, fuzzy=False)
    if not scored or scored[0][0] < 0.97:
        scored = _rank(entries, wanted, fuzzy=True)
    best = scored[0][0] if scored else 0.0
    if best == 0.0:
        raise NotFoundError(
            "term or topic",
            query,
            suggest(library, query),
            hint="`ecsprep explain` alone lists every topic and term",
        )
    keys = [key for s, key in scored if s >= best - TIE]
    matches = tuple(_explain_key(library, key) for key in _prefer_terms(keys, library))
    return Lookup(query, matches)


def _rank(entries: list[_Entry], wanted: str, *, fuzzy: bool) -> list[tuple[float, str]]:
    """(score, key) for every entry, best first; ties in key order for stable output."""
    scored = ((max(score(wanted, n, fuzzy=fuzzy) for n in e.names), e.key) for e in entries)
    return sorted(scored, key=lambda pair: (-pair[0], pair[1]))


def _prefer_terms(keys: list[str], library: Library) -> list[str]:
    """A term and the topic it belongs to are one answer: keep the term."""
    term_topics = {library.terms[k[5:]].topic for k in keys if k.startswith("term:")}
    return [k for k in keys if not (k.startswith("topic:") and k[6:] in term_topics)]


def _explain_key(library: Library, key: str) -> Explanation:
    kind, _, name = key.partition(":")
    if kind == "term":
        return explain_term(library, library.terms[name])
    return explain_topic(library, library.topics[name])


def explain_term(library: Library, term: Term) -> Explanation:
    topic = library.topics[term.topic]
    questions = tuple(
        q for q in library.questions.values() if topic.id in q.topics or term.term in q.terms
    )
    see = tuple(s for s in term.see if s in library.terms)
    return Explanation(topic=topic, term=term, see=see, questions=questions)


def explain_topic(library: Library, topic: Topic) -> Explanation:
    see = tuple(t.term for t in library.terms.values() if t.topic == topic.id)
    return Explanation(topic=topic, see=see, questions=library.questions_on(topic.id))


def suggest(library: Library, query: str, limit: int = 5) -> list[str]:
    """Display names close to the query, for "did you mean" hints."""
    names = {normalise(n): n for t in library.terms.values() for n in (t.term, *t.aliases)}
    names.update({normalise(t.title): t.id for t in library.topics.values()})
    close = get_close_matches(normalise(query), list(names), n=limit, cutoff=0.5)
    return list(dict.fromkeys(names[c] for c in close))
