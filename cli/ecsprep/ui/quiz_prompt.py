"""The terminal question prompt: one key map for every question type (prompt_toolkit only).

The question, its options, one instruction line and (in an exam) a live clock are
drawn by one small prompt_toolkit application, wrapped to the terminal's width:

- an option's letter picks it (choose one) or toggles its tick (choose two or more);
  the arrows and Space do the same for the option under the cursor;
- Enter answers (a "choose two" answer needs exactly two ticks: it says so if not);
- the action keys (s skip, x explain, m simulate, q quit; exam: r flag, p back,
  n next, u submit) work the same whatever the question type;
- Ctrl-C raises KeyboardInterrupt, and the clock running out raises `TimeUp`.

Rich is not needed to draw a question, so the first prompt of `ecsprep quiz`
appears before Rich is imported. Content text is made printable (no control
characters) before it is drawn.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecsprep.packs.model import QuestionType
from ecsprep.study.session import Presented
from ecsprep.ui.text import printable

if TYPE_CHECKING:
    from prompt_toolkit.formatted_text import StyleAndTextTuples

    from ecsprep.ui.quiz_ask import Action, Reply


class TimeUp(Exception):
    """The exam clock ran out while a question was open."""


# The key and the short word for each action on the instruction line.
KEY_WORDS: dict[str, str] = {
    "skip": "s skip",
    "explain": "x explain",
    "simulate": "m simulate",
    "quit": "q quit",
    "flag": "r flag",
    "back": "p back",
    "next": "n next",
    "submit": "u submit",
    "view": "v view all",
}
# Exam keys first in the order a candidate uses them.
KEY_ORDER = ("next", "back", "flag", "submit", "view", "skip", "explain", "simulate", "quit")


def instruction(multiple: bool, actions: Sequence[Action]) -> str:
    """The one instruction line (at most 80 columns for every set of actions)."""
    first = "Letter ticks, Enter answers" if multiple else "Letter picks, Enter answers"
    words = [KEY_WORDS[a.value] for a in sorted(actions, key=lambda a: KEY_ORDER.index(a.value))]
    return " · ".join([first, *words])


def wrap(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    """`text` as lines of at most `width` columns, under a hanging indent.

    Words are never broken, so a URL or a command stays whole (and clickable) even
    when it is longer than the line.
    """
    flat = " ".join(printable(text).split())
    lines = textwrap.wrap(
        flat,
        width=max(width, len(first) + 20),
        initial_indent=first,
        subsequent_indent=" " * len(first) if rest is None else rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines or [first.rstrip()]


@dataclass(slots=True)
class PromptState:
    """What the learner has done on the open question so far."""

    cursor: int
    ticked: set[str]
    flagged: bool
    message: str = ""
    done: Reply | None = None
    extra: list[str] = field(default_factory=list)


def question_lines(
    presented: Presented,
    header: str,
    state: PromptState,
    width: int,
    *,
    active: bool,
) -> StyleAndTextTuples:
    """The question as (style, text) fragments: header, stem, options with picks or ticks."""
    question = presented.question
    multiple = question.type is QuestionType.MULTIPLE
    out: StyleAndTextTuples = []

    def line(text: str, style: str = "") -> None:
        out.append((style, text + "\n"))

    flag = " · FLAGGED" if state.flagged else ""
    line(printable(header) + flag, "class:header")
    for text in wrap(question.stem, width):
        line(text)
    if multiple:
        line(f"Choose {question.choose}.", "bold")
    line("")
    for index, option in enumerate(presented.options):
        here = active and index == state.cursor
        pointer = "> " if here else "  "
        box = ("[x] " if option.letter in state.ticked else "[ ] ") if multiple else ""
        lead = f"{pointer}{box}{option.letter}. "
        style = "class:cursor" if here else ""
        for text in wrap(option.text, width, first=lead):
            line(text, style)
    return out


def ask_question(
    presented: Presented,
    header: str,
    actions: Sequence[Action],
    current: frozenset[str],
    *,
    deadline: float | None = None,
    flagged: bool = False,
    toggle_flag: Callable[[], bool] | None = None,
    keep: bool = True,
) -> Reply:
    """Draw the question and return what the learner did with it.

    `toggle_flag` (an exam's) flags in place, without leaving the question; `keep`
    leaves the answered question on screen with the chosen letters (practice), else
    the prompt is erased when it ends (an exam redraws the next question in place).
    """
    import time

    from prompt_toolkit.application import Application
    from prompt_toolkit.application.current import get_app
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl
    from prompt_toolkit.styles import Style

    from ecsprep.ui.quiz_ask import Action, Reply

    multiple = presented.question.type is QuestionType.MULTIPLE
    need = presented.question.choose if multiple else 1
    letters = [o.letter for o in presented.options]
    start = letters.index(min(current)) if current and min(current) in letters else 0
    state = PromptState(cursor=start, ticked=set(current) if multiple else set(), flagged=flagged)
    help_line = instruction(multiple, actions)

    def width() -> int:
        return max(20, get_app().output.get_size().columns - 1)

    def render() -> StyleAndTextTuples:
        done = state.done
        out: StyleAndTextTuples = question_lines(
            presented, header, state, width(), active=done is None
        )
        if done is not None:
            if done.action is Action.ANSWER:
                out.append(("class:echo", f"Your answer: {', '.join(sorted(done.letters))}\n"))
            return out
        if state.message:
            out.append(("class:warning", printable(state.message) + "\n"))
        out.append(("class:instruction", help_line))
        if deadline is not None:
            seconds = max(0, int(deadline - time.monotonic()))
            out.append(("class:instruction", f"\ntime left {seconds // 60:02d}:{seconds % 60:02d}"))
        return out

    bindings = KeyBindings()

    def finish(event: Any, reply: Reply) -> None:
        state.done = reply
        event.app.erase_when_done = not (keep and reply.action is Action.ANSWER)
        event.app.exit(result=reply)

    def choose(index: int) -> Callable[[Any], None]:
        def handler(event: Any) -> None:
            state.cursor = index
            state.message = ""
            if multiple:
                state.ticked ^= {letters[index]}

        return handler

    for index, letter in enumerate(letters):
        bindings.add(letter.lower())(choose(index))
        bindings.add(letter.upper())(choose(index))

    @bindings.add("up")
    def _up(event: Any) -> None:
        state.cursor = (state.cursor - 1) % len(letters)

    @bindings.add("down")
    def _down(event: Any) -> None:
        state.cursor = (state.cursor + 1) % len(letters)

    @bindings.add(" ")
    def _space(event: Any) -> None:
        choose(state.cursor)(event)

    @bindings.add("enter")
    def _enter(event: Any) -> None:
        picked = frozenset(state.ticked) if multiple else frozenset({letters[state.cursor]})
        if len(picked) != need:
            state.message = f"Tick exactly {need} (you ticked {len(picked)})."
            return
        finish(event, Reply(Action.ANSWER, picked))

    def act(action: Action) -> Callable[[Any], None]:
        def handler(event: Any) -> None:
            if action is Action.FLAG and toggle_flag is not None:
                state.flagged = toggle_flag()
                return
            finish(event, Reply(action))

        return handler

    for action in actions:
        key = KEY_WORDS[action.value][0]
        bindings.add(key)(act(action))
        bindings.add(key.upper())(act(action))

    @bindings.add("c-c")
    def _interrupt(event: Any) -> None:
        state.done = Reply(Action.QUIT)
        event.app.erase_when_done = not keep
        event.app.exit(exception=KeyboardInterrupt())

    style = Style.from_dict(
        {
            "header": "bold",
            "cursor": "reverse",
            "instruction": "italic",
            "warning": "bold",
            "echo": "bold",
        }
    )
    application: Application[Reply] = Application(
        layout=Layout(HSplit([Window(FormattedTextControl(render, show_cursor=False))])),
        key_bindings=bindings,
        style=style,
        full_screen=False,
        mouse_support=False,
    )
    if deadline is not None:
        arm_clock(application, deadline)
    from ecsprep.ui.collection import resume_collection

    resume_collection()  # start-up is over (ecsprep.ui.collection)
    return application.run()


def wait_after_feedback(
    actions: Sequence[Action], last: bool, refit: Callable[[], None] | None = None
) -> Action:
    """After feedback: Enter (or n) goes on; the action keys still work on the answered
    question. `refit` is called before every drawing of the prompt (`refit_before_drawing`)."""
    first = "Enter: the summary" if last else "Enter: next question"
    return wait_for_key(first, actions, n_is_enter=True, refit=refit)


def wait_to_go_back(actions: Sequence[Action], refit: Callable[[], None] | None = None) -> Action:
    """After notes or runs looked at before answering: Enter goes back to the question
    (NEXT); the keys of `actions` (v) still work."""
    return wait_for_key("Enter: back to the question", actions, n_is_enter=False, refit=refit)


def wait_for_key(
    first: str,
    actions: Sequence[Action],
    *,
    n_is_enter: bool,
    refit: Callable[[], None] | None = None,
) -> Action:
    """One line, `first` then the keys of `actions`; NEXT for Enter, else the action."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    from ecsprep.ui.quiz_ask import Action

    words = [KEY_WORDS[a.value] for a in actions]
    text = " · ".join([first, *words])
    bindings = KeyBindings()

    def go(action: Action) -> Callable[[Any], None]:
        def handler(event: Any) -> None:
            event.app.exit(result=action)

        return handler

    bindings.add("enter")(go(Action.NEXT))
    if n_is_enter:
        bindings.add("n")(go(Action.NEXT))
    for action in actions:
        key = KEY_WORDS[action.value][0]
        bindings.add(key)(go(action))
        bindings.add(key.upper())(go(action))

    @bindings.add("c-c")
    def _interrupt(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    application: Application[Action] = Application(
        layout=Layout(HSplit([Window(FormattedTextControl(text), height=1)])),
        key_bindings=bindings,
        full_screen=False,
        erase_when_done=True,
    )
    if refit is not None:
        refit_before_drawing(application, refit)
    return application.run()


def refit_before_drawing(application: Any, refit: Callable[[], None]) -> None:
    """Call `refit` each time `application` is about to draw itself: the first time and
    after every change of the terminal's size (prompt_toolkit erases its own lines on a
    resize and draws them again). What was printed above the prompt is the caller's:
    `refit` draws it again when the size it was cut for is not the terminal's any more.

    The application doesn't ask the terminal where its cursor is (CPR): it asks on every
    resize, before `refit` writes, and an answer arriving after it (the row the cursor had
    before the feedback was drawn again) would make it reserve rows below the bottom of the
    screen and scroll the top of the feedback away. Without the question it draws its lines
    where the cursor is, under the feedback cut to leave room for them."""
    from prompt_toolkit.renderer import CPR_Support

    application.renderer.cpr_support = CPR_Support.NOT_SUPPORTED
    application.before_render += lambda _app: refit()


def screen_size() -> tuple[int, int]:
    """The rows and columns of the terminal the prompts draw on."""
    from prompt_toolkit.application.current import get_app_session

    size = get_app_session().output.get_size()
    return int(size.rows), int(size.columns)


def more_line(hidden: int) -> str:
    return f"… {hidden} more lines: press v to view all"


def cut_to_fit(text: str, room: int) -> tuple[str, int]:
    """`text` cut to at most `room` lines, the last of them saying how many more there are
    (so the start of long feedback is never scrolled off the screen); and that number."""
    lines = text.splitlines(keepends=True)
    if len(lines) <= room:
        return text, 0
    keep = max(1, room - 1)
    hidden = len(lines) - keep
    return "".join(lines[:keep]), hidden


def page(text: str, stream: Any) -> None:
    """Show `text` in the learner's pager ($PAGER, else `less`), on the terminal `stream`
    writes to; where there is none, print it in full."""
    import os
    import shutil
    import subprocess

    command = os.environ.get("PAGER") or ("less" if shutil.which("less") else "")
    stream.flush()
    if command:
        env = {**os.environ}
        env.setdefault("LESS", "R")  # colours as colours, not as escape codes
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:  # $PAGER is a shell command line, as pydoc and git run it
            done = subprocess.run(
                command,
                shell=True,
                input=text.encode(encoding, errors="replace"),
                stdout=stream.fileno(),
                env=env,
                check=False,
            )
        except (OSError, ValueError):  # a stream without a file
            pass
        else:
            if done.returncode != 127:  # 127: the shell found no such program
                return
    stream.write(text)
    stream.flush()


def clear_screen() -> None:
    """Start on a clean screen, keeping what was there in the scrollback.

    New lines push the screen's contents up into the scrollback (where the last
    feedback can still be read), then the cursor goes home.
    """
    from prompt_toolkit.application.current import get_app_session

    output = get_app_session().output
    rows = output.get_size().rows
    output.write_raw("\n" * rows + "\x1b[H")
    output.flush()


def arm_clock(application: Any, deadline: float) -> None:
    """Redraw every second (the live clock) and end with `TimeUp` at the deadline."""
    import asyncio
    import time

    def arm() -> None:
        delay = max(0.0, deadline - time.monotonic())
        asyncio.get_running_loop().call_later(delay, lambda: application.exit(exception=TimeUp()))

    application.refresh_interval = 1.0
    application.pre_run_callables.append(arm)
