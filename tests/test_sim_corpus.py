"""Every real file in tests/corpus/{taskdefs,instances} loads, or is refused clearly.

The corpus is vendored from public repositories: see tests/corpus/README.md.

A refusal is an InputError naming the file and, for the known-bad files, the
reason AWS (or a JSON parser) gives. Every task definition that loads is also
placed on a small fleet: the simulator must never crash on real input.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where, read_document
from ecsprep.sim.instances import InstanceStatus, read_instances
from ecsprep.sim.placement import place
from ecsprep.sim.scenario import Overrides, load_scenario
from ecsprep.sim.taskdef import read_task_definition

CORPUS = Path(__file__).parent / "corpus"

# file (without .json) -> words the refusal must contain
REFUSED = {
    "aws-samples__amazon-cloudwatch-container-insights__cwagent-prometheus-template": "{{",
    "aws-samples__amazon-ecs-firelens-examples__dynatrace-invalid-json": "invalid JSON",
    "aws-samples__amazon-ecs-firelens-examples__logstash-portmappings-object": "must be a list",
    "aws-samples__aws-containers-task-definitions__tomcat-ec2-awsvpc": "When networkMode=awsvpc",
    "aws__amazon-ecs-agent__ftest-nginx-portbindings": '"portBindings"',
    "awsdocs__amazon-ecs-developer-guide__appmesh-container-dependency": "At least one of 'memory'",
    "awsdocs__amazon-ecs-developer-guide__skeleton-template": "family",
}


def corpus_files(folder: str) -> list[Path]:
    files = sorted((CORPUS / folder).glob("*.json"))
    assert files, f"the vendored corpus {CORPUS / folder} is missing"
    return files


@pytest.mark.parametrize("path", corpus_files("taskdefs"), ids=lambda p: p.stem)
def test_task_definition_loads_or_is_refused_clearly(path: Path) -> None:
    if path.stem in REFUSED:
        with pytest.raises(InputError) as caught:
            read_task_definition(read_document(path), Where(str(path)))
        message = caught.value.message
        assert path.name in message
        assert REFUSED[path.stem] in message
        if "invalid JSON" in message:
            assert ":34:" in message  # the line of the missing comma
        return
    spec = read_task_definition(read_document(path), Where(str(path)))
    assert path.stem not in REFUSED, "this file should have been refused"
    assert spec.memory > 0
    assert spec.containers


@pytest.mark.parametrize(
    "path",
    [p for p in corpus_files("taskdefs") if p.stem not in REFUSED],
    ids=lambda p: p.stem,
)
def test_loadable_task_definition_places_or_refuses_launch_type(path: Path) -> None:
    overrides = Overrides(
        task_definition_file=path, fleet=("2xm5.xlarge@us-east-1a,us-east-1b",), count=2
    )
    raw = read_document(path)
    body = raw.get("taskDefinition", raw) if isinstance(raw, dict) else {}
    compatible = body.get("requiresCompatibilities") or body.get("compatibilities") or ["EC2"]
    if "EC2" not in compatible:
        with pytest.raises(InputError, match="does not support launch_type EC2"):
            load_scenario(None, overrides)
        return
    scenario = load_scenario(None, overrides)
    result = place(scenario, trace=True)
    assert len(result.placements) + result.unplaced == 2


@pytest.mark.parametrize("path", corpus_files("instances"), ids=lambda p: p.stem)
def test_instances_load(path: Path) -> None:
    instances = read_instances(read_document(path), Where(str(path)))
    assert instances
    for instance in instances:
        assert instance.registered_cpu > 0
        assert instance.registered_memory > 0


def test_corpus_specifics() -> None:
    folder = CORPUS / "instances"
    (draining,) = read_instances(
        read_document(folder / "aws__aws-cli__update-container-instances-state-draining.json"),
        Where("x"),
    )
    assert draining.status is InstanceStatus.DRAINING
    assert draining.remaining_memory == 2681
    assert draining.instance_type == "c5.large"
    (busy,) = read_instances(
        read_document(folder / "boto__botocore__describe-container-instances-example-output.json"),
        Where("x"),
    )
    assert 80 in busy.ports_tcp  # remainingResources PORTS lists ports already taken
    (old,) = read_instances(
        read_document(folder / "aws__aws-cli__describe-container-instances-2015.json"), Where("x")
    )
    assert 22 in old.ports_tcp  # no PORTS entry: the agent's default reserved ports


def test_fractional_vcpu_strings() -> None:
    path = (
        CORPUS / "taskdefs" / "awsdocs__amazon-ecs-developer-guide__ecs-exec-fractional-vcpu.json"
    )
    spec = read_task_definition(read_document(path), Where("x"))
    assert (spec.cpu, spec.memory) == (256, 512)


def test_describe_output_runs_against_a_real_instance_with_port_80_taken() -> None:
    overrides = Overrides(
        instances_file=CORPUS
        / "instances"
        / "boto__botocore__describe-container-instances-example-output.json",
        task_definition_file=CORPUS
        / "taskdefs"
        / "aws__aws-cli__describe-task-definition-output.json",
        count=1,
    )
    result = place(load_scenario(None, overrides))
    assert [f.reason.value for f in result.failures] == [
        "RESOURCE:PORTS"
    ]  # wordpress wants host port 80
