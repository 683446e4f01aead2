"""Capacity provider strategies: base first, then weights (sim/capacity.py and its command)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.capacity import CapacityItem, read_capacity_strategy, split_tasks
from ecsprep.sim.documents import Where
from ecsprep.sim.placement import place
from ecsprep.sim.scenario import Overrides, build_scenario
from ecsprep.ui.app import app


def items(*specs: tuple[str, int, int]) -> tuple[CapacityItem, ...]:
    return tuple(CapacityItem(name, base, weight) for name, base, weight in specs)


# (strategy, count, tasks per provider, rounded). The first four are the documented examples.
SPLITS: list[tuple[tuple[CapacityItem, ...], int, dict[str, int], bool]] = [
    (
        items(("FARGATE", 2, 1), ("FARGATE_SPOT", 0, 3)),
        10,
        {"FARGATE": 4, "FARGATE_SPOT": 6},
        False,
    ),
    (items(("a", 0, 1), ("b", 0, 1)), 8, {"a": 4, "b": 4}, False),
    (items(("a", 0, 1), ("b", 0, 4)), 10, {"a": 2, "b": 8}, False),
    (items(("od", 3, 1), ("spot", 0, 2)), 9, {"od": 5, "spot": 4}, False),
    (items(("a", 2, 1), ("b", 0, 3)), 1, {"a": 1, "b": 0}, False),  # the base isn't met yet
    (items(("a", 2, 0), ("b", 0, 1)), 6, {"a": 2, "b": 4}, False),  # weight 0: its base only
    (
        items(
            ("only", 0, 0),
        ),
        5,
        {"only": 5},
        False,
    ),  # a lone provider takes every task
    (items(("a", 0, 1), ("b", 0, 1)), 7, {"a": 4, "b": 3}, True),  # INF: ties to the first
    (items(("a", 0, 1), ("b", 0, 2)), 4, {"a": 1, "b": 3}, True),  # 1.33/2.67: largest remainder
    (items(("a", 0, 1), ("b", 0, 1)), 0, {"a": 0, "b": 0}, False),
]


@pytest.mark.parametrize(("strategy", "count", "tasks", "rounded"), SPLITS)
def test_split(
    strategy: tuple[CapacityItem, ...], count: int, tasks: dict[str, int], rounded: bool
) -> None:
    result = split_tasks(strategy, count)
    assert result.tasks() == tasks
    assert result.rounded is rounded


STRATEGIES = st.lists(
    st.tuples(st.integers(0, 20), st.integers(0, 10)), min_size=1, max_size=6
).map(
    lambda pairs: tuple(
        CapacityItem(f"cp{n}", base if n == 0 else 0, weight)
        for n, (base, weight) in enumerate(pairs)
    )
)


@given(STRATEGIES, st.integers(0, 200))
def test_split_invariants(strategy: tuple[CapacityItem, ...], count: int) -> None:
    result = split_tasks(strategy, count)
    assert sum(result.tasks().values()) == count
    first = result.shares[0]
    assert first.from_base == min(strategy[0].base, count)
    weighted = any(item.weight for item in strategy)
    for share in result.shares:
        assert abs(Fraction(share.by_weight) - share.exact) < 1  # rounding moves less than a task
        if weighted and share.item.weight == 0:
            assert share.by_weight == 0


def test_fargate_and_spot_are_fargate() -> None:
    assert split_tasks(items(("FARGATE", 0, 1), ("FARGATE_SPOT", 0, 1)), 2).fargate
    assert not split_tasks(
        items(
            ("cp-a", 0, 1),
        ),
        2,
    ).fargate


BAD: list[tuple[Any, str]] = [
    ([], "the strategy is empty"),
    (
        [{"capacityProvider": "a", "base": 1}, {"capacityProvider": "b", "base": 2, "weight": 1}],
        "a and b both set a base",
    ),
    ([{"capacityProvider": "a"}, {"capacityProvider": "b"}], "every weight is 0"),
    (
        [{"capacityProvider": "FARGATE", "weight": 1}, {"capacityProvider": "cp-asg", "weight": 1}],
        "mixes Fargate and Auto Scaling group capacity providers",
    ),
    (
        [{"capacityProvider": "a", "weight": 1}, {"capacityProvider": "a", "weight": 2}],
        "a is listed twice",
    ),
    ([{"capacityProvider": f"cp{n}", "weight": 1} for n in range(21)], "at most 20"),
    ([{"capacityProvider": "a", "wieght": 1}], "unknown key 'wieght'"),
    ([{"weight": 1}], "capacityProvider is missing"),
    ([{"capacityProvider": "a", "weight": 1001}], "above the maximum of 1000"),
    ([{"capacityProvider": "a", "base": -1}], "must be at least 0"),
    ({"capacityProvider": "a"}, "expected a list of capacity provider strategy items"),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_strategies_aws_would_reject(data: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_capacity_strategy(data, Where("req.json", "capacityProviderStrategy"))


# --- in a placement scenario ----------------------------------------------------

FARGATE_TASK = {
    "family": "web",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "web", "image": "nginx"}],
}


def scenario(request: dict[str, Any]) -> Any:
    document = {"taskDefinition": FARGATE_TASK, "createService": request}
    return build_scenario(document, Where("s.yaml"), Path.cwd(), Overrides())


def test_a_fargate_strategy_runs_as_fargate_and_notes_the_split() -> None:
    result = place(
        scenario(
            {
                "serviceName": "web",
                "desiredCount": 10,
                "capacityProviderStrategy": [
                    {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
                    {"capacityProvider": "FARGATE_SPOT", "weight": 3},
                ],
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
            }
        )
    )
    assert result.fargate
    assert any("4 on FARGATE, 6 on FARGATE_SPOT" in note for note in result.notes)


def test_launch_type_and_strategy_together_get_awss_error() -> None:
    with pytest.raises(InputError, match="Specifying both a launch type and capacity provider"):
        scenario(
            {
                "serviceName": "web",
                "launchType": "FARGATE",
                "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}],
            }
        )


def test_auto_scaling_group_providers_need_instances_that_name_them() -> None:
    document: dict[str, Any] = {
        "fleet": ["2xm5.large"],  # no provider named
        "taskDefinition": {"family": "web", "containerDefinitions": [{"name": "w", "memory": 256}]},
        "createService": {
            "serviceName": "web",
            "desiredCount": 2,
            "capacityProviderStrategy": [{"capacityProvider": "cp-asg", "weight": 1}],
        },
    }
    with pytest.raises(InputError) as caught:
        build_scenario(document, Where("s.yaml"), Path.cwd(), Overrides())
    assert "no container instance names its capacity provider" in str(caught.value)
    assert caught.value.hint is not None
    assert "capacityProviderName" in caught.value.hint
    document["fleet"] = ["1xm5.large:cp-asg", "1xm5.large:other"]
    result = place(build_scenario(document, Where("s.yaml"), Path.cwd(), Overrides()))
    assert [p.instance_arn[-7:] for p in result.placements] == ["ci-0001", "ci-0001"]
    assert result.providers == (("cp-asg", 2),)


# --- the command --------------------------------------------------------------

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["simulate", "capacity", *args])


def test_capacity_text_shows_base_then_weights() -> None:
    result = invoke(
        "--provider",
        "FARGATE:base=2:weight=1",
        "--provider",
        "FARGATE_SPOT:weight=3",
        "--count",
        "10",
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "1. Base first: FARGATE gets 2 (8 left for the weights)." in out
    assert "2. Weights 1:3 share the 8: FARGATE 8×1/4 = 2, FARGATE_SPOT 8×3/4 = 6." in out
    assert "Not whole numbers" not in out
    assert "Each task then runs on Fargate." in out


def test_capacity_json_from_a_create_service_request(tmp_path: Path) -> None:
    request = tmp_path / "create-service.json"
    request.write_text(
        json.dumps(
            {
                "serviceName": "web",
                "desiredCount": 9,
                "capacityProviderStrategy": [
                    {"capacityProvider": "cp-ondemand", "base": 3, "weight": 1},
                    {"capacityProvider": "cp-spot", "weight": 2},
                ],
            }
        )
    )
    result = invoke(str(request), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["tasks"] == {"cp-ondemand": 5, "cp-spot": 4}
    assert data["remainingAfterBase"] == 6
    assert data["shares"][1] == {
        "capacityProvider": "cp-spot",
        "fromBase": 0,
        "byWeight": 4,
        "exactWeightedShare": "4",
        "tasks": 4,
    }


def test_capacity_rounding_is_labelled() -> None:
    result = invoke("--provider", "a:weight=1", "--provider", "b,weight=1", "--count", "7")
    assert result.exit_code == 0, result.output
    assert "a 7×1/2 = 3.50" in result.stdout
    assert "AWS doesn't document its rounding" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "a:base=1", "--provider", "b:base=2", "--count", "3"], "both set a base"),
        (["--provider", "a:wait=1", "--count", "3"], "'wait=1' is not base=N or weight=N"),
        (["--provider", "a:weight=1"], "how many tasks? give --count N"),
        ([], "no strategy given"),
    ],
)
def test_capacity_errors(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_launch_type_flag_with_a_strategy_in_the_file(tmp_path: Path) -> None:
    from ecsprep.sim.scenario import load_scenario
    from ecsprep.sim.taskdef import LaunchType

    path = tmp_path / "s.json"
    strategy = [{"capacityProvider": "FARGATE", "weight": 1}]
    path.write_text(
        json.dumps(
            {
                "taskDefinition": FARGATE_TASK,
                "runTask": {"count": 2, "capacityProviderStrategy": strategy},
            }
        )
    )
    with pytest.raises(InputError, match=r"^--launch-type: Specifying both"):
        load_scenario(path, Overrides(launch_type=LaunchType.EC2))
