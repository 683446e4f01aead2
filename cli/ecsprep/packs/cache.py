"""A cache of the last clean library, so that loading stays fast as content grows.

Composing YAML with line numbers costs about 0.1 ms per KB here; the shipped packs
will exceed the 50 ms load budget long before they stop growing. A library that
loaded with no problem at all is stored in the export shape, keyed by every pack
file's path, size and mtime plus the ecsprep and Python versions. Any change, a
corrupt or unreadable cache, or ECSPREP_NO_CACHE=1 means a full, checked load.

The stored form is `marshal`, Python's own format for plain data: it reads the
1.4 MB library in about half the time `json` takes (benchmarks/startup.py), and
every command that shows content starts with this read. It is a cache in the
user's own folder, written by ecsprep alone; a file it can't read (truncated,
another Python's format) is a miss, never an error. Each question is stored as its
own blob and built when first read (read_cache), so a quiz pays for the questions it
draws, not for the bank.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecsprep import __version__
from ecsprep.home import HOME_ENV

if TYPE_CHECKING:
    from ecsprep.packs.load import PackFile
    from ecsprep.packs.model import Library, Notes, Pack, Term, Topic

NO_CACHE_ENV = "ECSPREP_NO_CACHE"
CACHE_NAME = "library.cache"
# Beside it, under the same key: the library's notes alone, which is all `explain` reads
# (a quarter of the bytes, and no question to build).
NOTES_NAME = "notes.cache"
# What a stored file depends on besides its own key: the format marshal writes.
# The layout number changes when what ecsprep stores in a file changes shape.
_STORE_VERSION = [2, marshal.version, *sys.version_info[:2]]


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
    from ecsprep.packs import FORMAT_VERSION

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
    """The library stored at `path` under `key`, or None (a miss).

    Its questions and packs are built on first use (packs.shelf): a quiz builds the
    questions it draws. Everything else is checked and built here, so a damaged file
    is a miss; a question whose stored bytes are damaged (the file edited by hand)
    raises `StorageError` when it is read, and the file is removed so the next run
    rebuilds it.
    """
    stored = read_stored(path, key)
    try:
        return None if stored is None else _library_from_store(stored, path)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # corrupt: the caller loads for real and rewrites it


def _library_from_store(data: Mapping[str, Any], path: Path) -> Library:
    from dataclasses import replace

    from ecsprep.packs.export import (
        by_pack,
        entry_from_data,
        pack_from_data,
        question_from_data,
        term_from_data,
        topic_from_data,
    )
    from ecsprep.packs.model import Library, Question
    from ecsprep.packs.shelf import Deferred, Shelf

    def question(blob: bytes) -> Question:
        try:
            return question_from_data(marshal.loads(blob))
        except (ValueError, EOFError, KeyError, TypeError, AttributeError):
            from ecsprep.errors import StorageError

            with contextlib.suppress(OSError):
                path.unlink()
            raise StorageError(
                f"the content cache {path} is damaged (removed)",
                "run the command again: ecsprep rebuilds the cache from the packs",
            ) from None

    topics = [topic_from_data(t) for t in data["topics"]]
    terms = [term_from_data(t) for t in data["glossary"]]
    stored: dict[str, bytes] = {}
    for qid, _pack, blob in data["questions"]:
        if not isinstance(blob, bytes):
            raise TypeError(blob)
        stored.setdefault(qid, blob)
    questions = Shelf(stored, question)
    entries = tuple(map(entry_from_data, data["entries"]))
    if [e.id for e in entries] != list(stored):
        raise ValueError("the entries and the questions differ")

    # Each pack with its topics and terms now (which checks it); its questions when the
    # packs are first read.
    topics_of, terms_of = by_pack(topics), by_pack(terms)
    shells = [
        pack_from_data(p, topics_of.get(p["id"], ()), terms_of.get(p["id"], ()), ())
        for p in data["packs"]
    ]

    def packs() -> tuple[Pack, ...]:
        questions_of = by_pack(questions.values())
        return tuple(replace(s, questions=questions_of.get(s.id, ())) for s in shells)

    by_id: dict[str, Topic] = {}
    by_term: dict[str, Term] = {}
    for topic in topics:
        by_id.setdefault(topic.id, topic)  # the first definition wins, as in Library.of
    for term in terms:
        by_term.setdefault(term.term, term)
    return Library(Deferred(packs), by_id, by_term, questions, entries)


def read_notes(path: Path, key: list[Any]) -> Notes | None:
    """The notes stored beside the library cache at `path`, or None (a miss)."""
    from ecsprep.packs.export import notes_from_data

    stored = read_stored(path.with_name(NOTES_NAME), key)
    try:
        return None if stored is None else notes_from_data(stored)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def write_cache(path: Path, key: list[Any], library: Library) -> None:
    """Store the library at `path` and its notes beside it, both under `key`.

    The library is stored in the export shape (packs.export), except that each question
    is its own marshal blob beside its id and pack, and the question entries come too:
    reading it back builds no question until one is asked for (read_cache).
    """
    from ecsprep.packs.export import entry_to_data, library_to_data

    data = library_to_data(library)
    data["questions"] = [[q["id"], q["pack"], marshal.dumps(q)] for q in data["questions"]]
    data["entries"] = [entry_to_data(e) for e in library.entries]
    write_stored(path, key, data)
    write_notes(path, key, library.notes())


def write_notes(path: Path, key: list[Any], notes: Notes) -> None:
    from ecsprep.packs.export import notes_to_data

    write_stored(path.with_name(NOTES_NAME), key, notes_to_data(notes))


def read_stored(path: Path, key: list[Any]) -> Any:
    """The data stored under `key`, or None when the file is missing, corrupt or stale."""
    try:
        stored = marshal.loads(path.read_bytes())
        return stored["data"] if stored["key"] == [*_STORE_VERSION, *key] else None
    except (OSError, ValueError, EOFError, KeyError, TypeError):
        return None


def write_stored(path: Path, key: list[Any], data: Any) -> None:
    """Store `data` under `key`, atomically; a cache that can't be written only costs speed."""
    try:
        blob = marshal.dumps({"key": [*_STORE_VERSION, *key], "data": data})
    except ValueError:  # not plain data: nothing to gain from storing it
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(blob)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    except OSError:
        with contextlib.suppress(OSError):  # no folder to write in at all
            tmp.unlink(missing_ok=True)  # a read-only home only costs speed
