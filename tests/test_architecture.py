"""The core never imports the UI libraries, and every command is documented.

The core (content model, quiz engine, simulators) must stay usable from plain
Python and cheap to import; only ecsprep.ui talks to a person.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import ecsprep

UI_LIBRARIES = ("typer", "rich", "questionary", "prompt_toolkit", "click")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(ecsprep.__path__, prefix="ecsprep."):
        if not info.name.startswith(("ecsprep.ui", "ecsprep.__main__")):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module", core_modules())
def test_core_module_imports_no_ui_library(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = [m for m in {UI_LIBRARIES!r} if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"


def test_core_has_modules() -> None:
    # Guards the test above against walking an empty package.
    assert "ecsprep.packs.model" in core_modules()
