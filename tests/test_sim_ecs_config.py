"""/etc/ecs/ecs.config: the values the agent runs with, and the lint.

Case file: tests/cases/ecs_config.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.ecs_config import Start, read_ecs_config, seconds

CASES = Path(__file__).parent / "cases" / "ecs_config.yaml"
KEYS = {"name", "doc", "config", "start", "values", "enabled", "findings"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_ecs_config(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    start = Start(case.get("start", "ecs-init"))
    config = read_ecs_config(case["config"], Where("ecs.config"), start)
    for key, (value, source) in case.get("values", {}).items():
        setting = config.setting(key)
        assert (setting.key, setting.value, setting.source) == (key, value, source)
        assert config.value(key) == value
    for key, on in case.get("enabled", {}).items():
        assert config.enabled(key) is on, key
    found = [[f.severity.value, f.key, f.line, f.message] for f in config.findings]
    assert found == case["findings"]


def test_default_start_is_ecs_init() -> None:
    assert read_ecs_config("", Where("x")).value("ECS_ENABLE_TASK_IAM_ROLE") == "true"


def test_neither_text_nor_mapping() -> None:
    with pytest.raises(InputError) as raised:
        read_ecs_config(["ECS_CLUSTER=a"], Where("scenario.yaml", "ecsConfig"))
    assert raised.value.message == (
        "scenario.yaml ecsConfig: ecs.config is KEY=VALUE text or a mapping of keys to values"
    )


UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


@given(st.lists(st.tuples(st.integers(0, 999), st.sampled_from(sorted(UNITS))), min_size=1))
def test_seconds_of_a_go_duration(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{n}{unit}" for n, unit in parts)
    assert seconds(text) == pytest.approx(sum(n * UNITS[unit] for n, unit in parts))
