"""One real-terminal run: the installed `ecsprep quiz` under a pty, keyboard answers, the
simulator check (m), Ctrl-C.

Checks that what was answered before Ctrl-C is in the SQLite file afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

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


FIXTURE_PACK = Path(__file__).parent / "fixtures" / "terminal-pack.yaml"
CHOOSE_TWO = """\
format: 1
id: choose-two-test
title: Choose two
mode: {mode}
count: null
shuffle: false
questions: [ux-choose-two-secret-id, ux-second-two]
"""


def spawn(
    tmp_path: Path,
    args: list[str],
    columns: int = 110,
    rows: int = 40,
    extra: dict[str, str] | None = None,
) -> Any:
    env = {**os.environ, "ECSPREP_HOME": str(tmp_path / "home"), "NO_COLOR": "1", "TERM": "xterm"}
    env.update(extra or {})
    env.pop("COLUMNS", None)
    argv = [*command(), *args]
    try:
        return pexpect.spawn(
            argv[0], argv[1:], env=env, dimensions=(rows, columns), timeout=30, encoding="utf-8"
        )
    except (OSError, pexpect.ExceptionPexpect) as exc:
        pytest.skip(f"no pty available: {exc}")


def never(child: Any, pattern: str, seconds: float = 1.0) -> None:
    """`pattern` does not appear within `seconds`."""
    assert child.expect([pattern, pexpect.TIMEOUT], timeout=seconds) == 1, pattern


@pytest.mark.slow
def test_keyboard_answer_then_ctrl_c_keeps_the_answer(tmp_path: Path) -> None:
    bp = tmp_path / "terminal.yaml"
    bp.write_text(BLUEPRINT)
    child = spawn(tmp_path, ["quiz", str(bp)])
    try:
        child.expect("Question 1/2")  # a neutral label before the answer ...
        before = child.expect_exact("Letter picks, Enter answers")
        assert before == 0
        assert "iam-four-services-task-roles" not in child.before
        child.send("c")  # the letter picks option C ...
        child.send("\r")  # ... and Enter answers
        child.expect("Your answer: C")
        child.expect("Right: C")
        child.expect(r"\(question iam-four-services-task-roles\)")  # ... the id after it
        child.expect("Enter: next question")
        never(child, "Question 2/2")  # the feedback stays until a key
        child.send("\r")
        child.expect("Question 2/2")
        child.expect("Letter picks")
        child.send("m")  # check the options in the simulator (a peek) ...
        child.expect("hostPort: 80 → 0")  # ... which runs them; Enter asks again
        child.expect("Enter: back to the question")
        child.send("\r")
        child.expect("Letter picks")
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    db = sqlite3.connect(tmp_path / "home" / "progress.sqlite3")
    rows = list(db.execute("SELECT question_id, chosen, outcome FROM answers"))
    assert rows == [("iam-four-services-task-roles", '["C"]', "correct")]
    assert db.execute("SELECT count(*) FROM cards").fetchone()[0] == 1


@pytest.mark.slow
def test_choose_two_letters_tick_enter_answers_and_actions_work(tmp_path: Path) -> None:
    bp = tmp_path / "two.yaml"
    bp.write_text(CHOOSE_TWO.format(mode="practice"))
    child = spawn(tmp_path, ["quiz", str(bp), "--pack", str(FIXTURE_PACK)], columns=120)
    try:
        child.expect("Question 1/2 · Terminal behaviour")
        # Options use the width there is: the two long ones differ only at their ends.
        child.expect("ends in apples")
        child.expect("ends in bananas")
        child.expect("Letter ticks, Enter answers · s skip · x explain · q quit")
        assert "ux-choose-two-secret-id" not in child.before
        child.send("a")
        child.expect(r"\[x\] A\.")
        child.send("\r")  # one tick: refused, with the reason
        child.expect("Tick exactly 2 \\(you ticked 1\\)")
        child.send("c")
        child.send("\r")
        child.expect("Your answer: A, C")
        child.expect("Right: A,C")
        child.expect("Enter: next question · x explain · q quit")
        child.send("x")  # explain still works on the answered question
        child.expect(r"Notes on \[bold\]the terminal\[/bold\] with a \[word\]")  # markup shown
        child.expect("Enter: next question")
        child.send("\r")
        child.expect("Question 2/2")
        child.expect("Letter ticks")
        child.send("s")  # the skip key on a choose-two question
        child.expect("Skipped. The answer is A,B")
        child.expect("Enter: the summary")
        child.send("\r")
        child.expect("1/2 right")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


@pytest.mark.slow
@pytest.mark.parametrize("pager", ["cat", "less"])
def test_long_feedback_is_cut_to_fit_and_v_shows_all_of_it(tmp_path: Path, pager: str) -> None:
    """At 80×24 the first question's feedback (34 lines) is cut to the 23 rows above the
    prompt, saying how much more there is; v shows all of it in the pager ($PAGER)."""
    if shutil.which(pager) is None:
        pytest.skip(f"{pager} is not installed")
    bp = tmp_path / "terminal.yaml"
    bp.write_text(BLUEPRINT)
    child = spawn(tmp_path, ["quiz", str(bp)], columns=80, rows=24, extra={"PAGER": pager})
    try:
        child.expect("Letter picks")
        child.send("a")
        child.send("\r")
        child.expect("Wrong: you chose A; the answer is C.")
        child.expect(r"… (\d+) more lines: press v to view all")
        hidden = int(child.match.group(1))
        assert hidden > 0
        # The verdict's line and 21 more, then the "more" line and the prompt: 24 rows.
        assert child.before.count("\n") == 24 - 2
        assert "Check it:" not in child.before  # the end is what was cut
        child.expect("Enter: next question · v view all · x explain · m simulate · q quit")
        child.send("v")
        if pager == "less":
            child.expect("Wrong: you chose A")  # the pager opens on the start ...
            child.send("G")  # ... and goes to the end
        child.expect("More: ecsprep explain ecs-iam-roles")
        child.expect("Check it: ecsprep simulate question iam-four-services-task-roles")
        if pager == "less":
            child.send("q")
        child.expect("Enter: next question · v view all")  # back on the same prompt
        child.send("x")  # the other keys still work; the notes are cut to fit too ...
        child.expect("IAM roles in ECS")
        child.expect(r"… \d+ more lines: press v to view all")
        assert "shows this any time" not in child.before
        child.expect("Enter: next question · v view all")
        child.send("v")  # ... and v shows all of them
        if pager == "less":
            child.expect("IAM roles in ECS")
            child.send("G")
        child.expect("ecsprep explain ecs-iam-roles shows this any time")
        if pager == "less":
            child.send("q")
        child.expect("Enter: next question · v view all")
        child.send("\r")
        child.expect("Question 2/2")
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    db = sqlite3.connect(tmp_path / "home" / "progress.sqlite3")
    rows = list(db.execute("SELECT question_id, chosen, outcome FROM answers"))
    assert rows == [("iam-four-services-task-roles", '["A"]', "wrong")]


@pytest.mark.slow
def test_notes_looked_at_before_answering_are_cut_to_fit_and_enter_goes_back(
    tmp_path: Path,
) -> None:
    """At 80×24, x before answering cuts the notes to fit like feedback (v shows all of
    them); Enter draws the question again on a clean screen, and the answer counts as
    peeked."""
    bp = tmp_path / "terminal.yaml"
    bp.write_text(BLUEPRINT)
    child = spawn(tmp_path, ["quiz", str(bp)], columns=80, rows=24, extra={"PAGER": "cat"})
    try:
        child.expect("Letter picks")
        child.send("x")
        child.expect("IAM roles in ECS")
        child.expect(r"… \d+ more lines: press v to view all")
        assert "shows this any time" not in child.before  # the end is what was cut
        child.expect("Enter: back to the question · v view all")
        child.send("v")
        child.expect("ecsprep explain ecs-iam-roles shows this any time")
        child.expect("Enter: back to the question · v view all")  # the same prompt again
        child.send("\r")
        child.expect("Question 1/2")
        child.expect("Letter picks")
        child.send("c")
        child.send("\r")
        child.expect("Right")
        child.expect("Peeked")
        child.expect("Enter: next question")
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    db = sqlite3.connect(tmp_path / "home" / "progress.sqlite3")
    rows = list(db.execute("SELECT question_id, chosen, outcome FROM answers"))
    assert rows == [("iam-four-services-task-roles", '["C"]', "correct")]


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


class Tmux:
    """`ecsprep` run in a detached tmux session of a given size, to read the screen as
    the learner sees it (pexpect reads a stream: it can't tell what scrolled away)."""

    def __init__(self, tmp_path: Path, args: list[str], columns: int, rows: int, env: str):
        import subprocess

        self.session = f"ecsprep-test-{os.getpid()}-{tmp_path.name}"
        argv = [*command(), *args]
        env = f"ECSPREP_HOME={tmp_path / 'home'} NO_COLOR=1 {env}"
        shell = f"env -u COLUMNS {env} {' '.join(argv)}; sleep 5"
        size = ["-x", str(columns), "-y", str(rows)]
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, *size, shell], check=True)

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *_: object) -> None:
        self.tmux("kill-session")

    def tmux(self, command: str, *args: str) -> str:
        import subprocess

        done = subprocess.run(
            ["tmux", command, "-t", self.session, *args], capture_output=True, text=True
        )
        return done.stdout

    def screen(self) -> list[str]:
        return self.tmux("capture-pane", "-p").splitlines()

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", *keys)

    def resize(self, columns: int, rows: int) -> None:
        self.tmux("resize-window", "-x", str(columns), "-y", str(rows))

    def wait_for(self, text: str, row: int | None = None, top: str = "") -> list[str]:
        """The screen once `text` is on it (on line `row` when given; -1 is the last) and
        its first line starts with `top`."""
        import time

        for _ in range(100):
            shown = self.screen()
            lines = shown if row is None else shown[row:][:1]
            if any(text in line for line in lines) and shown[:1] and shown[0].startswith(top):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never shown:\n" + "\n".join(self.screen()))


@pytest.mark.slow
@pytest.mark.skipif(not tmux_available(), reason="tmux is needed to read the screen")
def test_exam_screen_has_one_live_clock_and_one_question(tmp_path: Path) -> None:
    """At 80×24 the exam shows one question and one clock, and no id before submitting."""
    import time

    bp = tmp_path / "exam.yaml"
    bp.write_text(CHOOSE_TWO.format(mode="exam"))
    args = ["quiz", str(bp), "--pack", str(FIXTURE_PACK)]
    with Tmux(tmp_path, args, 80, 24, env="") as tmux:
        shown = "\n".join(tmux.wait_for("time left"))
        time.sleep(1.5)  # a tick of the clock
        shown = "\n".join(tmux.screen())
        assert shown.count("time left") == 1
        assert "Question 1/2 · answered 0 · flagged 0" in shown
        assert "ux-choose-two-secret-id" not in shown
        tmux.keys("r")  # flag in place
        shown = "\n".join(tmux.wait_for("FLAGGED"))
        assert shown.count("Which two options are right?") == 1
        tmux.keys("a", "c", "Enter")
        shown = "\n".join(tmux.wait_for("Question 2/2"))
        assert "Which two options are right?" not in shown  # the next question, in place
        assert shown.count("time left") == 1


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_like_ctrl_c(tmp_path: Path, signal_name: str) -> None:
    import signal

    bp = tmp_path / "terminal.yaml"
    bp.write_text(BLUEPRINT)
    child = spawn(tmp_path, ["quiz", str(bp)])
    try:
        child.expect("Letter picks")
        child.send("c")
        child.send("\r")
        child.expect("Enter: next question")
        child.send("\r")
        child.expect("Question 2/2")
        child.kill(getattr(signal, signal_name))
        if signal_name == "SIGTERM":  # the terminal is still there to show the report
            child.expect("Interrupted: 1 answer\\(s\\) saved.")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130, (child.exitstatus, child.signalstatus)
    db = sqlite3.connect(tmp_path / "home" / "progress.sqlite3")
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 1


@pytest.mark.slow
@pytest.mark.skipif(not tmux_available(), reason="tmux is needed to read the screen")
@pytest.mark.parametrize("rate", [False, True])
def test_the_start_of_long_feedback_stays_on_the_screen(tmp_path: Path, rate: bool) -> None:
    """At 80×24 the screen after an answer shows the verdict at the top, the cut, and the
    prompt: nothing of the feedback's start has scrolled away (nor with `--rate`'s list)."""
    bp = tmp_path / "terminal.yaml"
    bp.write_text(BLUEPRINT)
    args = ["quiz", str(bp), *(["--rate"] if rate else [])]
    with Tmux(tmp_path, args, 80, 24, env="PAGER=cat") as tmux:
        tmux.wait_for("Letter picks")
        if not rate:
            tmux.keys("a", "Enter")
            shown = tmux.wait_for("Enter: next question")
            assert shown[0].startswith("✘ Wrong: you chose A; the answer is C."), shown
            assert "more lines: press v to view all" in shown[22]
            assert shown[23].startswith("Enter: next question · v view all")
            return
        tmux.keys("c", "Enter")
        shown = tmux.wait_for("no opinion")
        assert shown[0].startswith("✔ Right: C."), shown
        tmux.keys("Enter")
        shown = tmux.wait_for("Enter: next question")
        assert shown[0].startswith("✔ Right: C."), shown
        assert any("more lines: press v to view all" in line for line in shown)


@pytest.mark.slow
@pytest.mark.skipif(not tmux_available(), reason="tmux is needed to read the screen")
@pytest.mark.parametrize("rate", [False, True])
def test_feedback_is_cut_again_when_the_terminal_is_resized(tmp_path: Path, rate: bool) -> None:
    """Feedback on the screen is drawn again for the new size when the terminal is
    resized: shrunk, the verdict stays on the top line and the cut moves up; grown, all
    of it fits and v still shows all of it. The same under `--rate`'s list."""
    bp = tmp_path / "terminal.yaml"
    bp.write_text(BLUEPRINT)
    args = ["quiz", str(bp), *(["--rate"] if rate else [])]
    with Tmux(tmp_path, args, 80, 24, env="PAGER=cat") as tmux:
        tmux.wait_for("Letter picks")
        tmux.keys("c", "Enter")
        last = "no opinion" if rate else "Enter: next question"
        shown = tmux.wait_for(last, row=23)
        hidden_at_80 = next(line for line in shown if "more lines" in line)
        for columns, rows in ((60, 18), (70, 18), (58, 16)):  # shrinking, again and again
            tmux.resize(columns, rows)
            # No line scrolled away: the verdict on top, the prompt at the bottom.
            shown = tmux.wait_for(last, row=rows - 1, top="✔ Right: C.")
            assert len(shown) == rows
            cut = rows - 1 - (5 if rate else 1)  # the "more" line, above the prompt
            assert "more lines: press v to view all" in shown[cut], shown
            # Wrapped anew at this width, every line under the verdict indented: lines
            # the terminal itself rewrapped would go on at the left edge mid-sentence.
            assert all(line.startswith("  ") for line in shown[1:cut]), shown
        assert shown[cut] != hidden_at_80  # more is hidden at 58×16 than at 80×24
        if rate:
            tmux.keys("Enter")  # good
            tmux.wait_for("Enter: next question")
        tmux.resize(100, 50)
        shown = tmux.wait_for("Check it: ecsprep simulate question iam-four-services")
        assert shown[0].startswith("✔ Right: C."), shown
        assert not any("more lines" in line for line in shown), shown
        tmux.keys("v")  # offered when it was cut: now the pager shows all of it
        shown = tmux.wait_for("Enter: next question", row=-1)
        tmux.keys("Enter")
        tmux.wait_for("Question 2/2")


@pytest.mark.slow
def test_json_in_a_terminal_keeps_stdout_for_the_json(tmp_path: Path) -> None:
    """`--json` at a terminal: questions, feedback and report on stderr; stdout only JSON."""
    bp = tmp_path / "terminal.yaml"
    bp.write_text(BLUEPRINT)
    report = tmp_path / "report.json"
    env = {**os.environ, "ECSPREP_HOME": str(tmp_path / "home"), "NO_COLOR": "1", "TERM": "xterm"}
    env.pop("COLUMNS", None)
    line = " ".join([*command(), "quiz", str(bp), "--json"])
    child = pexpect.spawn(
        "sh", ["-c", f"{line} > {report}"], env=env, dimensions=(40, 110), timeout=30
    )
    try:
        child.expect("Letter picks")
        child.send("c")
        child.send("\r")
        child.expect("Right: C")  # feedback on the terminal (stderr) ...
        child.expect("Enter: next question")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    data = json.loads(report.read_text())  # ... and nothing but the JSON on stdout
    assert [q["id"] for q in data["questions"]] == ["iam-four-services-task-roles"]
