"""ENI trunking: how many awsvpc tasks an instance runs with the `ecs.awsvpc-trunk-id`
attribute, against the developer guide's table (tests/cases/instances/trunking.yaml holds a
sample of its rows), read from describe-container-instances output and seen in
`ecsprep simulate placement`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from ecsprep.sim.documents import Where
from ecsprep.sim.instances import parse_fleet, read_instances
from ecsprep.ui import simulate

ROWS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "instances" / "trunking.yaml").read_text("utf-8")
)


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """ecsprep"""

    simulate.register(app)
    return app


def described(type_name: str, *, trunked: bool) -> dict[str, Any]:
    attributes = [
        {"name": "ecs.instance-type", "value": type_name},
        {"name": "ecs.capability.task-eni"},
    ]
    if trunked:
        attributes.append({"name": "ecs.awsvpc-trunk-id", "value": "a6148e89-0416-415d"})
    return {
        "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{type_name}",
        "registeredResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": 98304},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 380000},
        ],
        "attributes": attributes,
    }


@pytest.mark.parametrize("row", ROWS, ids=[row["type"] for row in ROWS])
def test_task_limit_of_a_trunked_instance(row: dict[str, Any]) -> None:
    document = {"containerInstances": [described(row["type"], trunked=True)]}
    (instance,) = read_instances(document, Where("instances.json"))
    assert instance.trunked
    assert instance.task_eni_limit == row["trunked"]


@pytest.mark.parametrize("row", [r for r in ROWS if "untrunked" in r], ids=lambda r: str(r["type"]))
def test_task_limit_without_trunking(row: dict[str, Any]) -> None:
    """The same type without the trunk attribute: its ENIs less the primary one, whether
    described or made up by --fleet."""
    (instance,) = read_instances([described(row["type"], trunked=False)], Where("i.json"))
    (made,) = parse_fleet([f"1x{row['type']}"])
    assert not instance.trunked
    assert not made.trunked
    assert instance.task_eni_limit == made.task_eni_limit == row["untrunked"]


def place(tmp_path: Path, type_name: str, tasks: int) -> dict[str, Any]:
    scenario = {
        "containerInstances": [described(type_name, trunked=True)],
        "taskDefinition": {
            "family": "v",
            "networkMode": "awsvpc",
            "containerDefinitions": [{"name": "a", "memory": 64}],
        },
        "createService": {
            "serviceName": "v",
            "desiredCount": tasks,
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}},
        },
    }
    path = tmp_path / "trunk.yaml"
    path.write_text(yaml.safe_dump(scenario), "utf-8")
    result = CliRunner().invoke(
        make_app(),
        ["simulate", "placement", str(path), "--format", "json"],
        env={"ECSPREP_HOME": str(tmp_path / "home")},
    )
    assert result.exit_code == 0, result.output
    simulation: dict[str, Any] = json.loads(result.stdout)
    return simulation


@pytest.mark.parametrize(
    ("type_name", "limit"),
    [("m5.16xlarge", 120), ("r5a.8xlarge", 60), ("c5.12xlarge", 60), ("a1.xlarge", 20)],
)
def test_placement_stops_at_the_trunked_task_limit(
    tmp_path: Path, type_name: str, limit: int
) -> None:
    """One task more than the limit: the last one fails with RESOURCE:ENI."""
    out = place(tmp_path, type_name, limit + 1)
    assert (out["simulation"]["placed"], out["simulation"]["unplaced"]) == (limit, 1)
    assert [f["reason"] for f in out["failures"]] == ["RESOURCE:ENI"]


@pytest.mark.parametrize("type_name", ["r5.8xlarge", "m5.metal", "c5n.large"])
def test_a_trunked_type_the_page_does_not_support_has_no_modelled_limit(
    tmp_path: Path, type_name: str
) -> None:
    out = place(tmp_path, type_name, 15)
    assert out["simulation"]["placed"] == 15
    assert "ENI limit not modelled for instances of unknown type" in out["simulation"]["notes"]
