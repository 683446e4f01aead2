"""The progress database: migrations, unreadable files, the review queue, crashes, two writers."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fsrs import Rating

from ecsprep.errors import StorageError
from ecsprep.packs.model import Library
from ecsprep.study import schedule
from ecsprep.study.export import export_data
from ecsprep.study.stats import streak, summarize
from ecsprep.study.store import (
    SCHEMA_VERSION,
    NewAnswer,
    connect,
    migrate,
    open_store,
    reset_progress,
    schema_version,
)
from tests import quiz_library

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
REPO = Path(__file__).resolve().parents[1]


def answer(qid: str, outcome: str, topic: str = "ecr", chosen: str = "A") -> NewAnswer:
    return NewAnswer(qid, topic, frozenset(chosen), frozenset("A"), outcome, 3.0, "hash")


def test_fresh_database_is_at_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "progress.sqlite3"
    with open_store(path):
        pass
    db = sqlite3.connect(path)
    assert schema_version(db) == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migration_keeps_old_answers(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    migrate(old, path, target=1)
    old.execute(
        "INSERT INTO sessions (started_at, mode, blueprint) VALUES (?, 'practice', 'quick')",
        (T0.isoformat(),),
    )
    old.execute(
        "INSERT INTO answers (session_id, question_id, topic, chosen, answer, outcome, seconds,"
        " answered_at) VALUES (1, 'spread-az', 'ecr', '[\"A\"]', '[\"A\"]', 'correct', 2, ?)",
        (T0.isoformat(),),
    )
    old.close()
    with open_store(path) as store:
        rows = store.answers()
        assert [(a.question_id, a.outcome, a.content_hash) for a in rows] == [
            ("spread-az", "correct", "")
        ]
        assert store.cards() == {}  # the table migration 2 added
    assert schema_version(sqlite3.connect(path)) == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StorageError, match="newer than this ecsprep"), open_store(path):
        pass


def test_corrupt_file_gives_path_and_way_out_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(StorageError) as caught, open_store(path):
        pass
    assert str(path) in caught.value.message
    assert caught.value.hint
    assert "ecsprep progress reset" in caught.value.hint
    assert path.read_bytes() == garbage  # never replaced silently


def test_reset_moves_an_unreadable_file_aside(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"garbage" * 200)
    message = reset_progress(path, T0)
    backup = tmp_path / "progress.sqlite3.20250303T090000.bak"
    assert str(backup) in message
    assert backup.read_bytes() == b"garbage" * 200
    assert not path.exists()


def test_reset_clears_a_healthy_database(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    with open_store(path) as store:
        store.record(store.start_session("practice", "quick", 1, T0), answer("q", "wrong"), T0)
    assert "deleted" in reset_progress(path)
    with open_store(path) as store:
        assert store.answers() == []
        assert store.sessions() == []


def test_review_queue_is_wrong_and_not_since_right_most_recent_first(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.sqlite3") as store:
        events = [
            ("a", "wrong"),
            ("b", "wrong"),
            ("c", "correct"),
            ("a", "correct"),
            ("d", "wrong"),
            ("b", "skipped"),
            ("e", "correct"),
            ("e", "wrong"),
        ]
        for minute, (qid, outcome) in enumerate(events):
            session = store.start_session("practice", "quick", None, T0)
            store.record(session, answer(qid, outcome), T0 + timedelta(minutes=minute))
        assert store.review_queue() == ("e", "d", "b")


def test_second_answer_in_a_session_replaces_the_first(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.sqlite3") as store:
        session = store.start_session("exam", "exam", 1, T0)
        store.record(session, answer("q", "wrong", chosen="B"), T0)
        store.record(session, answer("q", "correct"), T0 + timedelta(seconds=30))
        rows = store.answers()
        assert [(r.outcome, r.chosen, r.seconds) for r in rows] == [
            ("correct", frozenset("A"), 6.0)
        ]
        assert store.sessions()[0].questions == 1


def test_cards_round_trip_and_count_new_ones(tmp_path: Path) -> None:
    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    with open_store(tmp_path / "p.sqlite3") as store:
        session = store.start_session("due", "quick", 1, T0)
        card, log = schedule.review(sched, schedule.new_card("q", T0), Rating.Good, T0, 3)
        store.record(session, answer("q", "correct"), T0, (card, log))
        assert store.cards() == {"q": card}
        assert store.new_cards_since(T0 - timedelta(hours=1)) == 1
        assert store.new_cards_since(T0 + timedelta(hours=1)) == 0


def test_stats_and_export_keep_answers_to_removed_and_edited_questions(tmp_path: Path) -> None:
    library = quiz_library.library()
    path = tmp_path / "p.sqlite3"
    with open_store(path) as store:
        session = store.start_session("practice", "quick", 1, T0)
        store.record(session, answer("no-longer-there", "wrong", topic="gone"), T0)
        store.record(session, answer("spread-az", "correct", topic="placement-strategies"), T0)
        figures = summarize(
            store.answers(),
            store.cards(),
            library,
            schedule.scheduler(schedule.Settings()),
            T0,
            timezone.utc,
        )
    assert figures.answered == 2
    assert figures.removed == 1
    assert figures.edited == 1
    assert {t.topic for t in figures.topics} >= {"gone", "placement-strategies"}
    exported = export_data(path, library, T0)
    assert [a["status"] for a in exported["answers"]] == ["removed", "edited"]
    assert export_data(path, Library(), T0)["answers"][1]["status"] == "removed"


def test_streak_counts_days_in_a_row(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.sqlite3") as store:
        session = store.start_session("practice", "quick", 1, T0)
        for n, day in enumerate((0, 1, 2, 4)):
            store.record(session, answer(f"q{n}", "correct"), T0 + timedelta(days=day))
        rows = store.answers()
    assert streak(rows, (T0 + timedelta(days=4)).date(), timezone.utc) == 1
    assert streak(rows, (T0 + timedelta(days=3)).date(), timezone.utc) == 3  # today not yet
    assert streak(rows, (T0 + timedelta(days=9)).date(), timezone.utc) == 0


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from ecsprep.study.store import NewAnswer, open_store

    path, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    with open_store(path) as store:
        session = store.start_session("practice", name, None, datetime.now(timezone.utc))
        for n in range(count):
            answer = NewAnswer(f"{name}-{n}", "ecr", frozenset("A"), frozenset("A"),
                               "correct", 1.0, "")
            store.record(session, answer, datetime.now(timezone.utc))
            print(n + 1, flush=True)
    """
)


def _writer(path: Path, name: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), name, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def test_kill_9_loses_no_committed_answer(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    child = _writer(path, "killed", 100_000)
    assert child.stdout is not None
    committed = 0
    for line in child.stdout:
        committed = int(line)
        if committed >= 50:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    with open_store(path) as store:
        saved = {a.question_id for a in store.answers()}
    assert {f"killed-{n}" for n in range(committed)} <= saved


def test_two_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    writers = [_writer(path, name, 150) for name in ("left", "right")]
    for writer in writers:
        writer.communicate(timeout=120)
        assert writer.returncode == 0
    with open_store(path) as store:
        saved = [a.question_id for a in store.answers()]
    assert len(saved) == 300
    assert len(set(saved)) == 300


def test_connect_on_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=str(tmp_path)):
        connect(tmp_path)


def test_first_opens_racing_on_a_new_file_all_succeed(tmp_path: Path) -> None:
    # Switching a new file to WAL can fail at once with "database is locked"
    # (SQLite skips the busy handler there); four openers released together on
    # a fresh file reproduced it a few times in a hundred rounds before the retry.
    errors: list[BaseException] = []
    for round_ in range(100):
        path = tmp_path / f"{round_}.sqlite3"
        barrier = threading.Barrier(4)

        def open_once(path: Path = path, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                connect(path).close()
            except BaseException as exc:  # collected, asserted below
                errors.append(exc)

        threads = [threading.Thread(target=open_once) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
