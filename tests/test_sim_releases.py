"""The releases simulator (sim/releases.py, sim/releases_check.py), its command and
invariants: the documented cases in tests/cases/releases/documented.yaml (each names its AWS
page), every refusal in refused.yaml, hypothesis properties recomputed independently, the
command (text golden at a fixed width, JSON, errors)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.sim.documents import Where
from ecsprep.sim.releases import FACTS, run
from ecsprep.sim.releases_check import read_setup
from ecsprep.ui.app import app
from tests.case_tables import assert_refused, case_params

CASES = Path(__file__).parent / "cases" / "releases"
GOLDEN = Path(__file__).parent / "golden" / "simulate_releases.txt"


def _run(document: dict[str, Any]) -> Any:
    return run(read_setup(document, Where("case.yaml")))


@pytest.mark.parametrize("case", case_params(CASES / "documented.yaml"))
def test_documented_case(case: dict[str, Any]) -> None:
    assert case["page"], "a documented case names its AWS page"
    result = _run(case["scenario"])
    facts = result.facts()
    assert sorted(facts) == sorted(FACTS)
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts[name])
    lines = [
        (line.text, line.source) for step in (*result.steps, result.settled) for line in step.lines
    ]
    if "deployments" in case:
        shown = [
            {
                "id": d.id,
                "status": d.status,
                "rollout": d.rollout,
                "task_definition": d.task_definition,
                "digests": list(d.digests),
                "platform_version": d.platform_version,
                "started_by": d.started_by,
            }
            for d in result.settled.deployments
        ]
        assert shown == case["deployments"]
    if "tasks" in case:
        assert [t.task for t in result.settled.tasks] == case["tasks"]
    if "inferred" in case:
        assert list(result.inferred()) == case["inferred"]
    for text, source in case.get("says", ()):
        assert any(t == text and (source is None or s == source) for t, s in lines), (text, lines)


@pytest.mark.parametrize("case", case_params(CASES / "refused.yaml"))
def test_refused_case(case: dict[str, Any]) -> None:
    assert_refused(case, _run)


def _service(desired: int, low: int, high: int, start: int, stop: int) -> dict[str, Any]:
    return {
        "taskDefinitions": [
            {
                "family": "web",
                "revision": 1,
                "containerDefinitions": [{"name": "w", "image": "w:1"}],
            },
            {
                "family": "web",
                "revision": 2,
                "containerDefinitions": [{"name": "w", "image": "w:2"}],
            },
        ],
        "images": {"w:1": "sha256:1", "w:2": "sha256:2"},
        "timing": {"taskStartSeconds": start, "taskStopSeconds": stop},
        "setup": [
            {
                "createService": {
                    "serviceName": "web",
                    "taskDefinition": "web:1",
                    "desiredCount": desired,
                    "deploymentConfiguration": {
                        "minimumHealthyPercent": low,
                        "maximumPercent": high,
                    },
                }
            }
        ],
    }


@settings(max_examples=60, deadline=None)
@given(
    desired=st.integers(1, 8),
    low=st.sampled_from([0, 25, 50, 75, 100]),
    high=st.sampled_from([100, 125, 150, 200]),
    start=st.integers(1, 90),
    stop=st.integers(0, 60),
    probe=st.integers(0, 400),
)
def test_a_rolling_update_keeps_its_bounds_and_ends_on_the_new_revision(
    desired: int, low: int, high: int, start: int, stop: int, probe: int
) -> None:
    """At every moment: at most maximumPercent × desired (rounded down) tasks not STOPPED
    (ecsprep counts stopping ones: INF), at least minimumHealthyPercent × desired (rounded up)
    RUNNING once the first wave starts; the service ends on web:2 unless the bounds leave no
    room at all (then it keeps web:1: stuck)."""
    document = _service(desired, low, high, start, stop)
    document["actions"] = [
        {"updateService": {"service": "web", "taskDefinition": "web:2"}},
        {"sleep": probe},
        {"mark": "probe"},
    ]
    result = _run(document)
    ceiling = desired * high // 100
    floor = -(-desired * low // 100)
    stuck = ceiling <= desired and floor >= desired
    for step in result.steps:
        assert len(step.tasks) <= max(ceiling, desired)
        running = sum(t.status == "RUNNING" for t in step.tasks)
        assert running >= floor, (step.label, running, floor)
    facts = result.facts()
    if stuck:
        assert facts["tasks_on_revision"] == {"web:1": desired}
        assert facts["stable_at"] == {"probe": False}
    else:
        assert facts["tasks_on_revision"] == {"web:2": desired}
        assert facts["tasks_image_digest"] == {"sha256:2": desired}
        assert facts["tasks_started"] == desired
    assert facts["deployments_started"] == 1
    assert facts["seconds_at"] == {"probe": probe}


@settings(max_examples=40, deadline=None)
@given(
    pushes=st.lists(st.sampled_from(["sha256:a", "sha256:b", "sha256:c"]), max_size=4),
    scale=st.lists(st.integers(0, 6), max_size=4),
    force=st.booleans(),
)
def test_only_a_new_deployment_picks_up_the_tag(
    pushes: list[str], scale: list[int], force: bool
) -> None:
    """Pushes and scaling never change the digest the tasks run; a forced deployment at the
    end makes every task run the tag's last digest."""
    document: dict[str, Any] = {
        "taskDefinitions": [
            {"family": "o", "revision": 1, "containerDefinitions": [{"name": "o", "image": "o:t"}]}
        ],
        "images": {"o:t": "sha256:0"},
        "setup": [
            {"createService": {"serviceName": "o", "taskDefinition": "o:1", "desiredCount": 2}}
        ],
    }
    actions: list[dict[str, Any]] = []
    for position, digest in enumerate(pushes):
        actions.append(
            {"putImage": {"repositoryName": "o", "imageTag": "t", "imageDigest": digest}}
        )
        if position < len(scale):
            actions.append({"updateService": {"service": "o", "desiredCount": scale[position]}})
    if force:
        actions.append({"updateService": {"service": "o", "forceNewDeployment": True}})
    document["actions"] = actions
    facts = _run(document).facts()
    desired = next((n for n in reversed(scale[: len(pushes)])), 2)
    last = pushes[-1] if pushes and force else "sha256:0"
    assert facts["tasks_image_digest"] == ({last: desired} if desired else {})
    assert facts["deployments_started"] == int(force)


SCENARIO = """\
description: orders:latest was pushed again after the last deployment.
taskDefinitions:
  - family: orders
    revision: 5
    containerDefinitions:
      - {name: orders, image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/orders:latest"}
images: {"orders:latest": "sha256:1111"}
platformRevisions: {"1.4.0": ["1.4.0-a"]}
setup:
  - createService:
      {serviceName: orders, taskDefinition: "orders:5", desiredCount: 2, launchType: FARGATE}
actions:
  - putImage: {repositoryName: orders, imageTag: latest, imageDigest: "sha256:2222"}
  - updateService: {service: orders, desiredCount: 3}
  - updateService: {service: orders, forceNewDeployment: true}
"""


def _invoke(tmp_path: Path, text: str, *args: str) -> Any:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return CliRunner().invoke(
        app, ["simulate", "releases", str(path), *args], env={"COLUMNS": "100"}
    )


def test_command_text_golden(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO)
    assert result.exit_code == 0, result.output
    if os.environ.get("ECSPREP_REGOLD") == "1":
        GOLDEN.write_text(result.output)
    assert result.output == GOLDEN.read_text()


def test_command_json(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["facts"]["tasks_image_digest"] == {"sha256:2222": 3}
    assert data["facts"]["started_by"] == ["orders: UpdateService forceNewDeployment"]
    assert [s["action"] for s in data["steps"]] == [
        "actions[0].putImage",
        "actions[1].updateService",
        "actions[2].updateService",
    ]
    scaled = data["steps"][1]["tasks"]
    assert {(t["service"], t["deployment"]) for t in scaled} == {("orders", "ecs-svc/1")}
    assert [t["imageDigests"] for t in scaled] == [["sha256:1111"]] * 3
    assert {d["startedBy"] for d in data["steps"][2]["deployments"]} == {
        "CreateService",
        "UpdateService forceNewDeployment",
    }
    assert data["settled"]["tasks"][0]["platformRevision"] == "1.4.0-a"
    assert all(line["source"] for s in data["steps"] for line in s["said"])


def test_command_refuses_what_aws_refuses(tmp_path: Path) -> None:
    text = SCENARIO.replace(
        "launchType: FARGATE}", "launchType: FARGATE, deploymentController: {type: CODE_DEPLOY}}"
    )
    text = text.replace("forceNewDeployment: true}", "taskDefinition: orders}")
    result = _invoke(tmp_path, text)
    assert result.exit_code == 2
    assert "Unable to update task definition on services with a CODE_DEPLOY" in result.output
    assert "Traceback" not in result.output


def test_command_missing_file_and_bad_format(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["simulate", "releases", str(tmp_path / "no.yaml")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output
    result = _invoke(tmp_path, SCENARIO, "--format", "xml")
    assert result.exit_code == 2
    assert "--format 'xml'" in result.output


def test_the_default_maximum_percent_bounds_a_deployment_at_200_percent() -> None:
    """maximumPercent defaults to 200 (DeploymentConfiguration): with 100 tasks, one of them
    stopping and its replacement pending, a forced deployment starts only as many tasks as
    keep 200 not STOPPED (a stopping task still counts: INF)."""
    document = _service(100, 100, 200, 60, 30)
    del document["setup"][0]["createService"]["deploymentConfiguration"]
    document["actions"] = [
        {"stopTask": {"task": "web-1"}},
        {"updateService": {"service": "web", "forceNewDeployment": True}},
    ]
    result = _run(document)
    assert len(result.steps[-1].tasks) == 200
    assert result.facts()["tasks_on_revision"] == {"web:1": 100}


def test_a_check_run_carries_the_run_for_its_renderer_and_no_description_prints_none(
    tmp_path: Path,
) -> None:
    from ecsprep.sim.releases import Run
    from ecsprep.sim.simulators import simulator

    sim = simulator("releases")
    document = {"actions": [{"sleep": 5}]}
    outcome = sim.run(sim.build(document, Where("s.yaml"), Path("."), "s"))
    assert isinstance(outcome.result, Run)
    assert outcome.result.facts() == outcome.facts
    result = _invoke(tmp_path, "actions: [{sleep: 5}]\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("actions[0].sleep (at 5 s)\n")
