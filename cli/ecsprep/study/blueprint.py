"""Quiz blueprints: what a drill draws, read from `quizzes/*.yaml`.

A blueprint names a mode, how many questions, and filters (topics, tags, question
ids, exams); an exam blueprint can also weight its draw by the exam guide's
domains. Every problem in a file is reported at once as a `Problem` with the file and
line, like the pack loader does. The format is documented in docs/blueprint-format.md.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from ecsprep.errors import InputError, NotFoundError
from ecsprep.packs.problems import Problem

FORMAT = 1
DEFAULT_PASS_MARK = 720  # the DVA-C02 pass mark on AWS's 100-1000 scale
_SLUG = r"^[a-z0-9][a-z0-9-]*$"  # compiled by `re` when first used (blueprints are cached)
_KEYS = frozenset(
    {
        "format",
        "id",
        "title",
        "description",
        "mode",
        "count",
        "topics",
        "tags",
        "questions",
        "time_limit",
        "pass_mark",
        "shuffle",
        "exams",
        "domains",
    }
)
EXAMS = ("dva", "saa", "soa")  # the values of packs.model.Exam


class Mode(str, Enum):
    PRACTICE = "practice"  # feedback after every answer
    EXAM = "exam"  # timed, feedback only in the final report
    REVIEW = "review"  # questions still wrong since last answered
    DUE = "due"  # spaced repetition: FSRS cards due now, then new ones


@dataclass(frozen=True, slots=True)
class Domain:
    """A content domain of an exam guide: its share of the exam and the topics it draws on."""

    name: str
    weight: int  # percent of the questions
    topics: tuple[str, ...]  # main topics (a question's first topic) that belong to it


@dataclass(frozen=True, slots=True, kw_only=True)
class Blueprint:
    id: str
    title: str
    description: str = ""
    mode: Mode = Mode.PRACTICE
    count: int | None = 10  # None = every question that matches
    topics: tuple[str, ...] = ()  # any of these topics (empty = all)
    tags: tuple[str, ...] = ()  # any of these tags (empty = all)
    questions: tuple[str, ...] = ()  # exactly these question ids, in this order
    time_limit: int | None = None  # minutes; exam mode
    pass_mark: int = DEFAULT_PASS_MARK  # on the scaled 100-1000 score
    shuffle: bool = True  # question order and option order
    exams: tuple[str, ...] = ()  # questions marked with any of these exams (empty = all)
    domains: tuple[Domain, ...] = ()  # draw by these weights (empty = round-robin by topic)
    source: Path | None = None


# Used when `ecsprep quiz` gets no blueprint name.
DEFAULT = Blueprint(id="quick", title="Quick practice", count=10)


@dataclass(frozen=True, slots=True)
class Blueprints:
    items: tuple[Blueprint, ...]
    problems: tuple[Problem, ...]


def load_blueprints(
    folders: Iterable[Path], environ: Mapping[str, str] | None = None
) -> Blueprints:
    """Read every `*.yaml` blueprint in the folders; the first definition of an id wins.

    A set of files that loaded cleanly is cached as the parsed YAML (keyed by each
    file's path, size and mtime, like the pack cache), so `ecsprep quiz` doesn't
    import PyYAML just to read the same few blueprints again.
    """
    from ecsprep.packs.cache import cache_path, read_stored, write_stored

    files = [p for f in folders if f.is_dir() for p in sorted(f.glob("*.yaml"))]
    store = cache_path(os.environ if environ is None else environ, BLUEPRINT_CACHE)
    key = _cache_key(files)
    if store is not None and key is not None:
        cached = read_stored(store, key)
        if isinstance(cached, list):
            return _collect((Path(path), data, {}) for path, data in cached)
    read = [_read_blueprint(path) for path in files]
    problems = [p for _, _, _, found in read for p in found]
    documents = [(path, data, lines) for path, data, lines, _ in read if data is not None]
    loaded = _collect(documents)
    if store is not None and key is not None and not problems and not loaded.problems:
        write_stored(store, key, [[str(path), data] for path, data, _ in documents])
    return Blueprints(loaded.items, (*problems, *loaded.problems))


BLUEPRINT_CACHE = "blueprints.cache"


def _cache_key(files: Sequence[Path]) -> list[Any] | None:
    from ecsprep import __version__

    try:
        stats = [(path, path.stat()) for path in files]
    except OSError:
        return None
    return [__version__, FORMAT, [[str(p.resolve()), s.st_size, s.st_mtime_ns] for p, s in stats]]


def _collect(documents: Iterable[tuple[Path, Any, Mapping[str, int]]]) -> Blueprints:
    items: dict[str, Blueprint] = {}
    problems: list[Problem] = []
    for path, data, lines in documents:
        blueprint, found = parse_blueprint(data, path, lines)
        problems.extend(found)
        if blueprint is None:
            continue
        if blueprint.id in items:
            problems.append(Problem(path, None, "id", f"{blueprint.id!r} is already defined"))
            continue
        items[blueprint.id] = blueprint
    return Blueprints(tuple(items.values()), tuple(problems))


def load_blueprint(path: Path) -> tuple[Blueprint | None, tuple[Problem, ...]]:
    """Parse one blueprint file; a blueprint only when there is no problem."""
    _, data, lines, problems = _read_blueprint(path)
    if data is None:
        return None, problems
    return parse_blueprint(data, path, lines)


def _read_blueprint(
    path: Path,
) -> tuple[Path, dict[str, Any] | None, dict[str, int], tuple[Problem, ...]]:
    """The file's YAML as a mapping, with each top-level key's line; or why not.

    Read within the bounds of `ecsprep.plain_yaml`: `count: 1:30` is refused (YAML 1.1
    would read it as base-60 90), as are alias bombs, deep nesting and tags.
    """
    import yaml

    from ecsprep import plain_yaml

    try:
        text = path.read_text(encoding="utf-8")
        node = plain_yaml.compose(text)
    except (OSError, UnicodeDecodeError) as exc:
        return path, None, {}, (Problem(path, None, "", f"cannot read: {exc}"),)
    except plain_yaml.LimitError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        return path, None, {}, (Problem(path, line, "", str(exc.problem)),)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return path, None, {}, (Problem(path, line, "", f"not valid YAML: {exc}"),)
    if not isinstance(node, yaml.MappingNode):
        problem = Problem(path, 1, "", "a blueprint is a mapping of keys (id, title, ...)")
        return path, None, {}, (problem,)
    found: list[Problem] = []
    data = plain_yaml.to_plain(
        node, "", lambda line, where, message: found.append(Problem(path, line, where, message))
    )
    if found:
        return path, None, {}, tuple(found)
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return path, data, lines, ()


def parse_blueprint(
    data: Mapping[str, Any], path: Path, lines: Mapping[str, int]
) -> tuple[Blueprint | None, tuple[Problem, ...]]:
    """Validate a blueprint document (already parsed YAML)."""
    problems: list[Problem] = []

    def report(key: str, message: str) -> None:
        problems.append(Problem(path, lines.get(key), key, message))

    for key in sorted(set(data) - _KEYS):
        close = difflib.get_close_matches(str(key), sorted(_KEYS), n=1)
        report(str(key), "unknown key" + (f"; did you mean {close[0]!r}?" if close else ""))
    if data.get("format") != FORMAT:
        report("format", f"must be {FORMAT}")
    ident = data.get("id")
    if not isinstance(ident, str) or not re.match(_SLUG, ident):
        report("id", "required: a lowercase slug such as 'quick'")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        report("title", "required: a short title")
    description = _text(data, "description", report)
    mode = _mode(data, report)
    count = _positive(data, "count", report, default=10)
    time_limit = _positive(data, "time_limit", report, default=None)
    pass_mark = data.get("pass_mark", DEFAULT_PASS_MARK)
    if (
        not isinstance(pass_mark, int)
        or isinstance(pass_mark, bool)
        or not 100 <= pass_mark <= 1000
    ):
        report("pass_mark", "must be a whole number from 100 to 1000")
    shuffle = data.get("shuffle", True)
    if not isinstance(shuffle, bool):
        report("shuffle", "must be true or false")
    topics = _slugs(data, "topics", report)
    tags = _slugs(data, "tags", report)
    questions = _slugs(data, "questions", report)
    exams = _slugs(data, "exams", report)
    for exam in exams:
        if exam not in EXAMS:
            report("exams", f"{exam!r} is not one of {', '.join(EXAMS)}")
    domains = _domains(data.get("domains"), report)
    if problems:
        return None, tuple(problems)
    blueprint = Blueprint(
        id=str(ident),
        title=str(title),
        description=description,
        mode=mode,
        count=count,
        topics=topics,
        tags=tags,
        questions=questions,
        time_limit=time_limit,
        pass_mark=int(pass_mark),
        shuffle=bool(shuffle),
        exams=exams,
        domains=domains,
        source=path,
    )
    return blueprint, ()


def _domains(value: Any, report: Any) -> tuple[Domain, ...]:
    """`domains`: a list of {name, weight, topics}; weights add up to 100, a topic in one only."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        report("domains", "must be a list of {name, weight, topics}")
        return ()
    domains: list[Domain] = []
    owner: dict[str, str] = {}
    for i, item in enumerate(value):
        where = f"domains[{i}]"
        if not isinstance(item, dict) or set(item) != {"name", "weight", "topics"}:
            report("domains", f"{where}: needs exactly the keys name, weight and topics")
            continue
        name, weight, topics = item["name"], item["weight"], item["topics"]
        if not isinstance(name, str) or not name.strip():
            report("domains", f"{where}.name: must be text")
            continue
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
            report("domains", f"{where}.weight: must be a whole percent from 1 to 100")
            continue
        if not isinstance(topics, list) or not topics or not all(_is_slug(t) for t in topics):
            report("domains", f"{where}.topics: must be a list of topic ids")
            continue
        for topic in topics:
            if topic in owner:
                report("domains", f"{where}.topics: {topic!r} is already in {owner[topic]!r}")
            owner[topic] = name
        domains.append(Domain(name.strip(), weight, tuple(topics)))
    total = sum(d.weight for d in domains)
    if len(domains) == len(value) and total != 100:
        report("domains", f"the weights add up to {total}, not 100")
    return tuple(domains)


def _is_slug(value: Any) -> bool:
    return isinstance(value, str) and bool(re.match(_SLUG, value))


def _text(data: Mapping[str, Any], key: str, report: Any) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        report(key, "must be text")
        return ""
    return value.strip()


def _mode(data: Mapping[str, Any], report: Any) -> Mode:
    value = data.get("mode", Mode.PRACTICE.value)
    try:
        return Mode(value)
    except ValueError:
        report("mode", f"must be one of: {', '.join(m.value for m in Mode)}")
        return Mode.PRACTICE


def _positive(data: Mapping[str, Any], key: str, report: Any, default: int | None) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        report(key, "must be a whole number of 1 or more (or null)")
        return default
    return value


def _slugs(data: Mapping[str, Any], key: str, report: Any) -> tuple[str, ...]:
    value = data.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        report(key, "must be a list of ids")
        return ()
    return tuple(value)


def find_blueprint(blueprints: Sequence[Blueprint], name: str) -> Blueprint:
    """The blueprint with this id, or a path to a blueprint file."""
    for blueprint in blueprints:
        if blueprint.id == name:
            return blueprint
    path = Path(name)
    if path.suffix in {".yaml", ".yml"} and path.is_file():
        loaded, problems = load_blueprint(path)
        if loaded is None:
            raise problems_error(path, problems)
        return loaded
    ids = [b.id for b in blueprints]
    raise NotFoundError(
        "blueprint",
        name,
        difflib.get_close_matches(name, ids, n=3),
        hint=f"the blueprints are {', '.join(sorted(ids))} (ecsprep quiz --list), "
        "or give a blueprint .yaml file",
    )


def problems_error(path: Path, problems: Sequence[Problem]) -> InputError:
    """Every problem in one blueprint as one error: one line each, then how to fix them."""
    if len(problems) == 1:
        return InputError(str(problems[0]), f"fix it in {path} (see docs/blueprint-format.md)")
    lines = "\n".join(f"  {problem}" for problem in problems)
    return InputError(
        f"{len(problems)} problems in blueprint {path}:\n{lines}",
        f"fix them in {path} (see docs/blueprint-format.md)",
    )


def unknown_names(
    blueprint: Blueprint, topics: Collection[str], tags: Collection[str]
) -> tuple[Problem, ...]:
    """Topics and tags the blueprint names that no loaded pack has, with a close match.

    Checked when the blueprint is used (the library is loaded by then): a misspelt
    topic would otherwise draw nothing from it, silently. Question ids are not
    checked: a blueprint outlives edits to content and skips ids no longer there.
    """
    path = blueprint.source if blueprint.source is not None else Path(blueprint.id)
    found: list[Problem] = []

    def check(where: str, name: str, known: Collection[str], kind: str) -> None:
        if name in known:
            return
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        found.append(Problem(path, None, where, f"unknown {kind} {name!r}{hint}"))

    for i, topic in enumerate(blueprint.topics):
        check(f"topics[{i}]", topic, topics, "topic")
    for i, tag in enumerate(blueprint.tags):
        check(f"tags[{i}]", tag, tags, "tag")
    for d, domain in enumerate(blueprint.domains):
        for i, topic in enumerate(domain.topics):
            check(f"domains[{d}].topics[{i}]", topic, topics, "topic")
    return tuple(found)
