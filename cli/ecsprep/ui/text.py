"""Content text made safe for a terminal, and output that survives a terminal without UTF-8.

Packs come from anyone. Their text is shown, never obeyed: control characters
(escape sequences that retitle the window, clear the screen, hide text or make
links) and bidirectional overrides are taken out before anything is printed;
what goes through Rich goes as `Text` (never as markup) or escaped with
`markup_safe`, so `[word]` in a definition is shown as written.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import sys

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings,
# overrides and isolates (which can reorder what is shown).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` without the characters a terminal would act on instead of showing."""
    return _UNPRINTABLE.sub("", text)


def markup_safe(text: str) -> str:
    """`text` printable and escaped for Rich markup (`[bold]` stays literal)."""
    return printable(text).replace("\\", "\\\\").replace("[", "\\[")


# How the symbols ecsprep prints look in plain ASCII.
ASCII: dict[str, str] = {
    "✔": "+",
    "✘": "x",
    "↗": "->",
    "→": "->",
    "←": "<-",
    "—": "-",
    "–": "-",
    "…": "...",
    "·": "-",
    "•": "*",
    "─": "-",
    "━": "=",
    "│": "|",
    "█": "#",
    "░": ".",
    "▏": "|",
    "≤": "<=",
    "≥": ">=",
    "×": "x",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
}
ERROR_HANDLER = "ecsprep-ascii"


def _to_ascii(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(ASCII.get(c, "?") for c in bad), error.end


def fall_back_to_ascii() -> None:
    """Let stdout and stderr write what their encoding can't hold as ASCII look-alikes.

    With `PYTHONIOENCODING=latin-1` or an ASCII locale, a ✔ would otherwise end
    the command with UnicodeEncodeError.
    """
    codecs.register_error(ERROR_HANDLER, _to_ascii)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and not encoding.startswith("utf"):
            with contextlib.suppress(ValueError, OSError):  # a closed or odd stream: leave it
                reconfigure(errors=ERROR_HANDLER)
