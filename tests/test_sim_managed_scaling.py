"""The managed-scaling simulator (sim/managed_scaling.py), its command and invariants."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.packs.load import load_library
from ecsprep.sim.documents import Where
from ecsprep.sim.managed_scaling import FACTS, run
from ecsprep.sim.managed_scaling_input import read_setup
from ecsprep.ui.app import app
from tests.case_tables import assert_refused, case_params

CASES = Path(__file__).parent / "cases" / "managed_scaling"
GOLDEN = Path(__file__).parent / "golden" / "simulate_managed_scaling.txt"


@pytest.mark.parametrize(
    "case", [case for path in sorted(CASES.glob("documented*.yaml")) for case in case_params(path)]
)
def test_documented_case(case: dict[str, Any]) -> None:
    result = run(read_setup(case["scenario"], Where("case.yaml")))
    facts = result.facts()
    assert sorted(facts) == sorted(FACTS)
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)
    for step in case.get("steps", ()):
        assert step in result.notes, (step, result.notes)


@pytest.mark.parametrize(
    "case", [case for path in sorted(CASES.glob("refused*.yaml")) for case in case_params(path)]
)
def test_refused_case(case: dict[str, Any]) -> None:
    assert_refused(case, lambda scenario: read_setup(scenario, Where("case.yaml")))


def _document(
    busy: int, idle: int, waiting: int, target: int, least: int, most: int, protect: bool
) -> dict[str, Any]:
    instances = [{"InstanceId": f"i-{k}"} for k in range(busy + idle)]
    tasks: list[dict[str, Any]] = [
        {"capacityProviderName": "cp", "ec2InstanceId": f"i-{k}", "cpu": "1024", "memory": "1024"}
        for k in range(busy)
    ]
    tasks += [
        {
            "lastStatus": "PROVISIONING",
            "capacityProviderName": "cp",
            "cpu": "1024",
            "memory": "1024",
        }
        for _ in range(waiting)
    ]
    return {
        "capacityProvider": {
            "name": "cp",
            "autoScalingGroupProvider": {
                "autoScalingGroupArn": "asg",
                "managedScaling": {
                    "status": "ENABLED",
                    "targetCapacity": target,
                    "minimumScalingStepSize": least,
                    "maximumScalingStepSize": most,
                },
                "managedTerminationProtection": "ENABLED" if protect else "DISABLED",
            },
        },
        "autoScalingGroup": {
            "MinSize": 0,
            "MaxSize": 40,
            "NewInstancesProtectedFromScaleIn": protect,
            "Instances": instances,
        },
        "instanceResources": {"cpu": 2048, "memory": 2048},
        "tasks": tasks,
    }


@settings(max_examples=120, deadline=None)
@given(
    busy=st.integers(0, 8),
    idle=st.integers(0, 8),
    waiting=st.integers(0, 9),
    target=st.integers(1, 100),
    steps=st.tuples(st.integers(1, 6), st.integers(1, 6)).map(sorted),
    protect=st.booleans(),
)
def test_the_metric_and_the_decision(
    busy: int, idle: int, waiting: int, target: int, steps: list[int], protect: bool
) -> None:
    """M / N x 100 (100 or 200 when N is 0); a scale-out adds at least the minimum step (or up
    to MaxSize) and at most the maximum step; a scale-in never goes below M x 100 / target;
    with managed termination protection no instance running tasks may be terminated."""
    least, most = steps
    result = run(
        read_setup(_document(busy, idle, waiting, target, least, most, protect), Where("s"))
    )
    n = busy + idle
    m = n + math.ceil(waiting / 2) if waiting else busy
    assert (result.m, result.n) == (m, n)
    wanted = 100.0 if m == 0 else 200.0
    assert result.reservation == (round(m * 100 / n, 2) if n else wanted)
    if result.action.value == "scale-out":
        assert result.reservation > target
        assert result.added <= most
        assert result.added >= least or result.desired == 40
    elif result.action.value == "scale-in":
        assert result.reservation < target
        assert result.desired >= math.ceil(m * 100 / target) or result.desired == n
    else:
        assert result.added == result.removed == 0
    if protect:
        assert result.protection_works
        assert not set(result.may_terminate) & {f"i-{k}" for k in range(busy)}
        assert result.removed == len(result.may_terminate)


def test_a_metric_shown_at_the_target_does_not_scale() -> None:
    """The decision compares the metric as the run shows it (two decimals) with the target:
    10 busy of 1005 instances is 0.995, shown as 1, so at targetCapacity 1 nothing scales (the
    step says `1 = targetCapacity 1`), though ceil(10 x 100 / 1) = 1000 is under N."""
    document = _document(10, 995, 0, 1, 1, 10000, False)
    document["autoScalingGroup"]["MaxSize"] = 1005
    result = run(read_setup(document, Where("s")))
    assert (result.reservation, result.action.value, result.removed) == (1.0, "none", 0)
    assert any(note.startswith("1 = targetCapacity 1: no scaling") for note in result.notes)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 10), target=st.integers(1, 100))
def test_launch_type_tasks_never_scale_a_group_out(count: int, target: int) -> None:
    """Tasks without a capacity provider strategy are ignored by capacity providers
    (managed-scaling-behavior.html): they change neither M nor the decision."""
    document = _document(0, 0, 0, target, 1, 10000, False)
    document["taskDefinition"] = {"cpu": "512", "memory": "512"}
    document["runTask"] = {"count": count, "launchType": "EC2"}
    result = run(read_setup(document, Where("s")))
    assert (result.m, result.reservation, result.action.value) == (0, 100.0, "none")
    assert len(result.ignored) == count


@settings(max_examples=80, deadline=None)
@given(
    busy=st.lists(st.booleans(), min_size=1, max_size=6),
    mode=st.sampled_from(["Refresh", "Ignore", "Wait"]),
    protect=st.booleans(),
    drain=st.booleans(),
)
def test_an_instance_refresh(busy: list[bool], mode: str, protect: bool, drain: bool) -> None:
    """Refresh replaces every instance; Ignore and Wait keep the protected ones (with managed
    termination protection: those running tasks) and Wait then fails; managed draining moves
    every task of a replaced instance, and without it they stop."""
    document = _document(0, len(busy), 0, 100, 1, 10000, protect)
    document["autoScalingGroup"]["MinSize"] = len(busy)
    document["capacityProvider"]["autoScalingGroupProvider"]["managedDraining"] = (
        "ENABLED" if drain else "DISABLED"
    )
    document["tasks"] = [
        {"capacityProviderName": "cp", "ec2InstanceId": f"i-{k}"} for k, b in enumerate(busy) if b
    ]
    document["startInstanceRefresh"] = {"Preferences": {"ScaleInProtectedInstances": mode}}
    done = run(read_setup(document, Where("s"))).replacement
    ids = [f"i-{k}" for k in range(len(busy))]
    guarded = [f"i-{k}" for k, b in enumerate(busy) if b] if protect else []
    if mode == "Refresh":
        assert done.replaced == tuple(ids)
    else:
        assert done.kept == tuple(guarded)
        assert set(done.replaced) == set(ids) - set(guarded)
    assert done.failed == (mode == "Wait" and bool(guarded))
    moved = sum(1 for k, b in enumerate(busy) if b and f"i-{k}" in done.replaced)
    assert (len(done.drained), len(done.killed)) == ((moved, 0) if drain else (0, moved))


def test_every_documented_step_cites_a_page_or_says_inf() -> None:
    for case in case_params(CASES / "documented.yaml"):
        result = run(read_setup(case.values[0]["scenario"], Where("s")))
        for step in result.steps:
            assert step.rule.startswith("https://") or step.inferred, step


SCENARIO = """
description: Two instances run tasks, one runs none; managed termination protection on.
capacityProvider:
  name: cp-web
  autoScalingGroupProvider:
    autoScalingGroupArn: "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:1:x/asg-web"
    managedScaling: {status: ENABLED, targetCapacity: 100}
    managedTerminationProtection: ENABLED
autoScalingGroup:
  AutoScalingGroupName: asg-web
  MinSize: 1
  MaxSize: 10
  NewInstancesProtectedFromScaleIn: true
  Instances: [{InstanceId: i-a}, {InstanceId: i-b}, {InstanceId: i-c}]
tasks:
  - {taskArn: web-1, capacityProviderName: cp-web, ec2InstanceId: i-a}
  - {taskArn: web-2, capacityProviderName: cp-web, ec2InstanceId: i-b}
startInstanceRefresh: {Preferences: {ScaleInProtectedInstances: Refresh}}
"""


def _invoke(tmp_path: Path, text: str, *args: str) -> Any:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return CliRunner().invoke(
        app, ["simulate", "managed-scaling", str(path), *args], env={"COLUMNS": "100"}
    )


def test_command_text_golden(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO)
    assert result.exit_code == 0, result.output
    assert result.output == GOLDEN.read_text()


def test_command_json(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reservation"] == 66.67
    assert (data["action"], data["removed"], data["may_terminate"]) == ("scale-in", 1, ["i-c"])
    assert data["protected"] == ["i-a", "i-b"]
    assert any(s["inferred"] for s in data["steps"])
    assert "CapacityProviderReservation = M / N x 100 = 2 / 3 x 100 = 66.67" in [
        s["what"] for s in data["steps"]
    ]
    assert all(s["rule"] or s["inferred"] for s in data["steps"])


def test_command_target_capacity_flag(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--target-capacity", "50", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["action"], data["added"], data["desired_capacity"]) == ("scale-out", 1, 4)


def test_command_refuses_what_aws_refuses(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--target-capacity", "120")
    assert result.exit_code == 2
    assert "targetCapacity: 120: the valid range is 1 to 100" in result.output
    assert "Traceback" not in result.output
    unprotected = SCENARIO.replace("NewInstancesProtectedFromScaleIn: true", "MaxSize: 10")
    unprotected = unprotected.replace("  MaxSize: 10\n  MaxSize: 10", "  MaxSize: 10")
    result = _invoke(tmp_path, unprotected)
    assert result.exit_code == 2
    assert "must have instance protection from scale in enabled" in result.output


def test_command_missing_file_and_bad_format(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["simulate", "managed-scaling", str(tmp_path / "no.yaml")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output
    result = _invoke(tmp_path, SCENARIO, "--format", "xml")
    assert result.exit_code == 2
    assert "--format 'xml'" in result.output


def test_the_step_sizes_bound_a_scale_out_only() -> None:
    """API_ManagedScaling: minimumScalingStepSize and maximumScalingStepSize are the instances
    ECS "will scale out at one time"; "the scale in process is not affected". The simulator
    removes two instances with both step sizes at 1, and no question's `why` or explanation
    says a step size limits how many instances go."""
    document = _document(busy=2, idle=2, waiting=0, target=100, least=1, most=1, protect=True)
    result = run(read_setup(document, Where("s")))
    assert (result.action.value, result.removed) == ("scale-in", 2)
    loaded = load_library(include_user=False, cache=False)
    step = re.compile(r"step ?size|ScalingStepSize", re.IGNORECASE)
    scale_in = re.compile(r"\bremov|scales? in\b|scale-in", re.IGNORECASE)
    for question in loaded.library.questions.values():
        texts = [question.explanation, *(o.why for o in question.options)]
        for sentence in (s for t in texts for s in re.split(r"(?<=[.;])\s+", t)):
            if step.search(sentence) and scale_in.search(sentence):
                assert re.search(r"\bnot\b|n't", sentence), (question.id, sentence)
