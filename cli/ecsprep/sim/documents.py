"""Reading the simulator's input files: JSON or YAML, with errors that point.

Every reader in the simulator works on plain data (dicts, lists, strings)
plus a `Where`: the file and the JSON path inside it, so that a refusal can
say `taskdef.json containerDefinitions[0].memory: …` and the fix. Placeholders
left by templating tools (`${Var}`, `{{var}}`, `$$$VAR$$$`) are found by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
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


def read_document(path: Path) -> object:
    """Parse a JSON or YAML file (chosen by its suffix; JSON is tried first otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file ({exc})") from None
    return parse_text(text, str(path), yaml_first=path.suffix.lower() in (".yaml", ".yml"))


def parse_text(text: str, source: str, *, yaml_first: bool = False) -> object:
    if yaml_first:
        return _parse_yaml(text, source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith(("{", "[")):
            # It was meant as JSON: report the JSON error, not a confusing YAML one.
            raise InputError(
                f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}",
                "fix the JSON at that line and column (a missing comma is the usual cause)",
            ) from None
    return _parse_yaml(text, source)


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
        raise where.refuse(f"expected {what}, found {_kind(value)}")
    return value


def as_list(value: object, where: Where, what: str = "a list") -> list[object]:
    if not isinstance(value, list):
        raise where.refuse(f"expected {what}, found {_kind(value)}")
    return value


def as_str(value: object, where: Where) -> str:
    if not isinstance(value, str):
        raise where.refuse(f"expected a string, found {_kind(value)}")
    refuse_placeholder(value, where)
    return value


def as_int(value: object, where: Where, *, minimum: int = 0) -> int:
    """An integer given as a number or as a string of digits (AWS accepts both)."""
    if isinstance(value, bool):
        raise where.refuse(f"expected a number, found {_kind(value)}")
    if isinstance(value, str):
        refuse_placeholder(value, where)
        if value.strip().lstrip("-").isdigit():
            value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise where.refuse(f"expected a whole number, found {_kind(value)}")
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


def _kind(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"
