"""Which tasks a service stops when its desired count goes down.

The docs, per strategy: binpack stops the task on the instance that will have
the most of the resource left after the termination; spread keeps the balance
(the value with the most tasks loses one; inside it, the choice is random);
with the default strategy, the AZ with the most tasks of the service, then the
instance with the most. This is placement's ranking turned around, strategy
by strategy; protected tasks are never stopped.
"""

from __future__ import annotations

import random

from ecsprep.sim.cluster import ClusterState, InstanceState, TaskOnInstance
from ecsprep.sim.placement import StoppedTask
from ecsprep.sim.scenario import Scenario
from ecsprep.sim.strategies import Strategy, StrategyType


def scale_in(
    cluster: ClusterState, scenario: Scenario, how_many: int, rng: random.Random
) -> list[StoppedTask]:
    stopped: list[StoppedTask] = []
    for _ in range(how_many):
        candidates = [
            (state, task)
            for state in cluster.states
            for task in state.tasks
            if task.group == cluster.group and not task.protected and not task.leaving
        ]
        if not candidates:
            break  # protected tasks outnumber the desired count
        state, task, why = _choose(cluster, scenario.strategies, candidates, rng)
        cluster.remove(state, task)
        stopped.append(StoppedTask(task.arn, state.instance.arn, why))
    return stopped


def _choose(
    cluster: ClusterState,
    strategies: tuple[Strategy, ...],
    candidates: list[tuple[InstanceState, TaskOnInstance]],
    rng: random.Random,
) -> tuple[InstanceState, TaskOnInstance, str]:
    why = "the only task that can be stopped" if len(candidates) == 1 else ""
    for strategy in strategies:
        if len(candidates) == 1:
            break
        if strategy.type is StrategyType.RANDOM:
            state, task = rng.choice(candidates)
            return state, task, f"random among {len(candidates)} tasks"
        scores = [_score(strategy, state, task, cluster) for state, task in candidates]
        best = max(scores)
        kept = [pair for pair, score in zip(candidates, scores, strict=True) if score == best]
        if len(kept) < len(candidates):
            why = _explain(strategy, kept[0][0], best)
        candidates = kept
    state, task = min(candidates, key=lambda pair: pair[0].priority)
    if len(candidates) > 1:
        why = (why + "; " if why else "") + f"tie between {len(candidates)} tasks"
    return state, task, why


def _score(
    strategy: Strategy, state: InstanceState, task: TaskOnInstance, cluster: ClusterState
) -> int:
    """Higher = stop first."""
    if strategy.type is StrategyType.BINPACK:
        if strategy.field == "memory":
            return state.memory + task.memory
        return state.cpu + task.cpu
    if strategy.attribute is not None:
        value = state.instance.attributes.get(strategy.attribute)
        return cluster.counts[strategy.attribute][value]
    return state.our_tasks


def _explain(strategy: Strategy, state: InstanceState, best: int) -> str:
    if strategy.type is StrategyType.BINPACK:
        unit = "MiB" if strategy.field == "memory" else "CPU units"
        return f"{strategy.text}: leaves the most {strategy.field} free ({best} {unit})"
    if strategy.attribute is not None:
        value = state.instance.attributes.get(strategy.attribute)
        which = f"the instances without {strategy.attribute}" if value is None else value
        verb = "have" if value is None else "has"
        return f"{strategy.text}: {which} {verb} the most tasks of the service ({best})"
    return f"{strategy.text}: the instance has the most tasks of the service ({best})"
