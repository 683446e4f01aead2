"""The service-discovery simulator: documented examples, invariants, the command.

Case file: tests/cases/service_discovery/*.yaml, a list of {name, doc, scenario, facts |
refused}, optionally `notes` and `no_notes` (texts the run's notes do or don't contain).
Golden text: tests/golden/simulate_service_discovery.txt (regenerate with
ECSPREP_REGOLD=1).
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
from ecsprep.sim.service_discovery import discover, read_world
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "service_discovery"
GOLDEN = Path(__file__).parent / "golden" / "simulate_service_discovery.txt"


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            found.append(pytest.param(case, id=case["name"]))
    return found


@pytest.mark.parametrize("case", _cases())
def test_documented(case: dict[str, Any]) -> None:
    if "refused" in case:
        with pytest.raises(InputError) as raised:
            read_world(case["scenario"], Where("case"))
        assert case["refused"] in str(raised.value)
        return
    result = discover(read_world(case["scenario"], Where("case")))
    facts = result.facts()
    for name, value in case["facts"].items():
        assert facts[name] == value, f"{name}: {facts[name]!r} != {value!r}"
    for text in case.get("notes", []):
        assert any(text in note for note in result.notes), (text, result.notes)
    for text in case.get("no_notes", []):
        assert not any(text in note for note in result.notes), (text, result.notes)


@pytest.mark.parametrize("case", [c for c in _cases() if "facts" in c.values[0]])
def test_a_call_is_marked_failed_only_at_the_step_where_it_stops(case: dict[str, Any]) -> None:
    """What the learner reads: ✔ on every step of a call that reaches its server; a call that
    doesn't reach stops at its one ✘ step, its last."""
    for trace in discover(read_world(case["scenario"], Where("case"))).traces:
        marks = [step.ok for step in trace.steps]
        assert marks, trace.call.text
        if trace.reaches:
            assert all(marks), trace.call.text
        else:
            assert marks[-1] is False, trace.call.text
            assert all(marks[:-1]), trace.call.text


def _sc_world(order: list[str], redeploy_client: bool) -> dict[str, Any]:
    """A client-only service and a server whose alias appears at some step."""
    steps: dict[str, Any] = {
        "client": {
            "createService": {
                "serviceName": "client",
                "taskDefinition": "client",
                "serviceConnectConfiguration": {"enabled": True, "namespace": "shop"},
            }
        },
        "server": {
            "createService": {
                "serviceName": "server",
                "taskDefinition": "server",
                "serviceConnectConfiguration": {
                    "enabled": True,
                    "namespace": "shop",
                    "services": [{"portName": "web", "clientAliases": [{"port": 80}]}],
                },
            }
        },
    }
    deployments = [steps[name] for name in order]
    if redeploy_client:
        deployments.append({"updateService": {"service": "client", "forceNewDeployment": True}})
    return {
        "namespace": {"Name": "shop", "Type": "HTTP"},
        "taskDefinitions": [
            {"family": "client", "networkMode": "awsvpc", "containerDefinitions": [{"name": "c"}]},
            {
                "family": "server",
                "networkMode": "awsvpc",
                "containerDefinitions": [
                    {"name": "app", "portMappings": [{"containerPort": 8080, "name": "web"}]}
                ],
            },
        ],
        "deployments": deployments,
        "calls": [{"from": "client", "to": "web.shop:80"}],
    }


@given(st.permutations(["client", "server"]), st.booleans())
@settings(max_examples=20, deadline=None)
def test_a_client_sees_an_endpoint_only_if_it_started_after_it(
    order: list[str], redeploy: bool
) -> None:
    facts = discover(read_world(_sc_world(order, redeploy), Where("t"))).facts()
    started_after = order[0] == "server" or redeploy
    assert facts["resolves"] == {"client -> web.shop:80": started_after}


@given(st.lists(st.sampled_from(["HEALTHY", "UNHEALTHY"]), min_size=1, max_size=6))
@settings(max_examples=30, deadline=None)
def test_custom_health_check_answers_exactly_the_healthy_tasks(states: list[str]) -> None:
    world = {
        "namespace": {"Name": "corp.local"},
        "cloudMapServices": [
            {
                "Id": "srv-q",
                "Name": "q",
                "DnsConfig": {"DnsRecords": [{"Type": "A"}]},
                "HealthCheckCustomConfig": {},
            }
        ],
        "taskDefinitions": [
            {
                "family": "q",
                "networkMode": "awsvpc",
                "containerDefinitions": [{"name": "a", "portMappings": [{"containerPort": 80}]}],
            }
        ],
        "deployments": [
            {
                "createService": {
                    "serviceName": "q",
                    "taskDefinition": "q",
                    "serviceRegistries": [
                        {"registryArn": "arn:aws:servicediscovery:us-east-1:1:service/srv-q"}
                    ],
                }
            }
        ],
        "taskHealth": {"q": states},
        "callers": [{"name": "fn", "kind": "lambda"}],
        "calls": [{"from": "fn", "to": "q.corp.local:80"}],
    }
    facts = discover(read_world(world, Where("t"))).facts()
    answers = facts["answers"]["fn -> q.corp.local:80"]  # type: ignore[index]
    assert len(answers) == states.count("HEALTHY")
    assert facts["resolves"] == {"fn -> q.corp.local:80": bool(answers)}


SCENARIO = """\
namespace: {Name: shop, Type: HTTP}
taskDefinitions:
  - family: payments
    networkMode: awsvpc
    containerDefinitions:
      - {name: app, portMappings: [{containerPort: 9090, name: api, appProtocol: http}]}
  - family: orders
    networkMode: awsvpc
    containerDefinitions: [{name: orders}]
deployments:
  - createService:
      serviceName: payments
      taskDefinition: payments
      desiredCount: 2
      networkConfiguration: {awsvpcConfiguration: {securityGroups: [sg-payments]}}
      serviceConnectConfiguration:
        enabled: true
        namespace: shop
        services: [{portName: api, clientAliases: [{dnsName: payments, port: 80}]}]
  - createService:
      serviceName: orders
      taskDefinition: orders
      networkConfiguration: {awsvpcConfiguration: {securityGroups: [sg-orders]}}
      serviceConnectConfiguration: {enabled: true, namespace: shop}
securityGroups:
  - GroupId: sg-payments
    IpPermissions:
      - {IpProtocol: tcp, FromPort: 80, ToPort: 80, UserIdGroupPairs: [{GroupId: sg-orders}]}
  - {GroupId: sg-orders}
callers: [{name: fn, kind: lambda}]
calls:
  - {from: orders, to: "payments:80"}
  - {from: fn, to: "payments:80"}
"""


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO)
    return path


def test_command_text(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["simulate", "service-discovery", str(_scenario(tmp_path))], env={"COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.output
    if os.environ.get("ECSPREP_REGOLD") == "1":
        GOLDEN.write_text(result.output)
    assert result.output == GOLDEN.read_text()


def test_command_json_and_call_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "service-discovery",
            str(_scenario(tmp_path)),
            "--call",
            "orders=payments.shop:80",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    facts = data["facts"]
    assert facts["blocked_by"] == {
        "orders -> payments:80": "security-group",
        "fn -> payments:80": "no-proxy",
        "orders -> payments.shop:80": "not-resolved",
    }
    assert facts["arrives_on"]["orders -> payments:80"] == 9090
    assert facts["http_metrics"] == ["payments"]
    assert data["calls"][0]["steps"][-1]["rule"].startswith("vpc/")


def test_command_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "service-discovery"])
    assert result.exit_code == 2
    assert "nothing to simulate" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO.replace("portName: api", "portName: http"))
    result = CliRunner().invoke(app, ["simulate", "service-discovery", str(bad)])
    assert result.exit_code == 2
    assert "must match the name of one of the portMappings" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(
        app, ["simulate", "service-discovery", str(_scenario(tmp_path)), "--call", "nope"]
    )
    assert result.exit_code == 2
    assert "CALLER=NAME" in result.output
