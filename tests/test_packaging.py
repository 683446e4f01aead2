"""The built wheel carries the content and works from any directory.

Builds the wheel offline (no build isolation), installs it into a separate
folder and runs `ecsprep explain binpack` from a temporary working directory,
so it cannot find the checkout's content/ by accident.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(REPO),
        ],
        check=True,
    )
    (built,) = out.glob("ecsprep-*.whl")
    return built


def test_wheel_contains_packs_and_blueprints(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("ecsprep/_data/content/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("ecsprep/_data/quizzes/") and n.endswith(".yaml") for n in names)
    assert not any(n.startswith(("cli/", "quizzes/", "content/")) for n in names)


def test_installed_wheel_explains_binpack_from_elsewhere(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [sys.executable, "-c", "import ecsprep; print(ecsprep.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))
    result = subprocess.run(
        [sys.executable, "-m", "ecsprep", "explain", "binpack"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "binpack" in result.stdout.lower()
