"""The errors ecsprep shows to a person.

Every expected failure is an `EcsprepError`: the UI's error boundary prints its
message (and hint) as one clear line on stderr and exits non-zero, with no
traceback. Anything else that escapes is a bug and keeps its traceback.
Messages are plain text: no Rich markup, so they read the same in a pipe.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # a command ran and the answer is "no" (nothing found, pack invalid)
    USAGE = 2  # the input cannot be used (bad file, bad option value); Typer uses 2 too
    INTERRUPTED = 130


class EcsprepError(Exception):
    """A failure to report to the user as a message, not a traceback."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class NotFoundError(EcsprepError):
    """A name (term, topic, blueprint, question) that matches nothing."""

    def __init__(
        self, kind: str, key: str, suggestions: Sequence[str] = (), hint: str | None = None
    ) -> None:
        """`hint` is shown when there is no close suggestion (e.g. where to list them all)."""
        if suggestions:
            hint = f"did you mean: {', '.join(suggestions)}?"
        super().__init__(f"no {kind} matches {key!r}", hint)
        self.kind = kind
        self.key = key
        self.suggestions = tuple(suggestions)


class InputError(EcsprepError):
    """A file or option value the user gave cannot be used (exit 2)."""

    exit_code = ExitCode.USAGE


class StorageError(EcsprepError):
    """The progress database cannot be opened, read or written."""
