"""How a call leaves a subnet (sim/network_path.py), which the credentials and registration
simulators ask for every call the agent, Fargate or the application makes.

Case file: tests/cases/network_path.yaml, a list of {name, doc, network, calls} (each call's
path and verdict) or {name, doc, network, error, hint} (the refusal, with its place).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.network_path import reach, read_network, short_service

CASES = Path(__file__).parent / "cases" / "network_path.yaml"
WHERE = Where("net.yaml", "network")
KEYS = {"name", "doc", "network", "calls", "error", "hint"}
CALL_KEYS = {"service", "action", "resource", "aws", "ok", "via", "why", "refused"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    assert case.get("doc"), "every case names where the rule is documented"
    if "error" in case:
        with pytest.raises(InputError) as raised:
            read_network(case["network"], WHERE)
        assert str(raised.value) == case["error"]
        if "hint" in case:
            assert raised.value.hint == case["hint"]
        return
    network = read_network(case["network"], WHERE)
    for call in case["calls"]:
        assert not set(call) - CALL_KEYS, f"unknown keys {sorted(set(call) - CALL_KEYS)}"
        given = {k: call[k] for k in ("action", "resource", "aws") if k in call}
        got = reach(network, call["service"], **given)  # the defaults when not given
        want = (call["ok"], call["via"], call.get("why", ""), call.get("refused", False))
        assert (got.ok, got.via, got.why, got.refused) == want, call


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("com.amazonaws.eu-west-1.ecr.dkr", "ecr.dkr"),
        ("com.amazonaws.us-east-1.s3", "s3"),
        ("ecr.dkr", "ecr.dkr"),  # already short
        ("com.amazonaws.s3", "com.amazonaws.s3"),  # no Region: not a service name
        ("org.amazonaws.us-east-1.s3", "org.amazonaws.us-east-1.s3"),
        ("com.example.us-east-1.s3", "com.example.us-east-1.s3"),
    ],
)
def test_short_service_name(name: str, short: str) -> None:
    assert short_service(name) == short
