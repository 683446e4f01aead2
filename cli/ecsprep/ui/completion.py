"""Shell completion for values: what `ecsprep <command> <Tab>` offers.

Each function is a Typer `autocompletion` callback: it gets the word typed so far
(and the click context, to see a `--pack` already on the line) and returns
(value, help) pairs; zsh and fish show the help, bash only the values. A
completion never prints a warning or fails: a broken pack or blueprint simply
offers nothing of its own.

The shell runs `ecsprep` with `_ECSPREP_COMPLETE=complete_bash` (or zsh, fish)
set; `ecsprep --install-completion` installs the script that does so.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ecsprep.packs.model import Notes

Choice = tuple[str, str]


def _first_line(text: str, width: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _starting(choices: Iterable[Choice], incomplete: str) -> list[Choice]:
    """The choices that start with what was typed (exact case first, then any case)."""
    folded = incomplete.casefold()
    seen: dict[str, str] = {}
    for value, help_text in choices:
        if value.casefold().startswith(folded) and value not in seen:
            seen[value] = help_text
    return sorted(seen.items(), key=lambda item: (not item[0].startswith(incomplete), item[0]))


def _files(incomplete: str, suffixes: tuple[str, ...]) -> list[Choice]:
    """Files (and folders to go into) that start with what was typed, like the shell's own."""
    typed = Path(incomplete or ".")
    folder = typed if incomplete.endswith("/") or not incomplete else typed.parent
    stem = "" if incomplete.endswith("/") or not incomplete else typed.name
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    found: list[Choice] = []
    for entry in entries:
        if not entry.name.startswith(stem) or entry.name.startswith("."):
            continue
        shown = str(entry) if incomplete else entry.name
        if entry.is_dir():
            found.append((shown + "/", "folder"))
        elif entry.suffix in suffixes:
            found.append((shown, "file"))
    return found


def _packs(ctx: typer.Context | None) -> tuple[Path, ...]:
    if ctx is None:
        return ()
    return tuple(Path(p) for p in ctx.params.get("pack") or ())


def _notes(ctx: typer.Context | None) -> Notes:
    """The notes without warnings (completion must stay quiet); empty if they can't load.

    Every completion needs only names, so the notes cache serves them (packs.cache)."""
    from ecsprep.packs.load import cached_notes, load_library
    from ecsprep.packs.model import Notes

    try:
        cached = cached_notes(_packs(ctx))
        return cached[0] if cached is not None else load_library(_packs(ctx)).library.notes()
    except Exception:  # a completion offers nothing rather than a traceback in the prompt
        return Notes()


def blueprint_names(incomplete: str) -> list[Choice]:
    """`ecsprep quiz <Tab>`: blueprint ids (shipped and the user's), then blueprint files."""
    from ecsprep.data import shipped_quizzes_dir
    from ecsprep.home import home_dir
    from ecsprep.study.blueprint import load_blueprints

    try:
        found = load_blueprints([home_dir() / "quizzes", shipped_quizzes_dir()]).items
    except Exception:
        found = ()
    names = _starting(((b.id, _first_line(b.title)) for b in found), incomplete)
    return names + _files(incomplete, (".yaml", ".yml"))


def topic_ids(ctx: typer.Context, incomplete: str) -> list[Choice]:
    """`--topic <Tab>`: topic ids, with their titles."""
    notes = _notes(ctx)
    return _starting(((t.id, _first_line(t.title)) for t in notes.topics.values()), incomplete)


def explain_terms(ctx: typer.Context, incomplete: str) -> list[Choice]:
    """`ecsprep explain <Tab>`: terms, their aliases and topic ids (what an exact lookup finds)."""
    notes = _notes(ctx)
    choices: list[Choice] = []
    for term in notes.terms.values():
        choices.append((term.term, _first_line(term.definition)))
        choices.extend((alias, f"= {term.term}") for alias in term.aliases)
    choices.extend((t.id, _first_line(t.title)) for t in notes.topics.values())
    # A shell word can't hold a space unquoted: offer multi-word names only once quoted.
    return [c for c in _starting(choices, incomplete) if " " not in c[0]]


def checked_question_ids(ctx: typer.Context, incomplete: str) -> list[Choice]:
    """`ecsprep simulate question <Tab>`: ids of the questions a simulator can check."""
    checked = (q for q in _notes(ctx).questions if q.checked)
    return _starting(((q.id, ", ".join(q.topics)) for q in checked), incomplete)


def scenario_names(incomplete: str) -> list[Choice]:
    """`ecsprep simulate placement <Tab>`: shipped scenario names, then scenario files."""
    from ecsprep.sim.scenario import SCENARIO_SUFFIXES, shipped_scenarios

    names = _starting(((name, "shipped scenario") for name in shipped_scenarios()), incomplete)
    return names + _files(incomplete, tuple(SCENARIO_SUFFIXES))
