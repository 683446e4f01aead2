"""The load-balancing simulator: documented examples, invariants, the command.

Case files: tests/cases/load_balancing/*.yaml, each a list of {name, doc, scenario, facts
(and notes: words some note holds; all_notes: every note; steps: every step as the
command prints it) | refused
(the place and words of the refusal) and hint}. Golden text:
tests/golden/simulate_load_balancing.txt (ECSPREP_REGOLD=1 rewrites).
"""

from __future__ import annotations

import copy
import functools
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
from ecsprep.sim.load_balancing import read_setup, run
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "load_balancing"
GOLDEN = Path(__file__).parent / "golden"


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            found.append(pytest.param(case, id=case["name"]))
    return found


@functools.cache
def _parsed_base() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((CASES / "documented.yaml").read_text())[0][
        "scenario"
    ]
    return document


def _base() -> dict[str, Any]:
    """A fresh copy of the first documented scenario (parsed once: PyYAML is slow)."""
    return copy.deepcopy(_parsed_base())


@pytest.mark.parametrize("case", _cases())
def test_documented(case: dict[str, Any]) -> None:
    if "refused" in case:
        with pytest.raises(InputError) as raised:
            read_setup(case["scenario"], Where("case"))
        assert case["refused"] in str(raised.value)
        if "hint" in case:  # how to fix it, as the command shows it
            assert raised.value.hint == case["hint"]
        return
    result = run(read_setup(case["scenario"], Where("case")))
    facts = result.facts()
    for name, value in case["facts"].items():
        assert facts[name] == value, f"{name}: {facts[name]!r} != {value!r}"
    for words in case.get("notes", ()):  # words each of some note of the run holds
        assert any(words in note for note in result.notes), (words, result.notes)
    if "all_notes" in case:  # every note, word for word
        assert list(result.notes) == case["all_notes"]
    if "steps" in case:  # every step as `simulate load-balancing` prints it
        assert [
            ("✔ " if s.ok else "✘ ") + s.what + (f" ({s.detail})" if s.detail else "")
            for s in result.steps
        ] == case["steps"]


@settings(max_examples=60, deadline=None)
@given(
    delay=st.integers(0, 3600),
    inflight=st.lists(st.integers(0, 4000), max_size=5),
    keep_alive=st.booleans(),
)
def test_draining_never_exceeds_the_delay_and_cuts_exactly_the_longer(
    delay: int, inflight: list[int], keep_alive: bool
) -> None:
    document = _base()
    document["targetGroups"] = [
        {
            "TargetGroupName": "app",
            "TargetType": "ip",
            "Attributes": {"deregistration_delay.timeout_seconds": str(delay)},
        }
    ]
    document["stop"] = {"inflightSeconds": inflight, "keepAliveConnections": keep_alive}
    result = run(read_setup(document, Where("h")))
    assert 0 <= result.drain_seconds <= delay
    assert result.cut_requests == sum(1 for s in inflight if s > delay)
    if keep_alive:
        assert result.drain_seconds == delay


@settings(max_examples=60, deadline=None)
@given(
    zones=st.lists(st.sampled_from(["us-east-1a", "us-east-1b", "us-east-1c"]), min_size=1),
    count=st.integers(0, 9),
)
def test_targets_outside_enabled_zones_are_exactly_the_unused(zones: list[str], count: int) -> None:
    document = _base()
    document["subnets"] = {f"s{i}": z for i, z in enumerate(zones)}
    document["service"]["networkConfiguration"]["awsvpcConfiguration"]["subnets"] = list(
        document["subnets"]
    )
    document["service"]["desiredCount"] = count
    result = run(read_setup(document, Where("h")))
    enabled = {"us-east-1a", "us-east-1b"}
    assert result.count("unused") == sum(1 for t in result.targets if t.zone not in enabled)
    assert len(result.targets) == count


def _file(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "lb.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _scenario(tmp_path: Path) -> Path:
    document = _base()
    document["subnets"] = {"subnet-a": "us-east-1a", "subnet-b": "us-east-1c"}
    document["requests"] = [{"host": "www.example.com", "path": "/"}]
    document["stop"] = {"inflightSeconds": [600]}
    return _file(tmp_path, document)


def test_command_text_golden(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "load-balancing", str(_scenario(tmp_path))])
    assert result.exit_code == 0, result.output
    path = GOLDEN / "simulate_load_balancing.txt"
    if os.environ.get("ECSPREP_REGOLD") == "1":
        path.write_text(result.output)
    assert result.output == path.read_text()


def test_command_json_and_request_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "load-balancing",
            str(_scenario(tmp_path)),
            "--request",
            "shop.example.com/orders/1",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["facts"]["unused"] == 1
    assert data["facts"]["routes"] == {"shop.example.com/orders/1": "app"}
    assert data["facts"]["cut_requests"] == 1
    assert {t["state"] for t in data["targets"]} == {"healthy", "unused"}


def test_command_refuses_with_awss_message(tmp_path: Path) -> None:
    document = _base()
    document["targetGroups"][0]["TargetType"] = "instance"
    result = CliRunner().invoke(app, ["simulate", "load-balancing", str(_file(tmp_path, document))])
    assert result.exit_code == 2
    assert "incompatible with the awsvpc network mode" in result.output


def test_command_unknown_key_points_at_it(tmp_path: Path) -> None:
    document = _base()
    document["targetGroup"] = []
    result = CliRunner().invoke(app, ["simulate", "load-balancing", str(_file(tmp_path, document))])
    assert result.exit_code == 2
    assert "unknown key 'targetGroup'" in result.output


def test_command_refuses_a_bad_matcher_without_a_traceback(tmp_path: Path) -> None:
    document = _base()
    document["targetGroups"][0]["Matcher"] = {"HttpCode": "2xx"}
    result = CliRunner().invoke(app, ["simulate", "load-balancing", str(_file(tmp_path, document))])
    assert result.exit_code == 2, result.output
    assert "targetGroups[0].Matcher.HttpCode" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_command_json_marks_each_step_ok_or_not(tmp_path: Path) -> None:
    """JSON says `ok` as true or false, as the text says ✔ or ✘ (an unused and an
    unhealthy target, the replacement, the cut requests are each ✘)."""
    document = yaml.safe_load(_scenario(tmp_path).read_text())
    document["application"] = {"responses": {"/": 500}}
    path = _file(tmp_path, document)
    text = CliRunner().invoke(app, ["simulate", "load-balancing", str(path)], terminal_width=300)
    found = CliRunner().invoke(app, ["simulate", "load-balancing", str(path), "--format", "json"])
    assert text.exit_code == 0, text.output
    assert found.exit_code == 0, found.output
    steps = json.loads(found.output)["steps"]
    assert [s["ok"] for s in steps] == [True, True, False, False, False, False, True]
    marks = [line[0] for line in text.output.splitlines() if line[:1] in ("✔", "✘")]
    assert marks == ["✔" if s["ok"] is True else "✘" for s in steps]
    assert steps[2]["what"] == "10.0.0.10:8080 fails the health check"
    assert steps[2]["detail"] == "Target.ResponseCodeMismatch"


@functools.cache
def _cited_pages() -> frozenset[str]:
    """The AWS pages docs/load-balancing.md cites for the rules it models."""
    import re

    text = (Path(__file__).parent.parent / "docs" / "load-balancing.md").read_text()
    return frozenset(re.findall(r"\b[\w-]+\.html\b", text))


@pytest.mark.parametrize("case", [c for c in _cases() if "refused" not in c.values[0]])
def test_json_steps_are_text_and_booleans(case: dict[str, Any]) -> None:
    """Whatever the scenario, the command's JSON gives each step's words and detail as text,
    ok as true or false (never null), and the AWS page of the step's rule (one the docs cite)."""
    from ecsprep.ui.simulate_load_balancing import load_balancing_json

    data = load_balancing_json(run(read_setup(case["scenario"], Where("case"))))
    for step in data["steps"]:
        assert isinstance(step["what"], str)
        assert step["what"]
        assert isinstance(step["detail"], str)
        assert isinstance(step["ok"], bool)
        assert step["doc"] in _cited_pages(), step  # the page that states the step's rule
    assert all(isinstance(note, str) for note in data["notes"])
    assert all(data["notes"])
