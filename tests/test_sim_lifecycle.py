"""The lifecycle simulator: documented examples, invariants, the command.

Case files: tests/cases/lifecycle/*.yaml, each a list of {name, doc, scenario, facts (and
notes: words some note holds; all_notes: every note; events: the whole timeline) | refused
(the place and words of the refusal) and hint}.
Golden text: tests/golden/simulate_lifecycle.txt (regenerate with ECSPREP_REGOLD=1).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.lifecycle import read_scenario, simulate
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "lifecycle"
GOLDEN = Path(__file__).parent / "golden"


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            found.append(pytest.param(case, id=case["name"]))
    return found


@pytest.mark.parametrize("case", _cases())
def test_lifecycle_documented(case: dict[str, Any]) -> None:
    assert case.get("doc"), "every case names the AWS page that says so"
    if "refused" in case:
        with pytest.raises(InputError) as raised:
            read_scenario(case["scenario"], Where("case"))
        assert case["refused"] in str(raised.value)
        if "hint" in case:  # how to fix it, as the command shows it
            assert raised.value.hint == case["hint"]
        return
    run = simulate(read_scenario(case["scenario"], Where("case")))
    facts = run.facts()
    for name, value in case["facts"].items():
        assert facts[name] == value, f"{name}: {facts[name]!r} != {value!r}"
    for words in case.get("notes", ()):  # words each of some note of the run holds
        assert any(words in note for note in run.notes), (words, run.notes)
    if "all_notes" in case:  # every note of the run, in order
        assert list(run.notes) == case["all_notes"]
    if "events" in case:  # the whole timeline, "AT WHO: WHAT", "(INF)" when inferred
        assert [
            f"{e.at} {e.container or 'task'}: {e.what}" + (" (INF)" if e.inferred else "")
            for e in run.events
        ] == case["events"]


def test_dependency_cycle_is_refused() -> None:
    document = {
        "taskDefinition": {
            "containerDefinitions": [
                {
                    "name": "a",
                    "image": "a",
                    "dependsOn": [{"containerName": "b", "condition": "START"}],
                },
                {
                    "name": "b",
                    "image": "b",
                    "dependsOn": [{"containerName": "a", "condition": "START"}],
                },
            ]
        }
    }
    with pytest.raises(InputError, match="dependsOn forms a cycle"):
        read_scenario(document, Where("case"))


def test_unknown_behaviour_key_names_the_keys() -> None:
    document = {
        "taskDefinition": {"containerDefinitions": [{"name": "a", "image": "a"}]},
        "behaviour": {"a": {"exitAfter": 3}},
    }
    with pytest.raises(InputError, match="unknown key 'exitAfter'"):
        read_scenario(document, Where("case"))


# --- invariants ------------------------------------------------------------------------------


@st.composite
def _scenarios(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    essential = [draw(st.booleans()) for _ in range(count)]
    essential[draw(st.integers(0, count - 1))] = True
    healthy = [draw(st.booleans()) for _ in range(count)]
    containers: list[dict[str, Any]] = []
    behaviour: dict[str, Any] = {}
    for n in range(count):
        name = f"c{n}"
        body: dict[str, Any] = {"name": name, "image": name, "essential": essential[n]}
        if healthy[n]:
            body["healthCheck"] = {"command": ["CMD", "x"], "interval": 5, "retries": 2}
        depends = []
        for target in range(n):  # only on earlier containers: no cycles
            if not draw(st.booleans()):
                continue
            allowed = ["START"] + (["HEALTHY"] if healthy[target] else [])
            allowed += [] if essential[target] else ["COMPLETE", "SUCCESS"]
            depends.append(
                {"containerName": f"c{target}", "condition": draw(st.sampled_from(allowed))}
            )
        if depends:
            body["dependsOn"] = depends
        if draw(st.booleans()):
            body["stopTimeout"] = draw(st.integers(1, 60))
        containers.append(body)
        behaviour[name] = {
            "exitsAfter": draw(st.none() | st.integers(0, 200)),
            "exitCode": draw(st.sampled_from([0, 1])),
            "healthyAfter": draw(st.sampled_from([0, 20, "never"])),
            "onSigterm": draw(st.sampled_from(["exit", "ignore"])),
            "shutdownSeconds": draw(st.integers(0, 40)),
        }
    document: dict[str, Any] = {
        "taskDefinition": {"containerDefinitions": containers},
        "behaviour": behaviour,
        "until": 600,
    }
    if draw(st.booleans()):
        document["stopTask"] = {"at": draw(st.integers(0, 300))}
    if draw(st.booleans()):
        document["service"] = True
    return document


def _exits(run: Any) -> dict[str, int]:
    return {e.container: e.at for e in run.events if e.what.startswith("exited")}


@settings(max_examples=150, deadline=None)
@given(_scenarios())
def test_lifecycle_invariants(document: dict[str, Any]) -> None:
    scenario = read_scenario(document, Where("h"))
    run = simulate(scenario)
    exits = _exits(run)
    for container in scenario.containers:
        started = run.started_at.get(container.name)
        for target, condition in container.depends_on:
            if started is None:
                continue
            # No container starts before its dependency has started …
            assert target in run.started_at
            assert run.started_at[target] <= started
            # … and a COMPLETE or SUCCESS dependency has exited (SUCCESS with code 0).
            if condition.value in ("COMPLETE", "SUCCESS"):
                assert exits[target] <= started
            if condition.value == "SUCCESS":
                assert run.exit_codes[target] == 0
    # Every container that stopped has an exit code, and every exit code belongs to a start.
    assert set(exits) == set(run.exit_codes) <= set(run.started_at)
    if run.task_stopped:
        assert set(run.exit_codes) == set(run.started_at)
    # A task stops when an essential container exits.
    if any(c.essential and c.name in run.exit_codes for c in scenario.containers):
        assert run.stop_began_at is not None
        assert run.task_stopped
    # SIGKILL only after the stop timeout has run out.
    for name in run.killed:
        assert run.exit_codes[name] == 137
        assert run.stop_began_at is not None
        assert exits[name] - run.stop_began_at >= run.stop_timeouts[name]


# --- the command -----------------------------------------------------------------------------

SCENARIO = """\
description: A task with a database, a migration and an app that ignores SIGTERM.
taskDefinition:
  family: shop
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: "512"
  memory: "1024"
  volumes:
    - {name: scratch}
    - {name: shared, efsVolumeConfiguration: {fileSystemId: fs-12345678}}
  containerDefinitions:
    - name: db
      image: postgres
      healthCheck: {command: [CMD-SHELL, pg_isready], interval: 5, retries: 3}
      mountPoints: [{sourceVolume: shared, containerPath: /data}]
    - name: migrate
      image: migrate
      essential: false
      dependsOn: [{containerName: db, condition: HEALTHY}]
    - name: app
      image: app
      stopTimeout: 10
      dependsOn: [{containerName: migrate, condition: SUCCESS}]
      mountPoints: [{sourceVolume: scratch, containerPath: /scratch}]
    - name: helper
      image: helper
      dependsOn: [{containerName: db, condition: START}]
      linuxParameters: {initProcessEnabled: true}
behaviour:
  db: {healthyAfter: 10}
  migrate: {exitsAfter: 5}
  app: {onSigterm: ignore}
  helper: {memory: [{at: 0, mib: 100}]}
stopTask: {at: 60}
"""


def _scenario(tmp_path: Path, text: str = SCENARIO) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ECSPREP_REGOLD") == "1":
        path.write_text(text)
    assert text == path.read_text()


def test_lifecycle_command_text(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "lifecycle", str(_scenario(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "app will get SIGKILL" not in result.output  # the timeline names the container once
    _golden("simulate_lifecycle.txt", result.output)


def test_lifecycle_command_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["simulate", "lifecycle", str(_scenario(tmp_path)), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    facts = data["facts"]
    assert facts["start_order"] == ["db", "helper", "migrate", "app"]
    assert facts["killed"] == ["app"]
    assert facts["exit_codes"]["app"] == 137
    assert facts["stopped_at"] == 70
    assert facts["lost_at_stop"] == ["scratch"]
    assert data["events"][0] == {"at": 0, "container": "db", "what": "started", "inferred": False}


def test_lifecycle_command_marks_inferred_events(tmp_path: Path) -> None:
    text = (
        "taskDefinition:\n  containerDefinitions:\n    - {name: db, image: db}\n"
        "    - {name: app, image: app, dependsOn: [{containerName: db, condition: HEALTHY}]}\n"
    )
    path = _scenario(tmp_path, text)
    result = CliRunner().invoke(app, ["simulate", "lifecycle", str(path)])
    assert result.exit_code == 0, result.output
    assert "app INF can never start" in " ".join(result.output.split())
    assert "Task (no family) on EC2, a standalone task" in result.output
    data = json.loads(
        CliRunner().invoke(app, ["simulate", "lifecycle", str(path), "--format", "json"]).output
    )
    assert any(e["inferred"] for e in data["events"])


def test_lifecycle_command_task_definition_flag(tmp_path: Path) -> None:
    taskdef = tmp_path / "taskdef.json"
    taskdef.write_text(
        json.dumps(
            {
                "taskDefinition": {
                    "family": "web",
                    "containerDefinitions": [{"name": "web", "image": "nginx", "stopTimeout": 5}],
                }
            }
        )
    )
    args = ["simulate", "lifecycle", "--task-definition", str(taskdef), "--launch-type", "ec2"]
    result = CliRunner().invoke(app, [*args, "--stop-at", "20", "--format", "json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)["facts"]
    assert facts["stop_began_at"] == 20
    assert facts["stop_code"] == "UserInitiated"
    assert facts["stop_timeouts"] == {"web": 5}


def test_lifecycle_command_refusal(tmp_path: Path) -> None:
    text = (
        "taskDefinition:\n  containerDefinitions:\n    - {name: init, image: init}\n"
        "    - {name: app, image: app, dependsOn: [{containerName: init, condition: SUCCESS}]}\n"
    )
    result = CliRunner().invoke(app, ["simulate", "lifecycle", str(_scenario(tmp_path, text))])
    assert result.exit_code == 2
    assert "this condition can't be set on an essential container" in result.output
    assert "Traceback" not in result.output


def test_lifecycle_command_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "lifecycle"])
    assert result.exit_code == 2
    assert "no task definition given" in result.output
    result = CliRunner().invoke(
        app, ["simulate", "lifecycle", str(_scenario(tmp_path)), "--format", "xml"]
    )
    assert result.exit_code == 2
    assert "use text or json" in result.output
    missing = tmp_path / "nope.yaml"
    result = CliRunner().invoke(app, ["simulate", "lifecycle", str(missing)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_lifecycle_command_help() -> None:
    result = CliRunner().invoke(app, ["simulate", "lifecycle", "--help"])
    assert result.exit_code == 0
    assert "ecsprep simulate lifecycle scenario.yaml" in result.output
    assert "--task-definition" in result.output


def test_lifecycle_command_names_a_services_grace_period(tmp_path: Path) -> None:
    text = (
        "taskDefinition:\n  containerDefinitions:\n    - {name: web, image: web}\nservice: true\n"
    )
    result = CliRunner().invoke(app, ["simulate", "lifecycle", str(_scenario(tmp_path, text))])
    assert result.exit_code == 0, result.output
    assert "a service's task (healthCheckGracePeriodSeconds 0)" in result.output


def test_lifecycle_command_text_of_a_retired_task(tmp_path: Path) -> None:
    """A stop without a stop code (task retirement, docs/lifecycle.md) shows the reason alone,
    and a job cut off by SIGKILL is named as lost work."""
    text = (
        "taskDefinition: {requiresCompatibilities: [FARGATE], containerDefinitions: "
        "[{name: job, image: j, stopTimeout: 5}]}\n"
        "behaviour: {job: {busyUntil: 400}}\ntaskRetirement: {at: 300}\n"
    )
    result = CliRunner().invoke(app, ["simulate", "lifecycle", str(_scenario(tmp_path, text))])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert (
        "The task is STOPPED at 305 s (began stopping at 300 s): ECS is performing maintenance "
        "on the underlying infrastructure hosting the task" in output
    )
    assert "Work lost (stopped before its job was done, busyUntil): job" in output


def test_lifecycle_command_text_of_a_spot_interruption(tmp_path: Path) -> None:
    text = (
        "taskDefinition: {requiresCompatibilities: [FARGATE], containerDefinitions: "
        "[{name: worker, image: w}]}\nservice: true\nspotInterruption: {at: 100}\n"
    )
    result = CliRunner().invoke(app, ["simulate", "lifecycle", str(_scenario(tmp_path, text))])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert (
        "The task is STOPPED at 101 s (began stopping at 100 s): SpotInterruption: Your Spot "
        "Task was interrupted." in output
    )
    assert "Work lost" not in output
