"""Service Auto Scaling as a question's check runs it (`simulator: scaling`).

The scenario is `sim.scaling_input`'s document: register-scalable-target,
put-scaling-policy, put-metric-alarm and put-scheduled-action requests, the service and
a workload timeline. The facts of a run:

- `desired`, `running`: the counts at the end; `peak_desired`, `lowest_desired`,
  `peak_running`, `peak_pending` (the most tasks desired but not running);
- `desired_at`, `running_at`: the count during given minutes, e.g. `{"09:00": 20}`
  (a condition names only the minutes it cares about);
- `changes`: each change of the desired count, in order (`[2, 5, -1]`);
  `scale_outs`, `scale_ins`; `scaled_out_by`, `scaled_in_by` (who did it, sorted);
  `first_scale_out` (its minute from the start); `largest_scale_out`;
- `held_by_max` (a policy wanted more than MaxCapacity); `scaled_out_in_cooldown`
  (a scale-out went ahead during a scale-in cooldown);
- `alarms_written`: the CloudWatch alarms the scenario creates itself (put-metric-alarm);
- at the end: `service_cpu`, `service_memory`, `requests_per_task`, `backlog_per_task`
  and `wait_seconds` (backlog per task × the service's secondsPerMessage).

A numeric fact can be given a range: `{at_least: 50, at_most: 70}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.scaling import ScalingInput, ScalingResult, simulate
from ecsprep.sim.simulators import Outcome, Simulator, fact_misses

FACTS = (
    "desired",
    "running",
    "peak_desired",
    "lowest_desired",
    "peak_running",
    "peak_pending",
    "desired_at",
    "running_at",
    "changes",
    "scale_outs",
    "scale_ins",
    "scaled_out_by",
    "scaled_in_by",
    "first_scale_out",
    "largest_scale_out",
    "held_by_max",
    "scaled_out_in_cooldown",
    "alarms_written",
    "service_cpu",
    "service_memory",
    "requests_per_task",
    "backlog_per_task",
    "wait_seconds",
)
RANKED = (
    "desired",
    "peak_desired",
    "running",
    "scale_outs",
    "scale_ins",
    "alarms_written",
    "largest_scale_out",
    "wait_seconds",
)
_AT = ("desired_at", "running_at")
_FINAL = {
    "service_cpu": "cpu_per_task",
    "service_memory": "memory_per_task",
    "requests_per_task": "requests_per_task",
    "backlog_per_task": "backlog_per_task",
    "wait_seconds": "wait_seconds",
}


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> ScalingInput:
    del folder, name
    from ecsprep.sim.scaling_input import read_scaling

    return read_scaling(document, where)


def _run(given: ScalingInput) -> Outcome:
    result = simulate(given)
    return Outcome(
        facts=facts(result),
        notes=result.notes,
        summary=summary(result),
        result=result,
    )


def facts(result: ScalingResult) -> dict[str, object]:
    rows = result.minutes
    desired = [row.desired for row in rows] + [result.final_desired]
    running = [row.running for row in rows] + [result.final_running]
    outs = [a for a in result.activities if a.change > 0]
    ins = [a for a in result.activities if a.change < 0]
    found: dict[str, object] = {
        "desired": result.final_desired,
        "running": result.final_running,
        "peak_desired": max(desired),
        "lowest_desired": min(desired),
        "peak_running": max(running),
        "peak_pending": max(d - r for d, r in zip(desired, running, strict=True)),
        "desired_at": {row.clock: row.desired for row in rows},
        "running_at": {row.clock: row.running for row in rows},
        "changes": [a.change for a in result.activities],
        "scale_outs": len(outs),
        "scale_ins": len(ins),
        "scaled_out_by": sorted({a.cause for a in outs}),
        "scaled_in_by": sorted({a.cause for a in ins}),
        "first_scale_out": outs[0].t if outs else None,
        "largest_scale_out": max((a.change for a in outs), default=0),
        "held_by_max": result.held_by_max,
        "scaled_out_in_cooldown": result.scaled_out_in_cooldown,
        "alarms_written": len(result.input.alarms),  # one per put-metric-alarm request
    }
    for fact, quantity in _FINAL.items():
        value = result.final_values.get(quantity)
        found[fact] = None if value is None else round(value, 1)
    return found


def misses(condition: Mapping[str, Any], outcome: Outcome) -> tuple[str, ...]:
    """As `fact_misses`, plus ranges on numbers and `desired_at`/`running_at` by minute."""
    plain = {}
    found: list[str] = []
    result = outcome.result
    for name, wanted in condition.items():
        if name in _AT and isinstance(wanted, Mapping) and not outcome.refused:
            assert isinstance(result, ScalingResult)
            for key, expected in wanted.items():
                minute = result.minute_of(key)
                if minute is None:
                    found.append(f"{name}: the timeline has no minute {key!r}")
                    continue
                row = result.minutes[minute]
                count = row.desired if name == "desired_at" else row.running
                if not _meets(expected, count):
                    found.append(
                        f"{name} {key}: expected {_show(expected)}, the simulator gives {count}"
                    )
        elif _is_range(wanted) and not outcome.refused:
            seen = outcome.facts.get(name)
            if not _meets(wanted, seen):
                found.append(f"{name}: expected {_show(wanted)}, the simulator gives {_show(seen)}")
        else:
            plain[name] = wanted
    return (*found, *fact_misses(plain, outcome))


def _is_range(value: object) -> bool:
    return isinstance(value, Mapping) and bool(value) and set(value) <= {"at_least", "at_most"}


def _meets(wanted: object, seen: object) -> bool:
    if _is_range(wanted):
        assert isinstance(wanted, Mapping)
        if not isinstance(seen, (int, float)) or isinstance(seen, bool):
            return False
        low, high = wanted.get("at_least"), wanted.get("at_most")
        return (low is None or seen >= low) and (high is None or seen <= high)
    return wanted == seen


def _show(value: object) -> str:
    if _is_range(value):
        assert isinstance(value, Mapping)
        parts = []
        if value.get("at_least") is not None:
            parts.append(f"at least {value['at_least']}")
        if value.get("at_most") is not None:
            parts.append(f"at most {value['at_most']}")
        return " and ".join(parts)
    return "nothing" if value is None else str(value)


def summary(result: ScalingResult) -> str:
    """`Desired count 6 → 3 (00:14 backlog) → 15 (00:18 backlog) over 40 min; …`."""
    rows = result.minutes
    start = rows[0].desired if rows and not result.activities else result.input.desired
    steps = [f"{a.after} ({a.clock} {a.cause})" for a in result.activities]
    if len(steps) > 5:
        steps = [*steps[:2], f"… {len(steps) - 4} more …", *steps[-2:]]
    path = " → ".join([str(start), *steps]) if steps else f"{start}, unchanged"
    peak = max([row.desired for row in rows] + [result.final_desired])
    text = f"Desired count {path} over {len(rows)} min (peak {peak})"
    pending = max((row.desired - row.running for row in rows), default=0)
    if pending:
        text += f"; up to {pending} task(s) desired but not running"
    if result.held_by_max:
        text += "; held at MaxCapacity"
    return text + "."


SIMULATOR = Simulator(
    name="scaling",
    facts=FACTS,
    ranked=RANKED,
    build=_build,
    run=_run,
    misses=misses,
)
