"""`ecsprep explain [TERM]`: the notes on a term or topic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecsprep.ui.console import out, print_json, reported

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ecsprep.explain import Explanation, Lookup
    from ecsprep.packs.model import Library

PackOption = Annotated[
    list[Path] | None,
    typer.Option("--pack", help="Also load this content pack (repeatable).", dir_okay=False),
]


def explain_command(
    term: Annotated[
        list[str] | None,
        typer.Argument(help="A term, alias or topic; several words need no quotes."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the match as JSON.")] = False,
    pack: PackOption = None,
) -> None:
    """Show the notes on an ECS, ECR or Fargate term (typos and rephrasing are fine).

    Examples:

      ecsprep explain binpack

      ecsprep explain host port 0

      ecsprep explain ECS_ENABLE_TASK_IAM_ROLE --json

      ecsprep explain            # list every topic and term
    """
    with reported():
        from ecsprep.ui.library import load_for_command

        library = load_for_command(pack or ())
        if not term:
            _show_index(library, as_json)
            return
        from ecsprep.explain import lookup

        found = lookup(library, " ".join(term))
        if as_json:
            print_json(_match_json(found))
        elif found.ambiguous:
            _show_choices(found)
        else:
            _show(found.matches[0])


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_command)


def explanation_json(e: Explanation) -> dict[str, Any]:
    term = e.term
    return {
        "term": term.term if term else None,
        "aliases": list(term.aliases) if term else [],
        "definition": term.definition if term else e.topic.summary,
        "topic": {
            "id": e.topic.id,
            "title": e.topic.title,
            "summary": e.topic.summary,
            "notes": e.topic.notes,
            "refs": [{"url": r.url, "title": r.title} for r in e.topic.refs],
        },
        "see": list(e.see),
        "questions": len(e.questions),
        "question_ids": [q.id for q in e.questions],
        "drill": e.drill,
        "try": e.try_command or None,
        "check": e.check_command or None,
        "pack": (term.pack if term else e.topic.pack),
    }


def _match_json(found: Lookup) -> dict[str, Any]:
    if not found.ambiguous:
        return explanation_json(found.matches[0])
    return {
        "query": found.query,
        "ambiguous": True,
        "candidates": [explanation_json(m) for m in found.matches],
    }


def _show(e: Explanation) -> None:
    from rich.rule import Rule
    from rich.text import Text

    console = out()
    heading = Text(e.name, style="bold cyan")
    if e.term and e.term.aliases:
        heading.append(f"  (also: {', '.join(e.term.aliases)})", style="dim")
    console.print(heading)
    console.print(e.term.definition if e.term else e.topic.summary)
    console.print()
    console.print(Rule(f"{e.topic.title}  [{e.topic.id}]", align="left"))
    console.print(_notes(e.topic.notes, console.is_terminal), soft_wrap=not console.is_terminal)
    console.print()
    for ref in e.topic.refs:
        console.print(Text(f"ref: {ref.title + ' ' if ref.title else ''}{ref.url}", style="dim"))
    if e.see:
        console.print(Text("see also: ", style="bold").append(", ".join(e.see), style=""))
    console.print(
        Text("drill: ", style="bold").append(f"{len(e.questions)} question(s) → {e.drill}")
    )
    if e.try_command:
        console.print(Text("try it: ", style="bold").append(e.try_command))
    if e.check_command:
        console.print(Text("check a question in place: ", style="bold").append(e.check_command))


def _notes(markdown: str, terminal: bool) -> RenderableType:
    """Rendered Markdown in a terminal; the Markdown source itself in a pipe.

    Markdown source is already the plain-text form (scripts, screen readers, `less`),
    and it spares piped runs the ~50 ms import of rich.markdown and its parser.
    """
    if not terminal:
        from rich.text import Text

        return Text(markdown.rstrip())
    from rich.markdown import Markdown

    return Markdown(markdown)


def _show_choices(found: Lookup) -> None:
    from rich.table import Table

    table = Table(title=f"Several entries match {found.query!r}", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("topic")
    table.add_column("definition", overflow="fold")
    for m in found.matches:
        definition = m.term.definition if m.term else m.topic.summary
        table.add_row(m.name, m.topic.id, definition)
    console = out()
    console.print(table)
    console.print(f"Pick one: ecsprep explain {found.matches[0].name}")


def _show_index(library: Library, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "topics": [
                    {"id": t.id, "title": t.title, "questions": len(library.questions_on(t.id))}
                    for t in library.topics.values()
                ],
                "terms": [{"term": t.term, "topic": t.topic} for t in library.terms.values()],
            }
        )
        return
    from rich.table import Table

    table = Table(title="Topics and their terms", title_justify="left", show_lines=True)
    table.add_column("topic", style="bold", no_wrap=True)
    table.add_column("questions", justify="right")
    table.add_column("terms", overflow="fold")
    for topic in library.topics.values():
        terms = [t.term for t in library.terms.values() if t.topic == topic.id]
        table.add_row(
            f"{topic.id}\n{topic.title}", str(len(library.questions_on(topic.id))), ", ".join(terms)
        )
    console = out()
    console.print(table)
    console.print("Explain one: ecsprep explain TERM   (e.g. ecsprep explain binpack)")
