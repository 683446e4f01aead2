"""Flags that add to a simulator's scenario file: what the file holds where a flag adds is
checked at its place (a list where a flag appends, an object where it sets a field), so a
wrong kind is a clear error with exit 2, never a traceback; and `--format` is checked the same
way by every simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecsprep.ui.app import app


def run(tmp_path: Path, scenario: str, *args: str) -> tuple[int, str]:
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario)
    result = CliRunner().invoke(app, ["simulate", args[0], str(path), *args[1:]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("scenario", "args", "said"),
    [
        # a flag that appends to a list the file has as something else
        ("events: {push: a}\n", ("ecr-scanning", "--push", "app:1"), "events: expected a list"),
        (
            "events: 3\n",
            ("ecr-replication", "--pull", "1.dkr.ecr.us-east-1.amazonaws.com/a:1"),
            "events: expected a list",
        ),
        ("requests: {}\n", ("front-door", "--request", "https://x/y"), "requests: expected"),
        ("calls: {a: b}\n", ("service-discovery", "--call", "a=b"), "calls: expected a list"),
        ("commands: run\n", ("ecr-access", "--command", "docker pull x"), "commands: expected"),
        # a flag that sets a field of an object the file has as something else
        ("workload: [1, 2]\n", ("platform-fit",), "workload: expected a workload"),
        (
            "workload: {kind: web}\ncandidate: [a]\n",
            ("platform-fit", "--run-as", "service"),
            "candidate: expected a candidate",
        ),
        ("service: [1]\n", ("scaling", "--desired", "3"), "service: expected the service"),
        (
            "taskDefinition: [1]\n",
            ("observability", "--network-mode", "bridge"),
            "taskDefinition: expected a task definition",
        ),
        ("cluster: web\n", ("observability", "--container-insights", "enhanced"), "cluster:"),
    ],
)
def test_a_wrong_kind_where_a_flag_adds_is_refused_at_its_place(
    tmp_path: Path, scenario: str, args: tuple[str, ...], said: str
) -> None:
    code, output = run(tmp_path, scenario, *args)
    assert code == 2, output
    assert said in output
    assert "scenario.yaml" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "command",
    [
        "ecr-scanning",
        "ecr-replication",
        "front-door",
        "observability",
        "service-discovery",
        "load-balancing",
        "ecr-access",
        "events",
        "lifecycle",
        "credentials",
        "deployment",
        "scaling",
        "registration",
        "platform-fit",
        "pipeline-artifacts",
        "fargate",
    ],
)
def test_every_simulator_refuses_an_unknown_format_before_reading(
    tmp_path: Path, command: str
) -> None:
    # The file is never read: the format is refused first, with the formats to use.
    result = CliRunner().invoke(
        app, ["simulate", command, str(tmp_path / "missing.yaml"), "--format", "xml"]
    )
    assert result.exit_code == 2, result.output
    assert "--format 'xml': use text or json" in result.output
