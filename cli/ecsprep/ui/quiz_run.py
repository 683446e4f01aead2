"""The session loops: ask, grade, save at once, give feedback; and the exam's navigation.

Each graded answer is committed to the store before the next question appears,
so stopping at any point (quit, end of input, Ctrl-C, a killed process) loses
nothing already answered. The loops take the asker, the clock and `now` from the
`Drill`, so tests can drive them without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ecsprep.packs.model import Library
from ecsprep.study import schedule
from ecsprep.study.blueprint import Blueprint, Mode
from ecsprep.study.session import Graded, Outcome, Presented, content_hash, grade
from ecsprep.study.store import NewAnswer, Store
from ecsprep.ui.quiz_ask import Action, Asker, TimeUp

if TYPE_CHECKING:
    from fsrs import Card, Scheduler
    from rich.console import Console, RenderableType


@dataclass(slots=True)
class Drill:
    """Everything one session needs (not a value: the cards change as answers come in)."""

    mode: Mode
    blueprint: Blueprint
    seed: int
    items: tuple[Presented, ...]
    library: Library
    store: Store
    session_id: int
    console: Console
    asker: Asker
    scheduler: Scheduler
    cards: dict[str, Card]
    now: Callable[[], datetime]
    clock: Callable[[], float]  # monotonic seconds
    time_limit: float | None = None  # seconds
    self_rate: bool = False


@dataclass(slots=True)
class Run:
    results: list[Graded] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False  # quit or end of input before the last question
    interrupted: bool = False  # Ctrl-C
    timed_out: bool = False


def save(drill: Drill, result: Graded, self_rating: schedule.SelfRating | None = None) -> None:
    """Commit one answer, and review its FSRS card unless it was skipped."""
    question = result.presented.question
    answer = _new_answer(result)
    now = drill.now()
    reviewed = None
    if result.outcome is not Outcome.SKIPPED:
        card = drill.cards.get(question.id) or schedule.new_card(question.id, now)
        rating = schedule.rating(result.correct, result.seconds, self_rating)
        reviewed = schedule.review(drill.scheduler, card, rating, now, result.seconds)
        drill.cards[question.id] = reviewed[0]
    drill.store.record(drill.session_id, answer, now, reviewed)


def run_practice(drill: Drill) -> Run:
    """Practice, review and due modes: feedback after every answer."""
    from ecsprep.ui.quiz_view import clock, feedback, topic_notes

    run = Run()
    start = drill.clock()
    total = len(drill.items)
    try:
        for number, item in enumerate(drill.items, start=1):
            actions = _practice_actions(item)
            right = sum(r.correct for r in run.results)
            header = (
                f"Question {number}/{total} · score {right}/{len(run.results)}"
                f" · {clock(drill.clock() - start)}"
            )
            began = drill.clock()
            reply = drill.asker.ask(item, header, actions, frozenset())
            while reply.action in (Action.EXPLAIN, Action.SIMULATE):
                if reply.action is Action.EXPLAIN:
                    topic = item.question.topics[0] if item.question.topics else ""
                    drill.console.print(topic_notes(drill.library.topics.get(topic), topic))
                else:
                    drill.console.print(simulated(drill, item))
                reply = drill.asker.ask(item, header, actions, frozenset())
            if reply.action is Action.QUIT:
                run.stopped = True
                break
            chosen = reply.letters if reply.action is Action.ANSWER else None
            result = grade(item, chosen, drill.clock() - began)
            rating = drill.asker.rate() if drill.self_rate and result.correct else None
            save(drill, result, rating)
            run.results.append(result)
            drill.console.print(feedback(result))
    except KeyboardInterrupt:
        run.interrupted = True
    run.seconds = drill.clock() - start
    return run


def _practice_actions(item: Presented) -> tuple[Action, ...]:
    if item.question.check:
        return (Action.SKIP, Action.EXPLAIN, Action.SIMULATE, Action.QUIT)
    return (Action.SKIP, Action.EXPLAIN, Action.QUIT)


def simulated(drill: Drill, item: Presented) -> RenderableType:
    """The question's options run in the simulator, in the letters on screen, answer unmarked."""
    from rich.text import Text

    from ecsprep.errors import EcsprepError
    from ecsprep.ui.simulate_question import render_runs, run_question

    try:
        runs = run_question(drill.library, item.question)
    except EcsprepError as exc:  # a learner's pack with a broken check: say so, keep going
        return Text(f"The simulator can't run this question's check: {exc}", style="yellow")
    letters = {o.key: o.letter for o in item.options}
    return render_runs(item.question, runs, letters, library=drill.library, reveal=False)


def run_exam(drill: Drill) -> Run:
    """Exam mode: no feedback; in a terminal, flag, go back and submit; in plain mode, in order.

    Answers are saved as they are given (a changed answer replaces the earlier
    one); FSRS cards are reviewed only at submission, for the final answers.
    """
    exam = _Exam(drill)
    try:
        exam.go()
    except KeyboardInterrupt:
        exam.run.interrupted = True
    except TimeUp:
        exam.run.timed_out = True
    return exam.finish()


class _Exam:
    def __init__(self, drill: Drill) -> None:
        self.drill = drill
        self.run = Run()
        self.start = drill.clock()
        self.answers: dict[int, frozenset[str]] = {}
        self.flagged: set[int] = set()
        self.seconds: dict[int, float] = {}

    def left(self) -> float | None:
        limit = self.drill.time_limit
        return None if limit is None else limit - (self.drill.clock() - self.start)

    def header(self, index: int) -> str:
        from ecsprep.ui.quiz_view import clock

        left = self.left()
        timer = f" · time left {clock(left)}" if left is not None else ""
        flag = " · FLAGGED" if index in self.flagged else ""
        return (
            f"Question {index + 1}/{len(self.drill.items)} · answered {len(self.answers)}"
            f" · flagged {len(self.flagged)}{timer}{flag}"
        )

    def go(self) -> None:
        navigable = hasattr(self.drill.asker, "overview")
        actions = (
            (Action.FLAG, Action.BACK, Action.NEXT, Action.SUBMIT)
            if navigable
            else (Action.SKIP, Action.QUIT)
        )
        index = 0
        total = len(self.drill.items)
        while True:
            left = self.left()
            if left is not None and left <= 0:
                self.run.timed_out = True
                return
            if index >= total:
                if not navigable:
                    return
                picked = self.drill.asker.overview(self.rows(), self.header(total - 1))  # type: ignore[attr-defined]
                if picked is None:
                    return
                index = picked
                continue
            began = self.drill.clock()
            reply = self.drill.asker.ask(
                self.drill.items[index],
                self.header(index),
                actions,
                self.answers.get(index, frozenset()),
            )
            self.seconds[index] = self.seconds.get(index, 0.0) + self.drill.clock() - began
            index = self.act(index, reply.action, reply.letters)
            if index < 0:
                if reply.action is Action.QUIT:
                    self.run.stopped = True
                return

    def act(self, index: int, action: Action, letters: frozenset[str]) -> int:
        """Apply one reply; the next index, or -1 to submit."""
        if action is Action.ANSWER:
            left = self.left()
            if left is not None and left <= 0:
                return -1  # too late: answers after the clock runs out do not count
            self.answers[index] = letters
            result = grade(self.drill.items[index], letters, self.seconds[index])
            _record(self.drill, result)
            return index + 1
        if action is Action.FLAG:
            self.flagged ^= {index}
            return index
        if action is Action.BACK:
            return max(0, index - 1)
        if action in (Action.NEXT, Action.SKIP):
            return index + 1
        if action is Action.SUBMIT:
            unanswered = len(self.drill.items) - len(self.answers)
            note = f" {unanswered} unanswered count as wrong." if unanswered else ""
            return -1 if self.drill.asker.confirm(f"Submit the exam?{note}") else index
        return -1  # QUIT (end of input): submit what there is

    def rows(self) -> list[tuple[int, str]]:
        rows = []
        for index, item in enumerate(self.drill.items):
            state = "answered" if index in self.answers else "blank   "
            flag = " flagged" if index in self.flagged else ""
            rows.append((index, f"{index + 1:>2}. {state}{flag}  [{item.question.id}]"))
        return rows

    def finish(self) -> Run:
        self.run.seconds = self.drill.clock() - self.start
        if self.run.interrupted:
            # Ctrl-C leaves the exam open: the answers are stored, the exam is not submitted.
            self.run.results = [
                grade(self.drill.items[i], chosen, self.seconds.get(i, 0.0))
                for i, chosen in sorted(self.answers.items())
            ]
            return self.run
        for index, item in enumerate(self.drill.items):
            result = grade(item, self.answers.get(index), self.seconds.get(index, 0.0))
            self.run.results.append(result)
            if result.outcome is Outcome.SKIPPED:
                _record(self.drill, result)
            else:
                save(self.drill, result)
        return self.run


def _record(drill: Drill, result: Graded) -> None:
    """Store an exam answer without touching its FSRS card (that waits for submission)."""
    drill.store.record(drill.session_id, _new_answer(result), drill.now())


def _new_answer(result: Graded) -> NewAnswer:
    """The row stored for one answer, keyed by the pack's own letters, not the shuffled ones."""
    question = result.presented.question
    return NewAnswer(
        question_id=question.id,
        topic=question.topics[0] if question.topics else "",
        chosen=result.chosen_keys,
        answer=question.answer,
        outcome=result.outcome.value,
        seconds=result.seconds,
        content_hash=content_hash(question),
    )


def report_json(drill: Drill, run: Run) -> dict[str, Any]:
    from ecsprep.study.scoring import score

    result = score(run.results, drill.blueprint.pass_mark, total=_total(drill, run))
    data: dict[str, Any] = {
        "mode": drill.mode.value,
        "blueprint": drill.blueprint.id,
        "seed": drill.seed,
        "questions": [
            {
                "id": r.presented.question.id,
                "topic": r.presented.question.topics[0] if r.presented.question.topics else "",
                "chosen": sorted(r.chosen),
                "answer": sorted(r.presented.answer),
                "correct": r.correct,
                "skipped": r.outcome is Outcome.SKIPPED,
                "seconds": round(r.seconds, 2),
            }
            for r in run.results
        ],
        "totals": {
            "questions": result.total,
            "correct": result.correct,
            "wrong": result.wrong,
            "skipped": result.skipped,
            "percent": result.percent,
            "seconds": round(run.seconds, 1),
        },
        "stopped": run.stopped or run.interrupted,
    }
    if drill.mode is Mode.EXAM:
        data["scaled_score"] = result.scaled
        data["pass_mark"] = result.pass_mark
        data["passed"] = result.passed
        data["timed_out"] = run.timed_out
    return data


def _total(drill: Drill, run: Run) -> int | None:
    """An exam counts every question it drew; other modes count what was asked."""
    return len(drill.items) if drill.mode is Mode.EXAM and not run.interrupted else None
