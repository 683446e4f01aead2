"""`progress export`: the whole document a learner gets back, field by field.

The export is the learner's way to keep or move their progress, so its shape is a
contract: a store filled with known answers, sessions, a card and settings must come
out as exactly this document.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fsrs import Card, Rating
from typer.testing import CliRunner

from ecsprep.study import schedule
from ecsprep.study.export import export_data
from ecsprep.study.session import content_hash
from ecsprep.study.store import NewAnswer, open_store
from ecsprep.ui.app import app
from tests import quiz_library

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


def _fill(path: Path) -> Card:
    library = quiz_library.library()
    spread = library.questions["spread-az"]
    two = library.questions["fargate-two"]
    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    card, log = schedule.review(sched, schedule.new_card("spread-az", T0), Rating.Good, T0, 3)
    with open_store(path) as store:
        exam = store.start_session("exam", "quick", 7, T0)
        store.record(
            exam,
            NewAnswer(
                "spread-az",
                "placement-strategies",
                frozenset("B"),
                frozenset("B"),
                "correct",
                3.14159,
                content_hash(spread),
            ),
            T0 + timedelta(seconds=5),
            (card, log),
        )
        store.record(
            exam,
            NewAnswer(
                "fargate-two", "fargate", frozenset("CA"), frozenset("CA"), "wrong", 12.5, "old"
            ),
            T0 + timedelta(seconds=20),
        )
        store.finish_session(
            exam, T0 + timedelta(minutes=1), questions=2, correct=1, scaled=550, passed=False
        )
        practice = store.start_session("practice", "default", None, T0 + timedelta(hours=1))
        store.record(
            practice,
            NewAnswer("gone-now", "ecr", frozenset(), frozenset("D"), "skipped", 1.0, ""),
            T0 + timedelta(hours=1, seconds=2),
        )
        store.set_setting("new_per_day", "15")
    assert content_hash(two) != "old"
    return card


def test_export_is_every_answer_session_card_and_setting(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    card = _fill(path)
    exported = export_data(path, quiz_library.library(), T0 + timedelta(days=1))
    cards = exported.pop("cards")
    assert exported == {
        "format": 1,
        "schema_version": 3,
        "exported_at": "2025-03-04T09:00:00+00:00",
        "answers": [
            {
                "session": 1,
                "question": "spread-az",
                "topic": "placement-strategies",
                "chosen": ["B"],
                "answer": ["B"],
                "outcome": "correct",
                "seconds": 3.14,
                "answered_at": "2025-03-03T09:00:05+00:00",
                "status": "current",
            },
            {
                "session": 1,
                "question": "fargate-two",
                "topic": "fargate",
                "chosen": ["A", "C"],
                "answer": ["A", "C"],
                "outcome": "wrong",
                "seconds": 12.5,
                "answered_at": "2025-03-03T09:00:20+00:00",
                "status": "edited",
            },
            {
                "session": 2,
                "question": "gone-now",
                "topic": "ecr",
                "chosen": [],
                "answer": ["D"],
                "outcome": "skipped",
                "seconds": 1.0,
                "answered_at": "2025-03-03T10:00:02+00:00",
                "status": "removed",
            },
        ],
        "sessions": [  # most recent first
            {
                "id": 2,
                "started_at": "2025-03-03T10:00:00+00:00",
                "ended_at": None,
                "mode": "practice",
                "blueprint": "default",
                "seed": None,
                "questions": 1,
                "correct": None,
                "scaled": None,
                "passed": None,
            },
            {
                "id": 1,
                "started_at": "2025-03-03T09:00:00+00:00",
                "ended_at": "2025-03-03T09:01:00+00:00",
                "mode": "exam",
                "blueprint": "quick",
                "seed": 7,
                "questions": 2,
                "correct": 1,
                "scaled": 550,
                "passed": False,
            },
        ],
        "settings": {"new_per_day": "15"},  # desired_retention was never set
    }
    assert list(cards) == ["spread-az"]
    assert Card.from_dict(cards["spread-az"]) == card  # the FSRS card, restorable as it was


def test_export_keeps_both_settings(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    with open_store(path) as store:
        store.set_setting("desired_retention", "0.85")
        store.set_setting("new_per_day", "5")
    exported = export_data(path, quiz_library.library(), T0)
    assert exported["settings"] == {"desired_retention": "0.85", "new_per_day": "5"}
    assert "skipped" not in exported  # nothing damaged, nothing to say


def test_export_without_a_time_is_stamped_now_in_utc(tmp_path: Path) -> None:
    before = datetime.now(timezone.utc)
    result = CliRunner().invoke(app, ["progress", "export"])
    assert result.exit_code == 0, result.output
    stamp = datetime.fromisoformat(json.loads(result.stdout)["exported_at"])
    assert stamp.utcoffset() == timedelta(0)
    assert before <= stamp <= datetime.now(timezone.utc)
