"""The capacity provider split as a question's check runs it (`simulator: capacity`).

The scenario is a RunTask or CreateService request in AWS's shape:
`{createService: {desiredCount: 10, capacityProviderStrategy: [...]}}` or
`{runTask: {count: 3, capacityProviderStrategy: [...]}}`. A strategy AWS refuses
(two bases, every weight 0, Fargate mixed with Auto Scaling group providers…) is
refused with AWS's reason. Facts: `providers` (each provider's task count),
`tasks` (how many were split) and `rounded` (the split wasn't whole, so ecsprep's
documented rounding choice decided it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.capacity import CapacityItem, Split, read_capacity_strategy, split_tasks
from ecsprep.sim.documents import Where, as_int, as_mapping
from ecsprep.sim.simulators import Outcome, Simulator

_REQUESTS = {"createService": "desiredCount", "runTask": "count"}


def _build(
    document: Mapping[str, Any], where: Where, folder: Path, name: str
) -> tuple[tuple[CapacityItem, ...], int]:
    del folder, name  # nothing to read beside the pack; the name isn't shown
    unknown = [key for key in document if key not in (*_REQUESTS, "description")]
    if unknown:
        raise where.key(str(unknown[0])).refuse(
            f"unknown key {unknown[0]!r}", "give a createService or runTask request"
        )
    given = [key for key in _REQUESTS if key in document]
    if len(given) != 1:
        raise where.refuse(
            "give exactly one request: createService or runTask",
            "e.g. createService: {desiredCount: 10, capacityProviderStrategy: [...]}",
        )
    kind = given[0]
    at = where.key(kind)
    request = as_mapping(document[kind], at, "a request object")
    if "capacityProviderStrategy" not in request:
        raise at.refuse("capacityProviderStrategy is missing", "this simulator splits a strategy")
    count_key = _REQUESTS[kind]
    count = as_int(request.get(count_key, 1), at.key(count_key))
    items = read_capacity_strategy(
        request["capacityProviderStrategy"], at.key("capacityProviderStrategy")
    )
    return items, count


def _run(built: tuple[tuple[CapacityItem, ...], int]) -> Outcome:
    items, count = built
    split: Split = split_tasks(items, count)
    notes = []
    if split.rounded:
        notes.append(
            "the weighted share isn't whole: AWS doesn't document its rounding; ecsprep gives "
            "the leftover tasks to the largest remainders (INF)"
        )
    shares = ", ".join(f"{name} {tasks}" for name, tasks in split.tasks().items())
    return Outcome(
        facts={"providers": split.tasks(), "tasks": split.count, "rounded": split.rounded},
        notes=tuple(notes),
        summary=f"{split.count} task(s): {shares}.",
        result=split,
    )


SIMULATOR = Simulator(
    name="capacity",
    facts=("providers", "tasks", "rounded"),
    ranked=("tasks",),
    build=_build,
    run=_run,
)
