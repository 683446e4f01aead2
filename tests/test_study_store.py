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


def test_stats_count_a_question_under_each_of_its_topics_like_quiz_and_explain(
    tmp_path: Path,
) -> None:
    from ecsprep.explain import lookup
    from ecsprep.packs.load import load_library
    from ecsprep.study.blueprint import DEFAULT
    from ecsprep.study.session import pool

    library = load_library(include_user=False).library
    on_clusters = pool(library, DEFAULT, ["ecs-clusters"])  # what `quiz --topic` draws from
    side = next(q for q in on_clusters if q.topics[0] != "ecs-clusters")  # not its main topic
    with open_store(tmp_path / "p.sqlite3") as store:
        session = store.start_session("practice", "quick", 1, T0)
        store.record(session, answer(side.id, "correct", topic=side.topics[0]), T0)
        figures = summarize(
            store.answers(),
            store.cards(),
            library,
            schedule.scheduler(schedule.Settings()),
            T0,
            timezone.utc,
        )
    rows = {t.topic: t for t in figures.topics}
    explained = lookup(library.notes(), "ecs-clusters").matches[0].questions
    assert rows["ecs-clusters"].questions == len(on_clusters) == len(explained)
    for topic in side.topics:
        assert rows[topic].answered == 1
        assert rows[topic].correct == 1


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


# --- hostile and damaged databases ----------------------------------------------------


def damaged_database(path: Path) -> None:
    """Two good answers and a card, then three damaged answers and a damaged card."""
    with open_store(path) as store:
        session = store.start_session("practice", "quick", 1, T0)
        store.record(session, answer("good-1", "correct"), T0)
        store.record(session, answer("good-2", "wrong"), T0 + timedelta(minutes=1))
        card, log = schedule.review(
            schedule.scheduler(schedule.Settings()),
            schedule.new_card("good-1", T0),
            Rating.Good,
            T0,
            3.0,
        )
        store.save_card("good-1", card, log, T0)
        store.save_card("bad-card", card, log, T0)
    db = sqlite3.connect(path)
    insert = (
        "INSERT INTO answers (session_id, question_id, topic, chosen, answer, outcome, seconds,"
        " answered_at) VALUES (1, ?, 'ecr', ?, '[\"A\"]', 'wrong', 1, ?)"
    )
    db.execute(insert, ("not-json", "A, B", T0.isoformat()))
    db.execute(insert, ("bad-time", '["A"]', "yesterday"))
    db.execute(
        insert.replace("'ecr'", "CAST(X'FFFE' AS TEXT)"), ("bad-bytes", "[]", T0.isoformat())
    )
    db.execute("UPDATE cards SET card = '{\"due\": 1}' WHERE question_id = 'bad-card'")
    db.commit()
    db.close()


def test_damaged_rows_are_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    damaged_database(path)
    with open_store(path, readonly=True) as store:
        assert [a.question_id for a in store.answers()] == ["good-1", "good-2"]
        assert list(store.cards()) == ["good-1"]
        assert len(store.sessions()) == 1
        assert sorted(store.damaged) == [
            "answers 3: not JSON",
            "answers 4: Invalid isoformat string: 'yesterday'",
            "answers 5: text that is not UTF-8",
            "cards 'bad-card': missing 'card_id'",
        ]
    data = export_data(path, Library.of(()))
    assert [a["question"] for a in data["answers"]] == ["good-1", "good-2"]
    assert len(data["skipped"]) == 4


def test_stats_and_export_warn_about_damaged_rows_and_name_the_way_out(
    isolated_home: Path,
) -> None:
    from typer.testing import CliRunner

    from ecsprep.ui.app import app

    damaged_database(isolated_home / "progress.sqlite3")
    for args in (["stats"], ["progress", "export"], ["quiz", "--mode", "due", "--plain"]):
        result = CliRunner().invoke(app, args, input="quit\n")
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert result.exit_code == 0, (args, result.output)
        assert "warning: 4 damaged row(s) in the progress database skipped" in result.stderr
        assert "`ecsprep progress repair`" in result.stderr


@pytest.mark.parametrize("mode", ["practice", "due", "review"])
def test_the_quiz_warns_about_damaged_rows_once_on_stderr(isolated_home: Path, mode: str) -> None:
    """The quiz says what `stats` says, once per session, and its plain output is unchanged."""
    from typer.testing import CliRunner

    from ecsprep.ui.app import app

    args = ["quiz", "--mode", mode, "--count", "2", "--seed", "5", "--plain"]
    clean = CliRunner().invoke(app, args, input="skip\nskip\n")
    damaged_database(isolated_home / "progress.sqlite3")
    result = CliRunner().invoke(app, args, input="skip\nskip\n")
    assert result.exit_code == 0, result.output
    warning = "warning: 4 damaged row(s) in the progress database skipped"
    assert result.stderr.count(warning) == 1, result.stderr
    assert ": not JSON" in result.stderr
    assert "`ecsprep progress repair`" in result.stderr
    assert "damaged" not in result.stdout
    if mode == "practice":  # same questions, same seed: the plain output is what it was
        assert result.stdout.replace("time 00:01", "time 00:00") == clean.stdout.replace(
            "time 00:01", "time 00:00"
        )


def test_repair_copies_what_can_be_read_and_keeps_the_damaged_file(tmp_path: Path) -> None:
    from ecsprep.study.store import repair_progress

    path = tmp_path / "progress.sqlite3"
    damaged_database(path)
    before = sqlite3.connect(path).execute("SELECT count(*) FROM answers").fetchone()[0]
    repaired = repair_progress(path, T0)
    assert repaired is not None
    assert repaired.copied == {
        "sessions": 1,
        "answers": 2,
        "cards": 1,
        "review_logs": 2,
        "settings": 0,
    }
    assert len(repaired.lost) == 4
    kept = tmp_path / "progress.sqlite3.20250303T090000.damaged"
    assert repaired.kept == kept
    assert sqlite3.connect(kept).execute("SELECT count(*) FROM answers").fetchone()[0] == before
    with open_store(path) as store:
        assert [a.question_id for a in store.answers()] == ["good-1", "good-2"]
        assert store.damaged == []


def test_reading_commands_open_read_only(isolated_home: Path) -> None:
    """stats and export neither switch the journal to WAL nor migrate nor write anything."""
    from typer.testing import CliRunner

    from ecsprep.ui.app import app

    path = isolated_home / "progress.sqlite3"
    with open_store(path) as store:
        store.record(store.start_session("practice", "quick", 1, T0), answer("q", "wrong"), T0)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()
    before = path.read_bytes()
    for args in (["stats"], ["progress", "export"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
    assert path.read_bytes() == before
    assert not (isolated_home / "progress.sqlite3-wal").exists()


def test_stats_on_no_database_creates_nothing(isolated_home: Path) -> None:
    from typer.testing import CliRunner

    from ecsprep.ui.app import app

    result = CliRunner().invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    assert not (isolated_home / "progress.sqlite3").exists()


def test_an_unrelated_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (id INTEGER, taken TEXT)")
    db.commit()
    db.close()
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StorageError) as caught, open_store(path, readonly=readonly):
            pass
        assert (
            caught.value.message
            == f"{path} is not an ecsprep progress database (it has tables photos)"
        )
    with pytest.raises(StorageError):
        reset_progress(path)
    assert path.read_bytes() == before


def test_another_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 1234")
    db.commit()
    db.close()
    with pytest.raises(StorageError, match="it has application id 0x4d2"), open_store(path):
        pass


def test_ours_is_marked_with_the_application_id(tmp_path: Path) -> None:
    from ecsprep.study.store import APPLICATION_ID

    path = tmp_path / "progress.sqlite3"
    with open_store(path):
        pass
    assert sqlite3.connect(path).execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ("database or disk is full", "the disk is full"),
        ("attempt to write a readonly database", "is read-only"),
        ("database is locked", "locked by another program"),
        ("unable to open database file", "cannot open the progress database"),
    ],
)
def test_a_sound_database_is_never_moved_aside(
    error: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ecsprep.study.store as store_module

    path = tmp_path / "progress.sqlite3"
    with open_store(path) as store:
        store.record(store.start_session("practice", "quick", 1, T0), answer("q", "wrong"), T0)

    def failing(_path: Path) -> sqlite3.Connection:
        raise store_module.unreadable(path, sqlite3.OperationalError(error))

    monkeypatch.setattr(store_module, "connect", failing)
    with pytest.raises(StorageError) as caught:
        reset_progress(path, T0)
    assert says in caught.value.message
    assert caught.value.hint
    assert "reset" not in caught.value.hint
    assert "intact" in caught.value.hint
    assert path.exists()
    assert list(tmp_path.glob("*.bak")) == []


def test_a_read_only_data_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"garbage" * 200)

    def rename(self: Path, target: Path) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(StorageError, match=r"cannot move .* aside: Permission denied"):
        reset_progress(path, T0)
    assert path.read_bytes() == b"garbage" * 200


@pytest.mark.parametrize(
    "args", [["stats"], ["explain", "binpack"], ["progress", "reset", "--yes"], ["quiz"]]
)
def test_ecsprep_home_that_is_a_file_is_one_clear_error(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from ecsprep.ui.app import app

    home = tmp_path / "home"
    home.write_text("not a folder", "utf-8")
    monkeypatch.setenv("ECSPREP_HOME", str(home))
    result = CliRunner().invoke(app, args, input="quit\n")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: ECSPREP_HOME is {home}, which is a file, not a folder")
    assert isinstance(result.exception, SystemExit)
