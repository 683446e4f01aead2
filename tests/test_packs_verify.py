"""`ecsprep packs validate` runs every check: the exact lines it prints for each kind of
check the simulator refutes (tests/cases/verify_problems.yaml), and what it reports for
packs that have no file to point at."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import ecsprep.data
from ecsprep.packs.load import load_library
from ecsprep.packs.model import Library, Origin, Pack
from ecsprep.packs.problems import Problem
from ecsprep.packs.verify import verify_checks
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases"


@pytest.fixture(autouse=True)
def small_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture packs stand in for the shipped ones: their checks run in no time."""
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: CASES / "valid_packs")
    monkeypatch.chdir(CASES.parent)


HAS = "(it has providers, tasks, rounded, note, no_note, refused)"


def test_validate_prints_each_refuted_check_with_file_line_and_place() -> None:
    result = CliRunner().invoke(app, ["packs", "validate", "cases/verify_problems.yaml"])
    assert result.exit_code == 1
    pack = "cases/verify_problems.yaml"
    facts = f"{pack}:9 questions[verify-unknown-facts].check.options"
    assert result.stdout.splitlines()[:-1] == [
        f"{pack}:9 questions[verify-unknown-facts].check.goal.task: the capacity simulator "
        f"has no fact 'task'; did you mean 'tasks'? {HAS}",
        f"{facts}.A.expect.provider: the capacity simulator has no fact 'provider'; "
        f"did you mean 'providers'? {HAS}",
        f"{facts}.A.claim_as_given.zzzzzz: the capacity simulator has no fact 'zzzzzz' {HAS}",
        f"{facts}.B.claim.taskz: the capacity simulator has no fact 'taskz'; "
        f"did you mean 'tasks'? {HAS}",
        # `says` (like fewest and most) belongs to a goal, not to a claim
        f"{facts}.B.claim.says: the capacity simulator has no fact 'says' {HAS}",
        f"{pack}:9 questions[verify-unknown-facts].check.goal.most: 'providers' can't be "
        "ranked; use tasks",
        # the id written in quotes is still found
        f"{pack}:38 questions[verify-wrong-key].answer: the key is B, C, but by the simulator "
        "the options that are right among A, B are A, B (C, D not simulated)",
        # a question written as one flow mapping has no `id:` line to point at
        f"{pack} questions[verify-flow-style].answer: the key is B, but by the simulator "
        "the options that are right among A, B are A",
        f"{pack}:80 questions[verify-refused].check: the scenario can't run: "
        "options.A.createService.capacityProviderStrategy: FARGATE and FARGATE_SPOT both set "
        "a base; only one capacity provider in a strategy can have a base",
        # an error without a hint ends with the error
        f"{pack}:100 questions[verify-no-hint].check: the scenario can't run: "
        "options.A.createService.desiredCount: expected a whole number, found the string 'ten'",
        # A is judged by the run of the scenario as written; B's claim is wrong as well
        f"{pack}:118 questions[verify-as-given].answer: the key is A, but by the simulator "
        "the options that are right among A, B are none",
        # and verify-file-next-to-pack reads its task definition from the pack's folder, for
        # each option's run and for the run as written
    ]
    assert result.stdout.splitlines()[-1].startswith("11 problems (no file left out); loaded")


def test_a_scenario_that_cant_run_gives_the_error_and_its_hint() -> None:
    result = CliRunner().invoke(app, ["packs", "validate", "cases/check_contradicted.yaml"])
    broken = [line for line in result.stdout.splitlines() if "my-broken" in line]
    # (the fixture packs stand in for the shipped content, so no scenario is shipped here)
    assert broken == [
        "cases/check_contradicted.yaml:30 questions[my-broken].check: the scenario can't run: "
        "scenario: 'spread-az-then-binpak' is not a shipped scenario "
        "(`ecsprep simulate placement --list`); write the scenario inline"
    ]


def test_a_pack_without_a_file_is_reported_by_its_id_without_a_line() -> None:
    """A library rebuilt from exported data keeps no file: problems name the pack instead."""
    from dataclasses import replace

    loaded = load_library([CASES / "verify_problems.yaml"], include_user=False, cache=False)
    mine = next(p for p in loaded.library.packs if p.id == "verify-problems")
    # (in reverse order, so the unknown facts come after the other problems)
    reverse = tuple(reversed(mine.questions))
    fileless: Pack = replace(mine, source=None, origin=Origin.OPTION, questions=reverse)
    problems = verify_checks(Library.of((fileless,)))
    assert {(p.path, p.line) for p in problems} == {(Path("verify-problems"), None)}
    assert [p.where for p in problems] == [
        "questions[verify-file-next-to-pack].check",  # no folder: its file can't be found
        "questions[verify-as-given].answer",
        "questions[verify-no-hint].check",
        "questions[verify-refused].check",
        "questions[verify-flow-style].answer",
        "questions[verify-wrong-key].answer",
        "questions[verify-unknown-facts].check.goal.task",
        "questions[verify-unknown-facts].check.options.A.expect.provider",
        "questions[verify-unknown-facts].check.options.A.claim_as_given.zzzzzz",
        "questions[verify-unknown-facts].check.options.B.claim.taskz",
        "questions[verify-unknown-facts].check.options.B.claim.says",
        "questions[verify-unknown-facts].check.goal.most",
    ]
    assert all(isinstance(p, Problem) and p.message for p in problems)


def test_a_clean_library_has_no_check_problems() -> None:
    assert verify_checks(Library.of(())) == []


def test_a_ranking_names_every_fact_the_simulator_can_rank() -> None:
    from ecsprep.packs.verify import unknown_facts

    check = {"simulator": "fargate", "goal": {"says": "Cheapest.", "fewest": "price"}}
    assert unknown_facts(check) == [
        (
            "goal.fewest",
            "'price' can't be ranked; use cpu, memory, ephemeral_gib, extra_storage_gib",
        )
    ]
