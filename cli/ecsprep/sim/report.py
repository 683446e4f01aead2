"""A PlacementResult in AWS's shapes: a RunTask response, plus the cluster after it.

`response()` gives `tasks` (with `networkBindings`), `failures` (`arn`,
`reason`), the final `containerInstances` with their `remainingResources`, and
for a service the `events` DescribeServices would show (newest first).
"""

from __future__ import annotations

from ecsprep.sim.placement import Failure, FailureReason, Placement, PlacementResult, Trace
from ecsprep.sim.scenario import RequestKind

_TROUBLESHOOTING = (
    "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
)
_CLOSEST = {
    FailureReason.CPU: "has insufficient CPU units available.",
    FailureReason.MEMORY: "has insufficient memory available.",
    FailureReason.PORTS: "is already using a port required by your task.",
    FailureReason.ATTRIBUTE: "is missing an attribute required by your task.",
    FailureReason.GPU: "has insufficient GPU resources available.",
}


def service_events(result: PlacementResult) -> list[str]:
    """The service's events, oldest first (empty for RunTask)."""
    request = result.scenario.request
    if request.kind is not RequestKind.SERVICE or result.fargate:
        return []
    name = request.service_name
    events = []
    if result.stopped:
        ids = " ".join(f"(task {_short(s.task_arn)})" for s in result.stopped)
        events.append(f"service {name} has stopped {len(result.stopped)} running tasks: {ids}.")
    present = sum(outcome.group_tasks for outcome in result.instances)
    if present > request.count:
        events.append(
            f"service {name} was unable to scale in. Reason: The number of protected tasks "
            "are more than the desired count of tasks"
        )
    if result.placements:
        ids = " ".join(f"(task {_short(p.task_arn)})" for p in result.placements)
        events.append(f"service {name} has started {len(result.placements)} tasks: {ids}.")
    if result.unplaced:
        events.append(unable_to_place(name or "", result))
    elif present == request.count:
        events.append(f"service {name} has reached a steady state.")
    return events


def unable_to_place(name: str, result: PlacementResult) -> str:
    head = (
        f"service {name} was unable to place a task because no container instance "
        "met all of its requirements."
    )
    if result.closest is None:
        return f"{head} Reason: No Container Instances were found in your cluster."
    arn, reason = result.closest
    tail = _CLOSEST.get(reason, f'encountered error "{reason.value}".')
    return f"{head} The closest matching container-instance {_short(arn)} {tail} {_TROUBLESHOOTING}"


def response(result: PlacementResult, *, with_trace: bool = False) -> dict[str, object]:
    scenario = result.scenario
    task = scenario.task
    body: dict[str, object] = {
        "tasks": _tasks(result),
        "failures": [_failure(failure) for failure in result.failures],
        "containerInstances": [
            {
                "containerInstanceArn": outcome.arn,
                "ec2InstanceId": outcome.ec2_instance_id,
                "status": outcome.status,
                "runningTasksCount": outcome.running,
                "remainingResources": [
                    _integer("CPU", outcome.remaining_cpu),
                    _integer("MEMORY", outcome.remaining_memory),
                    _ports("PORTS", outcome.ports_tcp),
                    _ports("PORTS_UDP", outcome.ports_udp),
                ],
            }
            for outcome in result.instances
        ],
    }
    if scenario.request.kind is RequestKind.SERVICE:
        body["events"] = [{"message": message} for message in reversed(service_events(result))]
    if result.stopped:
        body["stoppedTasks"] = [
            {"taskArn": s.task_arn, "containerInstanceArn": s.instance_arn, "stoppedReason": s.why}
            for s in result.stopped
        ]
    body["simulation"] = {
        "launchType": scenario.request.launch_type.value,
        "group": result.group,
        "taskCpu": task.cpu,
        "taskMemory": task.memory,
        "placementStrategy": [s.as_aws() for s in result.strategies],
        "placementConstraints": [c.as_aws() for c in scenario.constraints],
        "seed": scenario.seed,
        "placed": len(result.placements),
        "unplaced": result.unplaced,
        "notes": list(result.notes),
    }
    if with_trace:
        traces: list[dict[str, object]] = [
            {"taskArn": p.task_arn, **_trace(p.trace)}
            for p in result.placements
            if p.trace is not None
        ]
        if result.unplaced_trace is not None:  # the funnel that emptied, and why
            traces.append(
                {"taskArn": None, "unplaced": result.unplaced, **_trace(result.unplaced_trace)}
            )
        body["trace"] = traces
    return body


def _failure(failure: Failure) -> dict[str, object]:
    """RunTask's Failure shape: arn, reason and, for ATTRIBUTE, the missing attribute."""
    body: dict[str, object] = {"arn": failure.arn} if failure.arn else {}
    body["reason"] = failure.reason.value
    if failure.detail:
        body["detail"] = f"missing attribute {failure.detail}"
    return body


def _tasks(result: PlacementResult) -> list[dict[str, object]]:
    """RunTask's `tasks`. Everything but the ARNs and the port bindings is the same
    for every task of a run, so it is worked out once (a run can place 10,000 tasks)."""
    task = result.scenario.task
    shared = {
        "group": result.group,
        "launchType": "EC2",
        "lastStatus": "PENDING",
        "desiredStatus": "RUNNING",
        "cpu": str(task.cpu),
        "memory": str(task.memory),
    }
    names = [container.name for container in task.containers]
    # every task of a run shares its region, account and cluster: its ARN's prefix
    arns_by_prefix: dict[str, tuple[str, str]] = {}
    tasks: list[dict[str, object]] = []
    for placement in result.placements:
        prefix = placement.task_arn.rpartition("/")[0]
        arns = arns_by_prefix.get(prefix)
        if arns is None:
            arns = arns_by_prefix[prefix] = _cluster_and_definition(
                placement.task_arn, f"{task.family}:{task.revision or 1}"
            )
        if placement.bindings:
            containers = [
                {"name": name, "networkBindings": _bindings(placement, name)} for name in names
            ]
        else:
            containers = [{"name": name, "networkBindings": []} for name in names]
        tasks.append(
            {
                "taskArn": placement.task_arn,
                "clusterArn": arns[0],
                "taskDefinitionArn": arns[1],
                "containerInstanceArn": placement.instance_arn,
                **shared,
                "containers": containers,
            }
        )
    return tasks


def _cluster_and_definition(task_arn: str, definition: str) -> tuple[str, str]:
    arn_parts = task_arn.split(":")
    cluster = task_arn.split("/")[1]
    return (
        f"arn:aws:ecs:{arn_parts[3]}:{arn_parts[4]}:cluster/{cluster}",
        f"arn:aws:ecs:{arn_parts[3]}:{arn_parts[4]}:task-definition/{definition}",
    )


def _bindings(placement: Placement, container: str) -> list[dict[str, object]]:
    return [
        {
            "bindIP": "0.0.0.0",
            "containerPort": b.container_port,
            "hostPort": b.host_port,
            "protocol": b.protocol.value,
        }
        for b in placement.bindings
        if b.container == container
    ]


def _trace(trace: Trace) -> dict[str, object]:
    return {
        "funnel": [{"step": f.step, "candidates": f.candidates} for f in trace.funnel],
        "strategies": [
            {
                "strategy": s.strategy.text,
                "kept": s.kept,
                "best": s.best,
                "nextBest": s.next_best,
                **({"value": s.value} if s.value is not None else {}),
            }
            for s in trace.strategy_steps
        ],
        "rejected": [{"arn": arn, "reason": reason.value} for arn, reason in trace.rejected],
        "decidedBy": trace.decided_by,
    }


def _integer(name: str, value: int) -> dict[str, object]:
    return {"name": name, "type": "INTEGER", "integerValue": value}


def _ports(name: str, ports: frozenset[int]) -> dict[str, object]:
    listed = [str(p) for p in sorted(ports)] if ports else []  # most instances have none
    return {"name": name, "type": "STRINGSET", "stringSetValue": listed}


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]
