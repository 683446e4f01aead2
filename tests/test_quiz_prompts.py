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
    # A letter picks, Enter answers, Enter again leaves the feedback.
    data = json_report(drive(isolated_home, args, "b" + ENTER + ENTER + "A" + ENTER + ENTER))
    assert [(q["id"], q["chosen"], q["correct"]) for q in data["questions"]] == [
        ("spread-az", ["B"], True),
        ("ecr-login", ["A"], False),
    ]


def test_select_by_arrows_and_skip_key(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "spread-az", "ecr-login"), "--json"]
    data = json_report(drive(isolated_home, args, DOWN + ENTER + ENTER + "s" + ENTER))
    assert [(q["chosen"], q["skipped"]) for q in data["questions"]] == [(["B"], False), ([], True)]


def test_multiple_response_letters_toggle_ticks_and_enter_answers(
    isolated_home: Path, tmp_path: Path
) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "fargate-two"), "--json"]
    # a ticks A (not every row), i inverts nothing, Enter with one tick is refused,
    # b ticks and unticks B, c ticks C, Enter answers A and C.
    keys = "a" + "i" + ENTER + "b" + "b" + "c" + ENTER + ENTER
    data = json_report(drive(isolated_home, args, keys))
    assert data["questions"][0]["chosen"] == ["A", "C"]
    assert data["questions"][0]["correct"] is True


def test_multiple_response_space_and_arrows_still_tick(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "fargate-two"), "--json"]
    keys = SPACE + ENTER + DOWN + DOWN + SPACE + ENTER + ENTER
    data = json_report(drive(isolated_home, args, keys))
    assert data["questions"][0]["chosen"] == ["A", "C"]


@pytest.mark.parametrize("key", ["s", "S"])
def test_action_keys_work_on_multiple_response(
    isolated_home: Path, tmp_path: Path, key: str
) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "fargate-two", "spread-az"), "--json"]
    data = json_report(drive(isolated_home, args, "a" + key + ENTER + "q"))
    assert [(q["id"], q["skipped"]) for q in data["questions"]] == [("fargate-two", True)]
    assert data["stopped"] is True


def test_quit_key_on_multiple_response_keeps_nothing_unanswered(
    isolated_home: Path, tmp_path: Path
) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "fargate-two"), "--json"]
    data = json_report(drive(isolated_home, args, "a" + "c" + "q"))
    assert data["questions"] == []
    assert data["stopped"] is True


def test_explain_before_answering_is_a_peek(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "practice", "fargate-two", "spread-az"), "--json"]
    # x on the multiple-response question (a peek; Enter goes back to it), then answer it
    # right; the next one is answered right without looking; x after feedback is no peek.
    keys = "x" + ENTER + "a" + "c" + ENTER + ENTER + "b" + ENTER + "x" + ENTER
    result = drive(isolated_home, args, keys)
    data = json_report(result)
    assert [(q["id"], q["correct"], q["peeked"]) for q in data["questions"]] == [
        ("fargate-two", True, True),
        ("spread-az", True, False),
    ]
    assert data["totals"]["peeked"] == 1
    assert "Peeked (looked before answering)" in result.stderr
    assert result.stderr.count("Notes on fargate") == 1
    assert "Notes on placement" in result.stderr
    db = sqlite3.connect(isolated_home / "progress.sqlite3")
    rows = dict(db.execute("SELECT question_id, peeked FROM answers"))
    assert rows == {"fargate-two": 1, "spread-az": 0}
    ratings = {
        qid: json.loads(log)["rating"]
        for qid, log in db.execute("SELECT question_id, log FROM review_logs")
    }
    assert ratings == {"fargate-two": 1, "spread-az": 3}  # FSRS Again for the peek, Good else
    assert [row[0] for row in db.execute("SELECT question_id FROM answers")] != []
    review = drive(isolated_home, ["quiz", "--mode", "review", "--json"], "s" + ENTER)
    assert [q["id"] for q in json_report(review)["questions"]] == ["fargate-two"]


def test_instruction_line_fits_80_columns_for_every_question() -> None:
    from ecsprep.ui.quiz_ask import Action
    from ecsprep.ui.quiz_prompt import instruction
    from ecsprep.ui.quiz_run import TERMINAL_EXAM_ACTIONS

    practice = (Action.SKIP, Action.EXPLAIN, Action.SIMULATE, Action.QUIT)
    for multiple in (False, True):
        for actions in (practice, TERMINAL_EXAM_ACTIONS):
            line = instruction(multiple, actions)
            assert len(line) <= 80, line
    assert instruction(True, practice) == (
        "Letter ticks, Enter answers · s skip · x explain · m simulate · q quit"
    )


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
    args = ["quiz", blueprint(tmp_path, "exam", "spread-az", "ecr-login", "fargate-two"), "--json"]
    keys = (
        "r"  # flag question 1 (in place)
        + "a"
        + ENTER  # answer it A (wrong)
        + "p"  # back from question 2
        + "b"
        + ENTER  # change question 1 to B (right)
        + "c"
        + ENTER  # question 2: C (right)
        + "a"
        + "c"
        + "n"  # question 3 (choose two): ticks, then next without answering
        + DOWN
        + DOWN
        + ENTER  # the overview: go to question 3
        + ENTER  # its ticks were not kept (not answered): Enter is refused ...
        + "a"
        + "c"
        + "r"
        + ENTER  # ... tick A and C, flag, answer: the overview again
        + DOWN
        + DOWN
        + ENTER  # back to question 3
        + "u"
        + "y"  # submit from there, and confirm
    )
    data = json_report(drive(isolated_home, args, keys))
    assert [q["chosen"] for q in data["questions"]] == [["B"], ["C"], ["A", "C"]]
    assert data["scaled_score"] == 1000
    assert data["passed"] is True
    db = sqlite3.connect(isolated_home / "progress.sqlite3")
    rows = list(db.execute("SELECT question_id, chosen, outcome FROM answers ORDER BY id"))
    assert rows == [
        ("spread-az", '["B"]', "correct"),
        ("ecr-login", '["C"]', "correct"),
        ("fargate-two", '["A", "C"]', "correct"),
    ]
    assert db.execute("SELECT count(*) FROM cards").fetchone()[0] == 3  # reviewed at submission


def test_exam_offers_no_explain_or_simulate_before_submitting(
    isolated_home: Path, tmp_path: Path
) -> None:
    args = ["quiz", blueprint(tmp_path, "exam", "spread-az"), "--json"]
    # x and m do nothing in an exam: the answer B is then given, and the overview submits.
    result = drive(isolated_home, args, "x" + "m" + "b" + ENTER + DOWN + ENTER)
    data = json_report(result)
    assert [q["chosen"] for q in data["questions"]] == [["B"]]
    assert "Notes on" not in result.stderr
    assert data["timed_out"] is False


def test_exam_quit_leaves_the_exam_open(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", blueprint(tmp_path, "exam", "spread-az", "ecr-login")]
    result = drive(isolated_home, args, "b" + ENTER + "q")
    assert result.exit_code == 0, result.output
    assert "The exam is left open, not submitted: 1 answer(s) saved." in result.stdout
    assert "FAIL" not in result.stdout
    assert "PASS" not in result.stdout
    db = sqlite3.connect(isolated_home / "progress.sqlite3")
    assert db.execute("SELECT ended_at FROM sessions").fetchone() == (None,)
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 1


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
    result = drive(isolated_home, args, "m" + ENTER + "b" + ENTER + ENTER)
    data = json_report(result)
    assert [(q["chosen"], q["correct"], q["peeked"]) for q in data["questions"]] == [
        (["B"], True, True)
    ]
    assert "spread uses every instance." in result.stderr  # --json: the session goes to stderr


def test_feedback_is_cut_to_the_room_with_a_line_for_the_rest() -> None:
    from ecsprep.ui.quiz_prompt import cut_to_fit

    text = "".join(f"line {n}\n" for n in range(1, 11))
    assert cut_to_fit(text, 10) == (text, 0)  # fits: all of it
    kept, hidden = cut_to_fit(text, 4)  # three lines, and a fourth row for "… 7 more lines"
    assert kept == "line 1\nline 2\nline 3\n"
    assert hidden == 7


def test_the_pager_falls_back_to_printing_when_there_is_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ecsprep.ui.quiz_prompt import page

    monkeypatch.setenv("PAGER", "no-such-pager-ecsprep")
    path = tmp_path / "shown.txt"
    with path.open("w+", encoding="utf-8") as stream:
        page("all of the feedback ✔\n", stream)
    assert path.read_text(encoding="utf-8") == "all of the feedback ✔\n"
