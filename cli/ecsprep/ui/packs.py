"""`ecsprep packs …`: list, validate and export content packs, print their schema."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ecsprep.packs.likeness import Alike
    from ecsprep.packs.load import Loaded
    from ecsprep.packs.model import Library

packs_app = typer.Typer(
    name="packs",
    help=(
        "List, check and export content packs (notes, glossary and questions).\n\n"
        "Examples:\n\n"
        "  ecsprep packs list\n\n"
        "  ecsprep packs validate my-pack.yaml\n\n"
        "  ecsprep packs export --format anki --output ecs.txt"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

PackOption = Annotated[
    list[Path] | None,
    typer.Option("--pack", help="Also load this content pack file or folder (repeatable)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only, on stdout.")]


class ExportFormat(str, Enum):
    JSON = "json"
    ANKI = "anki"


@packs_app.command("list")
def list_command(pack: PackOption = None, as_json: JsonOption = False) -> None:
    """List the loaded packs: id, title, version, counts, origin and file.

    Shipped packs come with ecsprep; user packs are the *.yaml files in
    $ECSPREP_HOME/packs (your data folder); option packs come from --pack.
    A pack with problems is left out with a warning on stderr.

    Examples:

      ecsprep packs list

      ecsprep packs list --pack ./my-pack.yaml --json
    """
    from ecsprep.ui.console import print_json, reported

    with reported():
        from ecsprep.packs.export import library_to_data
        from ecsprep.ui.library import load_for_command

        library = load_for_command(pack or ())
        rows = library_to_data(library)["packs"]
        if as_json:
            print_json({"packs": rows})
            return
        _show_packs(rows)


def _show_packs(rows: list[dict[str, Any]]) -> None:
    """One block per pack: id, counts and origin on the first line, then the title and the
    file, indented and never broken mid-word (a path stays whole, to copy)."""
    from rich.text import Text

    from ecsprep.ui.console import indented, out

    console = out()
    if not rows:
        console.print("no content packs loaded")
        return
    for row in rows:
        counts = row["counts"]
        console.print(
            Text(row["id"], style="bold").append(f"  {row['origin']}, version {row['version']}")
        )
        console.print(Text(indented(row["title"], console.width)), soft_wrap=True)
        console.print(
            Text(
                f"    {counts['questions']} questions · {counts['terms']} terms · "
                f"{counts['topics']} topics · {_shown(row['file'])}",
                style="dim",
            ),
            soft_wrap=True,
        )


def _shown(file: str | None) -> str:
    from ecsprep.packs.load import display_path

    return str(display_path(Path(file))) if file else ""


@packs_app.command("validate")
def validate_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Pack files or folders to check (default: every installed pack).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check packs and print every problem as `file:line where: message`.

    Given files are checked together with the shipped packs, so duplicate ids
    and references to shipped topics and terms are checked too. Exit status 1
    if there is any problem, 0 otherwise.

    Examples:

      ecsprep packs validate                    # shipped packs and yours

      ecsprep packs validate my-pack.yaml

      ecsprep packs validate ~/packs --json
    """
    from ecsprep.ui.console import print_json, reported

    with reported():
        from ecsprep.packs.likeness import alike
        from ecsprep.packs.load import load_library, validate_files

        loaded = validate_files(paths) if paths else load_library(cache=False)
        loaded = _with_checks_run(loaded)
        pairs = alike(loaded.library.questions.values())
        if as_json:
            print_json({**_validation_json(loaded), "alike": [_alike_json(a) for a in pairs]})
        else:
            _show_validation(loaded)
            _warn_alike(pairs)
            _warn_skipped(loaded)
    if loaded.problems:
        raise typer.Exit(1)


def _with_checks_run(loaded: Loaded) -> Loaded:
    """Run every question's simulator check too: a key the simulator contradicts is a problem."""
    from dataclasses import replace

    from ecsprep.packs.verify import verify_checks

    found = verify_checks(loaded.library)
    if not found:
        return loaded
    return replace(loaded, problems=(*loaded.problems, *found))


def _totals(library: Library) -> dict[str, int]:
    return {
        "packs": len(library.packs),
        "topics": len(library.topics),
        "terms": len(library.terms),
        "questions": len(library.questions),
    }


def _validation_json(loaded: Loaded) -> dict[str, Any]:
    return {
        "ok": not loaded.problems,
        "problems": [
            {"file": str(p.path), "line": p.line, "where": p.where, "message": p.message}
            for p in loaded.problems
        ],
        "broken": [str(p) for p in loaded.broken],
        "skipped": [{"file": str(p.path), "message": p.message} for p in loaded.skipped],
        "loaded": _totals(loaded.library),
    }


def _alike_json(pair: Alike) -> dict[str, Any]:
    return {
        "questions": [pair.first.id, pair.second.id],
        "likeness": round(pair.likeness, 2),
    }


def _warn_alike(pairs: list[Alike]) -> None:
    """Near-duplicate stems: a warning on stderr each, the check itself still passes."""
    import sys

    for pair in pairs:
        sys.stderr.write(
            f"warning: questions {pair.first.id} and {pair.second.id} read almost alike "
            f"({pair.likeness:.0%} of their phrases shared); test one fact one way\n"
        )


def _warn_skipped(loaded: Loaded) -> None:
    """Entries of a packs folder that aren't packs (a folder, a dangling link): a warning each."""
    import sys

    for skipped in loaded.skipped:
        sys.stderr.write(f"warning: {skipped}\n")


def _show_validation(loaded: Loaded) -> None:
    import sys

    t = _totals(loaded.library)
    counts = (
        f"{t['packs']} packs, {t['topics']} topics, {t['terms']} terms, {t['questions']} questions"
    )
    if not loaded.problems:
        sys.stdout.write(f"ok: {counts}\n")
        return
    for problem in loaded.problems:
        sys.stdout.write(f"{problem}\n")
    n, files = len(loaded.problems), len(loaded.broken)
    left_out = f"{files} file{'s' * (files != 1)} left out" if files else "no file left out"
    sys.stdout.write(f"{n} problem{'s' * (n != 1)} ({left_out}); loaded {counts}\n")


@packs_app.command("export")
def export_command(
    format_: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="json, or anki (tab-separated notes).")
    ] = ExportFormat.JSON,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", dir_okay=False
        ),
    ] = None,
    pack: PackOption = None,
) -> None:
    """Export every loaded pack as JSON, or the questions as Anki notes.

    The Anki file imports with File → Import in Anki: one Basic note per
    question (front: stem and lettered options; back: answer, explanation and
    why each option is right or wrong), tagged with the question's topics.

    Examples:

      ecsprep packs export --format json > ecsprep.json

      ecsprep packs export --format anki --output ecsprep-anki.txt
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.ui.library import load_for_command

        library = load_for_command(pack or ())
        text = _export_text(library, format_)
        _write(text, output, f"{len(library.questions)} questions")


def _export_text(library: Library, format_: ExportFormat) -> str:
    import json

    from ecsprep.packs.export import library_to_anki, library_to_data

    if format_ is ExportFormat.ANKI:
        return library_to_anki(library)
    return json.dumps(library_to_data(library), indent=2, ensure_ascii=False) + "\n"


def _write(text: str, output: Path | None, what: str) -> None:
    import sys

    from ecsprep.errors import InputError

    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    sys.stderr.write(f"wrote {what} to {output}\n")


@packs_app.command("schema")
def schema_command(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Print the JSON Schema (draft 2020-12) of the pack format, for editors.

    Point the YAML language server at it for completion and checking: put
    `# yaml-language-server: $schema=./ecsprep-pack.schema.json` at the top of a pack.

    Examples:

      ecsprep packs schema > ecsprep-pack.schema.json

      ecsprep packs schema --output ecsprep-pack.schema.json
    """
    from ecsprep.ui.console import reported

    with reported():
        import json

        from ecsprep.packs.schema import json_schema

        text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
        _write(text, output, "the pack JSON Schema")


def register(app: typer.Typer) -> None:
    """Add the `packs` command group to the root app."""
    app.add_typer(packs_app, name="packs")
