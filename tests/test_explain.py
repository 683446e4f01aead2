"""`ecsprep explain`: lookups (table in tests/cases/explain.yaml) and the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ecsprep.errors import NotFoundError
from ecsprep.explain import lookup, normalise
from ecsprep.packs.load import load_files, option_files
from ecsprep.packs.model import Notes
from ecsprep.ui.app import app
from tests.conftest import REPO

CASES = yaml.safe_load((REPO / "tests/cases/explain.yaml").read_text())
FIXTURE = REPO / "tests/fixtures/explain-pack.yaml"


@pytest.fixture(scope="module")
def notes() -> Notes:
    loaded = load_files(option_files([FIXTURE]))
    assert not loaded.problems, loaded.problems
    return loaded.library.notes()


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_lookup(notes: Notes, case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(NotFoundError) as caught:
            lookup(notes, case["query"])
        assert str(caught.value) == case["error"]
        return
    found = lookup(notes, case["query"])
    assert [m.name for m in found.matches] == case["shows"]
    assert found.kind.value == case.get("kind", "name")
    if "passage" in case:
        assert any(case["passage"] in p for p in found.matches[0].passages)


def test_typo_miss_suggests_nearby_names(notes: Notes) -> None:
    with pytest.raises(NotFoundError) as caught:
        lookup(notes, "spreadd binpackk")
    assert caught.value.suggestions


def test_normalise_folds_case_punctuation_camel_case_and_plurals() -> None:
    assert normalise("ECS_ENABLE_TASK_IAM_ROLE") == normalise("ecs enable task iam roles")
    assert normalise("hostPort") == "host port"


def test_term_explanation_counts_questions_and_offers_drill(notes: Notes) -> None:
    (binpack,) = lookup(notes, "binpack").matches
    assert [q.id for q in binpack.questions] == ["fixture-binpack"]
    assert binpack.drill == "ecsprep quiz --topic placement-strategies"
    assert binpack.see == ("spread",)
    assert binpack.try_command.startswith("ecsprep simulate placement")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_explain_binpack_shows_definition_notes_and_next_steps() -> None:
    result = invoke("explain", "binpack")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("binpack")
    assert "least remaining" in text
    assert "drill:" in text
    assert "ecsprep quiz --topic placement-strategies" in text
    assert "try it: ecsprep simulate placement" in text


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["binpak"], "binpack"),
        (["host", "port", "0"], "dynamic port mapping"),
        (["task", "role"], "task role"),
        (["ECS_ENABLE_TASK_IAM_ROLE"], "ECS_ENABLE_TASK_IAM_ROLE"),
        (["get-login-password"], "get-login-password"),
    ],
)
def test_explain_finds_shipped_terms_by_phrasing(words: list[str], expected: str) -> None:
    result = invoke("explain", *words, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["term"] == expected


def test_json_shape() -> None:
    data = json.loads(invoke("explain", "binpack", "--json").stdout)
    assert set(data) >= {"term", "aliases", "definition", "topic", "see", "questions", "drill"}
    assert data["topic"]["id"] == "placement-strategies"
    assert data["topic"]["refs"][0]["url"].startswith("https://docs.aws.amazon.com/")
    assert data["questions"] == len(data["question_ids"]) > 0


def test_no_match_exits_1_with_suggestions() -> None:
    result = invoke("explain", "binpeck", "spred", "zzz")
    assert result.exit_code == 1
    assert "error: no term or topic matches 'binpeck spred zzz'" in result.stderr


def test_ambiguous_lists_candidates() -> None:
    result = invoke("explain", "role")
    assert result.exit_code == 0, result.output
    assert "Several entries match 'role'" in result.stdout


def test_no_term_lists_topics_and_terms() -> None:
    result = invoke("explain", "--json")
    data = json.loads(result.stdout)
    ids = {t["id"] for t in data["topics"]}
    assert {"placement-strategies", "ecr-login", "dynamic-port-mapping"} <= ids
    assert len(data["terms"]) >= 80


def test_broken_user_pack_warns_but_shipped_content_works(isolated_home: Path) -> None:
    packs = isolated_home / "packs"
    packs.mkdir()
    (packs / "mine.yaml").write_text("format: 1\npack: {id: mine}\ntopics: [oops\n")
    result = invoke("explain", "binpack")
    assert result.exit_code == 0
    assert "warning: content pack" in result.stderr
    assert "mine.yaml" in result.stderr
    assert result.stdout.startswith("binpack")


UNCHECKED_PACK = """\
format: 1
pack: {id: mine, title: Mine, version: "1"}
topics:
  - {id: own-topic, title: Own, notes: Notes of my own.}
glossary:
  - {term: zebra routing, definition: A term no checked question is on., topic: own-topic}
"""


def test_explain_points_at_a_question_checked_in_the_simulator(isolated_home: Path) -> None:
    data = json.loads(invoke("explain", "binpack", "--json").stdout)
    assert data["check"].startswith("ecsprep simulate question ")
    question = data["check"].rsplit(" ", 1)[1]
    assert question in data["question_ids"]
    (isolated_home / "packs").mkdir()
    (isolated_home / "packs" / "mine.yaml").write_text(UNCHECKED_PACK, encoding="utf-8")
    unchecked = json.loads(invoke("explain", "zebra routing", "--json").stdout)
    assert unchecked["term"] == "zebra routing"
    assert unchecked["check"] is None
    text = invoke("explain", "binpack").stdout
    assert f"check a question in place: ecsprep simulate question {question}" in text


def test_a_corrected_typo_says_what_it_shows() -> None:
    result = invoke("explain", "binpak")
    assert result.stdout.splitlines()[0] == "showing binpack (nothing is named 'binpak')"
    assert json.loads(invoke("explain", "binpak", "--json").stdout)["match"] == "typo"


def test_an_exact_name_is_shown_alone_even_when_another_normalises_the_same() -> None:
    result = invoke("explain", "ECS_CLUSTER")
    assert result.stdout.startswith("ECS_CLUSTER")
    assert "Several entries" not in result.stdout
    assert invoke("explain", "ecs-clusters").stdout.startswith("Clusters")


def test_choices_give_a_command_that_shows_each_one() -> None:
    text = invoke("explain", "role").stdout
    assert "ecsprep explain 'task role'" in text
    assert "ecsprep explain 'task execution role'" in text
    assert json.loads(invoke("explain", "task", "role", "--json").stdout)["term"] == "task role"


def test_words_only_the_notes_use_show_the_passage_and_the_way_on() -> None:
    from ecsprep.explain import MatchKind
    from ecsprep.packs.load import load_library

    shipped = load_library(include_user=False, cache=False).library.notes()
    # A word of the shipped notes that names no term or topic (content changes; the rule doesn't).
    word = next(
        w
        for t in shipped.topics.values()
        for w in t.notes.split()
        if w.isalpha() and len(w) > 8 and lookup(shipped, w).kind is MatchKind.TEXT
    )
    data = json.loads(invoke("explain", word, "--json").stdout)
    assert data["match"] == "text"
    assert any(word in p for p in data["passages"])
    text = invoke("explain", word).stdout
    assert "the notes mention it here" in text
    assert f"whole topic: ecsprep explain {data['topic']['id']}" in text


def test_the_index_is_readable_at_80_columns_and_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = invoke("explain").stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    flat = " ".join(line.strip() for line in lines)
    for term in ("binpack", "ECS_ENABLE_TASK_IAM_ROLE", "get-login-password", "FARGATE_SPOT"):
        assert term in flat, term  # whole: never broken mid-word


SHIPPED_CASES = yaml.safe_load((REPO / "tests/cases/explain_shipped.yaml").read_text())


@pytest.fixture(scope="module")
def shipped() -> Notes:
    from ecsprep.packs.load import load_library

    loaded = load_library(include_user=False, cache=False)
    assert not loaded.problems, loaded.problems
    return loaded.library.notes()


@pytest.mark.parametrize("case", SHIPPED_CASES, ids=[c["query"] for c in SHIPPED_CASES])
def test_what_learners_type_lands_on_the_right_notes(shipped: Notes, case: dict[str, Any]) -> None:
    found = lookup(shipped, case["query"])
    assert not found.ambiguous, [m.name for m in found.matches]
    (match,) = found.matches
    assert match.topic.id == case["topic"]
    if "term" in case:
        assert match.term is not None
        assert match.term.term == case["term"]


def test_plain_pages_wrap_text_keep_commands_whole_and_show_control_characters_as_nothing() -> None:
    from ecsprep.ui.explain import Block, Kind, Look, plain_lines

    def block(kind: Kind, text: str = "") -> Block:
        return Block(kind, ((text, Look.PLAIN),) if text else ())

    command = "try it: ecsprep simulate placement --fleet 3xm5.large --strategy binpack:memory"
    lines = list(
        plain_lines(
            [
                block(Kind.TEXT, "binpack puts each task on the fullest instance that fits it"),
                block(Kind.RULE, "Strategies  [placement-strategies]"),
                block(Kind.NOTES, "| a | b |\n|---|---|\n"),
                block(Kind.BLANK),
                block(Kind.LINE, command),
                block(Kind.INDENTED, "spread, random, binpack:memory, distinctInstance"),
                block(Kind.TEXT, "a \x1b]0;pwned\x07title \u202eevil"),
            ],
            width=40,
        )
    )
    assert lines == [
        "binpack puts each task on the fullest",
        "instance that fits it",
        "Strategies  [placement-strategies] ─────",
        "| a | b |\n|---|---|",
        "",
        command,  # longer than 40: a command is never wrapped
        "    spread, random, binpack:memory,\n    distinctInstance",
        "a ]0;pwnedtitle evil",
    ]


def test_explain_on_a_warm_cache_reads_the_notes_alone(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The questions are three quarters of the library and explain only counts and names
    them: once the cache is warm, explain never reads or builds a question, and still
    warns about what it skips in the learner's packs folder."""
    import ecsprep.packs.export

    (isolated_home / "packs").mkdir()
    (isolated_home / "packs" / "notes.yaml").mkdir()  # a folder where a pack file would be
    cold = invoke("explain", "binpack", "--json")
    assert cold.exit_code == 0, cold.output

    def refuse(data: Any) -> Any:
        raise AssertionError(f"explain built question {data['id']}")

    monkeypatch.setattr(ecsprep.packs.export, "question_from_data", refuse)
    warm = invoke("explain", "binpack", "--json")
    assert warm.exit_code == 0, warm.output
    assert json.loads(warm.stdout) == json.loads(cold.stdout)
    assert json.loads(warm.stdout)["check"]  # the entries still know which are checked
    assert "notes.yaml: a folder, not a pack file; skipped" in warm.stderr
    assert warm.stderr == cold.stderr


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("binpack vs spread", ["binpack", "spread"]),
        ("binpack versus spread", ["binpack", "spread"]),
        ("task role or execution role", ["task role", "task execution role"]),
        ("difference between task role and execution role", ["task role", "task execution role"]),
        (
            "what is the difference between hostPort and containerPort",
            ["hostPort", "containerPort"],
        ),
        ("Service Connect vs Cloud Map", ["Service Connect", "AWS Cloud Map"]),
        ("fargate vs ec2", ["Fargate", "EC2 launch type"]),
        ("binpak vs spread", ["binpack", "spread"]),  # a side read as a nearby name
    ],
)
def test_a_comparing_question_shows_each_side(shipped: Notes, query: str, names: list[str]) -> None:
    from ecsprep.explain import MatchKind

    found = lookup(shipped, query)
    assert found.kind is MatchKind.COMPARE
    assert not found.ambiguous
    assert [m.name for m in found.matches] == names
    assert found.corrected == ("binpak" in query)


@pytest.mark.parametrize(
    "query",
    [
        "binpack vs zzqqxx",  # a side that names nothing: no comparison
        "spread vs",  # one side
        "fargate vs role",  # "role" names several roles equally: nothing to compare with
    ],
)
def test_a_comparison_needs_every_side_to_name_an_entry(shipped: Notes, query: str) -> None:
    from ecsprep.errors import NotFoundError
    from ecsprep.explain import MatchKind

    try:
        found = lookup(shipped, query)
    except NotFoundError:
        return
    assert found.kind is not MatchKind.COMPARE


def test_explain_compares_side_by_side_in_text_and_json() -> None:
    result = invoke("explain", "binpack", "vs", "spread")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Comparing binpack and spread:")
    assert "more: ecsprep explain binpack" in out
    assert "more: ecsprep explain spread" in out
    # Both live in one topic: its notes are offered once, not printed twice.
    assert out.count("notes: Placement strategies") == 1
    assert out.count("drill: ") == 1
    data = json.loads(invoke("explain", "binpack", "vs", "spread", "--json").stdout)
    assert data["match"] == "compare"
    assert [e["term"] for e in data["entries"]] == ["binpack", "spread"]
