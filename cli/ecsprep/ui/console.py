"""Consoles and the error boundary shared by every command.

Rich already honours NO_COLOR and drops styling when the stream is not a
terminal; `COLUMNS` sets the width (tests pin it). Results go to stdout,
everything meant for a person only (errors, progress) to stderr, so that
`--json` output can be piped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, TextIO

import typer

from ecsprep.errors import EcsprepError, ExitCode

if TYPE_CHECKING:
    from rich.console import Console

DEBUG_ENV = "ECSPREP_DEBUG"
PIPE_WIDTH = 100  # output to a pipe or file: no terminal to fit, and readable tables


def columns() -> int | None:
    """The width COLUMNS asks for, or None when it is unset or unusable (`COLUMNS=0`)."""
    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def is_terminal(stream: TextIO) -> bool:
    """Whether Rich treats `stream` as a terminal: its own rules, without importing Rich.

    `TTY_COMPATIBLE=0`/`1` says no/yes; a non-empty `FORCE_COLOR` says yes; otherwise the
    stream decides. Commands whose piped output needs no Rich (`explain`) ask this first.
    """
    forced = os.environ.get("TTY_COMPATIBLE", "")
    if forced in ("0", "1"):
        return forced == "1"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False


def plain_width() -> int:
    """The width plain (piped) output wraps at: COLUMNS, else PIPE_WIDTH, as `out()` uses."""
    return columns() or PIPE_WIDTH


@cache
def _console(stderr: bool, stream: TextIO, width_asked: str | None) -> Console:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment

    from ecsprep.ui.text import printable

    class SafeConsole(Console):
        """A console that shows content's control characters as nothing, never obeys them.

        Every segment of text is made printable before Rich adds its own styles, so a
        pack's escape sequence can't retitle the window, clear the screen or hide text.
        """

        def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Any:
            for segment in super().render(renderable, options):
                if segment.control or not segment.text:
                    yield segment
                else:
                    yield Segment(printable(segment.text), segment.style)

    # The stream itself (not its id, which a new stream can reuse once the old one is
    # gone) and COLUMNS (`width_asked`) key the cache, so CliRunner's swapped streams and
    # a changed width get a fresh Console.
    # Piped output has no terminal to fit: Rich would assume 80 columns and squeeze
    # tables; 100 keeps them readable. A usable COLUMNS wins; COLUMNS=0 is ignored
    # (Rich would print nothing at all).
    width = columns()
    if width is None and not stream.isatty():
        width = PIPE_WIDTH
    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def out() -> Console:
    """The console for results (stdout)."""
    return _console(False, sys.stdout, os.environ.get("COLUMNS"))


def err() -> Console:
    """The console for messages to a person (stderr)."""
    return _console(True, sys.stderr, os.environ.get("COLUMNS"))


def print_json(data: object) -> None:
    """Write JSON to stdout, with nothing else, whatever the terminal."""
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@contextmanager
def reported() -> Iterator[None]:
    """Turn expected failures into one clear message and an exit code.

    `EcsprepError` → `error: …` (and `hint: …`) on stderr, exit with its code.
    Ctrl-C → exit 130. With ECSPREP_DEBUG=1 the traceback is kept.
    """
    try:
        yield
    except EcsprepError as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        # str(exc), not .message: some errors (CQL syntax) add the source and a caret line.
        sys.stderr.write(f"error: {exc}\n")
        if exc.hint:
            sys.stderr.write(f"hint: {exc.hint}\n")
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def indented(text: str, width: int, indent: int = 4) -> str:
    """Text wrapped to `width` under an indent, words never broken (names and paths stay whole)."""
    import textwrap

    pad = " " * indent
    return textwrap.fill(
        text,
        width=max(width, indent + 20),
        initial_indent=pad,
        subsequent_indent=pad,
        break_long_words=False,
        break_on_hyphens=False,
    )
