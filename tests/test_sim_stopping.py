"""Which tasks a service stops, and why, as the RunTask/UpdateService response says it:
scale-in (sim/scale_in.py) and DRAINING instances (sim/draining.py).

tests/cases/stopping.yaml: a scenario and what must happen, exactly: `stopped`, each as
[task, instance, when, stoppedReason] (when: `first`, or `after` the run's own tasks
started), `placed` (the instance of each new task) and the run's `notes`. A replacement
task is named `#n`, the n-th task placed (its id is a hash of the run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.sim.documents import Where
from ecsprep.sim.placement import place
from ecsprep.sim.scenario import Overrides, build_scenario

CASES = Path(__file__).parent / "cases" / "stopping.yaml"
KEYS = {"name", "scenario", "stopped", "placed", "notes"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    result = place(build_scenario(case["scenario"], Where("case"), CASES.parent, Overrides()))
    names = {_short(p.task_arn): f"#{n}" for n, p in enumerate(result.placements, 1)}

    def named(text: str) -> str:
        for task, name in names.items():
            text = text.replace(task, name)
        return text

    stopped = [
        [
            _short(s.task_arn),
            _short(s.instance_arn),
            "after" if s.after_start else "first",
            named(s.why),
        ]
        for s in result.stopped
    ]
    assert stopped == case["stopped"]
    if "placed" in case:
        assert [_short(p.instance_arn) for p in result.placements] == case["placed"]
    if "notes" in case:
        assert list(result.notes) == case["notes"]
