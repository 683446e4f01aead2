"""ruff and mypy are part of the test suite, so the README's one test command runs them.

Their versions are pinned in pyproject.toml's `test` extra, so a new release cannot
turn the suite red overnight; a missing tool is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import REPO


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    # A missing tool fails the suite: skipping would let unlinted code through green.
    if importlib.util.find_spec(tool) is None:
        pytest.fail(f"{tool} is not installed for {sys.executable}: pip install -e '.[test]'")
    return subprocess.run(
        [sys.executable, "-m", tool, *args], cwd=REPO, capture_output=True, text=True
    )


def test_ruff_check() -> None:
    result = run("ruff", "check", "cli", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = run("ruff", "format", "--check", "cli", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
