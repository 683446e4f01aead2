"""Reading the simulator's input files: JSON or YAML, with errors that point.

Every reader in the simulator works on plain data (dicts, lists, strings)
plus a `Where`: the file and the JSON path inside it, so that a refusal can
say `taskdef.json containerDefinitions[0].memory: …` and the fix. Placeholders
left by templating tools (`${Var}`, `{{var}}`, `$$$VAR$$$`) are found by name.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ecsprep.errors import InputError

# Template placeholders that ECS would receive literally if nobody filled them in.
PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\{\{[^}]*\}\}|\$\$\$[A-Za-z0-9_]+\$\$\$")


@dataclass(frozen=True, slots=True)
class Where:
    """A place inside an input document: the file (or flag) and a JSON path."""

    source: str  # a file name, or a flag such as "--fleet"
    path: str = ""  # e.g. "containerDefinitions[0].memory"

    def key(self, name: str) -> Where:
        return Where(self.source, f"{self.path}.{name}" if self.path else name)

    def index(self, position: int) -> Where:
        return Where(self.source, f"{self.path}[{position}]")

    def refuse(self, message: str, hint: str | None = None) -> InputError:
        place = " ".join(part for part in (self.source, self.path) if part)
        return InputError(f"{place}: {message}", hint)


# Bounds on what an input file may hold, so that no file can take unbounded
# time or memory (docs/simulator.md, "Input checks"). A describe-container-
# instances output of 10,000 instances is about 40 MB; AWS's own shapes nest
# less than 15 levels deep (a scenario adds two); AWS's longest integer field
# (longValue) has 19 digits.
MAX_FILE_BYTES = 128 * 1024 * 1024
MAX_DEPTH = 64
MAX_DIGITS = 20
_LIMIT = 10**MAX_DIGITS


def read_document(path: Path) -> object:
    """Parse a JSON or YAML file (chosen by its suffix; JSON is tried first otherwise).

    The document is checked before anything is built from it: no file bigger
    than MAX_FILE_BYTES is read, no NaN or infinite number, no number longer
    than MAX_DIGITS digits, no nesting deeper than MAX_DEPTH, no YAML alias.
    """
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", "check the path") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(
            f"{path}: the file is bigger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
            "give a describe-container-instances output or a scenario file, not a device "
            "or a whole disk",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start})", "save the file as UTF-8"
        ) from None
    return parse_text(text, str(path), yaml_first=path.suffix.lower() in (".yaml", ".yml"))


def parse_text(text: str, source: str, *, yaml_first: bool = False) -> object:
    if "\x00" in text:
        raise InputError(f"{source}: the file holds NUL bytes, so it is not JSON or YAML text")
    if yaml_first:
        data = _parse_yaml(text, source)
    else:
        try:
            data = json.loads(text, parse_int=_json_int)
        except json.JSONDecodeError as exc:
            if text.lstrip().startswith(("{", "[")):
                # It was meant as JSON: report the JSON error, not a confusing YAML one.
                raise InputError(
                    f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}",
                    "fix the JSON at that line and column (a missing comma is the usual cause)",
                ) from None
            data = _parse_yaml(text, source)
        except RecursionError:
            raise _too_deep(Where(source)) from None
    check_values(data, Where(source))
    return data


class _LongNumber:
    """A JSON number with more digits than any AWS field has (refused by check_values)."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _json_int(text: str) -> int | _LongNumber:
    # int() of a 5,000-digit string raises (and takes quadratic time): count first
    return int(text) if len(text) <= MAX_DIGITS + 1 else _LongNumber(len(text.lstrip("-")))


def check_values(data: object, where: Where) -> None:
    """Refuse, with the JSON path, what no AWS shape holds: NaN and infinite
    numbers, numbers longer than MAX_DIGITS digits, nesting deeper than MAX_DEPTH.

    The walk keeps no paths (a big input has hundreds of thousands of values);
    when it finds a problem, a second walk finds where it is.
    """
    stack: list[tuple[object, int]] = [(data, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        value, depth = pop()
        kind = type(value)
        if kind is str or kind is bool or value is None:
            continue
        if kind is int:
            if -_LIMIT < value < _LIMIT:
                continue
            raise _locate(data, where)
        if kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                raise _locate(data, where)
            items: Iterable[object] = value.values() if isinstance(value, dict) else value  # type: ignore[assignment]
            for item in items:
                if type(item) is not str:
                    push((item, depth + 1))
            continue
        if _problem(value) is not None:
            raise _locate(data, where)
        containers = (Mapping, list, tuple, set, frozenset)
        if isinstance(value, containers) and depth >= MAX_DEPTH:  # as for dict and list
            raise _locate(data, where)
        if isinstance(value, Mapping):
            for item in value.values():
                push((item, depth + 1))
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                push((item, depth + 1))


def _problem(value: object) -> str | None:
    if isinstance(value, _LongNumber):
        return f"a number with {value.digits} digits is longer than any AWS field allows"
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "NaN is not a number AWS accepts (JSON has no NaN)"
        return "an infinite number (Infinity, or one too big for a double such as 1e999)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_DIGITS:
        digits = int(value.bit_length() * 0.30103) + 1  # str() refuses past 4,300 digits
        return f"a number with about {digits} digits is longer than any AWS field allows"
    return None


def _locate(data: object, where: Where) -> InputError:
    """The first problem in `data`, with its path (the slow walk, run only on failure)."""
    stack: list[tuple[object, Where, int]] = [(data, where, 0)]
    while stack:
        value, at, depth = stack.pop()
        problem = _problem(value)
        if problem is not None:
            return at.refuse(problem, "write the value as AWS's JSON does")
        if isinstance(value, (Mapping, list, tuple, set, frozenset)):
            if depth >= MAX_DEPTH:
                return _too_deep(at)
            if isinstance(value, Mapping):
                children = [(item, at.key(str(name))) for name, item in value.items()]
            else:
                children = [(item, at.index(n)) for n, item in enumerate(value)]
            stack.extend((item, place, depth + 1) for item, place in reversed(children))
    return where.refuse("the document cannot be read")  # not reached: check_values found one


def _too_deep(where: Where) -> InputError:
    return where.refuse(
        f"nested more than {MAX_DEPTH} levels deep",
        "AWS's JSON shapes are a few levels deep: check the brackets",
    )


def _parse_yaml(text: str, source: str) -> object:
    """Plain data within the bounds of `ecsprep.plain_yaml` (aliases, nesting, tags)."""
    import yaml

    from ecsprep import plain_yaml

    try:
        node = plain_yaml.compose(text)
    except plain_yaml.LimitError as exc:
        mark = exc.problem_mark
        place = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise InputError(f"{place}: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        place = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise InputError(f"{place}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: invalid YAML: {exc}") from None
    if node is None:
        return None
    found: list[str] = []

    def report(line: int, where: str, message: str) -> None:
        found.append(
            f"{source}:{line}: {where}: {message}" if where else f"{source}:{line}: {message}"
        )

    data = plain_yaml.to_plain(node, "", report)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(found[0] + more)
    return data


def as_mapping(value: object, where: Where, what: str = "an object") -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise where.refuse(f"expected {what}, found {kind_of(value)}")
    return value


def as_list(value: object, where: Where, what: str = "a list") -> list[object]:
    if not isinstance(value, list):
        raise where.refuse(f"expected {what}, found {kind_of(value)}")
    return value


def as_str(value: object, where: Where) -> str:
    if not isinstance(value, str):
        raise where.refuse(f"expected a string, found {kind_of(value)}")
    refuse_placeholder(value, where)
    return value


def as_int(value: object, where: Where, *, minimum: int = 0) -> int:
    """An integer given as a number or as a string of digits (AWS accepts both)."""
    if isinstance(value, bool):
        raise where.refuse(f"expected a number, found {kind_of(value)}")
    if isinstance(value, str):
        refuse_placeholder(value, where)
        digits = value.strip().lstrip("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= MAX_DIGITS:
            value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise where.refuse(f"expected a whole number, found {kind_of(value)}")
    if value < minimum:
        raise where.refuse(f"must be at least {minimum}, found {value}")
    return value


def refuse_placeholder(text: str, where: Where) -> None:
    found = PLACEHOLDER.search(text)
    if found:
        raise where.refuse(
            f"template placeholder {found.group(0)} was never filled in",
            "render the template first (CloudFormation, Terraform, envsubst…): "
            "ECS would receive the placeholder literally",
        )


def placeholders(value: object, where: Where) -> Iterator[tuple[Where, str]]:
    """Every placeholder anywhere in a document, with its path (for warnings)."""
    if isinstance(value, str):
        for found in PLACEHOLDER.finditer(value):
            yield where, found.group(0)
    elif isinstance(value, Mapping):
        for name, item in value.items():
            yield from placeholders(item, where.key(str(name)))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from placeholders(item, where.index(position))


def kind_of(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value[:60]!r}" + ("…" if len(value) > 60 else "")
    if isinstance(value, int) and abs(value) >= 10**MAX_DIGITS:
        return "a number longer than any AWS field allows"
    return f"{type(value).__name__} {value!r}"[:80]
