"""The front-door simulator (sim/front_door/), its command and invariants."""

from __future__ import annotations

import copy
import ipaddress
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
from ecsprep.sim.front_door import read_setup, run
from ecsprep.ui.app import app
from tests.case_tables import case_params

CASES = Path(__file__).parent / "cases" / "front_door"
GOLDEN = Path(__file__).parent / "golden" / "simulate_front_door.txt"


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


def test_every_block_cites_a_rule() -> None:
    for case in yaml.safe_load((CASES / "documented.yaml").read_text()):
        result = run(read_setup(case["scenario"], Where("s")))
        for trip in result.trips:
            for d in trip.decisions:
                if d.verdict.value in ("block", "forward"):
                    assert d.rule or d.inferred, (case["name"], d)


def _api(stage: str, overwrite: bool) -> dict[str, Any]:
    integration: dict[str, Any] = {
        "IntegrationId": "i1",
        "ConnectionType": "VPC_LINK",
        "ConnectionId": "vl",
        "IntegrationUri": "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/1/2",
    }
    if overwrite:
        integration["RequestParameters"] = {"overwrite:path": "$request.path"}
    return {
        "ApiId": "api1",
        "Stages": [{"StageName": stage}],
        "Integrations": [integration],
        "Routes": [{"RouteKey": "ANY /{proxy+}", "Target": "integrations/i1"}],
    }


SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(stage=SEGMENT, parts=st.lists(SEGMENT, min_size=1, max_size=4), overwrite=st.booleans())
def test_private_integration_path(stage: str, parts: list[str], overwrite: bool) -> None:
    """An HTTP API private integration sends /STAGE/PATH, or PATH when overwrite:path is
    $request.path; the ALB forwards everything, so the request always arrives."""
    path = "/" + "/".join(parts)
    document = {
        "loadBalancers": [
            {
                "LoadBalancerName": "alb",
                "Scheme": "internal",
                "Listeners": [
                    {"Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "tg"}]}
                ],
            }
        ],
        "targetGroups": [{"TargetGroupName": "tg", "service": "svc"}],
        "vpcLinks": [{"VpcLinkId": "vl"}],
        "httpApis": [_api(stage, overwrite)],
        "requests": [
            {"name": "r", "url": f"https://api1.execute-api.us-east-1.amazonaws.com/{stage}{path}"}
        ],
    }
    facts = run(read_setup(document, Where("s"))).facts()
    assert facts["reaches"] == {"r": "svc"}
    assert facts["backend_path"] == {"r": path if overwrite else f"/{stage}{path}"}


OCTET = st.integers(min_value=0, max_value=255)


@settings(max_examples=80, deadline=None)
@given(
    source=st.tuples(OCTET, OCTET, OCTET, OCTET),
    cidrs=st.lists(
        st.tuples(OCTET, OCTET, st.sampled_from([8, 16, 24, 32])), min_size=1, max_size=3
    ),
)
def test_security_group_admits_exactly_its_cidrs(
    source: tuple[int, int, int, int], cidrs: list[tuple[int, int, int]]
) -> None:
    """A direct request reaches the service exactly when one inbound CIDR holds its source."""
    blocks = [str(ipaddress.ip_network(f"{a}.{b}.0.0/{n}", strict=False)) for a, b, n in cidrs]
    address = ".".join(str(o) for o in source)
    document = {
        "loadBalancers": [
            {
                "LoadBalancerName": "web",
                "SecurityGroups": ["sg"],
                "Listeners": [
                    {"Port": 443, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "tg"}]}
                ],
            }
        ],
        "targetGroups": [{"TargetGroupName": "tg", "service": "svc"}],
        "securityGroups": [
            {
                "GroupId": "sg",
                "IpPermissions": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "IpRanges": [{"CidrIp": c} for c in blocks],
                    }
                ],
            }
        ],
        "requests": [
            {"name": "r", "url": "https://web.us-east-1.elb.amazonaws.com/", "sourceIp": address}
        ],
    }
    facts = run(read_setup(document, Where("s"))).facts()
    inside = any(ipaddress.ip_address(address) in ipaddress.ip_network(c) for c in blocks)
    assert facts["reaches"] == {"r": "svc" if inside else False}


SCENARIO = """
description: HTTP API stage prod in front of an internal ALB that routes /orders/*.
region: eu-west-1
loadBalancers:
  - LoadBalancerName: orders-alb
    Scheme: internal
    Listeners:
      - Port: 80
        DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "404"}}]
        Rules:
          - Priority: 10
            Conditions: [{Field: path-pattern, PathPatternConfig: {Values: ["/orders/*"]}}]
            Actions: [{Type: forward, TargetGroupArn: orders-tg}]
targetGroups:
  - {TargetGroupName: orders-tg, service: orders}
vpcLinks:
  - {VpcLinkId: vl-1}
httpApis:
  - ApiId: abc123
    Stages: [{StageName: prod}]
    Integrations:
      - IntegrationId: int-1
        ConnectionType: VPC_LINK
        ConnectionId: vl-1
        IntegrationUri: "arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/orders-alb/1/2"
    Routes:
      - {RouteKey: "ANY /orders/{proxy+}", Target: integrations/int-1}
requests:
  - {name: client, url: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders/42"}
"""


def _invoke(tmp_path: Path, text: str, *args: str) -> Any:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return CliRunner().invoke(
        app, ["simulate", "front-door", str(path), *args], env={"COLUMNS": "100"}
    )


def test_command_text_golden(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO)
    assert result.exit_code == 0, result.output
    shown = result.output.replace(str(tmp_path), "TMP")
    assert shown == GOLDEN.read_text()


def test_command_json(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reaches"] == {"client": False}
    assert data["status"] == {"client": 404}
    verdicts = [d["verdict"] for d in data["requests"][0]["decisions"]]
    assert verdicts == ["accept", "forward", "forward", "accept", "block"]


def test_command_json_decisions(tmp_path: Path) -> None:
    """--format json gives each request's name, URL and every decision (hop, verdict, what,
    the rule's page, INF) as the text output shows them (tests/golden/simulate_front_door.txt),
    and the run's notes."""
    result = _invoke(tmp_path, SCENARIO, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    private = "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    private += "http-api-develop-integrations-private.html"
    rules = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
    rules += "rule-condition-types.html"
    api, alb = "HTTP API abc123", "ALB orders-alb"
    assert data["requests"] == [
        {
            "name": "client",
            "url": "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders/42",
            "decisions": [
                {
                    "hop": api,
                    "verdict": "accept",
                    "what": "stage prod, route ANY /orders/{proxy+}",
                    "rule": "",
                    "inferred": False,
                },
                {
                    "hop": api,
                    "verdict": "forward",
                    "what": "private integrations include the stage in the backend path: "
                    "/prod/orders/42",
                    "rule": private,
                    "inferred": False,
                },
                {
                    "hop": api,
                    "verdict": "forward",
                    "what": "through VPC link vl-1 (V2) to ALB orders-alb",
                    "rule": private,
                    "inferred": False,
                },
                {
                    "hop": alb,
                    "verdict": "accept",
                    "what": "from the VPC link: ecsprep assumes its security groups admit it, as "
                    "the docs instruct",
                    "rule": private,
                    "inferred": True,
                },
                {
                    "hop": alb,
                    "verdict": "block",
                    "what": "listener 80: default action: fixed response 404",
                    "rule": rules,
                    "inferred": False,
                },
            ],
        }
    ]
    assert data["notes"] == ["INF marks a choice the AWS docs leave open (docs/front-door.md)"]
    assert data["backend_path"] == {"client": "/prod/orders/42"}
    assert data["hops"] == {"client": [api, alb]}


def test_command_without_a_description(tmp_path: Path) -> None:
    """A scenario without a description starts its text with the first request."""
    text = SCENARIO.replace(SCENARIO.split("\n")[1] + "\n", "")
    assert "description" not in text
    result = _invoke(tmp_path, text)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first == "client: https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders/42"


def test_command_request_flag(tmp_path: Path) -> None:
    url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/other"
    result = _invoke(tmp_path, SCENARIO, "--request", url, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"]["--request 1"] == 404
    assert data["blocked_by"]["--request 1"] == "route"


def test_command_refuses_with_aws_message(tmp_path: Path) -> None:
    bad = SCENARIO.replace(
        "ConnectionId: vl-1\n", 'ConnectionId: vl-1\n        PayloadFormatVersion: "2.0"\n'
    )
    result = _invoke(tmp_path, bad)
    assert result.exit_code == 2
    assert "1.0 is the only supported value" in result.output
    assert "Traceback" not in result.output


def _rest_only_check() -> dict[str, Any]:
    from ecsprep.packs.load import load_library

    library = load_library(include_user=False, cache=False).library
    check = library.questions["fd-rest-only-features"].check
    assert check is not None
    return copy.deepcopy(dict(check))


def test_rest_only_claim_needs_the_rest_only_refusal() -> None:
    """fd-rest-only-features: "only a REST API can meet it" is an HTTP API refusing the feature
    as one to choose REST APIs for (http-api-vs-rest.html). A refusal for another reason that
    merely names HTTP APIs (here a VPC link V1 on option A) must not make A right."""
    from ecsprep.sim.check import judge, run_check

    check = _rest_only_check()
    where = Where("ecs-networking.yaml", "fd-rest-only-features")
    right = {v.key for v in judge(check, run_check(check, where), None) if v.right}
    assert right == {"B", "D"}
    option = check["options"]["A"]
    option["change"] = {
        "vpcLinks": [
            {
                "VpcLinkId": "vl-1",
                "VpcLinkVersion": "V1",
                "TargetArns": ["arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/net/nlb/1"],
            }
        ],
        "loadBalancers": [
            {"LoadBalancerName": "nlb", "Type": "network", "Scheme": "internal", "Listeners": []}
        ],
    }
    option["expect"] = {"refused": "HTTP APIs use VPC links V2"}
    verdicts = {v.key: v for v in judge(check, run_check(check, where, only=["A"]), None)}
    assert not verdicts["A"].right, verdicts["A"]


INF_SCENARIO = """
loadBalancers:
  - LoadBalancerName: inner
    Scheme: internal
    Listeners: [{Port: 443, DefaultActions: [{Type: forward, TargetGroupArn: tg}]}]
  - LoadBalancerName: web
    Listeners: [{Port: 443, DefaultActions: [{Type: forward, TargetGroupArn: tg}]}]
targetGroups: [{TargetGroupName: tg, service: web}]
httpApis:
  - ApiId: api1
    Integrations:
      - {IntegrationId: i1, IntegrationUri: "https://internal-inner.us-east-1.elb.amazonaws.com/"}
    Routes: [{RouteKey: "GET /", Target: integrations/i1}]
distributions:
  - Id: E1
    DistributionConfig:
      Origins: {Items: [{Id: o, DomainName: web.us-east-1.elb.amazonaws.com}]}
requests:
  - {name: api, url: "https://api1.execute-api.us-east-1.amazonaws.com/"}
  - {name: cdn, url: "https://e1.cloudfront.net/"}
"""


def test_inf_marks_the_choices_the_docs_leave_open(tmp_path: Path) -> None:
    """--format json marks as inferred (INF) what the docs don't state: that API Gateway answers
    500 when a public HTTP integration names an internal load balancer, and the origin-facing
    address CloudFront connects from; what the docs state is not marked."""
    result = _invoke(tmp_path, INF_SCENARIO, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    marks = {
        r["name"]: [(d["hop"], d["verdict"], d["inferred"]) for d in r["decisions"]]
        for r in data["requests"]
    }
    assert marks == {
        "api": [
            ("HTTP API api1", "accept", False),
            ("HTTP API api1", "forward", True),
            ("ALB inner", "fail", True),
        ],
        "cdn": [
            ("CloudFront E1", "accept", False),
            ("CloudFront E1", "forward", True),
            ("ALB web", "forward", False),
            ("ECS service web", "reach", True),
        ],
    }
    assert data["status"] == {"api": 500, "cdn": 200}


@pytest.mark.parametrize(
    ("resource", "refusal"),
    [
        # Too few parts to name a Region: not an ALB's or a stage's ARN.
        ("arn:aws:appsync", "ecsprep models web ACL associations with load balancers and API"),
        ("arn", "'arn' isn't an ARN: the ARN must be in one of the following formats"),
        ("ARN:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/a/1", "isn't an ARN"),
    ],
)
def test_association_resource_arn_of_another_form(resource: str, refusal: str) -> None:
    """AssociateWebACL's ResourceArn: a value that isn't arn:partition:service:region:… is
    refused with AWS's list of formats, or as a resource ecsprep doesn't model."""
    document = {
        "loadBalancers": [{"LoadBalancerName": "a", "Listeners": []}],
        "webAcls": [{"Name": "w", "Scope": "REGIONAL", "Region": "us-east-1"}],
        "associations": [{"WebACLArn": "w", "ResourceArn": resource}],
    }
    with pytest.raises(InputError) as raised:
        read_setup(document, Where("case.yaml"))
    assert str(raised.value).startswith("case.yaml associations[0].ResourceArn: ")
    assert refusal in str(raised.value)
