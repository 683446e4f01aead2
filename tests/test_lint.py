"""ruff and mypy are part of the test suite, so the README's one test command runs them."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(tool) is None and not (REPO / ".venv" / "bin" / tool).exists():
        pytest.skip(f"{tool} is not installed (pip install -e '.[test]')")
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
