"""How a quiz asks: questionary in a terminal, one line per answer everywhere else.

Both askers answer the same question, "what does the learner do with this
question?", with a `Reply`, so the session loops in `quiz_run` work with either.
Plain mode (`LineAsker`) serves pipes, scripts and screen readers: the question
is printed as text, and answers are letters (`B`, `a,c`) or a word (`skip`, `quit`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from ecsprep.errors import EcsprepError
from ecsprep.packs.model import QuestionType
from ecsprep.study.schedule import SelfRating
from ecsprep.study.session import Presented, check_choice

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


class Action(str, Enum):
    ANSWER = "answer"
    SKIP = "skip"
    QUIT = "quit"
    EXPLAIN = "explain"
    SIMULATE = "simulate"  # run the question's options in the placement simulator
    FLAG = "flag"  # exam: mark for review (toggles)
    BACK = "back"  # exam: previous question
    NEXT = "next"  # exam: leave this one and go on
    SUBMIT = "submit"  # exam: hand in now
    REVIEW = "review"  # exam, plain mode: list the questions and go to one
    GOTO = "goto"  # exam, plain mode: the question picked from the review list
    VIEW = "view"  # terminal, after feedback that was cut to fit: all of it, in a pager


# Words and single keys for each action, in plain mode and as terminal keys.
# Letters a-h are options, so actions use letters past them.
WORDS: dict[Action, tuple[str, ...]] = {
    Action.SKIP: ("skip", "s"),
    Action.QUIT: ("quit", "q"),
    Action.EXPLAIN: ("explain", "x"),
    Action.SIMULATE: ("simulate", "m"),
    Action.FLAG: ("flag", "r"),
    Action.BACK: ("back", "p"),
    Action.NEXT: ("next", "n"),
    Action.SUBMIT: ("submit", "u"),
    Action.REVIEW: ("review", "v"),
}


@dataclass(frozen=True, slots=True)
class Reply:
    action: Action
    letters: frozenset[str] = field(default_factory=frozenset)
    end_of_input: bool = False  # plain mode: stdin closed
    index: int | None = None  # GOTO: the question (0-based) to go to


class Asker(Protocol):
    def ask(
        self,
        presented: Presented,
        header: str,
        actions: Sequence[Action],
        current: frozenset[str],
        *,
        flagged: bool = False,
        toggle_flag: Callable[[], bool] | None = None,
        fresh: bool = False,
    ) -> Reply:
        """Show the question (with `header`, a neutral progress line) and return what the
        learner did. `toggle_flag` flags in place; `fresh` starts on a clean screen."""
        ...

    def feedback(self, shown: RenderableType, *, rating: bool = False) -> None:
        """Show the feedback on an answer (`rate` is asked next when `rating`)."""
        ...

    def after(self, actions: Sequence[Action], last: bool) -> Action:
        """After feedback: NEXT to go on, or an action on the answered question."""
        ...

    def peek(self, shown: RenderableType) -> None:
        """Before the answer: show notes or runs; return when the question is to be asked
        again."""
        ...

    def overview(self, rows: Sequence[tuple[int, str]], header: str) -> int | None:
        """Exam: the question to go back to, or None to submit."""
        ...

    def rate(self) -> SelfRating | None:
        """Ask how a right answer felt (optional self-rating); None = no opinion."""
        ...

    def confirm(self, message: str) -> bool: ...


def need_text(presented: Presented) -> str:
    question = presented.question
    if question.type is QuestionType.MULTIPLE:
        return f"Choose {question.choose}."
    return "Choose one."


def parse_reply(text: str, presented: Presented, actions: Sequence[Action]) -> Reply:
    """Turn one line of input into a reply; `EcsprepError` says why it cannot be used."""
    word = text.strip().lower()
    for action in actions:
        if word in WORDS.get(action, ()):
            return Reply(action)
    unavailable = next((a for a, words in WORDS.items() if word in words), None)
    if unavailable is not None:
        offered = ", ".join(WORDS[a][0] for a in actions if a in WORDS)
        raise EcsprepError(f"{unavailable.value} isn't available for this question; use {offered}")
    if not word:
        raise EcsprepError("type a letter (or letters separated by commas), or a word below")
    letters = [part for chunk in word.replace(" ", ",").split(",") for part in [chunk] if part]
    if len(letters) == 1 and len(letters[0]) > 1 and letters[0].isalpha():
        letters = list(letters[0])  # "ac" means A and C
    return Reply(Action.ANSWER, check_choice(presented, letters))


class LineAsker:
    """Plain mode: the question as text, one answer per line, bad input re-asked with the reason.

    In an exam every terminal action has its word: `flag`, `back`, `next`, `review`
    (the list of questions, to go to one), `submit` (asks first) and `quit` (leaves
    the exam open, as Ctrl-C does). End of input submits what was answered.
    """

    def __init__(self, console: Console, stdin: TextIO | None = None) -> None:
        self.console = console
        self.stdin = stdin if stdin is not None else sys.stdin
        self.rows: Callable[[], Sequence[tuple[int, str]]] | None = None  # exam: review list

    def _say(self, text: str, end: str = "\n") -> None:
        from ecsprep.ui.text import printable

        self.console.print(printable(text), end=end, markup=False, highlight=False, soft_wrap=True)
        self.console.file.flush()

    def _line(self, prompt: str) -> str | None:
        self._say(prompt, end="")
        line = self.stdin.readline()
        if not line or not self.stdin.isatty():
            self._say("")  # piped input is not echoed: end the prompt's line
        return line or None

    def ask(
        self,
        presented: Presented,
        header: str,
        actions: Sequence[Action],
        current: frozenset[str],
        *,
        flagged: bool = False,
        toggle_flag: Callable[[], bool] | None = None,
        fresh: bool = False,
    ) -> Reply:
        from ecsprep.ui.collection import resume_collection
        from ecsprep.ui.quiz_view import plain_question

        resume_collection()  # start-up is over (ecsprep.ui.collection)
        flag = " · FLAGGED" if flagged else ""
        self._say(plain_question(presented, header + flag, current, self.console.width))
        words = ", ".join(WORDS[a][0] for a in actions if a in WORDS)
        prompt = f"Answer ({need_text(presented).rstrip('.').lower()}; or {words}): "
        while True:
            line = self._line(prompt)
            if line is None:
                return Reply(Action.QUIT, end_of_input=True)
            try:
                reply = parse_reply(line, presented, actions)
            except EcsprepError as exc:
                self._say(f"  {exc.message}")
                continue
            if reply.action is Action.FLAG and toggle_flag is not None:
                self._say("  Flagged for review." if toggle_flag() else "  Flag removed.")
                continue
            if reply.action is Action.REVIEW and self.rows is not None:
                picked = self.overview(self.rows(), "", submit=False)
                if picked is not None:
                    return Reply(Action.GOTO, index=picked)
                continue
            return reply

    def feedback(self, shown: RenderableType, *, rating: bool = False) -> None:
        self.console.print(shown, crop=False)  # all of it: a pipe has no screen to fit

    def peek(self, shown: RenderableType) -> None:
        self.console.print(shown, crop=False)  # the question is asked again under it

    def after(self, actions: Sequence[Action], last: bool) -> Action:
        return Action.NEXT  # piped answers keep their one line per question

    def overview(
        self, rows: Sequence[tuple[int, str]], header: str, *, submit: bool = True
    ) -> int | None:
        """The question list; a number goes to that question, else None (submit, or stay)."""
        if header:
            self._say(header)
        for _, label in rows:
            self._say(f"  {label}")
        ask = "Question number to go to, or submit: " if submit else "Go to (number, Enter stays): "
        while True:
            line = self._line(ask)
            if line is None:
                return None
            word = line.strip().lower()
            if (submit and word in WORDS[Action.SUBMIT]) or (not submit and not word):
                return None
            if word.isdigit() and 1 <= int(word) <= len(rows):
                return int(word) - 1
            self._say(f"  type a number from 1 to {len(rows)}" + (" or submit" if submit else ""))

    def rate(self) -> SelfRating | None:
        line = self._line("How did it feel? hard, good or easy (Enter = no opinion): ")
        word = (line or "").strip().lower()
        for rating in SelfRating:
            if word and rating.value.startswith(word):
                return rating
        return None

    def confirm(self, message: str) -> bool:
        line = self._line(f"{message} [y/N]: ")
        return (line or "").strip().lower() in {"y", "yes"}


RATING_ROWS = 1 + len(SelfRating) + 1  # "How did it feel?", its choices, "no opinion"


class TerminalAsker:
    """The terminal prompt (`quiz_prompt`): letters, Enter, the action keys; a live clock.

    Ctrl-C raises KeyboardInterrupt, which the loop turns into "stop, keeping what
    was answered". `deadline` (a monotonic time) adds the exam's live "time left"
    line and ends the question with `TimeUp` when it passes.
    """

    def __init__(
        self, make_console: Callable[[], Console] | None = None, deadline: float | None = None
    ) -> None:
        # The console (and Rich) is made when feedback is first shown, after the first
        # question is drawn; stdout's unless the session's JSON needs stdout to itself.
        self.make_console = make_console
        self.console: Console | None = None
        self.deadline = deadline
        self.keep = deadline is None  # practice keeps the answered question above its feedback
        self.text = ""  # the last feedback, all of it (v shows it when it was cut to fit)
        self.cut = False
        # The feedback on the screen, the prompt rows left under it and the terminal size
        # (rows, columns) it was cut for: drawn again to fit when the terminal is resized.
        self.shown: RenderableType | None = None
        self.below = 1
        self.drawn = (0, 0)

    def ask(
        self,
        presented: Presented,
        header: str,
        actions: Sequence[Action],
        current: frozenset[str],
        *,
        flagged: bool = False,
        toggle_flag: Callable[[], bool] | None = None,
        fresh: bool = False,
    ) -> Reply:
        from ecsprep.ui.quiz_prompt import ask_question, clear_screen

        self.cut = False
        self.shown = None  # the question is drawn over the feedback
        if fresh:
            clear_screen()
        return ask_question(
            presented,
            header,
            actions,
            current,
            deadline=self.deadline,
            flagged=flagged,
            toggle_flag=toggle_flag,
            keep=self.keep,
        )

    def feedback(self, shown: RenderableType, *, rating: bool = False) -> None:
        """Feedback taller than the screen is cut to fit, with a line saying how much more
        there is: its start (right or wrong, and why) is never scrolled away. `v` on the
        prompt after it shows all of it in a pager. Room is left for the prompt after it:
        one row, or the self-rating list's five (`rating`). A resized terminal gets it
        drawn again, cut to the new size (`_refit`)."""
        self.shown = shown
        self.below = RATING_ROWS if rating else 1
        self._draw()

    def _draw(self) -> None:
        from ecsprep.ui.quiz_prompt import cut_to_fit, more_line, screen_size

        console = self.console
        if console is None:
            from ecsprep.ui.console import out

            console = self.console = (self.make_console or out)()
        self.drawn = screen_size()
        with console.capture() as capture:
            console.print(self.shown, crop=False)
        text = capture.get()
        kept, hidden = cut_to_fit(text, self.drawn[0] - self.below)
        console.file.write(kept)
        if hidden:
            console.print(more_line(hidden), style="bold", markup=False, highlight=False)
        console.file.flush()
        self.text = text  # v may have been offered before a resize made it fit: still all
        self.cut = hidden > 0

    def _refit(self) -> None:
        """Before a prompt under the feedback draws itself: if the terminal's size is not
        the one the feedback was cut for (it was resized), draw the feedback again on a
        clean screen, wrapped and cut for the new size. Left to the terminal, the old
        lines would be rewrapped (scrolling the verdict away) or left short."""
        from ecsprep.ui.quiz_prompt import clear_screen, screen_size

        if self.shown is not None and screen_size() != self.drawn:
            clear_screen()
            self._draw()

    def after(self, actions: Sequence[Action], last: bool) -> Action:
        from ecsprep.ui.quiz_prompt import page, wait_after_feedback

        self.below = 1  # the self-rating list, if any, is gone
        while True:
            offered = (Action.VIEW, *actions) if self.cut else tuple(actions)
            action = wait_after_feedback(offered, last, self._refit)
            if action is not Action.VIEW:
                return action
            assert self.console is not None  # set when the feedback was shown
            page(self.text, self.console.file)

    def peek(self, shown: RenderableType) -> None:
        """Cut to fit like feedback, `v` showing all of it; Enter goes back to the question
        (which the caller draws again on a clean screen)."""
        from ecsprep.ui.quiz_prompt import page, wait_to_go_back

        self.feedback(shown)
        while wait_to_go_back((Action.VIEW,) if self.cut else (), self._refit) is Action.VIEW:
            assert self.console is not None  # set by feedback
            page(self.text, self.console.file)

    def overview(self, rows: Sequence[tuple[int, str]], header: str) -> int | None:
        """Exam: pick a question to revisit, or None to submit."""
        import questionary
        from questionary import Choice, Separator

        from ecsprep.ui.quiz_prompt import arm_clock

        choices: list[Any] = [Choice(label, value=index) for index, label in rows]
        choices += [Separator(), Choice("Submit the exam", value=-1)]
        prompt = questionary.select(
            f"{header} · go back to a question, or submit", choices=choices, use_jk_keys=False
        )
        prompt.application.erase_when_done = True
        if self.deadline is not None:
            arm_clock(prompt.application, self.deadline)
        value = prompt.unsafe_ask()
        return None if value == -1 else int(value)

    def rate(self) -> SelfRating | None:
        import questionary

        from ecsprep.ui.quiz_prompt import refit_before_drawing

        prompt = questionary.select(
            "How did it feel?",
            choices=[*(r.value for r in SelfRating), "no opinion"],
            default="good",
        )
        refit_before_drawing(prompt.application, self._refit)
        answer = prompt.unsafe_ask()
        return None if answer == "no opinion" else SelfRating(answer)

    def confirm(self, message: str) -> bool:
        import questionary

        return bool(questionary.confirm(message, default=False).unsafe_ask())
