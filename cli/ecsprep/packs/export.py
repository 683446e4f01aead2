"""A library as plain data (JSON) and as Anki notes, and back from the JSON.

The JSON shape is the one `ecsprep packs export --format json` prints; the load
cache stores the same shape, so the round trip is exercised on every cached load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ecsprep.packs.model import (
    Difficulty,
    Exam,
    Library,
    Notes,
    Option,
    Origin,
    Pack,
    Question,
    QuestionEntry,
    QuestionType,
    Reference,
    Term,
    Topic,
)

# Exam by value: a dict lookup, where `Exam(value)` goes through the Enum machinery (the
# cached library reads an exam or two for each of hundreds of questions at start-up).
_EXAMS = {exam.value: exam for exam in Exam}


def library_to_data(library: Library) -> dict[str, Any]:
    return {
        "packs": [_pack(p) for p in library.packs],
        "topics": [_topic(t) for p in library.packs for t in p.topics],
        "glossary": [_term(t) for p in library.packs for t in p.glossary],
        "questions": [question_to_data(q) for p in library.packs for q in p.questions],
    }


def notes_to_data(notes: Notes) -> dict[str, Any]:
    """The notes in the export's shapes; each question as [id, topics, terms, checked]."""
    return {
        "topics": [_topic(t) for t in notes.topics.values()],
        "glossary": [_term(t) for t in notes.terms.values()],
        "questions": [entry_to_data(q) for q in notes.questions],
    }


def entry_to_data(entry: QuestionEntry) -> list[Any]:
    """A question entry as [id, topics, terms, checked, tags, exams]."""
    return [
        entry.id,
        list(entry.topics),
        list(entry.terms),
        entry.checked,
        list(entry.tags),
        [e.value for e in entry.exams],
    ]


def entry_from_data(data: Sequence[Any]) -> QuestionEntry:
    qid, on, names, checked, tags, exams = data
    return QuestionEntry(
        id=qid,
        topics=tuple(on),
        terms=tuple(names),
        checked=bool(checked),
        tags=tuple(tags),
        exams=tuple(map(_EXAMS.__getitem__, exams)),
    )


def notes_from_data(data: Mapping[str, Any]) -> Notes:
    """Rebuild the notes `notes_to_data` described (KeyError/TypeError/ValueError if malformed)."""
    return Notes(
        {topic.id: topic for topic in map(topic_from_data, data["topics"])},
        {term.term: term for term in map(term_from_data, data["glossary"])},
        tuple(map(entry_from_data, data["questions"])),
    )


def _refs(refs: Sequence[Reference]) -> list[dict[str, str]]:
    return [{"url": r.url, "title": r.title} for r in refs]


def _pack(pack: Pack) -> dict[str, Any]:
    return {
        "id": pack.id,
        "title": pack.title,
        "version": pack.version,
        "description": pack.description,
        "origin": pack.origin.value,
        "file": str(pack.source) if pack.source is not None else None,
        "counts": {
            "topics": len(pack.topics),
            "terms": len(pack.glossary),
            "questions": len(pack.questions),
        },
    }


def _topic(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.id,
        "title": topic.title,
        "summary": topic.summary,
        "tags": list(topic.tags),
        "notes": topic.notes,
        "refs": _refs(topic.refs),
        "pack": topic.pack,
    }


def _term(term: Term) -> dict[str, Any]:
    return {
        "term": term.term,
        "aliases": list(term.aliases),
        "definition": term.definition,
        "topic": term.topic,
        "see": list(term.see),
        "try": term.try_command,
        "pack": term.pack,
    }


def question_to_data(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "topics": list(q.topics),
        "type": q.type.value,
        "choose": q.choose,
        "difficulty": q.difficulty.value,
        "stem": q.stem,
        "options": [{"key": o.key, "text": o.text, "explanation": o.why} for o in q.options],
        "answer": sorted(q.answer),
        "explanation": q.explanation,
        "refs": _refs(q.refs),
        "terms": list(q.terms),
        "tags": list(q.tags),
        "exams": [e.value for e in q.exams],
        "check": dict(q.check) if q.check is not None else None,
        "pack": q.pack,
    }


def library_from_data(data: Mapping[str, Any]) -> Library:
    """Rebuild the library `library_to_data` described (KeyError/TypeError if malformed)."""
    topics = by_pack(topic_from_data(t) for t in data["topics"])
    terms = by_pack(term_from_data(t) for t in data["glossary"])
    questions = by_pack(question_from_data(q) for q in data["questions"])
    return Library.of(
        tuple(
            pack_from_data(
                p, topics.get(p["id"], ()), terms.get(p["id"], ()), questions.get(p["id"], ())
            )
            for p in data["packs"]
        )
    )


def by_pack(items: Iterable[Topic | Term | Question]) -> dict[str, tuple[Any, ...]]:
    """Items grouped by the pack that defines them, in order."""
    grouped: dict[str, list[Any]] = {}
    for item in items:
        grouped.setdefault(item.pack, []).append(item)
    return {pack: tuple(group) for pack, group in grouped.items()}


def pack_from_data(
    data: Mapping[str, Any],
    topics: tuple[Topic, ...],
    glossary: tuple[Term, ...],
    questions: tuple[Question, ...],
) -> Pack:
    """The pack `data` describes, holding its topics, terms and questions."""
    return Pack(
        id=data["id"],
        title=data["title"],
        version=data["version"],
        description=data["description"],
        source=Path(data["file"]) if data["file"] is not None else None,
        origin=Origin(data["origin"]),
        topics=topics,
        glossary=glossary,
        questions=questions,
    )


def _refs_from(items: Sequence[Mapping[str, str]]) -> tuple[Reference, ...]:
    return tuple(Reference(r["url"], r["title"]) for r in items)


def topic_from_data(t: Mapping[str, Any]) -> Topic:
    return Topic(
        id=t["id"],
        title=t["title"],
        notes=t["notes"],
        summary=t["summary"],
        tags=tuple(t["tags"]),
        refs=_refs_from(t["refs"]),
        pack=t["pack"],
    )


def term_from_data(t: Mapping[str, Any]) -> Term:
    return Term(
        term=t["term"],
        definition=t["definition"],
        topic=t["topic"],
        aliases=tuple(t["aliases"]),
        see=tuple(t["see"]),
        try_command=t["try"],
        pack=t["pack"],
    )


def question_from_data(q: Mapping[str, Any]) -> Question:
    return Question(
        id=q["id"],
        topics=tuple(q["topics"]),
        type=QuestionType(q["type"]),
        stem=q["stem"],
        options=tuple(
            Option(key=o["key"], text=o["text"], why=o["explanation"]) for o in q["options"]
        ),
        answer=frozenset(q["answer"]),
        explanation=q["explanation"],
        difficulty=Difficulty(q["difficulty"]),
        choose=q["choose"],
        terms=tuple(q["terms"]),
        tags=tuple(q["tags"]),
        exams=tuple(map(_EXAMS.__getitem__, q["exams"])),
        refs=_refs_from(q["refs"]),
        check=q["check"],
        pack=q["pack"],
    )


# --- Anki -----------------------------------------------------------------------

ANKI_HEADER = ("#separator:tab", "#html:true", "#notetype:Basic", "#tags column:3")


def library_to_anki(library: Library) -> str:
    """Tab-separated notes Anki imports (File → Import): Front, Back, tags."""
    lines = list(ANKI_HEADER)
    for pack in library.packs:
        for q in pack.questions:
            lines.append("\t".join((_front(q), _back(q), _tags(q))))
    return "\n".join(lines) + "\n"


def _html(text: str) -> str:
    # Tabs would split the field; newlines become <br> so the note keeps its layout.
    import html

    return html.escape(text.strip()).replace("\t", " ").replace("\r\n", "\n").replace("\n", "<br>")


def _front(q: Question) -> str:
    pick = f"<br><i>(Choose {q.choose}.)</i>" if q.needs_count_hint else ""
    options = "".join(f"<br>{o.key}. {_html(o.text)}" for o in q.options)
    return f"{_html(q.stem)}{pick}<br>{options}"


def _back(q: Question) -> str:
    whys = "".join(
        f"<br>{o.key}{' ✓' if o.key in q.answer else ''}: {_html(o.why)}" for o in q.options
    )
    return f"<b>{', '.join(sorted(q.answer))}</b><br><br>{_html(q.explanation)}<br>{whys}"


def _tags(q: Question) -> str:
    # Anki separates tags with spaces; topic ids are slugs, so they never contain one.
    return " ".join((*q.topics, *(t.replace(" ", "_") for t in q.tags)))
