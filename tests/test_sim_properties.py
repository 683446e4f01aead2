"""Properties over random clusters and tasks (hypothesis).

Never over-commits CPU or memory; no two tasks share a host port and protocol
on an instance; every placement satisfies every constraint; spread keeps the
values within one task of each other where capacity allowed; binpack picks a
least-remaining feasible candidate; both engines agree; the seed never changes how many
tasks fit nor why the others don't.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ecsprep.sim.documents import Where
from ecsprep.sim.instances import INSTANCE_TYPES
from ecsprep.sim.placement import PlacementResult, place
from ecsprep.sim.scenario import Overrides, build_scenario

TYPES = ["t3.micro", "t3.small", "t3.medium", "m5.large", "c5.large", "m5.xlarge"]
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]

fleets = st.lists(
    st.tuples(st.integers(1, 4), st.sampled_from(TYPES), st.sampled_from(ZONES)),
    min_size=1,
    max_size=5,
).map(lambda items: [f"{n}x{t}@{z}" for n, t, z in items])
ports = st.lists(
    st.tuples(
        st.sampled_from([80, 443, 8080, 53]),
        st.sampled_from([None, 0, "same"]),
        st.sampled_from(["tcp", "udp"]),
    ),
    max_size=3,
    unique_by=lambda p: p[0],  # one protocol per container port, as ECS requires
)
strategy_lists = st.lists(
    st.sampled_from(
        [
            {"type": "binpack", "field": "memory"},
            {"type": "binpack", "field": "cpu"},
            {"type": "spread", "field": "instanceId"},
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "spread", "field": "attribute:ecs.instance-type"},
            {"type": "random"},
        ]
    ),
    max_size=3,
)
constraint_lists = st.lists(
    st.sampled_from(
        [
            {"type": "distinctInstance"},
            {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"},
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone != us-east-1c"},
            {"type": "memberOf", "expression": "runningTasksCount < 3"},
        ]
    ),
    max_size=2,
    unique_by=lambda c: c.get("expression", ""),
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    mappings = [
        {
            "containerPort": p,
            **({} if h is None else {"hostPort": p if h == "same" else 0}),
            "protocol": proto,
        }
        for p, h, proto in draw(ports)
    ]
    return {
        "fleet": draw(fleets),
        "seed": draw(st.none() | st.integers(0, 5)),
        "taskDefinition": {
            "family": "prop",
            "containerDefinitions": [
                {
                    "name": "a",
                    "cpu": draw(st.sampled_from([0, 128, 512, 1024])),
                    "memory": draw(st.sampled_from([128, 512, 1024, 3000])),
                    "portMappings": mappings,
                }
            ],
        },
        "runTask": {
            "count": draw(st.integers(1, 25)),
            "placementStrategy": draw(strategy_lists),
            "placementConstraints": draw(constraint_lists),
        },
    }


def run(document: dict[str, Any], trace: bool = False) -> PlacementResult:
    # A request file may ask RunTask for at most 10 tasks; more is several calls (--count).
    request = dict(document["runTask"])
    count = request.pop("count")
    document = {**document, "runTask": request}
    scenario = build_scenario(document, Where("prop"), Path("."), Overrides(count=count))
    return place(scenario, trace=trace)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_never_overcommits_and_ports_are_unique(document: dict[str, Any]) -> None:
    result = run(document)
    for outcome in result.instances:
        assert outcome.remaining_cpu >= 0
        assert outcome.remaining_memory >= 0
    used: Counter[tuple[str, int, str]] = Counter()
    for placement in result.placements:
        for binding in placement.bindings:
            used[(placement.instance_arn, binding.host_port, binding.protocol.value)] += 1
    assert all(n == 1 for n in used.values())
    reserved = {22, 2375, 2376, 51678, 51679, 51680}
    assert not [port for _, port, proto in used if port in reserved and proto == "tcp"]


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_every_placement_satisfies_every_constraint(document: dict[str, Any]) -> None:
    result = run(document)
    by_arn = {o.arn: o for o in result.instances}
    per_instance = Counter(p.instance_arn for p in result.placements)
    kinds = [
        c.get("expression", "distinctInstance") for c in document["runTask"]["placementConstraints"]
    ]
    for arn, n in per_instance.items():
        outcome = by_arn[arn]
        if "distinctInstance" in kinds:
            assert n == 1
        if "attribute:ecs.instance-type =~ t3.*" in kinds:
            assert (outcome.instance_type or "").startswith("t3.")
        if "attribute:ecs.availability-zone != us-east-1c" in kinds:
            assert outcome.zone != "us-east-1c"
        if "runningTasksCount < 3" in kinds:
            assert n <= 3


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_engines_agree(document: dict[str, Any]) -> None:
    fast = run(document)
    traced = run(document, trace=True)
    assert [p.instance_arn for p in fast.placements] == [p.instance_arn for p in traced.placements]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 6), st.lists(st.sampled_from(ZONES), min_size=1, max_size=6), st.integers(1, 30)
)
def test_spread_keeps_values_within_one_when_capacity_allows(
    per_zone: int, zones: list[str], count: int
) -> None:
    document = {
        "fleet": [f"{per_zone}xm5.large@{zone}" for zone in zones],
        "taskDefinition": {"family": "s", "containerDefinitions": [{"name": "a", "memory": 128}]},
        "runTask": {
            "count": count,
            "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
        },
    }
    result = run(document)
    assert not result.unplaced  # 128 MiB, 0 CPU: capacity is never the limit here
    zone_of = {o.arn: o.zone for o in result.instances}
    counts = Counter(zone_of[p.instance_arn] for p in result.placements)
    values = [counts.get(zone, 0) for zone in set(zones)]
    assert max(values) - min(values) <= 1


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_binpack_picks_a_least_remaining_feasible_candidate(document: dict[str, Any]) -> None:
    document["runTask"]["placementStrategy"] = [{"type": "binpack", "field": "memory"}]
    result = run(document, trace=True)
    for placement in result.placements:
        assert placement.trace is not None
        step = placement.trace.strategy_steps[0]
        assert step.next_best is None or step.best < step.next_best


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.integers(1, 12))
def test_the_seed_moves_tasks_but_never_changes_how_many_fit(
    document: dict[str, Any], seed: int
) -> None:
    # Each instance takes identical tasks until its first failing check, whichever order
    # they come in: the tie-break order and the random draw choose the instances, never how
    # many tasks are placed nor the failure reasons (what a check's other draws can differ in:
    # sim/placement_check.py `_rests_on`).
    first = run(document)
    other = run({**document, "seed": seed})
    assert (other.unplaced, len(other.placements)) == (first.unplaced, len(first.placements))
    assert sorted(f.reason.value for f in other.failures) == sorted(
        f.reason.value for f in first.failures
    )


def test_instance_table_is_sane() -> None:
    for name, known in INSTANCE_TYPES.items():
        assert known.vcpus >= 1, name
        assert known.memory_mib > 500, name
        assert known.max_enis >= 2, name
