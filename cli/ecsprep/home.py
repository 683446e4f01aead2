"""The learner's own folder: progress database and personal packs.

`ECSPREP_HOME` wins (tests always set it); otherwise the platform's user data
directory from platformdirs (e.g. ~/.local/share/ecsprep on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "ECSPREP_HOME"


def home_dir(environ: dict[str, str] | None = None) -> Path:
    """The learner's data folder (not created here; writers create it)."""
    env = os.environ if environ is None else environ
    override = env.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path  # imported lazily: only commands that need it pay

    return user_data_path("ecsprep", appauthor=False)


def user_packs_dir(environ: dict[str, str] | None = None) -> Path:
    return home_dir(environ) / "packs"


def progress_db_path(environ: dict[str, str] | None = None) -> Path:
    return home_dir(environ) / "progress.sqlite3"
