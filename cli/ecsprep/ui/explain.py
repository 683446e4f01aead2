"""`ecsprep explain [TERM]`: the notes on a term or topic.

Each page is built once as data (`Block`s of styled spans) and written by one of
two writers: Rich in a terminal (styles, rendered Markdown), plain text anywhere
else (a pipe, a file, a screen reader), which never imports Rich: piped `explain`
starts in about the time of a bare Typer command (benchmarks/startup.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecsprep.ui import completion
from ecsprep.ui.console import indented, is_terminal, out, plain_width, print_json, reported

if TYPE_CHECKING:
    from rich.text import Text

    from ecsprep.explain import Explanation, Lookup
    from ecsprep.packs.model import Notes

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

      ecsprep explain how do I log in to ECR

      ecsprep explain task role vs execution role

      ecsprep explain ECS_ENABLE_TASK_IAM_ROLE --json

      ecsprep explain            # list every topic and term
    """
    with reported():
        from ecsprep.ui.library import notes_for_command

        notes = notes_for_command(pack or ())
        if not term:
            if as_json:
                print_json(_index_json(notes))
            else:
                _write(_index(notes))
            return
        from ecsprep.explain import MatchKind, lookup

        found = lookup(notes, " ".join(term))
        if as_json:
            print_json(_match_json(found))
        elif found.ambiguous:
            _write(_choices(found))
        elif found.kind is MatchKind.COMPARE:
            _write(_comparison(found))
        elif found.kind is MatchKind.TEXT:
            _write(_passages(found))
        else:
            said = _corrected(found) if found.corrected else []
            _write([*said, *_entry(found.matches[0])])


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
    from ecsprep.explain import MatchKind

    found_by = {"query": found.query, "match": found.kind.value}
    if found.kind is MatchKind.COMPARE:
        return {**found_by, "entries": [explanation_json(m) for m in found.matches]}
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


# --- pages as data -----------------------------------------------------------------


class Kind(Enum):
    """How a block is laid out."""

    TEXT = "text"  # wrapped to the width
    LINE = "line"  # never wrapped: it holds a URL or a command to paste
    INDENTED = "indented"  # wrapped under a four-space indent, words never broken
    RULE = "rule"  # a heading rule
    NOTES = "notes"  # Markdown: rendered in a terminal, the source itself elsewhere
    BLANK = "blank"


class Look(Enum):
    """A span's style in a terminal (plain text has none)."""

    PLAIN = ""
    BOLD = "bold"
    DIM = "dim"
    HEADING = "bold cyan"


@dataclass(frozen=True)
class Block:
    kind: Kind
    spans: tuple[tuple[str, Look], ...] = ()

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.spans)


def _block(kind: Kind, *spans: tuple[str, Look]) -> Block:
    return Block(kind, spans)


BLANK = Block(Kind.BLANK)


def _corrected(found: Lookup) -> list[Block]:
    shown = found.matches[0].name
    return [_block(Kind.TEXT, (f"showing {shown} (nothing is named {found.query!r})", Look.DIM))]


def _entry(e: Explanation) -> list[Block]:
    heading = [(e.name, Look.HEADING)]
    if e.term and e.term.aliases:
        heading.append((f"  (also: {', '.join(e.term.aliases)})", Look.DIM))
    return [
        _block(Kind.TEXT, *heading),
        _block(Kind.TEXT, (e.term.definition if e.term else e.topic.summary, Look.PLAIN)),
        BLANK,
        _block(Kind.RULE, (f"{e.topic.title}  [{e.topic.id}]", Look.PLAIN)),
        _block(Kind.NOTES, (e.topic.notes, Look.PLAIN)),
        BLANK,
        *_footer(e),
    ]


def _footer(e: Explanation) -> Iterator[Block]:
    """References, related terms and the commands to go on with: never hard-wrapped,
    so a URL or a command stays whole (clickable, pasteable)."""
    for ref in e.topic.refs:
        yield _block(
            Kind.LINE, (f"ref: {ref.title + ' — ' if ref.title else ''}{ref.url}", Look.DIM)
        )
    if e.see:
        yield _block(Kind.TEXT, ("see also: ", Look.BOLD), (", ".join(e.see), Look.PLAIN))
    lines = [("drill: ", f"{len(e.questions)} question(s) → {e.drill}")]
    if e.try_command:
        lines.append(("try it: ", e.try_command))
    if e.check_command:
        lines.append(("check a question in place: ", e.check_command))
    for label, command in lines:
        yield _block(Kind.LINE, (label, Look.BOLD), (command, Look.PLAIN))


def _passages(found: Lookup) -> list[Block]:
    """A text match: where the notes talk about the words, and the way to the rest."""
    from ecsprep.explain import Explanation
    from ecsprep.passages import shorten

    e = found.matches[0]
    blocks = [
        _block(
            Kind.TEXT,
            (f"No term or topic is named {found.query!r}; the notes mention it here:", Look.PLAIN),
        ),
        _block(Kind.RULE, (f"{e.topic.title}  [{e.topic.id}]", Look.PLAIN)),
    ]
    for passage in e.passages:
        blocks += [_block(Kind.NOTES, (shorten(passage), Look.PLAIN)), BLANK]
    blocks.append(
        _block(
            Kind.LINE, ("whole topic: ", Look.BOLD), (f"ecsprep explain {e.topic.id}", Look.PLAIN)
        )
    )
    if found.also:
        also = ", ".join(t.id for t in found.also[:5])
        blocks.append(_block(Kind.TEXT, ("also in: ", Look.BOLD), (also, Look.PLAIN)))
    blocks += _footer(Explanation(topic=e.topic, see=e.see, questions=e.questions))
    return blocks


def _comparison(found: Lookup) -> list[Block]:
    """Each compared entry's definition side by side, then the notes they come from."""
    names = [m.name for m in found.matches]
    listed = f"{', '.join(names[:-1])} and {names[-1]}"
    said = f"Comparing {listed}" + (" (some words read as nearby names)" if found.corrected else "")
    blocks = [_block(Kind.TEXT, (said + ":", Look.PLAIN)), BLANK]
    for m in found.matches:
        heading = [(m.name, Look.HEADING)]
        if m.term and m.term.aliases:
            heading.append((f"  (also: {', '.join(m.term.aliases)})", Look.DIM))
        blocks += [
            _block(Kind.TEXT, *heading),
            _block(Kind.TEXT, (m.term.definition if m.term else m.topic.summary, Look.PLAIN)),
            _block(Kind.LINE, ("more: ", Look.BOLD), (_explain_command(m), Look.PLAIN)),
            BLANK,
        ]
    topics = {m.topic.id: m for m in found.matches}
    for m in topics.values():
        blocks.append(
            _block(
                Kind.LINE,
                ("notes: ", Look.BOLD),
                (f"{m.topic.title} → ecsprep explain {m.topic.id}", Look.PLAIN),
            )
        )
        blocks.append(
            _block(
                Kind.LINE,
                ("drill: ", Look.BOLD),
                (f"{len(m.questions)} question(s) → {m.drill}", Look.PLAIN),
            )
        )
    return blocks


def _choices(found: Lookup) -> list[Block]:
    blocks = [
        _block(
            Kind.TEXT,
            (f"Several entries match {found.query!r}; show one with its command:", Look.PLAIN),
        )
    ]
    for m in found.matches:
        definition = m.term.definition if m.term else m.topic.summary
        blocks.append(
            _block(Kind.LINE, (m.name, Look.BOLD), (f"  {_explain_command(m)}", Look.PLAIN))
        )
        blocks.append(_block(Kind.INDENTED, (definition, Look.DIM)))
    return blocks


def _index(notes: Notes) -> list[Block]:
    """One block per topic: its id and title, then its terms wrapped under an indent.

    Readable at any width (a table squeezes the terms to nothing at 80 columns) and in
    a pipe, where terms must not break mid-word."""
    blocks = []
    for topic in notes.topics.values():
        count = len(notes.questions_on(topic.id))
        blocks.append(
            _block(
                Kind.TEXT,
                (topic.id, Look.BOLD),
                (f"  {topic.title} · {count} question(s)", Look.PLAIN),
            )
        )
        terms = [t.term for t in notes.terms.values() if t.topic == topic.id]
        if terms:
            blocks.append(_block(Kind.INDENTED, (", ".join(terms), Look.DIM)))
    text = "Explain one: ecsprep explain TERM   (e.g. ecsprep explain binpack)"
    return [*blocks, BLANK, _block(Kind.LINE, (text, Look.PLAIN))]


def _index_json(notes: Notes) -> dict[str, Any]:
    return {
        "topics": [
            {"id": t.id, "title": t.title, "questions": len(notes.questions_on(t.id))}
            for t in notes.topics.values()
        ],
        "terms": [{"term": t.term, "topic": t.topic} for t in notes.terms.values()],
    }


# --- the two writers -----------------------------------------------------------------


def _write(blocks: Iterable[Block]) -> None:
    if is_terminal(sys.stdout):
        _write_rich(blocks)
    else:
        sys.stdout.write("".join(f"{line}\n" for line in plain_lines(blocks, plain_width())))


def plain_lines(blocks: Iterable[Block], width: int) -> Iterator[str]:
    """The blocks as plain text lines at `width`, content's control characters removed."""
    import textwrap

    from ecsprep.ui.text import printable

    for block in blocks:
        text = printable(block.text)
        if block.kind is Kind.TEXT:
            for line in text.splitlines() or [""]:
                yield from textwrap.wrap(
                    line, width=width, break_long_words=False, break_on_hyphens=False
                ) or [""]
        elif block.kind is Kind.INDENTED:
            yield indented(text, width)
        elif block.kind is Kind.RULE:
            yield f"{text} {'─' * max(width - len(text) - 1, 3)}"
        elif block.kind is Kind.NOTES:
            yield text.rstrip()
        elif block.kind is Kind.BLANK:
            yield ""
        else:
            yield text


def _write_rich(blocks: Iterable[Block]) -> None:
    from rich.markdown import Markdown
    from rich.rule import Rule

    console = out()
    for block in blocks:
        if block.kind is Kind.BLANK:
            console.print()
        elif block.kind is Kind.RULE:
            console.print(Rule(_rich_text(block), align="left"))
        elif block.kind is Kind.NOTES:
            console.print(Markdown(block.text))
        elif block.kind is Kind.INDENTED:
            from rich.text import Text

            style = block.spans[0][1].value if block.spans else ""
            console.print(Text(indented(block.text, console.width), style=style), soft_wrap=True)
        else:
            console.print(_rich_text(block), soft_wrap=block.kind is Kind.LINE)


def _rich_text(block: Block) -> Text:
    """The spans as Rich Text, never read as markup (a pack's `[word]` stays as written)."""
    from rich.text import Text

    return Text.assemble(*((text, look.value) for text, look in block.spans))
