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
from ecsprep.ui.quiz_ask import Action, Asker
from ecsprep.ui.quiz_prompt import TimeUp

if TYPE_CHECKING:
    from fsrs import Card, ReviewLog, Scheduler
    from rich.console import Console, RenderableType


@dataclass(slots=True)
class Drill:
    """Everything one session needs (not a value: the cards change as answers come in).

    The console (Rich), the FSRS scheduler and the learner's cards (fsrs) are made on
    first use: a terminal session draws its first question before it needs any of
    them, so it doesn't wait for their imports (benchmarks/quiz.py)."""

    mode: Mode
    blueprint: Blueprint
    seed: int
    items: tuple[Presented, ...]
    library: Library
    store: Store
    session_id: int
    make_console: Callable[[], Console]
    asker: Asker
    settings: schedule.Settings
    now: Callable[[], datetime]
    clock: Callable[[], float]  # monotonic seconds
    time_limit: float | None = None  # seconds
    self_rate: bool = False
    _console: Console | None = field(default=None, init=False, repr=False)
    _scheduler: Scheduler | None = field(default=None, init=False, repr=False)
    _cards: dict[str, Card] | None = field(default=None, init=False, repr=False)

    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = self.make_console()
        return self._console

    @property
    def scheduler(self) -> Scheduler:
        if self._scheduler is None:
            self._scheduler = schedule.scheduler(self.settings)
        return self._scheduler

    @property
    def cards(self) -> dict[str, Card]:
        """The learner's FSRS cards, by question id, as this session has left them."""
        if self._cards is None:
            self._cards = self.store.cards()
        return self._cards


@dataclass(slots=True)
class Run:
    results: list[Graded] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False  # quit or end of input before the last question
    interrupted: bool = False  # Ctrl-C, SIGTERM or SIGHUP
    timed_out: bool = False
    left_open: bool = False  # exam: quit without submitting (as Ctrl-C leaves it)


def save(drill: Drill, result: Graded, self_rating: schedule.SelfRating | None = None) -> None:
    """Commit one answer, and review its FSRS card unless it was skipped."""
    drill.store.record(
        drill.session_id, _new_answer(result), drill.now(), _review(drill, result, self_rating)
    )


def _review(
    drill: Drill, result: Graded, self_rating: schedule.SelfRating | None = None
) -> tuple[Card, ReviewLog] | None:
    """The question's FSRS card after this answer (None for a skip); a peek is Again."""
    if result.outcome is Outcome.SKIPPED:
        return None
    question = result.presented.question
    now = drill.now()
    card = drill.cards.get(question.id) or schedule.new_card(question.id, now)
    grade_ = schedule.rating(result.correct, result.seconds, self_rating, peeked=result.peeked)
    reviewed = schedule.review(drill.scheduler, card, grade_, now, result.seconds)
    drill.cards[question.id] = reviewed[0]
    return reviewed


def topic_label(drill: Drill, item: Presented) -> str:
    """The neutral name shown before the answer: the main topic's title, never the id."""
    topics = item.question.topics
    if not topics:
        return "General"
    known = drill.library.topics.get(topics[0])
    return known.title if known else topics[0]


def run_practice(drill: Drill) -> Run:
    """Practice, review and due modes: feedback after every answer, kept until a key.

    Looking at the notes (x) or the simulator (m) before answering is a peek: the
    answer is graded as given but counts as not known (FSRS Again), and says so.
    """
    run = Run()
    start = drill.clock()
    total = len(drill.items)
    try:
        for number, item in enumerate(drill.items, start=1):
            actions = _practice_actions(item)
            right = sum(r.correct for r in run.results)
            header = (
                f"Question {number}/{total} · {topic_label(drill, item)}"
                f" · score {right}/{len(run.results)}"
            )
            began = drill.clock()
            peeked = False
            reply = drill.asker.ask(item, header, actions, frozenset(), fresh=True)
            while reply.action in (Action.EXPLAIN, Action.SIMULATE):
                peeked = True
                drill.asker.peek(_looked_up(drill, item, reply.action))
                reply = drill.asker.ask(item, header, actions, frozenset(), fresh=True)
            if reply.action is Action.QUIT:
                run.stopped = True
                break
            chosen = reply.letters if reply.action is Action.ANSWER else None
            result = grade(item, chosen, drill.clock() - began, peeked=peeked)
            run.results.append(result)
            rating = drill.self_rate and result.correct and not peeked
            from ecsprep.ui.quiz_view import feedback  # Rich's renderers, once answered

            drill.asker.feedback(feedback(result), rating=rating)
            if rating:
                # The answer is committed first; the rating then reviews its card.
                _record(drill, result)
                reviewed = _review(drill, result, drill.asker.rate())
                if reviewed is not None:
                    drill.store.save_card(item.question.id, *reviewed, drill.now())
            else:
                save(drill, result)
            if not _after(drill, item, last=number == total):
                run.stopped = number < total
                break
    except KeyboardInterrupt:
        run.interrupted = True
    run.seconds = drill.clock() - start
    return run


def _after(drill: Drill, item: Presented, *, last: bool) -> bool:
    """Wait after feedback (explain and simulate still work); False when the learner quits.

    Notes and runs shown now are cut to fit the screen like the feedback, `v` showing
    all of them: the prompt comes back under them."""
    actions = tuple(a for a in _practice_actions(item) if a is not Action.SKIP)
    while True:
        action = drill.asker.after(actions, last)
        if action in (Action.EXPLAIN, Action.SIMULATE):
            drill.asker.feedback(_looked_up(drill, item, action))
            continue
        return action is not Action.QUIT


def _looked_up(drill: Drill, item: Presented, action: Action) -> RenderableType:
    """The notes on the question's topic (explain), or its options run in the simulator."""
    from ecsprep.ui.quiz_view import topic_notes

    if action is Action.EXPLAIN:
        topic = item.question.topics[0] if item.question.topics else ""
        return topic_notes(drill.library.topics.get(topic), topic)
    return simulated(drill, item)


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
    """Exam mode: no feedback, no notes, no simulator until it is submitted.

    Flag, go back, go on, review the list and submit, in a terminal and in plain
    mode alike. Answers are saved as they are given (a changed answer replaces the
    earlier one); FSRS cards are reviewed only at submission, for the final answers.
    Quit (like Ctrl-C) leaves the exam open: answers kept, nothing submitted.
    """
    exam = _Exam(drill)
    try:
        exam.go()
    except KeyboardInterrupt:
        exam.run.interrupted = True
    except TimeUp:
        exam.run.timed_out = True
    return exam.finish()


TERMINAL_EXAM_ACTIONS = (Action.NEXT, Action.BACK, Action.FLAG, Action.SUBMIT, Action.QUIT)
PLAIN_EXAM_ACTIONS = (
    Action.NEXT,
    Action.BACK,
    Action.FLAG,
    Action.REVIEW,
    Action.SUBMIT,
    Action.QUIT,
    Action.SKIP,
)


class _Exam:
    def __init__(self, drill: Drill) -> None:
        self.drill = drill
        self.run = Run()
        self.start = drill.clock()
        self.answers: dict[int, frozenset[str]] = {}
        self.flagged: set[int] = set()
        self.seconds: dict[int, float] = {}
        self.live_clock = getattr(drill.asker, "deadline", None) is not None
        if hasattr(drill.asker, "rows"):
            drill.asker.rows = self.rows  # plain mode's `review` list

    def left(self) -> float | None:
        limit = self.drill.time_limit
        return None if limit is None else limit - (self.drill.clock() - self.start)

    def header(self, index: int) -> str:
        """The exam's question number, never the question's id (it could give the answer)."""
        from ecsprep.ui.quiz_view import clock

        left = self.left()
        timer = f" · time left {clock(left)}" if left is not None and not self.live_clock else ""
        return (
            f"Question {index + 1}/{len(self.drill.items)} · answered {len(self.answers)}"
            f" · flagged {len(self.flagged)}{timer}"
        )

    def go(self) -> None:
        from ecsprep.ui.quiz_ask import TerminalAsker

        terminal = isinstance(self.drill.asker, TerminalAsker)
        actions = TERMINAL_EXAM_ACTIONS if terminal else PLAIN_EXAM_ACTIONS
        index = 0
        total = len(self.drill.items)
        while True:
            left = self.left()
            if left is not None and left <= 0:
                self.run.timed_out = True
                return
            if index >= total:
                picked = self.drill.asker.overview(self.rows(), self.header(total - 1))
                if picked is None:
                    return
                index = picked
                continue
            began = self.drill.clock()

            def toggle(index: int = index) -> bool:
                self.flagged ^= {index}
                return index in self.flagged

            reply = self.drill.asker.ask(
                self.drill.items[index],
                self.header(index),
                actions,
                self.answers.get(index, frozenset()),
                flagged=index in self.flagged,
                toggle_flag=toggle,
            )
            self.seconds[index] = self.seconds.get(index, 0.0) + self.drill.clock() - began
            if reply.action is Action.QUIT and not reply.end_of_input:
                self.run.left_open = True
                return
            if reply.action is Action.GOTO and reply.index is not None:
                index = reply.index
                continue
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
        return -1  # end of input: submit what there is

    def rows(self) -> list[tuple[int, str]]:
        """The exam's questions by number and state; no ids before submission."""
        rows = []
        for index in range(len(self.drill.items)):
            state = "answered" if index in self.answers else "blank   "
            flag = " flagged" if index in self.flagged else ""
            rows.append((index, f"{index + 1:>2}. {state}{flag}"))
        return rows

    def finish(self) -> Run:
        self.run.seconds = self.drill.clock() - self.start
        if self.run.interrupted or self.run.left_open:
            # Ctrl-C or quit leaves the exam open: the answers are stored, nothing submitted.
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
        peeked=result.peeked,
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
                "peeked": r.peeked,
            }
            for r in run.results
        ],
        "totals": {
            "questions": result.total,
            "correct": result.correct,
            "wrong": result.wrong,
            "skipped": result.skipped,
            "peeked": result.peeked,
            "percent": result.percent,
            "seconds": round(run.seconds, 1),
        },
        "stopped": run.stopped or run.interrupted or run.left_open,
    }
    if drill.mode is Mode.EXAM:
        data["scaled_score"] = result.scaled
        data["pass_mark"] = result.pass_mark
        data["passed"] = result.passed
        data["timed_out"] = run.timed_out
    return data


def _total(drill: Drill, run: Run) -> int | None:
    """An exam counts every question it drew; other modes count what was asked."""
    submitted = not (run.interrupted or run.left_open)
    return len(drill.items) if drill.mode is Mode.EXAM and submitted else None
