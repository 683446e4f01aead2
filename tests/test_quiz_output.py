"""What reaches the learner's screen: content is text (never markup, never escape
sequences), and odd terminals, signals and options end cleanly.

The hostile library is built in code, so these tests hold whatever `packs validate`
later refuses on load: the renderers themselves must be safe.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ecsprep.packs.model import Library, Option, Pack, Question, QuestionType, Reference, Topic
from ecsprep.ui import library as library_module
from ecsprep.ui import quiz
from ecsprep.ui.app import app

ESC, BEL = "\x1b", "\x07"
TITLE = f"{ESC}]0;pwned{BEL}"  # retitles the window
CLEAR = f"{ESC}[2J"  # clears the screen
HIDDEN = f"{ESC}[8m"  # conceals what follows
LINK = f"{ESC}]8;;https://evil.example{ESC}\\"  # a hidden hyperlink


def hostile() -> Library:
    topic = Topic(
        id="ecr",
        title=f"ECR {TITLE}[bold]",
        notes=f"Notes with [bold]markup[/bold], a [word]{CLEAR} and {HIDDEN}hidden text.",
        summary=f"Summary [/bold]{LINK}",
        refs=(Reference(url="https://docs.aws.amazon.com/x.html", title=f"Ref [b]{BEL}"),),
    )
    options = tuple(
        Option(key=k, text=f"option {k} [red]{ESC}[31m", why=f"why {k} [link]{LINK}")
        for k in "ABCD"
    )
    question = Question(
        id="ecr-hostile",
        topics=("ecr",),
        type=QuestionType.SINGLE,
        stem=f"Stem with [bold]tags[/bold]{TITLE} and \x9b31m C1?",
        options=options,
        answer=frozenset({"A"}),
        explanation=f"Explanation [i]{CLEAR}",
        choose=1,
        refs=(Reference(url="https://docs.aws.amazon.com/y.html", title=f"Doc [x]{ESC}[8m"),),
    )
    pack = Pack(id="hostile", title="Hostile", version="1", topics=(topic,), questions=(question,))
    return Library.of((pack,))


@pytest.fixture
def hostile_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiz, "load_content", lambda extra=(): hostile())
    monkeypatch.setattr(library_module, "load_for_command", lambda extra=(): hostile())


def clean(result: Result) -> str:
    text = result.stdout + (result.stderr or "")
    for bad in (ESC, BEL, "\x9b"):
        assert bad not in text, repr(text)
    return text


@pytest.mark.usefixtures("hostile_content")
def test_quiz_plain_shows_content_as_text_without_escapes() -> None:
    result = CliRunner().invoke(app, ["quiz", "--count", "1", "--seed", "1"], input="x\nA\n")
    text = clean(result)
    assert "Stem with [bold]tags[/bold]" in text
    assert "[red]" in text
    assert "Notes with [bold]markup[/bold], a [word]" in text or "a [word]" in text
    assert "why A [link]" in text
    assert "Explanation [i]" in text


@pytest.mark.usefixtures("hostile_content")
def test_quiz_exam_report_names_the_missed_question() -> None:
    result = CliRunner().invoke(app, ["quiz", "--mode", "exam", "--count", "1", "--seed", "1"])
    text = clean(result)
    assert "ecr-hostile" in text.split("Why:")[0]  # the missed question's rule has its id


@pytest.mark.usefixtures("hostile_content")
@pytest.mark.parametrize("query", ["ecr", ""])
def test_explain_shows_content_as_text_without_escapes(query: str) -> None:
    result = CliRunner().invoke(app, ["explain", *([query] if query else [])])
    text = clean(result)
    assert "ECR ]0;pwned[bold]" in text  # what is left of the sequence is inert text
    if query == "ecr":
        assert "[bold]" in text
        assert "[word]" in text


def test_packs_list_shows_no_escapes(isolated_home: Path) -> None:
    packs = isolated_home / "packs"
    packs.mkdir()
    (packs / "evil.yaml").write_text(
        'format: 1\npack: {id: evil, title: "Evil \\e]0;pwned\\a [bold]pack", version: "1"}\n'
    )
    result = CliRunner().invoke(app, ["packs", "list"])
    text = clean(result)
    assert "evil" in text


def run_main(
    args: list[str], env: dict[str, str], stdin: str = "", encoding: str = "utf-8"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecsprep", *args],
        input=stdin,
        capture_output=True,
        encoding=encoding,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["explain", "binpack"], ""),
        (["quiz", "--count", "1", "--seed", "2"], "A\n"),
        (["stats"], ""),
    ],
)
def test_a_stdout_without_utf8_falls_back_to_ascii(
    encoding: str, args: list[str], stdin: str
) -> None:
    result = run_main(args, {"PYTHONIOENCODING": encoding}, stdin, encoding)
    assert result.returncode == 0, result.stderr
    assert "UnicodeEncodeError" not in result.stderr
    result.stdout.encode(encoding)  # every character fits the stream's encoding


def test_columns_zero_uses_a_usable_width() -> None:
    result = run_main(["explain", "binpack"], {"COLUMNS": "0"})
    assert result.returncode == 0
    assert "binpack" in result.stdout
    answered = run_main(["quiz", "--count", "1", "--seed", "2"], {"COLUMNS": "0"}, "skip\n")
    assert "Why:" in answered.stdout  # feedback is shown, not stored blind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--retention", "nan"], "nan is not a number between 0.7 and 0.99"),
        (["--seed", str(2**64)], "Invalid value for '--seed'"),
        (["--time-limit", "5"], "--time-limit applies to exams only"),
    ],
)
def test_bad_options_are_clean_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["quiz", "--count", "1", *args], input="")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.replace("│", " ").split())
    assert "Traceback" not in result.output
