"""The start every `ecsprep simulate NAME` shares: check `--format`, read the optional scenario
file (YAML or JSON, bounded by sim.documents), and say where its values came from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ecsprep.sim.documents import Where

FORMATS = ("text", "json")
# The `--format` option of every simulator that prints text or JSON (`output_format: FormatOption
# = "text"`), declared once.
FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


def check_format(output_format: str) -> None:
    from ecsprep.errors import InputError

    if output_format not in FORMATS:
        raise InputError(f"--format {output_format!r}: use {' or '.join(FORMATS)}")


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
