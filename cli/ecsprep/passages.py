"""Full-text search over the notes: which passages talk about what a learner typed.

`explain` first looks for a glossary term or topic *named* like the query; when
none is, the words may still be in the notes (`secrets`, `health check`). The
notes are cut into passages (paragraphs, list items kept with their lead-in) and
indexed with SQLite's FTS5 (Porter stemming, so `secrets` finds "secret"),
ranked by BM25. camelCase names are split on both sides, so
`enableExecuteCommand` and "enable execute command" meet.

The index is built in memory for the search and thrown away: a few thousand
passages index in a few milliseconds, and it is only built when the names
didn't answer.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ecsprep.packs.model import Notes

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[A-Za-z0-9]+")
_BLANK_LINES = re.compile(r"\n\s*\n")
_FENCE = "```"
MAX_PASSAGE = 900  # characters of a passage shown; longer ones are cut at a line


@dataclass(frozen=True, slots=True)
class Passage:
    """One paragraph of a topic's notes (or a term's definition)."""

    topic: str  # Topic.id
    text: str
    term: str = ""  # Term.term when the passage is a glossary definition


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    rank: float  # BM25: lower is better


def passages(notes: Notes) -> Iterator[Passage]:
    """Every passage of every topic's notes, then every glossary definition."""
    for topic in notes.topics.values():
        for text in split_notes(topic.notes):
            yield Passage(topic.id, text)
    for term in notes.terms.values():
        yield Passage(term.topic, f"{term.term}: {term.definition}", term=term.term)


def split_notes(markdown: str) -> list[str]:
    """Paragraphs of Markdown; a fenced code block stays in one piece."""
    pieces: list[str] = []
    fenced: list[str] = []
    for block in _BLANK_LINES.split(markdown.strip()):
        if fenced:
            fenced.append(block)
            if block.count(_FENCE) % 2:
                pieces.append("\n\n".join(fenced))
                fenced = []
            continue
        if block.count(_FENCE) % 2:
            fenced = [block]
            continue
        if block.strip():
            pieces.append(block.strip())
    if fenced:
        pieces.append("\n\n".join(fenced))
    return pieces


def words(text: str) -> list[str]:
    """The words FTS5 will see, camelCase split: `hostPort 0` → host, Port, 0."""
    return _WORD.findall(_CAMEL.sub(" ", text))


def search(notes: Notes, query: str, *, limit: int = 12) -> list[Hit]:
    """Passages holding every word of the query, the best first (empty if none)."""
    terms = words(query)
    if not terms:
        return []
    found = list(passages(notes))
    try:
        return _fts_search(found, terms, limit)
    except sqlite3.OperationalError:  # an SQLite built without FTS5
        return _scan(found, terms, limit)


def _fts_search(found: list[Passage], terms: list[str], limit: int) -> list[Hit]:
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE notes USING fts5(body, tokenize='porter unicode61')")
        db.executemany(
            "INSERT INTO notes (rowid, body) VALUES (?, ?)",
            ((i, " ".join(words(p.text))) for i, p in enumerate(found)),
        )
        quoted = [f'"{t}"' for t in terms]
        # The words as a phrase first (ranked ahead), then all of them anywhere in a passage.
        queries = [" ".join(quoted)] if len(terms) == 1 else [f'"{" ".join(terms)}"', *quoted]
        hits: dict[int, float] = {}
        for boost, match in ((0.0, queries[0]), (1.0, " AND ".join(quoted))):
            rows = db.execute(
                "SELECT rowid, bm25(notes) FROM notes WHERE notes MATCH ? ORDER BY bm25(notes)"
                " LIMIT ?",
                (match, limit),
            )
            for rowid, rank in rows:
                hits.setdefault(rowid, rank + boost * 1000)
    finally:
        db.close()
    ordered = sorted(hits.items(), key=lambda item: (item[1], item[0]))
    return [Hit(found[rowid], rank) for rowid, rank in ordered[:limit]]


def _scan(found: list[Passage], terms: list[str], limit: int) -> list[Hit]:
    """No FTS5: passages holding every word (a crude stem: a plural's 's' dropped)."""
    stems = [_stem(t) for t in terms]
    hits = []
    for passage in found:
        seen = [_stem(w) for w in words(passage.text)]
        if all(s in seen for s in stems):
            hits.append(Hit(passage, -sum(seen.count(s) for s in stems) / (1 + len(seen))))
    hits.sort(key=lambda h: h.rank)
    return hits[:limit]


def _stem(word: str) -> str:
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def by_topic(hits: Iterable[Hit]) -> dict[str, list[Passage]]:
    """Hits grouped by topic, topics in the order of their best hit."""
    grouped: dict[str, list[Passage]] = {}
    for hit in hits:
        grouped.setdefault(hit.passage.topic, []).append(hit.passage)
    return grouped


def shorten(text: str, limit: int = MAX_PASSAGE) -> str:
    """A passage cut at a line boundary when it is long (code blocks can be)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    cut = cut if cut > limit // 2 else limit
    body = text[:cut].rstrip()
    if body.count(_FENCE) % 2:
        body += "\n" + _FENCE
    return body + "\n…"
