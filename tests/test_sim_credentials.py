"""The credentials and registration simulators: documented examples, invariants, commands.

Case files: tests/cases/credentials/*.yaml and tests/cases/registration/*.yaml, each a
list of {name, doc, scenario, facts | refused}. Golden text: tests/golden/
simulate_credentials.txt and simulate_registration.txt (regenerate with
ECSPREP_REGOLD=1).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.credentials import read_setup, run
from ecsprep.sim.documents import Where
from ecsprep.sim.ecs_config import KEYS, Start, read_ecs_config
from ecsprep.sim.iam_policy import Decision, _matches, evaluate, read_policy
from ecsprep.sim.network_path import reach, read_network
from ecsprep.sim.registration import read_instance, register
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases"
GOLDEN = Path(__file__).parent / "golden"


def _cases(folder: str) -> list[Any]:
    found = []
    for path in sorted((CASES / folder).glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            found.append(pytest.param(case, id=case["name"]))
    return found


def _subset(wanted: dict[str, Any], facts: dict[str, object]) -> None:
    for name, value in wanted.items():
        assert facts[name] == value, f"{name}: {facts[name]!r} != {value!r}"


@pytest.mark.parametrize("case", _cases("credentials"))
def test_credentials_documented(case: dict[str, Any]) -> None:
    if "refused" in case:
        with pytest.raises(InputError) as raised:
            read_setup(case["scenario"], Where("case"))
        assert case["refused"] in str(raised.value)
        return
    _subset(case["facts"], run(read_setup(case["scenario"], Where("case"))).facts())


@pytest.mark.parametrize("case", _cases("registration"))
def test_registration_documented(case: dict[str, Any]) -> None:
    _subset(case["facts"], register(read_instance(case["scenario"], Where("case"))).facts())


# --- IAM policy evaluation -----------------------------------------------------------------

ACTIONS = st.sampled_from(["s3:GetObject", "s3:PutObject", "ecs:Poll", "kms:Decrypt"])
PATTERNS = st.sampled_from(["*", "s3:*", "s3:Get*", "ecs:Poll", "kms:*", "s3:?utObject"])
RESOURCES = st.sampled_from(["*", "arn:aws:s3:::a/*", "arn:aws:s3:::b/*"])


def _statement(effect: str, action: str, resource: str) -> dict[str, object]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@given(
    st.lists(st.tuples(st.sampled_from(["Allow", "Deny"]), PATTERNS, RESOURCES), max_size=6),
    ACTIONS,
)
def test_explicit_deny_wins(statements: list[tuple[str, str, str]], action: str) -> None:
    policy = read_policy(
        {"Version": "2012-10-17", "Statement": [_statement(*s) for s in statements]},
        Where("p"),
    )
    decided = evaluate((policy,), action, "arn:aws:s3:::a/key")
    applies = [
        effect
        for effect, pattern, resource in statements
        if _matches(pattern, action, fold=True) and _matches(resource, "arn:aws:s3:::a/key")
    ]
    if "Deny" in applies:
        assert decided.decision is Decision.EXPLICIT_DENY
    elif "Allow" in applies:
        assert decided.decision is Decision.ALLOWED
    else:
        assert decided.decision is Decision.IMPLICIT_DENY


@given(st.text("ab*?", max_size=8), st.text("ab", max_size=10))
def test_wildcards_match_like_a_regex(pattern: str, value: str) -> None:
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    assert _matches(pattern, value) == (re.fullmatch(regex, value, re.DOTALL) is not None)


def test_wildcards_are_fast_on_hostile_patterns() -> None:
    assert not _matches("*a" * 200 + "b", "a" * 5000)


def test_policy_refuses_what_iam_refuses() -> None:
    with pytest.raises(InputError, match="Effect must be Allow or Deny"):
        read_policy({"Statement": [{"Effect": "allow", "Action": "*"}]}, Where("p"))
    with pytest.raises(InputError, match="unknown key 'Actions'") as raised:
        read_policy({"Statement": [{"Effect": "Allow", "Actions": "*"}]}, Where("p"))
    assert raised.value.hint == "did you mean Action?"
    with pytest.raises(InputError, match="not a managed policy") as raised:
        read_policy("AmazonECSTaskExecutionRolePolicyy", Where("p"))
    assert raised.value.hint == "did you mean AmazonECSTaskExecutionRolePolicy?"


# --- ecs.config ----------------------------------------------------------------------------


@given(st.text(max_size=200))
def test_ecs_config_lint_never_raises(text: str) -> None:
    config = read_ecs_config(text, Where("ecs.config"))
    for key in KEYS:
        config.value(key)  # every key has an effective value


def test_ecs_config_defaults_differ_by_start() -> None:
    assert read_ecs_config("", Where("x"), Start.ECS_INIT).enabled("ECS_ENABLE_TASK_IAM_ROLE")
    assert not read_ecs_config("", Where("x"), Start.AGENT).enabled("ECS_ENABLE_TASK_IAM_ROLE")
    given_value = read_ecs_config("ECS_ENABLE_TASK_IAM_ROLE=false\n", Where("x"), Start.ECS_INIT)
    assert given_value.setting("ECS_ENABLE_TASK_IAM_ROLE").source == "ecs.config"
    assert not given_value.enabled("ECS_ENABLE_TASK_IAM_ROLE")


# --- network paths -------------------------------------------------------------------------


@given(
    st.sampled_from(["", "nat", "igw"]),
    st.booleans(),
    st.lists(st.sampled_from(["s3", "ecr.api", "logs"]), unique=True),
    st.sampled_from(["s3", "ecr.api", "logs", "dynamodb"]),
)
def test_inbound_rules_of_the_caller_never_matter(
    route: str, public: bool, endpoints: list[str], service: str
) -> None:
    routes = {
        "": [],
        "nat": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}],
        "igw": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}],
    }[route]
    base = {
        "routeTable": "rtb-a",
        "routes": routes,
        "publicIp": public,
        "securityGroups": ["sg-me"],
        "vpcEndpoints": [
            {"ServiceName": name, "PrivateDnsEnabled": True}
            if name != "s3"
            else {"ServiceName": name, "RouteTableIds": ["rtb-a"]}
            for name in endpoints
        ],
    }
    closed = {**base, "securityGroupRules": {"sg-me": []}}
    opened = {
        **base,
        "securityGroupRules": {
            "sg-me": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        },
    }
    one = reach(read_network(closed, Where("n")), service)
    other = reach(read_network(opened, Where("n")), service)
    assert one.ok == other.ok
    # a NAT route reaches everything
    if route == "nat":
        assert one.ok


# --- the commands --------------------------------------------------------------------------

SCENARIO = """
launchType: EC2
instanceRole: ecsInstanceRole
taskDefinition:
  family: orders
  networkMode: bridge
  taskRoleArn: arn:aws:iam::111122223333:role/orders-task
  containerDefinitions:
    - name: app
      image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/orders:3
      secrets:
        - name: DB_PASSWORD
          valueFrom: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"
      logConfiguration: {logDriver: awslogs, options: {awslogs-group: /ecs/orders}}
"""


def _scenario(tmp_path: Path) -> Path:
    document = yaml.safe_load(SCENARIO)
    document["taskDefinition"]["executionRoleArn"] = "arn:aws:iam::111122223333:role/exec"
    document["roles"] = {
        "ecsInstanceRole": {"policies": ["AmazonEC2ContainerServiceforEC2Role"]},
        "orders-task": {"policies": []},
        "exec": {"policies": ["AmazonECSTaskExecutionRolePolicy"]},
    }
    document["secretsManager"] = [
        {
            "ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
            "SecretString": "x",
        }
    ]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ECSPREP_REGOLD") == "1":
        path.write_text(text)
    assert text == path.read_text()


def test_credentials_command_text(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "credentials", str(_scenario(tmp_path))])
    assert result.exit_code == 0, result.output
    _golden("simulate_credentials.txt", result.output)


def test_credentials_command_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["simulate", "credentials", str(_scenario(tmp_path)), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["facts"]["starts"] is False
    assert data["facts"]["denied"] == ["exec: secretsmanager:GetSecretValue"]
    assert data["facts"]["pull_by"] == "exec"
    assert data["steps"][-1]["outcome"] == "denied"


def test_credentials_command_flags(tmp_path: Path) -> None:
    taskdef = tmp_path / "taskdef.json"
    taskdef.write_text(
        json.dumps(
            {
                "family": "web",
                "taskRoleArn": "arn:aws:iam::111122223333:role/web",
                "containerDefinitions": [{"name": "web", "image": "nginx"}],
            }
        )
    )
    config = tmp_path / "ecs.config"
    config.write_text("ECS_CLUSTER=prod\n")
    policy = tmp_path / "web.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        )
    )
    args = ["simulate", "credentials", "--task-definition", str(taskdef), "--launch-type", "ec2"]
    args += ["--ecs-config", str(config), "--agent-start", "agent", "--instance-role", "inst"]
    args += ["--role", "inst=AmazonEC2ContainerServiceforEC2Role", "--role", f"web={policy}"]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)["facts"]
    assert facts["app"] == "inst"  # the bare agent serves no task role
    assert facts["app_via"] == "instance-metadata"


def test_credentials_command_refusal(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "launchType: FARGATE\ntaskDefinition:\n  networkMode: awsvpc\n  containerDefinitions:\n"
        "    - {name: web, image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1'}\n"
    )
    result = CliRunner().invoke(app, ["simulate", "credentials", str(path)])
    assert result.exit_code == 2
    assert "Fargate requires task definition to have execution role ARN" in result.output
    assert "Traceback" not in result.output


def test_credentials_command_needs_input() -> None:
    result = CliRunner().invoke(app, ["simulate", "credentials"])
    assert result.exit_code == 2
    assert "no task definition given" in result.output


def test_registration_command_text(tmp_path: Path) -> None:
    config = tmp_path / "ecs.config"
    config.write_text(
        "ECS_CLUSTER=payments\nECS_ENABLE_TASK_IAM_ROEL=true\nECS_RESERVED_MEMORY=256\n"
    )
    result = CliRunner().invoke(
        app,
        ["simulate", "registration", "--ecs-config", str(config), "--cluster", "payments"],
    )
    assert result.exit_code == 0, result.output
    _golden("simulate_registration.txt", result.output.replace(str(tmp_path), "TMP"))


def test_registration_command_json(tmp_path: Path) -> None:
    config = tmp_path / "ecs.config"
    config.write_text("ECS_CLUSTER=payments\n")
    result = CliRunner().invoke(
        app, ["simulate", "registration", "--ecs-config", str(config), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)["facts"]
    assert facts["registers"] is False
    assert facts["reason"] == "cluster-not-found"


def test_registration_command_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "registration"])
    assert result.exit_code == 2
    assert "nothing to simulate" in result.output
    bad = tmp_path / "s.yaml"
    bad.write_text("ami: windows\n")
    result = CliRunner().invoke(app, ["simulate", "registration", str(bad)])
    assert result.exit_code == 2
    assert "use ecs-optimized, with-agent or plain" in result.output


def test_question_with_a_credentials_check_as_json() -> None:
    result = CliRunner().invoke(
        app, ["simulate", "question", "security-confused-deputy-trust-policy", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["scenario"] == "inline"
    right = {o["key"] for o in data["options"] if o["verdict"] and o["verdict"]["right"]}
    assert right == {"D"}
    by_key = {o["key"]: o for o in data["options"]}
    assert by_key["D"]["observed"]["task_role_assumed_for"] == ["111122223333"]


def test_question_with_a_registration_check_as_text() -> None:
    result = CliRunner().invoke(
        app, ["simulate", "question", "seed-instance-not-registering-not-a-reason"]
    )
    assert result.exit_code == 0, result.output
    assert "The instance registers into default" in result.output
    assert "inbound security group rules play no part" in result.output
