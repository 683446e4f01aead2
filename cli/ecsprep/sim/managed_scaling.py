"""Managed scaling and managed termination protection of an Auto Scaling group capacity
provider, in one evaluation of the CapacityProviderReservation metric (docs/managed-scaling.md).

The input is AWS's own JSON: a CreateCapacityProvider request (its autoScalingGroupProvider
with managedScaling, managedTerminationProtection, managedDraining), the Auto Scaling group as
describe-auto-scaling-groups shows it, the cluster's tasks (describe-tasks: RUNNING or
PROVISIONING, with a capacityProviderName or a launchType), optionally a CreateService or
RunTask request that starts new tasks, and a PutClusterCapacityProviders call. The run records
each decision as a `Step` citing the AWS page of the rule it applied, or marked INF where AWS
documents nothing and ecsprep chose.

What happens, in order:
1. PutClusterCapacityProviders (when given) replaces the cluster's whole list; a provider it
   leaves out that tasks still use is refused (API_PutClusterCapacityProviders.html).
2. A request's tasks are placed on the group's instances with room (INF: first fit); those with
   a capacity provider strategy (the request's or the cluster default) that fit nowhere wait in
   PROVISIONING; those with a launch type are ignored by capacity providers.
3. M and N: N is the InService instances; M is the instances that run the provider's tasks, or,
   with PROVISIONING tasks, N plus the new instances they need (binpacked, INF);
   CapacityProviderReservation = M / N x 100 (100 when both are 0, 200 when only N is).
4. Target tracking on targetCapacity: scale out (at least minimumScalingStepSize, at most
   maximumScalingStepSize, at most MaxSize) or scale in (step sizes don't apply, at least
   MinSize); with managed termination protection only instances without tasks may go.
5. Replacements (an instance refresh, instances past MaxInstanceLifetime): scale-in
   protection and ScaleInProtectedInstances decide which instances go; managed draining
   whether their tasks are drained first or stop with them.

Reading the input is managed_scaling_input.py's; this module is the model and the run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecsprep.sim.capacity import CapacityItem

GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
CLUSTER_AUTO_SCALING = GUIDE + "cluster-auto-scaling.html"
# How M and N are counted: the AWS blog post cluster-auto-scaling.html links to for it.
DEEP_DIVE = "https://aws.amazon.com/blogs/containers/deep-dive-on-amazon-ecs-cluster-auto-scaling/"
BEHAVIOR = GUIDE + "managed-scaling-behavior.html"
TERMINATION = GUIDE + "managed-termination-protection.html"
MANAGED_SCALING_API = API + "API_ManagedScaling.html"
PROVIDER_API = API + "API_AutoScalingGroupProvider.html"
CREATE_PROVIDER_API = API + "API_CreateCapacityProvider.html"
PUT_CLUSTER_API = API + "API_PutClusterCapacityProviders.html"
CREATE_CLUSTER_API = API + "API_CreateCluster.html"
CREATE_SERVICE_API = API + "API_CreateService.html"
ASG_LIMITS = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-capacity-limits.html"
DRAINING = GUIDE + "managed-instance-draining.html"
DRAINING_DEFAULT = GUIDE + "enable-managed-instance-draining.html"
REFRESH_PREFERENCES = (
    "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html"
)
MAX_LIFETIME = (
    "https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-max-instance-lifetime.html"
)
SPOT_DRAINING = GUIDE + "spot-instance-draining-linux-container.html"
INSTANCE_PROTECTION = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html"
REFRESH_CHOICES = ("Refresh", "Ignore", "Wait")
# AWS's message when managed termination protection meets an unprotected group, as users
# report it (github.com/ansible/ansible/issues/68625, aws/containers-roadmap#653).
UNPROTECTED_GROUP = (
    "The managed termination protection setting for the capacity provider is invalid. To "
    "enable managed termination protection for a capacity provider, the Auto Scaling group "
    "must have instance protection from scale in enabled."
)
# The error PutClusterCapacityProviders returns (its Errors section) and the rule behind it
# (its description), both in the API reference's words.
# Launch types whose tasks never run on a cluster's EC2 instances (Fargate; external
# instances registered with ECS Anywhere).
OFF_INSTANCES = ("FARGATE", "EXTERNAL")
IN_USE_ERROR = "ResourceInUseException: The specified resource is in-use and can't be removed"
IN_USE = (
    "You can only disassociate an existing capacity provider from a cluster if it's not "
    "being used by any existing tasks"
)

FACTS = (
    "reservation",
    "instances_needed",
    "running_instances",
    "action",
    "desired_capacity",
    "added",
    "removed",
    "spare_instances",
    "spare_percent",
    "provisioning",
    "counted_tasks",
    "ignored_tasks",
    "unplaced",
    "fits_nowhere",
    "termination_protection",
    "protected",
    "may_terminate",
    "cluster_providers",
    "disassociated",
    "tasks_by_provider",
    "replaced",
    "not_replaced",
    "refresh_failed",
    "drained_tasks",
    "killed_tasks",
)
RANKED = (
    "reservation",
    "instances_needed",
    "desired_capacity",
    "added",
    "removed",
    "spare_instances",
    "spare_percent",
    "drained_tasks",
    "killed_tasks",
)


class Action(Enum):
    SCALE_OUT = "scale-out"
    SCALE_IN = "scale-in"
    NONE = "none"
    UNMANAGED = "not managed"  # managed scaling is off: the user scales the group


@dataclass(frozen=True, slots=True)
class ManagedScaling:
    enabled: bool
    target: int = 100
    min_step: int = 1
    max_step: int = 10000
    warmup: int = 300


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    scaling: ManagedScaling
    scaling_given: bool  # False: no managedScaling block (ecsprep reads it as off, INF)
    termination_protection: bool  # the setting as given (whether it works is decided later)
    draining: bool


@dataclass(frozen=True, slots=True)
class Instance:
    instance_id: str
    in_service: bool
    protected: bool  # ProtectedFromScaleIn as the group reports it


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    min_size: int
    max_size: int
    desired: int
    new_instances_protected: bool
    instances: tuple[Instance, ...]


@dataclass(frozen=True, slots=True)
class Task:
    task_id: str
    status: str  # RUNNING, PROVISIONING or PENDING
    provider: str  # capacityProviderName; "" for a task started with a launch type
    launch_type: str
    instance: str  # the EC2 instance it runs on ("" when none)
    cpu: int
    memory: int


@dataclass(frozen=True, slots=True)
class Request:
    """A CreateService or RunTask request that starts `count` new tasks."""

    kind: str  # "createService" or "runTask"
    count: int
    launch_type: str
    strategy: tuple[str, ...]  # provider of each new task, in order ("" for a launch type)
    placement_strategy: bool
    cpu: int
    memory: int


@dataclass(frozen=True, slots=True)
class Replaced:
    """What the replacement did: the instances replaced and kept, whether the refresh failed,
    and the tasks drained first or stopped with their instance."""

    replaced: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    failed: bool = False
    drained: tuple[str, ...] = ()
    killed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClusterCall:
    providers: tuple[str, ...]
    default: tuple[CapacityItem, ...]


@dataclass(frozen=True, slots=True)
class Setup:
    provider: Provider
    group: Group
    tasks: tuple[Task, ...]
    instance_cpu: int  # the registered resources of the group's instance type (0: not given)
    instance_memory: int
    cluster: tuple[str, ...]  # the cluster's providers before any call (the request has
    # already taken the default strategy it uses: the cluster's, or PutClusterCapacityProviders')
    request: Request | None = None
    put: ClusterCall | None = None
    description: str = ""
    replacement: Replacement | None = None
    ecs_config: tuple[tuple[str, str], ...] = ()  # /etc/ecs/ecs.config, KEY=value


@dataclass(frozen=True, slots=True)
class Replacement:
    """Auto Scaling replacing instances: an instance refresh (StartInstanceRefresh with its
    ScaleInProtectedInstances preference) and/or instances past MaxInstanceLifetime."""

    refresh: str  # "" (no refresh), Refresh, Ignore or Wait
    expired: tuple[str, ...]  # instances whose MaxInstanceLifetime has run out
    lifetime: int  # the group's MaxInstanceLifetime in seconds (0: none)


@dataclass(frozen=True, slots=True)
class Step:
    what: str
    rule: str = ""  # the AWS page of the rule applied
    inferred: bool = False  # INF: AWS documents nothing here; ecsprep chose

    def text(self) -> str:
        mark = " (INF)" if self.inferred else ""
        return f"{self.what}{mark}" + (f" [{page(self.rule)}]" if self.rule else "")


def page(rule: str) -> str:
    """A rule's page as the text output shows it: the developer guide's file name, the API
    reference's `APIReference/…`, other sites whole."""
    if rule.startswith(GUIDE):
        return rule[len(GUIDE) :]
    if rule.startswith(API):
        return "APIReference/" + rule[len(API) :]
    return rule.removeprefix("https://")


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    steps: tuple[Step, ...]
    m: int
    n: int
    reservation: float
    action: Action
    desired: int
    added: int
    removed: int
    provisioning: tuple[str, ...]
    counted: tuple[str, ...]
    ignored: tuple[str, ...]
    unplaced: tuple[str, ...]
    fits_nowhere: tuple[str, ...]
    protection_works: bool
    protected: tuple[str, ...]
    may_terminate: tuple[str, ...]
    cluster_providers: tuple[str, ...]
    disassociated: tuple[str, ...]
    tasks_by_provider: Mapping[str, int] = field(default_factory=dict)
    replacement: Replaced = field(default_factory=Replaced)

    @property
    def spare(self) -> int:
        return max(self.desired - self.m, 0) if self.action is not Action.UNMANAGED else 0

    @property
    def spare_percent(self) -> int:
        return round(self.spare * 100 / self.desired) if self.desired else 0

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(step.text() for step in self.steps)

    def facts(self) -> dict[str, object]:
        return {
            "reservation": self.reservation,
            "instances_needed": self.m,
            "running_instances": self.n,
            "action": self.action.value,
            "desired_capacity": self.desired,
            "added": self.added,
            "removed": self.removed,
            "spare_instances": self.spare,
            "spare_percent": self.spare_percent,
            "provisioning": len(self.provisioning),
            "counted_tasks": len(self.counted),
            "ignored_tasks": len(self.ignored),
            "unplaced": len(self.unplaced),
            "fits_nowhere": len(self.fits_nowhere),
            "termination_protection": self.protection_works,
            "protected": list(self.protected),
            "may_terminate": list(self.may_terminate),
            "cluster_providers": list(self.cluster_providers),
            "disassociated": list(self.disassociated),
            "tasks_by_provider": dict(self.tasks_by_provider),
            "replaced": list(self.replacement.replaced),
            "not_replaced": list(self.replacement.kept),
            "refresh_failed": self.replacement.failed,
            "drained_tasks": len(self.replacement.drained),
            "killed_tasks": len(self.replacement.killed),
        }


# --- running one evaluation ----------------------------------------------------------------


def _fits(cpu: int, memory: int, free: list[int]) -> bool:
    return cpu <= free[0] and memory <= free[1]


def run(setup: Setup) -> Run:
    """One evaluation: the cluster call, the request's tasks, M and N, the metric, the
    scaling decision and which instances may be terminated."""
    steps: list[Step] = []
    provider, group = setup.provider, setup.group
    cluster, disassociated = setup.cluster, tuple[str, ...]()
    if setup.put is not None:
        cluster = setup.put.providers
        disassociated = tuple(name for name in setup.cluster if name not in cluster)
        steps.append(
            Step(
                "PutClusterCapacityProviders replaces the cluster's whole list: now "
                f"{', '.join(cluster) or 'none'}"
                + (f"; disassociated: {', '.join(disassociated)}" if disassociated else ""),
                PUT_CLUSTER_API,
            )
        )
        steps.append(
            Step(
                "the default strategy ("
                + (", ".join(item.provider for item in setup.put.default) or "none")
                + ") is used when a service or task is created with no capacity provider "
                "strategy and no launch type; running tasks keep their capacity provider",
                PUT_CLUSTER_API,
            )
        )
    tasks = list(setup.tasks)
    unplaced: list[str] = []
    in_service = [i for i in group.instances if i.in_service]
    if setup.request is not None:
        tasks, unplaced = _place_request(setup, tasks, in_service, steps)
    running = [t for t in tasks if t.status == "RUNNING"]
    mine = [t for t in tasks if t.provider == provider.name]
    ignored = tuple(
        t.task_id
        for t in tasks
        if not t.provider and t.launch_type not in OFF_INSTANCES and t.status != "RUNNING"
    )
    ignored += tuple(unplaced)
    if ignored:
        steps.append(
            Step(
                f"{len(ignored)} task(s) without a capacity provider strategy (a launch type) "
                "wait unplaced: tasks without a capacity provider strategy are ignored by "
                "capacity providers and won't cause any capacity provider to scale out",
                BEHAVIOR,
            )
        )
    provisioning = tuple(t.task_id for t in mine if t.status == "PROVISIONING")
    n = len(in_service)
    busy = sorted({t.instance for t in mine if t.status == "RUNNING" and t.instance})
    busy = [i.instance_id for i in in_service if i.instance_id in busy]
    needed, nowhere = _new_instances(setup, [t for t in mine if t.status == "PROVISIONING"])
    if provisioning:
        m = n + needed
        steps.append(
            Step(
                f"{len(provisioning)} PROVISIONING task(s) need {needed} more instance(s) "
                f"(binpacked on empty {setup.instance_cpu} CPU / {setup.instance_memory} MiB "
                f"instances): M = N + {needed} = {m}",
                DEEP_DIVE,
                inferred=True,
            )
        )
    else:
        m = len(busy)
        steps.append(
            Step(
                f"M = {m}: the InService instances that run tasks of {provider.name}"
                + (f" ({', '.join(busy)})" if busy else ""),
                DEEP_DIVE,
                inferred=True,
            )
        )
    if nowhere:
        steps.append(
            Step(
                f"{len(nowhere)} PROVISIONING task(s) fit on no instance of the group's type, "
                "so they add nothing to M",
                inferred=True,
            )
        )
    counted = tuple(t.task_id for t in mine)
    reservation = _reservation(m, n)
    steps.append(
        Step(
            f"CapacityProviderReservation = M / N x 100 = {_formula(m, n)} "
            f"= {_number(reservation)}",
            DEEP_DIVE if n == 0 else CLUSTER_AUTO_SCALING,
        )
    )
    scaling = provider.scaling
    action, desired, added, removed = Action.UNMANAGED, group.desired, 0, 0
    if not provider.scaling_given:
        steps.append(
            Step(
                "no managedScaling block: the API reference gives no default for its status, "
                "so ecsprep reads managed scaling as off",
                MANAGED_SCALING_API,
                inferred=True,
            )
        )
    if not scaling.enabled:
        steps.append(
            Step(
                "managed scaling is off: ECS doesn't scale the group (the user must manage its "
                "scaling)",
                MANAGED_SCALING_API,
            )
        )
    else:
        action, desired, added, removed = _decide(setup, m, n, reservation, steps)
    works = provider.termination_protection and scaling.enabled
    protected, may_go = _termination(setup, running, in_service, works, removed, steps)
    if works and removed > len(may_go):
        removed = len(may_go)  # ECS terminates only instances without running tasks
        desired = n - removed
    elif removed > len(may_go):
        steps.append(
            Step(
                f"Auto Scaling lowers the desired capacity to {desired}, but it can't terminate "
                "instances protected from scale in until their protection is turned off: "
                f"{len(may_go)} of the {removed} instance(s) go",
                INSTANCE_PROTECTION,
            )
        )
        removed = len(may_go)
    by_provider: dict[str, int] = {}
    for t in tasks:
        if t.status == "RUNNING":
            key = t.provider or f"launchType {t.launch_type}"
            by_provider[key] = by_provider.get(key, 0) + 1
    replaced = Replaced()
    if setup.replacement is not None:
        shield = protected if works else None
        replaced = _replace(setup, running, in_service, shield, steps)
    return Run(
        setup=setup,
        steps=tuple(steps),
        m=m,
        n=n,
        reservation=reservation,
        action=action,
        desired=desired,
        added=added,
        removed=removed,
        provisioning=provisioning,
        counted=counted,
        ignored=ignored,
        unplaced=tuple(unplaced),
        fits_nowhere=tuple(nowhere),
        protection_works=works,
        protected=protected,
        may_terminate=may_go,
        cluster_providers=cluster,
        disassociated=disassociated,
        tasks_by_provider=by_provider,
        replacement=replaced,
    )


def _place_request(
    setup: Setup, tasks: list[Task], in_service: list[Instance], steps: list[Step]
) -> tuple[list[Task], list[str]]:
    """The request's new tasks on the instances with room, first fit in the group's order
    (INF: placement strategies and constraints are the placement simulator's business)."""
    request = setup.request
    assert request is not None
    free = {i.instance_id: [setup.instance_cpu, setup.instance_memory] for i in in_service}
    for t in tasks:
        if t.status == "RUNNING" and t.instance in free:
            free[t.instance][0] -= t.cpu
            free[t.instance][1] -= t.memory
    placed, waiting, unplaced = 0, 0, []
    elsewhere: list[str] = []
    for k, provider in enumerate(request.strategy):
        task_id = f"new-{k + 1}"
        if provider != setup.provider.name and (provider or request.launch_type in OFF_INSTANCES):
            elsewhere.append(provider or f"launch type {request.launch_type}")
            continue
        where = next(
            (i for i, room in free.items() if _fits(request.cpu, request.memory, room)), ""
        )
        if where:
            free[where][0] -= request.cpu
            free[where][1] -= request.memory
            placed += 1
            tasks.append(
                Task(
                    task_id,
                    "RUNNING",
                    provider,
                    request.launch_type,
                    where,
                    request.cpu,
                    request.memory,
                )
            )
        elif provider:
            waiting += 1
            tasks.append(
                Task(task_id, "PROVISIONING", provider, "", "", request.cpu, request.memory)
            )
        else:
            unplaced.append(task_id)
    how = (
        f"launch type {request.launch_type}"
        if request.launch_type
        else "a capacity provider strategy"
    )
    steps.append(
        Step(
            f"{request.kind}: {request.count} new task(s) with {how}: {placed} placed on "
            f"instances with room, {waiting} PROVISIONING, {len(unplaced)} unplaced"
            + (f", {len(elsewhere)} elsewhere" if elsewhere else ""),
            BEHAVIOR,
            inferred=True,
        )
    )
    if elsewhere:
        steps.append(
            Step(
                f"{len(elsewhere)} of them run on other capacity "
                f"({', '.join(sorted(set(elsewhere)))}), not on the instances of "
                f"{setup.provider.name}'s Auto Scaling group: its "
                "CapacityProviderReservation counts only the tasks of its own capacity provider",
                BEHAVIOR,
            )
        )
    if request.placement_strategy:
        steps.append(
            Step(
                "the placement strategy decides where tasks go on instances; it doesn't give "
                "tasks a capacity provider, so it doesn't change which tasks managed scaling "
                "counts",
                BEHAVIOR,
            )
        )
    return tasks, unplaced


def _new_instances(setup: Setup, waiting: list[Task]) -> tuple[int, list[str]]:
    """How many empty instances of the group's type the PROVISIONING tasks need, binpacked
    first fit in task order (INF), and the tasks no instance of the type can hold."""
    bins: list[list[int]] = []
    nowhere = []
    for t in waiting:
        if t.cpu > setup.instance_cpu or t.memory > setup.instance_memory:
            nowhere.append(t.task_id)
            continue
        room = next((b for b in bins if _fits(t.cpu, t.memory, b)), None)
        if room is None:
            room = [setup.instance_cpu, setup.instance_memory]
            bins.append(room)
        room[0] -= t.cpu
        room[1] -= t.memory
    return len(bins), nowhere


def _reservation(m: int, n: int) -> float:
    if n == 0:
        return 100.0 if m == 0 else 200.0
    return round(m * 100 / n, 2)


def _formula(m: int, n: int) -> str:
    if n == 0:
        return f"{m} / 0 (N = 0: 100 when M = 0, 200 when M > 0)"
    return f"{m} / {n} x 100"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _decide(
    setup: Setup, m: int, n: int, reservation: float, steps: list[Step]
) -> tuple[Action, int, int, int]:
    scaling, group = setup.provider.scaling, setup.group
    target = scaling.target
    wanted = math.ceil(m * 100 / target)
    if reservation > target and wanted <= n:
        steps.append(
            Step(
                f"{_number(reservation)} > targetCapacity {target} with no instance needed "
                "(M = 0, N = 0): no additional capacity is required, so ecsprep doesn't scale "
                "out (minimumScalingStepSize applies when additional capacity is required)",
                MANAGED_SCALING_API,
                inferred=True,
            )
        )
        return Action.NONE, n, 0, 0
    if reservation > target:
        step = max(wanted - n, scaling.min_step)
        step = min(step, scaling.max_step)
        desired = min(n + step, group.max_size)
        steps.append(
            Step(
                f"{_number(reservation)} > targetCapacity {target}: the target tracking policy "
                "scales out",
                CLUSTER_AUTO_SCALING,
            )
        )
        steps.append(_sizing(target, wanted))
        steps.append(
            Step(
                f"the step is at least minimumScalingStepSize {scaling.min_step} and at most "
                f"maximumScalingStepSize {scaling.max_step}: +{step}"
                + (f", held to MaxSize {group.max_size}" if n + step > group.max_size else ""),
                ASG_LIMITS if n + step > group.max_size else MANAGED_SCALING_API,
            )
        )
        if desired <= n:
            return Action.NONE, n, 0, 0  # the group is at MaxSize already
        return Action.SCALE_OUT, desired, desired - n, 0
    if reservation < target and max(wanted, group.min_size) < n:
        desired = max(wanted, group.min_size)
        steps.append(_sizing(target, wanted))
        steps.append(
            Step(
                f"{_number(reservation)} < targetCapacity {target}: scale in to "
                f"{desired} (not below MinSize {group.min_size}; the step sizes don't affect "
                "scale-in)",
                MANAGED_SCALING_API,
            )
        )
        return Action.SCALE_IN, min(desired, n), 0, max(n - desired, 0)
    if reservation < target:
        steps.append(_sizing(target, max(wanted, group.min_size)))
        steps.append(
            Step(
                f"{_number(reservation)} < targetCapacity {target}, but one instance fewer "
                f"would leave fewer than {max(wanted, group.min_size)}: no scaling",
                inferred=True,
            )
        )
        return Action.NONE, n, 0, 0
    steps.append(
        Step(
            f"{_number(reservation)} = targetCapacity {target}: no scaling; "
            + (
                "no spare instance (100 keeps the instances fully used)"
                if target == 100
                else f"about {100 - target}% spare"
            ),
            CLUSTER_AUTO_SCALING,
        )
    )
    return Action.NONE, n, 0, 0


def _sizing(target: int, wanted: int) -> Step:
    return Step(
        f"target tracking's exact arithmetic is undocumented: ecsprep sizes the group at "
        f"ceil(M x 100 / {target}) = {wanted} instance(s), where M / N x 100 meets the target",
        inferred=True,
    )


def _termination(
    setup: Setup,
    running: list[Task],
    in_service: list[Instance],
    works: bool,
    removed: int,
    steps: list[Step],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Which instances are protected from scale-in, and which a scale-in may terminate."""
    provider = setup.provider
    with_tasks = {t.instance for t in running if t.instance}
    if provider.termination_protection and not provider.scaling.enabled:
        steps.append(
            Step(
                "managed termination protection is on but managed scaling is off: it doesn't "
                "work (managed scaling must also be used)",
                PROVIDER_API,
            )
        )
    if works:
        protected = tuple(i.instance_id for i in in_service if i.instance_id in with_tasks)
        free = tuple(i.instance_id for i in in_service if i.instance_id not in with_tasks)
        steps.append(
            Step(
                "managed termination protection: ECS keeps scale-in protection on instances "
                "running tasks and turns it off on instances without tasks"
                + (f" ({', '.join(free)})" if free else ""),
                TERMINATION,
            )
        )
        may_go = free[:removed] if removed else ()
        if removed > len(free):
            steps.append(
                Step(
                    f"scale-in wants {removed} instance(s) gone but only {len(free)} run no "
                    "tasks: ECS terminates only instances without running tasks",
                    TERMINATION,
                )
            )
        if may_go and len(free) > removed:
            steps.append(
                Step(
                    f"which {removed} of the {len(free)} instances without tasks go first is "
                    "the group's termination policy: ecsprep takes them in the group's order",
                    inferred=True,
                )
            )
        return protected, may_go
    protected = tuple(i.instance_id for i in in_service if i.protected)
    exposed = tuple(i.instance_id for i in in_service if not i.protected)
    if removed:
        steps.append(
            Step(
                "without managed termination protection the instances aren't protected from "
                "termination when the group scales in: Auto Scaling may pick any instance "
                "without scale-in protection, tasks or not",
                PROVIDER_API,
            )
        )
    return protected, exposed if removed else ()


def _replace(
    setup: Setup,
    running: list[Task],
    in_service: list[Instance],
    shield: tuple[str, ...] | None,
    steps: list[Step],
) -> Replaced:
    """Auto Scaling replaces instances (instance refresh, maximum instance lifetime); scale-in
    protection decides which it may touch, managed draining whether their tasks move first."""
    replacement = setup.replacement
    assert replacement is not None
    if shield is None:
        protected = {i.instance_id for i in in_service if i.protected}
        if setup.provider.termination_protection:
            why = "managed termination protection doesn't work, so the group's flags stand"
        else:
            why = "without managed termination protection, the group's own flags"
        steps.append(
            Step(
                f"scale-in protection as the group reports it ({why}): "
                + (", ".join(sorted(protected)) or "none"),
                inferred=True,
            )
        )
    else:
        protected = set(shield)
    ids = [i.instance_id for i in in_service]
    chosen: list[str] = []
    kept: list[str] = []
    failed = False
    if replacement.refresh:
        mode = replacement.refresh
        guarded = [i for i in ids if i in protected]
        if mode == "Refresh":
            chosen += ids
            what = "replaces the instances protected from scale in too"
        elif mode == "Ignore":
            chosen += [i for i in ids if i not in protected]
            kept += guarded
            what = "ignores instances protected from scale in and replaces the others"
        else:
            chosen += [i for i in ids if i not in protected]
            kept += guarded
            failed = bool(guarded)
            what = "waits one hour for you to remove scale-in protection; otherwise the "
            what += "instance refresh fails"
        steps.append(
            Step(
                f"instance refresh with ScaleInProtectedInstances {mode}: Amazon EC2 Auto "
                f"Scaling {what}",
                REFRESH_PREFERENCES,
            )
        )
        if setup.provider.termination_protection and mode != "Refresh":
            steps.append(
                Step(
                    "with managed termination protection, choose to replace (Refresh) scale-in "
                    "protected instances when calling StartInstanceRefresh",
                    DRAINING,
                )
            )
        if mode == "Wait" and guarded:
            steps.append(
                Step(
                    f"{', '.join(guarded)} "
                    + (
                        "still run tasks, so their protection stays on"
                        if shield is not None
                        else "keep the scale-in protection the group gives them"
                    )
                    + " past the hour: the refresh fails",
                    inferred=True,
                )
            )
    for instance in replacement.expired:
        if instance in chosen:
            continue
        if instance in protected:
            if instance not in kept:  # an instance refresh that ignored it kept it already
                kept.append(instance)
            steps.append(
                Step(
                    f"{instance} is past MaxInstanceLifetime {replacement.lifetime}s but protected "
                    "from scale in, which keeps Auto Scaling from terminating it",
                    MAX_LIFETIME,
                )
            )
        else:
            chosen.append(instance)
            steps.append(
                Step(
                    f"{instance} is past MaxInstanceLifetime {replacement.lifetime}s: Auto Scaling "
                    "terminates and replaces it",
                    MAX_LIFETIME,
                )
            )
    on = {i: [t.task_id for t in running if t.instance == i] for i in chosen}
    moving = tuple(t for i in chosen for t in on[i])
    drained: tuple[str, ...] = ()
    killed: tuple[str, ...] = ()
    if setup.provider.draining:
        drained = moving
        steps.append(
            Step(
                "managed instance draining: ECS drains each replaced instance first, so its "
                f"{len(moving)} task(s) stop safely and are rescheduled on instances that stay "
                "(instance refresh, maximum instance lifetime and scale-in are covered)",
                DRAINING,
            )
        )
    else:
        killed = moving
        steps.append(
            Step(
                f"managed draining is off: the {len(moving)} task(s) on the replaced instances "
                "stop when Auto Scaling terminates them",
                DRAINING,
                inferred=True,
            )
        )
        if dict(setup.ecs_config).get("ECS_ENABLE_SPOT_INSTANCE_DRAINING", "").lower() == "true":
            steps.append(
                Step(
                    "ECS_ENABLE_SPOT_INSTANCE_DRAINING drains an instance when it receives a Spot "
                    "interruption notice, not when Auto Scaling replaces it",
                    SPOT_DRAINING,
                )
            )
    return Replaced(tuple(chosen), tuple(kept), failed, drained, killed)


def to_json(result: Run) -> dict[str, object]:
    return {
        **result.facts(),
        "steps": [{"what": s.what, "rule": s.rule, "inferred": s.inferred} for s in result.steps],
    }
