"""The progress database: every answer, FSRS card and session, in one SQLite file.

Durability is the point. Each answer is its own short transaction, committed
before the next question is shown, so Ctrl-C or `kill -9` loses nothing already
answered. WAL mode and a busy timeout let two quizzes in two terminals write at
once. The schema version is `PRAGMA user_version`, moved forward by the
`MIGRATIONS` scripts in order. A file that SQLite cannot read is reported with its
path and a way out; it is never replaced silently.

Hostile files: the database carries ecsprep's `application_id`, and a file without
it is adopted only when its tables are ecsprep's (an unrelated SQLite file is
refused). Reading commands open it read-only (no WAL switch, no migration). A row
that can't be parsed is skipped and counted in `Store.damaged`; `repair_progress`
copies every readable row into a fresh database and keeps the damaged file.
The hint of an error fits its cause: a full disk or a read-only file is never
"moved aside", only a damaged one.

Progress is keyed by question id and keeps a copy of what it needs (main topic,
keys, a content fingerprint), so editing or removing a question later breaks nothing.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecsprep.errors import StorageError

if TYPE_CHECKING:
    from fsrs import Card, ReviewLog

BUSY_TIMEOUT_SECONDS = 10.0
# SQLite's primary result codes (stable C API; the sqlite3 module names them only from 3.11).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26
APPLICATION_ID = 0x45435350  # "ECSP": PRAGMA application_id of an ecsprep progress database
TABLES = frozenset({"sessions", "answers", "cards", "review_logs", "settings"})

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
    import json  # here: a quiz shows its first question before it reads or writes an answer

    keys = json.loads(text)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ValueError(f"{text!r} is not a list of option keys")
    return frozenset(keys)


def _dump_keys(keys: frozenset[str]) -> str:
    import json

    return json.dumps(sorted(keys))


class Store:
    """An open progress database. Use `open_store` (a context manager)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self.damaged: list[str] = []  # rows skipped because they can't be read, one line each

    def _parsed(
        self, table: str, rows: list[sqlite3.Row], parse: Callable[[sqlite3.Row], Any]
    ) -> list[Any]:
        """Each row parsed; a damaged row is skipped and noted in `damaged`."""
        good = []
        for row in rows:
            try:
                good.append(parse(row))
            except (ValueError, TypeError, KeyError, AttributeError, AssertionError) as exc:
                names = row.keys()  # `in row` would look at the values
                key = row["id"] if "id" in names else row["question_id"]
                self.damaged.append(f"{table} {key!r}: {_what(exc)}")
        return good

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
        try:
            return list(self._db.execute(sql, params))
        except sqlite3.DatabaseError as exc:
            raise unreadable(self.path, exc, integrity(self._db)) from exc

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
        rows = self._read("SELECT question_id, card FROM cards")
        parsed = self._parsed("cards", rows, lambda row: (_text(row["question_id"]), _card(row)))
        return dict(parsed)

    def new_cards_since(self, moment: datetime) -> int:
        rows = self._read(
            "SELECT count(*) AS n FROM cards WHERE first_review >= ?", (_iso(moment),)
        )
        return int(rows[0]["n"])

    def answers(self) -> list[AnswerRow]:
        """Every answer ever recorded, oldest first."""
        rows = self._read("SELECT * FROM answers ORDER BY answered_at, id")
        answers: list[AnswerRow] = self._parsed("answers", rows, _answer)
        return answers

    def sessions(self, limit: int | None = None) -> list[SessionRow]:
        sql = "SELECT * FROM sessions ORDER BY started_at DESC, id DESC"
        rows = self._read(sql + " LIMIT ?", (limit,)) if limit else self._read(sql)
        sessions: list[SessionRow] = self._parsed("sessions", rows, _session)
        return sessions

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

    def damaged_rows(self) -> list[str]:
        """Every row that can't be read, once each (reads every table through).

        The quiz reads only the cards; this names the damaged answers and sessions
        too, as `ecsprep stats` does.
        """
        self.cards()
        self.answers()
        self.sessions()
        return list(dict.fromkeys(self.damaged))

    def close(self) -> None:
        self._db.close()


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(_text(text))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return moment


def _text(value: object) -> str:
    if isinstance(value, bytes):
        raise ValueError("text that is not UTF-8")
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r}")
    return value


def _card(row: sqlite3.Row) -> Card:
    from fsrs import Card

    card = Card.from_json(_text(row["card"]))
    if card.due.tzinfo is None:
        raise ValueError("a card without a time zone")
    return card


def _what(exc: BaseException) -> str:
    import json

    if isinstance(exc, json.JSONDecodeError):
        return "not JSON"
    if isinstance(exc, KeyError):
        return f"missing {exc}"
    return str(exc) or type(exc).__name__


def _answer(row: sqlite3.Row) -> AnswerRow:
    answered_at = _time(row["answered_at"])
    if answered_at is None:
        raise ValueError("no time of answer")
    seconds = row["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"seconds {seconds!r} is not a number")
    return AnswerRow(
        id=row["id"],
        session_id=row["session_id"],
        question_id=_text(row["question_id"]),
        topic=_text(row["topic"]),
        chosen=_keys(_text(row["chosen"])),
        answer=_keys(_text(row["answer"])),
        outcome=_text(row["outcome"]),
        seconds=float(seconds),
        answered_at=answered_at,
        content_hash=_text(row["content_hash"]),
        peeked=bool(row["peeked"]),
    )


def _session(row: sqlite3.Row) -> SessionRow:
    started = _time(row["started_at"])
    if started is None:
        raise ValueError("no start time")
    return SessionRow(
        id=row["id"],
        started_at=started,
        ended_at=_time(row["ended_at"]),
        mode=_text(row["mode"]),
        blueprint=_text(row["blueprint"]),
        seed=row["seed"],
        questions=row["questions"],
        correct=row["correct"],
        scaled=row["scaled"],
        passed=None if row["passed"] is None else bool(row["passed"]),
    )


def unreadable(path: Path, exc: BaseException, integrity_report: str = "") -> StorageError:
    """What is wrong with the database and what helps; moving aside only for damage."""
    if isinstance(exc, OSError):
        return _folder_error(path, exc)
    code = _code(exc)
    text = str(exc)
    intact = "your progress in it is intact"
    if code == SQLITE_FULL or "full" in text:
        return StorageError(
            f"cannot save to the progress database {path}: the disk is full",
            f"free some disk space and try again; {intact}",
        )
    if code == SQLITE_READONLY or "readonly" in text:
        return StorageError(
            f"the progress database {path} is read-only ({text})",
            f"make it and its folder writable (chmod u+w) to save answers; `ecsprep stats` "
            f"and `ecsprep progress export` still read it; {intact}",
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in text:
        return StorageError(
            f"the progress database {path} is locked by another program ({text})",
            f"finish the other ecsprep (or program) using it and try again; {intact}",
        )
    if code in (SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR) or "unable to open" in text:
        return StorageError(
            f"cannot open the progress database {path} ({text})",
            "check that the file and its folder exist and are readable and writable "
            f"(or set ECSPREP_HOME to another folder); {intact}",
        )
    if code == SQLITE_NOTADB or "not a database" in text:
        return DamagedError(
            f"the progress database {path} is damaged: it is not an SQLite database at all",
            "nothing in it can be read: `ecsprep progress reset` moves it aside (it is kept) "
            "and a fresh one starts next time",
        )
    shown = integrity_report not in ("", text)
    detail = f"; SQLite's integrity check says: {integrity_report}" if shown else ""
    return DamagedError(
        f"the progress database {path} is damaged ({text}){detail}",
        "`ecsprep progress repair` copies everything readable into a fresh database and "
        "keeps the damaged file beside it",
    )


class DamagedError(StorageError):
    """The file itself is damaged (not a database, malformed): the only case to move aside."""


def _folder_error(path: Path, exc: OSError) -> StorageError:
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        return StorageError(
            f"the data folder {folder} is a file, not a folder",
            "point ECSPREP_HOME at a folder (or unset it), or move the file away",
        )
    return StorageError(
        f"cannot use the progress database {path}: {exc.strerror or exc}",
        "check the permissions of the file and its folder, or set ECSPREP_HOME to a "
        "writable folder; nothing was changed",
    )


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return None if code is None else int(code) & 0xFF


def integrity(db: sqlite3.Connection) -> str:
    """SQLite's own verdict on the file (the first few problems), or '' when it can't say."""
    try:
        rows = [str(r[0]) for r in db.execute("PRAGMA quick_check(5)")]
    except sqlite3.Error as exc:
        return str(exc)
    return "" if rows == ["ok"] else "; ".join(rows)


@contextmanager
def open_store(path: Path, *, readonly: bool = False) -> Iterator[Store]:
    """Open (creating if needed) and migrate the database at `path`.

    `readonly` opens it without writing anything (no WAL switch, no migration), for
    commands that only read; a missing file reads as an empty database.
    """
    connection = connect_readonly(path) if readonly else connect(path)
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
    db.text_factory = _text_or_bytes
    try:
        _while_busy(lambda: _prepare(db, path))
    except sqlite3.DatabaseError as exc:
        report = integrity(db)
        db.close()
        raise unreadable(path, exc, report) from exc
    except BaseException:
        db.close()
        raise
    return db


def connect_readonly(path: Path) -> sqlite3.Connection:
    """The database opened read-only; a fresh in-memory one when there is no file yet."""
    try:
        exists = path.is_file()
        if not exists and path.exists():
            raise IsADirectoryError(21, "not a file", str(path))
    except OSError as exc:
        raise unreadable(path, exc) from exc
    if not exists or schema_needs_migration(path):
        if not exists:
            db = sqlite3.connect(":memory:", isolation_level=None)
            db.row_factory = sqlite3.Row
            migrate(db, path)
            return db
        return connect(path)  # an old schema: migrate it first (that writes)
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise unreadable(path, exc) from exc
    db.row_factory = sqlite3.Row
    db.text_factory = _text_or_bytes
    try:
        _while_busy(lambda: _check_ours(db, path))
        _refuse_newer(db, path)
    except sqlite3.DatabaseError as exc:
        report = integrity(db)
        db.close()
        raise unreadable(path, exc, report) from exc
    except BaseException:
        db.close()
        raise
    return db


def schema_needs_migration(path: Path) -> bool:
    """Whether the file's schema is older than this ecsprep's (read without writing)."""
    try:
        with path.open("rb") as file:
            header = file.read(100)
    except OSError:
        return False  # the read-only open says what is wrong
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return False
    return int.from_bytes(header[60:64], "big") < SCHEMA_VERSION  # the user_version field


def _text_or_bytes(data: bytes) -> str | bytes:
    """Text columns as str; bytes that aren't UTF-8 stay bytes, so one row can be skipped."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    _check_ours(db, path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable on process crash
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db, path)
    if int(db.execute("PRAGMA application_id").fetchone()[0]) != APPLICATION_ID:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a constant


def _check_ours(db: sqlite3.Connection, path: Path) -> None:
    """Refuse an SQLite file that isn't an ecsprep progress database."""
    app_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    if app_id == APPLICATION_ID:
        return
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    tables = {str(r[0]) for r in rows if isinstance(r[0], str) and not r[0].startswith("sqlite_")}
    if app_id == 0 and (not tables or {"sessions", "answers"} <= tables <= TABLES):
        return  # new and empty, or an ecsprep database from before the application id
    what = f"application id {app_id:#x}" if app_id else "tables " + ", ".join(sorted(tables))
    raise StorageError(
        f"{path} is not an ecsprep progress database (it has {what})",
        "move that file elsewhere, or set ECSPREP_HOME to another folder; it was not changed",
    )


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
    """Delete all progress; a damaged file is renamed aside instead (never deleted).

    A database that can't be written for another reason (read-only, a full disk,
    locked, not ecsprep's) is left as it is and the error says why. Returns what was
    done, for the learner.
    """
    if not path.exists():
        return f"no progress saved yet ({path})"
    try:
        with open_store(path) as store:
            store.clear()
        return f"progress deleted ({path})"
    except StorageError as exc:
        if not isinstance(exc, DamagedError):
            raise
        backup = _move_aside(path, now, "bak")
        return f"the unreadable database was moved to {backup}; a fresh one starts next time"


def _move_aside(path: Path, now: datetime | None, label: str) -> Path:
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.{stamp}.{label}")
    try:
        path.rename(backup)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(backup.with_name(backup.name + suffix))
    except OSError as exc:
        raise StorageError(
            f"cannot move {path} aside: {exc.strerror or exc}",
            f"make {path.parent} writable and try again; nothing was changed",
        ) from None
    return backup


@dataclass(frozen=True, slots=True)
class Repaired:
    copied: dict[str, int]  # table -> rows copied
    lost: tuple[str, ...]  # what could not be read, one line each
    kept: Path  # where the damaged file now is


def repair_progress(path: Path, now: datetime | None = None) -> Repaired | None:
    """Copy every readable row into a fresh database at `path`; keep the old file beside it.

    None when there is no file. Rows are copied as they are, but a row the store
    can't parse (an answer whose `chosen` isn't JSON, a card missing fields) is left
    out and listed in `lost`.
    """
    if not path.exists():
        return None
    fresh = path.with_name(path.name + ".repairing")
    fresh.unlink(missing_ok=True)
    lost: list[str] = []
    copied: dict[str, int] = {}
    try:
        old = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        old.row_factory = sqlite3.Row
        old.text_factory = _text_or_bytes
        _check_ours(old, path)
    except sqlite3.DatabaseError as exc:
        error = unreadable(path, exc)
        if isinstance(error, DamagedError):  # not "run repair": that is what failed
            error = DamagedError(
                error.message,
                "repair can't read it either: `ecsprep progress reset` moves it aside "
                "(it is kept) and a fresh one starts next time",
            )
        raise error from exc
    try:
        new = connect(fresh)
        try:
            store = Store(fresh, new)
            for table, parse in _REPAIRABLE.items():
                copied[table] = _copy_table(old, new, store, table, parse, lost)
        finally:
            new.close()
    finally:
        old.close()
    kept = _move_aside(path, now, "damaged")
    fresh.rename(path)
    return Repaired(copied, tuple(lost), kept)


def _copy_table(
    old: sqlite3.Connection,
    new: sqlite3.Connection,
    store: Store,
    table: str,
    parse: Callable[[sqlite3.Row], Any] | None,
    lost: list[str],
) -> int:
    columns = [str(r[1]) for r in new.execute(f"PRAGMA table_info({table})")]
    rows = _readable_rows(old, table, lost)
    count = 0
    new.execute("BEGIN")
    for row in rows:
        if parse is not None:
            before = len(store.damaged)
            store._parsed(table, [row], parse)
            if len(store.damaged) > before:
                lost.append(store.damaged[-1])
                continue
        present = row.keys()  # `in row` would look at the values
        names = [c for c in columns if c in present]
        values = [row[c] for c in names]
        if any(isinstance(v, bytes) for v in values):
            lost.append(f"{table} row {row[names[0]]!r}: text that is not UTF-8")
            continue
        try:
            new.execute(
                f"INSERT OR IGNORE INTO {table} ({', '.join(names)})"
                f" VALUES ({', '.join('?' * len(names))})",
                values,
            )
        except sqlite3.Error as exc:
            lost.append(f"{table} row {values[0]!r}: {exc}")
            continue
        count += 1
    new.execute("COMMIT")
    return count


def _readable_rows(old: sqlite3.Connection, table: str, lost: list[str]) -> list[sqlite3.Row]:
    """Every row SQLite can still read: all at once, else one rowid at a time."""
    try:
        return list(old.execute(f"SELECT * FROM {table}"))
    except sqlite3.DatabaseError as exc:
        first = exc
    try:
        rowids = [int(r[0]) for r in old.execute(f"SELECT rowid FROM {table}")]
    except sqlite3.DatabaseError as exc:
        lost.append(f"{table}: the whole table can't be read ({exc})")
        return []
    rows = []
    for rowid in rowids:
        try:
            rows += old.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchall()
        except sqlite3.DatabaseError:
            lost.append(f"{table} row {rowid}: can't be read ({first})")
    return rows


# Tables in copying order (sessions before the answers that refer to them), each with
# the parser a row must pass (None: copied as it is).
_REPAIRABLE: dict[str, Callable[[sqlite3.Row], Any] | None] = {
    "sessions": _session,
    "answers": _answer,
    "cards": _card,
    "review_logs": None,
    "settings": None,
}
