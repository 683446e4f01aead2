"""The cluster while a simulation runs: what each instance has left, and who runs where.

`InstanceState` is the one mutable thing in the simulator; it lives only inside
a run (`place()` builds it from the frozen `Scenario` and returns frozen
results). It offers the facts a CQL expression reads (`cql.InstanceFacts`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from ecsprep.sim.instances import Instance, InstanceStatus
from ecsprep.sim.scenario import RunningTask, Scenario
from ecsprep.sim.taskdef import Protocol


@dataclass(frozen=True, slots=True)
class Binding:
    """One port a placed container got: RunTask's `networkBindings` entry."""

    container: str
    container_port: int
    host_port: int
    protocol: Protocol


class TaskOnInstance(NamedTuple):
    """A task on an instance: given in the scenario, or placed by the simulation.

    A NamedTuple rather than a frozen dataclass: one is made per placed task,
    and a tuple is several times cheaper to build (benchmarks/placement.py).
    """

    arn: str
    group: str
    cpu: int
    memory: int
    ports_tcp: frozenset[int]
    ports_udp: frozenset[int]
    uses_eni: bool = False
    protected: bool = False
    placed: bool = False  # True: placed by this simulation
    leaving: bool = False  # desiredStatus STOPPED: holds resources, counts for no group
    gpus: int = 0
    dynamic: int = 0  # how many of its host ports are dynamic (not reserved ports)
    pending: bool = False  # lastStatus PENDING


class InstanceState:
    """One container instance during a run (mutable; private to a run)."""

    __slots__ = (
        "_groups",
        "active",
        "cpu",
        "dead",
        "dynamic",
        "enis",
        "gpus",
        "index",
        "instance",
        "memory",
        "next_dynamic",
        "our_tasks",
        "placed",
        "priority",
        "running",
        "tasks",
        "tcp",
        "udp",
        "version",
    )

    def __init__(self, index: int, instance: Instance, priority: int) -> None:
        self.index = index
        self.instance = instance
        self.priority = priority  # final tie-break: lower wins
        self.cpu = instance.registered_cpu
        self.memory = instance.registered_memory
        self.gpus = instance.gpus
        self.tcp = set(instance.ports_tcp)
        self.udp = set(instance.ports_udp)
        self.enis = 0
        self.dynamic = 0  # dynamic host ports in tcp/udp: they are not reserved ports
        self.running = 0  # tasks whose desired status is RUNNING
        self.tasks: list[TaskOnInstance] = []
        self._groups: dict[str, int] = {}
        self.our_tasks = 0  # tasks of the group being placed
        self.placed = 0  # tasks placed by this run
        self.next_dynamic = {Protocol.TCP: 0, Protocol.UDP: 0}
        self.version = 0  # bumped whenever a ranking key of this instance changes
        self.dead = False  # can never take this run's task (index bookkeeping)
        # may take tasks: ACTIVE (and, while a capacity provider's share is placed, in it)
        self.active = instance.status is InstanceStatus.ACTIVE

    # --- cql.InstanceFacts ---------------------------------------------------
    @property
    def attributes(self) -> Mapping[str, str | None]:
        return self.instance.attributes

    @property
    def ec2_instance_id(self) -> str:
        return self.instance.ec2_instance_id

    @property
    def agent_connected(self) -> bool:
        return self.instance.agent_connected

    @property
    def agent_version(self) -> str:
        return self.instance.agent_version

    @property
    def registered_at(self) -> datetime | None:
        return self.instance.registered_at

    @property
    def running_tasks_count(self) -> int:
        return self.running

    @property
    def task_groups(self) -> frozenset[str]:
        return frozenset(group for group, count in self._groups.items() if count > 0)

    # --- changes -------------------------------------------------------------
    @property
    def reserved_ports(self) -> int:
        """Host ports counted against the 100 reserved ports limit (the agent's and
        static ones; "automatically assigned ports aren't included", PortMapping)."""
        return len(self.tcp) + len(self.udp) - self.dynamic

    def add(self, task: TaskOnInstance, our_group: str, *, reserve: bool = True) -> None:
        self.tasks.append(task)
        if not task.leaving:
            self.running += 1
            self._groups[task.group] = self._groups.get(task.group, 0) + 1
            if task.group == our_group:
                self.our_tasks += 1
        if task.placed:
            self.placed += 1
        if reserve:
            self.cpu -= task.cpu
            self.memory -= task.memory
            self.gpus -= task.gpus
        self.tcp |= task.ports_tcp
        self.udp |= task.ports_udp
        self.dynamic += task.dynamic
        self.enis += task.uses_eni
        self.version += 1

    def remove(self, task: TaskOnInstance, our_group: str) -> None:
        self.tasks.remove(task)
        if not task.leaving:
            self.running -= 1
            self._groups[task.group] = self._groups.get(task.group, 0) - 1
            if task.group == our_group:
                self.our_tasks -= 1
        self.cpu += task.cpu
        self.memory += task.memory
        self.gpus += task.gpus
        self.tcp -= task.ports_tcp
        self.udp -= task.ports_udp
        self.dynamic -= task.dynamic
        self.enis -= task.uses_eni
        self.version += 1


class ClusterState:
    """Every instance's state, plus the per-attribute-value task counts spread ranks by."""

    def __init__(self, scenario: Scenario, priorities: list[int]) -> None:
        self.group = scenario.group
        self.states = [
            InstanceState(n, instance, priorities[n])
            for n, instance in enumerate(scenario.instances)
        ]
        self.by_arn = {state.instance.arn: state for state in self.states}
        self.spread_attributes = sorted(
            {name for s in scenario.strategies if (name := s.attribute) is not None}
        )
        # attribute name -> value -> tasks of our group on instances with that value
        self.counts: dict[str, Counter[str | None]] = {
            name: Counter() for name in self.spread_attributes
        }
        for running in scenario.running:
            self._seed(running)
        self.finish_seeding()

    def _seed(self, running: RunningTask) -> None:
        state = self.by_arn[running.instance_arn]
        task = TaskOnInstance(
            arn=running.arn,
            group=running.group,
            cpu=running.cpu,
            memory=running.memory,
            ports_tcp=running.ports_tcp,
            ports_udp=running.ports_udp,
            uses_eni=running.uses_eni,
            protected=running.protected,
            leaving=running.leaving,
            gpus=running.gpus,
            dynamic=running.dynamic,
            pending=running.pending,
        )
        state.add(task, self.group)
        if not task.leaving:
            self._count(state, task.group, +1)

    def finish_seeding(self) -> None:
        """remainingResources, when given, already counts the running tasks.
        runningTasksCount counts by desired status, as placement does: the given
        count (describe output counts tasks whose status is RUNNING) less the listed
        tasks on their way out, and never fewer than the listed tasks staying."""
        for state in self.states:
            instance = state.instance
            if instance.remaining_cpu is not None:
                state.cpu = instance.remaining_cpu
            if instance.remaining_memory is not None:
                state.memory = instance.remaining_memory
            if instance.remaining_gpus is not None:
                state.gpus = instance.remaining_gpus
            leaving = sum(1 for task in state.tasks if task.leaving)
            state.running = max(instance.running_tasks_count - leaving, state.running)
            state.version = 0

    def _count(self, state: InstanceState, group: str, step: int) -> None:
        if group != self.group:
            return
        for name in self.spread_attributes:
            self.counts[name][state.instance.attributes.get(name)] += step

    def add(self, state: InstanceState, task: TaskOnInstance) -> None:
        state.add(task, self.group)
        self._count(state, task.group, +1)

    def remove(self, state: InstanceState, task: TaskOnInstance) -> None:
        state.remove(task, self.group)
        self._count(state, task.group, -1)
