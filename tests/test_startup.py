"""What a command imports before it shows something: the start-up work benchmarks/ measures.

Times are measured on demand by benchmarks/startup.py and benchmarks/quiz.py, never in
tests; these tests hold what makes the times: the heavy libraries a command must not
import before it needs them. `python -X importtime` lists every module as it finishes
importing, so the list taken when the output appears is what was paid for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect", reason="pexpect is needed to drive a real terminal")


def imported(importtime: str) -> set[str]:
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def under(names: set[str], *packages: str) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in packages))


def test_explain_in_a_pipe_writes_plain_text_without_rich(isolated_home: Path) -> None:
    env = {**os.environ, "ECSPREP_HOME": str(isolated_home)}
    argv = [sys.executable, "-X", "importtime", "-m", "ecsprep", "explain", "binpack"]
    subprocess.run(argv, env=env, capture_output=True, check=True)  # builds the pack cache
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.startswith("binpack  (also: ")
    names = imported(result.stderr)
    assert "ecsprep.explain" in names  # the list is real
    assert under(names, "rich", "questionary", "prompt_toolkit", "ecsprep.sim", "yaml") == []


def test_explain_in_a_terminal_still_renders_with_rich(isolated_home: Path) -> None:
    env = {**os.environ, "ECSPREP_HOME": str(isolated_home), "TTY_COMPATIBLE": "1"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ecsprep", "explain", "binpack"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "rich.markdown" in imported(result.stderr)
    assert "binpack" in result.stdout


def test_the_quiz_draws_its_first_question_before_importing_rich_or_fsrs(
    tmp_path: Path,
) -> None:
    """Rich (feedback, the report) and fsrs (the cards) load after the first prompt is up."""
    home = tmp_path / "home"
    log = tmp_path / "importtime.txt"
    env = {**os.environ, "ECSPREP_HOME": str(home), "NO_COLOR": "1", "TERM": "xterm"}
    env.pop("COLUMNS", None)
    command = f"{sys.executable} -X importtime -m ecsprep quiz quick --seed 1 2>{log}"
    child = pexpect.spawn("sh", ["-c", command], env=env, dimensions=(40, 110), timeout=60)
    try:
        child.expect("Letter picks")
        names = imported(log.read_text())
        assert "prompt_toolkit.application" in names  # the prompt is up: the list is real
        assert under(names, "rich", "fsrs", "questionary") == []
        child.send("a")  # pick A ...
        child.send("\r")  # ... and answer: the feedback needs Rich, the card fsrs
        child.expect("Enter: next question")
        deadline = time.monotonic() + 10
        while not {"rich.console", "fsrs"} <= imported(log.read_text()):
            assert time.monotonic() < deadline, "feedback shown without Rich and fsrs loaded"
            time.sleep(0.05)
    finally:
        child.terminate(force=True)
