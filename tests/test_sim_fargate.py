"""The Fargate check (sim/fargate.py), its command and its invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.fargate import (
    SIZES,
    WINDOWS_CPU,
    nearest_sizes,
    read_and_check,
    spot_eligible,
    valid_sizes,
)
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "fargate"
BASE = {
    "family": "app",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "app", "image": "app:latest"}],
}


def load_cases() -> list[Any]:
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            cases.append(pytest.param(case, id=case["name"]))
    return cases


@pytest.mark.parametrize("case", load_cases())
def test_documented_rule(case: dict[str, Any]) -> None:
    document = {"taskDefinition": {**BASE, **case["task"]}, **case.get("request", {})}
    facts = read_and_check(document, Where("case.yaml")).facts()
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)


def test_describe_task_definition_output_is_read() -> None:
    described = {"taskDefinition": {**BASE, "compatibilities": ["EC2", "FARGATE"]}}
    del described["taskDefinition"]["requiresCompatibilities"]
    assert read_and_check(described, Where("d.json")).runs


def test_every_refusal_names_its_path() -> None:
    task = {**BASE, "containerDefinitions": [{"name": "a", "image": "a", "privileged": True}]}
    result = read_and_check({"taskDefinition": task}, Where("t.json"))
    (finding,) = result.refusals
    assert finding.where == "taskDefinition.containerDefinitions[0].privileged"


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ({"cpu": "lots"}, "expected a whole number"),
        ({"runtimePlatform": {"operatingSystemFamily": "MACOS"}}, "not an operating system"),
        ({"runtimePlatform": {"cpuArchitecture": "RISCV"}}, "not a CPU architecture"),
        ({"ephemeralStorage": {}}, "sizeInGiB is missing"),
        (
            {"ephemeralStorage": {"sizeInGiB": 30, "kmsKeyId": "alias/x"}},
            'Unknown parameter in ephemeralStorage: "kmsKeyId", must be one of: sizeInGiB',
        ),
        ({"containerDefinitions": None}, "expected a list"),
    ],
)
def test_malformed_input_is_an_input_error(task: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_and_check({"taskDefinition": {**BASE, **task}}, Where("t.json"))


# --- invariants ------------------------------------------------------------------

OS = st.sampled_from(["LINUX", "WINDOWS_SERVER_2022_CORE"])


@given(st.integers(1, 40000), st.integers(1, 200000), OS)
def test_nearest_sizes_are_valid_and_cover_the_request(cpu: int, memory: int, os: str) -> None:
    valid = set(valid_sizes(os))
    nearest = nearest_sizes(cpu, memory, os)
    assert nearest
    assert all(size in valid for size in nearest)
    biggest = max(valid, key=lambda s: (s.cpu, s.memory))
    if cpu <= biggest.cpu and memory <= biggest.memory:
        assert all(s.cpu >= cpu and s.memory >= memory for s in nearest)
        # no other valid size covers the request and is no bigger in both
        for size in nearest:
            assert not any(
                o != size and cpu <= o.cpu <= size.cpu and memory <= o.memory <= size.memory
                for o in valid
            )


@given(st.sampled_from(sorted(SIZES)), st.integers(0, 40), OS)
def test_valid_sizes_run_and_invalid_sizes_name_nearest(cpu: int, step: int, os: str) -> None:
    memory = 512 * (step + 1)
    task = {**BASE, "cpu": str(cpu), "memory": str(memory)}
    task["runtimePlatform"] = {"operatingSystemFamily": os}
    result = read_and_check({"taskDefinition": task}, Where("t"))
    in_table = memory in SIZES[cpu] and (os == "LINUX" or cpu in WINDOWS_CPU)
    assert result.facts()["valid_size"] is in_table
    assert bool(result.nearest) is not in_table


@pytest.mark.parametrize(
    ("os", "arch", "platform", "eligible"),
    [
        # fargate-capacity-providers.html: "If you use Fargate Spot, your task must use
        # platform version 1.3.0 or later (for Linux)"; ARM64 tasks on 1.4.0; no Windows
        ("LINUX", "X86_64", "1.3.0", True),
        ("LINUX", "X86_64", "1.4.0", True),
        ("LINUX", "X86_64", "1.2.0", False),
        ("LINUX", "ARM64", "1.3.0", False),
        ("LINUX", "ARM64", "1.4.0", True),
        ("LINUX", "X86_64", "", False),  # no platform: the launch was refused
        ("WINDOWS_SERVER_2019_CORE", "X86_64", "1.0.0", False),
        ("WINDOWS_SERVER_2022_FULL", "X86_64", "1.4.0", False),
    ],
)
def test_spot_eligibility_follows_the_documented_rule(
    os: str, arch: str, platform: str, eligible: bool
) -> None:
    assert spot_eligible(os, arch, platform) is eligible


# --- the command -----------------------------------------------------------------

runner = CliRunner()


def test_command_refuses_with_exit_2_and_names_the_nearest_size() -> None:
    result = runner.invoke(
        app, ["simulate", "fargate", "--cpu", "256", "--memory", "4096"], env={"COLUMNS": "100"}
    )
    assert result.exit_code == 2
    assert "Invalid 'cpu' setting for task" in result.stdout
    assert "Nearest valid sizes: 512 CPU units (0.5 vCPU), 4096 MiB (4 GB)" in result.stdout


def test_command_json_for_a_file(tmp_path: Path) -> None:
    path = tmp_path / "td.json"
    path.write_text(json.dumps({**BASE, "runtimePlatform": {"cpuArchitecture": "ARM64"}}))
    result = runner.invoke(app, ["simulate", "fargate", str(path), "--spot", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["runs"] is True
    assert data["uses_spot"] is True
    assert data["findings"][-1]["rule"] == "FARGATE_SPOT"


@pytest.mark.parametrize(
    ("document", "flags", "words"),
    [
        ({"taskDefinition": "td.json"}, [], "taskDefinition: expected an object, found the string"),
        (
            {"taskDefinition": {**BASE, "runtimePlatform": "LINUX"}},
            ["--os", "LINUX"],
            "taskDefinition.runtimePlatform: expected an object",
        ),
        ({"taskDefinition": BASE, "runTask": [1]}, ["--spot"], "runTask: expected an object"),
        (
            {"taskDefinition": BASE, "createService": "x"},
            ["--platform-version", "1.4.0"],
            "createService: expected an object",
        ),
    ],
)
def test_command_refuses_a_block_that_isnt_an_object_even_with_flags(
    document: dict[str, Any], flags: list[str], words: str, tmp_path: Path
) -> None:
    """Never a traceback: the reader names the place, also when flags add to the block."""
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(app, ["simulate", "fargate", str(path), *flags])
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())


def test_command_refuses_a_misspelt_request_key_in_a_scenario_file(tmp_path: Path) -> None:
    """`runtask:` would otherwise drop the request silently: the launch shown would be the
    default one, not the file's (with flags too, which rewrite the scenario)."""
    path = tmp_path / "scenario.yaml"
    path.write_text(json.dumps({"taskDefinition": BASE, "runtask": {"launchType": "EC2"}}))
    for flags in ([], ["--cpu", "512", "--memory", "1024"]):
        result = runner.invoke(app, ["simulate", "fargate", str(path), *flags])
        assert result.exit_code == 2, result.output
        assert "scenario.yaml runtask: unknown key 'runtask'" in result.stderr
        assert "did you mean 'runTask'?" in result.stderr


def test_command_reads_describe_task_definition_output_with_its_tags(tmp_path: Path) -> None:
    path = tmp_path / "described.json"
    path.write_text(json.dumps({"taskDefinition": BASE, "tags": [{"key": "team", "value": "a"}]}))
    for flags in ([], ["--spot"]):
        result = runner.invoke(app, ["simulate", "fargate", str(path), *flags])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("document", "path"),
    [
        # a describe-task-definition output as a scenario's task definition
        (
            {"taskDefinition": {"taskDefinition": {**BASE, "cpu": "lots"}}},
            "taskDefinition.taskDefinition.cpu",
        ),
        ({"taskDefinition": {**BASE, "memory": "lots"}}, "taskDefinition.memory"),
    ],
)
def test_a_checks_refusal_names_the_place(document: dict[str, Any], path: str) -> None:
    with pytest.raises(InputError) as caught:
        read_and_check(document, Where("q.yaml"))
    assert str(caught.value) == f"q.yaml {path}: expected a whole number, found the string 'lots'"


@pytest.mark.parametrize(
    ("request_", "launched", "uses_spot"),
    [
        # a lone provider with neither base nor weight takes every task (docs/fargate.md, INF)
        (
            {"createService": {"capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT"}]}},
            "Launched by createService with capacity provider strategy FARGATE_SPOT "
            "(base 0, weight 1), platform LATEST",
            True,
        ),
        # a lone provider with a base keeps it, and its weight of 0
        (
            {"runTask": {"capacityProviderStrategy": [{"capacityProvider": "FARGATE", "base": 2}]}},
            "Launched by runTask with capacity provider strategy FARGATE (base 2, weight 0), "
            "platform LATEST",
            False,
        ),
        # a weight left out is 0 (API_CapacityProviderStrategyItem): Spot takes no task
        (
            {
                "createService": {
                    "capacityProviderStrategy": [
                        {"capacityProvider": "FARGATE_SPOT"},
                        {"capacityProvider": "FARGATE", "weight": 1},
                    ]
                }
            },
            "Launched by createService with capacity provider strategy FARGATE_SPOT "
            "(base 0, weight 0), FARGATE (base 0, weight 1), platform LATEST",
            False,
        ),
        ({}, "Launched by runTask with launch type FARGATE, platform LATEST", False),
    ],
)
def test_command_shows_how_the_task_is_launched(
    request_: dict[str, Any], launched: str, uses_spot: bool, tmp_path: Path
) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"taskDefinition": BASE, **request_}))
    text = runner.invoke(app, ["simulate", "fargate", str(path)], env={"COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    assert launched in text.stdout
    data = json.loads(
        runner.invoke(app, ["simulate", "fargate", str(path), "--format", "json"]).stdout
    )
    assert data["uses_spot"] is uses_spot


def test_command_without_input_explains() -> None:
    result = runner.invoke(app, ["simulate", "fargate"])
    assert result.exit_code == 2
    assert "no task definition given" in result.output


def test_command_bad_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "td.json"
    path.write_text('{"family": "x"}')
    result = runner.invoke(app, ["simulate", "fargate", str(path)])
    assert result.exit_code == 2
    assert "containerDefinitions is missing" in result.output


GOLDEN = Path(__file__).parent / "golden" / "simulate_fargate_windows.txt"


def test_golden_windows_rendering() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "fargate",
            "--cpu",
            "512",
            "--memory",
            "1024",
            "--os",
            "WINDOWS_SERVER_2019_CORE",
        ],
        env={"COLUMNS": "100"},
    )
    assert result.exit_code == 2
    assert result.stdout == GOLDEN.read_text()


def test_command_names_a_missing_network_mode_as_ec2s_default(tmp_path: Path) -> None:
    path = tmp_path / "td.json"
    path.write_text(json.dumps({k: v for k, v in BASE.items() if k != "networkMode"}))
    result = runner.invoke(app, ["simulate", "fargate", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "network mode (none: bridge)" in result.stdout
