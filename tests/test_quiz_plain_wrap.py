"""Plain mode (pipes) at a fixed width: wrapped text continues under its text, lines end
without spaces, and a URL or a command is never wrapped.

Golden file: tests/golden/quiz_plain_60.txt; regenerate it with UPDATE_GOLDEN=1 after a
deliberate change, and read the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecsprep.packs.model import Library, Option, Pack, Question, QuestionType, Reference, Topic
from ecsprep.ui import quiz
from ecsprep.ui.app import app

GOLDEN = Path(__file__).parent / "golden" / "quiz_plain_60.txt"
LONG_URL = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
    "task-placement-strategies-and-constraints-in-depth.html"
)


def library() -> Library:
    topic = Topic(
        id="placement-strategies",
        title="Task placement strategies",
        notes="Notes.",
        refs=(),
    )
    options = (
        Option(
            key="A",
            text="Use the binpack strategy on memory so that tasks fill the fewest container "
            "instances before another one is used",
            why="Binpack on memory packs tasks onto the instance with the least memory left "
            "that still fits, so idle instances can be scaled in.",
        ),
        Option(
            key="B",
            text="Use the spread strategy on attribute:ecs.availability-zone for every service "
            "in the cluster",
            why="Spread balances tasks across zones; it uses more instances, not fewer.",
        ),
        Option(key="C", text="Random", why="Random places tasks anywhere."),
    )
    question = Question(
        id="binpack-wrap-check",
        topics=("placement-strategies",),
        type=QuestionType.SINGLE,
        stem="A team runs many small tasks on EC2 capacity and wants to pay for as few "
        "container instances as possible. Which placement should it use?",
        options=options,
        answer=frozenset({"A"}),
        explanation="Binpack places each task on the instance with the least of the named "
        "resource left, which keeps the number of instances in use as small as possible.",
        choose=1,
        check="placement",
        refs=(Reference(url=LONG_URL, title="Amazon ECS task placement strategies in depth"),),
    )
    pack = Pack(id="wrap", title="Wrap", version="1", topics=(topic,), questions=(question,))
    return Library.of((pack,))


def plain_session(monkeypatch: pytest.MonkeyPatch, width: int) -> str:
    monkeypatch.setattr(quiz, "load_content", lambda extra=(): library())
    monkeypatch.setenv("COLUMNS", str(width))
    result = CliRunner().invoke(app, ["quiz", "--count", "1", "--seed", "3"], input="B\n")
    assert result.exit_code == 0, result.output
    return re.sub(r"time \d\d:\d\d", "time 00:00", result.stdout)


def test_plain_feedback_at_60_columns_matches_the_golden_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = plain_session(monkeypatch, 60)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


@pytest.mark.parametrize("width", [60, 80])
def test_plain_lines_have_no_trailing_spaces(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    text = plain_session(monkeypatch, width)
    prompt = "Answer (choose one; "  # the answer prompt waits for input after its space
    ragged = [line for line in text.splitlines() if line != line.rstrip()]
    assert [line for line in ragged if not line.startswith(prompt)] == []
    table = text[text.index("By topic") :]
    assert "  placement-strategies" in table


def test_wrapped_option_and_why_lines_continue_under_their_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = plain_session(monkeypatch, 60).splitlines()
    feedback = lines[next(i for i, line in enumerate(lines) if "Wrong: you chose" in line) :]
    heads = [i for i, line in enumerate(feedback) if re.match(r"  [A-C] [✔✘] ", line)]
    assert len(heads) == 3
    first = heads[0]
    # The option's text wraps under its text, after the "A ✘ " label (column 6) ...
    assert feedback[first + 1].startswith("      ")
    assert feedback[first + 1][6] != " "
    # ... and its reason sits deeper (column 8), so the two never run together.
    reasons = [line for line in feedback[first + 1 : heads[1]] if line.startswith("        ")]
    assert reasons
    assert all(line[8] != " " for line in reasons)
    why = next(i for i, line in enumerate(feedback) if line.startswith("Why: "))
    assert feedback[why + 1].startswith("     ")
    assert feedback[why + 1][5] != " "


@pytest.mark.parametrize("width", [40, 60])
def test_urls_and_commands_are_never_wrapped(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    text = plain_session(monkeypatch, width)
    assert f"    {LONG_URL}\n" in text
    assert "\nMore: ecsprep explain placement-strategies\n" in text
    assert "\nCheck it: ecsprep simulate question binpack-wrap-check\n" in text
    assert "\nSame questions again: ecsprep quiz quick --mode practice --seed 3 --count 1\n" in text
