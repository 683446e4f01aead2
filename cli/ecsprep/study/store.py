"""The progress database: every answer, FSRS card and session, in one SQLite file.

Durability is the point. Each answer is its own short transaction, committed
before the next question is shown, so Ctrl-C or `kill -9` loses nothing already
answered. WAL mode and a busy timeout let two quizzes in two terminals write at
once. The schema version is `PRAGMA user_version`, moved forward by the
`MIGRATIONS` scripts in order. A file that SQLite cannot read is reported with its
path and a way out; it is never replaced silently.

Progress is keyed by question id and keeps a copy of what it needs (main topic,
keys, a content fingerprint), so editing or removing a question later breaks nothing.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fsrs import Card, ReviewLog

from ecsprep.errors import StorageError

BUSY_TIMEOUT_SECONDS = 10.0
# SQLite's primary result codes (stable C API; the sqlite3 module names them only from 3.11).
SQLITE_BUSY, SQLITE_LOCKED = 5, 6

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions and answers
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        mode TEXT NOT NULL,
        blueprint TEXT NOT NULL,
        seed INTEGER,
        questions INTEGER NOT NULL DEFAULT 0,
        correct INTEGER,
        scaled INTEGER,
        passed INTEGER
    );
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        question_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        chosen TEXT NOT NULL,
        answer TEXT NOT NULL,
        outcome TEXT NOT NULL,
        seconds REAL NOT NULL,
        answered_at TEXT NOT NULL,
        UNIQUE (session_id, question_id)
    );
    CREATE INDEX answers_by_question ON answers (question_id, answered_at);
    """,
    # 2: spaced repetition (fsrs cards and logs), settings, content fingerprints
    """
    ALTER TABLE answers ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
    CREATE TABLE cards (
        question_id TEXT PRIMARY KEY,
        card TEXT NOT NULL,
        first_review TEXT NOT NULL
    );
    CREATE TABLE review_logs (
        id INTEGER PRIMARY KEY,
        question_id TEXT NOT NULL,
        log TEXT NOT NULL
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 3: answers given after looking at the notes or the simulator first
    """
    ALTER TABLE answers ADD COLUMN peeked INTEGER NOT NULL DEFAULT 0;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class AnswerRow:
    id: int
    session_id: int
    question_id: str
    topic: str
    chosen: frozenset[str]  # the pack's keys
    answer: frozenset[str]  # the key when it was answered
    outcome: str  # an Outcome value
    seconds: float
    answered_at: datetime
    content_hash: str
    peeked: bool = False


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    started_at: datetime
    ended_at: datetime | None
    mode: str
    blueprint: str
    seed: int | None
    questions: int
    correct: int | None
    scaled: int | None
    passed: bool | None


@dataclass(frozen=True, slots=True)
class NewAnswer:
    """One answer to write, in the pack's keys (never the shuffled letters)."""

    question_id: str
    topic: str
    chosen: frozenset[str]
    answer: frozenset[str]
    outcome: str
    seconds: float
    content_hash: str
    peeked: bool = False


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat()


def _keys(text: str) -> frozenset[str]:
    return frozenset(json.loads(text))


def _dump_keys(keys: frozenset[str]) -> str:
    return json.dumps(sorted(keys))


class Store:
    """An open progress database. Use `open_store` (a context manager)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise unreadable(self.path, exc) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short transaction; IMMEDIATE takes the write lock up front (no upgrade deadlock)."""
        with self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._guard():
            return list(self._db.execute(sql, params))

    # --- writing ---------------------------------------------------------

    def start_session(self, mode: str, blueprint: str, seed: int | None, now: datetime) -> int:
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO sessions (started_at, mode, blueprint, seed) VALUES (?, ?, ?, ?)",
                (_iso(now), mode, blueprint, seed),
            )
            return int(cursor.lastrowid or 0)

    def record(
        self,
        session_id: int,
        answer: NewAnswer,
        now: datetime,
        card: tuple[Card, ReviewLog] | None = None,
    ) -> None:
        """Commit one answer (and its card) at once; a second answer in a session replaces it."""
        with self._write() as db:
            db.execute(
                """INSERT INTO answers (session_id, question_id, topic, chosen, answer, outcome,
                                        seconds, answered_at, content_hash, peeked)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (session_id, question_id) DO UPDATE SET
                     chosen = excluded.chosen, answer = excluded.answer,
                     outcome = excluded.outcome, seconds = answers.seconds + excluded.seconds,
                     answered_at = excluded.answered_at, content_hash = excluded.content_hash,
                     peeked = excluded.peeked""",
                (
                    session_id,
                    answer.question_id,
                    answer.topic,
                    _dump_keys(answer.chosen),
                    _dump_keys(answer.answer),
                    answer.outcome,
                    answer.seconds,
                    _iso(now),
                    answer.content_hash,
                    int(answer.peeked),
                ),
            )
            db.execute(
                "UPDATE sessions SET questions ="
                " (SELECT count(*) FROM answers WHERE session_id = ?) WHERE id = ?",
                (session_id, session_id),
            )
            if card is not None:
                self._save_card(db, answer.question_id, card[0], card[1], now)

    def save_card(self, question_id: str, card: Card, log: ReviewLog, now: datetime) -> None:
        with self._write() as db:
            self._save_card(db, question_id, card, log, now)

    @staticmethod
    def _save_card(
        db: sqlite3.Connection, question_id: str, card: Card, log: ReviewLog, now: datetime
    ) -> None:
        db.execute(
            """INSERT INTO cards (question_id, card, first_review) VALUES (?, ?, ?)
               ON CONFLICT (question_id) DO UPDATE SET card = excluded.card""",
            (question_id, card.to_json(), _iso(now)),
        )
        db.execute(
            "INSERT INTO review_logs (question_id, log) VALUES (?, ?)", (question_id, log.to_json())
        )

    def finish_session(
        self,
        session_id: int,
        now: datetime,
        *,
        questions: int,
        correct: int,
        scaled: int | None = None,
        passed: bool | None = None,
    ) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET ended_at = ?, questions = ?, correct = ?,"
                " scaled = ?, passed = ? WHERE id = ?",
                (_iso(now), questions, correct, scaled, passed, session_id),
            )

    def set_setting(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def clear(self) -> None:
        """Delete all progress (the file and its schema stay)."""
        with self._write() as db:
            for table in ("review_logs", "cards", "answers", "sessions", "settings"):
                db.execute(f"DELETE FROM {table}")  # table names are the constants above

    # --- reading ---------------------------------------------------------

    def setting(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def cards(self) -> dict[str, Card]:
        return {
            row["question_id"]: Card.from_json(row["card"])
            for row in self._read("SELECT question_id, card FROM cards")
        }

    def new_cards_since(self, moment: datetime) -> int:
        rows = self._read(
            "SELECT count(*) AS n FROM cards WHERE first_review >= ?", (_iso(moment),)
        )
        return int(rows[0]["n"])

    def answers(self) -> list[AnswerRow]:
        """Every answer ever recorded, oldest first."""
        return [
            _answer(row) for row in self._read("SELECT * FROM answers ORDER BY answered_at, id")
        ]

    def sessions(self, limit: int | None = None) -> list[SessionRow]:
        sql = "SELECT * FROM sessions ORDER BY started_at DESC, id DESC"
        rows = self._read(sql + " LIMIT ?", (limit,)) if limit else self._read(sql)
        return [_session(row) for row in rows]

    def review_queue(self) -> tuple[str, ...]:
        """Questions whose latest graded answer is wrong (or peeked), most recent first."""
        rows = self._read(
            """SELECT question_id, outcome, peeked, max(answered_at) AS at FROM answers
               WHERE outcome != 'skipped' GROUP BY question_id"""
        )
        # SQLite returns the bare columns from the row holding max(): the latest answer.
        wrong = [row for row in rows if row["outcome"] == "wrong" or row["peeked"]]
        wrong.sort(key=lambda row: row["at"], reverse=True)
        return tuple(row["question_id"] for row in wrong)

    def close(self) -> None:
        self._db.close()


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _answer(row: sqlite3.Row) -> AnswerRow:
    return AnswerRow(
        id=row["id"],
        session_id=row["session_id"],
        question_id=row["question_id"],
        topic=row["topic"],
        chosen=_keys(row["chosen"]),
        answer=_keys(row["answer"]),
        outcome=row["outcome"],
        seconds=row["seconds"],
        answered_at=datetime.fromisoformat(row["answered_at"]),
        content_hash=row["content_hash"],
        peeked=bool(row["peeked"]),
    )


def _session(row: sqlite3.Row) -> SessionRow:
    started = _time(row["started_at"])
    assert started is not None  # NOT NULL in the schema
    return SessionRow(
        id=row["id"],
        started_at=started,
        ended_at=_time(row["ended_at"]),
        mode=row["mode"],
        blueprint=row["blueprint"],
        seed=row["seed"],
        questions=row["questions"],
        correct=row["correct"],
        scaled=row["scaled"],
        passed=None if row["passed"] is None else bool(row["passed"]),
    )


def unreadable(path: Path, exc: BaseException) -> StorageError:
    return StorageError(
        f"the progress database {path} cannot be used: {exc}",
        f"back it up and start afresh: `ecsprep progress reset` moves it aside "
        f"(or `mv {path} {path}.bak`); nothing is replaced without asking",
    )


@contextmanager
def open_store(path: Path) -> Iterator[Store]:
    """Open (creating if needed) and migrate the database at `path`."""
    connection = connect(path)
    try:
        yield Store(path, connection)
    finally:
        connection.close()


def connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise unreadable(path, exc) from exc
    db.row_factory = sqlite3.Row
    try:
        _while_busy(lambda: _prepare(db, path))
    except sqlite3.DatabaseError as exc:
        db.close()
        raise unreadable(path, exc) from exc
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable on process crash
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db, path)


def _while_busy(step: Callable[[], None]) -> None:
    """Run `step`, retrying while another connection holds the lock.

    The busy timeout does not cover everything: switching a new file to WAL
    (or opening one while another process runs WAL recovery) can fail at once
    with "database is locked", because SQLite skips the busy handler where
    waiting could deadlock. Two quizzes started together on a fresh machine hit
    exactly that, so the setup is retried with backoff up to the same timeout.
    Every step is idempotent: migrations re-read the version inside their lock.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)  # extended codes keep it low
    return "locked" in str(exc) or "busy" in str(exc)


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION) -> None:
    """Apply the missing migrations, each with its version bump, in one transaction."""
    if schema_version(db) >= target:
        _refuse_newer(db, path)
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        version = schema_version(db)  # another process may have migrated meanwhile
        for number in range(version + 1, target + 1):
            for statement in MIGRATIONS[number - 1].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")  # an int we control
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _refuse_newer(db: sqlite3.Connection, path: Path) -> None:
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the progress database {path} has schema version {version}, newer than this "
            f"ecsprep understands ({SCHEMA_VERSION})",
            "upgrade ecsprep, or back the file up and start afresh with `ecsprep progress reset`",
        )


def reset_progress(path: Path, now: datetime | None = None) -> str:
    """Delete all progress; an unreadable file is renamed aside instead (never deleted).

    Returns what was done, for the learner.
    """
    if not path.exists():
        return f"no progress saved yet ({path})"
    try:
        with open_store(path) as store:
            store.clear()
        return f"progress deleted ({path})"
    except StorageError:
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S")
        backup = path.with_name(f"{path.name}.{stamp}.bak")
        path.rename(backup)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(backup.with_name(backup.name + suffix))
        return f"the unreadable database was moved to {backup}; a fresh one starts next time"
