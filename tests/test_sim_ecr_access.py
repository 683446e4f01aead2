"""The ecr-access simulator (sim/ecr_access.py), its command and invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_access import parse_reference, read_setup, run
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "ecr_access"
GOLDEN = Path(__file__).parent / "golden" / "simulate_ecr_access.txt"
HOST = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
LOGIN = (
    f"aws ecr get-login-password --region us-east-1 | docker login --username AWS "
    f"--password-stdin {HOST}"
)


def _command(short: str) -> str:
    if short == "login":
        return LOGIN
    verb, _, image = short.partition(" ")
    if verb in ("pull", "push"):
        return f"docker {verb} {HOST}/{image}"
    return short


def _document(case: dict[str, Any]) -> dict[str, Any]:
    commands = [_command(c) for c in case["commands"]]
    if any(c.startswith("docker p") for c in commands):
        commands.insert(0, LOGIN)
    principal: dict[str, Any] = {
        "arn": case.get("principal", "arn:aws:iam::111122223333:user/dev"),
        "policies": [{"Version": "2012-10-17", "Statement": case["identity"]}]
        if case["identity"]
        else [],
    }
    if "orgId" in case:
        principal["orgId"] = case["orgId"]
    return {
        "registry": {"accountId": "111122223333", "region": "us-east-1"},
        "repositories": [case["repository"]],
        "principal": principal,
        "cli": {"version": case.get("cli", "2.15.0")},
        "docker": {"version": case.get("docker", "24.0")},
        "commands": commands,
    }


def load_cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load((CASES / "documented.yaml").read_text())
    ]


@pytest.mark.parametrize("case", load_cases())
def test_documented_case(case: dict[str, Any]) -> None:
    document = _document(case)
    if "refused" in case:
        with pytest.raises(InputError, match=case["refused"]):
            read_setup(document, Where("case.yaml"))
        return
    facts = run(read_setup(document, Where("case.yaml"))).facts()
    for name, wanted in case["expect"].items():
        seen = facts[name]
        if name in ("pulled", "pushed") and isinstance(wanted, list):
            wanted = [f"{HOST}/{w}" for w in wanted]
        assert seen == wanted, (name, facts)


def test_token_lasts_twelve_hours() -> None:
    document = _document(
        {
            "repository": {"repositoryName": "app"},
            "identity": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
            "commands": [],
        }
    )
    document["commands"] = [
        {"at": "07:00", "run": LOGIN},
        {"at": "18:59", "run": f"docker push {HOST}/app:a"},
        {"at": "19:00", "run": f"docker push {HOST}/app:b"},
    ]
    result = run(read_setup(document, Where("t")))
    assert result.pushed == (f"{HOST}/app:a",)
    assert result.errors == ("authorization token has expired",)
    assert result.token_expires == "19:00"


def test_image_references() -> None:
    ref = parse_reference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2")
    assert (ref.account, ref.region, ref.path, ref.tag) == (
        "123456789012",
        "eu-west-1",
        "team/app",
        "1.2",
    )
    digest = "sha256:" + "a" * 64
    by_digest = parse_reference(f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@{digest}")
    assert by_digest.digest == digest
    assert by_digest.tag == ""
    hub = parse_reference("demo")
    assert (hub.ecr, hub.full) == (False, "docker.io/library/demo:latest")
    assert (hub.account, hub.region) == ("", "")  # Docker Hub is in no account or Region
    assert not parse_reference("ecr.eu-west-1.amazonaws.com/123456789012/demo:latest").ecr


POLICY = st.sampled_from(["none", "allow", "deny"])


@given(identity=POLICY, repository=POLICY, cross=st.booleans())
def test_deny_wins_and_cross_account_needs_both(
    identity: str, repository: str, cross: bool
) -> None:
    account = "222222222222" if cross else "111122223333"
    statements = {
        "none": [],
        "allow": [{"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "*"}],
        "deny": [{"Effect": "Deny", "Action": "ecr:BatchGetImage", "Resource": "*"}],
    }
    identity_statements = [
        {
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchCheckLayerAvailability",
            ],
            "Resource": "*",
        },
        *statements[identity],
    ]
    repository_statements = [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        },
        *[{**s, "Principal": "*"} for s in statements[repository]],
    ]
    document = {
        "registry": {"accountId": "111122223333", "region": "us-east-1"},
        "repositories": [
            {
                "repositoryName": "app",
                "policy": {"Version": "2012-10-17", "Statement": repository_statements},
            }
        ],
        "principal": {
            "arn": f"arn:aws:iam::{account}:role/r",
            "policies": [{"Version": "2012-10-17", "Statement": identity_statements}],
        },
        "commands": [LOGIN, f"docker pull {HOST}/app:1"],
    }
    pulled = bool(run(read_setup(document, Where("h"))).pulled)
    if "deny" in (identity, repository):
        assert not pulled
    elif cross:
        assert pulled == (identity == "allow" and repository == "allow")
    else:
        assert pulled == ("allow" in (identity, repository))


runner = CliRunner()


def test_command_text_matches_golden() -> None:
    result = runner.invoke(
        app, ["simulate", "ecr-access", str(CASES / "session.yaml")], env={"COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.output
    assert result.output == GOLDEN.read_text()


def test_command_json() -> None:
    result = runner.invoke(
        app, ["simulate", "ecr-access", str(CASES / "session.yaml"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["errors"] == [
        "AccessDeniedException",
        "ImageTagAlreadyExistsException",
        "authorization token has expired",
    ]
    assert data["steps"][2]["calls"][2] == {
        "action": "ecr:BatchGetImage",
        "identity": "allowed",
        "repository": "explicitly denied",
        "allowed": False,
        "why": "explicitly denied by repository policy (DenyDev)",
    }


def test_command_refuses_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("repositories: [{repositoryName: app, imageTagMutability: LOCKED}]\n")
    result = runner.invoke(app, ["simulate", "ecr-access", str(bad)])
    assert result.exit_code == 2
    assert "LOCKED" in result.output
    assert "Traceback" not in result.output


def test_command_adds_a_command(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "ecr-access",
            str(CASES / "session.yaml"),
            "--command",
            "docker pull demo:latest",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["elsewhere"] == ["docker.io/library/demo:latest"]
