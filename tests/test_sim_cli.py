"""`ecsprep simulate placement` end to end: golden text at 100 columns, JSON, errors.

Golden files live in tests/golden/simulate_*.txt; regenerate them with
UPDATE_GOLDEN=1 after a deliberate change, and read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ecsprep.ui import simulate

GOLDEN = Path(__file__).parent / "golden"


def make_app() -> typer.Typer:
    # Only the simulate commands: this test does not depend on the other command groups.
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """ecsprep"""

    simulate.register(app)
    return app


def invoke(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"ECSPREP_HOME": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "100"}
    result = CliRunner().invoke(make_app(), ["simulate", "placement", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


GOLDEN_CASES = {
    "binpack_trace": [
        "--fleet",
        "3xm5.large",
        "--memory",
        "2048",
        "--count",
        "6",
        "--strategy",
        "binpack:memory",
        "--trace",
    ],
    # RunTask's default strategy is random: a golden run names its seed to be repeatable
    "static_port": ["--fleet", "2xm5.large", "--port", "80:80", "--count", "3", "--seed", "7"],
    "spread_az_binpack": [
        "--fleet",
        "4xm5.large@us-east-1a,us-east-1b",
        "--count",
        "4",
        "--strategy",
        "spread:attribute:ecs.availability-zone",
        "--strategy",
        "binpack:memory",
    ],
    "memberof": [
        "--fleet",
        "2xt3.medium",
        "--fleet",
        "2xm5.large",
        "--count",
        "2",
        "--constraint",
        "memberOf:attribute:ecs.instance-type =~ t3.*",
        "--seed",
        "7",
    ],
    "distinct": [
        *("--fleet", "3xm5.large", "--count", "4", "--constraint", "distinctInstance"),
        *("--seed", "7"),
    ],
    "service_scale_in": ["service-scale-in"],
    "distinct_service": ["distinct-instance", "--trace"],
    "fargate": [
        "--fleet",
        "1xm5.large",
        "--launch-type",
        "FARGATE",
        "--strategy",
        "binpack:memory",
    ],
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name: str, tmp_path: Path) -> None:
    code, out, err = invoke(tmp_path, *GOLDEN_CASES[name])
    assert code == 0, err
    path = GOLDEN / f"simulate_{name}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(out)
    assert out == path.read_text()


def test_contract_examples_say_what_the_glossary_promises(tmp_path: Path) -> None:
    _, out, _ = invoke(tmp_path, "--fleet", "2xm5.large", "--port", "80:80", "--count", "3")
    assert "1 not placed (RESOURCE:PORTS)" in out
    _, out, _ = invoke(
        tmp_path, "--fleet", "3xm5.large", "--count", "4", "--constraint", "distinctInstance"
    )
    assert "Placed 3 of 4" in out


def test_json_is_runtask_shaped_and_alone_on_stdout(tmp_path: Path) -> None:
    code, out, _ = invoke(
        tmp_path, "--fleet", "2xm5.large", "--port", "80", "--count", "2", "--format", "json"
    )
    assert code == 0
    body = json.loads(out)
    assert set(body) >= {"tasks", "failures", "containerInstances"}
    bindings = [t["containers"][0]["networkBindings"][0]["hostPort"] for t in body["tasks"]]
    assert all(port >= 32768 for port in bindings)


def test_json_service_has_events(tmp_path: Path) -> None:
    code, out, _ = invoke(tmp_path, "static-port-conflict", "--service", "web", "--format", "json")
    assert code == 0
    events = [e["message"] for e in json.loads(out)["events"]]
    assert "is already using a port required by your task" in events[0]


def test_list_and_every_shipped_scenario_runs(tmp_path: Path) -> None:
    code, out, _ = invoke(tmp_path, "--list", "--format", "json")
    names = [row["name"] for row in json.loads(out)]
    assert code == 0
    assert len(names) >= 8
    for name in names:
        code, out, err = invoke(tmp_path, name, "--trace")
        assert code == 0, (name, err)
        assert "Placed" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--fleet", "2xm5.large", "--constraint", "memberOf:attribute:ecs.instance-type =="],
            "expected a value after '==' at column 30",
        ),
        (["--fleet", "3xm9.huge"], "unknown instance type 'm9.huge'"),
        (
            ["--strategy", "binpack:disk", "--fleet", "1xm5.large"],
            "binpack needs the field cpu or memory",
        ),
        (["no-such-scenario"], "no scenario file or shipped scenario matches"),
        (["--count", "1"], "the cluster has no container instances"),
        (["--fleet", "1xm5.large", "--format", "xml"], "use table or json"),
        (["--fleet", "1xm5.large", "--network-mode", "nat"], "--network-mode 'nat'"),
    ],
)
def test_errors_are_one_message_and_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    code, out, err = invoke(tmp_path, *args)
    assert code == 2
    assert words in err
    assert "Traceback" not in err
    assert out == ""


def test_bad_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "td.json"
    bad.write_text('{"family": "x",\n "containerDefinitions": [\n}')
    code, _, err = invoke(tmp_path, "--fleet", "1xm5.large", "--task-definition", str(bad))
    assert code == 2
    assert f"{bad}:3:1: invalid JSON" in err


def test_scenario_file_with_relative_task_definition(tmp_path: Path) -> None:
    (tmp_path / "td.json").write_text(
        json.dumps({"family": "rel", "containerDefinitions": [{"name": "a", "memory": 100}]})
    )
    (tmp_path / "s.yaml").write_text(
        "fleet: ['1xm5.large']\ntaskDefinition: td.json\nrunTask: {count: 2}\n"
    )
    code, out, _ = invoke(tmp_path, str(tmp_path / "s.yaml"), "--format", "json")
    assert code == 0
    assert [t["group"] for t in json.loads(out)["tasks"]] == [
        "family:rel",
        "family:rel",
    ]


def test_help_has_examples(tmp_path: Path) -> None:
    code, out, _ = invoke(tmp_path, "--help")
    assert code == 0
    assert "Examples:" in out


def test_draining_service_tasks_are_replaced_then_stopped(tmp_path: Path) -> None:
    import yaml

    cases = yaml.safe_load((Path(__file__).parent / "cases/placement/draining.yaml").read_text())
    scenario = tmp_path / "drain.yaml"
    scenario.write_text(yaml.safe_dump(cases[0]["scenario"]))
    code, out, err = invoke(tmp_path, str(scenario))
    assert code == 0, err
    assert "Stopped (draining)" in out
    assert "task t1 on d: on a DRAINING instance: replaced by task" in out
    code, out, _ = invoke(tmp_path, str(scenario), "--format", "json")
    body = json.loads(out)
    assert [s["taskArn"] for s in body["stoppedTasks"]] == ["t1", "t2"]
    assert body["events"][0]["message"] == "service web has reached a steady state."


def test_shipped_asg_scenario_places_each_share_on_its_own_provider(tmp_path: Path) -> None:
    code, out, err = invoke(tmp_path, "asg-providers-base-weight", "--format", "json")
    assert code == 0, err
    body = json.loads(out)
    on = [task["containerInstanceArn"].rsplit("/", 1)[-1] for task in body["tasks"]]
    # base 2 then 1:3 of the other 8: 4 on asg-on-demand (ci-0001, ci-0002), 6 on asg-spot
    assert sorted(on[:4]) == ["ci-0001", "ci-0001", "ci-0002", "ci-0002"]
    assert set(on[4:]) <= {"ci-0003", "ci-0004", "ci-0005"}
    assert len(on) == 10


RANDOM_RUN = ["--fleet", "12xm5.large", "--count", "4", "--strategy", "random", "--memory", "512"]


def _placed_on(stdout: str) -> list[str]:
    """The instance rows with a task (after the header lines)."""
    return [line for line in stdout.splitlines()[4:] if line.strip()]


def test_random_without_a_seed_draws_one_and_says_which(tmp_path: Path) -> None:
    runs = [invoke(tmp_path, *RANDOM_RUN) for _ in range(6)]
    seeds = set()
    for code, stdout, _ in runs:
        assert code == 0
        header = stdout.splitlines()[2]
        assert "seed: none" not in header
        seed = header.split("seed: random (")[1].split(";")[0]
        assert f"replay with --seed {seed})" in header
        seeds.add(seed)
    assert len(seeds) > 1  # fresh randomness each run (6 draws from 2**31)
    assert len({tuple(_placed_on(stdout)) for _, stdout, _ in runs}) > 1
    code, stdout, _ = runs[0]
    seed = stdout.splitlines()[2].split("seed: random (")[1].split(";")[0]
    _, replayed, _ = invoke(tmp_path, *RANDOM_RUN, "--seed", seed)
    assert replayed.splitlines()[2].endswith(f"seed: {seed}")
    assert _placed_on(replayed) == _placed_on(stdout)  # the same placement, replayed


def test_random_without_a_seed_in_json_names_the_seed_on_stderr(tmp_path: Path) -> None:
    code, stdout, stderr = invoke(tmp_path, *RANDOM_RUN, "--format", "json")
    assert code == 0
    json.loads(stdout)  # stdout stays pure JSON
    assert "note: strategy random with no seed: drew seed " in stderr


def test_no_random_strategy_and_no_seed_still_says_registration_order(tmp_path: Path) -> None:
    _, stdout, _ = invoke(
        tmp_path, "--fleet", "2xm5.large", "--count", "1", "--strategy", "binpack:memory"
    )
    assert "seed: none (ties go to registration order)" in stdout


def test_golden_daemon_service(tmp_path: Path) -> None:
    """A DAEMON service as the user sees it: the desired count it derives, the task stopped on the
    instance that no longer meets the constraints (and why), the failure, the events, the note."""
    import yaml

    cases = yaml.safe_load((Path(__file__).parent / "cases/placement/daemon.yaml").read_text())
    scenario = tmp_path / "daemon.yaml"
    scenario.write_text(yaml.safe_dump(cases[0]["scenario"]))
    code, out, err = invoke(tmp_path, str(scenario))
    assert code == 0, err
    path = GOLDEN / "simulate_daemon.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(out)
    assert out == path.read_text()
