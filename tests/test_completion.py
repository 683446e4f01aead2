"""Shell completion offers values: blueprints, topics, explain terms, question ids, scenarios.

The functions are called directly (what Typer calls for a value), and one run goes
through the shell protocol (`_ECSPREP_COMPLETE=complete_bash`) with CliRunner.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ecsprep.ui import completion
from ecsprep.ui.app import app


def values(choices: list[tuple[str, str]]) -> list[str]:
    return [value for value, _ in choices]


def context(pack: list[Path] | None = None) -> typer.Context:
    from typer.main import get_command

    ctx = typer.Context(get_command(app))
    ctx.params["pack"] = pack
    return ctx


def test_blueprint_names_shipped_and_own(isolated_home: Path) -> None:
    assert {"quick", "exam", "placement", "dva", "saa", "soa"} <= set(
        values(completion.blueprint_names(""))
    )
    assert values(completion.blueprint_names("pla"))[0] == "placement"
    (isolated_home / "quizzes").mkdir()
    (isolated_home / "quizzes" / "mine.yaml").write_text("format: 1\nid: my-drill\ntitle: Mine\n")
    assert values(completion.blueprint_names("my"))[0] == "my-drill"


def test_blueprint_files_are_offered_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "drill.yaml").write_text("id: d\ntitle: D\n")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    offered = values(completion.blueprint_names(""))
    assert "drill.yaml" in offered
    assert "sub/" in offered
    assert "notes.txt" not in offered
    assert values(completion.blueprint_names("dr")) == ["drill.yaml"]


def test_topic_ids() -> None:
    offered = completion.topic_ids(context(), "placement-")
    assert values(offered) == ["placement-constraints", "placement-strategies"]
    assert all(help_text for _, help_text in offered)  # the title, shown by zsh and fish
    assert "ecs-clusters" in values(completion.topic_ids(context(), ""))


def test_topic_ids_include_a_pack_named_on_the_line(tmp_path: Path) -> None:
    pack = tmp_path / "extra.yaml"
    pack.write_text(
        "format: 1\npack:\n  id: extra\n  title: Extra\n  version: '1'\n"
        "topics:\n  - id: fixture-binpack\n    title: Extra topic\n    notes: Some notes.\n"
    )
    assert "fixture-binpack" in values(completion.topic_ids(context([pack]), "fixture-"))
    assert values(completion.topic_ids(context(), "fixture-")) == []


def test_explain_terms_aliases_and_topics_without_spaces() -> None:
    offered = values(completion.explain_terms(context(), "binp"))
    assert offered[0] == "binpack"
    assert "ECS_CLUSTER" in values(completion.explain_terms(context(), "ECS_CL"))
    assert "ecs-clusters" in values(completion.explain_terms(context(), "ecs-cl"))
    assert all(" " not in v for v in values(completion.explain_terms(context(), "")))


def test_question_ids_are_those_a_simulator_checks() -> None:
    offered = values(completion.checked_question_ids(context(), "seed-"))
    assert "seed-most-cost-efficient-strategy" in offered
    from ecsprep.packs.load import load_library

    library = load_library().library
    assert all(
        library.questions[q].check for q in values(completion.checked_question_ids(context(), ""))
    )


def test_scenario_names_shipped_and_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ecsprep.sim.scenario import shipped_scenarios

    assert set(shipped_scenarios()) <= set(values(completion.scenario_names("")))
    assert values(completion.scenario_names("asg-"))[0] == "asg-providers-base-weight"
    (tmp_path / "mine.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert values(completion.scenario_names("mi")) == ["mine.json"]


def test_a_broken_pack_offers_the_rest_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("pack: [unclosed\n")
    assert "placement-strategies" in values(completion.topic_ids(context([broken]), "placement"))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("ecsprep explain binp", "binpack"),
        ("ecsprep quiz --topic placement-s", "placement-strategies"),
        ("ecsprep quiz pla", "placement"),
        ("ecsprep simulate question seed-most", "seed-most-cost-efficient-strategy"),
        ("ecsprep simulate placement asg", "asg-providers-base-weight"),
        ("ecsprep simulate placement --format t", "table"),
        ("ecsprep simulate ecr-scanning scenario.yaml --format j", "json"),
        ("ecsprep simulate question --format t", "text"),
    ],
)
def test_the_shell_protocol_completes_values(words: str, expected: str) -> None:
    result = CliRunner().invoke(
        app,
        [],
        prog_name="ecsprep",
        env={
            "_ECSPREP_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        },
    )
    assert result.exit_code == 0, result.output
    assert expected in result.output.split()
