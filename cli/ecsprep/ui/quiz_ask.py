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
    from rich.console import Console


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


# Words and single keys for each action, in plain mode and as terminal shortcuts.
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
}
LABELS: dict[Action, str] = {
    Action.SKIP: "Skip this question",
    Action.QUIT: "Quit (answers so far are saved)",
    Action.EXPLAIN: "Explain the topic",
    Action.SIMULATE: "Check the options in the simulator",
    Action.FLAG: "Flag / unflag for review",
    Action.BACK: "Previous question",
    Action.NEXT: "Next question (leave this one)",
    Action.SUBMIT: "Submit the exam",
}


@dataclass(frozen=True, slots=True)
class Reply:
    action: Action
    letters: frozenset[str] = field(default_factory=frozenset)
    end_of_input: bool = False  # plain mode: stdin closed


class Asker(Protocol):
    def ask(
        self, presented: Presented, header: str, actions: Sequence[Action], current: frozenset[str]
    ) -> Reply:
        """Show the question (with `header`, the progress line) and return what the learner did."""
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
    """Plain mode: the question as text, one answer per line, bad input re-asked with the reason."""

    def __init__(self, console: Console, stdin: TextIO | None = None) -> None:
        self.console = console
        self.stdin = stdin if stdin is not None else sys.stdin

    def _line(self, prompt: str) -> str | None:
        self.console.print(prompt, end="", markup=False, highlight=False)
        self.console.file.flush()
        line = self.stdin.readline()
        if not line or not self.stdin.isatty():
            self.console.print()  # piped input is not echoed: end the prompt's line
        return line or None

    def ask(
        self, presented: Presented, header: str, actions: Sequence[Action], current: frozenset[str]
    ) -> Reply:
        from ecsprep.ui.quiz_view import plain_question

        self.console.print(plain_question(presented, header, current), markup=False)
        words = ", ".join(WORDS[a][0] for a in actions if a in WORDS)
        prompt = f"Answer ({need_text(presented).rstrip('.').lower()}; or {words}): "
        while True:
            line = self._line(prompt)
            if line is None:
                return Reply(Action.QUIT, end_of_input=True)
            try:
                return parse_reply(line, presented, actions)
            except EcsprepError as exc:
                self.console.print(f"  {exc.message}", markup=False)

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


class TerminalAsker:
    """questionary prompts: arrow keys or letters, checkboxes for multiple response.

    `unsafe_ask` lets Ctrl-C raise KeyboardInterrupt, which the loop turns into
    "stop, keeping what was answered". `deadline` (a monotonic time) adds a live
    "time left" line and submits when it passes.
    """

    def __init__(self, console: Console, deadline: float | None = None) -> None:
        self.console = console
        self.deadline = deadline

    def ask(
        self, presented: Presented, header: str, actions: Sequence[Action], current: frozenset[str]
    ) -> Reply:
        from ecsprep.ui.quiz_view import question_panel

        self.console.print(question_panel(presented, header))
        if presented.question.type is QuestionType.MULTIPLE:
            return self._checkbox(presented, actions, current)
        return self._select(presented, actions, current)

    def _select(
        self, presented: Presented, actions: Sequence[Action], current: frozenset[str]
    ) -> Reply:
        import questionary
        from questionary import Choice, Separator

        choices: list[Any] = [_letter_choice(o.letter, _short(o.text)) for o in presented.options]
        choices.append(Separator())
        choices += [Choice(LABELS[a], value=a, shortcut_key=WORDS[a][1]) for a in actions]
        initial = next(iter(sorted(current)), None)
        prompt = questionary.select(
            need_text(presented) + " (letter or arrows, then Enter)",
            choices=choices,
            default=initial,
            use_shortcuts=True,
            use_jk_keys=False,
            instruction=" ",
        )
        _uppercase_letters(prompt.application)
        value = self._run(prompt)
        if isinstance(value, Action):
            return Reply(value)
        return Reply(Action.ANSWER, frozenset({str(value)}))

    def _checkbox(
        self, presented: Presented, actions: Sequence[Action], current: frozenset[str]
    ) -> Reply:
        import questionary
        from questionary import Choice, Separator

        need = presented.question.choose
        choices: list[Any] = [
            Choice(f"{o.letter}. {_short(o.text)}", value=o.letter, checked=o.letter in current)
            for o in presented.options
        ]
        choices.append(Separator())
        choices += [Choice(LABELS[a], value=a) for a in actions]
        prompt = questionary.checkbox(
            f"Choose {need} (Space to tick, Enter to answer; or tick one action)",
            choices=choices,
            validate=_count_rule(need),
            use_jk_keys=False,
        )
        picked = self._run(prompt)
        chosen = [p for p in picked if not isinstance(p, Action)]
        action = [p for p in picked if isinstance(p, Action)]
        if action:
            return Reply(action[0])
        return Reply(Action.ANSWER, frozenset(chosen))

    def _run(self, prompt: Any) -> Any:
        if self.deadline is not None:
            _add_clock(prompt.application, self.deadline)
        return prompt.unsafe_ask()

    def overview(self, rows: Sequence[tuple[int, str]], header: str) -> int | None:
        """Exam: pick a question to revisit, or None to submit."""
        import questionary
        from questionary import Choice, Separator

        choices: list[Any] = [Choice(label, value=index) for index, label in rows]
        choices += [Separator(), Choice("Submit the exam", value=-1)]
        prompt = questionary.select(
            f"{header} · go back to a question, or submit", choices=choices, use_jk_keys=False
        )
        value = self._run(prompt)
        return None if value == -1 else int(value)

    def rate(self) -> SelfRating | None:
        import questionary

        answer = questionary.select(
            "How did it feel?",
            choices=[*(r.value for r in SelfRating), "no opinion"],
            default="good",
        ).unsafe_ask()
        return None if answer == "no opinion" else SelfRating(answer)

    def confirm(self, message: str) -> bool:
        import questionary

        return bool(questionary.confirm(message, default=False).unsafe_ask())


def _short(text: str, width: int = 72) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _letter_choice(letter: str, title: str) -> Any:
    """A choice bound to its letter (questionary takes lower-case keys) but shown as `A)`."""
    from questionary import Choice

    class Lettered(Choice):
        def get_shortcut_title(self) -> str:
            return f"{letter}) "

    return Lettered(title, value=letter, shortcut_key=letter.lower())


def _uppercase_letters(application: Any) -> None:
    """Let Shift+B choose option B too (questionary binds the lower-case key)."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    extra = KeyBindings()
    for binding in application.key_bindings.bindings:
        key = binding.keys[0] if len(binding.keys) == 1 else None
        if isinstance(key, str) and len(key) == 1 and "a" <= key <= "h":
            extra.add(key.upper())(binding.handler)
    application.key_bindings = merge_key_bindings([application.key_bindings, extra])


def _count_rule(need: int) -> Callable[[list[Any]], bool | str]:
    def rule(picked: list[Any]) -> bool | str:
        actions = [p for p in picked if isinstance(p, Action)]
        if actions:
            return True if len(picked) == 1 else "tick either options or one action, not both"
        if len(picked) != need:
            return f"choose exactly {need} options (you ticked {len(picked)})"
        return True

    return rule


class TimeUp(Exception):
    """The exam clock ran out while a question was open."""


def _add_clock(application: Any, deadline: float) -> None:
    """A live "time left" line under the prompt, and an automatic submit at zero."""
    import asyncio
    import time

    from prompt_toolkit.layout import HSplit, Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    def left() -> str:
        seconds = max(0, int(deadline - time.monotonic()))
        return f"  time left {seconds // 60:02d}:{seconds % 60:02d}"

    def arm() -> None:
        delay = max(0.0, deadline - time.monotonic())
        asyncio.get_running_loop().call_later(delay, lambda: application.exit(exception=TimeUp()))

    container = application.layout.container
    application.layout.container = HSplit(
        [container, Window(FormattedTextControl(left), height=1, style="class:instruction")]
    )
    application.refresh_interval = 1.0
    application.pre_run_callables.append(arm)
