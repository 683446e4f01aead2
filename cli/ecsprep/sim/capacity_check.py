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
_NAMES = {"createService": "the CreateService request", "runTask": "the RunTask request"}
# AWS: a service may be created with no tasks; RunTask runs 1 to 10 (API_RunTask.html).
_LEAST = {"createService": 0, "runTask": 1}


def _build(
    document: Mapping[str, Any], where: Where, folder: Path, name: str
) -> tuple[tuple[CapacityItem, ...], int]:
    from ecsprep.sim.scenario import (
        RUN_TASK_COUNT_TEXT,
        RUN_TASK_KEYS,
        RUN_TASK_MAX_COUNT,
        SERVICE_KEYS,
        refuse_unknown_keys,
    )

    known = {"createService": SERVICE_KEYS, "runTask": RUN_TASK_KEYS}
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
    # A misspelt key (`desiredcount`) would silently leave the default count: refused, as
    # AWS refuses a parameter its request doesn't have.
    refuse_unknown_keys(request, known[kind], at, _NAMES[kind])
    if "capacityProviderStrategy" not in request:
        raise at.refuse("capacityProviderStrategy is missing", "this simulator splits a strategy")
    count_key = _REQUESTS[kind]
    count = as_int(request.get(count_key, 1), at.key(count_key), minimum=_LEAST[kind])
    if kind == "runTask" and count > RUN_TASK_MAX_COUNT:
        raise at.key(count_key).refuse(
            f"{count}: {RUN_TASK_COUNT_TEXT}",
            "AWS refuses the call; a service (createService with desiredCount) runs more tasks",
        )
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
