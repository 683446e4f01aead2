"""Input reading: units, task-definition refusals, flags, and every documented
CQL expression evaluated against the facts the simulator gives an instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsprep.errors import InputError
from ecsprep.sim import cql
from ecsprep.sim.cluster import ClusterState
from ecsprep.sim.constraints import parse_constraint
from ecsprep.sim.documents import Where, parse_text
from ecsprep.sim.instances import parse_fleet
from ecsprep.sim.resources import read_cpu, read_memory
from ecsprep.sim.scenario import Overrides, build_scenario, parse_port
from ecsprep.sim.strategies import parse_strategy
from ecsprep.sim.taskdef import read_task_definition

CORPUS_CQL = Path(__file__).parent / "corpus" / "cql" / "expressions.txt"


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("512", 512),
        (256, 256),
        ("1 vCPU", 1024),
        ("1 vcpu", 1024),
        (".25 vcpu", 256),
        ("2 vCPU", 2048),
    ],
)
def test_cpu_units(text: object, units: int) -> None:
    assert read_cpu(text, Where("t")) == units


@pytest.mark.parametrize(
    ("text", "mib"),
    [("512", 512), ("2 GB", 2048), ("2 gb", 2048), (".5 gb", 512), ("1GB", 1024), (300, 300)],
)
def test_memory_mib(text: object, mib: int) -> None:
    assert read_memory(text, Where("t")) == mib


@pytest.mark.parametrize("text", ["", "lots", "1.3 vcpu", "${Cpu}", "-5"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        read_cpu(text, Where("t"))


REFUSALS = [
    (
        {"family": "x", "containerDefinitions": [{"name": "a"}]},
        "At least one of 'memory' or 'memoryReservation'",
    ),
    (
        {
            "family": "x",
            "containerDefinitions": [{"name": "a", "memory": 100, "memoryReservation": 200}],
        },
        "memoryReservation",
    ),
    (
        {
            "family": "x",
            "networkMode": "host",
            "containerDefinitions": [
                {"name": "a", "memory": 64, "portMappings": [{"containerPort": 80, "hostPort": 81}]}
            ],
        },
        "When networkMode=host",
    ),
    (
        {
            "family": "x",
            "containerDefinitions": [
                {
                    "name": "a",
                    "memory": 64,
                    "portMappings": [{"containerPort": 80, "hostPort": 80}],
                },
                {
                    "name": "b",
                    "memory": 64,
                    "portMappings": [{"containerPort": 81, "hostPort": 80}],
                },
            ],
        },
        "TCP host port '80' is mapped multiple times in task.",
    ),
    (
        {
            "family": "x",
            "networkMode": "none",
            "containerDefinitions": [
                {"name": "a", "memory": 64, "portMappings": [{"containerPort": 80}]}
            ],
        },
        "networkMode is none",
    ),
    (
        {
            "family": "x",
            "placementConstraints": [{"type": "distinctInstance"}],
            "containerDefinitions": [{"name": "a", "memory": 64}],
        },
        "only memberOf",
    ),
    (
        {
            "family": "x",
            "placementConstraints": [
                {"type": "memberOf", "expression": "attribute:ecs.instance-type =="}
            ],
            "containerDefinitions": [{"name": "a", "memory": 64}],
        },
        "expected a value after '==' at column 30",
    ),
    (
        {"family": "x", "memory": "128", "containerDefinitions": [{"name": "a", "memory": 256}]},
        "more than the task's 128 MiB",
    ),
    (
        {
            "family": "x",
            "networkMode": "{{mode}}",
            "containerDefinitions": [{"name": "a", "memory": 64}],
        },
        "placeholder {{mode}}",
    ),
    ({"family": "x", "containerDefinitions": []}, "at least one container"),
]


@pytest.mark.parametrize(("document", "words"), REFUSALS)
def test_task_definition_refusals(document: dict[str, object], words: str) -> None:
    with pytest.raises(InputError) as caught:
        read_task_definition(document, Where("td.json"))
    assert words in caught.value.message
    assert caught.value.message.startswith("td.json")


def test_placeholders_outside_placement_fields_become_notes() -> None:
    spec = read_task_definition(
        {
            "family": "x",
            "executionRoleArn": "${ROLE}",
            "containerDefinitions": [{"name": "a", "image": "{{img}}", "memory": 64}],
        },
        Where("td.json"),
    )
    assert len(spec.notes) == 2
    assert "${ROLE}" in spec.notes[0]


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        parse_text('{\n  "a": 1\n  "b": 2\n}', "f.json")
    assert caught.value.message.startswith("f.json:3:3: invalid JSON")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("binpack:memory", "binpack(memory)"),
        ("binpack:CPU", "binpack(cpu)"),
        ("spread:host", "spread(instanceId)"),
        ("spread:attribute:ecs.availability-zone", "spread(attribute:ecs.availability-zone)"),
        ("random", "random"),
    ],
)
def test_strategy_flag(text: str, expected: str) -> None:
    assert parse_strategy(text).text == expected


@pytest.mark.parametrize(
    "text", ["binpack", "binpack:disk", "spread", "spread:zone", "pack:memory"]
)
def test_bad_strategy_flags(text: str) -> None:
    with pytest.raises(InputError):
        parse_strategy(text)


def test_constraint_flag_forms() -> None:
    assert parse_constraint("distinctInstance").text == "distinctInstance"
    assert parse_constraint("memberOf:attribute:a == b").text == "memberOf(attribute:a == b)"
    assert parse_constraint("memberOf(attribute:a == b)").text == "memberOf(attribute:a == b)"
    with pytest.raises(InputError) as caught:
        parse_constraint("memberOf:attribute:ecs.instance-type == ${GpuInstanceType}")
    assert "GpuInstanceType" in caught.value.message


@pytest.mark.parametrize(
    ("text", "container", "host", "protocol"),
    [
        ("80", 80, None, "tcp"),
        ("80:80", 80, 80, "tcp"),
        ("53:53/udp", 53, 53, "udp"),
        ("8080:0", 8080, None, "tcp"),
    ],
)
def test_port_flag(text: str, container: int, host: int | None, protocol: str) -> None:
    port = parse_port(text)
    assert (port.container_port, port.host_port, port.protocol.value) == (container, host, protocol)


def test_fleet_round_robin_and_errors() -> None:
    fleet = parse_fleet(["3xm5.large@us-east-1a,us-east-1b", "1xt3.small"])
    assert [i.availability_zone for i in fleet] == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1a",
        "us-east-1a",
    ]
    assert fleet[0].registered_cpu == 2048
    assert fleet[3].instance_type == "t3.small"
    for bad in ("3 m5.large", "3xm9.huge"):
        with pytest.raises(InputError):
            parse_fleet([bad])


def test_limits() -> None:
    strategies = tuple(parse_strategy("random") for _ in range(6))
    with pytest.raises(InputError, match="at most 5"):
        build_scenario(
            {"fleet": ["1xm5.large"]}, Where("s"), Path("."), Overrides(strategies=strategies)
        )
    with pytest.raises(InputError, match="does not support launch_type EC2"):
        build_scenario(
            {
                "fleet": ["1xm5.large"],
                "taskDefinition": {
                    "family": "f",
                    "requiresCompatibilities": ["FARGATE"],
                    "cpu": "256",
                    "memory": "512",
                    "networkMode": "awsvpc",
                    "containerDefinitions": [{"name": "a"}],
                },
            },
            Where("s"),
            Path("."),
            Overrides(),
        )


# --- every documented CQL expression, against one cluster ----------------------

CLUSTER = {
    "containerInstances": [
        {
            "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{name}",
            "ec2InstanceId": ec2,
            "versionInfo": {"agentVersion": version},
            "registeredAt": registered,
            "registeredResources": [
                {"name": "CPU", "integerValue": 4096},
                {"name": "MEMORY", "integerValue": 8000},
            ],
            "attributes": [{"name": k, "value": v} for k, v in attributes.items()],
        }
        for name, ec2, version, registered, attributes in [
            (
                "a",
                "i-abcd1234",
                "1.14.4",
                "2018-01-01T00:00:00Z",
                {
                    "ecs.instance-type": "t2.small",
                    "ecs.availability-zone": "us-east-1a",
                    "stack": "prod",
                },
            ),
            (
                "b",
                "i-wxyx7890",
                "1.9.0",
                "2018-03-01T00:00:00Z",
                {
                    "ecs.instance-type": "t2.medium",
                    "ecs.availability-zone": "us-east-1b",
                    "stack": "dev",
                },
            ),
            (
                "c",
                "i-0000000c",
                "1.14.10",
                "2019-01-01T00:00:00Z",
                {"ecs.instance-type": "g2.2xlarge", "ecs.availability-zone": "us-east-1d"},
            ),
            (
                "d",
                "i-0000000d",
                "1.20.0",
                "2020-01-01T00:00:00Z",
                {
                    "ecs.instance-type": "g2.2xlarge",
                    "ecs.availability-zone": "us-east-1a",
                    "ecs.os-type": "linux",
                    "ecs.cpu-architecture": "arm64",
                    "color": "green",
                },
            ),
            (
                "e",
                "i-0000000e",
                "1.70.0",
                "2021-01-01T00:00:00Z",
                {
                    "ecs.instance-type": "inf1.xlarge",
                    "ecs.availability-zone": "us-east-2a",
                    "ecs.os-type": "linux",
                },
            ),
        ]
    ],
    "tasks": [
        {"containerInstanceArn": "a", "group": "service:production"},
        {"containerInstanceArn": "b", "group": "database"},
        {"containerInstanceArn": "c", "group": "databases"},
    ],
}
SELECTIONS = {
    "attribute:ecs.instance-type == t2.small": "a",
    "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]": "abd",
    "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d": "d",
    "task:group == service:production": "a",
    "not(task:group == database)": "acde",
    "runningTasksCount == 1": "abc",
    "agentVersion < 1.14.5": "ab",
    "registeredAt < 2018-02-13": "a",
    "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']": "ab",
    "attribute:ecs.instance-type == g2.2xlarge": "cd",
    "attribute:stack == prod": "a",
    "attribute:stack != prod": "b",
    "attribute:ecs.instance-type in [t2.small, t2.medium]": "ab",
    "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a": "a",
    "attribute:ecs.instance-type =~ t2.*": "ab",
    "task:group == databases": "c",
    "attribute:ecs.os-type == linux": "de",
    "attribute:ecs.instance-type == dl1.24xlarge": "",
    "attribute:ecs.instance-type == p2.xlarge": "",
    "attribute:ecs.instance-type == Inf1.xlarge": "",  # values compare case-sensitively
    "attribute:ecs.instance-type == inf1.xlarge": "e",
    "attribute:ecs.instance-type == vt1.3xlarge": "",
    "attribute:ecs.instance-type == vt1.6xlarge": "",
    "attribute:ecs.instance-type == vt1.24xlarge": "",
    "attribute:ecs.availability-zone != us-east-1d": "abde",
    "attribute:color =~ green": "d",
    "attribute:ecs.cpu-architecture == arm64": "d",
    "attribute:ecs.availability-zone in [ap-northeast-1a, ap-northeast-1c]": "",
    "attribute:ecs.availability-zone in [us-east-2a, us-east-2b]": "e",
    "attribute:ecs.availability-zone in [us-west-2a, us-west-2b]": "",
}
REFUSED_EXPRESSIONS = {
    "attribute:ecs.instance-type == ${GpuInstanceType}",
    "attribute:ecs.availability-zone in [${var.az_1},${var.az_2}]",
    "memberOf(attribute:ecs.os-family == WINDOWS_SERVER_<OS_Release>_<FULL or CORE>)",
}


def cluster_states() -> ClusterState:
    scenario = build_scenario(CLUSTER, Where("cql"), Path("."), Overrides())
    return ClusterState(scenario, list(range(len(scenario.instances))))


@pytest.mark.parametrize(("expression", "expected"), SELECTIONS.items())
def test_documented_expression_selects(expression: str, expected: str) -> None:
    parsed = cql.parse(expression)
    chosen = "".join(s.instance.short_id for s in cluster_states().states if parsed.matches(s))
    assert chosen == expected


@pytest.mark.parametrize("expression", sorted(REFUSED_EXPRESSIONS))
def test_template_expressions_are_refused(expression: str) -> None:
    with pytest.raises(InputError):
        parse_constraint(f"memberOf:{expression}")


def test_every_corpus_expression_is_covered() -> None:
    lines = {line.strip() for line in CORPUS_CQL.read_text().splitlines() if line.strip()}
    assert lines <= set(SELECTIONS) | REFUSED_EXPRESSIONS
