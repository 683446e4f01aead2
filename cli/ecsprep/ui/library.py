"""Load the content library for a command, warning about (never failing on) broken packs."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecsprep.packs.model import Library


def load_for_command(extra: Sequence[Path] = ()) -> Library:
    """Every good pack; one stderr line per pack left out, with the command that says why.

    A learner's broken pack must not stop the shipped content from working, but a
    pack named with --pack is the user's intent, so its problems are shown in full.
    """
    from ecsprep.packs.load import load_library

    loaded = load_library(extra)
    for skipped in loaded.skipped:
        sys.stderr.write(f"warning: {skipped}\n")
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
