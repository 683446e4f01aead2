"""The `ecsprep` command: one Typer app joining one module per command group.

Command modules import only typer at module level; each command imports the
core it needs inside its function, so `ecsprep explain` never pays for
questionary or the simulator (benchmarks/startup.py measures this).

`main()` goes one step further, like click's lazily loaded subcommands: when the
first argument names a command, only that command's module is imported and
registered, so `ecsprep quiz` neither imports nor builds the other commands
(20-50 ms here). Anything else (`--help`, no argument, a typo, shell completion)
gets the whole app, which is also what `from ecsprep.ui.app import app` gives.

No `from __future__ import annotations`, as in ui/quiz.py: Typer reads `root`'s
annotations on every run.
"""

import os
import sys
from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import Annotated

import typer

from ecsprep import __version__

# Each top-level command and the module whose register() adds it, in --help order.
COMMAND_MODULES: dict[str, str] = {
    "explain": "ecsprep.ui.explain",
    "packs": "ecsprep.ui.packs",
    "quiz": "ecsprep.ui.quiz",
    "stats": "ecsprep.ui.stats",
    "progress": "ecsprep.ui.stats",
    "simulate": "ecsprep.ui.simulate",
}
_COMPLETION_VARIABLE = "_ECSPREP_COMPLETE"  # set by the shell when it asks Typer to complete


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ecsprep {__version__}")
        raise typer.Exit()


def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Study and exam drills for AWS ECS, ECR and Fargate."""


# What `ecsprep --help` lists, in its order: each command's one-line help. The root help
# then needs neither the command modules nor the building of every command and
# subcommand (about a third of its time); tests/test_cli_help.py keeps its output equal
# to the whole app's.
SUMMARIES: dict[str, str] = {
    "explain": "Show the notes on an ECS, ECR or Fargate term (typos and rephrasing are fine).",
    "quiz": "Drill exam questions: practice (feedback at once), exam (timed), review, due.",
    "stats": "Your progress: accuracy and mastery per topic, cards due, streak, recent sessions.",
    "packs": "List, check and export content packs (notes, glossary and questions).",
    "progress": "Export, reset or repair your saved progress.",
    "simulate": "Simulators: watch ECS decide where tasks run.",
}
_ROOT_HELP: tuple[list[str], ...] = ([], ["--help"], ["-h"])


def _root_app() -> typer.Typer:
    app = typer.Typer(
        name="ecsprep",
        help=(
            "Study and exam drills for AWS ECS, ECR and Fargate.\n\n"
            "Examples:\n\n"
            "  ecsprep quiz                      # 10 practice questions\n\n"
            "  ecsprep explain binpack           # notes on a term\n\n"
            "  ecsprep simulate placement --fleet 3xm5.large --count 4 --strategy binpack:memory"
        ),
        no_args_is_help=True,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    return app


def build_app(commands: Iterable[str] | None = None, argv: Sequence[str] = ()) -> typer.Typer:
    """The root app with the given top-level commands (None: all of them).

    `argv` (the command line after `ecsprep`) lets a group with subcommands in
    several modules (`simulate`, see its SUBCOMMANDS) build only the one named."""
    app = _root_app()
    wanted = COMMAND_MODULES if commands is None else commands
    for name in dict.fromkeys(COMMAND_MODULES[name] for name in wanted):
        module = import_module(name)
        if commands is not None and hasattr(module, "SUBCOMMANDS"):
            module.register(app, argv)
        else:
            module.register(app)
    return app


def help_app() -> typer.Typer:
    """The root app as `ecsprep --help` shows it: every command listed, none built."""
    app = _root_app()
    for name, summary in SUMMARIES.items():
        app.command(name, help=summary)(_listed_only)
    return app


def _listed_only() -> None:
    """Never run: `help_app` is used only when no command is named."""


def commands_for(argv: Sequence[str], environ: dict[str, str] | None = None) -> list[str] | None:
    """The one command `argv` asks for, or None when the whole app is needed."""
    env = os.environ if environ is None else environ
    if _COMPLETION_VARIABLE in env or not argv or argv[0] not in COMMAND_MODULES:
        return None
    return [argv[0]]


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def prepare_process() -> None:
    """What every command needs from the process before it starts.

    - SIGTERM and SIGHUP (a closed terminal) stop a command as Ctrl-C does: a quiz
      keeps its answers, reports and leaves an exam open, instead of vanishing.
    - `COLUMNS=0` (or any unusable value) is dropped, so the terminal's own width is
      used; Rich would otherwise print nothing at all.
    - Output the stream's encoding can't hold (latin-1, ASCII) is written as ASCII
      look-alikes instead of ending the command with UnicodeEncodeError.
    """
    import signal

    from ecsprep.ui.text import fall_back_to_ascii

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, _interrupted)
    value = os.environ.get("COLUMNS")
    if value is not None and not (value.isdigit() and int(value) > 0):
        del os.environ["COLUMNS"]
    fall_back_to_ascii()


def main() -> None:
    from contextlib import nullcontext

    from ecsprep.ui.collection import paused_collection

    prepare_process()
    argv = sys.argv[1:]
    # No cyclic garbage collection while the command starts (ecsprep.ui.collection).
    with paused_collection() if argv[:1] != ["simulate"] else nullcontext():
        if argv in _ROOT_HELP and _COMPLETION_VARIABLE not in os.environ:
            help_app()(prog_name="ecsprep")
        else:
            build_app(commands_for(argv), argv)(prog_name="ecsprep")


def __getattr__(name: str) -> typer.Typer:
    """`app`, the whole app, built on first use (tests, completion, introspection)."""
    if name == "app":
        app = build_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
