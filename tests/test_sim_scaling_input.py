"""Reading a Service Auto Scaling scenario (sim/scaling_input.py): the case table in
tests/cases/scaling/input.yaml, each case a change to BASE and what is read or refused."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.check import merge_patch
from ecsprep.sim.documents import Where
from ecsprep.sim.metric_math import Number, Op, Ref, show
from ecsprep.sim.scaling_input import read_scaling
from ecsprep.sim.schedule import Schedule

CASES = Path(__file__).parent / "cases" / "scaling" / "input.yaml"
KEYS = {"name", "change", "reads", "error", "hint"}
BASE: dict[str, Any] = {
    "registerScalableTarget": {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 2,
        "MaxCapacity": 20,
    },
    "putScalingPolicy": {
        "PolicyName": "cpu60",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 60,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
        },
    },
    "service": {"desiredCount": 2},
    "timeline": {"minutes": 60, "load": [{"at": 0, "cpu": 100}]},
}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


def _plain(value: Any) -> Any:
    """A read value as the table writes it."""
    if isinstance(value, (Number, Ref, Op)):
        return show(value)
    if isinstance(value, Schedule):
        return value.text
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "utcoffset") and not isinstance(value, (int, float, str, bool)):
        return str(value)  # a time zone, by its name
    return value


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    assert ("reads" in case) != ("error" in case)
    document = merge_patch(BASE, case["change"])
    assert isinstance(document, dict)
    where = Where("scenario.yaml")
    if "error" in case:
        with pytest.raises(InputError) as caught:
            read_scaling(document, where)
        assert str(caught.value) == case["error"]
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    read = _plain(read_scaling(document, where))
    for field, value in case["reads"].items():
        assert read[field] == value, field


def test_a_time_without_an_offset_is_utc_whatever_the_machine_s_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from ecsprep.sim.scaling import simulate

    document = merge_patch(
        BASE,
        {
            "timeline": {"start": "2024-01-01T06:00:00", "minutes": 3, "load": []},
            "putScheduledAction": {
                "ScheduledActionName": "a",
                "Schedule": "rate(1 hour)",
                "ScalableTargetAction": {"MaxCapacity": 3},
                "StartTime": "2024-01-01T07:00:00",
            },
        },
    )
    assert isinstance(document, dict)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        read = read_scaling(document, Where("scenario.yaml"))
        result = simulate(read)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert _plain(read.start) == "2024-01-01T06:00:00+00:00"
    assert _plain(read.scheduled[0].start) == "2024-01-01T07:00:00+00:00"
    assert [row.clock for row in result.minutes] == ["06:00", "06:01", "06:02"]
