"""What every `ecsprep simulate NAME` shares: the `--format` option (checked, its values
completed), reading the scenario file (YAML or JSON, bounded by sim.documents) with the flags'
additions, and showing the result as text or JSON (with the lines of list facts that several
renderers print alike)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.documents import Where

R = TypeVar("R")

FORMATS = ("text", "json")


def completing(formats: tuple[str, ...]) -> Callable[[str], list[str]]:
    """A `--format <Tab>` completion: the formats that start with what was typed."""

    def complete(incomplete: str) -> list[str]:
        return [name for name in formats if name.startswith(incomplete)]

    return complete


# The `--format` option of every simulator that prints text or JSON (`output_format: FormatOption
# = "text"`), declared once.
FormatOption = Annotated[
    str, typer.Option("--format", help="text or json.", autocompletion=completing(FORMATS))
]


def check_format(output_format: str, formats: tuple[str, ...] = FORMATS) -> None:
    from ecsprep.errors import InputError

    if output_format not in formats:
        raise InputError(f"--format {output_format!r}: use {' or '.join(formats)}")


def scenario_document(
    scenario: Path | None, what: str = "a scenario"
) -> tuple[dict[str, Any], Where]:
    """The scenario file as a mutable mapping (flags are added to it), and where it came from;
    with no file, an empty document from the flags."""
    from ecsprep.sim.documents import Where, as_mapping, read_document

    if scenario is None:
        return {}, Where("flags")
    where = Where(str(scenario))
    return dict(as_mapping(read_document(scenario), where, what)), where


def block(document: dict[str, Any], where: Where, key: str, what: str) -> dict[str, Any]:
    """A copy of the file's object under `key` for flags to add to (empty when absent); a
    value that isn't an object is refused at its place."""
    from ecsprep.sim.documents import as_mapping

    value = document.get(key)
    return {} if value is None else dict(as_mapping(value, where.key(key), what))


def add_items(document: dict[str, Any], where: Where, key: str, items: Iterable[Any]) -> None:
    """Append what flags give (`--push`, `--request`, …) to the file's list under `key`;
    a file whose `key` isn't a list is refused at its place."""
    from ecsprep.sim.documents import as_list

    added = list(items)
    if added:
        document[key] = [*as_list(document.get(key, []), where.key(key)), *added]


def show(
    output_format: str,
    result: R,
    to_json: Callable[[R], object],
    render: Callable[[Console, R], None],
) -> None:
    """The result as JSON on stdout (nothing else) or rendered for a person."""
    from ecsprep.ui.console import out, print_json

    if output_format == "json":
        print_json(to_json(result))
    else:
        render(out(), result)


def fact_lines(
    console: Console,
    facts: Mapping[str, object],
    rows: Sequence[tuple[str, str]],
    *,
    always: Collection[str],
    empty: str,
) -> None:
    """`Label: a, b` for each (label, fact name) row whose fact is a list of text; an empty
    list is shown (as `Label: <empty>`) only for the names in `always`."""
    for label, name in rows:
        values = facts[name]
        assert isinstance(values, list)
        if values or name in always:
            console.print(f"{label}: {', '.join(values) or empty}", markup=False)
