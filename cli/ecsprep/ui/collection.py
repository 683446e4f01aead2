"""The cyclic garbage collector while a command starts.

Starting `ecsprep quiz` imports Typer and prompt_toolkit and reads the content: some
hundred thousand long-lived objects, none of them garbage. Each time allocations pass
the collector's threshold it walks the young objects, and now and then all of them:
5% of the quiz's instructions to its first prompt (46 M of 883 M, callgrind), for
nothing. So `main()`
pauses the collector (as Mercurial does around its big loads) and the command
resumes it when its real work begins: the quiz when its first question is shown.
Other commands are short (a load, a print, an exit) and never resume it, except
`simulate`, which is never paused: its inputs are the user's, of any size.

Resuming freezes what start-up built (`gc.freeze`), so later collections in a long
quiz don't walk the modules and the library again. Reference counting frees
everything else as usual, paused or not.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collection() -> Iterator[None]:
    """No cyclic collection inside, unless resumed; as it was found, after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def resume_collection() -> None:
    """Collect as usual from now on (a no-op when collecting already)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
