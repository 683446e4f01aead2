"""Pack folders given to `packs validate`: entries that aren't pack files are named, not fatal."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import ecsprep.data
from ecsprep.ui.app import app

VALID = Path(__file__).parent / "cases" / "valid_packs"


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: VALID)
    monkeypatch.chdir(tmp_path)
    packs = tmp_path / "more"
    packs.mkdir()
    (packs / "sample-copy.yaml").write_text(
        (VALID / "extra.yaml").read_text("utf-8").replace("id: extra", "id: extra-copy"), "utf-8"
    )
    return packs


def validate(*args: str) -> Any:
    return CliRunner().invoke(app, ["packs", "validate", *args])


def test_a_folder_given_to_validate_names_what_it_skips(folder: Path) -> None:
    (folder / "sub.yaml").mkdir()
    result = validate("more")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: more/sub.yaml: a folder, not a pack file; skipped (packs are YAML files)"
    ]


def test_an_entry_that_cannot_be_examined_is_named_with_the_reason(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder one may list but not search (mode r--): every stat and lstat of its entries
    is refused. This was a PermissionError traceback from `is_symlink`."""
    locked = folder / "locked.yaml"
    locked.write_text("format: 1\n", "utf-8")
    real_stat = Path.stat

    def stat(self: Path, **kwargs: Any) -> Any:
        if self.name == "locked.yaml":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    result = validate("more")
    assert "warning: more/locked.yaml: cannot be read (permission denied); skipped" in (
        result.stderr.splitlines()
    )


def test_a_looping_link_whose_target_cannot_be_read_back(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / "loop.yaml").symlink_to("loop.yaml")

    def readlink(path: Any) -> str:
        raise OSError(errno.ENOENT, "gone")

    monkeypatch.setattr(os, "readlink", readlink)
    result = validate("more")
    assert (
        "warning: more/loop.yaml: a symbolic link that loops (to ?); skipped: "
        "remove it or fix the link"
    ) in result.stderr.splitlines()
