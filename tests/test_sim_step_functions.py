"""Step Functions executions with an ECS task (sim/step_functions.py): the tables in
tests/cases/step_functions/. Each execution case gives the definition and the task's
behaviour, and what the run shows: the result, the states entered and when, the task's
start and stop, the states entered while it still ran, and each event in words. The
refused definitions come with the place and the words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.step_functions import read_ecs_task, read_state_machine, run

CASES = Path(__file__).parent / "cases" / "step_functions"
WHERE = Where("sfn.yaml")
KEYS = {"name", "machine", "task", "horizon", "status", "error", "hint", "entered", "ran",
        "early", "pattern", "events"}  # fmt: skip


def _cases(name: str) -> list[Any]:
    table = yaml.safe_load((CASES / name).read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in table]


@pytest.mark.parametrize("case", _cases("executions.yaml"))
def test_execution(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    machine = read_state_machine(case["machine"], WHERE.key("stateMachine"))
    task = read_ecs_task(case.get("task", {}), WHERE.key("ecsTask"))
    execution = run(machine, task, case.get("horizon", 24 * 60))
    assert execution.status == case["status"]
    assert execution.error == case.get("error", "")
    assert execution.horizon == case.get("horizon", 24 * 60)
    if "entered" in case:
        assert [list(e) for e in execution.entered] == case["entered"]
    if "ran" in case:
        ran = case["ran"] or [None, None]
        assert [execution.task_started, execution.task_stopped] == ran
    if "early" in case:
        assert execution.early() == case["early"]
    if "pattern" in case:
        assert execution.pattern == case["pattern"]
    if "events" in case:
        assert [[e.minute, e.state, e.text] for e in execution.events] == case["events"]


@pytest.mark.parametrize("case", _cases("refused.yaml"))
def test_refused(case: dict[str, Any]) -> None:
    def read() -> None:
        read_state_machine(case["machine"], WHERE.key("stateMachine"))
        read_ecs_task(case.get("task", {}), WHERE.key("ecsTask"))

    with pytest.raises(InputError) as caught:
        read()
    assert str(caught.value) == case["error"]
    if "hint" in case:
        assert caught.value.hint == case["hint"]
