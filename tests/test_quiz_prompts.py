"""The terminal prompts (questionary), driven through prompt_toolkit's pipe input.

`create_app_session(input=pipe, output=DummyOutput())` makes every questionary
prompt in the command read our keystrokes; `interactive` is forced on because
CliRunner's stdin is not a terminal.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from typer.testing import CliRunner, Result

from ecsprep.ui import quiz, quiz_start
from ecsprep.ui.app import app
from tests import quiz_library

DOWN, ENTER, SPACE, CTRL_C = "\x1b[B", "\r", " ", "\x03"


@pytest.fixture(autouse=True)
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiz, "load_content", lambda extra=(): quiz_library.library())
    monkeypatch.setattr(quiz_start, "interactive", lambda request: True)


def blueprint(tmp_path: Path, mode: str, *questions: str) -> str:
    path = tmp_path / f"{mode}.yaml"
    listed = ", ".join(questions)
    path.write_text(
        f"format: 1\nid: {mode}-fixture\ntitle: T\nmode: {mode}\ncount: null\n"
        f"questions: [{listed}]\nshuffle: false\n"
    )
    return str(path)


def drive(home: Path, args: list[str], keys: str) -> Result:
    env = {"ECSPREP_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "100"}
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        with create_app_session(input=pipe, output=DummyOutput()):
            return CliRunner().invoke(app, args, env=env)


def json_report(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_select_by_letter(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "spread-az", "ecr-login"), "--json"]
    data = json_report(drive(isolated_home, args, "b" + ENTER + "A" + ENTER))
    assert [(q["id"], q["chosen"], q["correct"]) for q in data["questions"]] == [
        ("spread-az", ["B"], True),
        ("ecr-login", ["A"], False),
    ]


def test_select_by_arrows_and_skip_shortcut(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "spread-az", "ecr-login"), "--json"]
    data = json_report(drive(isolated_home, args, DOWN + ENTER + "s" + ENTER))
    assert [(q["chosen"], q["skipped"]) for q in data["questions"]] == [(["B"], False), ([], True)]


def test_checkbox_enforces_the_count(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "fargate-two"), "--json"]
    # Tick A and press Enter (refused: choose 2), then tick C as well and answer.
    keys = SPACE + ENTER + DOWN + DOWN + SPACE + ENTER
    data = json_report(drive(isolated_home, args, keys))
    assert data["questions"][0]["chosen"] == ["A", "C"]
    assert data["questions"][0]["correct"] is True


def test_ctrl_c_stops_and_keeps_the_answers(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "spread-az", "ecr-login", "fargate-awsvpc")]
    result = drive(isolated_home, args, "b" + ENTER + CTRL_C)
    assert result.exit_code == 130
    assert "Interrupted: 1 answer(s) saved." in result.stdout
    db = sqlite3.connect(isolated_home / "progress.sqlite3")
    assert list(db.execute("SELECT question_id, outcome FROM answers")) == [
        ("spread-az", "correct")
    ]


def test_exam_flag_go_back_change_and_submit(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "exam", "spread-az", "ecr-login"), "--json"]
    keys = (
        "r"
        + ENTER  # flag question 1
        + "a"
        + ENTER  # answer it A (wrong)
        + "p"
        + ENTER  # back from question 2
        + "b"
        + ENTER  # change question 1 to B (right)
        + "c"
        + ENTER  # question 2: C (right)
        + DOWN
        + DOWN
        + ENTER  # the overview: past both questions to "Submit the exam"
    )
    data = json_report(drive(isolated_home, args, keys))
    assert [q["chosen"] for q in data["questions"]] == [["B"], ["C"]]
    assert data["scaled_score"] == 1000
    assert data["passed"] is True
    db = sqlite3.connect(isolated_home / "progress.sqlite3")
    rows = list(db.execute("SELECT question_id, chosen, outcome FROM answers ORDER BY id"))
    assert rows == [("spread-az", '["B"]', "correct"), ("ecr-login", '["C"]', "correct")]
    assert db.execute("SELECT count(*) FROM cards").fetchone()[0] == 2  # reviewed at submission


def test_m_runs_the_simulator_check_then_asks_again(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from ecsprep.packs.model import Library, Pack
    from tests.test_quiz_cli import CHECK

    checked = replace(quiz_library.QUESTIONS[1], check=CHECK)  # spread-az, answer B
    library = Library.of((Pack(id="fixture", title="F", version="1", questions=(checked,)),))
    monkeypatch.setattr(quiz, "load_content", lambda extra=(): library)
    args = ["quiz", blueprint(tmp_path, "practice", "spread-az"), "--json"]
    result = drive(isolated_home, args, "m" + ENTER + "b" + ENTER)
    data = json_report(result)
    assert [(q["chosen"], q["correct"]) for q in data["questions"]] == [(["B"], True)]
    assert "spread uses every instance." in result.stderr  # --json: the session goes to stderr
