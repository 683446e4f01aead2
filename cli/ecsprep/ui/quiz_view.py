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

if TYPE_CHECKING:
    from rich.console import RenderableType


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


def plain_question(presented: Presented, header: str, current: frozenset[str] = frozenset()) -> str:
    question = presented.question
    lines = ["", f"[{question.id}] {header}", " ".join(question.stem.split())]
    if question.needs_count_hint:
        lines.append(f"(Choose {question.choose}.)")
    for option in presented.options:
        mark = " *" if option.letter in current else ""
        lines.append(f"  {option.letter}. {' '.join(option.text.split())}{mark}")
    return "\n".join(lines)


def question_panel(presented: Presented, header: str) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    question = presented.question
    body = [Text(" ".join(question.stem.split())), Text()]
    if question.needs_count_hint:
        body.insert(1, Text(f"Choose {question.choose}.", style="bold"))
    for option in presented.options:
        line = Text.assemble((f"{option.letter}. ", "bold"), " ".join(option.text.split()))
        body.append(line)
    title = Text(f"{header}  [{question.id}]", style="dim")
    return Panel(Group(*body), title=title, title_align="left", padding=(0, 1))


def verdict(result: Graded) -> RenderableType:
    from rich.text import Text

    answer = letters(result.presented.answer)
    if result.outcome is Outcome.CORRECT:
        return Text(f"✔ Right: {answer}.", style="bold green")
    if result.outcome is Outcome.SKIPPED:
        return Text(f"– Skipped. The answer is {answer}.", style="bold yellow")
    return Text(
        f"✘ Wrong: you chose {letters(result.chosen)}; the answer is {answer}.", style="bold red"
    )


def feedback(result: Graded) -> RenderableType:
    """Right or wrong, why each option is right or wrong, the explanation and the references."""
    from rich.console import Group
    from rich.text import Text

    question = result.presented.question
    parts: list[RenderableType] = [verdict(result)]
    for option in result.presented.options:
        mark, style = ("✔", "green") if option.correct else ("✘", "red")
        yours = " (your choice)" if option.letter in result.chosen else ""
        parts.append(
            Text.assemble(
                (f"  {option.letter} {mark} ", style),
                (" ".join(option.text.split()), "bold"),
                yours,
            )
        )
        parts.append(Text("      " + " ".join(option.why.split())))
    parts.append(Text.assemble(("Why: ", "bold"), " ".join(question.explanation.split())))
    parts.extend(_references(question))
    if question.topics:
        parts.append(Text(f"More: ecsprep explain {question.topics[0]}", style="dim"))
    if question.check:
        parts.append(Text(f"Check it: ecsprep simulate question {question.id}", style="dim"))
    return Group(*parts)


def _references(question: Question) -> list[RenderableType]:
    from rich.text import Text

    return [Text(f"  ↗ {ref.title + ' — ' if ref.title else ''}{ref.url}") for ref in question.refs]


def topic_notes(topic: Topic | None, topic_id: str) -> RenderableType:
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.text import Text

    if topic is None:
        return Text(f"No notes for {topic_id}; try `ecsprep explain {topic_id}`.")
    parts: list[RenderableType] = [Text(topic.title, style="bold")]
    if topic.summary:
        parts.append(Text(" ".join(topic.summary.split()), style="italic"))
    parts.append(Markdown(topic.notes))
    parts.extend(Text(f"  ↗ {r.title + ' — ' if r.title else ''}{r.url}") for r in topic.refs)
    parts.append(Text(f"(ecsprep explain {topic.id} shows this any time)", style="dim"))
    return Group(*parts)


def summary(result: Score, seconds: float, *, exam: bool, stopped: bool) -> RenderableType:
    from rich.console import Group
    from rich.text import Text

    line = (
        f"{result.correct}/{result.total} right ({result.percent}%), "
        f"{result.wrong} wrong, {result.skipped} {'unanswered' if exam else 'skipped'}, "
        f"time {clock(seconds)}"
    )
    parts: list[RenderableType] = [Text(line, style="bold")]
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

    table = Table(title="By topic", box=box.SIMPLE, title_justify="left")
    table.add_column("Topic")
    table.add_column("Right", justify="right")
    table.add_column("%", justify="right")
    for row in result.topics:
        table.add_row(row.topic, f"{row.correct}/{row.total}", str(row.percent))
    return table


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
        parts.append(Rule(f"[{question.id}]", align="left"))
        parts.append(Text(" ".join(question.stem.split())))
        parts.append(feedback(result))
    return Group(*parts)


def blueprint_table(blueprints: Sequence[Blueprint]) -> RenderableType:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE)
    for column in ("Blueprint", "Mode", "Questions", "Time", "Description"):
        table.add_column(column)
    for bp in blueprints:
        table.add_row(
            bp.id,
            bp.mode.value,
            "all" if bp.count is None else str(bp.count),
            f"{bp.time_limit} min" if bp.time_limit else "–",
            bp.description or bp.title,
        )
    return table
