"""`ecsprep stats` and `ecsprep progress export|reset`: what the progress database holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date, datetime

    from rich.console import RenderableType

    from ecsprep.study.stats import Stats
    from ecsprep.study.store import SessionRow

progress_app = typer.Typer(
    name="progress",
    help=(
        "Export, reset or repair your saved progress.\n\nExamples:\n\n"
        "  ecsprep progress export > progress.json\n\n  ecsprep progress reset --yes"
    ),
    no_args_is_help=True,
)

HEAT = "·░▒▓█"  # no answers, then four levels of activity


def stats(
    json_: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=52, help="Weeks in the calendar.")
    ] = 12,
) -> None:
    """Your progress: accuracy and mastery per topic, cards due, streak, recent sessions.

    Mastery is the mean FSRS retrievability of a topic's questions one day from
    now (the chance you would still recall each one tomorrow; unseen count as 0).
    A question on several topics counts under each, as `quiz --topic` and
    `explain` count it.

    Examples:

      ecsprep stats

      ecsprep stats --json | jq .answered

      ecsprep stats --weeks 26
    """
    from ecsprep.ui.console import reported

    with reported():
        figures, sessions, now = _gather()
        if json_:
            from ecsprep.ui.console import print_json

            print_json(stats_json(figures, sessions))
            return
        from ecsprep.ui.console import out

        console = out()
        for part in _views(figures, sessions, now, weeks):
            console.print(part)


def _gather() -> tuple[Stats, list[SessionRow], datetime]:
    from datetime import datetime, timezone

    from ecsprep.home import progress_db_path
    from ecsprep.study import schedule
    from ecsprep.study.stats import summarize
    from ecsprep.study.store import open_store
    from ecsprep.ui.quiz import load_content

    library = load_content()
    now = datetime.now(timezone.utc)
    tz = now.astimezone().tzinfo
    assert tz is not None  # astimezone() always sets one
    with open_store(progress_db_path(), readonly=True) as store:
        figures = summarize(
            store.answers(),
            store.cards(),
            library,
            schedule.scheduler(schedule.Settings()),
            now,
            tz,
        )
        sessions = store.sessions(limit=5)
        warn_damaged(store.damaged)
    return figures, sessions, now


def warn_damaged(damaged: list[str]) -> None:
    """One warning for rows of the progress database that couldn't be read, with the way out."""
    import sys

    if not damaged:
        return
    shown = "; ".join(damaged[:3]) + (f"; and {len(damaged) - 3} more" if len(damaged) > 3 else "")
    sys.stderr.write(
        f"warning: {len(damaged)} damaged row(s) in the progress database skipped ({shown}); "
        "`ecsprep progress repair` copies everything readable into a fresh database\n"
    )


def stats_json(figures: Stats, sessions: list[SessionRow]) -> dict[str, Any]:
    return {
        "answered": figures.answered,
        "correct": figures.correct,
        "skipped": figures.skipped,
        "peeked": figures.peeked,
        "accuracy": round(figures.correct / figures.answered, 3) if figures.answered else 0.0,
        "due_today": figures.due_today,
        "due_this_week": figures.due_week,
        "streak_days": figures.streak,
        "removed_question_answers": figures.removed,
        "edited_question_answers": figures.edited,
        "topics": [
            {
                "topic": t.topic,
                "title": t.title,
                "answered": t.answered,
                "correct": t.correct,
                "accuracy": round(t.accuracy, 3),
                "mastery": round(t.mastery, 3),
                "questions": t.questions,
                "seen": t.seen,
            }
            for t in figures.topics
        ],
        "weakest": [{"topic": t.topic, "command": drill_command(t.topic)} for t in figures.weakest],
        "days": {day.isoformat(): n for day, n in sorted(figures.days.items())},
        "recent_sessions": [_session_json(s) for s in sessions],
    }


def _session_json(session: SessionRow) -> dict[str, Any]:
    return {
        "id": session.id,
        "started_at": session.started_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "mode": session.mode,
        "blueprint": session.blueprint,
        "seed": session.seed,
        "questions": session.questions,
        "correct": session.correct,
        "scaled": session.scaled,
        "passed": session.passed,
    }


def drill_command(topic: str) -> str:
    return f"ecsprep quiz --topic {topic}"


def _views(figures: Stats, sessions: list[SessionRow], now: datetime, weeks: int) -> list[Any]:
    from rich.text import Text

    accuracy = round(100 * figures.correct / figures.answered) if figures.answered else 0
    head = (
        f"Answered {figures.answered} ({figures.correct} right, {accuracy}%) · "
        f"skipped {figures.skipped} · "
        + (f"peeked {figures.peeked} (counted as not known) · " if figures.peeked else "")
        + f"streak {figures.streak} day(s) · "
        f"due today {figures.due_today} · due this week {figures.due_week}"
    )
    parts: list[Any] = [Text(head, style="bold")]
    if not figures.answered and not figures.skipped:
        parts.append(Text("No answers yet. Start with: ecsprep quiz"))
        return parts
    parts.append(_topic_table(figures))
    if figures.weakest:
        parts.append(Text("Weakest topics (drill them):", style="bold"))
        for t in figures.weakest:
            parts.append(
                Text(f"  {t.topic}: {round(100 * t.accuracy)}% → {drill_command(t.topic)}")
            )
    if figures.removed or figures.edited:
        parts.append(
            Text(
                f"Kept: {figures.removed} answer(s) to questions no longer in any pack, "
                f"{figures.edited} to questions edited since.",
                style="dim",
            )
        )
    parts.append(_sessions_table(sessions))
    parts.append(heatmap(figures.days, now.astimezone().date(), weeks))
    return parts


def _bar(fraction: float, width: int = 10) -> str:
    filled = round(fraction * width)
    return "█" * filled + "·" * (width - filled)


def _topic_table(figures: Stats) -> RenderableType:
    from rich import box
    from rich.table import Table

    table = Table(title="By topic", title_justify="left", box=box.SIMPLE)
    for name, justify in (("Topic", "left"), ("Answered", "right"), ("Accuracy", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("Mastery (recall tomorrow)")
    table.add_column("Seen", justify="right")
    for t in figures.topics:
        accuracy = f"{round(100 * t.accuracy)}%" if t.answered else "–"
        mastery = f"{_bar(t.mastery)} {round(100 * t.mastery):>3}%"
        table.add_row(t.topic, str(t.answered), accuracy, mastery, f"{t.seen}/{t.questions}")
    return table


def _sessions_table(sessions: list[SessionRow]) -> RenderableType:
    from rich import box
    from rich.table import Table

    table = Table(title="Recent sessions", title_justify="left", box=box.SIMPLE)
    for name in ("When", "Mode", "Blueprint", "Right", "Score"):
        table.add_column(name)
    for s in sessions:
        right = f"{s.correct}/{s.questions}" if s.correct is not None else f"?/{s.questions}"
        scaled = "" if s.scaled is None else f"{s.scaled} {'pass' if s.passed else 'fail'}"
        when = s.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        table.add_row(when, s.mode, s.blueprint, right + ("" if s.ended_at else " (open)"), scaled)
    return table


def heatmap(days: Mapping[date, int], today: date, weeks: int) -> RenderableType:
    """A calendar of answers per day: one column per week, one row per weekday (Mon first)."""
    from datetime import timedelta

    from rich.text import Text

    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    peak = max((n for d, n in days.items() if d >= start), default=0)
    text = Text(f"Answers per day, last {weeks} weeks (darker = more; peak {peak})\n", style="bold")
    for weekday, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        text.append(f"{name} ")
        for week in range(weeks):
            day = start + timedelta(days=7 * week + weekday)
            if day > today:
                text.append("  ")
                continue
            count = days.get(day, 0)
            level = 0 if not count else min(4, 1 + (4 * count - 1) // max(peak, 1))
            text.append(HEAT[level] + " ", style=_heat_style(level))
        text.append("\n")
    return text


def _heat_style(level: int) -> str:
    return ("dim", "green4", "green3", "green1", "bold green1")[level]


@progress_app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Export every answer, session, FSRS card and setting as JSON.

    Each answer says whether its question is still `current`, was `edited` since,
    or was `removed` from the packs.

    Examples:

      ecsprep progress export > progress.json

      ecsprep progress export --output backup.json
    """
    from ecsprep.ui.console import reported

    with reported():
        import json

        from ecsprep.home import progress_db_path
        from ecsprep.study.export import export_data
        from ecsprep.ui.quiz import load_content

        data = export_data(progress_db_path(), load_content())
        warn_damaged(data.get("skipped", []))
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {len(data['answers'])} answer(s) to {output}", err=True)


@progress_app.command("reset")
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (for scripts).")] = False,
) -> None:
    """Delete all saved progress (asks first). An unreadable database is moved aside instead.

    Examples:

      ecsprep progress export -o backup.json && ecsprep progress reset

      ecsprep progress reset --yes
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.home import progress_db_path
        from ecsprep.study.store import reset_progress

        path = progress_db_path()
        if not yes and not typer.confirm(f"Delete all progress in {path}?", default=False):
            typer.echo("nothing changed", err=True)
            raise typer.Exit(1)
        typer.echo(reset_progress(path), err=True)


@progress_app.command("repair")
def repair() -> None:
    """Copy everything readable into a fresh database; keep the damaged file beside it.

    For a database with damaged rows or pages (`stats` warns about them). Rows that
    can't be read are listed; the old file is renamed to progress.sqlite3.<time>.damaged.

    Examples:

      ecsprep progress repair
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.home import progress_db_path
        from ecsprep.study.store import repair_progress

        path = progress_db_path()
        repaired = repair_progress(path)
        if repaired is None:
            typer.echo(f"no progress saved yet ({path}); nothing to repair", err=True)
            return
        for line in repaired.lost:
            typer.echo(f"lost: {line}", err=True)
        counts = ", ".join(f"{n} {table}" for table, n in repaired.copied.items())
        typer.echo(
            f"repaired {path}: copied {counts}; {len(repaired.lost)} row(s) lost; "
            f"the old file is kept as {repaired.kept}",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Add `stats` and the `progress` group."""
    app.command("stats")(stats)
    app.add_typer(progress_app)
