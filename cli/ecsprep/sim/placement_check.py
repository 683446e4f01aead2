"""The placement simulator as a question's check runs it (`simulator: placement`, the default).

Builds the scenario as `ecsprep simulate placement FILE` does, places it, and
judges conditions with `check.Expectation`, whose facts are placement's own:
tasks placed and not placed, the instances used, failure reasons, scale-in,
capacity provider splits and the run's notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import Outcome, Simulator, fact_misses

FACTS = (
    "placed",
    "unplaced",
    "instances_used",
    "instances",
    "failure",
    "stopped_on",
    "providers",
    "used",
    "avoid",
    "tasks_on",
    "max_per_instance",
)


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Any:
    from ecsprep.sim.scenario import Overrides, build_scenario

    return replace(build_scenario(document, where, folder, Overrides()), name=name)


def _run(scenario: Any) -> Outcome:
    from ecsprep.sim.check import observe
    from ecsprep.sim.placement import place

    result = place(scenario)
    return Outcome(facts=observe(result), notes=tuple(result.notes), result=result)


def _misses(condition: Mapping[str, Any], outcome: Outcome) -> tuple[str, ...]:
    from ecsprep.sim.check import Expectation

    refused = {k: v for k, v in condition.items() if k == "refused"}
    rest = {k: v for k, v in condition.items() if k != "refused"}
    found = list(fact_misses(refused, outcome)) if refused else []
    if outcome.refused:
        if rest:
            found.append(f"AWS refuses the input ({outcome.refused})")
        return tuple(found)
    return (*found, *Expectation.of(rest).misses(outcome.result))


def _scenarios() -> Mapping[str, Path]:
    from ecsprep.sim.scenario import shipped_scenarios

    return shipped_scenarios()


SIMULATOR = Simulator(
    name="placement",
    facts=FACTS,
    ranked=("placed", "unplaced", "instances_used"),
    build=_build,
    run=_run,
    misses=_misses,
    scenarios=_scenarios,
)
