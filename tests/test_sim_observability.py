"""The observability simulator (sim/observability.py), its command and invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.observability import read_setup, run, to_json
from ecsprep.ui.app import app
from tests.case_tables import case_params

CASES = Path(__file__).parent / "cases" / "observability"
GOLDEN = Path(__file__).parent / "golden" / "simulate_observability.txt"


def _cases(name: str) -> list[Any]:
    return case_params(CASES / name)


@pytest.mark.parametrize("case", _cases("documented.yaml"))
def test_documented_case(case: dict[str, Any]) -> None:
    facts = run(read_setup(case["scenario"], Where("case.yaml"))).facts()
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)


@pytest.mark.parametrize("case", _cases("refused.yaml"))
def test_refused_case(case: dict[str, Any]) -> None:
    with pytest.raises(InputError) as raised:
        read_setup(case["scenario"], Where("case.yaml"))
    assert case["refused"] in str(raised.value)


def _service(cpu: int, used: list[int]) -> dict[str, Any]:
    return {
        "taskDefinition": {
            "family": "s",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": str(cpu),
            "memory": "2048",
            "containerDefinitions": [{"name": "s", "image": "s"}],
        },
        "service": {"serviceName": "s"},
        "usage": [{"cpu": u, "memory": 100} for u in used],
    }


@settings(max_examples=80, deadline=None)
@given(
    cpu=st.sampled_from([256, 512, 1024, 2048, 4096]),
    used=st.lists(st.integers(min_value=0, max_value=4096), min_size=1, max_size=12),
)
def test_service_cpu_statistics(cpu: int, used: list[int]) -> None:
    """Average is total use over (task CPU × tasks); Minimum and Maximum are single tasks, so
    Minimum ≤ Average ≤ Maximum always."""
    facts = run(read_setup(_service(cpu, used), Where("s"))).facts()
    assert facts["cpu_average"] == round(sum(used) * 100 / (cpu * len(used)), 2)
    assert facts["cpu_maximum"] == round(max(used) * 100 / cpu, 2)
    low, mid, high = facts["cpu_minimum"], facts["cpu_average"], facts["cpu_maximum"]
    assert isinstance(low, float)
    assert isinstance(mid, float)
    assert isinstance(high, float)
    assert low - 0.01 <= mid <= high + 0.01
    # No EC2 capacity: never a cluster reservation metric.
    metrics = facts["metrics"]
    assert isinstance(metrics, list)
    assert not any("Reservation" in m for m in metrics)


@settings(max_examples=40, deadline=None)
@given(
    mode=st.sampled_from(["awsvpc", "bridge", "host"]),
    address=st.sampled_from(["", "127.0.0.1:2000", "localhost:2000", "xray-daemon:2000"]),
    linked=st.booleans(),
    role=st.booleans(),
)
def test_traces_need_reach_and_task_role(mode: str, address: str, linked: bool, role: bool) -> None:
    """Traces arrive exactly when the daemon is reachable and the task role may upload; the
    execution role never matters."""
    api: dict[str, Any] = {"name": "api", "image": "api", "memory": 256}
    if address:
        api["environment"] = [{"name": "AWS_XRAY_DAEMON_ADDRESS", "value": address}]
    if linked and mode == "bridge":
        api["links"] = ["xray-daemon"]
    document = {
        "launchType": "EC2",
        "taskDefinition": {
            "family": "t",
            "networkMode": mode,
            "taskRoleArn": "arn:aws:iam::111122223333:role/t",
            "executionRoleArn": "arn:aws:iam::111122223333:role/e",
            "containerDefinitions": [
                api,
                {"name": "xray-daemon", "image": "amazon/aws-xray-daemon", "memory": 256},
            ],
        },
        "roles": {
            "arn:aws:iam::111122223333:role/t": ["AWSXRayDaemonWriteAccess"] if role else [],
            "arn:aws:iam::111122223333:role/e": ["AWSXRayDaemonWriteAccess"],
        },
        "instrumentation": {"api": "xray-sdk"},
    }
    facts = run(read_setup(document, Where("s"))).facts()
    host = (address or "127.0.0.1:2000").split(":")[0]
    reach = (mode != "bridge" and host in ("127.0.0.1", "localhost")) or (
        mode == "bridge" and linked and host == "xray-daemon"
    )
    assert facts["daemon_reachable"] is reach
    assert facts["trace_uploads_allowed"] is role
    assert facts["traces"] is (reach and role)


def test_steps_cite_a_rule_or_say_inf() -> None:
    case = yaml.safe_load((CASES / "documented.yaml").read_text())[0]
    result = run(read_setup(case["scenario"], Where("s")))
    assert result.steps
    cited = [s for s in result.steps if s.rule]
    assert all(s.rule == "INF" or s.rule.endswith(".html") for s in cited)


SCENARIO = """\
description: FireLens to Firehose; the task role lacks firehose:PutRecordBatch
taskDefinition:
  family: api
  requiresCompatibilities: [FARGATE]
  cpu: "1024"
  memory: "2048"
  taskRoleArn: arn:aws:iam::111122223333:role/api-task
  executionRoleArn: arn:aws:iam::111122223333:role/ecsTaskExecutionRole
  containerDefinitions:
    - name: log_router
      image: public.ecr.aws/aws-observability/aws-for-fluent-bit:stable
      firelensConfiguration: {type: fluentbit}
    - name: app
      image: app
      logConfiguration:
        logDriver: awsfirelens
        options: {Name: firehose, region: us-east-1, delivery_stream: api-logs}
roles:
  arn:aws:iam::111122223333:role/api-task: []
  arn:aws:iam::111122223333:role/ecsTaskExecutionRole: [AmazonECSTaskExecutionRolePolicy]
cluster: {clusterName: prod, settings: [{name: containerInsights, value: disabled}]}
service: {serviceName: api}
usage: [{cpu: 512, memory: 1024}, {cpu: 1024, memory: 512}]
"""


def _invoke(tmp_path: Path, text: str, *args: str) -> Any:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return CliRunner().invoke(
        app, ["simulate", "observability", str(path), *args], env={"COLUMNS": "100"}
    )


def test_command_text_golden(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO)
    assert result.exit_code == 0, result.output
    assert result.output.replace(str(tmp_path), "TMP") == GOLDEN.read_text()


def test_command_json(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["facts"]["denied"] == ["firehose:api-logs: firehose:PutRecordBatch (task role)"]
    assert data["facts"]["cpu_average"] == 75.0
    assert any(not step["ok"] for step in data["steps"])
    # each step as the text output shows it: what, whether it holds, and its rule
    assert data["steps"][0] == {
        "what": "log_router: no logConfiguration: its logs go nowhere ECS collects",
        "ok": False,
        "rule": "",
    }
    assert data["steps"][1]["rule"] == "AmazonECS/latest/developerguide/firelens-taskdef.html"
    assert data["notes"] == []  # no step is ecsprep's choice (INF)
    alarm = (
        "alarm: {Namespace: AWS/ECS, MetricName: CPUUtilization, Statistic: Sum, Dimensions: "
        "[{Name: ClusterName, Value: prod}, {Name: ServiceName, Value: api}]}\n"
    )
    inf = SCENARIO.replace("usage:", alarm + "usage:")
    notes = json.loads(_invoke(tmp_path, inf, "--format", "json").output)["notes"]
    assert notes == ["steps marked INF are ecsprep's choices where AWS documents nothing"]


def test_command_insights_flag(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--container-insights", "enhanced", "--format", "json")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)["facts"]
    assert facts["insights"] == "enhanced"
    assert facts["insights_metrics"] is True


def test_command_refuses_with_aws_message(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--network-mode", "bridge")
    assert result.exit_code == 2
    assert "Fargate only supports network mode 'awsvpc'" in result.output
    assert "Traceback" not in result.output


def test_command_help_has_examples() -> None:
    result = CliRunner().invoke(app, ["simulate", "observability", "--help"])
    assert result.exit_code == 0
    assert "ecsprep simulate observability task.yaml" in result.output


def test_reservation_of_fargate_tasks_is_labelled_inf() -> None:
    """With EC2 instances registered and the tasks on Fargate, the 0% CPUReservation is
    ecsprep's choice (available-metrics.html documents only tasks on EC2), never a cited rule."""
    scenario = _service(1024, [900, 950])
    scenario["containerInstances"] = [
        {"registeredResources": [{"name": "CPU", "integerValue": 2048}]}
    ]
    result = run(read_setup(scenario, Where("s")))
    [step] = [s for s in result.steps if "CPUReservation" in s.what]
    assert step.rule == "INF"
    ec2 = _service(1024, [900])
    ec2["launchType"] = "EC2"
    ec2["taskDefinition"]["requiresCompatibilities"] = ["EC2"]
    ec2["containerInstances"] = scenario["containerInstances"]
    [step] = [s for s in run(read_setup(ec2, Where("s"))).steps if "CPUReservation" in s.what]
    assert step.rule.endswith("available-metrics.html")


def test_xray_upload_without_task_role_on_ec2_is_inf() -> None:
    """No page says what a sidecar on EC2 uploads with when the task has no task role (the
    instance role may serve): the step is ecsprep's choice, not a cited rule."""
    scenario = {
        "launchType": "EC2",
        "taskDefinition": {
            "family": "a",
            "requiresCompatibilities": ["EC2"],
            "networkMode": "awsvpc",
            "containerDefinitions": [
                {"name": "a", "image": "a"},
                {"name": "xray-daemon", "image": "amazon/aws-xray-daemon"},
            ],
        },
        "instrumentation": {"a": "xray-sdk"},
    }
    result = run(read_setup(scenario, Where("s")))
    [step] = [s for s in result.steps if "xray:PutTraceSegments" in s.what]
    assert step.rule == "INF"
    scenario["launchType"] = "FARGATE"
    scenario["taskDefinition"]["requiresCompatibilities"] = ["FARGATE"]
    scenario["taskDefinition"].update(cpu="256", memory="512")
    result = run(read_setup(scenario, Where("s")))
    [step] = [s for s in result.steps if "xray:PutTraceSegments" in s.what]
    assert step.rule.endswith("xray-daemon-ecs.html")


def test_tmde_on_windows_fargate_is_inf_not_the_linux_rule() -> None:
    """The Fargate v4 page's 1.4.0 is a Linux platform version; Windows is ecsprep's choice."""
    scenario = {
        "platformVersion": "1.0.0",
        "taskDefinition": {
            "family": "w",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "1024",
            "memory": "2048",
            "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"},
            "containerDefinitions": [{"name": "w", "image": "w"}],
        },
    }
    result = run(read_setup(scenario, Where("s")))
    [step] = [s for s in result.steps if "ECS_CONTAINER_METADATA_URI_V4" in s.what]
    assert step.rule == "INF"
    assert result.facts()["metadata_v4"] == ["w"]


def _paths_case(name: str) -> dict[str, Any]:
    cases = yaml.safe_load((CASES / "paths.yaml").read_text(encoding="utf-8"))
    return next(c["scenario"] for c in cases if c["name"].startswith(name))


def test_awslogs_without_an_execution_role_names_the_instance_role_it_uses() -> None:
    """On EC2 with no execution role the agent sends awslogs with the container instance
    role; the step used to say the task execution role's credentials."""
    result = run(read_setup(_paths_case("awslogs on EC2 without"), Where("s")))
    step = next(s for s in result.steps if "awslogs sends" in s.what)
    assert "container instance role's credentials" in step.what
    assert "execution role's credentials" not in step.what


def test_an_unreadable_s3_config_file_is_not_called_missing() -> None:
    """A config file given in `files` that the execution role can't read from S3 is a failed
    step; the run used to add that the file "isn't in `files`"."""
    result = run(read_setup(_paths_case("an S3 config file on EC2"), Where("s")))
    assert any("can't be read" in s.what and not s.ok for s in result.steps)
    assert not any("isn't in `files`" in note for note in result.notes)


@pytest.mark.parametrize("case", _cases("paths.yaml"))
def test_path_case(case: dict[str, Any]) -> None:
    """tests/cases/observability/paths.yaml: refusals and the less common paths."""
    if "refused" in case:
        with pytest.raises(InputError) as raised:
            read_setup(case["scenario"], Where("case.yaml"))
        assert case["refused"] in str(raised.value)
        return
    facts = run(read_setup(case["scenario"], Where("case.yaml"))).facts()
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)


@pytest.mark.parametrize(
    "case", _cases("metrics.yaml") + _cases("outputs.yaml") + _cases("reading.yaml")
)
def test_output_case(case: dict[str, Any]) -> None:
    """tests/cases/observability/{metrics,outputs,reading}.yaml: the facts a scenario gives,
    the fields the reader reads (`setup`), or a refusal: its whole message with the place,
    and its hint."""
    if "refused" in case:
        with pytest.raises(InputError) as raised:
            read_setup(case["scenario"], Where("case.yaml"))
        assert str(raised.value) == case["refused"]
        assert raised.value.hint == case.get("hint")
        return
    setup = read_setup(case["scenario"], Where("case.yaml"))
    for name, wanted in case.get("setup", {}).items():
        assert _plain(getattr(setup, name)) == wanted, name
    facts = run(setup).facts()
    for name, wanted in case.get("expect", {}).items():
        assert facts[name] == wanted, (name, facts)


def _plain(value: Any) -> Any:
    """A Setup field as YAML writes it: tuples as lists, dataclasses as maps."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def _runs() -> list[Any]:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            if "refused" not in case:
                found.append(pytest.param(case["scenario"], id=f"{path.stem}: {case['name']}"))
    return found


@pytest.mark.parametrize("scenario", _runs())
def test_every_step_holds_or_not(scenario: dict[str, Any]) -> None:
    """`--format json` shows each step's `ok` as true or false, never null, and its rule as a
    doc page, INF or nothing."""
    steps = to_json(run(read_setup(scenario, Where("s"))))["steps"]
    assert isinstance(steps, list)
    for step in steps:
        assert step["ok"] is True or step["ok"] is False, step
        assert step["rule"] in ("", "INF") or step["rule"].endswith(".html"), step


@pytest.mark.parametrize(
    ("cpu", "memory", "units"),
    [("2vCPU", "4GB", (2048, 4096)), ("0.5 vcpu", "1 gb", (512, 1024)), (512, "3072", (512, 3072))],
)
def test_task_size_as_the_console_writes_it(cpu: Any, memory: Any, units: Any) -> None:
    """RegisterTaskDefinition takes CPU as units or vCPU and memory as MiB or GB, with or
    without a space before the unit."""
    setup = read_setup({"taskDefinition": {"cpu": cpu, "memory": memory}}, Where("s"))
    assert (setup.task_cpu, setup.task_memory) == units
