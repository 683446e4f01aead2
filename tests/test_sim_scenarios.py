"""Scenario documents and the flags that override them (sim/scenario.py):
tests/cases/scenarios/build.yaml gives each document (and flags) and what it reads as, or the
exact error and hint a user sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.constraints import parse_constraint
from ecsprep.sim.documents import Where
from ecsprep.sim.scenario import (
    Overrides,
    RunningTask,
    Scenario,
    build_scenario,
    load_scenario,
    shipped_scenarios,
)
from ecsprep.sim.strategies import parse_strategy
from ecsprep.sim.taskdef import LaunchType, NetworkMode

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "scenarios" / "build.yaml").read_text("utf-8")
)


def overrides(flags: dict[str, Any], base: Path) -> Overrides:
    given = dict(flags)
    for key in ("fleet", "ports"):
        if key in given:
            given[key] = tuple(given[key])
    if "strategies" in given:
        given["strategies"] = tuple(parse_strategy(text) for text in given["strategies"])
    if "constraints" in given:
        given["constraints"] = tuple(parse_constraint(text) for text in given["constraints"])
    if "launch_type" in given:
        given["launch_type"] = LaunchType(given["launch_type"])
    if "network_mode" in given:
        given["network_mode"] = NetworkMode(given["network_mode"])
    for key in ("task_definition_file", "instances_file"):
        if key in given:
            given[key] = base / given[key]
    return Overrides(**given)


def running(task: RunningTask) -> dict[str, Any]:
    return {
        "host": task.instance_arn.rsplit("/", 1)[-1],
        "arn": task.arn,
        "group": task.group,
        "cpu": task.cpu,
        "memory": task.memory,
        "tcp": sorted(task.ports_tcp),
        "udp": sorted(task.ports_udp),
        "dynamic": task.dynamic,
        "uses_eni": task.uses_eni,
        "protected": task.protected,
        "leaving": task.leaving,
        "pending": task.pending,
        "gpus": task.gpus,
    }


def fields(scenario: Scenario) -> dict[str, Any]:
    request = scenario.request
    return {
        "kind": request.kind.value,
        "count": request.count,
        "group": scenario.group,
        "service_name": request.service_name,
        "strategies": [s.text for s in scenario.strategies],
        "constraints": [c.text for c in scenario.constraints],
        "launch_type": request.launch_type.value,
        "capacity": [c.text for c in request.capacity],
        "daemon": request.daemon,
        "maximum_percent": request.maximum_percent,
        "minimum_healthy_percent": request.minimum_healthy_percent,
        "network_configured": request.network_configured,
        "seed": scenario.seed,
        "ephemeral_range": list(scenario.ephemeral_range),
        "description": scenario.description,
        "instances": [i.short_id for i in scenario.instances],
        "family": scenario.task.family,
        "task_cpu": scenario.task.cpu,
        "task_memory": scenario.task.memory,
        "ports": [
            f"{p.container_port}->{'dynamic' if p.host_port is None else p.host_port}"
            f"/{p.protocol.value}"
            for p in scenario.task.containers[0].ports
        ],
        "tasks": [running(task) for task in scenario.running],
    }


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_scenario_document(case: dict[str, Any], tmp_path: Path) -> None:
    for name, content in case.get("files", {}).items():  # documents the flags name
        (tmp_path / name).write_text(content, "utf-8")
    flags = overrides(case.get("flags", {}), tmp_path)

    def build() -> Scenario:
        return build_scenario(case["scenario"], Where("scenario.yaml"), tmp_path, flags)

    if "error" in case:
        with pytest.raises(InputError) as caught:
            build()
        wanted = case["error"].replace("BASE", str(tmp_path))
        assert (caught.value.message, caught.value.hint) == (wanted, case["hint"])
        return
    got = fields(build())
    for key, wanted in case["read"].items():
        if key == "tasks":  # each running task's listed fields
            assert len(got[key]) == len(wanted)
            for have, want in zip(got[key], wanted, strict=True):
                assert {k: have[k] for k in want} == want
        else:
            assert got[key] == wanted, key


def test_a_scenario_file_names_its_documents_beside_it(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    folder.mkdir()
    (folder / "td.json").write_text(
        '{"family": "api", "containerDefinitions": [{"name": "a", "memory": 300}]}', "utf-8"
    )
    (folder / "fleet.json").write_text(
        '{"containerInstances": [{"containerInstanceArn": "arn:aws:ecs:us-east-1:1:'
        'container-instance/c/x", "registeredResources": [{"name": "CPU", "integerValue": 1024},'
        ' {"name": "MEMORY", "integerValue": 985}]}]}',
        "utf-8",
    )
    path = folder / "two-files.yaml"
    path.write_text(
        "description: named files\ntaskDefinition: td.json\ncontainerInstances: fleet.json\n",
        "utf-8",
    )
    scenario = load_scenario(path, Overrides())
    assert scenario.name == "two-files"
    assert scenario.description == "named files"
    assert scenario.task.family == "api"
    assert [i.short_id for i in scenario.instances] == ["x"]


def test_an_empty_scenario_file_is_the_flags_alone(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", "utf-8")
    scenario = load_scenario(path, Overrides(fleet=("2xt3.small",)))
    assert (scenario.name, scenario.task.family, len(scenario.instances)) == ("empty", "sim", 2)
    flags_only = load_scenario(None, Overrides(fleet=("1xt3.small",), memory=128))
    assert (flags_only.name, flags_only.task.memory) == ("", 128)


def test_a_scenario_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1xm5.large\n", "utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path, Overrides())
    assert caught.value.message == f"{path}: expected a scenario object, found a list"


def test_the_shipped_scenarios_are_found_by_name() -> None:
    shipped = shipped_scenarios()
    assert shipped  # ecsprep ships example scenarios
    for name, path in shipped.items():
        assert path.stem == name
        assert path.suffix in (".yaml", ".yml", ".json")
        assert load_scenario(path, Overrides()).name == name


def test_shipped_scenarios_are_the_yaml_and_json_files_in_name_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ecsprep.data

    folder = tmp_path / "scenarios"
    monkeypatch.setattr(ecsprep.data, "shipped_scenarios_dir", lambda: folder)
    assert shipped_scenarios() == {}  # no folder (a broken install): no scenarios, no crash
    folder.mkdir()
    for name in ("web.yml", "api.yaml", "batch.json", "README.md", "old.yaml.bak"):
        (folder / name).write_text("{}", "utf-8")
    (folder / "drafts.yaml").mkdir()  # a folder, whatever its name
    shipped = shipped_scenarios()
    assert list(shipped) == ["api", "batch", "web"]  # `--list` shows them in this order
    assert shipped["web"] == folder / "web.yml"


def test_a_run_from_flags_alone_names_the_flags_in_its_refusal() -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(None, Overrides(memory=128))  # no --fleet, no --instances
    assert caught.value.message == "(flags): the cluster has no container instances"


def test_a_mistake_in_a_scenario_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lab.yaml"
    path.write_text("fleet: [1xm5.large]\nrunTask: {count: 11}\n", "utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path, Overrides())
    assert caught.value.message.startswith(f"{path} runTask.count: 11: ")


def test_a_cluster_of_100_000_instances_is_the_simulators_most() -> None:
    # docs/simulator.md, "Speed": at most 100,000 container instances (AWS's default quota is
    # 5,000 a cluster); a fleet can't exceed it, a described list of 100,001 is refused
    most = build_scenario({"fleet": ["100000xt3.small"]}, Where("s.yaml"), Path("."), Overrides())
    assert len(most.instances) == 100_000
    resources = [{"name": "CPU", "integerValue": 1024}, {"name": "MEMORY", "integerValue": 985}]
    listed = [
        {
            "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/i{n}",
            "registeredResources": resources,
        }
        for n in range(100_001)
    ]
    with pytest.raises(InputError) as caught:
        build_scenario({"containerInstances": listed}, Where("s.yaml"), Path("."), Overrides())
    assert (caught.value.message, caught.value.hint) == (
        "s.yaml: 100,001 container instances: the simulator takes at most 100,000 (AWS's "
        "default quota is 5,000 container instances per cluster)",
        "give fewer instances",
    )


BAD_INSTANCES = '{"containerInstances": [5]}'
BAD_TASK_DEFINITION = '{"family": "f", "containerDefinitions": [{"name": "a", "memory": "x"}]}'


@pytest.mark.parametrize(
    ("scenario", "flags", "wanted"),
    [
        # the file a flag or the scenario names is the place of its own mistakes
        ({}, {"instances_file": "fleet.json", "memory": 64}, "FILE containerInstances[0]: "),
        ({"fleet": ["1xm5.large"]}, {"task_definition_file": "td.json"}, "FILE containerDef"),
        ({"containerInstances": "fleet.json"}, {}, "FILE containerInstances[0]: "),
        ({"fleet": ["1xm5.large"], "taskDefinition": "td.json"}, {}, "FILE containerDef"),
        # written in the scenario: its place there
        ({"containerInstances": [5]}, {}, "scenario.yaml containerInstances[0]: "),
    ],
)
def test_a_mistake_is_reported_in_the_file_that_holds_it(
    scenario: dict[str, Any], flags: dict[str, Any], wanted: str, tmp_path: Path
) -> None:
    (tmp_path / "fleet.json").write_text(BAD_INSTANCES, "utf-8")
    (tmp_path / "td.json").write_text(BAD_TASK_DEFINITION, "utf-8")
    named = "td.json" if "containerDef" in wanted else "fleet.json"
    with pytest.raises(InputError) as caught:
        build_scenario(scenario, Where("scenario.yaml"), tmp_path, overrides(flags, tmp_path))
    assert caught.value.message.startswith(wanted.replace("FILE", str(tmp_path / named)))


def test_a_value_no_json_holds_is_refused_at_its_place() -> None:
    # a check's scenario comes from a pack's YAML, not from read_document: NaN gets this far
    document = {
        "fleet": ["1xm5.large"],
        "taskDefinition": {"family": "f", "containerDefinitions": [{"name": "a", "memory": 1}]},
        "seed": float("nan"),
    }
    with pytest.raises(InputError) as caught:
        build_scenario(document, Where("scenario.yaml"), Path("."), Overrides())
    assert caught.value.message == (
        "scenario.yaml seed: NaN is not a number AWS accepts (JSON has no NaN)"
    )
