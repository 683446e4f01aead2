"""`ecsprep quiz`, `stats` and `progress` through Typer's CliRunner (plain mode: stdin is piped).

The content is the fixture library from tests/quiz_library.py, so these tests do
not move when the shipped packs change; one test runs the shipped `seed` blueprint.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ecsprep.ui import quiz
from ecsprep.ui.app import app
from tests import quiz_library


@pytest.fixture(autouse=True)
def fixture_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiz, "load_content", lambda extra=(): quiz_library.library())


def invoke(home: Path, args: list[str], stdin: str = "") -> Result:
    env = {"ECSPREP_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "100"}
    return CliRunner().invoke(app, args, input=stdin, env=env)


def report(home: Path, args: list[str], stdin: str = "") -> dict[str, Any]:
    result = invoke(home, [*args, "--json"], stdin)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    return data


def stored(home: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(home / "progress.sqlite3")
    return list(db.execute("SELECT question_id, outcome FROM answers ORDER BY id"))


def test_plain_practice_shows_stem_options_feedback_and_the_id_only_after(
    isolated_home: Path,
) -> None:
    result = invoke(isolated_home, ["quiz", "--topic", "ecr", "--count", "1", "--seed", "3"], "A\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    before, after = out.split("Answer (choose one")
    assert "Question 1/1 · Ecr · score 0/0" in before  # a neutral label: the topic's title
    assert "ecr-login option" in before
    assert "(question ecr-login)" not in before
    assert "[ecr-login]" not in before
    assert "(question ecr-login)" in after
    assert "Stem of ecr-l" in out
    assert "  A. " in out
    assert "  D. " in out
    assert "why A" in out
    assert "why D" in out
    assert "Why: Explanation of" in out
    assert "https://docs.aws.amazon.com/" in out
    assert "More: ecsprep explain ecr" in out


def test_json_report_shape_and_keys_mapped_through_the_shuffle(isolated_home: Path) -> None:
    first = report(isolated_home, ["quiz", "--count", "6", "--seed", "11"], "skip\n" * 6)
    # Answer every question right by reading the shown key from the first run's report.
    answers = "".join(",".join(q["answer"]) + "\n" for q in first["questions"])
    data = report(isolated_home, ["quiz", "--count", "6", "--seed", "11"], answers)
    assert {"mode", "blueprint", "seed", "questions", "totals", "stopped"} <= set(data)
    assert (data["mode"], data["blueprint"], data["seed"]) == ("practice", "quick", 11)
    assert [q["id"] for q in data["questions"]] == [q["id"] for q in first["questions"]]
    for q in data["questions"]:
        assert set(q) >= {"id", "chosen", "answer", "correct", "seconds"}
        assert q["correct"] is True
        assert q["chosen"] == q["answer"]
    assert data["totals"]["correct"] == 6
    assert data["totals"]["skipped"] == 0
    assert first["totals"]["skipped"] == 6
    assert "scaled_score" not in data


def test_bad_input_is_asked_again_with_the_reason(isolated_home: Path) -> None:
    result = invoke(
        isolated_home,
        ["quiz", "--topic", "fargate", "--seed", "1", "--json"],
        "Z\nA\nA,B,C\nskip\nskip\n",
    )
    assert (
        "Z is not an option: choose from A–E" in result.stderr
        or "Z is not an option" in result.stderr
    )
    assert (
        "choose exactly 2 options (you chose 3)" in result.stderr
        or "choose one option" in result.stderr
    )
    assert json.loads(result.stdout)["totals"]["questions"] == 2


def test_end_of_input_ends_cleanly_and_keeps_what_was_answered(isolated_home: Path) -> None:
    data = report(isolated_home, ["quiz", "--count", "5", "--seed", "2"], "skip\nA\n")
    assert data["stopped"] is True
    assert len(data["questions"]) == 2
    assert [row[0] for row in stored(isolated_home)] == [q["id"] for q in data["questions"]]


def test_quit_keeps_progress(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["quiz", "--count", "5", "--seed", "2"], "skip\nq\n")
    assert result.exit_code == 0
    assert "every answer given so far is saved" in result.stdout
    assert len(stored(isolated_home)) == 1


def test_explain_shows_the_topic_notes_then_asks_again(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["quiz", "--topic", "ecr", "--count", "1"], "explain\nA\n")
    assert "Notes on ecr" in result.stdout
    assert result.stdout.count("Stem of ecr-") == 2


def test_exam_in_plain_mode_submits_at_end_of_input_with_unanswered_wrong(
    isolated_home: Path,
) -> None:
    data = report(isolated_home, ["quiz", "exam", "--count", "4", "--seed", "5"], "A\n")
    assert data["mode"] == "exam"
    assert data["blueprint"] == "exam"
    assert data["totals"]["questions"] == 4
    assert data["totals"]["skipped"] == 3
    expected = 100 + round(900 * data["totals"]["correct"] / 4)
    assert data["scaled_score"] == expected
    assert data["pass_mark"] == 720
    assert data["passed"] is (expected >= 720)
    outcomes = [row[1] for row in stored(isolated_home)]
    assert len(outcomes) == 4
    assert outcomes.count("skipped") == 3


def test_exam_report_lists_every_missed_question_with_its_explanation(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["quiz", "--mode", "exam", "--count", "3", "--seed", "5"], "")
    out = result.stdout
    assert "Scaled score 100 / 1000 (an estimate; pass mark 720): FAIL" in out
    assert out.count("Why: Explanation of") == 3
    assert "By topic" in out


def test_review_asks_what_is_still_wrong_most_recent_first(isolated_home: Path) -> None:
    args = ["quiz", "--topic", "ecr", "--topic", "placement-strategies", "--seed", "4"]
    first = report(isolated_home, args, "skip\n" * 4)
    shown = [(q["id"], q["answer"][0]) for q in first["questions"]]
    to_miss = {shown[0][0], shown[2][0]}
    lines = [next(c for c in "ABCD" if c != key) if qid in to_miss else key for qid, key in shown]
    report(isolated_home, args, "\n".join(lines) + "\n")
    data = report(isolated_home, ["quiz", "--mode", "review", "--seed", "9"], "skip\n" * 4)
    assert data["mode"] == "review"
    assert [q["id"] for q in data["questions"]] == [shown[2][0], shown[0][0]]
    # Answering one right takes it off the queue.
    fixed = data["questions"][0]
    review_one = ["quiz", "--mode", "review", "--count", "1", "--seed", "9"]
    report(isolated_home, review_one, fixed["answer"][0] + "\n")
    again = report(isolated_home, ["quiz", "--mode", "review"], "skip\n")
    assert [q["id"] for q in again["questions"]] == [shown[0][0]]


def test_review_with_nothing_wrong_says_so(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["quiz", "--mode", "review"])
    assert result.exit_code == 0
    assert "Nothing to review" in result.stdout


def test_due_mode_limits_new_cards_and_keeps_the_setting(isolated_home: Path) -> None:
    due = ["quiz", "--mode", "due", "--topic", "ecr", "--topic", "fargate"]
    data = report(isolated_home, [*due, "--new-limit", "2", "--seed", "1"], "skip\nskip\n")
    assert len(data["questions"]) == 2  # skipped: no card yet
    data = report(isolated_home, [*due, "--retention", "0.85", "--seed", "1"], "skip\n" * 3)
    assert len(data["questions"]) == 2  # the kept limit of 2 new cards a day
    data = report(isolated_home, ["quiz", "--mode", "due", "--topic", "ecr"], "A\nA\n")
    assert len(data["questions"]) == 2
    db = sqlite3.connect(isolated_home / "progress.sqlite3")
    settings = dict(db.execute("SELECT key, value FROM settings"))
    assert settings == {"new_per_day": "2", "desired_retention": "0.85"}
    assert db.execute("SELECT count(*) FROM cards").fetchone()[0] == 2


def test_unknown_blueprint_and_topic_are_clear_errors(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["quiz", "quik"])
    assert result.exit_code == 1
    assert "error: no blueprint matches 'quik'" in result.stderr
    assert "hint: did you mean: quick?" in result.stderr
    result = invoke(isolated_home, ["quiz", "--topic", "fargat"])
    assert "hint: did you mean: fargate?" in result.stderr
    result = invoke(isolated_home, ["quiz", "--mode", "cram"])
    assert result.exit_code == 2
    assert "unknown mode 'cram'" in result.stderr


def test_a_blueprint_with_two_mistakes_reports_both(isolated_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("format: 1\nid: Bad Id\ntitle: Two\ncount: -1\n")
    result = invoke(isolated_home, ["quiz", str(path)])
    assert result.exit_code == 2
    assert f"error: 2 problems in blueprint {path}:" in result.stderr
    assert f"  {path}:2 id: required: a lowercase slug" in result.stderr
    assert f"  {path}:4 count: must be a whole number" in result.stderr
    assert "Traceback" not in result.output


def test_a_misspelt_topic_or_tag_in_a_blueprint_is_refused_with_a_close_match(
    isolated_home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(
        "format: 1\nid: typo\ntitle: Typo\ntopics: [fargate, placement-stratgies]\ntags: [sede]\n"
    )
    result = invoke(isolated_home, ["quiz", str(path)], "A\n")
    assert result.exit_code == 2
    assert (
        f"{path} topics[1]: unknown topic 'placement-stratgies'; "
        "did you mean 'placement-strategies'?" in result.stderr
    )
    assert f"{path} tags[0]: unknown tag 'sede'; did you mean 'seed'?" in result.stderr
    # a user's own blueprint (by id) is checked the same way when it is used
    (isolated_home / "quizzes").mkdir()
    (isolated_home / "quizzes" / "typo.yaml").write_text(path.read_text())
    result = invoke(isolated_home, ["quiz", "typo"], "A\n")
    assert result.exit_code == 2
    assert "did you mean 'placement-strategies'?" in result.stderr


def test_list_shows_the_shipped_blueprints(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["quiz", "--list"])
    for name in ("quick", "exam", "placement", "seed"):
        assert f"  {name} " in result.stdout
    listed = json.loads(invoke(isolated_home, ["quiz", "--list", "--json"]).stdout)
    assert {b["id"] for b in listed} >= {"quick", "exam", "placement", "seed"}


def test_corrupt_database_is_one_clear_error(isolated_home: Path) -> None:
    (isolated_home / "progress.sqlite3").write_bytes(b"not sqlite" * 500)
    result = invoke(isolated_home, ["quiz"], "A\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the progress database ")
    assert "hint: nothing in it can be read: `ecsprep progress reset` moves it aside" in (
        result.stderr
    )
    assert "Traceback" not in result.output


def test_stats_after_a_session(isolated_home: Path) -> None:
    report(
        isolated_home,
        ["quiz", "--topic", "ecr", "--topic", "fargate", "--seed", "8"],
        "A\nB\nskip\n",
    )
    data = json.loads(invoke(isolated_home, ["stats", "--json"]).stdout)
    assert data["answered"] == 2
    assert data["skipped"] == 1
    assert {t["topic"] for t in data["topics"]} == set(quiz_library.TOPICS)
    assert all({"accuracy", "mastery", "answered"} <= set(t) for t in data["topics"])
    assert data["streak_days"] == 1
    text = invoke(isolated_home, ["stats"]).stdout
    assert "Answered 2" in text
    assert "By topic" in text
    assert "Answers per day" in text
    assert "Mon " in text
    assert "Recent sessions" in text


def test_stats_with_no_progress(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["stats"])
    assert result.exit_code == 0
    assert "No answers yet" in result.stdout


def test_export_and_reset(isolated_home: Path) -> None:
    report(isolated_home, ["quiz", "--topic", "ecr", "--seed", "8"], "A\nB\n")
    exported = json.loads(invoke(isolated_home, ["progress", "export"]).stdout)
    assert len(exported["answers"]) == 2
    assert exported["answers"][0]["status"] == "current"
    target = isolated_home / "backup.json"
    invoke(isolated_home, ["progress", "export", "--output", str(target)])
    assert json.loads(target.read_text())["answers"] == exported["answers"]

    declined = invoke(isolated_home, ["progress", "reset"], "n\n")
    assert declined.exit_code == 1
    assert len(stored(isolated_home)) == 2
    accepted = invoke(isolated_home, ["progress", "reset"], "y\n")
    assert accepted.exit_code == 0
    assert stored(isolated_home) == []
    assert invoke(isolated_home, ["progress", "reset", "--yes"]).exit_code == 0


def test_help_has_examples(isolated_home: Path) -> None:
    for args in (["quiz"], ["stats"], ["progress", "export"], ["progress", "reset"]):
        result = invoke(isolated_home, [*args, "--help"])
        assert result.exit_code == 0
        assert "Examples" in result.stdout


def test_shipped_seed_blueprint_runs(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real content, through the real loader
    monkeypatch.setenv("ECSPREP_HOME", str(isolated_home))
    data = report(isolated_home, ["quiz", "seed", "--seed", "1"], "skip\n" * 20)
    assert data["questions"], "the shipped content has no seed-tagged question"
    assert all(q["skipped"] for q in data["questions"])


CHECK = {
    "scenario": {"fleet": ["3xm5.large"], "runTask": {"count": 3}},
    "options": {
        "A": {
            "change": {"runTask": {"placementStrategy": [{"type": "binpack", "field": "memory"}]}},
            "expect": {"instances_used": 1},
            "shows": "binpack fills one instance first.",
        },
        "B": {
            "change": {
                "runTask": {"placementStrategy": [{"type": "spread", "field": "instanceId"}]}
            },
            "expect": {"instances_used": 3},
            "shows": "spread uses every instance.",
        },
    },
}


def test_simulate_runs_the_options_in_shown_letters_then_asks_again(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from ecsprep.packs.model import Library, Pack

    checked = replace(quiz_library.QUESTIONS[0], check=CHECK)  # binpack-fewest, answer A
    library = Library.of((Pack(id="fixture", title="F", version="1", questions=(checked,)),))
    monkeypatch.setattr(quiz, "load_content", lambda extra=(): library)
    result = invoke(isolated_home, ["quiz", "--count", "1", "--seed", "4"], "simulate\nm\nA\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("Stem of binpack-fewest?") == 3  # asked, simulated twice, asked again
    shown = {line[2]: line for line in out.splitlines() if line.startswith("  ") and ". " in line}
    letter_a = next(k for k, line in shown.items() if "binpack-fewest option A" in line)
    before_feedback = out.split("Right:")[0].split("Wrong:")[0]
    assert f"{letter_a} binpack-fewest option A" in before_feedback  # the shown letter, no mark
    assert "binpack fills one instance first." in out
    assert "Placed 3 of 3 task(s) on 1 of 3 instance(s)." in out
    assert "Placed 3 of 3 task(s) on 3 of 3 instance(s)." in out
    assert "not simulated" in out  # options C and D
    assert "Check it: ecsprep simulate question binpack-fewest" in out


def test_simulate_is_only_offered_when_the_question_has_a_check(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["quiz", "--topic", "ecr", "--count", "1"], "simulate\nA\n")
    assert "or skip, explain, quit" in result.stdout
    assert "Placed" not in result.stdout
    assert "simulate isn't available for this question; use skip, explain, quit" in result.stdout


def test_a_stem_that_states_the_count_is_not_told_it_again() -> None:
    import random
    from dataclasses import replace

    from ecsprep.study.session import present
    from ecsprep.ui.quiz_view import plain_question

    two = quiz_library.QUESTIONS[5]  # fargate-two, choose 2
    assert "(Choose 2.)" in plain_question(present(two, random.Random(1)), "Q")
    said = replace(two, stem="Which two are true? (Choose two.)")
    text = plain_question(present(said, random.Random(1)), "Q")
    assert "(Choose two.)" in text
    assert "(Choose 2.)" not in text


def exam_blueprint(tmp_path: Path) -> str:
    path = tmp_path / "exam.yaml"
    path.write_text(
        "format: 1\nid: plain-exam\ntitle: T\nmode: exam\ncount: null\nshuffle: false\n"
        "questions: [spread-az, ecr-login, fargate-two]\n"
    )
    return str(path)


def test_plain_exam_flag_back_next_review_and_submit(isolated_home: Path, tmp_path: Path) -> None:
    lines = [
        "flag",  # question 1 flagged, asked again without moving
        "A",  # wrong, for now; on to question 2
        "back",  # question 1 again
        "B",  # changed to right
        "next",  # question 2 left blank
        "review",  # the list: question numbers, states, flags; no ids
        "2",  # go to question 2
        "C",  # right; on to question 3
        "a,c",  # right; the overview
        "submit",  # submit (no confirmation needed there)
    ]
    result = invoke(isolated_home, ["quiz", exam_blueprint(tmp_path), "--json"], "\n".join(lines))
    assert result.exit_code == 0, result.output
    assert "Flagged for review." in result.stderr
    assert " 1. answered flagged" in result.stderr
    assert " 2. blank" in result.stderr
    assert "[spread-az]" not in result.stderr
    assert "(question spread-az)" not in result.stderr
    data = json.loads(result.stdout)
    assert [q["chosen"] for q in data["questions"]] == [["B"], ["C"], ["A", "C"]]
    assert data["scaled_score"] == 1000


def test_plain_exam_submit_asks_first(isolated_home: Path, tmp_path: Path) -> None:
    stdin = "B\nsubmit\nn\nsubmit\ny\n"
    result = invoke(isolated_home, ["quiz", exam_blueprint(tmp_path), "--json"], stdin)
    assert "Submit the exam? 2 unanswered count as wrong. [y/N]" in result.stderr
    data = json.loads(result.stdout)
    assert data["totals"]["correct"] == 1
    assert data["totals"]["questions"] == 3
    assert data["passed"] is False


def test_plain_exam_quit_leaves_it_open(isolated_home: Path, tmp_path: Path) -> None:
    result = invoke(isolated_home, ["quiz", exam_blueprint(tmp_path)], "B\nquit\n")
    assert result.exit_code == 0
    assert "The exam is left open, not submitted: 1 answer(s) saved." in result.stdout
    assert "FAIL" not in result.stdout
    db = sqlite3.connect(isolated_home / "progress.sqlite3")
    assert db.execute("SELECT ended_at FROM sessions").fetchone() == (None,)


def test_replay_command_keeps_every_choice(isolated_home: Path, tmp_path: Path) -> None:
    args = ["quiz", "--topic", "ecr", "--count", "2", "--seed", "9", "--mode", "exam"]
    result = invoke(isolated_home, [*args, "--time-limit", "7"], "")
    line = next(x for x in result.stdout.splitlines() if x.startswith("Same questions again:"))
    assert line == (
        "Same questions again: ecsprep quiz quick --mode exam --seed 9 --count 2 --topic ecr"
        " --time-limit 7"
    )


def test_exam_report_ends_with_the_score_and_the_topic_table(isolated_home: Path) -> None:
    result = invoke(isolated_home, ["quiz", "--mode", "exam", "--count", "3", "--seed", "5"], "")
    out = result.stdout
    assert out.rindex("Why: Explanation of") < out.index("Scaled score") < out.index("By topic")
