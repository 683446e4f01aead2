"""From `ecsprep quiz` options to a finished session: choose, run, report.

Picks the questions for the mode (practice/exam draw from the blueprint, review
reads the wrong-answer queue, due asks FSRS), chooses the asker (questionary in a
terminal, line mode otherwise), runs the loop and prints the report.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ecsprep.errors import EcsprepError, ExitCode, InputError
from ecsprep.study import schedule
from ecsprep.study.blueprint import DEFAULT, Blueprint, Mode, find_blueprint
from ecsprep.study.session import Outcome, in_order, pool, present, select, select_by_domains

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from ecsprep.packs.model import Library, QuestionEntry
    from ecsprep.study.session import Presented
    from ecsprep.study.store import Store
    from ecsprep.ui.quiz_ask import Asker
    from ecsprep.ui.quiz_run import Drill, Run

RETENTION_KEY = "desired_retention"
NEW_LIMIT_KEY = "new_per_day"
MINUTES_PER_EXAM_QUESTION = 2  # the real exam: 130 minutes for 65 questions


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    blueprint: str | None = None
    mode: str | None = None
    topics: tuple[str, ...] = ()
    count: int | None = None
    seed: int | None = None
    time_limit: int | None = None  # minutes
    json: bool = False
    plain: bool = False
    rate: bool = False
    retention: float | None = None
    new_limit: int | None = None
    packs: tuple[Path, ...] = ()


def start(request: Request, *, list_only: bool = False) -> int:
    """Run `ecsprep quiz`; returns the exit code."""
    from ecsprep.ui import quiz
    from ecsprep.ui.console import err, out

    blueprints = quiz.load_all_blueprints()
    if list_only:
        from ecsprep.ui.quiz_view import blueprint_table

        if request.json:
            from ecsprep.ui.console import print_json

            print_json([_blueprint_json(b) for b in blueprints])
        else:
            out().print(blueprint_table(blueprints))
        return 0
    blueprint = _blueprint(blueprints, request.blueprint)
    mode = _mode(request.mode, blueprint)
    if request.time_limit is not None and mode is not Mode.EXAM:
        raise InputError(
            f"--time-limit applies to exams only; this is a {mode.value} session",
            "add `--mode exam`, or leave out --time-limit",
        )
    library = quiz.load_content(request.packs)
    _check_names(blueprint, library)
    seed = request.seed if request.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    # Rich is imported when something is first printed through it; a terminal session's
    # first question is drawn by prompt_toolkit before that.
    make_console = err if request.json else out

    from ecsprep.home import progress_db_path
    from ecsprep.study.store import open_store

    with open_store(progress_db_path()) as store:
        settings = _settings(store, request)
        drawn = _draw(library, blueprint, mode, request, store, settings, rng)
        questions = [library.questions[entry.id] for entry in drawn]  # built only now
        if not questions:
            make_console().print(_nothing_message(mode), markup=False)
            if request.json:
                from ecsprep.ui.console import print_json

                print_json(
                    {
                        "mode": mode.value,
                        "blueprint": blueprint.id,
                        "seed": seed,
                        "questions": [],
                        "totals": {"questions": 0},
                    }
                )
            _warn_damaged(store)
            return 0 if mode in (Mode.REVIEW, Mode.DUE) else int(ExitCode.ERROR)
        items = tuple(present(q, rng, shuffle=blueprint.shuffle) for q in questions)
        drill = _drill(
            request, mode, blueprint, seed, items, library, store, settings, make_console
        )
        run = _run(drill, request)
        _finish(drill, run)
        _report(drill, run, request)
        _warn_damaged(store)
    return int(ExitCode.INTERRUPTED) if run.interrupted else 0


def _warn_damaged(store: Store) -> None:
    """`ecsprep stats`'s warning for damaged rows, once, on stderr, after the report (where
    the screen stops: a terminal quiz starts each question on a clean screen)."""
    damaged = store.damaged_rows()
    if damaged:
        from ecsprep.ui.stats import warn_damaged

        sys.stdout.flush()
        warn_damaged(damaged)


def _check_names(blueprint: Blueprint, library: Library) -> None:
    """Refuse a blueprint that names a topic or tag no pack has (every one, with a close match)."""
    from ecsprep.study.blueprint import problems_error, unknown_names

    tags = {tag for entry in library.entries for tag in entry.tags}
    problems = unknown_names(blueprint, library.topics, tags)
    if problems:
        raise problems_error(problems[0].path, problems)


def _blueprint_json(blueprint: Blueprint) -> dict[str, object]:
    return {
        "id": blueprint.id,
        "title": blueprint.title,
        "description": blueprint.description,
        "mode": blueprint.mode.value,
        "count": blueprint.count,
        "topics": list(blueprint.topics),
        "tags": list(blueprint.tags),
        "time_limit": blueprint.time_limit,
        "pass_mark": blueprint.pass_mark,
    }


def _blueprint(blueprints: tuple[Blueprint, ...], name: str | None) -> Blueprint:
    if name is not None:
        return find_blueprint(blueprints, name)
    return next((b for b in blueprints if b.id == DEFAULT.id), DEFAULT)


def _mode(name: str | None, blueprint: Blueprint) -> Mode:
    if name is None:
        return blueprint.mode
    try:
        return Mode(name.lower())
    except ValueError:
        raise InputError(
            f"unknown mode {name!r}", f"use one of: {', '.join(m.value for m in Mode)}"
        ) from None


def _settings(store: Store, request: Request) -> schedule.Settings:
    """Retention and the new-card limit: given now (and kept), else as kept, else the defaults."""
    if request.retention is not None:
        store.set_setting(RETENTION_KEY, str(request.retention))
    if request.new_limit is not None:
        store.set_setting(NEW_LIMIT_KEY, str(request.new_limit))
    retention = store.setting(RETENTION_KEY)
    new_limit = store.setting(NEW_LIMIT_KEY)
    return schedule.Settings(
        desired_retention=float(retention) if retention else schedule.DEFAULT_RETENTION,
        new_per_day=int(new_limit) if new_limit else schedule.DEFAULT_NEW_PER_DAY,
    )


def _draw(
    library: Library,
    blueprint: Blueprint,
    mode: Mode,
    request: Request,
    store: Store,
    settings: schedule.Settings,
    rng: random.Random,
) -> tuple[QuestionEntry, ...]:
    """The session's questions, as entries: a library read from the load cache builds a
    question only when it is read, so the quiz builds only those it drew."""
    candidates = pool(library, blueprint, request.topics)
    if mode is Mode.REVIEW:
        return in_order(candidates, store.review_queue(), request.count)
    if mode is Mode.DUE:
        now = datetime.now(timezone.utc)
        midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        allowed = settings.new_per_day - store.new_cards_since(midnight)
        order = [q.id for q in select(candidates, None, rng, shuffle=blueprint.shuffle)]
        ids = schedule.due_queue(store.cards(), order, now, new_allowed=allowed)
        return in_order(candidates, ids, request.count)
    count = request.count if request.count is not None else blueprint.count
    if blueprint.domains and not request.topics:
        chosen = select_by_domains(candidates, blueprint.domains, count, rng)
    else:
        chosen = select(candidates, count, rng, shuffle=blueprint.shuffle)
    if not chosen:
        raise EcsprepError(
            f"no question matches blueprint {blueprint.id!r}"
            + (f" and topics {', '.join(request.topics)}" if request.topics else ""),
            "list the blueprints with `ecsprep quiz --list`",
        )
    return chosen


def _nothing_message(mode: Mode) -> str:
    if mode is Mode.REVIEW:
        return "Nothing to review: every question you got wrong has since been answered right."
    return "Nothing is due now and today's new cards are used up. Come back later, or practise."


def _drill(
    request: Request,
    mode: Mode,
    blueprint: Blueprint,
    seed: int,
    items: tuple[Presented, ...],
    library: Library,
    store: Store,
    settings: schedule.Settings,
    make_console: Callable[[], Console],
) -> Drill:
    from ecsprep.ui.quiz_run import Drill

    limit = None
    if mode is Mode.EXAM:
        minutes = (
            request.time_limit or blueprint.time_limit or MINUTES_PER_EXAM_QUESTION * len(items)
        )
        limit = minutes * 60.0
    return Drill(
        mode=mode,
        blueprint=blueprint,
        seed=seed,
        items=items,
        library=library,
        store=store,
        session_id=store.start_session(mode.value, blueprint.id, seed, datetime.now(timezone.utc)),
        make_console=make_console,
        asker=_asker(request, make_console, limit),
        settings=settings,
        now=lambda: datetime.now(timezone.utc),
        clock=time.monotonic,
        time_limit=limit,
        self_rate=request.rate,
    )


def interactive(request: Request) -> bool:
    """questionary only when a person is at a terminal on both ends."""
    if request.plain:
        return False
    shown_on = sys.stderr if request.json else sys.stdout
    return sys.stdin.isatty() and shown_on.isatty()


def _asker(request: Request, make_console: Callable[[], Console], limit: float | None) -> Asker:
    from ecsprep.ui.quiz_ask import LineAsker, TerminalAsker

    if interactive(request):
        deadline = time.monotonic() + limit if limit is not None else None
        return TerminalAsker(make_console, deadline)
    return LineAsker(make_console())


def _run(drill: Drill, request: Request) -> Run:
    from ecsprep.ui.quiz_run import run_exam, run_practice

    loop = run_exam if drill.mode is Mode.EXAM else run_practice
    if request.json and interactive(request):
        # Keep stdout for the JSON: the prompts draw on the terminal through stderr.
        from prompt_toolkit.application import create_app_session
        from prompt_toolkit.output import create_output

        with create_app_session(output=create_output(stdout=sys.stderr)):
            return loop(drill)
    return loop(drill)


def _finish(drill: Drill, run: Run) -> None:
    if (run.interrupted or run.left_open) and drill.mode is Mode.EXAM:
        return  # an exam stopped by quit or Ctrl-C is left open, not submitted
    from ecsprep.study.scoring import score

    exam = drill.mode is Mode.EXAM
    result = score(run.results, drill.blueprint.pass_mark, total=len(drill.items) if exam else None)
    drill.store.finish_session(
        drill.session_id,
        datetime.now(timezone.utc),
        questions=result.total,
        correct=result.correct,
        scaled=result.scaled if exam else None,
        passed=result.passed if exam else None,
    )


def replay_command(request: Request, drill: Drill) -> str:
    """The command that draws the same questions in the same order again."""
    import shlex

    words = ["ecsprep", "quiz", request.blueprint or drill.blueprint.id]
    words += ["--mode", drill.mode.value, "--seed", str(drill.seed)]
    if request.count is not None:
        words += ["--count", str(request.count)]
    for topic in request.topics:
        words += ["--topic", topic]
    if request.time_limit is not None:
        words += ["--time-limit", str(request.time_limit)]
    words += [w for path in request.packs for w in ("--pack", str(path))]
    return shlex.join(words)


def _report(drill: Drill, run: Run, request: Request) -> None:
    """The report, ending on what matters most: the missed questions (an exam's) come
    first, the score and the per-topic table last, where the screen stops."""
    from ecsprep.study.scoring import score
    from ecsprep.ui.quiz_view import missed, summary, topic_table

    exam = drill.mode is Mode.EXAM
    submitted = not (run.interrupted or run.left_open)
    total = len(drill.items) if exam and submitted else None
    result = score(run.results, drill.blueprint.pass_mark, total=total)
    console = drill.console
    console.print()
    if exam and submitted and any(r.outcome is not Outcome.CORRECT for r in run.results):
        console.print(missed(run.results), crop=False)
        console.print()
    if run.timed_out:
        console.print("Time is up: the exam was submitted.", markup=False)
    stopped = run.stopped or run.interrupted or run.left_open
    console.print(summary(result, run.seconds, exam=exam and submitted, stopped=stopped))
    if result.topics:
        console.print(topic_table(result))
    if run.left_open:
        console.print(
            f"The exam is left open, not submitted: {len(run.results)} answer(s) saved.",
            markup=False,
        )
    if run.interrupted:
        console.print(f"Interrupted: {len(run.results)} answer(s) saved.", markup=False)
    if drill.mode in (Mode.PRACTICE, Mode.EXAM):
        console.print(  # a command to paste: never wrapped
            f"Same questions again: {replay_command(request, drill)}", markup=False, soft_wrap=True
        )
    if request.json:
        from ecsprep.ui.console import print_json
        from ecsprep.ui.quiz_run import report_json

        print_json(report_json(drill, run))
