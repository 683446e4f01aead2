"""Strategies, constraints and capacity provider strategies from flags and request documents:
tests/cases/sim_inputs.yaml gives each input and what it reads as, or the exact error and
hint a user sees."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import EcsprepError
from ecsprep.sim.capacity import read_capacity_strategy
from ecsprep.sim.constraints import parse_constraint, read_constraint
from ecsprep.sim.documents import Where
from ecsprep.sim.strategies import parse_strategy, read_strategy

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "sim_inputs.yaml").read_text("utf-8")
)
CALLS: dict[str, Callable[[Any], Any]] = {
    "strategy flag": parse_strategy,
    "strategy": lambda x: read_strategy(x, Where("req.json", "placementStrategy[0]")),
    "constraint flag": parse_constraint,
    "constraint": lambda x: read_constraint(x, Where("req.json", "placementConstraints[0]")),
    "capacity": lambda x: read_capacity_strategy(x, Where("req.json", "capacityProviderStrategy")),
}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['call']}: {c['input']}" for c in CASES])
def test_input(case: dict[str, Any]) -> None:
    call = CALLS[case["call"]]
    if "error" in case:
        with pytest.raises(EcsprepError) as caught:
            call(case["input"])
        assert (caught.value.message, caught.value.hint) == (case["error"], case["hint"])
        return
    got = call(case["input"])
    if isinstance(got, tuple):
        assert [item.text for item in got] == case["result"]
    else:
        assert (got.text, got.as_aws()) == (case["result"], case["aws"])
