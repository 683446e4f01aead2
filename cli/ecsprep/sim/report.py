"""A PlacementResult in AWS's shapes: a RunTask response, plus the cluster after it.

`response()` gives `tasks` (with `networkBindings`), `failures` (`arn`,
`reason`), the final `containerInstances` with their `remainingResources`, and
for a service the `events` DescribeServices would show (newest first).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from ecsprep.sim.placement import (
    Failure,
    FailureReason,
    Placement,
    PlacementResult,
    StoppedTask,
    Trace,
)
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
    first = [s for s in result.stopped if not s.after_start]
    then = [s for s in result.stopped if s.after_start]  # draining: after the replacements
    if first:
        events.append(_stopped_event(name, first))
    present = sum(outcome.group_tasks for outcome in result.instances)
    if present > request.count:
        events.append(
            f"service {name} was unable to scale in. Reason: The number of protected tasks "
            "are more than the desired count of tasks"
        )
    if result.placements:
        ids = " ".join(f"(task {_short(p.task_arn)})" for p in result.placements)
        events.append(f"service {name} has started {len(result.placements)} tasks: {ids}.")
    if then:
        events.append(_stopped_event(name, then))
    if result.unplaced:
        events.append(unable_to_place(name or "", result))
    elif present == request.count and not result.draining_left:
        events.append(f"service {name} has reached a steady state.")
    return events


def _stopped_event(name: str | None, stopped: list[StoppedTask]) -> str:
    ids = " ".join(f"(task {_short(s.task_arn)})" for s in stopped)
    return f"service {name} has stopped {len(stopped)} running tasks: {ids}."


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
    return {"tasks": _tasks(result), **_body(result, with_trace=with_trace)}


def _body(result: PlacementResult, *, with_trace: bool) -> dict[str, object]:
    """The response after its `tasks`."""
    scenario = result.scenario
    task = scenario.task
    body: dict[str, object] = {
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


# Above this many tasks the response is written compact: json's C encoder only
# runs without indentation, and it is several times faster.
COMPACT_ABOVE = 200
_TASKS_PER_WRITE = 2_000  # a big run's tasks go out in slices, never as one huge string


def write_response(
    result: PlacementResult,
    stream: TextIO,
    *,
    with_trace: bool = False,
    compact: bool | None = None,
) -> None:
    """The response as JSON text on `stream` (what `--format json` prints): the
    same text as `json.dumps(response(result))`, indented up to COMPACT_ABOVE
    tasks, compact above (or as `compact` says).

    Compact, the tasks (100,000 in a big run) are written from text pieces worked
    out once per run (the shared fields, each instance's ARN, each container
    without ports) instead of building a dict per task that the encoder then walks
    again; the rest of the response is json.dumps of its dicts."""
    import json

    if compact is None:
        compact = len(result.placements) > COMPACT_ABOVE
    if not compact:
        stream.write(
            json.dumps(response(result, with_trace=with_trace), indent=2, ensure_ascii=False)
        )
        stream.write("\n")
        return
    rest = json.dumps(
        _body(result, with_trace=with_trace),
        ensure_ascii=False,
        separators=(",", ":"),
        check_circular=False,  # a fresh tree of dicts and lists: no cycles to look for
    )
    stream.write('{"tasks":[')
    pieces: list[str] = []
    separator = ""  # before every slice but the first
    for text in _task_texts(result):
        pieces.append(text)
        if len(pieces) == _TASKS_PER_WRITE:
            stream.write(separator + ",".join(pieces))
            separator = ","
            pieces.clear()
    if pieces:
        stream.write(separator + ",".join(pieces))
    # `rest` is `{"failures":…}`: its keys follow the tasks
    stream.write("]," + rest[1:] + "\n")


def _task_texts(result: PlacementResult) -> Iterator[str]:
    """Each task of `_tasks`, as compact JSON (json.dumps' separators and escapes)."""
    import json
    from json.encoder import (
        encode_basestring as quote,
    )  # a str as json.dumps(…, ensure_ascii=False)

    def compact(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    task = result.scenario.task
    shared = compact(_shared_task_fields(result))[1:-1]
    names = [container.name for container in task.containers]
    no_ports = compact([{"name": name, "networkBindings": []} for name in names])
    container_heads = [compact({"name": name})[:-1] + ',"networkBindings":[' for name in names]
    protocols: dict[object, str] = {}
    middle_by_prefix: dict[str, str] = {}  # the ARN's prefix → clusterArn and definition text
    instance_text: dict[str, str] = {}
    definition = f"{task.family}:{task.revision or 1}"
    for placement in result.placements:
        prefix = placement.task_arn.rpartition("/")[0]
        middle = middle_by_prefix.get(prefix)
        if middle is None:
            cluster, definition_arn = _cluster_and_definition(placement.task_arn, definition)
            middle = middle_by_prefix[prefix] = (
                ',"clusterArn":' + quote(cluster) + ',"taskDefinitionArn":' + quote(definition_arn)
            )
        on = instance_text.get(placement.instance_arn)
        if on is None:
            on = instance_text[placement.instance_arn] = (
                ',"containerInstanceArn":' + quote(placement.instance_arn) + ","
            )
        if placement.bindings:
            containers = []
            for name, head in zip(names, container_heads, strict=True):
                bindings = []
                for b in placement.bindings:
                    if b.container != name:
                        continue
                    protocol = protocols.get(b.protocol)
                    if protocol is None:
                        protocol = protocols[b.protocol] = quote(b.protocol.value)
                    bindings.append(
                        f'{{"bindIP":"0.0.0.0","containerPort":{int(b.container_port)},'
                        f'"hostPort":{int(b.host_port)},"protocol":{protocol}}}'
                    )
                containers.append(head + ",".join(bindings) + "]}")
            listed = "[" + ",".join(containers) + "]"
        else:
            listed = no_ports
        yield (
            '{"taskArn":'
            + quote(placement.task_arn)
            + middle
            + on
            + shared
            + ',"containers":'
            + listed
            + "}"
        )


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
    shared = _shared_task_fields(result)
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


def _shared_task_fields(result: PlacementResult) -> dict[str, object]:
    task = result.scenario.task
    return {
        "group": result.group,
        "launchType": "EC2",
        "lastStatus": "PENDING",
        "desiredStatus": "RUNNING",
        "cpu": str(task.cpu),
        "memory": str(task.memory),
    }


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
