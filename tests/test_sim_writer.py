"""The RunTask-shaped JSON writer (`--format json`): byte for byte what it wrote
before it learnt to write big responses without building every dict.

The golden files tests/golden/simulate_json_*.json were written by the old
writer (`json.dumps` of `response()`); regenerate them with UPDATE_GOLDEN=1 only
after a deliberate change of the response, and read the diff.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.placement import place
from ecsprep.sim.report import response, write_response
from ecsprep.sim.scenario import Overrides, build_scenario
from tests.test_sim_cli import GOLDEN, invoke

CASES_DIR = Path(__file__).parent / "cases" / "placement"

JSON_GOLDEN_CASES = {
    # above 200 tasks: the compact writer; dynamic host ports (tcp and udp) on every
    # task, then failures once the instances are full
    "dynamic_ports_many": [
        "dynamic-ports",
        "--fleet",
        "14xm5.large@us-east-1a,us-east-1b",
        "--count",
        "230",
    ],
    # a service of 205 tasks with dynamic host ports on 3 instances: events, and the trace
    "service_many_trace": [
        "--fleet",
        "3xm5.large@us-east-1a,us-east-1b",
        "--memory",
        "32",
        "--port",
        "80",
        "--count",
        "205",
        "--service",
        "web",
        "--trace",
    ],
    # small: indented; stopped tasks of a scale-in
    "service_scale_in": ["service-scale-in"],
}


@pytest.mark.parametrize("name", sorted(JSON_GOLDEN_CASES))
def test_json_golden(name: str, tmp_path: Path) -> None:
    code, out, err = invoke(tmp_path, *JSON_GOLDEN_CASES[name], "--format", "json")
    assert code == 0, err
    path = GOLDEN / f"simulate_json_{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(out)
    assert out == path.read_text()


def _case_documents() -> list[object]:
    from tests.test_sim_placement import load_cases

    return [case for case in load_cases() if "scenario" in case.values[0]]


@pytest.mark.parametrize("case", _case_documents())
@pytest.mark.parametrize("trace", [False, True])
def test_compact_text_is_json_dumps_of_the_response(case: dict[str, Any], trace: bool) -> None:
    # every placement case, written compact whatever its size: the text pieces
    # give exactly what json.dumps gives for the dicts (names, ports, escapes)
    from tests.test_sim_placement import run

    try:
        result = run(case["scenario"], trace=trace)
    except InputError:  # a case that expects a refusal has nothing to write
        pytest.skip("a refused scenario")
    stream = io.StringIO()
    write_response(result, stream, with_trace=trace, compact=True)
    expected = json.dumps(
        response(result, with_trace=trace), ensure_ascii=False, separators=(",", ":")
    )
    assert stream.getvalue() == expected + "\n"


def test_compact_text_escapes_like_json_dumps() -> None:
    # names AWS allows but JSON must escape: quotes, backslashes, control and non-ASCII
    document = {
        "fleet": ["2xm5.large"],
        "taskDefinition": {
            "family": "cafe",
            "containerDefinitions": [
                {"name": 'we"b\\1', "memory": 128, "portMappings": [{"containerPort": 80}]},
                {"name": "side\u2603", "memory": 128},
            ],
        },
        "runTask": {"count": 3, "group": "g\u00fcest"},
    }
    result = place(build_scenario(document, Where("x"), CASES_DIR, Overrides()))
    stream = io.StringIO()
    write_response(result, stream, compact=True)
    text = stream.getvalue()
    assert text == json.dumps(response(result), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert json.loads(text)["tasks"][0]["containers"][0]["name"] == 'we"b\\1'


def test_compact_text_gives_each_container_its_own_ports() -> None:
    # two containers with ports of their own (tcp and udp): the compact text lists
    # each container's bindings under it, as json.dumps of the response does
    document = {
        "fleet": ["2xm5.large"],
        "taskDefinition": {
            "family": "pair",
            "containerDefinitions": [
                {"name": "web", "memory": 128, "portMappings": [{"containerPort": 80}]},
                {
                    "name": "dns",
                    "memory": 128,
                    "portMappings": [
                        {"containerPort": 53, "protocol": "udp"},
                        {"containerPort": 8053},
                    ],
                },
            ],
        },
        "runTask": {"count": 3},
    }
    result = place(build_scenario(document, Where("x"), CASES_DIR, Overrides()))
    stream = io.StringIO()
    write_response(result, stream, compact=True)
    text = stream.getvalue()
    assert text == json.dumps(response(result), ensure_ascii=False, separators=(",", ":")) + "\n"
    for task in json.loads(text)["tasks"]:
        web, dns = task["containers"]
        assert [(b["containerPort"], b["protocol"]) for b in web["networkBindings"]] == [
            (80, "tcp")
        ]
        assert [(b["containerPort"], b["protocol"]) for b in dns["networkBindings"]] == [
            (53, "udp"),
            (8053, "tcp"),
        ]


@pytest.mark.parametrize("count", [1, 2, 3, 6, 7])
def test_tasks_written_in_slices_join_up_whatever_the_count(
    count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a big run writes its tasks in slices; a count that is a whole number of slices
    # once left a trailing comma (100,000 tasks in slices of 2,000)
    from ecsprep.sim import report

    monkeypatch.setattr(report, "_TASKS_PER_WRITE", 3)
    document = {"fleet": ["2xm5.large"], "runTask": {"count": 1}}
    result = place(build_scenario(document, Where("x"), CASES_DIR, Overrides(count=count)))
    assert len(result.placements) == count
    stream = io.StringIO()
    write_response(result, stream, compact=True)
    expected = json.dumps(response(result), ensure_ascii=False, separators=(",", ":"))
    assert stream.getvalue() == expected + "\n"


@pytest.mark.parametrize(("count", "lines"), [(200, "indented"), (201, "one line")])
def test_up_to_200_tasks_the_json_is_indented_above_it_is_one_line(
    count: int, lines: str, tmp_path: Path
) -> None:
    # `--format json` indents a response a reader can scroll (up to 200 tasks) and writes
    # a bigger one on a single line; the parsed response is the same either way
    code, out, err = invoke(
        tmp_path,
        "--fleet",
        "10xm5.large",  # 2048 CPU units, 7680 MiB each: room for 64 tasks apiece
        "--cpu",
        "32",
        "--memory",
        "32",
        "--count",
        str(count),
        "--format",
        "json",
    )
    assert code == 0, err
    assert len(json.loads(out)["tasks"]) == count
    body = out.removesuffix("\n")
    if lines == "indented":
        assert body.startswith('{\n  "tasks": [\n    {\n      "taskArn": ')
    else:
        assert "\n" not in body
        assert body.startswith('{"tasks":[{"taskArn":')
