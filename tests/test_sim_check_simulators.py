"""What a question's check reads from the simulators it names (fargate, platform-fit,
deployment and the simulators of session 17): the tables in tests/cases/check_verdicts/.

Each case is a check block as a pack writes it (`simulator:` named) and, per option, what
its run must show a learner and a check: the one-line `summary`, the `notes` (all of them,
in order, or `notes_include` for some), AWS's `refused` text, some `facts`, and the
`misses` of its `expect` in words. `verdicts` judges a goal or a claim like sim/check.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.sim.check import judge, run_check
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import simulator

CASES = Path(__file__).parent / "cases" / "check_verdicts"
WHERE = Where("pack.yaml", "questions[q].check")
KEYS = {"name", "check", "runs", "verdicts"}
RUN_KEYS = {"summary", "notes", "notes_include", "notes_exclude", "refused", "facts", "misses"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=f"{path.stem}: {case['name']}")
        for path in sorted(CASES.glob("*.yaml"))
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    check = case["check"]
    runs = {run.key: run for run in run_check(check, WHERE)}
    assert {run.simulator for run in runs.values()} == {check["simulator"]}
    for key, want in case.get("runs", {}).items():
        assert not set(want) - RUN_KEYS, f"unknown keys {sorted(set(want) - RUN_KEYS)}"
        outcome = runs[key].outcome
        if "summary" in want:
            assert outcome.summary == want["summary"], key
        if "notes" in want:
            assert list(outcome.notes) == want["notes"], key
        for note in want.get("notes_include", []):
            assert note in outcome.notes, (key, outcome.notes)
        for text in want.get("notes_exclude", []):
            assert not any(text in note for note in outcome.notes), (key, outcome.notes)
        if "refused" in want:
            assert outcome.refused == want["refused"], key
        for name, value in want.get("facts", {}).items():
            assert outcome.facts[name] == value, (key, name, outcome.facts)
        if "misses" in want:
            assert list(runs[key].misses) == want["misses"], key
    if "verdicts" in case:
        verdicts = judge(check, tuple(runs.values()), None)
        got = {v.key: [v.basis.value, v.right, list(v.because)] for v in verdicts}
        assert got == case["verdicts"]


SAMPLES = {
    "fargate": {
        "taskDefinition": {
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [{"name": "a", "image": "a"}],
        }
    },
    "platform-fit": {"workload": {"kind": "service"}, "candidate": "ecs-fargate"},
    "service-discovery": {"namespace": {"Name": "corp.local"}},
    "front-door": {},
    "observability": {
        "taskDefinition": {
            "family": "a",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "1024",
            "memory": "2048",
            "containerDefinitions": [{"name": "a"}],
        },
        "service": {"serviceName": "a"},
        "usage": [{"cpu": 512, "memory": 0}],
        "alarm": {
            "Namespace": "AWS/ECS",
            "MetricName": "CPUUtilization",
            "Dimensions": [
                {"Name": "ClusterName", "Value": "default"},
                {"Name": "ServiceName", "Value": "a"},
            ],
            "Threshold": 80,
        },
    },
    "ecr-replication": {"registries": [{"registryId": "111122223333", "region": "us-east-1"}]},
    "ecr-scanning": {},
    "managed-scaling": {
        "capacityProvider": {
            "name": "cp",
            "autoScalingGroupProvider": {"autoScalingGroupArn": "a"},
        },
        "autoScalingGroup": {},
    },
    "releases": {},
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_check_may_name_exactly_the_facts_a_run_gives_and_rank_its_numbers(name: str) -> None:
    """`packs validate` reads `Simulator.facts` and `ranked` to refuse a condition or goal
    naming a fact the run doesn't give, so they must be the run's facts."""
    sim = simulator(name)
    outcome = sim.run(sim.build(SAMPLES[name], Where("s.yaml"), Path("."), "s"))
    assert sorted(sim.facts) == sorted(outcome.facts)
    assert len(set(sim.facts)) == len(sim.facts)
    for fact in sim.ranked:
        value = outcome.facts[fact]
        assert type(value) in (int, float), fact  # a number check.py can rank (not a bool)


def test_the_deployment_facts_are_those_of_its_three_kinds_of_run() -> None:
    """Each kind of deployment (rolling, CodeDeploy, the ECS controller's own) reports its
    facts; a check may name any of them, `traffic_at`, and a bound on a ranked fact, the
    threshold or the tasks replaced."""
    sim = simulator("deployment")
    scenarios = [
        {"service": {"desiredCount": 2}},
        {
            "service": {"deploymentController": {"type": "CODE_DEPLOY"}},
            "codeDeploy": {"deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce"},
        },
        {"service": {"deploymentConfiguration": {"strategy": "BLUE_GREEN"}}},
    ]
    seen: dict[str, object] = {}
    for document in scenarios:
        outcome = sim.run(sim.build(document, Where("s.yaml"), Path("."), "s"))
        seen.update(outcome.facts)
    bounded = ("steps", "lowest_running", "failed_tasks", "peak_tasks", "blue_kept_minutes")
    assert sorted(sim.ranked) == sorted(bounded)
    assert sorted(sim.facts) == sorted(
        [
            *seen,
            "traffic_at",
            *(
                f"{f}_at_{b}"
                for f in (*bounded, "threshold", "replaced")
                for b in ("least", "most")
            ),
        ]
    )
    for fact in sim.ranked:
        assert type(seen[fact]) is int, fact


def test_a_front_door_rule_is_shown_by_its_pages_file_names() -> None:
    """A note cites each doc page of a rule by its file name (and anchor); a rule written
    as a bare file name stays as it is."""
    from ecsprep.sim.front_door_check import page

    rule = (
        "https://docs.aws.amazon.com/a/b/rule-condition-types.html; "
        "https://docs.aws.amazon.com/c/application-load-balancers.html#load-balancer-scheme"
    )
    assert (
        page(rule)
        == "rule-condition-types.html; application-load-balancers.html#load-balancer-scheme"
    )
    assert page("waf-rule-action.html") == "waf-rule-action.html"
