"""The `ecsprep` command: one Typer app joining one module per command group.

Command modules import only typer at module level; each command imports the
core it needs inside its function, so `ecsprep explain` never pays for
questionary or the simulator (benchmarks/startup.py measures this).
"""

from __future__ import annotations

from typing import Annotated

import typer

from ecsprep import __version__
from ecsprep.ui import explain, packs, quiz, simulate

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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ecsprep {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Study and exam drills for AWS ECS, ECR and Fargate."""


explain.register(app)
packs.register(app)
quiz.register(app)
simulate.register(app)


def main() -> None:
    app(prog_name="ecsprep")
