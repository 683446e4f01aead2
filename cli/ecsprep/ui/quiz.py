"""`ecsprep quiz`: drill in practice, exam, review or due (spaced repetition) mode.

Also registers `ecsprep stats` and `ecsprep progress` (ui/stats.py). Only typer
is imported here at module level; the core and Rich load inside the command.

No `from __future__ import annotations` here: Typer reads the command's annotations
on every run, and as strings each one would be compiled and evaluated again (half of
Typer's work building the command, benchmarks/quiz.py --instructions); evaluated
when the function is defined, they come ready from the bytecode cache.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecsprep.ui import completion

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ecsprep.packs.model import Library
    from ecsprep.study.blueprint import Blueprint


MODES = ("practice", "exam", "review", "due")


def load_content(extra: "Sequence[Path]" = ()) -> "Library":
    """The library of every good pack (the seam tests replace with a fixture library)."""
    from ecsprep.ui.library import load_for_command

    return load_for_command(extra)


def load_all_blueprints() -> "tuple[Blueprint, ...]":
    import sys

    from ecsprep.data import shipped_quizzes_dir
    from ecsprep.home import home_dir
    from ecsprep.study.blueprint import load_blueprints

    found = load_blueprints([home_dir() / "quizzes", shipped_quizzes_dir()])
    for problem in found.problems:
        sys.stderr.write(f"warning: {problem}\n")
    return found.items


def _finite(value: float | None) -> float | None:
    """NaN passes any range check (every comparison with it is false): refuse it here."""
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number between 0.7 and 0.99")
    return value


def quiz(
    blueprint: Annotated[
        str | None,
        typer.Argument(
            help="Blueprint id (see --list) or a blueprint YAML file.",
            show_default=False,
            autocompletion=completion.blueprint_names,
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode", "-m", help="practice | exam | review | due (default: the blueprint's)."
        ),
    ] = None,
    topic: Annotated[
        list[str] | None,
        typer.Option(
            "--topic",
            "-t",
            help="Only this topic (repeatable); replaces the blueprint's.",
            autocompletion=completion.topic_ids,
        ),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option("--count", "-n", min=1, help="How many questions."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=-(2**63),
            max=2**63 - 1,
            help="Replay the same questions and option order (a 64-bit integer).",
        ),
    ] = None,
    time_limit: Annotated[
        int | None,
        typer.Option("--time-limit", min=1, help="Exam time limit in minutes."),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the blueprints and exit.")] = False,
    json_: Annotated[
        bool, typer.Option("--json", help="Print the session report as JSON on stdout.")
    ] = False,
    plain: Annotated[
        bool, typer.Option("--plain", help="Line mode even in a terminal (screen readers).")
    ] = False,
    rate: Annotated[
        bool, typer.Option("--rate", help="Rate each right answer hard/good/easy (for FSRS).")
    ] = False,
    retention: Annotated[
        float | None,
        typer.Option(
            "--retention",
            min=0.7,
            max=0.99,
            callback=_finite,
            help="Desired retention for due mode (kept).",
        ),
    ] = None,
    new_limit: Annotated[
        int | None,
        typer.Option("--new-limit", min=0, help="New cards a day in due mode (kept)."),
    ] = None,
    pack: Annotated[
        list[Path] | None,
        typer.Option("--pack", help="Also load this content pack (repeatable)."),
    ] = None,
) -> None:
    """Drill exam questions: practice (feedback at once), exam (timed), review, due.

    Practice shows after each answer whether it was right, why every option is
    right or wrong, and the references. Exam hides feedback until you submit and
    gives a scaled score (100–1000, an estimate). Review asks again what you got
    wrong; due is spaced repetition (FSRS). Every answer is saved at once.

    In a terminal: the option's letter picks it (or ticks it, for "choose
    two"), Enter answers; s skip, x explain, m simulate, q quit; in an exam
    n next, p back, r flag, u submit. Elsewhere (pipes, --plain): type `B`,
    `a,c`, `skip`, `quit` (exam: `flag`, `back`, `next`, `review`, `submit`).

    Examples:

      ecsprep quiz                          # 10 practice questions

      ecsprep quiz exam                     # timed DVA-C02-style exam

      ecsprep quiz --mode review            # what you got wrong

      ecsprep quiz --mode due --retention 0.85

      ecsprep quiz placement --topic placement-strategies --count 5 --seed 7

      printf 'B\\nA,C\\n' | ecsprep quiz seed --json > report.json

      ecsprep quiz --list
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.ui.quiz_start import Request, start

        request = Request(
            blueprint=blueprint,
            mode=mode,
            topics=tuple(topic or ()),
            count=count,
            seed=seed,
            time_limit=time_limit,
            json=json_,
            plain=plain,
            rate=rate,
            retention=retention,
            new_limit=new_limit,
            packs=tuple(pack or ()),
        )
        code = start(request, list_only=list_)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add `quiz` to the root app (`stats` and `progress` live in ecsprep.ui.stats)."""
    app.command("quiz")(quiz)
