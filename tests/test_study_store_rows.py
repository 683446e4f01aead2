"""The progress database row by row: what goes in comes out, and what can't be read says why.

tests/test_study_store.py holds durability and hostile files; this pins the rows,
the settings and the exact words of each storage error (message and hint).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ecsprep.errors import StorageError
from ecsprep.study.store import (
    DamagedError,
    NewAnswer,
    open_store,
    repair_progress,
    reset_progress,
    unreadable,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
P = Path("/data/progress.sqlite3")
INTACT = "your progress in it is intact"


def _answer(qid: str, outcome: str = "wrong", peeked: bool = False) -> NewAnswer:
    return NewAnswer(qid, "ecr", frozenset("B"), frozenset("A"), outcome, 2.5, "h", peeked)


def test_sessions_come_back_as_they_were_finished_most_recent_first(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.sqlite3") as store:
        first = store.start_session("exam", "exam", 42, T0)
        store.finish_session(
            first, T0 + timedelta(minutes=90), questions=65, correct=50, scaled=800, passed=True
        )
        second = store.start_session("practice", "quick", None, T0 + timedelta(days=1))
        store.record(second, _answer("q1"), T0 + timedelta(days=1))
        store.record(second, _answer("q2"), T0 + timedelta(days=1))
        latest, older = store.sessions()
        assert [s.id for s in store.sessions(limit=1)] == [second]
    assert (older.id, older.mode, older.blueprint, older.seed) == (first, "exam", "exam", 42)
    assert (older.started_at, older.ended_at) == (T0, T0 + timedelta(minutes=90))
    assert (older.questions, older.correct, older.scaled, older.passed) == (65, 50, 800, True)
    assert (latest.mode, latest.seed, latest.ended_at) == ("practice", None, None)
    assert (latest.questions, latest.correct, latest.scaled, latest.passed) == (2, None, None, None)


def test_answers_come_back_with_every_field(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.sqlite3") as store:
        session = store.start_session("practice", "quick", 1, T0)
        store.record(session, _answer("q0", "correct"), T0)
        store.record(session, _answer("q1", "wrong", peeked=True), T0 + timedelta(seconds=9))
        _, row = store.answers()
    stored = sqlite3.connect(tmp_path / "p.sqlite3").execute(
        "SELECT id FROM answers WHERE question_id = 'q1'"
    )
    assert row.id == stored.fetchone()[0] == 2
    assert (row.session_id, row.question_id, row.topic) == (session, "q1", "ecr")
    assert (row.chosen, row.answer, row.outcome) == (frozenset("B"), frozenset("A"), "wrong")
    assert (row.seconds, row.content_hash, row.peeked) == (2.5, "h", True)
    assert row.answered_at == T0 + timedelta(seconds=9)
    assert row.answered_at.utcoffset() == timedelta(0)


def test_times_are_stored_in_utc_and_naive_ones_refused(tmp_path: Path) -> None:
    later = datetime(2025, 3, 3, 20, 0, tzinfo=timezone(timedelta(hours=11)))  # 09:00 UTC
    path = tmp_path / "p.sqlite3"
    with open_store(path) as store:
        store.start_session("practice", "quick", 1, later)
        with pytest.raises(ValueError, match=r"^datetimes must be timezone-aware$"):
            store.start_session("practice", "quick", 1, datetime(2025, 3, 3))
    stored = sqlite3.connect(path).execute("SELECT started_at FROM sessions").fetchall()
    assert stored == [("2025-03-03T09:00:00+00:00",)]


def test_times_are_stored_in_utc_whatever_the_local_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "JST-9")  # the machine's zone: nine hours ahead of UTC
    time.tzset()
    try:
        with open_store(tmp_path / "p.sqlite3") as store:
            store.start_session("practice", "quick", 1, T0)
    finally:
        monkeypatch.undo()
        time.tzset()
    stored = sqlite3.connect(tmp_path / "p.sqlite3").execute("SELECT started_at FROM sessions")
    assert stored.fetchall() == [("2025-03-03T09:00:00+00:00",)]


def test_settings_are_kept_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    with open_store(path) as store:
        assert store.setting("new_per_day") is None
        store.set_setting("new_per_day", "5")
        store.set_setting("new_per_day", "8")
        store.set_setting("desired_retention", "0.9")
    with open_store(path, readonly=True) as store:
        assert (store.setting("new_per_day"), store.setting("desired_retention")) == ("8", "0.9")


def test_a_peeked_right_answer_stays_in_the_review_queue(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.sqlite3") as store:
        for minute, (qid, outcome, peeked) in enumerate(
            [("a", "correct", True), ("b", "correct", False), ("c", "wrong", False)]
        ):
            session = store.start_session("practice", "quick", None, T0)
            store.record(session, _answer(qid, outcome, peeked), T0 + timedelta(minutes=minute))
        assert store.review_queue() == ("c", "a")


def test_new_cards_count_from_the_moment_given(tmp_path: Path) -> None:
    from fsrs import Rating

    from ecsprep.study import schedule

    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    with open_store(tmp_path / "p.sqlite3") as store:
        for n in range(3):
            at = T0 + timedelta(hours=n)
            card, log = schedule.review(sched, schedule.new_card(f"q{n}", at), Rating.Good, at, 3)
            store.save_card(f"q{n}", card, log, at)
        card, log = schedule.review(sched, card, Rating.Good, T0 + timedelta(days=3), 3)
        store.save_card("q2", card, log, T0 + timedelta(days=3))  # a second review: not new
        assert store.new_cards_since(T0 + timedelta(hours=1)) == 2  # at the moment counts
        assert store.cards()["q2"] == card


def test_clear_deletes_every_table(tmp_path: Path) -> None:
    from fsrs import Rating

    from ecsprep.study import schedule

    path = tmp_path / "p.sqlite3"
    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    card, log = schedule.review(sched, schedule.new_card("q", T0), Rating.Good, T0, 3)
    with open_store(path) as store:
        store.record(store.start_session("practice", "q", 1, T0), _answer("q"), T0, (card, log))
        store.set_setting("new_per_day", "5")
        store.clear()
    db = sqlite3.connect(path)
    for table in ("review_logs", "cards", "answers", "sessions", "settings"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def _damaged_rows(path: Path, sql: str, *params: object) -> list[str]:
    with open_store(path) as store:
        session = store.start_session("practice", "quick", 1, T0)
        store.record(session, _answer("good"), T0)
    db = sqlite3.connect(path)
    db.execute(sql, params)
    db.commit()
    db.close()
    with open_store(path, readonly=True) as store:
        damaged = store.damaged_rows()
        assert store.damaged_rows() == damaged  # read twice, named once
        return damaged


ANSWER = (
    "INSERT INTO answers (session_id, question_id, topic, chosen, answer, outcome, seconds,"
    " answered_at) VALUES (1, 'bad', 'ecr', ?, '[\"A\"]', 'wrong', ?, ?)"
)


@pytest.mark.parametrize(
    ("chosen", "seconds", "at", "says"),
    [
        ('{"A": 1}', 1, T0.isoformat(), "answers 2: '{\"A\": 1}' is not a list of option keys"),
        ("[1]", 1, T0.isoformat(), "answers 2: '[1]' is not a list of option keys"),
        ('["A"]', "slow", T0.isoformat(), "answers 2: seconds 'slow' is not a number"),
        (
            '["A"]',
            1,
            "2025-03-03T09:00:00",
            "answers 2: timestamp '2025-03-03T09:00:00' has no time zone",
        ),
        ('["A"]', 1, "", "answers 2: no time of answer"),
    ],
)
def test_a_damaged_answer_is_named_with_what_is_wrong(
    tmp_path: Path, chosen: str, seconds: object, at: str, says: str
) -> None:
    assert _damaged_rows(tmp_path / "p.sqlite3", ANSWER, chosen, seconds, at) == [says]


def test_a_damaged_session_is_named_with_what_is_wrong(tmp_path: Path) -> None:
    sql = "INSERT INTO sessions (started_at, mode, blueprint) VALUES (?, 'practice', 'quick')"
    assert _damaged_rows(tmp_path / "p.sqlite3", sql, "") == ["sessions 2: no start time"]


def test_a_card_without_a_time_zone_is_damaged(tmp_path: Path) -> None:
    from fsrs import Card

    text = Card(card_id=1, due=datetime(2025, 3, 3)).to_json()
    sql = "INSERT INTO cards (question_id, card, first_review) VALUES ('naive', ?, 'x')"
    assert _damaged_rows(tmp_path / "p.sqlite3", sql, text) == [
        "cards 'naive': a card without a time zone"
    ]


def _error(text: str, code: int | None = None) -> sqlite3.Error:
    exc = sqlite3.OperationalError(text)
    if code is not None:
        exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize(
    ("exc", "message", "hint"),
    [
        (
            _error("database or disk is full"),
            f"cannot save to the progress database {P}: the disk is full",
            f"free some disk space and try again; {INTACT}",
        ),
        (
            _error("disk I/O said no", 13 | 0x100),  # an extended code of SQLITE_FULL
            f"cannot save to the progress database {P}: the disk is full",
            f"free some disk space and try again; {INTACT}",
        ),
        (
            _error("attempt to write a readonly database"),
            f"the progress database {P} is read-only (attempt to write a readonly database)",
            "make it and its folder writable (chmod u+w) to save answers; `ecsprep stats` and "
            f"`ecsprep progress export` still read it; {INTACT}",
        ),
        (
            _error("no", 8),
            f"the progress database {P} is read-only (no)",
            "make it and its folder writable (chmod u+w) to save answers; `ecsprep stats` and "
            f"`ecsprep progress export` still read it; {INTACT}",
        ),
        (
            _error("database is locked"),
            f"the progress database {P} is locked by another program (database is locked)",
            f"finish the other ecsprep (or program) using it and try again; {INTACT}",
        ),
        (
            _error("held", 6),
            f"the progress database {P} is locked by another program (held)",
            f"finish the other ecsprep (or program) using it and try again; {INTACT}",
        ),
        (
            _error("unable to open database file"),
            f"cannot open the progress database {P} (unable to open database file)",
            "check that the file and its folder exist and are readable and writable "
            f"(or set ECSPREP_HOME to another folder); {INTACT}",
        ),
        (
            _error("no way", 3),
            f"cannot open the progress database {P} (no way)",
            "check that the file and its folder exist and are readable and writable "
            f"(or set ECSPREP_HOME to another folder); {INTACT}",
        ),
    ],
)
def test_a_sound_database_that_cannot_be_used_says_why_and_that_it_is_intact(
    exc: sqlite3.Error, message: str, hint: str
) -> None:
    error = unreadable(P, exc)
    assert not isinstance(error, DamagedError)  # never moved aside by reset
    assert (error.message, error.hint) == (message, hint)


def test_a_damaged_database_names_the_repair_and_sqlites_own_verdict() -> None:
    error = unreadable(P, _error("file is not a database"))
    assert isinstance(error, DamagedError)
    assert error.message == (
        f"the progress database {P} is damaged: it is not an SQLite database at all"
    )
    assert error.hint == (
        "nothing in it can be read: `ecsprep progress reset` moves it aside (it is kept) "
        "and a fresh one starts next time"
    )
    assert isinstance(unreadable(P, _error("huh", 26)), DamagedError)
    malformed = unreadable(P, _error("database disk image is malformed"), "page 3: bad")
    assert isinstance(malformed, DamagedError)
    assert malformed.message == (
        f"the progress database {P} is damaged (database disk image is malformed); "
        "SQLite's integrity check says: page 3: bad"
    )
    assert malformed.hint == (
        "`ecsprep progress repair` copies everything readable into a fresh database and "
        "keeps the damaged file beside it"
    )
    same = unreadable(P, _error("malformed"), "malformed")  # nothing more to say
    assert same.message == f"the progress database {P} is damaged (malformed)"


def test_a_folder_that_cannot_be_used_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("a file")
    error = unreadable(blocker / "progress.sqlite3", NotADirectoryError(20, "Not a directory"))
    assert (error.message, error.hint) == (
        f"the data folder {blocker} is a file, not a folder",
        "point ECSPREP_HOME at a folder (or unset it), or move the file away",
    )
    path = tmp_path / "progress.sqlite3"
    error = unreadable(path, PermissionError(13, "Permission denied"))
    assert (error.message, error.hint) == (
        f"cannot use the progress database {path}: Permission denied",
        "check the permissions of the file and its folder, or set ECSPREP_HOME to a "
        "writable folder; nothing was changed",
    )


def test_reset_and_repair_without_a_file_change_nothing(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    assert reset_progress(path) == f"no progress saved yet ({path})"
    assert repair_progress(path) is None
    assert list(tmp_path.iterdir()) == []


def test_reset_names_where_a_damaged_database_went(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"garbage" * 200)
    backup = tmp_path / "progress.sqlite3.20250303T090000.bak"
    assert reset_progress(path, T0) == (
        f"the unreadable database was moved to {backup}; a fresh one starts next time"
    )
    assert [p.name for p in tmp_path.iterdir()] == [backup.name]


def test_repair_keeps_the_write_ahead_log_beside_the_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    with open_store(path) as store:  # open: its answers are still in the -wal file
        store.record(store.start_session("practice", "quick", 1, T0), _answer("q"), T0)
        wal = (tmp_path / "progress.sqlite3-wal").read_bytes()
        repaired = repair_progress(path, T0)
    assert repaired is not None
    kept = tmp_path / "progress.sqlite3.20250303T090000.damaged"
    assert repaired.kept == kept
    assert (tmp_path / f"{kept.name}-wal").read_bytes()[:32] == wal[:32]
    assert (tmp_path / f"{kept.name}-shm").exists()


def test_a_healthy_reset_says_what_it_did(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    with open_store(path):
        pass
    assert reset_progress(path) == f"progress deleted ({path})"


def test_repair_starts_over_from_a_stale_half_repair(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    with open_store(path) as store:
        store.record(store.start_session("practice", "quick", 1, T0), _answer("q"), T0)
        store.set_setting("new_per_day", "7")
    (tmp_path / "progress.sqlite3.repairing").write_bytes(b"left from a crash")
    repaired = repair_progress(path, T0)
    assert repaired is not None
    assert repaired.copied == {
        "sessions": 1,
        "answers": 1,
        "cards": 0,
        "review_logs": 0,
        "settings": 1,
    }
    assert repaired.lost == ()
    assert not (tmp_path / "progress.sqlite3.repairing").exists()
    with open_store(path) as store:
        assert [a.question_id for a in store.answers()] == ["q"]
        assert store.setting("new_per_day") == "7"


def test_an_ecsprep_database_from_before_the_application_id_is_adopted(tmp_path: Path) -> None:
    from ecsprep.study.store import APPLICATION_ID, migrate

    path = tmp_path / "progress.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    migrate(old, path, target=1)  # sessions and answers only, application id 0
    old.close()
    with open_store(path, readonly=True) as store:  # an old schema is migrated first
        assert store.answers() == []
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3


def test_a_file_that_is_not_sqlite_read_only_is_damaged_not_migrated(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"short")
    with pytest.raises(StorageError) as caught, open_store(path, readonly=True):
        pass
    assert isinstance(caught.value, DamagedError)
    assert path.read_bytes() == b"short"
