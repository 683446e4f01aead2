"""The learner's own folder: progress database and personal packs.

`ECSPREP_HOME` wins (tests always set it); otherwise the platform's user data
directory from platformdirs (e.g. ~/.local/share/ecsprep on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "ECSPREP_HOME"


def home_dir(environ: dict[str, str] | None = None) -> Path:
    """The learner's data folder (not created here; writers create it).

    A path that exists but isn't a folder (ECSPREP_HOME set to a file) is an error
    here, once, rather than a NotADirectoryError wherever it is first used.
    """
    env = os.environ if environ is None else environ
    override = env.get(HOME_ENV)
    if override:
        home = Path(override).expanduser()
    else:
        from platformdirs import user_data_path  # imported lazily: only commands that need it

        home = user_data_path("ecsprep", appauthor=False)
    if home.exists() and not home.is_dir():
        from ecsprep.errors import InputError

        named = f"{HOME_ENV} is {home}, which" if override else f"the data folder {home}"
        raise InputError(
            f"{named} is a file, not a folder",
            f"point {HOME_ENV} at a folder (it is created when needed), or move the file away",
        )
    return home


def user_packs_dir(environ: dict[str, str] | None = None) -> Path:
    return home_dir(environ) / "packs"


def progress_db_path(environ: dict[str, str] | None = None) -> Path:
    return home_dir(environ) / "progress.sqlite3"
