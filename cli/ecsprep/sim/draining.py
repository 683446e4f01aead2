"""A service's tasks on DRAINING container instances (container-instance-draining.html).

"Any tasks that are part of a service that are in a PENDING state are stopped
immediately. If there is available container instance capacity in the cluster,
the service scheduler will start replacement tasks." Tasks in the RUNNING state
"are transitioned to a STOPPED state. The service scheduler attempts to replace
the tasks according to the service's deployment configuration parameters,
minimumHealthyPercent and maximumPercent": maximumPercent bounds the service's
RUNNING or PENDING tasks (rounded down), minimumHealthyPercent the RUNNING ones
that must stay (rounded up; DeploymentConfiguration). "If the maximum is 100%,
then replacement tasks can't start until the draining tasks have stopped"; "if
the minimum is 100%, the service scheduler can't remove existing tasks until the
replacement tasks are considered healthy". Standalone tasks are unaffected.

A DRAINING instance takes no task, so the order in which replacements start and
draining tasks stop changes where nothing goes: what matters is whether the
replacement can start at all. **INF**: replacements count as healthy once placed
(no load balancer is simulated: "tasks for services that do not use a load
balancer are considered healthy if they're in the RUNNING state").
"""

from __future__ import annotations

from dataclasses import dataclass

from ecsprep.sim.cluster import ClusterState, InstanceState, TaskOnInstance
from ecsprep.sim.instances import InstanceStatus
from ecsprep.sim.placement import StoppedTask
from ecsprep.sim.scenario import Request


@dataclass(frozen=True, slots=True)
class DrainPlan:
    """What draining asks of this run, worked out before placing."""

    stopped_pending: tuple[StoppedTask, ...]  # PENDING tasks stopped at once
    draining: tuple[tuple[InstanceState, TaskOnInstance], ...]  # RUNNING, to be replaced
    replacements: int  # tasks to place for them (0 when the deployment bounds block it)
    note: str | None  # how the bounds let (or don't let) the replacement go


def _on_draining(cluster: ClusterState) -> list[tuple[InstanceState, TaskOnInstance]]:
    return [
        (state, task)
        for state in cluster.states
        if state.instance.status is InstanceStatus.DRAINING
        for task in state.tasks
        if task.group == cluster.group and not task.leaving
    ]


def stop_pending(cluster: ClusterState) -> list[StoppedTask]:
    """The service's PENDING tasks on DRAINING instances: "stopped immediately"."""
    stopped = []
    for state, task in _on_draining(cluster):
        if task.pending:
            cluster.remove(state, task)
            stopped.append(
                StoppedTask(
                    task.arn,
                    state.instance.arn,
                    "PENDING on a DRAINING instance: stopped immediately, a replacement goes "
                    "elsewhere",
                )
            )
    return stopped


def stop_for_scale_in(cluster: ClusterState, how_many: int) -> list[StoppedTask]:
    """When the desired count goes down too, tasks on DRAINING instances go first
    (**INF**: they must stop anyway; replacing one only to stop another is waste)."""
    stopped = []
    for state, task in _on_draining(cluster)[:how_many]:
        cluster.remove(state, task)
        stopped.append(
            StoppedTask(
                task.arn,
                state.instance.arn,
                "on a DRAINING instance, and the desired count is lower: not replaced",
            )
        )
    return stopped


def plan(cluster: ClusterState, request: Request, shortfall: int) -> DrainPlan:
    """The RUNNING service tasks on DRAINING instances and how many replacements
    the deployment configuration lets start (`shortfall`: tasks the service is
    missing anyway, placed as well)."""
    draining = _on_draining(cluster)
    if not draining:
        return DrainPlan((), (), 0, None)
    desired = request.count
    running = sum(state.our_tasks for state in cluster.states) + shortfall
    most = desired * request.maximum_percent // 100
    least = -(-desired * request.minimum_healthy_percent // 100)
    bounds = (
        f"maximumPercent {request.maximum_percent}% of {desired} allows {most} tasks, "
        f"minimumHealthyPercent {request.minimum_healthy_percent}% keeps {least} running"
    )
    if most > running:
        batch = min(most - running, len(draining))
        note = (
            f"draining: {bounds}: up to {batch} replacement(s) start before the "
            f"{len(draining)} task(s) on DRAINING instances stop"
        )
    elif running > least:
        note = (
            f"draining: {bounds}: replacements can't start until draining tasks have "
            f"stopped, and up to {min(running - least, len(draining))} may stop first"
        )
    else:
        note = (
            f"draining can't proceed: {bounds}, and {running} are running: no replacement "
            "may start and no task may stop (raise maximumPercent or lower "
            "minimumHealthyPercent)"
        )
        return DrainPlan((), tuple(draining), 0, note)
    return DrainPlan((), tuple(draining), len(draining), note)


def finish(
    cluster: ClusterState,
    request: Request,
    drain: DrainPlan,
    replaced: int,
    replacement_arns: list[str],
) -> list[StoppedTask]:
    """Stop the draining tasks whose replacements started, then those that
    minimumHealthyPercent lets go without one (the rest keep running)."""
    least = -(-request.count * request.minimum_healthy_percent // 100)
    stopped = []
    for n, (state, task) in enumerate(drain.draining[:replaced]):
        cluster.remove(state, task)
        replacement = replacement_arns[n].rsplit("/", 1)[-1]
        stopped.append(
            StoppedTask(
                task.arn,
                state.instance.arn,
                f"on a DRAINING instance: replaced by task {replacement}",
                after_start=True,
            )
        )
    if drain.replacements == 0:
        return stopped  # the bounds block draining: nothing moves
    left = drain.draining[replaced:]
    running = sum(state.our_tasks for state in cluster.states)
    for state, task in left[: max(0, running - least)]:
        cluster.remove(state, task)
        stopped.append(
            StoppedTask(
                task.arn,
                state.instance.arn,
                f"on a DRAINING instance: stopped without a replacement (no instance could "
                f"take one; minimumHealthyPercent {request.minimum_healthy_percent}% keeps "
                f"{least} running)",
                after_start=True,
            )
        )
    return stopped
