"""ECS task placement for the EC2 launch type: filter, constrain, rank, select.

For each task, one at a time, updating the cluster between placements:

1. keep the ACTIVE instances whose agent is connected, that carry the required
   attributes and have the CPU, memory, GPUs, ports and ENIs the task needs;
2. keep those that satisfy every constraint (binding);
3. rank them by each strategy in order, keeping the best-ranked ones (best effort);
4. select: remaining ties go to a seeded random order of the instances (drawn
   once per run), or to registration order when no seed is given.

Two engines compute the same answer. `_Scan` looks at every instance for every
task and records the funnel, the rejections and the scores (the trace).
`_Index` keeps, per spread value, a heap of instances keyed by what the
strategies rank, and drops instances that can never take the task again, so
a task costs about O(log n); it runs when no trace is asked for.
Tests check that both engines place every task on the same instance.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from ecsprep.sim.cluster import Binding, ClusterState, InstanceState, TaskOnInstance
from ecsprep.sim.constraints import Constraint, ConstraintType
from ecsprep.sim.instances import Instance, InstanceStatus
from ecsprep.sim.scenario import (
    INSTANCES_PER_CLUSTER_QUOTA,
    TASKS_PER_SERVICE_QUOTA,
    RequestKind,
    Scenario,
)
from ecsprep.sim.strategies import Strategy, StrategyType
from ecsprep.sim.taskdef import LaunchType, NetworkMode, Protocol


class FailureReason(str, Enum):
    """Why an instance cannot take the task: RunTask's `failures[].reason`."""

    AGENT = "AGENT"
    ATTRIBUTE = "ATTRIBUTE"
    CPU = "RESOURCE:CPU"
    MEMORY = "RESOURCE:MEMORY"
    GPU = "RESOURCE:GPU"
    PORTS = "RESOURCE:PORTS"
    ENI = "RESOURCE:ENI"
    MEMBER_OF = "MemberOf placement constraint unsatisfied"
    DISTINCT_INSTANCE = "DistinctInstance placement constraint unsatisfied"
    NO_ACTIVE_INSTANCES = "NO ACTIVE INSTANCES"


RESOURCE_STEPS = ("agent", "attributes", "cpu", "memory", "gpu", "ports", "eni")


@dataclass(frozen=True, slots=True)
class FunnelStep:
    step: str  # "ACTIVE", "cpu", "memberOf(…)", "binpack(memory)"…
    candidates: int  # how many instances are left after it


@dataclass(frozen=True, slots=True)
class StrategyStep:
    strategy: Strategy
    kept: int  # candidates with the best rank
    best: int  # the winning rank (tasks per value for spread, units left for binpack)
    next_best: int | None  # the best rank among those dropped
    value: str | None = None  # the winning spread value (an AZ…), when there is one


@dataclass(frozen=True, slots=True)
class Trace:
    """Why a task went where it did (recorded by the scan engine, with --trace)."""

    funnel: tuple[FunnelStep, ...]
    strategy_steps: tuple[StrategyStep, ...]
    rejected: tuple[tuple[str, FailureReason], ...]  # instance ARN, first failing check
    decided_by: str  # what picked the winner among the last candidates


@dataclass(frozen=True, slots=True)
class Placement:
    number: int  # 1-based, in placement order
    task_arn: str
    instance_arn: str
    bindings: tuple[Binding, ...]
    trace: Trace | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    arn: str | None
    reason: FailureReason
    detail: str | None = None  # for ATTRIBUTE: the attribute the instance lacks


@dataclass(frozen=True, slots=True)
class InstanceOutcome:
    """An instance after the run."""

    arn: str
    ec2_instance_id: str
    zone: str | None
    instance_type: str | None
    status: str
    remaining_cpu: int
    remaining_memory: int
    registered_cpu: int
    registered_memory: int
    ports_tcp: frozenset[int]
    ports_udp: frozenset[int]
    placed: int  # tasks this run placed here
    group_tasks: int  # tasks of the placed group here, old and new
    running: int
    label: str = ""  # how to name it: its EC2 instance ID when one is known, else the ARN's end


@dataclass(frozen=True, slots=True)
class StoppedTask:
    task_arn: str
    instance_arn: str
    why: str
    after_start: bool = False  # stopped once this run's tasks started (draining replaced it)


@dataclass(frozen=True, slots=True)
class PlacementResult:
    scenario: Scenario
    placements: tuple[Placement, ...]
    unplaced: int
    failures: tuple[Failure, ...]
    closest: tuple[str, FailureReason] | None  # the "closest matching" instance, on failure
    stopped: tuple[StoppedTask, ...]
    instances: tuple[InstanceOutcome, ...]
    group: str
    strategies: tuple[Strategy, ...]
    fargate: bool = False  # FARGATE: strategies and constraints do not apply
    notes: tuple[str, ...] = ()
    providers: tuple[tuple[str, int], ...] = ()  # capacity provider → tasks, from its strategy
    unplaced_trace: Trace | None = None  # with trace: why the first unplaced task found no instance
    draining_left: int = 0  # the service's tasks still running on DRAINING instances


# "A container instance can have up to 100 reserved ports at a time. This number
# includes the default reserved ports." (PortMapping, hostPort; dynamic ports don't count)
MAX_RESERVED_PORTS = 100

PROGRESS_EVERY = 10_000  # tasks between two calls of place()'s `progress`


def place(
    scenario: Scenario,
    rng: random.Random | None = None,
    *,
    trace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PlacementResult:
    """Run the scenario's request on its cluster; never raises for a task that does not fit.

    `progress(placed, wanted)` is called every PROGRESS_EVERY tasks placed.
    The first task that no instance can take ends the run: nothing changed, so
    every identical task after it fails the same way (no scan per task)."""
    from ecsprep.sim import draining
    from ecsprep.sim.scale_in import scale_in

    rng = rng or random.Random(scenario.seed if scenario.seed is not None else 0)
    if scenario.request.launch_type is LaunchType.FARGATE:
        return _fargate(scenario)
    if scenario.request.daemon:
        return _daemon(scenario, rng)
    priorities = list(range(len(scenario.instances)))
    if scenario.seed is not None:
        rng.shuffle(priorities)
    cluster = ClusterState(scenario, priorities)
    wanted = scenario.request.count
    stopped: list[StoppedTask] = []
    drain = draining.DrainPlan((), (), 0, None)
    shortfall = 0
    if scenario.request.kind is RequestKind.SERVICE:
        stopped += draining.stop_pending(cluster)
        present = sum(state.our_tasks for state in cluster.states)
        if present > wanted:
            stopped += draining.stop_for_scale_in(cluster, present - wanted)
            present = sum(state.our_tasks for state in cluster.states)
        if present > wanted:
            stopped += scale_in(cluster, scenario, present - wanted, rng)
        shortfall = max(0, wanted - present)
        drain = draining.plan(cluster, scenario.request, shortfall)
        wanted = shortfall + drain.replacements
    binder = _Binder(cluster, scenario)
    placements: list[Placement] = []
    unplaced = 0
    failures: tuple[Failure, ...] = ()
    closest: tuple[str, FailureReason] | None = None
    unplaced_trace: Trace | None = None
    shares = _provider_shares(scenario, wanted)
    # Several shares: each draws from its own generator, seeded up front, so that
    # how many draws one share's failure took doesn't change the next share's.
    rngs = [random.Random(rng.getrandbits(64)) for _ in shares] if len(shares) > 1 else [rng]
    for (provider, count), share_rng in zip(shares, rngs, strict=True):
        if provider is not None:  # only this Auto Scaling group provider's instances
            for state in cluster.states:
                state.active = (
                    state.instance.status is InstanceStatus.ACTIVE
                    and state.instance.capacity_provider == provider
                )
        engine = _engine(cluster, scenario, share_rng, trace)
        missed = _place_share(engine, binder, placements, count, wanted, progress)
        if missed:
            unplaced += missed
            found, near = _failures(cluster, scenario)
            failures += found
            closest = closest or near
            if unplaced_trace is None and isinstance(engine, _Scan):
                unplaced_trace = engine.failed
    for state in cluster.states:
        state.active = state.instance.status is InstanceStatus.ACTIVE
    notes = _notes(scenario)
    draining_left = 0
    if drain.draining:
        # the tasks the service was missing go first, then the replacements
        replaced = max(0, len(placements) - shortfall)
        arns = [p.task_arn for p in placements[shortfall:]]
        finished = draining.finish(cluster, scenario.request, drain, replaced, arns)
        stopped += finished
        draining_left = len(drain.draining) - len(finished)
        notes = (*notes, drain.note) if drain.note else notes
    return PlacementResult(
        scenario=scenario,
        placements=tuple(placements),
        unplaced=unplaced,
        failures=failures,
        closest=closest,
        stopped=tuple(stopped),
        instances=tuple(_outcome(state) for state in cluster.states),
        group=scenario.group,
        strategies=scenario.strategies,
        notes=notes + _provider_notes(scenario, shares, unplaced),
        unplaced_trace=unplaced_trace,
        draining_left=draining_left,
        providers=tuple((name, count) for name, count in shares if name is not None),
    )


def _engine(cluster: ClusterState, scenario: Scenario, rng: random.Random, trace: bool) -> _Engine:
    if trace:
        return _Scan(cluster, scenario, rng, trace)
    if scenario.strategies and scenario.strategies[0].type is StrategyType.RANDOM:
        return _Random(cluster, scenario, rng)
    if _indexable(scenario):
        return _Index(cluster, scenario)
    return _Scan(cluster, scenario, rng, trace)


def _place_share(
    engine: _Engine,
    binder: _Binder,
    placements: list[Placement],
    count: int,
    wanted: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Place `count` tasks, appending to `placements`; the tasks left unplaced.
    The first task no instance can take ends the share: nothing changed, so every
    later copy of the task fails the same way."""
    for left in range(count, 0, -1):
        chosen = engine.choose()
        if chosen is None:
            return left
        state, recorded = chosen
        number = len(placements) + 1
        placements.append(binder.bind(state, number, recorded))
        engine.placed(state)
        if progress is not None and not number % PROGRESS_EVERY:
            progress(number, wanted)
    return 0


def _provider_shares(scenario: Scenario, wanted: int) -> list[tuple[str | None, int]]:
    """The tasks of this run per Auto Scaling group capacity provider (base, then
    weights: sim/capacity.py), or all of them on any instance (None)."""
    items = scenario.request.capacity
    if not items:
        return [(None, wanted)]
    from ecsprep.sim.capacity import split_tasks

    return list(split_tasks(items, wanted).tasks().items())


def _provider_notes(
    scenario: Scenario, shares: list[tuple[str | None, int]], unplaced: int
) -> tuple[str, ...]:
    if not scenario.request.capacity:
        return ()
    notes = [
        capacity_note(tuple((name or "", count) for name, count in shares)),
        "each provider's tasks go to the ACTIVE instances of its Auto Scaling group "
        "(capacityProviderName), chosen there by the placement strategies and constraints",
    ]
    if unplaced:
        notes.append(
            "with managed scaling on, ECS scales the Auto Scaling group out for tasks that "
            "don't fit (not simulated: here they are failures)"
        )
    return tuple(notes)


def _daemon(scenario: Scenario, rng: random.Random) -> PlacementResult:
    """A DAEMON service: "exactly one task on each active container instance that meets all
    of the task placement constraints", in registration order; its tasks on instances that
    no longer meet them are stopped. Strategies don't apply (**INF**: ignored with a note)."""
    from dataclasses import replace

    cluster = ClusterState(scenario, list(range(len(scenario.instances))))
    checker = _Checker(scenario)
    binder = _Binder(cluster, scenario)
    placements: list[Placement] = []
    failures: list[Failure] = []
    stopped: list[StoppedTask] = []
    wanted = 0
    for state in cluster.states:
        if not state.active:
            continue
        meets = all(
            checker.constraint(n, c, state) is None for n, c in enumerate(checker.constraints)
        )
        if not meets:
            for task in [t for t in state.tasks if t.group == cluster.group and not t.leaving]:
                cluster.remove(state, task)
                stopped.append(
                    StoppedTask(task.arn, state.instance.arn, "no longer meets the constraints")
                )
            continue
        wanted += 1
        if state.our_tasks:
            continue  # it already runs the daemon's task
        reason = checker.resources(state)
        if reason is not None:
            detail = checker.missing_attribute(state) if reason is FailureReason.ATTRIBUTE else None
            failures.append(Failure(state.instance.arn, reason, detail))
            continue
        placements.append(binder.bind(state, len(placements) + 1, None))
    notes = list(_notes(scenario))
    notes = [note for note in notes if not note.startswith("no placement strategy given")]
    if scenario.request.strategies:
        notes.append(
            "a DAEMON service places one task per instance: placement strategies are ignored"
        )
    if scenario.request.capacity:
        notes.append(
            "a DAEMON service places one task per instance: its capacity provider strategy "
            "is not applied here (the docs don't say how the two combine)"
        )
    del rng
    request = replace(scenario.request, count=wanted)
    return PlacementResult(
        scenario=replace(scenario, request=request),
        placements=tuple(placements),
        unplaced=len(failures),
        failures=tuple(failures),
        closest=(failures[0].arn or "", failures[0].reason) if failures else None,
        stopped=tuple(stopped),
        instances=tuple(_outcome(state) for state in cluster.states),
        group=scenario.group,
        strategies=(),
        notes=tuple(notes),
    )


# --- checks ----------------------------------------------------------------


class _Checker:
    """The filter and constraint checks for one task, in pipeline order."""

    def __init__(self, scenario: Scenario) -> None:
        task = scenario.task
        self.cpu = task.cpu
        self.memory = task.memory
        # Windows ignores task-level CPU and memory: the containers' own count there
        self.windows_size = (task.windows_cpu, task.windows_memory)
        self.gpus = task.gpus
        self.required = task.required_attributes
        self.awsvpc = task.network_mode is NetworkMode.AWSVPC
        ports = [p for c in task.containers for p in c.ports]
        self.static_tcp = [
            p.host_port
            for p in ports
            if p.host_port is not None and p.protocol is Protocol.TCP and not self.awsvpc
        ]
        self.static_udp = [
            p.host_port
            for p in ports
            if p.host_port is not None and p.protocol is Protocol.UDP and not self.awsvpc
        ]
        self.dynamic = {
            protocol: sum(1 for p in ports if p.host_port is None and p.protocol is protocol)
            for protocol in Protocol
        }
        self.static_count = len(set(self.static_tcp)) + len(set(self.static_udp))
        self.first, self.last = scenario.ephemeral_range
        self.constraints = scenario.constraints
        # a static memberOf is evaluated once per instance: the verdicts, per constraint
        self.static_verdicts: list[dict[int, bool] | None] = [
            {} if constraint.is_static else None for constraint in self.constraints
        ]

    def resources(self, state: InstanceState) -> FailureReason | None:
        if not state.instance.agent_connected:
            return FailureReason.AGENT
        if self.required and self.missing_attribute(state) is not None:
            return FailureReason.ATTRIBUTE
        cpu, memory = self.windows_size if state.instance.windows else (self.cpu, self.memory)
        if state.cpu < cpu:
            return FailureReason.CPU
        if state.memory < memory:
            return FailureReason.MEMORY
        if state.gpus < self.gpus:
            return FailureReason.GPU
        if not self._ports_free(state):
            return FailureReason.PORTS
        if self.awsvpc:
            limit = state.instance.task_eni_limit
            if limit is not None and state.enis + 1 > limit:
                return FailureReason.ENI
        return None

    def missing_attribute(self, state: InstanceState) -> str | None:
        """The first required attribute the instance lacks (fleet instances have all)."""
        if state.instance.all_capabilities:
            return None
        attributes = state.instance.attributes
        for name, value in self.required:
            if name not in attributes or (value is not None and attributes[name] != value):
                return name if value is None else f"{name}={value}"
        return None

    def _ports_free(self, state: InstanceState) -> bool:
        if self.static_count and state.reserved_ports + self.static_count > MAX_RESERVED_PORTS:
            return False
        for port in self.static_tcp:
            if port in state.tcp:
                return False
        for port in self.static_udp:
            if port in state.udp:
                return False
        for protocol, needed in self.dynamic.items():
            if needed and not _dynamic_free(state, protocol, self.first, self.last, needed):
                return False
        return True

    def constraint(
        self, number: int, constraint: Constraint, state: InstanceState
    ) -> FailureReason | None:
        if constraint.type is ConstraintType.DISTINCT_INSTANCE:
            return FailureReason.DISTINCT_INSTANCE if state.our_tasks else None
        assert constraint.expression is not None
        verdicts = self.static_verdicts[number]
        if verdicts is not None:
            verdict = verdicts.get(state.index)
            if verdict is None:
                verdict = verdicts[state.index] = constraint.expression.matches(state)
        else:
            verdict = constraint.expression.matches(state)
        return None if verdict else FailureReason.MEMBER_OF

    def verdict(self, state: InstanceState) -> tuple[FailureReason | None, bool]:
        """The first failing check, and whether it can never pass again in this run
        (resources only shrink, ports stay taken, distinctInstance stays broken, a
        memberOf on static subjects never changes)."""
        reason = self.resources(state)
        if reason is not None:
            return reason, True
        for number, constraint in enumerate(self.constraints):
            reason = self.constraint(number, constraint, state)
            if reason is not None:
                return reason, (
                    reason is not FailureReason.MEMBER_OF
                    or self.static_verdicts[number] is not None
                )
        return None, False

    def first_failure(self, state: InstanceState) -> tuple[FailureReason | None, int]:
        """The first failing check and how many checks passed before it."""
        reason = self.resources(state)
        if reason is not None:
            return reason, RESOURCE_STEPS.index(_STEP_OF[reason])
        for number, constraint in enumerate(self.constraints):
            reason = self.constraint(number, constraint, state)
            if reason is not None:
                return reason, len(RESOURCE_STEPS) + number
        return None, len(RESOURCE_STEPS) + len(self.constraints)


_STEP_OF = {
    FailureReason.AGENT: "agent",
    FailureReason.ATTRIBUTE: "attributes",
    FailureReason.CPU: "cpu",
    FailureReason.MEMORY: "memory",
    FailureReason.GPU: "gpu",
    FailureReason.PORTS: "ports",
    FailureReason.ENI: "eni",
}


def _dynamic_free(
    state: InstanceState, protocol: Protocol, first: int, last: int, needed: int
) -> bool:
    """True when `needed` ports of the ephemeral range are free on the instance."""
    taken = state.tcp if protocol is Protocol.TCP else state.udp
    size = last - first + 1
    if size - len(taken) >= needed:  # cheap: enough even if every taken port were in range
        return True
    return size - sum(1 for port in taken if first <= port <= last) >= needed


# --- ranking ---------------------------------------------------------------


def _rank(strategy: Strategy, state: InstanceState, cluster: ClusterState) -> int:
    if strategy.type is StrategyType.BINPACK:
        return state.memory if strategy.field == "memory" else state.cpu
    if strategy.attribute is not None:
        return cluster.counts[strategy.attribute][state.instance.attributes.get(strategy.attribute)]
    return state.our_tasks  # spread(instanceId)


def _indexable(scenario: Scenario) -> bool:
    """The index handles attribute spreads first, then per-instance ranks; no random."""
    seen_per_instance = False
    for strategy in scenario.strategies:
        if strategy.type is StrategyType.RANDOM:
            return False
        if strategy.per_instance:
            seen_per_instance = True
        elif seen_per_instance:
            return False
    return True


Chosen = tuple[InstanceState, Trace | None]


class _Engine:
    def choose(self) -> Chosen | None:
        raise NotImplementedError

    def placed(self, state: InstanceState) -> None:
        """Called after a task lands on `state`."""


class _Scan(_Engine):
    """Looks at every instance for every task, and can record everything."""

    def __init__(
        self, cluster: ClusterState, scenario: Scenario, rng: random.Random, trace: bool
    ) -> None:
        self.cluster = cluster
        self.checker = _Checker(scenario)
        self.strategies = scenario.strategies
        self.rng = rng
        self.trace = trace
        self.failed: Trace | None = None  # with trace: the funnel of a task that found no instance
        self.sampler = (
            _Sampler(cluster, self.checker, rng)
            if self.strategies and self.strategies[0].type is StrategyType.RANDOM
            else None
        )

    def choose(self) -> Chosen | None:
        checker = self.checker
        candidates = [state for state in self.cluster.states if state.active]
        funnel = [FunnelStep("ACTIVE", len(candidates))]
        survivors = []
        reasons: dict[int, FailureReason] = {}
        for state in candidates:
            reason = checker.resources(state)
            if reason is None:
                survivors.append(state)
            else:
                reasons[state.index] = reason
        if self.trace:
            for step in RESOURCE_STEPS:
                failing = sum(1 for r in reasons.values() if _STEP_OF[r] == step)
                funnel.append(FunnelStep(step, funnel[-1].candidates - failing))
        candidates = survivors
        for number, constraint in enumerate(checker.constraints):
            survivors = []
            for state in candidates:
                reason = checker.constraint(number, constraint, state)
                if reason is None:
                    survivors.append(state)
                else:
                    reasons[state.index] = reason
            candidates = survivors
            funnel.append(FunnelStep(constraint.text, len(candidates)))
        if not candidates:
            if self.trace:
                self.failed = Trace(
                    tuple(funnel),
                    (),
                    self._rejected(reasons),
                    _emptied_text(funnel, reasons),
                )
            return None
        steps: list[StrategyStep] = []
        decided_by = (
            "the only candidate left after the filters and constraints"
            if len(candidates) == 1
            else ""
        )
        winner: InstanceState | None = None
        for strategy in self.strategies:
            if strategy.type is StrategyType.RANDOM:
                if len(candidates) > 1:
                    decided_by = f"random: drawn from {len(candidates)} candidates"
                if self.sampler is not None:  # the same draws as the _Random engine
                    drawn = self.sampler.draw()
                    assert drawn is not None
                    winner = drawn
                else:
                    winner = self.rng.choice(candidates)
                funnel.append(FunnelStep(strategy.text, 1))
                break
            ranks = [_rank(strategy, state, self.cluster) for state in candidates]
            best = min(ranks)
            dropped = [rank for rank in ranks if rank != best]
            kept = [state for state, rank in zip(candidates, ranks, strict=True) if rank == best]
            value = None
            if strategy.attribute is not None:
                # the value(s) kept: the kept instances may share a count in two AZs
                names = {str(state.instance.attributes.get(strategy.attribute)) for state in kept}
                value = ", ".join(sorted(names))
            steps.append(
                StrategyStep(strategy, len(kept), best, min(dropped) if dropped else None, value)
            )
            if len(kept) == 1 and len(candidates) > 1:
                decided_by = strategy.text
            candidates = kept
            funnel.append(FunnelStep(strategy.text, len(candidates)))
        if winner is None:
            winner = min(candidates, key=lambda state: state.priority)
            if len(candidates) > 1:
                decided_by = _tie_break_text(len(candidates), self.cluster)
        recorded = None
        if self.trace:
            recorded = Trace(tuple(funnel), tuple(steps), self._rejected(reasons), decided_by)
        return winner, recorded

    def _rejected(self, reasons: dict[int, FailureReason]) -> tuple[tuple[str, FailureReason], ...]:
        return tuple((self.cluster.states[i].instance.arn, r) for i, r in sorted(reasons.items()))


def _emptied_text(funnel: list[FunnelStep], reasons: dict[int, FailureReason]) -> str:
    """Where the funnel emptied and why: `no instance left after memory (2× RESOURCE:MEMORY)`."""
    if not funnel or funnel[0].candidates == 0:
        return "no ACTIVE instance in the cluster"
    step = next(f.step for f in funnel if f.candidates == 0)
    from collections import Counter

    counts = Counter(reason.value for reason in reasons.values())
    why = ", ".join(f"{n}× {reason}" for reason, n in counts.most_common())
    return f"no instance left after {step} ({why})"


def _tie_break_text(tied: int, cluster: ClusterState) -> str:
    seeded = any(state.priority != state.index for state in cluster.states)
    how = "the seeded random order" if seeded else "registration order (no --seed)"
    return f"tie between {tied} candidates, broken by {how}"


class _Sampler:
    """`random` without looking at every instance: draw uniformly from the
    instances still in play and check only the one drawn. A draw that fails for
    good takes the instance out; one that may pass later (a memberOf on
    runningTasksCount or task:group) is tried again next task. Drawing until
    one passes is a uniform draw among the instances that pass. After
    2 x pool + 8 misses in a row, the passing ones are listed and one is drawn
    from them, so a draw never takes more than about three scans."""

    def __init__(self, cluster: ClusterState, checker: _Checker, rng: random.Random) -> None:
        self.states = cluster.states
        self.checker = checker
        self.rng = rng
        self.pool = [state.index for state in cluster.states if state.active]

    def draw(self) -> InstanceState | None:
        pool, states, rng = self.pool, self.states, self.rng
        waiting: set[int] = set()  # drawn, failed, may pass after a later placement
        misses = 0
        while pool:
            if misses >= 2 * len(pool) + 8:
                passing = [i for i in pool if self.checker.verdict(states[i])[0] is None]
                return states[passing[rng.randrange(len(passing))]] if passing else None
            position = rng.randrange(len(pool))
            state = states[pool[position]]
            reason, permanent = self.checker.verdict(state)
            if reason is None:
                return state
            misses += 1
            if permanent:
                pool[position] = pool[-1]
                pool.pop()
            else:
                waiting.add(state.index)
                if len(waiting) >= len(pool):
                    return None
        return None


class _Random(_Engine):
    """The default RunTask strategy at the cost of the others (about O(1) a task)."""

    def __init__(self, cluster: ClusterState, scenario: Scenario, rng: random.Random) -> None:
        self.sampler = _Sampler(cluster, _Checker(scenario), rng)

    def choose(self) -> Chosen | None:
        state = self.sampler.draw()
        return None if state is None else (state, None)


class _Leaf:
    """A heap of (ranks…, priority, version, index) for the instances of one spread value."""

    __slots__ = ("heap",)

    def __init__(self) -> None:
        self.heap: list[tuple[int, ...]] = []


class _Node:
    """One attribute-spread level: spread value -> the next level."""

    __slots__ = ("attribute", "children")

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute
        self.children: dict[str | None, _Node | _Leaf] = {}


class _Index(_Engine):
    """Finds the best candidate without looking at every instance.

    Instances that fail a check that cannot recover during the run (resources
    only shrink, static ports stay taken, distinctInstance stays broken, a
    memberOf on static subjects never changes) leave the index for good.
    """

    def __init__(self, cluster: ClusterState, scenario: Scenario) -> None:
        self.cluster = cluster
        self.checker = _Checker(scenario)
        strategies = scenario.strategies
        self.attributes = [s.attribute for s in strategies if s.attribute is not None]
        leaf_strategies = [s for s in strategies if s.per_instance]
        self.leaf_rank: Callable[[InstanceState], tuple[int, ...]] = _leaf_ranker(
            leaf_strategies, cluster
        )
        self.root: _Node | _Leaf = self._level(0)
        self.leaf_of: dict[int, _Leaf] = {}
        for state in cluster.states:
            if state.active:
                leaf = self._leaf_for(state)
                self.leaf_of[state.index] = leaf
                leaf.heap.append(self._entry(state))
        for leaf in set(self.leaf_of.values()):
            heapq.heapify(leaf.heap)
        self.deferred: list[tuple[_Leaf, tuple[int, ...]]] = []
        # Every check reads only the instance's own state, which changes only
        # with its version: an instance that passed at a version passes again
        # (the best of a leaf that lost a spread tie is asked again next task).
        self.passed_at = [-1] * len(cluster.states)

    def _level(self, depth: int) -> _Node | _Leaf:
        return _Node(self.attributes[depth]) if depth < len(self.attributes) else _Leaf()

    def _leaf_for(self, state: InstanceState) -> _Leaf:
        node = self.root
        depth = 0
        while isinstance(node, _Node):
            value = state.instance.attributes.get(node.attribute)
            child = node.children.get(value)
            if child is None:
                child = node.children[value] = self._level(depth + 1)
            node, depth = child, depth + 1
        return node

    def _entry(self, state: InstanceState) -> tuple[int, ...]:
        return (*self.leaf_rank(state), state.priority, state.version, state.index)

    def choose(self) -> Chosen | None:
        found = self._best(self.root)
        for leaf, entry in self.deferred:
            heapq.heappush(leaf.heap, entry)
        self.deferred.clear()
        if found is None:
            return None
        return self.cluster.states[found[1]], None

    def placed(self, state: InstanceState) -> None:
        heapq.heappush(self.leaf_of[state.index].heap, self._entry(state))

    def _best(self, node: _Node | _Leaf) -> tuple[tuple[int, ...], int] | None:
        if isinstance(node, _Leaf):
            return self._best_in_leaf(node)
        counts = self.cluster.counts[node.attribute]
        best: tuple[tuple[int, ...], int] | None = None
        level_count = 0
        for value in sorted(node.children, key=counts.__getitem__):
            count = counts[value]
            if best is not None and count != level_count:
                break  # a higher count can never beat a candidate at a lower one
            found = self._best(node.children[value])
            if found is not None and (best is None or found[0] < best[0]):
                best, level_count = found, count
        if best is None:
            return None
        return (level_count, *best[0]), best[1]

    def _best_in_leaf(self, leaf: _Leaf) -> tuple[tuple[int, ...], int] | None:
        heap = leaf.heap
        states = self.cluster.states
        checker = self.checker
        while heap:
            entry = heap[0]
            state = states[entry[-1]]
            if entry[-2] != state.version or state.dead:
                heapq.heappop(heap)
                continue
            if self.passed_at[state.index] == state.version:
                return entry[:-2], state.index
            reason = checker.resources(state)
            permanent = True
            if reason is None:
                for number, constraint in enumerate(checker.constraints):
                    reason = checker.constraint(number, constraint, state)
                    if reason is not None:
                        permanent = (
                            reason is not FailureReason.MEMBER_OF
                            or checker.static_verdicts[number] is not None
                        )
                        break
            if reason is None:
                self.passed_at[state.index] = state.version
                return entry[:-2], state.index
            heapq.heappop(heap)
            if permanent:
                state.dead = True
            else:
                self.deferred.append((leaf, entry))
        return None


def _leaf_ranker(
    strategies: Sequence[Strategy], cluster: ClusterState
) -> Callable[[InstanceState], tuple[int, ...]]:
    fields = [(strategy.field, strategy.type is StrategyType.BINPACK) for strategy in strategies]
    if fields == [("memory", True)]:
        return lambda state: (state.memory,)
    if fields == [("cpu", True)]:
        return lambda state: (state.cpu,)

    def rank(state: InstanceState) -> tuple[int, ...]:
        return tuple(_rank(strategy, state, cluster) for strategy in strategies)

    return rank


# --- binding and results ---------------------------------------------------


class _Binder:
    """Puts the task on an instance: assigns host ports and reserves resources.

    What does not depend on the instance is worked out once per run.
    """

    def __init__(self, cluster: ClusterState, scenario: Scenario) -> None:
        task = scenario.task
        self.cluster = cluster
        self.task = task
        self.first, self.last = scenario.ephemeral_range
        self.awsvpc = task.network_mode is NetworkMode.AWSVPC
        self.ports = [(c.name, p) for c in task.containers for p in c.ports]
        region, account, cluster_name = _arn_parts(scenario)
        self.arn_prefix = f"arn:aws:ecs:{region}:{account}:task/{cluster_name}/"
        self.id_seed = hashlib.md5(scenario.name.encode())
        self.cpu, self.memory, self.gpus = task.cpu, task.memory, task.gpus
        self.windows_size = (task.windows_cpu, task.windows_memory)
        self.no_ports: tuple[Binding, ...] = ()
        self.empty: frozenset[int] = frozenset()

    def bind(self, state: InstanceState, number: int, recorded: Trace | None) -> Placement:
        if self.ports:
            bindings, tcp, udp, dynamic = self._assign_ports(state)
        else:  # the common case, and a run can place 10,000 tasks
            bindings, tcp, udp, dynamic = self.no_ports, self.empty, self.empty, 0
        cpu, memory = self.windows_size if state.instance.windows else (self.cpu, self.memory)
        # a task ID looks like AWS's (32 hex digits) and is the same on every run
        digest = self.id_seed.copy()
        digest.update(number.to_bytes(4, "big"))
        arn = self.arn_prefix + digest.hexdigest()
        self.cluster.add(
            state,
            TaskOnInstance(
                arn=arn,
                group=self.cluster.group,
                cpu=cpu,
                memory=memory,
                ports_tcp=tcp,
                ports_udp=udp,
                uses_eni=self.awsvpc,
                placed=True,
                gpus=self.gpus,
                dynamic=dynamic,
            ),
        )
        return Placement(number, arn, state.instance.arn, bindings, recorded)

    def _assign_ports(
        self, state: InstanceState
    ) -> tuple[tuple[Binding, ...], frozenset[int], frozenset[int], int]:
        """The task's port bindings on `state`, the host ports they take, and how
        many of those are dynamic."""
        bindings: list[Binding] = []
        dynamic = 0
        tcp: set[int] = set()
        udp: set[int] = set()
        for name, port in self.ports:
            taken = tcp if port.protocol is Protocol.TCP else udp
            if self.awsvpc:
                host = port.container_port  # the task's own ENI: nothing is taken on the host
            elif port.host_port is not None:
                host = port.host_port
                taken.add(host)
            else:
                host = _next_dynamic(state, port.protocol, self.first, self.last, taken)
                taken.add(host)
                dynamic += 1
            bindings.append(Binding(name, port.container_port, host, port.protocol))
        return (
            tuple(bindings),
            frozenset(tcp) if tcp else self.empty,
            frozenset(udp) if udp else self.empty,
            dynamic,
        )


def _next_dynamic(
    state: InstanceState, protocol: Protocol, first: int, last: int, extra: set[int]
) -> int:
    """The next free port of the ephemeral range, going up and wrapping: a port
    in use on the instance (or by this task) is never handed out twice."""
    taken = state.tcp if protocol is Protocol.TCP else state.udp
    size = last - first + 1
    offset = state.next_dynamic[protocol]
    for step in range(size):
        port = first + (offset + step) % size
        if port not in taken and port not in extra:
            state.next_dynamic[protocol] = (offset + step + 1) % size
            return port
    raise AssertionError("the ports check guarantees a free ephemeral port")


def _arn_parts(scenario: Scenario) -> tuple[str, str, str]:
    parts = scenario.instances[0].arn.split(":")
    if len(parts) >= 6:
        path = parts[5].split("/")
        cluster = path[1] if len(path) == 3 else "default"
        return parts[3], parts[4], cluster
    return "us-east-1", "111122223333", "default"


def _failures(
    cluster: ClusterState, scenario: Scenario
) -> tuple[tuple[Failure, ...], tuple[str, FailureReason] | None]:
    """One failure per ACTIVE instance, with its first failing check (pipeline order)."""
    checker = _Checker(scenario)
    failures = []
    closest: tuple[int, int, int, InstanceState, FailureReason] | None = None
    for state in cluster.states:
        if not state.active:
            continue
        reason, passed = checker.first_failure(state)
        if reason is None:
            continue
        detail = checker.missing_attribute(state) if reason is FailureReason.ATTRIBUTE else None
        failures.append(Failure(state.instance.arn, reason, detail))
        # closest matching: passed most checks, then most of the failing resource left
        slack = state.memory if reason is FailureReason.MEMORY else state.cpu
        key = (passed, slack, -state.index)
        if closest is None or key > closest[:3]:
            closest = (*key, state, reason)
    if not failures:
        return (Failure(None, FailureReason.NO_ACTIVE_INSTANCES),), None
    assert closest is not None
    return tuple(failures), (closest[3].instance.arn, closest[4])


def _outcome(state: InstanceState) -> InstanceOutcome:
    instance = state.instance
    return InstanceOutcome(
        arn=instance.arn,
        ec2_instance_id=instance.ec2_instance_id,
        zone=instance.availability_zone,
        instance_type=instance.instance_type,
        status=instance.status.value,
        remaining_cpu=state.cpu,
        remaining_memory=state.memory,
        registered_cpu=instance.registered_cpu,
        registered_memory=instance.registered_memory,
        ports_tcp=frozenset(state.tcp),
        ports_udp=frozenset(state.udp),
        placed=state.placed,
        group_tasks=state.our_tasks,
        running=state.running,
        label=_label(instance),
    )


def _label(instance: Instance) -> str:
    """An instance's EC2 ID when the input gave one (describe output), else the last part
    of its ARN (`--fleet` instances are named ci-0001…; their EC2 IDs are made up)."""
    if instance.all_capabilities or instance.ec2_instance_id == instance.short_id:
        return instance.short_id
    return instance.ec2_instance_id


def _notes(scenario: Scenario) -> tuple[str, ...]:
    notes = list(scenario.task.notes)
    request = scenario.request
    if request.kind is RequestKind.RUN_TASK and request.count > 10:
        notes.append(
            f"RunTask places at most 10 tasks per call: {request.count} tasks are "
            f"{-(-request.count // 10)} calls in AWS (simulated as one run)"
        )
    if request.kind is RequestKind.SERVICE and request.count > TASKS_PER_SERVICE_QUOTA:
        notes.append(
            f"AWS's default quota is {TASKS_PER_SERVICE_QUOTA:,} tasks per service "
            "(adjustable): CreateService refuses more unless the quota was raised"
        )
    if len(scenario.instances) > INSTANCES_PER_CLUSTER_QUOTA:
        notes.append(
            f"AWS's default quota is {INSTANCES_PER_CLUSTER_QUOTA:,} container instances per "
            "cluster (adjustable): more can't register unless the quota was raised"
        )
    if request.strategies is None:
        which = (
            "a service: spread(AZ) then spread(instanceId)"
            if request.kind is RequestKind.SERVICE
            else "RunTask: random"
        )
        notes.append(f"no placement strategy given: the default for {which}")
    if scenario.task.network_mode is NetworkMode.AWSVPC and any(
        state.task_eni_limit is None for state in scenario.instances
    ):
        notes.append("ENI limit not modelled for instances of unknown type")
    return tuple(notes)


FARGATE_NOTE = (
    "FARGATE: AWS runs the task on its own capacity; there are no container instances "
    "to choose, so placement strategies and constraints do not apply "
    "(Fargate spreads tasks across the Availability Zones of the task's subnets)."
)


def capacity_note(providers: tuple[tuple[str, int], ...]) -> str:
    spread = ", ".join(f"{tasks} on {name}" for name, tasks in providers)
    return (
        f"capacity provider strategy: {spread} "
        f"(`ecsprep simulate capacity` shows how the base and weights give that)."
    )


def _fargate(scenario: Scenario) -> PlacementResult:
    notes = [FARGATE_NOTE]
    providers: tuple[tuple[str, int], ...] = ()
    if scenario.request.capacity:
        from ecsprep.sim.capacity import split_tasks

        split = split_tasks(scenario.request.capacity, scenario.request.count)
        providers = tuple(split.tasks().items())
        notes.append(capacity_note(providers))
    if scenario.request.strategies or scenario.request.constraints:
        notes.append(
            "AWS rejects placementStrategy and placementConstraints with the FARGATE launch type: "
            "remove them from the request."
        )
    task = scenario.task
    if task.task_cpu is None or task.task_memory is None:
        notes.append("a FARGATE task needs task-level cpu and memory in its task definition.")
    if task.network_mode is not NetworkMode.AWSVPC:
        notes.append("a FARGATE task needs networkMode awsvpc.")
    return PlacementResult(
        scenario=scenario,
        placements=(),
        unplaced=0,
        failures=(),
        closest=None,
        stopped=(),
        instances=(),
        group=scenario.group,
        strategies=(),
        fargate=True,
        notes=tuple(notes),
        providers=providers,
    )
