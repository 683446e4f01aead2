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


# Other draws a run is compared with: seeds 1..DRAWS, each a random order of the
# instances for ties and a random generator for `random`.
DRAWS = 12
# Beyond these sizes a run is not repeated (a check's scenario is a handful of instances).
_MOST_INSTANCES = 200
_MOST_TASKS = 100


def _run(scenario: Any) -> Outcome:
    from ecsprep.sim.check import observe
    from ecsprep.sim.placement import place

    result = place(scenario)
    outcome = Outcome(facts=observe(result), notes=tuple(result.notes), result=result)
    draws = _draws(scenario, outcome)
    if not draws:
        return outcome
    return replace(outcome, draws=draws, rests_on=(_rests_on(scenario, outcome, draws),))


def _draws(scenario: Any, outcome: Outcome) -> tuple[Outcome, ...]:
    """The run with other seeds, when any of them gives other facts (else empty)."""
    from ecsprep.sim.check import observe
    from ecsprep.sim.placement import place
    from ecsprep.sim.taskdef import LaunchType

    if (
        scenario.request.launch_type is LaunchType.FARGATE
        or not 1 < len(scenario.instances) <= _MOST_INSTANCES
        or scenario.request.count > _MOST_TASKS
    ):
        return ()
    others = []
    for seed in range(1, DRAWS + 1):
        result = place(replace(scenario, seed=seed))
        others.append(Outcome(facts=observe(result), notes=tuple(result.notes), result=result))
    if all(other.facts == outcome.facts for other in others):
        return ()
    return tuple(others)


def _rests_on(scenario: Any, outcome: Outcome, draws: tuple[Outcome, ...]) -> str:
    """`the random draw (seed 0): over 12 other seeds, instances_used 1 to 3 (2 here)`.

    Only where the tasks go and which tasks a scale-in stops can change with the seed:
    an instance takes identical tasks until its first failing check whatever the order,
    so how many are placed and the failure reasons are the same in every draw
    (tests/test_sim_properties.py), and the capacity provider split is computed from the
    count before anything is drawn."""
    from ecsprep.sim.strategies import StrategyType

    drawn = any(s.type is StrategyType.RANDOM for s in scenario.strategies)
    if drawn:
        seed = scenario.seed if scenario.seed is not None else 0
        what = f"the random draw (seed {seed})"
    elif scenario.seed is not None:
        what = f"the order ties are broken in (seed {scenario.seed})"
    else:
        what = "the order ties are broken in (registration order: the first instance listed wins)"
    said = []
    values = {int(str(draw.facts["instances_used"])) for draw in draws}
    here = int(str(outcome.facts["instances_used"]))
    differ = {
        name for draw in draws for name in draw.facts if draw.facts[name] != outcome.facts[name]
    }
    if values != {here}:
        low, high = min(values | {here}), max(values | {here})
        said.append(f"instances_used {low} to {high} ({here} here)")
    elif "tasks_on" in differ:
        said.append("other instances receive the tasks")
    elif "instances" in differ:
        said.append("the same instances receive the tasks in another order")
    if "stopped_on" in differ:
        said.append("tasks on other instances stop")
    return f"{what}: over {len(draws)} other seeds, {', '.join(said)}"


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
