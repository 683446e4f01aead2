"""EventBridge rules and targets against ECS events (sim/event_routing.py): the table in
tests/cases/event_routing/routing.yaml, with what PutRule, PutTargets and AddPermission
refuse, which rule matches which event, what each target receives and why a Lambda
function isn't invoked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.event_routing import (
    Routing,
    Target,
    read_events,
    read_permissions,
    read_rules,
    route,
)

CASES = Path(__file__).parent / "cases" / "event_routing" / "routing.yaml"
WHERE = Where("r.yaml")
KEYS = {"name", "events", "putRule", "putTargets", "addPermission", "many_variables", "expect",
        "error", "hint"}  # fmt: skip


def _cases() -> list[Any]:
    table = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in table]


def _route(case: dict[str, Any]) -> Routing:
    targets = case.get("putTargets")
    if "many_variables" in case:
        paths = {f"v{n}": "$.source" for n in range(case["many_variables"])}
        transformer = {"InputTemplate": '"<v0>" <v0>', "InputPathsMap": paths}
        target = {"Id": "t", "Arn": "arn:aws:sqs:r:1:q", "InputTransformer": transformer}
        targets = [{"Rule": "a", "Targets": [target]}]
    events = read_events(case.get("events", []), WHERE.key("events"))
    rules = read_rules(case.get("putRule", []), targets, WHERE)
    permissions = read_permissions(case.get("addPermission"), WHERE.key("addPermission"))
    return route(events, rules, permissions)


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    if "error" in case:
        with pytest.raises(InputError) as caught:
            _route(case)
        assert str(caught.value) == case["error"]
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    routing = _route(case)
    inputs: dict[str, list[str]] = {}
    for d in routing.deliveries:
        inputs.setdefault(d.target, []).append(d.input)
    found = {
        "matched": routing.matched(),
        "delivered": routing.delivered(),
        "failed": routing.failed(),
        "inputs": inputs,
        "skipped": [[rule, event, skip] for rule, event, _, skip in routing.matches if skip],
        "deliveries": [[d.rule, d.target, d.event, d.delivered] for d in routing.deliveries],
    }
    for name, wanted in case["expect"].items():
        assert found[name] == wanted, name


def test_an_event_is_labelled_by_its_id_type_and_name_or_status() -> None:
    events = read_events(
        [
            {"id": "a", "source": "s", "detail-type": "ECS Service Action",
             "detail": {"eventName": "SERVICE_STEADY_STATE", "lastStatus": "x"}},
            {"id": "b", "source": "s", "detail-type": "ECS Task State Change",
             "detail": {"lastStatus": "STOPPED"}},
            {"id": "c", "source": "s", "detail-type": "Custom", "detail": {}},
            {"id": "d", "source": "s", "detail-type": "Custom", "detail": "text"},
        ],
        WHERE,
    )  # fmt: skip
    assert [e.label for e in events] == [
        "a (ECS Service Action: SERVICE_STEADY_STATE)",
        "b (ECS Task State Change: STOPPED)",
        "c (Custom)",
        "d (Custom)",
    ]


def test_a_target_kind_is_the_service_of_its_arn() -> None:
    assert Target("t", "arn:aws:lambda:r:1:function:f").kind == "lambda"
    assert Target("t", "arn:aws:sqs:r:1:q").kind == "sqs"
    assert Target("t", "arn:aws").kind == "?"
