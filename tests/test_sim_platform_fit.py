"""The platform-fit and pipeline-artifacts simulators, their commands and invariants."""

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
from ecsprep.sim.pipeline_artifacts import deploy
from ecsprep.sim.platform_fit import Kind, Need, Option, Workload, fit, judge, read_and_fit
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases"
GOLDEN = Path(__file__).parent / "golden" / "simulate_platform_fit.txt"
runner = CliRunner()


def _cases(folder: str) -> list[Any]:
    found = []
    for path in sorted((CASES / folder).glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            found.append(pytest.param(case, id=case["name"]))
    return found


@pytest.mark.parametrize("case", _cases("platform_fit"))
def test_documented_limit(case: dict[str, Any]) -> None:
    document = {"workload": case["workload"]}
    if "candidate" in case:
        document["candidate"] = case["candidate"]
    facts = read_and_fit(document, Where("case.yaml")).facts()
    for option, codes in case.get("refused", {}).items():
        assert facts["refused_by"].get(option) == codes, (option, facts["refused_by"])  # type: ignore[union-attr]
    for option in case.get("fits_includes", []):
        assert option in facts["fits"], (option, facts["fits"])  # type: ignore[operator]
    if "fits_exactly" in case:
        assert facts["fits"] == case["fits_exactly"]
    if "candidate_refused" in case:
        assert facts["candidate_refused_by"] == case["candidate_refused"]
        assert facts["candidate_fits"] is (not case["candidate_refused"])


@pytest.mark.parametrize("case", _cases("pipeline_artifacts"))
def test_documented_action_rule(case: dict[str, Any]) -> None:
    facts = deploy(case["scenario"], Where("case.yaml")).facts()
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "workload is missing"),
        ({"workload": {"vcpu": 1}}, "kind is missing"),
        ({"workload": {"kind": "batch"}}, "runMinutes is missing"),
        ({"workload": {"kind": "job"}}, "'job' is not one of"),
        ({"workload": {"kind": "service", "needs": ["gpu"]}}, "'gpu' is not one of"),
        ({"workload": {"kind": "service", "ram": 1}}, "unknown key 'ram'"),
        (
            {"workload": {"kind": "service"}, "candidate": {"option": "lambda", "runAs": "task"}},
            "ECS options only",
        ),
        (
            {"workload": {"kind": "service"}, "candidate": {"option": "eks", "spot": True}},
            "spot applies",
        ),
    ],
)
def test_bad_platform_input(document: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_and_fit(document, Where("w.yaml"))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"action": "Lambda", "artifact": {}}, "not ECS or CodeDeployToECS"),
        ({"action": "ECS"}, "input artifact is missing"),
        ({"action": "ECS", "artifact": {}}, "taskDefinition is missing"),
        ({"action": "ECS", "artifact": {}, "service": {"taskDefinition": "a:1"}}, "not among"),
    ],
)
def test_bad_pipeline_input(document: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        deploy(document, Where("s.yaml"))


# --- invariants ------------------------------------------------------------------

WORKLOADS = st.builds(
    Workload,
    kind=st.sampled_from(list(Kind)),
    run_minutes=st.one_of(st.none(), st.floats(0, 10_000)),
    vcpu=st.floats(0.125, 64),
    memory_mib=st.integers(1, 300_000),
    gpus=st.integers(0, 8),
    os=st.sampled_from(["LINUX", "WINDOWS"]),
    arch=st.sampled_from(["X86_64", "ARM64"]),
    image_gib=st.floats(0, 50),
    storage_gib=st.floats(0, 500),
    spiky=st.booleans(),
    needs=st.frozensets(st.sampled_from(list(Need))),
    app_runner_customer=st.booleans(),
)


@given(WORKLOADS)
def test_every_option_either_fits_or_says_why(w: Workload) -> None:
    result = fit(w)
    facts = result.facts()
    assert len(result.verdicts) == len(Option)
    fits, refused = facts["fits"], facts["refused_by"]
    assert set(fits) | set(refused) == {o.value for o in Option}  # type: ignore[arg-type]
    assert not set(fits) & set(refused)  # type: ignore[arg-type]
    assert fits == sorted(fits, key=lambda name: Option(name).rank)  # type: ignore[arg-type]


@given(WORKLOADS, st.sampled_from(list(Need)))
def test_a_need_never_lets_more_options_fit(w: Workload, need: Need) -> None:
    more = Workload(**{**{f: getattr(w, f) for f in w.__slots__}, "needs": w.needs | {need}})  # type: ignore[attr-defined]
    assert set(fit(more).fits) <= set(fit(w).fits)


@given(WORKLOADS)
def test_kubernetes_api_leaves_eks_at_most(w: Workload) -> None:
    k8s = Workload(
        **{**{f: getattr(w, f) for f in w.__slots__}, "needs": w.needs | {Need.KUBERNETES_API}}
    )  # type: ignore[attr-defined]
    assert set(fit(k8s).fits) <= {Option.EKS}


@given(WORKLOADS)
def test_spot_never_helps(w: Workload) -> None:
    for option in (Option.ECS_FARGATE, Option.BATCH_FARGATE):
        plain, spot = judge(w, option), judge(w, option, spot=True)
        assert set(plain.reasons) <= set(spot.reasons)


# --- the commands ------------------------------------------------------------------


def test_cli_candidate_that_fits_exits_0() -> None:
    result = runner.invoke(
        app,
        ["simulate", "platform-fit", "--kind", "event", "--minutes", "1", "--candidate", "lambda"],
    )
    assert result.exit_code == 0, result.output
    assert "Candidate lambda: fits." in result.stdout


def test_cli_json() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "platform-fit",
            "--kind",
            "batch",
            "--minutes",
            "360",
            "--gpus",
            "1",
            "--format",
            "json",
        ],
    )
    data = json.loads(result.stdout)
    assert data["refused_by"]["batch-fargate"] == ["gpu"]
    assert "batch-ec2" in data["fits"]
    assert "ecsprep's reading" in data["overheadOrder"]


def test_cli_bad_input_exits_2_with_message() -> None:
    result = runner.invoke(app, ["simulate", "platform-fit", "--kind", "job"])
    assert result.exit_code == 2
    assert "'job' is not one of service, batch, event" in result.output


def test_cli_needs_a_workload() -> None:
    result = runner.invoke(app, ["simulate", "platform-fit"])
    assert result.exit_code == 2
    assert "no workload given" in result.output


def test_golden_platform_fit_rendering() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "platform-fit",
            "--kind",
            "service",
            "--os",
            "WINDOWS",
            "--vcpu",
            "2",
            "--memory",
            "4096",
            "--need",
            "noServersToManage",
            "--candidate",
            "ecs-fargate",
            "--run-as",
            "service",
            "--spot",
        ],
        env={"COLUMNS": "100"},
    )
    assert result.exit_code == 2
    assert result.stdout == GOLDEN.read_text()


def _artifact(folder: Path, name: str) -> Path:
    out = folder / "out"
    out.mkdir()
    (out / name).write_text('[{"name": "web", "imageUri": "r/web:2"}]')
    td = folder / "td.json"
    td.write_text(
        json.dumps(
            {
                "taskDefinition": {
                    "family": "web",
                    "revision": 4,
                    "containerDefinitions": [{"name": "web", "image": "r/web:1"}],
                }
            }
        )
    )
    return out


def test_pipeline_cli_folder_and_task_definition(tmp_path: Path) -> None:
    out = _artifact(tmp_path, "imagedefinitions.json")
    result = runner.invoke(
        app,
        [
            "simulate",
            "pipeline-artifacts",
            "--action",
            "ECS",
            "--artifact",
            str(out),
            "--task-definition",
            str(tmp_path / "td.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Task definition to register (web:5)" in result.stdout
    assert '"image": "r/web:2"' in result.stdout


def test_pipeline_cli_failure_exits_2_json(tmp_path: Path) -> None:
    out = _artifact(tmp_path, "imageDetail.json")
    result = runner.invoke(
        app,
        [
            "simulate",
            "pipeline-artifacts",
            "--action",
            "ECS",
            "--artifact",
            str(out),
            "--task-definition",
            str(tmp_path / "td.json"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["errors"] == ["missing-file"]
    assert data["ignored"] == ["imageDetail.json"]


def test_pipeline_cli_refuses_bad_action(tmp_path: Path) -> None:
    out = _artifact(tmp_path, "imagedefinitions.json")
    result = runner.invoke(
        app, ["simulate", "pipeline-artifacts", "--action", "EKS", "--artifact", str(out)]
    )
    assert result.exit_code == 2
    assert "'EKS' is not ECS or CodeDeployToECS" in result.output
