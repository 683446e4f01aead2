"""Pack folders given to `packs validate`: entries that aren't pack files are named, not fatal."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import ecsprep.data
from ecsprep.ui.app import app

VALID = Path(__file__).parent / "cases" / "valid_packs"
PACK = """\
format: 1
pack: {id: extra-copy, title: A pack of one's own, version: "1"}
topics:
  - {id: own-topic, title: Own, notes: Notes.}
"""


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: VALID)
    monkeypatch.chdir(tmp_path)
    packs = tmp_path / "more"
    packs.mkdir()
    (packs / "sample-copy.yaml").write_text(PACK, "utf-8")
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


def test_a_pipe_named_like_a_pack_is_named_and_skipped(folder: Path) -> None:
    os.mkfifo(folder / "pipe.yaml")
    result = validate("more")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: more/pipe.yaml: not a regular file (a device or pipe); skipped"
    ]


def test_files_of_other_kinds_before_a_pack_do_not_hide_it(folder: Path) -> None:
    (folder / "0-readme.txt").write_text("not a pack", "utf-8")
    result = validate("--json", "more")
    assert result.exit_code == 0, result.output
    assert "loaded" in result.stdout
    from ecsprep.packs.load import validate_files

    loaded = validate_files([Path("more")])
    assert "extra-copy" in {p.id for p in loaded.library.packs}


def test_the_learners_packs_are_found_through_the_environment_given(
    folder: Path, tmp_path: Path
) -> None:
    from ecsprep.packs.load import load_library

    home = tmp_path / "elsewhere"
    (home / "packs").mkdir(parents=True)
    (folder / "sample-copy.yaml").rename(home / "packs" / "mine.yaml")
    loaded = load_library(environ={"ECSPREP_HOME": str(home), "ECSPREP_NO_CACHE": "1"})
    assert [p.id for p in loaded.library.packs] == ["extra", "sample", "extra-copy"]


def test_a_file_yaml_cannot_read_is_reported_for_the_whole_file_in_json(folder: Path) -> None:
    (folder / "sample-copy.yaml").write_text("a: [1, 2\n", "utf-8")
    result = validate("--json", "more")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == [
        {
            "file": "more/sample-copy.yaml",
            "line": 2,
            "where": "",  # the whole file, not a place inside it
            "message": "YAML syntax error: did not find expected ',' or ']' (column 1), "
            "while parsing a flow sequence at line 1, column 4",
        }
    ]


def test_pack_folders_given_to_load_are_all_read_and_their_odd_entries_named(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecsprep.packs.load import load_library
    from ecsprep.packs.model import Origin

    second = tmp_path / "second"
    second.mkdir()
    (second / "two.yaml").write_text(PACK.replace("extra-copy", "two").replace("own-", "two-"))
    (folder / "sub.yaml").mkdir()
    for environ in ({}, {"ECSPREP_NO_CACHE": "1"}):
        monkeypatch.delenv("ECSPREP_NO_CACHE", raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        for cache in (True, True, False):  # cold, then from the cache, then without it
            loaded = load_library([folder, second], include_user=False, cache=cache)
            assert loaded.problems == ()
            mine = [(p.id, p.origin) for p in loaded.library.packs][-2:]
            assert mine == [("extra-copy", Origin.OPTION), ("two", Origin.OPTION)]
            assert [p.message for p in loaded.skipped] == [
                "a folder, not a pack file; skipped (packs are YAML files)"
            ]


def test_the_cache_follows_the_environment_given(folder: Path, tmp_path: Path) -> None:
    from ecsprep.packs.load import load_library

    home = tmp_path / "elsewhere"
    load_library(environ={"ECSPREP_HOME": str(home)})
    assert (home / "cache" / "library.cache").is_file()


def test_a_missing_pack_path_says_how_to_fix_it(folder: Path) -> None:
    result = validate("nope.yaml")
    assert result.exit_code == 2
    assert "no such pack file or folder: nope.yaml" in result.output
    assert "hint: check the --pack path" in result.output.splitlines()
