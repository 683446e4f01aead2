"""The placement simulator as a question's check runs it (sim/placement_check.py): the facts
of a run, the 12 other draws it is compared with (docs/pack-format.md: "repeated with 12 other
seeds") and what it rests on in words, and how a condition with `refused` is judged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import Outcome, simulator

WHERE = Where("pack.yaml", "questions[q].check.scenario")
SMALL = {"family": "b", "containerDefinitions": [{"name": "b", "memory": 512}]}
TINY = {"family": "b", "containerDefinitions": [{"name": "b", "memory": 16}]}
RANDOM = [{"type": "random"}]
BINPACK = [{"type": "binpack", "field": "memory"}]
TIES = "the order ties are broken in (registration order: the first instance listed wins)"


def _run(document: dict[str, Any]) -> Outcome:
    sim = simulator("placement")
    return sim.run(sim.build(document, WHERE, Path("."), "q"))


def _run_task(fleet: list[str], count: int, strategy: Any, **more: Any) -> dict[str, Any]:
    request = {"count": count, "placementStrategy": strategy}
    return {"fleet": fleet, "taskDefinition": SMALL, "runTask": request, **more}


# scenario, the run's facts (those named), what the facts rest on (empty: no other draw
# gives other facts, so none is kept)
RUNS = [
    pytest.param(
        _run_task(["1xm5.large"], 3, RANDOM),
        {"placed": 3, "instances_used": 1, "tasks_on": {"ci-0001": 3}},
        (),
        id="one instance: every draw is the same",
    ),
    pytest.param(
        _run_task(["3xm5.large"], 3, RANDOM),
        {"placed": 3, "unplaced": 0, "instances_used": 2},
        ("the random draw (seed 0): over 12 other seeds, instances_used 1 to 3 (2 here)",),
        id="random: the instance count varies",
    ),
    pytest.param(
        _run_task(["3xm5.large"], 3, RANDOM, seed=5),
        {"placed": 3, "instances_used": 2},
        ("the random draw (seed 5): over 12 other seeds, instances_used 1 to 3 (2 here)",),
        id="random with a seed names the seed",
    ),
    pytest.param(
        _run_task(["2xm5.large"], 1, RANDOM),
        {"placed": 1, "instances_used": 1},
        ("the random draw (seed 0): over 12 other seeds, other instances receive the tasks",),
        id="random: the same counts on other instances",
    ),
    pytest.param(
        _run_task(["3xm5.large"], 3, BINPACK),
        {"placed": 3, "instances_used": 1, "tasks_on": {"ci-0001": 3}},
        (f"{TIES}: over 12 other seeds, other instances receive the tasks",),
        id="binpack's ties go to the first instance listed",
    ),
    pytest.param(
        _run_task(["3xm5.large"], 3, BINPACK, seed=3),
        {"placed": 3, "instances_used": 1, "tasks_on": {"ci-0003": 3}},
        (
            "the order ties are broken in (seed 3): over 12 other seeds, other instances receive "
            "the tasks",
        ),
        id="binpack's ties with a seed",
    ),
    pytest.param(
        _run_task(
            ["3xm5.large@us-east-1a,us-east-1b,us-east-1c"],
            3,
            [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
        ),
        {"instances_used": 3, "instances": ("ci-0001", "ci-0002", "ci-0003")},
        (f"{TIES}: over 12 other seeds, the same instances receive the tasks in another order",),
        id="a spread over zones: one task each, in another order",
    ),
    pytest.param(
        {
            "fleet": ["1xm5.large", "1xm5.large"],
            "tasks": [
                {"taskArn": "a1", "containerInstanceArn": "ci-0001", "group": "service:web"},
                {"taskArn": "b1", "containerInstanceArn": "ci-0002", "group": "service:web"},
            ],
            "updateService": {"service": "web", "desiredCount": 1},
        },
        {"placed": 0, "stopped_on": ("ci-0001",)},
        (f"{TIES}: over 12 other seeds, tasks on other instances stop",),
        id="a scale-in's tie: another task stops",
    ),
    pytest.param(
        _run_task(["200xm5.large"], 1, RANDOM),
        {"placed": 1},
        ("the random draw (seed 0): over 12 other seeds, other instances receive the tasks",),
        id="200 instances are drawn again",
    ),
    pytest.param(
        _run_task(["201xm5.large"], 1, RANDOM),
        {"placed": 1},
        (),
        id="201 instances are not",
    ),
    pytest.param(
        {
            "fleet": ["2xm5.large"],
            "taskDefinition": TINY,
            "createService": {"serviceName": "s", "desiredCount": 100, "placementStrategy": RANDOM},
        },
        {"placed": 100},
        ("the random draw (seed 0): over 12 other seeds, other instances receive the tasks",),
        id="100 tasks are drawn again",
    ),
    pytest.param(
        {
            "fleet": ["2xm5.large"],
            "taskDefinition": TINY,
            "createService": {"serviceName": "s", "desiredCount": 101, "placementStrategy": RANDOM},
        },
        {"placed": 101},
        (),
        id="101 tasks are not",
    ),
]


@pytest.mark.parametrize(("document", "facts", "rests_on"), RUNS)
def test_a_run_its_draws_and_what_it_rests_on(
    document: dict[str, Any], facts: dict[str, Any], rests_on: tuple[str, ...]
) -> None:
    outcome = _run(document)
    assert {name: outcome.facts[name] for name in facts} == facts
    assert outcome.rests_on == rests_on
    assert outcome.result.placements is not None  # the placement result, for the renderer
    assert len(outcome.result.placements) == outcome.facts["placed"]
    if not rests_on:
        assert outcome.draws == ()
        return
    # The other draws are the same scenario with seeds 1 to 12, each run on its own.
    assert len(outcome.draws) == 12
    for seed, draw in enumerate(outcome.draws, start=1):
        again = _run({**document, "seed": seed})
        assert draw.facts == again.facts, seed
        assert draw.notes == again.notes
        assert draw.result.placements == again.result.placements
    assert any(draw.facts != outcome.facts for draw in outcome.draws)


def test_a_fargate_run_is_not_drawn_again() -> None:
    fargate = {
        "family": "f",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "f"}],
    }
    network = {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}
    outcome = _run(
        {
            "fleet": ["2xm5.large"],
            "taskDefinition": fargate,
            "runTask": {"count": 2, "launchType": "FARGATE", "networkConfiguration": network},
        }
    )
    assert (outcome.draws, outcome.rests_on) == ((), ())


def test_the_notes_are_the_runs() -> None:
    outcome = _run({"fleet": ["2xm5.large"], "taskDefinition": SMALL, "runTask": {"count": 1}})
    assert outcome.notes == ("no placement strategy given: the default for RunTask: random",)
    assert all(draw.notes == outcome.notes for draw in outcome.draws)


REFUSED = Outcome(facts={}, refused="runTask.count: must be at least 1, found 0")


@pytest.mark.parametrize(
    ("condition", "refused", "misses"),
    [
        ({"refused": "at least 1"}, True, ()),
        ({}, True, ()),
        (
            {"refused": "at most"},
            True,
            (
                "refused: expected AWS to refuse with 'at most'; it "
                "'runTask.count: must be at least 1, found 0'",
            ),
        ),
        # every other fact is missed once, in one line, whatever it names
        (
            {"placed": 1, "unplaced": 0},
            True,
            ("AWS refuses the input (runTask.count: must be at least 1, found 0)",),
        ),
        (
            {"refused": "at least", "placed": 1},
            True,
            ("AWS refuses the input (runTask.count: must be at least 1, found 0)",),
        ),
        (
            {"refused": "x", "placed": 1},
            True,
            (
                "refused: expected AWS to refuse with 'x'; it "
                "'runTask.count: must be at least 1, found 0'",
                "AWS refuses the input (runTask.count: must be at least 1, found 0)",
            ),
        ),
        (
            {"refused": "x"},
            False,
            ("refused: expected AWS to refuse with 'x'; it accepts the input",),
        ),
        (
            {"refused": "x", "placed": 1},
            False,
            ("refused: expected AWS to refuse with 'x'; it accepts the input",),
        ),
        (
            {"refused": "x", "placed": 2},
            False,
            (
                "refused: expected AWS to refuse with 'x'; it accepts the input",
                "placed: expected 2, the simulator gives 1",
            ),
        ),
        (
            {"placed": 2, "note": "the default for RunTask"},
            False,
            ("placed: expected 2, the simulator gives 1",),
        ),
        ({"placed": 1, "instances_used": 1}, False, ()),
    ],
)
def test_a_condition_with_refused(
    condition: dict[str, Any], refused: bool, misses: tuple[str, ...]
) -> None:
    sim = simulator("placement")
    outcome = (
        REFUSED
        if refused
        else _run({"fleet": ["1xm5.large"], "taskDefinition": SMALL, "runTask": {"count": 1}})
    )
    assert sim.misses(condition, outcome) == misses


def test_a_check_may_name_a_shipped_scenario() -> None:
    from ecsprep.sim.scenario import shipped_scenarios

    shipped = simulator("placement").scenarios()
    assert dict(shipped) == dict(shipped_scenarios())
    assert "static-port-conflict" in shipped
    assert all(path.is_file() for path in shipped.values())
