"""Progress as one JSON document: every answer, session, FSRS card and setting.

Each answer says whether its question is still `current`, was `edited` since it
was answered (its content fingerprint changed) or was `removed` from the packs.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ecsprep.packs.model import Library
from ecsprep.study.session import content_hash
from ecsprep.study.store import SCHEMA_VERSION, AnswerRow, open_store

EXPORT_FORMAT = 1


def status(answer: AnswerRow, library: Library) -> str:
    question = library.questions.get(answer.question_id)
    if question is None:
        return "removed"
    if answer.content_hash and answer.content_hash != content_hash(question):
        return "edited"
    return "current"


def export_data(path: Path, library: Library, now: datetime | None = None) -> dict[str, Any]:
    with open_store(path, readonly=True) as store:
        answers = store.answers()
        sessions = store.sessions()
        cards = store.cards()
        settings = {key: store.setting(key) for key in ("desired_retention", "new_per_day")}
        damaged = list(store.damaged)
    skipped = {"skipped": damaged} if damaged else {}  # rows that couldn't be read
    return {
        **skipped,
        "format": EXPORT_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": (now or datetime.now(timezone.utc)).isoformat(),
        "answers": [
            {
                "session": a.session_id,
                "question": a.question_id,
                "topic": a.topic,
                "chosen": sorted(a.chosen),
                "answer": sorted(a.answer),
                "outcome": a.outcome,
                "seconds": round(a.seconds, 2),
                "answered_at": a.answered_at.isoformat(),
                "status": status(a, library),
            }
            for a in answers
        ],
        "sessions": [
            {
                "id": s.id,
                "started_at": s.started_at.isoformat(),
                "ended_at": s.ended_at.isoformat() if s.ended_at else None,
                "mode": s.mode,
                "blueprint": s.blueprint,
                "seed": s.seed,
                "questions": s.questions,
                "correct": s.correct,
                "scaled": s.scaled,
                "passed": s.passed,
            }
            for s in sessions
        ],
        "cards": {qid: card.to_dict() for qid, card in sorted(cards.items())},
        "settings": {k: v for k, v in settings.items() if v is not None},
    }
