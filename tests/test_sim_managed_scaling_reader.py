"""What the managed-scaling reader (sim/managed_scaling_input.py) hands the run: the parts of a
scenario no fact shows (the group's name, the cluster's providers, ecs.config's pairs, an absent
description or instance size)."""

from __future__ import annotations

from typing import Any

import pytest

from ecsprep.sim.documents import Where
from ecsprep.sim.managed_scaling_input import read_setup


def _scenario(**more: Any) -> dict[str, Any]:
    return {
        "capacityProvider": {
            "name": "cp",
            "autoScalingGroupProvider": {"autoScalingGroupArn": "a"},
        },
        "autoScalingGroup": {"AutoScalingGroupName": "asg-web"},
        **more,
    }


def test_what_a_minimal_scenario_leaves_out() -> None:
    """No cluster: the provider is its one provider; no instanceResources: 0 CPU and memory
    ("not given"); no description: none."""
    setup = read_setup(_scenario(), Where("s.yaml"))
    assert setup.group.name == "asg-web"
    assert setup.cluster == ("cp",)
    assert (setup.instance_cpu, setup.instance_memory) == (0, 0)
    assert setup.description == ""
    assert setup.ecs_config == ()


def test_the_cluster_as_described() -> None:
    cluster = {
        "clusterName": "web",
        "capacityProviders": ["FARGATE", "cp"],
        "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}],
    }
    setup = read_setup(_scenario(cluster=cluster), Where("s.yaml"))
    assert setup.cluster == ("FARGATE", "cp")


@pytest.mark.parametrize(
    ("given", "pairs"),
    [
        # ecs.config is an environment file: the first = ends the key, the rest is the value.
        (
            'ECS_CLUSTER = web\n# a comment\n\nECS_INSTANCE_ATTRIBUTES={"stack": "a=b"}',
            (("ECS_CLUSTER", "web"), ("ECS_INSTANCE_ATTRIBUTES", '{"stack": "a=b"}')),
        ),
        # As a mapping, YAML's booleans are the agent's words (true, false); other values are
        # kept as written.
        (
            {"ECS_ENABLE_SPOT_INSTANCE_DRAINING": True, "ECS_CLUSTER": "Web", "ECS_X": False},
            (
                ("ECS_ENABLE_SPOT_INSTANCE_DRAINING", "true"),
                ("ECS_CLUSTER", "Web"),
                ("ECS_X", "false"),
            ),
        ),
        ({"ECS_RESERVED_MEMORY": 256}, (("ECS_RESERVED_MEMORY", "256"),)),
    ],
)
def test_ecs_config_pairs(given: object, pairs: tuple[tuple[str, str], ...]) -> None:
    assert read_setup(_scenario(ecsConfig=given), Where("s.yaml")).ecs_config == pairs
