"""Finding, checking and loading content packs into a `Library`.

Every problem in every pack is reported at once, each with file, line and the
path inside the document. A pack with any problem is left out of the library
(and listed in `Loaded.broken`); it never stops the other packs from loading.
Cross-pack rules (unique ids, references to topics and terms) are checked over
all packs together, in load order: shipped, then the learner's, then --pack.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecsprep.errors import InputError
from ecsprep.packs.model import (
    Difficulty,
    Exam,
    Library,
    Notes,
    Option,
    Origin,
    Pack,
    Question,
    QuestionType,
    Reference,
    Term,
    Topic,
)
from ecsprep.packs.problems import Problem

if TYPE_CHECKING:
    # The checking modules (and PyYAML) are imported only when files are checked:
    # a load served from the cache never pays for them.
    from ecsprep.packs.references import Definitions
    from ecsprep.packs.structure import Entry, Found

PACK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Loaded:
    library: Library  # every pack that loaded cleanly
    problems: tuple[Problem, ...]  # every problem in every pack, sorted by file then line
    broken: tuple[Path, ...]  # pack files left out because they have problems
    # Entries of a packs folder that aren't pack files (a folder named x.yaml, a
    # dangling or looping link, an unreadable folder): skipped, with a word each.
    skipped: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class PackFile:
    """A file to load and where it came from."""

    path: Path
    origin: Origin


def load_library(
    extra: Sequence[Path] = (),
    *,
    include_user: bool = True,
    environ: Mapping[str, str] | None = None,
    cache: bool = True,
) -> Loaded:
    """Load the shipped packs, the learner's packs and the `--pack` files or folders.

    With `cache`, a set of files that loaded cleanly before is read back from the
    cache (see packs.cache) instead of being checked again.
    """
    files, skipped = _pack_files(extra, include_user, environ)
    if not cache:
        return _with_skipped(load_files(files), skipped)
    from ecsprep.packs.cache import read_cache, write_cache

    stored = _cache_place(files, environ)
    if stored is None:
        return _with_skipped(load_files(files), skipped)
    library = read_cache(*stored)
    if library is not None:
        return Loaded(library, (), (), tuple(skipped))
    loaded = load_files(files)
    if not loaded.problems:
        write_cache(*stored, loaded.library)
    return _with_skipped(loaded, skipped)


def cached_notes(
    extra: Sequence[Path] = (),
    *,
    include_user: bool = True,
    environ: Mapping[str, str] | None = None,
) -> tuple[Notes, tuple[Problem, ...]] | None:
    """The notes of the packs `load_library` would load, with what it would skip, when
    the cache holds them; None otherwise (then load the library and take its notes).

    Only a set of files that loaded cleanly is ever cached, so a hit has no problems.
    Notes missing or damaged beside a good library cache are taken from it and stored.
    """
    from ecsprep.packs.cache import read_cache, read_notes, write_notes

    files, skipped = _pack_files(extra, include_user, environ)
    stored = _cache_place(files, environ)
    if stored is None:
        return None
    notes = read_notes(*stored)
    if notes is None:
        library = read_cache(*stored)
        if library is None:
            return None
        notes = library.notes()
        write_notes(*stored, notes)
    return notes, tuple(skipped)


def _pack_files(
    extra: Sequence[Path], include_user: bool, environ: Mapping[str, str] | None
) -> tuple[list[PackFile], list[Problem]]:
    """The pack files to load, in load order, and the entries skipped while finding them."""
    skipped: list[Problem] = []
    files = shipped_files()
    if include_user:
        files += user_files(environ, skipped)
    files += option_files(extra, skipped)
    return files, skipped


def _cache_place(
    files: Sequence[PackFile], environ: Mapping[str, str] | None
) -> tuple[Path, list[Any]] | None:
    """Where the cache of `files` lives and its key; None when caching is off or impossible."""
    from ecsprep.packs.cache import cache_key, cache_path

    store = cache_path(os.environ if environ is None else environ)
    key = cache_key(files) if store is not None else None
    return None if store is None or key is None else (store, key)


def _with_skipped(loaded: Loaded, skipped: list[Problem]) -> Loaded:
    from dataclasses import replace

    return replace(loaded, skipped=tuple(skipped)) if skipped else loaded


def validate_files(paths: Sequence[Path]) -> Loaded:
    """Check `paths` together with the shipped packs (for references and duplicates)."""
    skipped: list[Problem] = []
    return _with_skipped(load_files(shipped_files() + option_files(paths, skipped)), skipped)


def shipped_files() -> list[PackFile]:
    from ecsprep.data import shipped_content_dir

    folder = shipped_content_dir()
    # Only the top level: content/scenarios/ holds simulator scenarios, not packs.
    return [PackFile(p, Origin.SHIPPED) for p in sorted(folder.glob("*.yaml")) if p.is_file()]


def user_files(
    environ: Mapping[str, str] | None = None, skipped: list[Problem] | None = None
) -> list[PackFile]:
    """The learner's packs; what can't be read is added to `skipped`, never raised."""
    from ecsprep.home import user_packs_dir

    folder = user_packs_dir(dict(environ) if environ is not None else None)
    try:
        if not stat.S_ISDIR(folder.stat().st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
    except FileNotFoundError:
        return []  # no packs of one's own yet
    except OSError as exc:
        _skip(skipped, folder, f"cannot read your packs folder ({_reason(exc)}); {_FIX_FOLDER}")
        return []
    return [PackFile(p, Origin.USER) for p in _yaml_in(folder, skipped)]


_FIX_FOLDER = "your own packs are left out until it is a readable folder"


def option_files(paths: Iterable[Path], skipped: list[Problem] | None = None) -> list[PackFile]:
    files: list[PackFile] = []
    for path in paths:
        if path.is_dir():
            files += [PackFile(p, Origin.OPTION) for p in _yaml_in(path, skipped)]
        elif path.is_file():
            files.append(PackFile(path, Origin.OPTION))
        else:
            raise InputError(f"no such pack file or folder: {path}", "check the --pack path")
    return files


def _yaml_in(folder: Path, skipped: list[Problem] | None = None) -> list[Path]:
    """The pack files in `folder`; each *.yaml entry that isn't one is added to `skipped`."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        _skip(
            skipped,
            folder,
            f"cannot read the folder ({_reason(exc)}); the packs in it are left out",
        )
        return []
    found: list[Path] = []
    for path in entries:
        if path.suffix not in PACK_SUFFIXES:
            continue
        try:
            mode = path.stat().st_mode  # follows links
        except OSError as exc:
            _skip(skipped, path, _unreadable_entry(path, exc))
            continue
        if stat.S_ISREG(mode):
            found.append(path)
        elif stat.S_ISDIR(mode):
            _skip(skipped, path, "a folder, not a pack file; skipped (packs are YAML files)")
        else:
            _skip(skipped, path, "not a regular file (a device or pipe); skipped")
    return found


def _unreadable_entry(path: Path, exc: OSError) -> str:
    try:
        link = path.is_symlink()
    except OSError:  # a folder we may list but not search (no x): lstat is refused too
        link = False
    if link:
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        if exc.errno == errno.ELOOP:
            return f"a symbolic link that loops (to {target}); skipped: remove it or fix the link"
        if exc.errno == errno.ENOENT:
            return (
                f"a symbolic link to {target}, which does not exist; skipped: "
                "remove it or fix the link"
            )
    return f"cannot be read ({_reason(exc)}); skipped"


def _reason(exc: OSError) -> str:
    return str(exc.strerror or exc).lower()


def _skip(skipped: list[Problem] | None, path: Path, message: str) -> None:
    if skipped is not None:
        skipped.append(Problem(display_path(path), None, "", message))


def load_files(files: Sequence[PackFile]) -> Loaded:
    """Check and load these files as one set of packs (the first of a duplicate wins)."""
    from ecsprep.packs.references import Definitions, check_references

    unique: list[PackFile] = []
    seen: set[Path] = set()
    for file in files:
        key = file.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(file)

    problems: list[Problem] = []
    entries: list[tuple[PackFile, Path, Entry]] = []
    broken: set[Path] = set()
    for file in unique:
        shown = display_path(file.path)
        entry, found = _check_file(file.path)
        problems += (Problem(shown, f.line, f.where, f.message) for f in found)
        if found:
            broken.add(file.path)
        if entry is not None:
            entries.append((file, shown, entry))

    definitions = Definitions()
    for file, shown, entry in entries:
        definitions.add(file.path, shown, entry)
    for found_in, finding in check_references(definitions, broken):
        problems.append(Problem(display_path(found_in), *finding))
        broken.add(found_in)

    packs = tuple(
        build_pack(entry, file, definitions)
        for file, _shown, entry in entries
        if file.path not in broken
    )
    problems.sort(key=lambda p: (str(p.path), p.line or 0))
    return Loaded(
        library=Library.of(packs),
        problems=tuple(problems),
        broken=tuple(f.path for f in unique if f.path in broken),
    )


def _check_file(path: Path) -> tuple[Entry | None, list[Found]]:
    from ecsprep.packs.source import SyntaxProblem, compose
    from ecsprep.packs.structure import Found, check_document

    root = compose(path)
    if isinstance(root, SyntaxProblem):
        return None, [Found(root.line, "", root.message)]
    return check_document(root)


def display_path(path: Path) -> Path:
    """The path relative to the current directory when it lies below it."""
    try:
        return Path(os.path.relpath(path)) if path.is_absolute() else path
    except ValueError:  # another drive on Windows
        return path


# --- building the model from a clean document ---------------------------------


def build_pack(entry: Entry, file: PackFile, definitions: Definitions) -> Pack:
    head: Entry = entry.values["pack"]
    pack_id: str = head.values["id"]
    return Pack(
        id=pack_id,
        title=head.values["title"],
        version=head.values["version"],
        description=head.get("description", ""),
        source=file.path,
        origin=file.origin,
        topics=tuple(_topic(t, pack_id) for t in entry.get("topics", ())),
        glossary=tuple(_term(t, pack_id, definitions) for t in entry.get("glossary", ())),
        questions=tuple(_question(q, pack_id, definitions) for q in entry.get("questions", ())),
    )


def _refs(entry: Entry) -> tuple[Reference, ...]:
    return tuple(Reference(r.values["url"], r.get("title", "")) for r in entry.get("refs", ()))


def _topic(entry: Entry, pack_id: str) -> Topic:
    v = entry.values
    return Topic(
        id=v["id"],
        title=v["title"],
        notes=v["notes"],
        summary=v.get("summary", ""),
        tags=tuple(v.get("tags", ())),
        refs=_refs(entry),
        pack=pack_id,
    )


def _term(entry: Entry, pack_id: str, definitions: Definitions) -> Term:
    v = entry.values
    return Term(
        term=v["term"],
        definition=v["definition"],
        topic=v["topic"],
        aliases=tuple(v.get("aliases", ())),
        see=tuple(definitions.canonical_term(s) for s in v.get("see", ())),
        try_command=v.get("try", ""),
        pack=pack_id,
    )


def _question(entry: Entry, pack_id: str, definitions: Definitions) -> Question:
    v = entry.values
    options: dict[str, Entry] = v["options"]
    qtype = QuestionType(v["type"])
    answer: list[str] = v["answer"]
    check: Entry | None = v.get("check")
    return Question(
        id=v["id"],
        topics=tuple(v["topics"]),
        type=qtype,
        stem=v["stem"],
        options=tuple(
            Option(key=key, text=o.values["text"], why=o.values["why"])
            for key, o in options.items()
        ),
        answer=frozenset(answer),
        explanation=v["explanation"],
        difficulty=Difficulty(v.get("difficulty", Difficulty.MEDIUM.value)),
        choose=v.get("choose", 1) if qtype is QuestionType.MULTIPLE else 1,
        terms=tuple(definitions.canonical_term(t) for t in v.get("terms", ())),
        tags=tuple(v.get("tags", ())),
        exams=tuple(Exam(e) for e in v.get("exams", ())),
        refs=_refs(entry),
        check=check.plain() if check is not None else None,
        pack=pack_id,
    )
