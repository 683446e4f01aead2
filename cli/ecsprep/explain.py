"""Find the notes for what a learner types: glossary terms, aliases, topics, then the notes.

People type what they remember, not what the glossary says: `binpak`,
`host port 0`, `task role`, `ecs_enable_task_iam_role`, `secrets`. So every name
is normalised the same way (camelCase split, case folded, punctuation and plural
endings dropped) and scored against the query:

    written exactly as the name ........ 1.01  (`ECS_CLUSTER`, `ecs-clusters`: that entry alone)
    same words ......................... 1.0
    same naming words .................. 0.98   ("what is binpack" ~ "binpack")
    same letters, other spacing ........ 0.97   ("hostport" ~ "host port")
    every query word in the name ....... 0.80 – 0.90, more for closer lengths
    the name is most of the query ...... 0.70 – 0.80  (a name covering ≥ 2/3 of the words)
    typo ............................... ratio × 0.9  (difflib ratio ≥ 0.75 and few edits)

A name that shares one word with a longer query doesn't match it ("service
discovery" is not the service scheduler, "EventBridge" not bridge mode). When no
name matches by its words, the notes' text is searched (`passages`): a word that
only the notes use finds the passage. Typos come last, and the result says
that a typo was corrected.

Learners ask questions: "how do I log in to ECR", "what does ECS_ENABLE_TASK_IAM_ROLE
do". The words that only phrase a question (`PHRASING`) are left out when words are
compared, on both sides ("push an image to ECR" is named by "push image to ECR"), and a
few two-word verbs read as the one word the notes use ("log in" → login). A question that
compares ("binpack vs spread", "task role or execution role", "the difference between A
and B") shows each side's entry when every side names one.

An entry scores its best name. One entry clearly ahead wins; entries within
`TIE` of the best are all shown, so the learner picks. No I/O here: the
notes come in, a `Lookup` goes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches
from enum import Enum

from ecsprep.errors import NotFoundError
from ecsprep.packs.model import Notes, QuestionEntry, Term, Topic

TIE = 0.03  # entries this close to the best score are equally good answers
FUZZY_CUTOFF = 0.75
LITERAL = 1.01  # the query is written exactly as one of the entry's names
NAMED = 0.7  # scores from here up name the entry by its words; below is a typo
# Words that phrase a question rather than name a thing. Not the particles of phrasal names
# (scale in/out, spin up): "in", "out", "up", "down", "off" stay.
_PHRASING_WORDS = """
    a about an and are be between can could difference do does doing explain for from how i
    is it its me mean meaning means my of on should tell that the there this to use used
    uses using want we what when where which who why will with work works would you
"""
PHRASING = frozenset(_PHRASING_WORDS.split())
# Two-word verbs as the one word names and notes use (compiled on first use: `explain binpack`
# finds its name before any of these is needed, and start-up counts).
_COMPOUNDS = ((r"\blog (?:in|on)\b", "login"), (r"\broll back\b", "rollback"))
# "A vs B", "A versus B", "A or B", "A compared to B", "the difference between A and B".
_VERSUS = r"\s+(?:vs\.?|versus|or|compared (?:to|with))\s+"
_BETWEEN = r"\bdifference between (.+?) and (.+)"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")


class MatchKind(str, Enum):
    """How the query found its entries."""

    NAME = "name"  # a term, alias or topic named by the query's words
    TEXT = "text"  # the words are in the notes, not in any name
    TYPO = "typo"  # a name spelt nearly like the query: say it was corrected
    COMPARE = "compare"  # the query compares entries ("binpack vs spread"): show each


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    """What `ecsprep explain` shows for one glossary term or topic."""

    topic: Topic
    term: Term | None = None  # None when a topic itself matched
    see: tuple[str, ...] = ()
    questions: tuple[QuestionEntry, ...] = ()  # questions on the topic or naming the term
    passages: tuple[str, ...] = ()  # for a text match: the paragraphs holding the words

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
        checked = [q for q in self.questions if q.checked]
        if self.term is not None:
            term = self.term.term
            checked.sort(key=lambda q: term not in q.terms)  # stable: pack order otherwise
        return f"ecsprep simulate question {checked[0].id}" if checked else ""


@dataclass(frozen=True, slots=True)
class Lookup:
    """The outcome of a search: one clear answer, or several equally close ones."""

    query: str
    matches: tuple[Explanation, ...]
    kind: MatchKind = MatchKind.NAME
    also: tuple[Topic, ...] = ()  # for a text match: other topics whose notes hold the words
    typo: bool = False  # a comparison with a side read as a nearby name

    @property
    def ambiguous(self) -> bool:
        """Several equally close entries for the learner to pick from (not a comparison)."""
        return len(self.matches) > 1 and self.kind is not MatchKind.COMPARE

    @property
    def corrected(self) -> bool:
        """The query (or a side of a comparison) was read as a nearby name (a typo)."""
        return self.kind is MatchKind.TYPO or self.typo


def normalise(text: str) -> str:
    """`ECS_ENABLE_TASK_IAM_ROLE` and `ecs enable task iam roles` read the same."""
    text = _NON_WORD.sub(" ", _CAMEL.sub(" ", text).lower())
    for pattern, word in _COMPOUNDS:
        text = re.sub(pattern, word, text)
    return " ".join(_singular(w) for w in text.split())


def _naming(words: list[str]) -> list[str]:
    """The words that name something: a question's phrasing left out (all, if that's all)."""
    return [w for w in words if w not in _PHRASED] or words


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_PHRASED = frozenset(_singular(w) for w in PHRASING)  # as normalise leaves them: does → doe


def score(query: str, name: str, *, fuzzy: bool = True) -> float:
    """How well a normalised query names a normalised entry name (0 to 1)."""
    if query == name:
        return 1.0
    if query.replace(" ", "") == name.replace(" ", ""):
        return 0.97
    q_list, n_list = _naming(query.split()), _naming(name.split())
    if sorted(q_list) == sorted(n_list):
        return 0.98  # the same naming words, the question's phrasing aside
    q_words, n_words = set(q_list), set(n_list)
    if q_words and q_words <= n_words:
        return 0.8 + 0.1 * len(q_words) / len(n_words)
    if n_words and n_words <= q_words and 3 * len(n_words) >= 2 * len(q_words):
        return 0.7 + 0.1 * len(n_words) / len(q_words)
    if not fuzzy:
        return 0.0
    typed, known = query.replace(" ", ""), name.replace(" ", "")
    ratio = SequenceMatcher(None, typed, known).ratio()
    if ratio < FUZZY_CUTOFF or edits(typed, known) > _typo_budget(known):
        return 0.0
    return ratio * 0.9


def _typo_budget(name: str) -> int:
    """Edits a typo may need: 1 in a short name, 2 up to 10 letters, then 3."""
    return 1 if len(name) <= 5 else 2 if len(name) <= 10 else 3


def edits(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str  # "term:<term>" or "topic:<id>"
    names: tuple[str, ...]  # normalised names this entry answers to
    squeezed: frozenset[str]  # its names without separators, case kept: `BLUE_GREEN` → BLUEGREEN


def _entries(notes: Notes) -> list[_Entry]:
    entries = [_entry(f"term:{t.term}", (t.term, *t.aliases)) for t in notes.terms.values()]
    entries += [_entry(f"topic:{t.id}", (t.id, t.title)) for t in notes.topics.values()]
    return entries


def _entry(key: str, names: tuple[str, ...]) -> _Entry:
    return _Entry(
        key,
        tuple(dict.fromkeys(normalise(n) for n in names)),
        frozenset(_squeeze(n) for n in names),
    )


def _named_as_written(notes: Notes, written: str) -> list[str]:
    """Entries with a name (term, alias, topic id or title) that is `written`, case aside.

    The common case, and cheap: it needs none of the normalised names `_entries` builds."""

    def named(names: tuple[str, ...]) -> bool:
        return any(n.strip().casefold() == written for n in names)

    keys = [f"term:{t.term}" for t in notes.terms.values() if named((t.term, *t.aliases))]
    keys += [f"topic:{t.id}" for t in notes.topics.values() if named((t.id, t.title))]
    return keys


def _squeeze(text: str) -> str:
    return _SEPARATORS.sub("", text)


def lookup(notes: Notes, query: str) -> Lookup:
    """Search names, then the notes, then typos; NotFoundError with suggestions on no match."""
    literal = _named_as_written(notes, query.strip().casefold())
    if literal:
        return _found(notes, query, sorted(literal), MatchKind.NAME)
    wanted = normalise(query)
    if not wanted:
        raise NotFoundError("term or topic", query, ())
    entries = _entries(notes)
    compared = _compared(notes, entries, query)
    if compared is not None:
        return compared
    # Typo matching (difflib) costs most; a query that names an entry by its words skips it.
    scored = _rank(entries, wanted, fuzzy=False)
    if scored and scored[0][0] >= NAMED:
        best = _best(scored)
        # Equally good names: one written with the query's letters, case and all, wins
        # (`blue/green` is the blue green alias, not the BLUE_GREEN enum).
        same_case = {e.key for e in entries if _squeeze(query) in e.squeezed}
        return _found(notes, query, [k for k in best if k in same_case] or best, MatchKind.NAME)
    text = _text_match(notes, query)
    if text is not None:
        return text
    named = " ".join(_naming(wanted.split()))
    scored = _rank(entries, named, fuzzy=True)
    if scored and scored[0][0] > 0.0:
        return _found(notes, query, _best(scored), MatchKind.TYPO)
    raise NotFoundError(
        "term or topic",
        query,
        suggest(notes, query),
        hint="`ecsprep explain` alone lists every topic and term",
    )


def _compared(notes: Notes, entries: list[_Entry], query: str) -> Lookup | None:
    """The entries a comparing query names, one or more a side; None unless every side of
    it names an entry by its words or a typo of them."""
    between = re.search(_BETWEEN, query, re.IGNORECASE)
    sides = list(between.groups()) if between else re.split(_VERSUS, query, flags=re.IGNORECASE)
    if len(sides) < 2:
        return None
    keys: list[str] = []
    corrected = False
    for side in sides:
        wanted = normalise(side)
        scored = _rank(entries, wanted, fuzzy=False)
        if not scored or scored[0][0] < NAMED:
            named = " ".join(_naming(wanted.split()))
            scored = _rank(entries, named, fuzzy=True) if named else []
            corrected = True
        if not scored or scored[0][0] <= 0.0:
            return None
        named_here = _prefer_terms(_best(scored), notes)
        if len(named_here) > 2:  # a side as vague as "ec2" names no entry to compare
            return None
        keys += [k for k in named_here if k not in keys]
    if len(keys) < 2:
        return None
    matches = tuple(_explain_key(notes, key) for key in keys)
    return Lookup(query, matches, MatchKind.COMPARE, typo=corrected)


def _best(scored: list[tuple[float, str]]) -> list[str]:
    best = scored[0][0]
    return [key for s, key in scored if s >= best - TIE]


def _found(notes: Notes, query: str, keys: list[str], kind: MatchKind) -> Lookup:
    matches = tuple(_explain_key(notes, key) for key in _prefer_terms(keys, notes))
    return Lookup(query, matches, kind)


def _text_match(notes: Notes, query: str) -> Lookup | None:
    """The topic whose notes hold every word of the query, with those passages."""
    from ecsprep.passages import by_topic, search

    # Every word must be in one passage: only the naming ones ("in" too: it is in every passage).
    asked = " ".join(w for w in query.split() if normalise(w) not in _PHRASED | {"in"}) or query
    grouped = by_topic(search(notes, asked))
    if not grouped:
        return None
    (first, passages), *others = grouped.items()
    found = explain_topic(notes, notes.topics[first])
    shown = tuple(p.text for p in passages if not p.term)[:2] or (passages[0].text,)
    match = Explanation(topic=found.topic, see=found.see, questions=found.questions, passages=shown)
    also = tuple(notes.topics[topic] for topic, _ in others)
    return Lookup(query, (match,), MatchKind.TEXT, also)


def _rank(entries: list[_Entry], wanted: str, *, fuzzy: bool) -> list[tuple[float, str]]:
    """(score, key) for every entry, best first; ties in key order for stable output."""
    scored = ((max(score(wanted, n, fuzzy=fuzzy) for n in e.names), e.key) for e in entries)
    return sorted(scored, key=lambda pair: (-pair[0], pair[1]))


def _prefer_terms(keys: list[str], notes: Notes) -> list[str]:
    """A term and the topic it belongs to are one answer: keep the term."""
    term_topics = {notes.terms[k[5:]].topic for k in keys if k.startswith("term:")}
    return [k for k in keys if not (k.startswith("topic:") and k[6:] in term_topics)]


def _explain_key(notes: Notes, key: str) -> Explanation:
    kind, _, name = key.partition(":")
    if kind == "term":
        return explain_term(notes, notes.terms[name])
    return explain_topic(notes, notes.topics[name])


def explain_term(notes: Notes, term: Term) -> Explanation:
    topic = notes.topics[term.topic]
    questions = tuple(q for q in notes.questions if topic.id in q.topics or term.term in q.terms)
    see = tuple(s for s in term.see if s in notes.terms)
    return Explanation(topic=topic, term=term, see=see, questions=questions)


def explain_topic(notes: Notes, topic: Topic) -> Explanation:
    see = tuple(t.term for t in notes.terms.values() if t.topic == topic.id)
    return Explanation(topic=topic, see=see, questions=notes.questions_on(topic.id))


def suggest(notes: Notes, query: str, limit: int = 5) -> list[str]:
    """Display names close to the query, for "did you mean" hints."""
    names = {normalise(n): n for t in notes.terms.values() for n in (t.term, *t.aliases)}
    names.update({normalise(t.title): t.id for t in notes.topics.values()})
    close = get_close_matches(normalise(query), list(names), n=limit, cutoff=0.5)
    return list(dict.fromkeys(names[c] for c in close))
