"""Load the content library for a command, warning about (never failing on) broken packs."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecsprep.packs.model import Library, Notes
    from ecsprep.packs.problems import Problem


def load_for_command(extra: Sequence[Path] = ()) -> Library:
    """Every good pack; one stderr line per pack left out, with the command that says why.

    A learner's broken pack must not stop the shipped content from working, but a
    pack named with --pack is the user's intent, so its problems are shown in full.
    """
    from ecsprep.packs.load import load_library

    loaded = load_library(extra)
    _warn_skipped(loaded.skipped)
    named = {p.resolve() for p in extra}
    for path in loaded.broken:
        problems = [p for p in loaded.problems if p.path.resolve() == path.resolve()]
        if path.resolve() in named:
            for problem in problems:
                sys.stderr.write(f"error: {problem}\n")
        sys.stderr.write(
            f"warning: content pack {path} left out ({len(problems)} problem(s)); "
            f"see `ecsprep packs validate {path}`\n"
        )
    return loaded.library


def notes_for_command(extra: Sequence[Path] = ()) -> Notes:
    """The notes of every good pack (what `explain` reads), warning as `load_for_command`
    does; from the notes cache when it holds them, else from a full load."""
    from ecsprep.packs.load import cached_notes

    cached = cached_notes(extra)
    if cached is None:
        return load_for_command(extra).notes()
    notes, skipped = cached
    _warn_skipped(skipped)
    return notes


def _warn_skipped(skipped: Iterable[Problem]) -> None:
    for problem in skipped:
        sys.stderr.write(f"warning: {problem}\n")
