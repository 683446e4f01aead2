"""How quiz things look: questions, feedback, notes, the exam report, the blueprint list.

Pure renderers: domain values in, Rich renderables (or plain text) out; nothing
is printed here. Right and wrong are always shown with a word or a symbol as well
as a colour, so they read the same with NO_COLOR or a screen reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ecsprep.packs.model import Question, Topic
from ecsprep.study.blueprint import Blueprint
from ecsprep.study.scoring import Score
from ecsprep.study.session import Graded, Outcome, Presented
from ecsprep.ui.text import printable

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment
    from rich.text import Text


def clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        if hours
        else f"{rest // 60:02d}:{rest % 60:02d}"
    )


def letters(chosen: frozenset[str]) -> str:
    return ",".join(sorted(chosen)) or "nothing"


def plain_question(
    presented: Presented, header: str, current: frozenset[str] = frozenset(), width: int = 100
) -> str:
    """The question as text wrapped to `width`, options under a hanging indent; no id (that
    would give the answer away: it comes with the feedback)."""
    from ecsprep.ui.quiz_prompt import wrap

    question = presented.question
    lines = ["", printable(header), *wrap(question.stem, width)]
    if question.needs_count_hint:
        lines.append(f"(Choose {question.choose}.)")
    for option in presented.options:
        mark = " *" if option.letter in current else ""
        lines += wrap(option.text + mark, width, first=f"  {option.letter}. ")
    return "\n".join(lines)


def _flat(text: str) -> str:
    return printable(" ".join(text.split()))


def verdict(result: Graded) -> RenderableType:
    from rich.text import Text

    answer = letters(result.presented.answer)
    qid = f"  (question {_flat(result.presented.question.id)})"
    if result.outcome is Outcome.CORRECT:
        line = Text(f"✔ Right: {answer}.", style="bold green")
    elif result.outcome is Outcome.SKIPPED:
        line = Text(f"– Skipped. The answer is {answer}.", style="bold yellow")
    else:
        line = Text(
            f"✘ Wrong: you chose {letters(result.chosen)}; the answer is {answer}.",
            style="bold red",
        )
    if result.peeked:
        line.append(" Peeked (looked before answering): counts as not known yet.", style="yellow")
    line.append(qid, style="dim")
    return Hanging(line, 0, 2)


class Hanging:
    """Styled text wrapped to the width there is: the first line `indent` columns in, the
    lines after it `rest` columns in (so wrapped lines start under their text, not at
    column 0), with no trailing spaces. Words are kept whole, so a URL or a command is
    never broken."""

    def __init__(self, text: Text, indent: int, rest: int | None = None) -> None:
        self.text = text
        self.indent = indent
        self.rest = indent if rest is None else rest

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        import textwrap

        from rich.text import Text

        plain = self.text.plain
        width = max(20 + max(self.indent, self.rest), options.max_width)
        lines = textwrap.wrap(
            plain,
            width,
            initial_indent=" " * self.indent,
            subsequent_indent=" " * self.rest,
            break_long_words=False,
            break_on_hyphens=False,
        )
        at = 0
        for number, line in enumerate(lines):
            lead = self.indent if number == 0 else self.rest
            words = line[lead:]
            start = plain.index(words, at)
            at = start + len(words)
            piece = self.text[start:at]
            piece.no_wrap, piece.overflow = True, "ignore"
            yield Text(" " * lead, no_wrap=True, overflow="ignore") + piece


def hanging(text: str, indent: int, style: str = "", rest: int | None = None) -> RenderableType:
    from rich.text import Text

    return Hanging(Text(_flat(text), style=style), indent, rest)


class Trimmed:
    """A renderable (a table) with the spaces at the ends of its lines taken off."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment

        for line in console.render_lines(self.inner, options, pad=False):
            kept = list(line)
            while kept and not kept[-1].control and not kept[-1].text.rstrip():
                kept.pop()
            if kept and not kept[-1].control:
                last = kept[-1]
                kept[-1] = Segment(last.text.rstrip(), last.style)
            yield from kept
            yield Segment.line()


def link(title: str, url: str, indent: int = 2) -> RenderableType:
    """A reference: its title wrapped, its URL on a line of its own, never broken."""
    from rich.console import Group
    from rich.text import Text

    parts: list[RenderableType] = []
    if title:
        parts.append(Hanging(Text(f"↗ {_flat(title)}"), indent, indent + 2))
    lead = "  " if title else "↗ "
    url_line = Text(" " * indent + lead + _flat(url), no_wrap=True, overflow="ignore")
    parts.append(url_line)
    return Group(*parts)


def feedback(result: Graded) -> RenderableType:
    """Right or wrong, why each option is right or wrong, the explanation and the references."""
    from rich.console import Group
    from rich.text import Text

    question = result.presented.question
    parts: list[RenderableType] = [verdict(result)]
    for option in result.presented.options:
        mark, style = ("✔", "green") if option.correct else ("✘", "red")
        yours = " (your choice)" if option.letter in result.chosen else ""
        head = Text.assemble(
            (f"{option.letter} {mark} ", style), (_flat(option.text), "bold"), yours
        )
        # Wrapped option text continues under itself, after the "A ✘ " label; the reason
        # why sits deeper, so the two never run together (even without bold, in a pipe).
        parts.append(Hanging(head, 2, 2 + len(f"{option.letter} {mark} ")))
        parts.append(hanging(option.why, 8))
    why = Text.assemble(("Why: ", "bold"), _flat(question.explanation))
    parts.append(Hanging(why, 0, len("Why: ")))
    parts.extend(_references(question))
    if question.topics:
        parts.append(command_line(f"More: ecsprep explain {question.topics[0]}"))
    if question.check:
        parts.append(command_line(f"Check it: ecsprep simulate question {question.id}"))
    return Group(*parts)


def command_line(text: str) -> RenderableType:
    """A line with a command to paste: never wrapped."""
    from rich.text import Text

    return Text(_flat(text), style="dim", no_wrap=True, overflow="ignore")


def _references(question: Question) -> list[RenderableType]:
    return [link(ref.title, ref.url) for ref in question.refs]


def topic_notes(topic: Topic | None, topic_id: str) -> RenderableType:
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.text import Text

    if topic is None:
        return Text(f"No notes for {_flat(topic_id)}; try `ecsprep explain {_flat(topic_id)}`.")
    parts: list[RenderableType] = [Text(_flat(topic.title), style="bold")]
    if topic.summary:
        parts.append(Text(_flat(topic.summary), style="italic"))
    parts.append(Markdown(printable(topic.notes)))
    parts.extend(link(r.title, r.url) for r in topic.refs)
    parts.append(command_line(f"(ecsprep explain {topic.id} shows this any time)"))
    return Group(*parts)


def summary(result: Score, seconds: float, *, exam: bool, stopped: bool) -> RenderableType:
    from rich.console import Group
    from rich.text import Text

    line = (
        f"{result.correct}/{result.total} right ({result.percent}%), "
        f"{result.wrong} wrong, {result.skipped} {'unanswered' if exam else 'skipped'}, "
        f"time {clock(seconds)}"
    )
    if result.peeked:
        line += f"; {result.peeked} peeked (answered after looking: counted as not known)"
    parts: list[RenderableType] = [Hanging(Text(line, style="bold"), 0, 2)]
    if exam:
        passed = result.passed
        parts.append(
            Text(
                f"Scaled score {result.scaled} / 1000 (an estimate; pass mark {result.pass_mark}): "
                + ("PASS" if passed else "FAIL"),
                style="bold green" if passed else "bold red",
            )
        )
    if stopped:
        parts.append(Text("Stopped early; every answer given so far is saved.", style="yellow"))
    return Group(*parts)


def topic_table(result: Score) -> RenderableType:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title="By topic", box=box.SIMPLE, title_justify="left")
    table.add_column("Topic")
    table.add_column("Right", justify="right")
    table.add_column("%", justify="right")
    for row in result.topics:
        table.add_row(Text(_flat(row.topic)), f"{row.correct}/{row.total}", str(row.percent))
    return Trimmed(table)


def missed(results: Sequence[Graded]) -> RenderableType:
    """Every question not answered right, with its full feedback (the exam report)."""
    from rich.console import Group
    from rich.rule import Rule
    from rich.text import Text

    parts: list[RenderableType] = []
    for result in results:
        if result.outcome is Outcome.CORRECT:
            continue
        question = result.presented.question
        parts.append(Rule(Text(_flat(question.id)), align="left"))
        parts.append(hanging(question.stem, 0))
        parts.append(feedback(result))
    return Group(*parts)


def blueprint_table(blueprints: Sequence[Blueprint]) -> RenderableType:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE)
    for column in ("Blueprint", "Mode", "Questions", "Time", "Description"):
        table.add_column(column)
    for bp in blueprints:
        table.add_row(
            Text(_flat(bp.id)),
            bp.mode.value,
            "all" if bp.count is None else str(bp.count),
            f"{bp.time_limit} min" if bp.time_limit else "–",
            Text(_flat(bp.description or bp.title)),
        )
    return table
