"""The ecr-scanning simulator (sim/ecr_scanning.py), its command and invariants."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_scanning import read_setup, run, scan_filter, wildcard
from ecsprep.ui.app import app
from tests.case_tables import case_params

CASES = Path(__file__).parent / "cases" / "ecr_scanning"
GOLDEN = Path(__file__).parent / "golden" / "simulate_ecr_scanning.txt"


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


def test_every_decision_cites_a_rule() -> None:
    for case in yaml.safe_load((CASES / "documented.yaml").read_text()):
        result = run(read_setup(case["scenario"], Where("s")))
        assert all(d.rule for d in result.decisions), case["name"]


def test_wildcard_matches_the_documented_examples() -> None:
    """API_SigningRepositoryFilter's examples."""
    assert wildcard("myapp/*", "myapp/web")
    assert not wildcard("myapp/*", "other/web")
    assert wildcard("*/production", "web/production")
    assert wildcard("*prod*", "team-prod-web")
    assert not wildcard("prod", "prod2")


def test_scan_filter_without_wildcard_matches_names_that_contain_it() -> None:
    """image-scanning-enhanced-enabling.html: "Filters with no wildcard will match all
    repository names that contain the filter"; a `*` replaces zero or more characters."""
    assert scan_filter("prod", "team-prod-api")
    assert scan_filter("prod", "prod")
    assert not scan_filter("prod", "dev-api")
    assert scan_filter("prod*", "prod-api")
    assert not scan_filter("prod*", "team-prod")


MANAGERS = st.sampled_from(["OS", "PIP", "NPM", "JAR"])
SEVERITY = st.sampled_from(["CRITICAL", "HIGH", "MEDIUM", "LOW"])
PACKAGES = st.lists(
    st.tuples(st.sampled_from(["openssl", "zlib", "lodash", "requests"]), MANAGERS),
    min_size=1,
    max_size=4,
    unique=True,
)


@settings(max_examples=60, deadline=None)
@given(
    packages=PACKAGES,
    severities=st.lists(SEVERITY, min_size=4, max_size=4),
    engine=st.sampled_from(["BASIC", "ENHANCED"]),
)
def test_basic_findings_are_the_os_part_of_enhanced(
    packages: list[tuple[str, str]], severities: list[str], engine: str
) -> None:
    """Whatever the image holds, basic scanning reports exactly its OS-package CVEs and
    enhanced scanning every package's CVE; counts always add up to the findings."""
    advisories = [
        {
            "vulnerabilityId": f"CVE-{i}",
            "severity": severities[i],
            "package": {"name": name, "version": "1", "packageManager": manager},
        }
        for i, (name, manager) in enumerate(packages)
    ]
    rules = [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": []}]
    scenario = {
        "registryScanningConfiguration": {"scanType": engine, "rules": rules},
        "repositories": [
            {"repositoryName": "app", "imageScanningConfiguration": {"scanOnPush": True}}
        ],
        "advisories": advisories,
        "events": [
            {
                "push": {
                    "image": "app:1",
                    "packages": [
                        {"name": n, "version": "1", "packageManager": m} for n, m in packages
                    ],
                }
            }
        ],
    }
    if engine == "ENHANCED":
        rules[0]["repositoryFilters"] = [{"filter": "*", "filterType": "WILDCARD"}]
    facts = run(read_setup(scenario, Where("h"))).facts()
    findings = facts["findings"]
    assert isinstance(findings, dict)
    wanted = [
        f"CVE-{i} ({severities[i]}, {name})"
        for i, (name, manager) in enumerate(packages)
        if engine == "ENHANCED" or manager == "OS"
    ]
    assert findings["app:1"] == wanted
    counts = facts["severity_counts"]
    assert isinstance(counts, dict)
    assert sum(counts["app:1"].values()) == len(wanted)


@settings(max_examples=40, deadline=None)
@given(hours=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=5))
def test_basic_scans_are_at_least_24_hours_apart(hours: list[int]) -> None:
    """However often StartImageScan is called, the scans of one image start at least 24
    hours apart; every refused call is a LimitExceededException."""
    events: list[dict[str, Any]] = [{"push": "app:1"}]
    events += [
        {"at": f"{h}h", "startImageScan": {"repositoryName": "app", "imageId": {"imageTag": "1"}}}
        for h in sorted(hours)
    ]
    scenario = {
        "repositories": [
            {"repositoryName": "app", "imageScanningConfiguration": {"scanOnPush": True}}
        ],
        "events": events,
    }
    result = run(read_setup(scenario, Where("h")))
    starts = [0] + [
        int(d.at.split()[1]) * 1440 + int(d.at.split()[2][:2]) * 60
        for d in result.decisions
        if "starts a basic scan" in d.what and "StartImageScan" in d.what
    ]
    assert all(b - a >= 24 * 60 for a, b in pairwise(starts))
    errors = result.facts()["errors"]
    assert isinstance(errors, list)
    assert len(errors) + len(starts) == len(hours) + 1
    assert all(e.endswith("LimitExceededException") for e in errors)


SCENARIO = """\
description: Scan on push, a CRITICAL finding, a rule to SNS and a gate before deploy.
registryScanningConfiguration:
  scanType: BASIC
  rules: [{scanFrequency: SCAN_ON_PUSH, repositoryFilters: [{filter: "*", filterType: WILDCARD}]}]
repositories: [{repositoryName: app}]
rules:
  - Name: critical
    EventPattern: {"source": ["aws.ecr"], "detail-type": ["ECR Image Scan"]}
    Targets: [{Id: t, Arn: "arn:aws:sns:us-east-1:111122223333:sec"}]
advisories:
  - vulnerabilityId: CVE-1
    severity: CRITICAL
    package: {name: openssl, version: "3", packageManager: OS}
events:
  - push: {image: "app:1", packages: [{name: openssl, version: "3", packageManager: OS}]}
  - waitImageScanComplete: {image: "app:1"}
  - gate: {image: "app:1"}
  - deploy: {image: "app:1"}
"""


def _invoke(tmp_path: Path, text: str, *args: str) -> Any:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return CliRunner().invoke(
        app, ["simulate", "ecr-scanning", str(path), *args], env={"COLUMNS": "100"}
    )


def test_command_text_golden(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO)
    assert result.exit_code == 0, result.output
    assert result.output.replace(str(tmp_path), "TMP") == GOLDEN.read_text()


def test_command_json(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["facts"]["gates"] == ["app:1: FAIL"]
    assert data["facts"]["deployed"] == []
    assert [e["detail-type"] for e in data["events"]] == ["ECR Image Action", "ECR Image Scan"]
    assert data["events"][1]["detail"]["finding-severity-counts"] == {"CRITICAL": 1}
    assert sorted(data) == ["decisions", "events", "facts", "notes"]
    assert data["notes"] == []
    first = data["decisions"][0]
    assert first == {
        "at": "day 0 00:00",
        "what": "registry scanning configuration: BASIC; rules SCAN_ON_PUSH *",
        "rule": "APIReference/API_PutRegistryScanningConfiguration.html",
        "verdict": "done",
    }


def test_command_push_flag(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--push", "nope:1", "--format", "json")
    assert result.exit_code == 0, result.output
    errors = json.loads(result.output)["facts"]["errors"]
    assert errors == ["push nope:1: RepositoryNotFoundException"]


def test_command_refuses_with_aws_message(tmp_path: Path) -> None:
    bad = SCENARIO.replace("filterType: WILDCARD", "filterType: PREFIX_MATCH")
    result = _invoke(tmp_path, bad)
    assert result.exit_code == 2
    assert "InvalidParameterException: filterType must be WILDCARD" in result.output
    assert "Traceback" not in result.output


def test_an_image_without_a_tag_is_refused_where_the_event_names_it() -> None:
    scenario = {"repositories": [{"repositoryName": "app"}], "events": [{"gate": {"image": "app"}}]}
    with pytest.raises(InputError) as raised:
        run(read_setup(scenario, Where("case.yaml")))
    assert (
        str(raised.value) == "case.yaml events[0].gate.image: expected repository:tag, found 'app'"
    )
