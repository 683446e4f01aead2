"""The random strategy: a seed replays the same draws (`--seed`), and the draw is uniform among
the instances that pass the filters and constraints.

The pinned runs below are observable output: `ecsprep simulate placement FILE --seed N` prints
these placements, and a change to how the sampler draws changes them. The seeds were chosen
so that the sampler's fallback (after many misses in a row it lists the passing instances and
draws among them) runs with two or more instances still passing.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ecsprep.sim.documents import Where
from ecsprep.sim.placement import PlacementResult, place
from ecsprep.sim.scenario import Overrides, build_scenario


def run(document: dict[str, Any], seed: int) -> PlacementResult:
    scenario = build_scenario({**document, "seed": seed}, Where("random"), Path("."), Overrides())
    return place(scenario)


def number(arn: str) -> int:
    return int(arn.rsplit("/", 1)[-1].removeprefix("ci-"))


# 40 instances that can take one task each (runningTasksCount == 0), 4 too small for the task
# (ci-0041..ci-0044, RESOURCE:MEMORY) and 4 c5.large the attribute constraint excludes
# (ci-0045..ci-0048): both kinds leave the draw for good; a used m5.large fails the
# runningTasksCount constraint and stays in play.
CROWDED: dict[str, Any] = {
    "fleet": ["40xm5.large", "4xt3.micro", "4xc5.large"],
    "taskDefinition": {"family": "r", "containerDefinitions": [{"name": "a", "memory": 2000}]},
    "createService": {
        "serviceName": "r",
        "desiredCount": 40,
        "placementStrategy": [{"type": "random"}],
        "placementConstraints": [
            {"type": "memberOf", "expression": "attribute:ecs.instance-type != c5.large"},
            {"type": "memberOf", "expression": "runningTasksCount == 0"},
        ],
    },
}

# seed -> the instances (ci-00NN) the 40 tasks land on, in order
PINNED = {
    0: "6 26 1 40 32 22 16 21 5 13 37 15 10 35 29 33 7 20 36 19 8 14 39 38 25 12 3 17 31 9 "
    "34 18 27 23 2 24 11 28 4 30",
    62: "39 2 37 38 13 1 10 16 9 7 24 29 32 20 11 22 26 35 25 31 34 5 30 8 15 27 18 17 23 21 "
    "4 36 3 12 19 40 33 28 6 14",
    219: "24 27 6 3 29 40 23 11 22 8 26 25 2 1 15 35 7 19 33 30 12 18 39 38 28 36 16 14 9 10 "
    "5 31 17 20 37 13 21 32 34 4",
    254: "1 25 14 29 36 31 32 12 22 7 21 9 39 40 10 13 33 23 20 38 35 8 6 30 16 37 11 28 18 3 "
    "19 27 2 24 17 26 34 5 15 4",
}


@pytest.mark.parametrize("seed", sorted(PINNED))
def test_a_seed_replays_the_same_draws(seed: int) -> None:
    result = run(CROWDED, seed)
    assert [number(p.instance_arn) for p in result.placements] == [
        int(n) for n in PINNED[seed].split()
    ]
    assert result.unplaced == 0


@pytest.mark.parametrize("seed", sorted(PINNED))
def test_every_draw_meets_the_filters_and_constraints(seed: int) -> None:
    # recomputed from the scenario, not from the sampler: each task on its own m5.large
    used = [number(p.instance_arn) for p in run(CROWDED, seed).placements]
    assert sorted(used) == list(range(1, 41))


def test_one_more_task_than_instances_that_can_take_it_is_unplaced() -> None:
    crowded = {**CROWDED, "createService": {**CROWDED["createService"], "desiredCount": 41}}
    result = run(crowded, 5)
    assert len(result.placements) == 40
    assert result.unplaced == 1
    reasons = Counter(f.reason.value for f in result.failures)
    assert reasons == {
        "MemberOf placement constraint unsatisfied": 44,  # 40 used m5.large, 4 c5.large
        "RESOURCE:MEMORY": 4,
    }


def test_the_draw_is_uniform_among_the_instances_that_pass() -> None:
    """Over 600 seeds the first task lands on each of the 4 instances that can take it about
    equally often (150 expected, standard deviation ~10.6), never on the others."""
    document = {
        # ci-0001..ci-0005 m5.large, ci-0006..ci-0008 t3.micro (too small); ci-0002 excluded
        "fleet": ["5xm5.large", "3xt3.micro"],
        "taskDefinition": {"family": "u", "containerDefinitions": [{"name": "a", "memory": 2000}]},
        "runTask": {
            "count": 1,
            "placementStrategy": [{"type": "random"}],
            "placementConstraints": [
                {"type": "memberOf", "expression": "ec2InstanceId != i-00000000000000002"}
            ],
        },
    }
    chosen = Counter(number(run(document, seed).placements[0].instance_arn) for seed in range(600))
    assert set(chosen) == {1, 3, 4, 5}
    assert all(100 <= n <= 200 for n in chosen.values()), chosen
