"""Every `try:` command in the shipped glossary runs and places or explains something.

The glossary promises learners a command to see a term in action; a promise
that errors out is worse than none.
"""

from __future__ import annotations

import shlex

import pytest
from typer.testing import CliRunner

from ecsprep.packs.load import load_library
from ecsprep.ui.app import app

TRIES = sorted(
    (term.term, term.try_command)
    for term in load_library(include_user=False).library.terms.values()
    if term.try_command
)


def test_glossary_offers_try_commands() -> None:
    assert len(TRIES) >= 15


@pytest.mark.parametrize(("term", "command"), TRIES, ids=[t for t, _ in TRIES])
def test_try_command_runs(term: str, command: str) -> None:
    argv = shlex.split(command)
    assert argv[0] == "ecsprep", f"{term}: try commands start with `ecsprep`"
    result = CliRunner().invoke(app, argv[1:])
    assert result.exit_code == 0, f"{term}: {command}\n{result.output}"
    assert result.stdout.strip()
