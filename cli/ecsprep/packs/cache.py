"""A cache of the last clean library, so that loading stays fast as content grows.

Composing YAML with line numbers costs about 0.1 ms per KB here; the shipped packs
will exceed the 50 ms load budget long before they stop growing. A library that
loaded with no problem at all is stored as JSON (the export shape), keyed by
every pack file's path, size and mtime plus the ecsprep version. Any change, a
corrupt or unreadable cache, or ECSPREP_NO_CACHE=1 means a full, checked load.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecsprep import __version__
from ecsprep.home import HOME_ENV
from ecsprep.packs.schema import FORMAT_VERSION

if TYPE_CHECKING:
    from ecsprep.packs.load import PackFile
    from ecsprep.packs.model import Library

NO_CACHE_ENV = "ECSPREP_NO_CACHE"
CACHE_NAME = "library.json"


def cache_path(environ: Mapping[str, str], name: str = CACHE_NAME) -> Path | None:
    """Where the cache file `name` lives; None when caching is off."""
    if environ.get(NO_CACHE_ENV) == "1":
        return None
    home = environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "cache" / name
    from platformdirs import user_cache_path

    return user_cache_path("ecsprep", appauthor=False) / name


def cache_key(files: Sequence[PackFile]) -> list[Any] | None:
    """What the cached library depends on; None if a file cannot be examined."""
    key: list[Any] = [__version__, FORMAT_VERSION]
    try:
        for file in files:
            stat = file.path.stat()
            key.append(
                [str(file.path.resolve()), file.origin.value, stat.st_size, stat.st_mtime_ns]
            )
    except OSError:
        return None
    return key


def read_cache(path: Path, key: list[Any]) -> Library | None:
    from ecsprep.packs.export import library_from_data

    stored = read_json(path, key)
    try:
        return None if stored is None else library_from_data(stored)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # corrupt: the caller loads for real and rewrites it


def write_cache(path: Path, key: list[Any], library: Library) -> None:
    from ecsprep.packs.export import library_to_data

    write_json(path, key, library_to_data(library))


def read_json(path: Path, key: list[Any]) -> Any:
    """The data stored under `key`, or None when the file is missing, corrupt or stale."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return stored["data"] if stored["key"] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_json(path: Path, key: list[Any], data: Any) -> None:
    """Store `data` under `key`, atomically; a cache that can't be written only costs speed."""
    text = json.dumps({"key": key, "data": data}, ensure_ascii=False)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    except OSError:
        with contextlib.suppress(OSError):  # no folder to write in at all
            tmp.unlink(missing_ok=True)  # a read-only home only costs speed
