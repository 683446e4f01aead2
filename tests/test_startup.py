"""What a command imports before it shows something: the start-up work benchmarks/ measures.

Times are measured on demand by benchmarks/startup.py and benchmarks/quiz.py, never in
tests; these tests hold what makes the times: the heavy libraries a command must not
import before it needs them. `python -X importtime` lists every module as it finishes
importing, so the list taken when the output appears is what was paid for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


# Runs `ecsprep ARGS` through main() with piped input and reports, as JSON on its last
# line: how many cyclic collections had run as each question was shown, whether the
# collector was on when the first output was written, and after main().
COLLECTIONS_BY_MAIN = (
    "import gc, json, sys\n"
    "import ecsprep.ui.quiz_view as view\n"
    "runs, shown, writing = [], [], []\n"
    "show = view.plain_question\n"
    "def counted(*args, **kwargs):\n"
    "    shown.append(len(runs))\n"
    "    return show(*args, **kwargs)\n"
    "view.plain_question = counted\n"
    "write = sys.stdout.write\n"
    "def watched(text):\n"
    "    writing.append(gc.isenabled())\n"
    "    return write(text)\n"
    "sys.stdout.write = watched\n"
    "from ecsprep.ui.app import main\n"
    "sys.argv = ['ecsprep', *sys.argv[1:]]\n"
    "gc.callbacks.append(lambda phase, info: runs.append(1) if phase == 'start' else None)\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "sys.stdout.write = write\n"
    "print(json.dumps({'shown': shown, 'output': writing[:1], 'after': gc.isenabled()}))\n"
)


def collections(argv: list[str], stdin: str, home: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", COLLECTIONS_BY_MAIN, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ECSPREP_HOME": str(home), "ECSPREP_NO_CACHE": "1"},
    )
    report: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return report


def test_a_quiz_collects_no_garbage_until_its_first_question_is_shown(
    isolated_home: Path,
) -> None:
    """Start-up allocates only what lives on (ecsprep.ui.collection); a full, unchecked
    load of every pack (no cache) allocates the most."""
    seen = collections(["quiz", "quick", "--seed", "1", "--plain"], "skip\n" * 12, isolated_home)
    assert len(seen["shown"]) > 2
    assert seen["shown"][0] == 0
    assert seen["shown"][-1] > 0  # collected as usual once the quiz was under way
    assert seen["after"] is True


def test_simulate_keeps_the_collector_for_inputs_of_any_size(isolated_home: Path) -> None:
    seen = collections(["simulate", "placement", "--list"], "", isolated_home)
    assert seen == {"shown": [], "output": [True], "after": True}
