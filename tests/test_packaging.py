"""The built wheel carries the content and works from any directory.

Builds the wheel offline (no build isolation), installs it into a fresh virtual
environment and runs that environment's `ecsprep explain binpack` from a
temporary working directory, so it cannot find the checkout's content/ by accident.
"""

from __future__ import annotations

import os
import site
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
    python = _fresh_venv_with_wheel(tmp_path / "venv", wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(python), "-c", "import ecsprep; print(ecsprep.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(tmp_path / "venv"))
    script = python.parent / ("ecsprep.exe" if os.name == "nt" else "ecsprep")
    result = subprocess.run(
        [str(script), "explain", "binpack"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "binpack" in result.stdout.lower()


def _fresh_venv_with_wheel(root: Path, wheel: Path) -> Path:
    """A new virtual environment holding the wheel, as `pip install` would leave it.

    Tests run offline, so the dependencies cannot be downloaded: a `.pth` file
    lends the new environment the test environment's site-packages *after* its
    own. Python does not process .pth files in folders added that way, so the
    checkout's editable-install hook stays out and `ecsprep` can only come from
    the wheel (the first assertion checks it).
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install"]
    subprocess.run([*install, "--quiet", "--no-deps", "--no-index", str(wheel)], check=True)
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lent = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(own) / "zz_test_dependencies.pth").write_text("\n".join(lent) + "\n", encoding="utf-8")
    return python
