"""One real-terminal run: the installed `ecsprep quiz` under a pty, keyboard answers, the
simulator check (m), Ctrl-C.

Checks that what was answered before Ctrl-C is in the SQLite file afterwards.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect", reason="pexpect is needed to drive a real terminal")

# Two single-answer questions from the shipped content, in pack order (no shuffle).
BLUEPRINT = """\
format: 1
id: terminal-test
title: Terminal test
mode: practice
count: null
shuffle: false
questions: [iam-four-services-task-roles, seed-second-container-fixed-host-port]
"""


def command() -> list[str]:
    installed = Path(sys.executable).parent / "ecsprep"
    if installed.exists():
        return [str(installed)]
    found = shutil.which("ecsprep")
    return [found] if found else [sys.executable, "-m", "ecsprep"]


@pytest.mark.slow
def test_keyboard_answer_then_ctrl_c_keeps_the_answer(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bp = tmp_path / "terminal.yaml"
    bp.write_text(BLUEPRINT)
    env = {**os.environ, "ECSPREP_HOME": str(home), "NO_COLOR": "1", "TERM": "xterm"}
    argv = [*command(), "quiz", str(bp)]
    try:
        child = pexpect.spawn(
            argv[0], argv[1:], env=env, dimensions=(40, 110), timeout=30, encoding="utf-8"
        )
    except (OSError, pexpect.ExceptionPexpect) as exc:
        pytest.skip(f"no pty available: {exc}")
    try:
        child.expect("iam-four-services-task-roles")
        child.expect("Choose one")
        child.send("c")  # the letter moves to option C ...
        child.send("\r")  # ... and Enter answers
        child.expect("Right: C")
        child.expect("seed-second-container-fixed-host-port")
        child.expect("Choose one")
        child.send("m")  # check the options in the simulator ...
        child.send("\r")
        child.expect("hostPort: 80 → 0")  # ... which runs them, then asks again
        child.expect("Choose one")
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    db = sqlite3.connect(home / "progress.sqlite3")
    rows = list(db.execute("SELECT question_id, chosen, outcome FROM answers"))
    assert rows == [("iam-four-services-task-roles", '["C"]', "correct")]
    assert db.execute("SELECT count(*) FROM cards").fetchone()[0] == 1
