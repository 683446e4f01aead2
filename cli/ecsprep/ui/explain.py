"""`ecsprep explain [TERM]`: the notes on a term or topic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecsprep.ui import completion
from ecsprep.ui.console import indented, out, print_json, reported

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
        typer.Argument(
            help="A term, alias or topic; several words need no quotes.",
            autocompletion=completion.explain_terms,
        ),
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
        from ecsprep.explain import MatchKind, lookup

        found = lookup(library, " ".join(term))
        if as_json:
            print_json(_match_json(found))
        elif found.ambiguous:
            _show_choices(found)
        elif found.kind is MatchKind.TEXT:
            _show_passages(found)
        else:
            if found.corrected:
                _say_corrected(found)
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
    found_by = {"query": found.query, "match": found.kind.value}
    if not found.ambiguous:
        data = explanation_json(found.matches[0])
        if found.matches[0].passages:
            data["passages"] = list(found.matches[0].passages)
            data["also"] = [t.id for t in found.also]
        return {**data, **found_by}
    return {
        **found_by,
        "ambiguous": True,
        "candidates": [explanation_json(m) for m in found.matches],
    }


def _explain_command(e: Explanation) -> str:
    """The command that shows exactly this entry (a term's own name, or a topic id)."""
    import shlex

    return f"ecsprep explain {shlex.quote(e.term.term if e.term else e.topic.id)}"


def _say_corrected(found: Lookup) -> None:
    from rich.text import Text

    shown = found.matches[0].name
    out().print(Text(f"showing {shown} (nothing is named {found.query!r})", style="dim"))


def _show(e: Explanation) -> None:
    from rich.rule import Rule
    from rich.text import Text

    console = out()
    heading = Text(e.name, style="bold cyan")
    if e.term and e.term.aliases:
        heading.append(f"  (also: {', '.join(e.term.aliases)})", style="dim")
    console.print(heading)
    console.print(Text(e.term.definition if e.term else e.topic.summary))
    console.print()
    console.print(Rule(Text(f"{e.topic.title}  [{e.topic.id}]"), align="left"))
    console.print(_notes(e.topic.notes, console.is_terminal), soft_wrap=not console.is_terminal)
    console.print()
    _show_footer(e)


def _show_footer(e: Explanation) -> None:
    """References, related terms and the commands to go on with: never hard-wrapped,
    so a URL or a command stays whole (clickable, pasteable)."""
    from rich.text import Text

    console = out()
    for ref in e.topic.refs:
        line = Text(f"ref: {ref.title + ' — ' if ref.title else ''}{ref.url}", style="dim")
        console.print(line, soft_wrap=True)
    if e.see:
        console.print(Text("see also: ", style="bold").append(", ".join(e.see), style=""))
    lines = [("drill: ", f"{len(e.questions)} question(s) → {e.drill}")]
    if e.try_command:
        lines.append(("try it: ", e.try_command))
    if e.check_command:
        lines.append(("check a question in place: ", e.check_command))
    for label, command in lines:
        console.print(Text(label, style="bold").append(command), soft_wrap=True)


def _show_passages(found: Lookup) -> None:
    """A text match: where the notes talk about the words, and the way to the rest."""
    from rich.rule import Rule
    from rich.text import Text

    from ecsprep.explain import Explanation
    from ecsprep.passages import shorten

    e = found.matches[0]
    console = out()
    console.print(Text(f"No term or topic is named {found.query!r}; the notes mention it here:"))
    console.print(Rule(Text(f"{e.topic.title}  [{e.topic.id}]"), align="left"))
    for passage in e.passages:
        console.print(
            _notes(shorten(passage), console.is_terminal), soft_wrap=not console.is_terminal
        )
        console.print()
    read = f"ecsprep explain {e.topic.id}"
    console.print(Text("whole topic: ", style="bold").append(read), soft_wrap=True)
    if found.also:
        also = ", ".join(t.id for t in found.also[:5])
        console.print(Text("also in: ", style="bold").append(also))
    _show_footer(Explanation(topic=e.topic, see=e.see, questions=e.questions))


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
    from rich.text import Text

    console = out()
    console.print(Text(f"Several entries match {found.query!r}; show one with its command:"))
    for m in found.matches:
        definition = m.term.definition if m.term else m.topic.summary
        console.print(Text(m.name, style="bold").append(f"  {_explain_command(m)}", style=""))
        console.print(Text(indented(definition, console.width), style="dim"), soft_wrap=True)


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
    from rich.text import Text

    # One block per topic: its id and title, then its terms wrapped under an indent.
    # Readable at any width (a table squeezes the terms to nothing at 80 columns)
    # and in a pipe, where terms must not break mid-word.
    console = out()
    for topic in library.topics.values():
        count = len(library.questions_on(topic.id))
        head = Text(topic.id, style="bold").append(f"  {topic.title} · {count} question(s)")
        console.print(head)
        terms = [t.term for t in library.terms.values() if t.topic == topic.id]
        if terms:
            console.print(
                Text(indented(", ".join(terms), console.width), style="dim"), soft_wrap=True
            )
    console.print()
    console.print("Explain one: ecsprep explain TERM   (e.g. ecsprep explain binpack)")
