"""What a learner must never lose: exam answers on Ctrl-C or kill -9, the pack's letters
(not the shuffled ones) in the database, and the self-rating given with --rate.

The first two tests run the real `ecsprep` in a child process and stop it mid-exam,
then read the SQLite file it left behind.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from fsrs import Rating
from typer.testing import CliRunner

from ecsprep.ui import quiz
from ecsprep.ui.app import app
from tests import quiz_library

# Three single-answer questions of the shipped content, in pack order, options unshuffled.
EXAM = """\
format: 1
id: durability-exam
title: Durability exam
mode: exam
count: null
shuffle: false
questions: [seed-ecs-config-task-iam-roles, seed-several-copies-behind-load-balancer,
            seed-second-container-fixed-host-port]
"""


def command() -> list[str]:
    installed = Path(sys.executable).parent / "ecsprep"
    if installed.exists():
        return [str(installed)]
    found = shutil.which("ecsprep")
    return [found] if found else [sys.executable, "-m", "ecsprep"]


def read_until(child: subprocess.Popen[bytes], marker: str, seen: bytearray, start: int = 0) -> int:
    """Read the child's stdout until `marker` appears after `start`; where it is."""
    assert child.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(child.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    while seen.find(marker.encode(), start) < 0:
        left = deadline - time.monotonic()
        assert left > 0, f"never saw {marker!r}; output so far:\n{seen.decode(errors='replace')}"
        if selector.select(timeout=left):
            chunk = os.read(child.stdout.fileno(), 65536)
            assert chunk, f"ecsprep ended before {marker!r}:\n{seen.decode(errors='replace')}"
            seen.extend(chunk)
    return seen.find(marker.encode(), start)


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_an_exam_stopped_midway_keeps_every_answer_given(
    tmp_path: Path, stop: signal.Signals
) -> None:
    home = tmp_path / "home"
    blueprint = tmp_path / "exam.yaml"
    blueprint.write_text(EXAM)
    env = {**os.environ, "ECSPREP_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "100"}
    child = subprocess.Popen(
        [*command(), "quiz", str(blueprint), "--plain"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        # A learner's terminal delivers Ctrl-C; a test run started in the background of a
        # non-interactive shell ignores SIGINT and the child would inherit that. Python turns
        # SIGINT into KeyboardInterrupt only when it is not ignored at start-up.
        preexec_fn=_interruptible,
    )
    assert child.stdin is not None
    seen = bytearray()
    try:
        # shuffle: false keeps the blueprint's order; nothing before an answer names its id.
        read_until(child, "Question 1/3", seen)
        child.stdin.write(b"A\n")
        child.stdin.flush()
        read_until(child, "Question 2/3", seen)
        child.stdin.write(b"B\n")
        child.stdin.flush()
        # The third question is on screen: two answers given, the exam not submitted.
        third = read_until(child, "Question 3/3", seen)
        read_until(child, "Answer (", seen, third)
        child.send_signal(stop)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if stop is signal.SIGKILL:
        assert child.returncode == -signal.SIGKILL
    db = sqlite3.connect(home / "progress.sqlite3")
    rows = sorted(db.execute("SELECT question_id, chosen FROM answers"))
    assert rows == [
        ("seed-ecs-config-task-iam-roles", '["A"]'),
        ("seed-several-copies-behind-load-balancer", '["B"]'),
    ]
    # Not submitted: the session has no score.
    assert db.execute("SELECT scaled FROM sessions").fetchall() == [(None,)]


# --- the pack's letters, not the shown ones ---------------------------------------


@pytest.fixture
def fixture_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiz, "load_content", lambda extra=(): quiz_library.library())


def invoke(home: Path, args: list[str], stdin: str) -> str:
    env = {"ECSPREP_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "100"}
    result = CliRunner().invoke(app, args, input=stdin, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def shown_letter(output: str, qid: str, key: str) -> str:
    """The letter the session showed for the pack's option `key` of question `qid`."""
    found = re.search(rf"^\s+([A-H])\. {re.escape(qid)} option {key}$", output, re.MULTILINE)
    assert found, output
    return found.group(1)


@pytest.mark.usefixtures("fixture_content")
@pytest.mark.parametrize("mode", ["practice", "exam"])
def test_the_database_stores_the_packs_letters_not_the_shuffled_ones(
    isolated_home: Path, mode: str
) -> None:
    args = ["quiz", "--mode", mode, "--topic", "ecr", "--count", "1"]
    # Find a seed whose shuffle moves option B of the question away from letter B.
    for seed in range(50):
        first = invoke(isolated_home / f"probe{seed}", [*args, "--seed", str(seed)], "quit\n")
        # The quiz shows no id before an answer; the fixture's options carry it.
        qid = re.search(r"^\s+[A-H]\. (ecr-[a-z-]+) option [A-H]$", first, re.MULTILINE)
        assert qid, first
        letter = shown_letter(first, qid.group(1), "B")
        if letter != "B":
            break
    else:
        pytest.fail("50 seeds never moved option B: options are not shuffled")
    invoke(isolated_home, [*args, "--seed", str(seed)], f"{letter}\n")
    db = sqlite3.connect(isolated_home / "progress.sqlite3")
    rows = list(db.execute("SELECT question_id, chosen, answer, outcome FROM answers"))
    key = quiz_library.library().questions[qid.group(1)].answer
    expected_outcome = "correct" if key == frozenset("B") else "wrong"
    assert rows == [(qid.group(1), '["B"]', json.dumps(sorted(key)), expected_outcome)]


# --- --rate --------------------------------------------------------------------------


@pytest.mark.usefixtures("fixture_content")
def test_rate_stores_the_learners_rating_and_schedules_by_it(isolated_home: Path) -> None:
    """`--rate hard/good/easy` after a right answer is the rating FSRS gets, and it shows
    in the interval: an easier rating brings the card back later."""
    qid = "ecr-login"  # key C
    args = ["quiz", "--topic", "ecr", "--count", "1", "--rate"]
    for seed in range(50):
        probe = invoke(isolated_home / f"probe{seed}", [*args, "--seed", str(seed)], "quit\n")
        if f" {qid} option " in probe:
            break
    else:
        pytest.fail(f"50 seeds never drew {qid}")
    letter = shown_letter(probe, qid, "C")
    intervals = {}
    for word, rating in (("hard", Rating.Hard), ("good", Rating.Good), ("easy", Rating.Easy)):
        home = isolated_home / word
        out = invoke(home, [*args, "--seed", str(seed)], f"{letter}\n{word}\n")
        assert "How did it feel?" in out
        db = sqlite3.connect(home / "progress.sqlite3")
        logs = [json.loads(log) for (log,) in db.execute("SELECT log FROM review_logs")]
        assert [log["rating"] for log in logs] == [int(rating)], word
        (card_text,) = db.execute("SELECT card FROM cards").fetchone()
        card = json.loads(card_text)
        due = datetime.fromisoformat(card["due"])
        intervals[word] = due - datetime.fromisoformat(card["last_review"])
    assert intervals["hard"] < intervals["good"] < intervals["easy"]


# --- --count in review and due modes ---------------------------------------------------


@pytest.mark.usefixtures("fixture_content")
@pytest.mark.parametrize("mode", ["review", "due"])
def test_count_limits_review_and_due_sessions(isolated_home: Path, mode: str) -> None:
    topics = ["--topic", "ecr", "--topic", "fargate"]
    if mode == "review":
        # Three questions answered wrong: all three are in the review queue.
        args = ["quiz", *topics, "--count", "3", "--seed", "2", "--plain"]
        first = json.loads(invoke(isolated_home, [*args, "--json"], "skip\n" * 3))
        lines = []
        for question in first["questions"]:
            key = set(question["answer"])
            wrong = [c for c in "ABCD" if c not in key][: len(key)]
            lines.append(",".join(wrong))
        invoke(isolated_home, args, "\n".join(lines) + "\n")
    # In due mode every question of a fresh database is new, so all are offered.
    session = ["quiz", "--mode", mode, *topics, "--seed", "4", "--json"]
    fresh = mode == "due"
    everything = json.loads(
        invoke(isolated_home / "all" if fresh else isolated_home, session, "skip\n" * 9)
    )
    assert len(everything["questions"]) >= 3
    one = json.loads(
        invoke(
            isolated_home / "one" if fresh else isolated_home,
            [*session, "--count", "1"],
            "skip\n" * 9,
        )
    )
    assert [q["id"] for q in one["questions"]] == [everything["questions"][0]["id"]]
