"""The progress database as `stats` reads it, under a lock, damaged, repaired, migrated.

Every test here runs in-process (no child ecsprep), so mutation testing can kill a
mutant of study/store.py with it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ecsprep.errors import StorageError
from ecsprep.study import store as store_module
from ecsprep.study.store import (
    SCHEMA_VERSION,
    DamagedError,
    NewAnswer,
    connect_readonly,
    integrity,
    migrate,
    open_store,
    schema_needs_migration,
    schema_version,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
PAGE = 4096


def answer(qid: str, outcome: str = "wrong", topic: str = "ecr") -> NewAnswer:
    return NewAnswer(qid, topic, frozenset("A"), frozenset("A"), outcome, 3.0, "hash")


def saved(path: Path, *qids: str) -> None:
    with open_store(path) as store:
        session = store.start_session("practice", "quick", 1, T0)
        for qid in qids:
            store.record(session, answer(qid), T0)
        store.set_setting("theme", "dark")


def rollback_journal(path: Path) -> None:
    """Out of WAL, so that a writer's EXCLUSIVE lock keeps readers out too."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()


# --- read-only, as `ecsprep stats` and `progress export` open it -------------------


def test_a_read_only_store_sees_what_another_committed_and_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path, "q1")
    with open_store(path) as writer:
        writer.record(writer.start_session("exam", "full", 2, T0), answer("q2"), T0)
        with open_store(path, readonly=True) as reader:  # the writer is still open
            assert [a.question_id for a in reader.answers()] == ["q1", "q2"]
            assert reader.answers()[0].topic == "ecr"
            assert [s.mode for s in reader.sessions()] == ["exam", "practice"]
            assert reader.setting("theme") == "dark"
            with pytest.raises(StorageError, match="read-only") as caught:
                reader.set_setting("theme", "light")
            assert "intact" in (caught.value.hint or "")
    with open_store(path, readonly=True) as reader:
        assert reader.setting("theme") == "dark"


@pytest.mark.parametrize("readonly", [True, False])
def test_text_that_is_not_utf8_is_one_damaged_row(tmp_path: Path, readonly: bool) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path, "good")
    db = sqlite3.connect(path)
    db.execute("UPDATE settings SET value = CAST(X'FFFE' AS TEXT)")
    db.execute(
        "INSERT INTO answers (session_id, question_id, topic, chosen, answer, outcome, seconds,"
        " answered_at) VALUES (1, 'bad', CAST(X'FFFE' AS TEXT), '[]', '[]', 'wrong', 1, ?)",
        (T0.isoformat(),),
    )
    db.commit()
    db.close()
    with open_store(path, readonly=readonly) as reader:
        assert [a.question_id for a in reader.answers()] == ["good"]
        assert reader.damaged == ["answers 2: text that is not UTF-8"]


def test_read_only_without_a_file_is_empty_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "none" / "progress.sqlite3"
    db = connect_readonly(path)
    assert schema_version(db) == SCHEMA_VERSION
    assert db.execute("SELECT count(*) AS n FROM answers").fetchone()["n"] == 0
    db.close()
    assert list(tmp_path.iterdir()) == []  # not even in the working folder


def test_read_only_on_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.mkdir()
    with pytest.raises(StorageError) as caught:
        connect_readonly(path)
    assert caught.value.message == f"cannot use the progress database {path}: not a file"
    assert not isinstance(caught.value, DamagedError)


def test_read_only_opens_a_current_file_without_changing_it(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path, "q1")
    rollback_journal(path)
    before = path.read_bytes()
    db = connect_readonly(path)
    assert db.execute("SELECT question_id FROM answers").fetchone()["question_id"] == "q1"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM answers")
    db.close()
    assert path.read_bytes() == before


def old_database(path: Path) -> None:
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


def test_an_older_schema_is_migrated_even_for_reading_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    old_database(path)
    assert schema_needs_migration(path)
    with open_store(path, readonly=True) as reader:
        assert [(a.question_id, a.outcome) for a in reader.answers()] == [("spread-az", "correct")]
        assert reader.cards() == {}
    assert not schema_needs_migration(path)
    assert schema_version(sqlite3.connect(path)) == SCHEMA_VERSION


def test_only_an_older_sqlite_file_needs_migration(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    assert not schema_needs_migration(path)  # no file
    path.write_bytes(b"SQLite format 3\x00" + bytes(50))  # too short to hold a version
    assert not schema_needs_migration(path)
    path.write_bytes(b"not SQLite at all" * 10)
    assert not schema_needs_migration(path)
    path.unlink()
    saved(path)
    assert not schema_needs_migration(path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    db.close()
    assert schema_needs_migration(path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {2**24 + SCHEMA_VERSION - 1}")  # far newer: all 4 bytes
    db.close()
    assert not schema_needs_migration(path)


@pytest.mark.parametrize("readonly", [False, True])
def test_a_newer_schema_is_refused_with_its_version_and_left_alone(
    tmp_path: Path, readonly: bool
) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path, "q1")
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StorageError) as caught, open_store(path, readonly=readonly):
        pass
    assert caught.value.message == (
        f"the progress database {path} has schema version {SCHEMA_VERSION + 1}, newer than "
        f"this ecsprep understands ({SCHEMA_VERSION})"
    )
    assert caught.value.hint == (
        "upgrade ecsprep, or back the file up and start afresh with `ecsprep progress reset`"
    )
    assert path.read_bytes() == before


def test_a_failed_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    old_database(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE cards (clash INTEGER)")  # migration 2 creates cards
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        migrate(db, path)
    assert schema_version(db) == 1
    assert not db.in_transaction
    db.close()


@pytest.mark.parametrize("readonly", [False, True])
def test_another_programs_sqlite_file_is_refused_and_left_alone(
    tmp_path: Path, readonly: bool
) -> None:
    path = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE sessions (x)")
    db.execute("CREATE TABLE answers (x)")
    db.execute("CREATE TABLE photos (x)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")  # no migration: opened read-only
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StorageError) as caught, open_store(path, readonly=readonly):
        pass
    assert caught.value.message == (
        f"{path} is not an ecsprep progress database (it has tables answers, photos, sessions)"
    )
    assert caught.value.hint == (
        "move that file elsewhere, or set ECSPREP_HOME to another folder; it was not changed"
    )
    assert path.read_bytes() == before


# --- another program holding the lock ------------------------------------------------


@pytest.mark.parametrize("readonly", [False, True])
def test_a_locked_database_is_waited_for_then_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, readonly: bool
) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path, "q1")
    rollback_journal(path)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 5.0)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.4, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    with open_store(path, readonly=readonly) as store:
        assert [a.question_id for a in store.answers()] == ["q1"]
    assert time.monotonic() - started >= 0.3
    release.join()
    holder.close()


@pytest.mark.parametrize("readonly", [False, True])
def test_a_database_locked_for_too_long_says_so_and_that_it_is_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, readonly: bool
) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path, "q1")
    rollback_journal(path)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    with pytest.raises(StorageError) as caught, open_store(path, readonly=readonly):
        pass
    waited = time.monotonic() - started
    holder.execute("COMMIT")
    holder.close()
    assert 0.25 <= waited < 3
    assert caught.value.message.startswith(
        f"the progress database {path} is locked by another program ("
    )
    assert caught.value.hint == (
        "finish the other ecsprep (or program) using it and try again; "
        "your progress in it is intact"
    )
    assert not isinstance(caught.value, DamagedError)
    with open_store(path, readonly=True) as store:
        assert [a.question_id for a in store.answers()] == ["q1"]


def _failing(*errors: sqlite3.OperationalError) -> tuple[list[int], object]:
    calls: list[int] = []

    def step() -> None:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]

    return calls, step


def _coded(text: str, code: int) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(text)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


def test_setup_that_fails_at_once_as_busy_is_retried_until_it_succeeds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite skips its busy handler for a WAL switch: the setup step is retried instead."""
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 5.0)
    errors = (
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("database is busy"),
        _coded("recovering", 5 | (1 << 8)),  # SQLITE_BUSY_RECOVERY
        _coded("table locked", 6 | (1 << 8)),  # SQLITE_LOCKED_SHAREDCACHE
    )
    calls, step = _failing(*errors)
    started = time.monotonic()
    store_module._while_busy(step)  # type: ignore[arg-type]
    assert len(calls) == 5
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("no such table: answers"),
        _coded("database is locked", 1),  # the code, not the words, decides
    ],
)
def test_setup_that_fails_otherwise_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, error: sqlite3.OperationalError
) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 5.0)
    calls, step = _failing(error)
    with pytest.raises(sqlite3.OperationalError) as caught:
        store_module._while_busy(step)  # type: ignore[arg-type]
    assert caught.value is error
    assert len(calls) == 1


def test_setup_busy_past_the_timeout_gives_up_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 0.5)
    calls, step = _failing(*[sqlite3.OperationalError("database is locked")] * 1000)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        store_module._while_busy(step)  # type: ignore[arg-type]
    waited = time.monotonic() - started
    assert 0.5 <= waited < 1.0
    assert 5 <= len(calls) <= 12  # 5 ms doubling to at most 200 ms, not a busy spin


# --- damaged files -----------------------------------------------------------------


def test_integrity_of_a_sound_database_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path, "q1")
    assert integrity(sqlite3.connect(path)) == ""


def big_answers(path: Path, count: int) -> None:
    """Answers too big for one page each, so each has its own overflow pages."""
    with open_store(path) as store:
        session = store.start_session("practice", "quick", 1, T0)
        for n in range(count):
            store.record(session, answer(f"q{n}", topic=f"t{n}-" * 2000), T0)
    rollback_journal(path)


def break_overflow(path: Path, marker: bytes) -> None:
    """Point the overflow chain that holds `marker` at a page that doesn't exist."""
    data = bytearray(path.read_bytes())
    for start in range(PAGE, len(data), PAGE):
        page = data[start : start + PAGE]
        if page[0] not in (2, 5, 10, 13) and marker in page[4:64]:
            data[start : start + 4] = (0x0FFFFFFF).to_bytes(4, "big")
    path.write_bytes(bytes(data))


def test_integrity_names_sqlites_own_findings(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    big_answers(path, 4)
    break_overflow(path, b"t2-t2-")
    report = integrity(sqlite3.connect(path))
    assert report.startswith("*** in database main ***")
    assert "invalid page number 268435455" in report


def test_integrity_when_sqlite_cannot_check_says_why(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "p.sqlite3")
    db.close()
    assert integrity(db) == "Cannot operate on a closed database."


def bigger_answers(path: Path, session: int, *qids: str) -> None:
    """Answers so big that each spans several overflow pages (a chain break is then read)."""
    with open_store(path) as store:
        for qid in qids:
            store.record(session, answer(qid, topic=f"{qid}-" * 5000), T0)
    rollback_journal(path)


DAMAGED = "the progress database {} is damaged (database disk image is malformed)"
REPAIR_HINT = (
    "`ecsprep progress repair` copies everything readable into a fresh database and "
    "keeps the damaged file beside it"
)


@pytest.mark.parametrize("readonly", [True, False])
def test_a_row_sqlite_cannot_read_names_the_damage_and_sqlites_verdict(
    tmp_path: Path, readonly: bool
) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path)
    bigger_answers(path, 1, "q0", "q1", "q2")
    break_overflow(path, b"q1-q1-")
    with open_store(path, readonly=readonly) as store:  # opening reads no answer yet
        assert store.setting("theme") == "dark"
        with pytest.raises(StorageError) as caught:
            store.answers()
    error = caught.value
    assert isinstance(error, DamagedError)
    verdict = "; SQLite's integrity check says: *** in database main ***\nOn tree page "
    assert error.message.startswith(DAMAGED.format(path) + verdict)
    assert "invalid page number 268435455" in error.message
    assert error.hint == REPAIR_HINT


def test_repair_copies_the_rows_around_one_sqlite_cannot_read(tmp_path: Path) -> None:
    """`SELECT *` fails on the table; each row is then read alone by its rowid."""
    path = tmp_path / "progress.sqlite3"
    with open_store(path) as store:
        for _ in range(3):  # session 2 loses its start time below: it can't be parsed
            store.start_session("practice", "quick", 1, T0)
        store.set_setting("theme", "dark")
    db = sqlite3.connect(path)
    db.execute("UPDATE sessions SET started_at = '' WHERE id = 2")
    db.commit()
    db.close()
    bigger_answers(path, 1, "q0", "q1", "q2", "q3")  # answer ids 1-4; q2 (id 3) is broken
    with open_store(path) as store:
        store.record(2, answer("orphan"), T0)  # id 5: its session is lost in the repair
        store.record(3, answer("after"), T0)  # id 6
    db = sqlite3.connect(path)
    db.execute("INSERT INTO review_logs (id, question_id, log) VALUES (1, 'q0', ?)", (b"\xff",))
    db.execute("UPDATE review_logs SET log = CAST(log AS TEXT)")
    db.execute("INSERT INTO review_logs (id, question_id, log) VALUES (2, 'q1', '{}')")
    db.commit()
    db.close()
    rollback_journal(path)
    break_overflow(path, b"q2-q2-")
    with pytest.raises(StorageError), open_store(path, readonly=True) as store:
        store.answers()  # the quiz can't read them

    repaired = store_module.repair_progress(path, T0)

    assert repaired is not None
    assert repaired.lost == (
        "sessions 2: no start time",
        "answers row 3: can't be read (database disk image is malformed)",
        "answers row 5: FOREIGN KEY constraint failed",
        "review_logs row 1: text that is not UTF-8",
    )
    assert repaired.copied == {
        "sessions": 2,
        "answers": 4,
        "cards": 0,
        "review_logs": 1,
        "settings": 1,
    }
    with open_store(path, readonly=True) as store:
        assert [a.question_id for a in store.answers()] == ["q0", "q1", "q3", "after"]
        assert [a.topic[:6] for a in store.answers()][:2] == ["q0-q0-", "q1-q1-"]
        assert [s.id for s in store.sessions()] == [3, 1]
        assert store.setting("theme") == "dark"
        assert store.damaged_rows() == []
    logs = sqlite3.connect(path).execute("SELECT id, question_id, log FROM review_logs")
    assert logs.fetchall() == [(2, "q1", "{}")]


def test_repair_of_a_table_sqlite_cannot_read_at_all_keeps_the_other_tables(
    tmp_path: Path,
) -> None:
    path = tmp_path / "progress.sqlite3"
    saved(path, "q1", "q2")
    rollback_journal(path)
    db = sqlite3.connect(path)
    db.execute("INSERT INTO review_logs (question_id, log) VALUES ('q1', '{}'), ('q2', '{}')")
    db.commit()
    sql = "SELECT rootpage FROM sqlite_master WHERE name = 'review_logs'"
    (root,) = db.execute(sql).fetchone()  # no index holds its rowids: they are lost too
    db.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * PAGE] = 0x01  # not a b-tree page type
    path.write_bytes(bytes(data))

    repaired = store_module.repair_progress(path, T0)

    assert repaired is not None
    assert repaired.lost == (
        "review_logs: the whole table can't be read (database disk image is malformed)",
    )
    assert repaired.copied == {
        "sessions": 1,
        "answers": 2,
        "cards": 0,
        "review_logs": 0,
        "settings": 1,
    }
    with open_store(path, readonly=True) as store:
        assert [a.question_id for a in store.answers()] == ["q1", "q2"]
        assert store.setting("theme") == "dark"


def test_repair_refuses_a_file_that_is_not_ours_or_not_sqlite_and_leaves_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (x)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StorageError) as caught:
        store_module.repair_progress(path, T0)
    assert caught.value.message == (
        f"{path} is not an ecsprep progress database (it has tables photos)"
    )
    assert path.read_bytes() == before
    path.write_bytes(b"not SQLite at all" * 300)
    with pytest.raises(DamagedError) as damaged:
        store_module.repair_progress(path, T0)
    assert damaged.value.message == (
        f"the progress database {path} is damaged: it is not an SQLite database at all"
    )
    assert damaged.value.hint == REPAIR_CANNOT
    assert [p.name for p in tmp_path.iterdir()] == ["progress.sqlite3"]


REPAIR_CANNOT = (
    "repair can't read it either: `ecsprep progress reset` moves it aside (it is kept) "
    "and a fresh one starts next time"
)


def test_repair_of_a_file_whose_schema_cannot_be_read_points_to_reset(tmp_path: Path) -> None:
    """Not "run `ecsprep progress repair`": that is the command that failed."""
    path = tmp_path / "progress.sqlite3"
    damaged_schema(path)
    before = path.read_bytes()
    with pytest.raises(DamagedError) as caught:
        store_module.repair_progress(path, T0)
    assert caught.value.message == (
        f"the progress database {path} is damaged "
        "(malformed database schema (settings) - incomplete input)"
    )
    assert caught.value.hint == REPAIR_CANNOT
    assert path.read_bytes() == before
    assert store_module.reset_progress(path, T0).startswith("the unreadable database was moved to ")


def damaged_schema(path: Path) -> None:
    """A schema SQLite cannot parse, in a file from before the application id (so it is read)."""
    saved(path, "q1")
    rollback_journal(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 0")
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE settings (' WHERE name = 'settings'")
    db.commit()
    db.close()


@pytest.mark.parametrize("readonly", [True, False])
def test_a_file_whose_schema_cannot_be_read_is_damaged_and_kept(
    tmp_path: Path, readonly: bool
) -> None:
    path = tmp_path / "progress.sqlite3"
    damaged_schema(path)
    before = path.read_bytes()
    with pytest.raises(StorageError) as caught, open_store(path, readonly=readonly):
        pass
    assert isinstance(caught.value, DamagedError)
    assert caught.value.message == (
        f"the progress database {path} is damaged "
        "(malformed database schema (settings) - incomplete input)"
    )
    assert caught.value.hint == REPAIR_HINT
    assert path.read_bytes() == before


@pytest.mark.parametrize("readonly", [True, False])
def test_a_file_that_is_not_sqlite_is_named_damaged_beyond_repair(
    tmp_path: Path, readonly: bool
) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"not SQLite at all" * 300)
    with pytest.raises(StorageError) as caught, open_store(path, readonly=readonly):
        pass
    assert isinstance(caught.value, DamagedError)
    assert caught.value.message == (
        f"the progress database {path} is damaged: it is not an SQLite database at all"
    )
    assert path.read_bytes() == b"not SQLite at all" * 300


def test_the_data_folder_and_its_parents_are_created(tmp_path: Path) -> None:
    path = tmp_path / "home" / "ecsprep" / "progress.sqlite3"
    with open_store(path) as store:
        store.set_setting("theme", "dark")
    with open_store(path, readonly=True) as store:
        assert store.setting("theme") == "dark"


def test_a_data_folder_that_is_a_file_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("a file", "utf-8")
    with pytest.raises(StorageError) as caught, open_store(blocker / "progress.sqlite3"):
        pass
    assert not isinstance(caught.value, DamagedError)
    assert caught.value.message == f"the data folder {blocker} is a file, not a folder"
    assert blocker.read_text("utf-8") == "a file"


def test_read_only_when_the_system_cannot_open_the_file_says_so(tmp_path: Path) -> None:
    """Out of file descriptors: the file is sound, SQLite just can't open it."""
    import os
    import resource

    path = tmp_path / "progress.sqlite3"
    saved(path, "q1")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    held: list[int] = []
    try:
        in_use = max(int(fd) for fd in os.listdir("/proc/self/fd"))
        resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 8, hard))
        while True:
            try:
                held.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                break
        with pytest.raises(StorageError) as caught:
            connect_readonly(path)
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert not isinstance(caught.value, DamagedError)
    assert caught.value.message == (
        f"cannot open the progress database {path} (unable to open database file)"
    )
    assert caught.value.hint == (
        "check that the file and its folder exist and are readable and writable "
        "(or set ECSPREP_HOME to another folder); your progress in it is intact"
    )


def test_a_damaged_file_that_cannot_be_moved_aside_is_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"garbage" * 200)
    clash = tmp_path / "progress.sqlite3.20250303T090000.bak"  # a folder has the name
    clash.mkdir()
    (clash / "keep").write_text("x", "utf-8")
    with pytest.raises(StorageError) as caught:
        store_module.reset_progress(path, T0)
    assert caught.value.message == f"cannot move {path} aside: Is a directory"
    assert caught.value.hint == (f"make {tmp_path} writable and try again; nothing was changed")
    assert path.read_bytes() == b"garbage" * 200


def test_a_file_moved_aside_is_stamped_with_the_utc_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"garbage" * 200)
    monkeypatch.setenv("TZ", "JST-9")  # nine hours ahead of UTC, all year
    time.tzset()
    try:
        before = datetime.now(timezone.utc).replace(microsecond=0)
        said = store_module.reset_progress(path)
        after = datetime.now(timezone.utc)
    finally:
        monkeypatch.undo()
        time.tzset()
    (backup,) = tmp_path.iterdir()
    assert said == (f"the unreadable database was moved to {backup}; a fresh one starts next time")
    stamp = datetime.strptime(backup.name.split(".")[2], "%Y%m%dT%H%M%S")
    assert before <= stamp.replace(tzinfo=timezone.utc) <= after + timedelta(seconds=1)


def test_an_old_ecsprep_database_sqlite_has_analysed_is_still_adopted(tmp_path: Path) -> None:
    """SQLite's own tables (sqlite_stat1 after ANALYZE) don't make a file someone else's."""
    path = tmp_path / "progress.sqlite3"
    old_database(path)  # application id 0, sessions and answers
    db = sqlite3.connect(path)
    db.execute("ANALYZE")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")  # read as it is, not migrated
    db.commit()
    assert "sqlite_stat1" in {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    with open_store(path, readonly=True) as store:
        assert store.sessions()[0].mode == "practice"


def test_opening_while_another_quiz_saves_does_not_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A current database needs no migration, so opening it takes no write lock."""
    path = tmp_path / "progress.sqlite3"
    saved(path, "q1")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 0.3)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another quiz in the middle of saving an answer
    writer.execute("UPDATE settings SET value = 'light'")
    try:
        with open_store(path) as store:
            assert [a.question_id for a in store.answers()] == ["q1"]
            assert store.setting("theme") == "dark"  # not yet committed
    finally:
        writer.execute("COMMIT")
        writer.close()


class _Clock:
    """A fake clock for `_while_busy`: sleeping moves it on; `at` fixes what it reads."""

    def __init__(self, *readings: float) -> None:
        self.now = 0.0
        self.readings = list(readings)
        self.pauses: list[float] = []

    def monotonic(self) -> float:
        return self.readings.pop(0) if self.readings else self.now

    def sleep(self, pause: float) -> None:
        self.pauses.append(pause)
        self.now += pause


def test_setup_retries_back_off_from_5_ms_doubling_to_200_ms_until_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock()
    monkeypatch.setattr(store_module, "time", clock)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 1.0)
    calls, step = _failing(*[sqlite3.OperationalError("database is locked")] * 100)
    with pytest.raises(sqlite3.OperationalError):
        store_module._while_busy(step)  # type: ignore[arg-type]
    expected = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.2, 0.2, 0.2, 0.2]  # 1.115 s > 1 s
    assert clock.pauses == pytest.approx(expected)
    assert len(calls) == len(expected) + 1


def test_setup_busy_at_the_very_timeout_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock(0.0, 2.0)  # the deadline is read at 0 s, the first failure at 2 s
    monkeypatch.setattr(store_module, "time", clock)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 2.0)
    calls, step = _failing(*[sqlite3.OperationalError("database is locked")] * 3)
    with pytest.raises(sqlite3.OperationalError):
        store_module._while_busy(step)  # type: ignore[arg-type]
    assert (len(calls), clock.pauses) == (1, [])


def test_a_number_in_an_adopted_file_without_column_types_is_a_damaged_row(
    tmp_path: Path,
) -> None:
    """ecsprep's own columns are TEXT, so SQLite hands a number back as text; a file from
    elsewhere with ecsprep's table names but untyped columns keeps it a number."""
    path = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY, started_at, ended_at, mode, blueprint,"
        " seed, questions, correct, scaled, passed)"
    )
    db.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, question_id)")
    db.execute(
        "INSERT INTO sessions (started_at, mode, blueprint, questions) VALUES (?, 5, 'q', 0)",
        (T0.isoformat(),),
    )
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.commit()
    db.close()
    with open_store(path, readonly=True) as store:
        assert store.sessions() == []
        assert store.damaged == ["sessions 1: expected text, found 5"]
