"""When EventBridge scheduled rules and Scheduler schedules fire (sim/event_schedules.py):
the table in tests/cases/event_schedules/firings.yaml, with what CreateSchedule and
PutRule refuse, the firings in UTC and in the shown zone, the flexible windows, the
skipped and doubled local times, and the notes that say what is inferred."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.event_schedules import (
    Firings,
    facts,
    fire,
    read_schedules,
    read_timeline,
    rule_schedule,
)

CASES = Path(__file__).parent / "cases" / "event_schedules" / "firings.yaml"
WHERE = Where("s.yaml")
KEYS = {"name", "timeline", "createSchedule", "rules", "expect", "notes", "order", "error", "hint",
        "error_starts"}  # fmt: skip


def _cases() -> list[Any]:
    table = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in table]


def _fire(case: dict[str, Any]) -> Firings:
    timeline = read_timeline(case["timeline"], WHERE.key("timeline"))
    schedules = list(read_schedules(case.get("createSchedule", []), WHERE.key("createSchedule")))
    for n, (name, expression, *state) in enumerate(case.get("rules", [])):
        at = WHERE.key("putRule").index(n).key("ScheduleExpression")
        enabled = state != ["DISABLED"]
        schedules.append(rule_schedule(name, expression, enabled, "", at))
    return fire(tuple(schedules), timeline)


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    if "error" in case or "error_starts" in case:
        with pytest.raises(InputError) as caught:
            _fire(case)
        assert str(caught.value).startswith(case.get("error_starts", "")), str(caught.value)
        assert str(caught.value) == case.get("error", str(caught.value))
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    firings = _fire(case)
    found = facts(firings)
    for name, wanted in case.get("expect", {}).items():
        assert found[name] == wanted, name
    if "notes" in case:
        assert list(firings.notes) == case["notes"]
    if "order" in case:
        assert [f.name for f in firings.firings] == case["order"]


@given(st.integers(-600, 600), st.integers(1, 300), st.integers(1, 1440))
def test_a_rate_fires_at_every_step_from_creation_inside_the_timeline(
    created: int, step: int, length: int
) -> None:
    """Recomputed by brute force: every creation + k × step (k ≥ 0: nothing before the
    schedule exists) that lies in [start, end)."""
    start = datetime(2024, 5, 6, tzinfo=timezone.utc)
    minute = timedelta(minutes=1)
    timeline = {
        "start": start.isoformat(),
        "end": (start + length * minute).isoformat(),
        "createdAt": (start + created * minute).isoformat(),
    }
    unit = "minute" if step == 1 else "minutes"
    request = {
        "Name": "r",
        "ScheduleExpression": f"rate({step} {unit})",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "a", "RoleArn": "r"},
    }
    firings = _fire({"timeline": timeline, "createSchedule": [request]})
    expected = [
        start + (created + k * step) * minute
        for k in range((length - created) // step + 1)  # none before the schedule exists
        if 0 <= created + k * step < length
    ]
    assert [f.at for f in firings.firings] == expected


def test_times_without_an_offset_are_utc_whatever_the_machines_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        case = {
            "timeline": {"start": "2024-05-06T00:00:00", "end": "2024-05-07T00:00:00"},
            "rules": [["nightly", "cron(30 1 * * ? *)"]],  # a scheduled rule is in UTC too
        }
        found = facts(_fire(case))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert found["fires_at"] == {"nightly": ["2024-05-06T01:30Z"]}
