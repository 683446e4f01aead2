"""Step Functions' ECS RunTask integration patterns, minute by minute.

A state machine definition (Amazon States Language: Task, Wait, Pass, Succeed, Fail)
runs once; its ECS Task state starts one task whose behaviour the scenario gives
(`ecsTask`: how long it runs, its exit code, when the application calls
SendTaskSuccess). Documented rules ("Run Amazon ECS or Fargate tasks with Step
Functions" and "Discover service integration patterns in Step Functions"):

- `arn:aws:states:::ecs:runTask` (request response) moves on as soon as RunTask returns;
- `…:ecs:runTask.sync` (run a job) waits for the task to stop;
- `…:ecs:runTask.waitForTaskToken` (callback) waits until someone calls SendTaskSuccess
  or SendTaskFailure with the task token (`$$.Task.Token`), which the state must pass
  to the container (for example in ContainerOverrides); ECS never calls it;
  without a call the state waits until its TimeoutSeconds.

Inferred (INF): a `.sync` state fails (States.TaskFailed) when the task's essential
container exits non-zero; a Task state on another service completes in the minute it
starts; the application's SendTaskSuccess needs `states:SendTaskSuccess` in the task
role (the role its credentials come from).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str

RUN_TASK = "arn:aws:states:::ecs:runTask"
_PATTERNS = {RUN_TASK: "request response", RUN_TASK + ".sync": "run a job (.sync)",
             RUN_TASK + ".waitForTaskToken": "callback (.waitForTaskToken)"}  # fmt: skip
_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail")


@dataclass(frozen=True, slots=True)
class EcsTask:
    runs: int  # minutes from RunTask until the task stops
    exit_code: int
    success_at: int | None  # minute the application calls SendTaskSuccess (None: never)
    role_allows: bool  # the task role allows states:SendTaskSuccess


@dataclass(frozen=True, slots=True)
class StepEvent:
    minute: int
    state: str
    text: str


@dataclass(frozen=True, slots=True)
class Execution:
    status: str  # SUCCEEDED, FAILED or RUNNING (at the horizon)
    entered: tuple[tuple[str, int], ...]  # state, minute
    task_started: int | None
    task_stopped: int | None
    events: tuple[StepEvent, ...]
    pattern: str
    horizon: int
    error: str = ""

    def early(self) -> list[str]:
        """States entered after the ECS state while the task was still running."""
        if self.task_stopped is None:
            return []
        names = [state for state, _ in self.entered]
        ecs = next((e.state for e in self.events if "RunTask" in e.text), None)
        if ecs is None:
            return []
        after = self.entered[names.index(ecs) + 1 :]
        return [state for state, minute in after if minute < self.task_stopped]


@dataclass(frozen=True, slots=True)
class StateMachine:
    start: str
    states: Mapping[str, Mapping[str, object]]


def read_state_machine(raw: object, where: Where) -> StateMachine:
    definition = as_mapping(raw, where, "a state machine definition (StartAt, States)")
    states = as_mapping(definition.get("States"), where.key("States"), "the States object")
    start = as_str(definition.get("StartAt"), where.key("StartAt"))
    if start not in states:
        raise where.key("StartAt").refuse(
            f"SCHEMA_VALIDATION_FAILED: StartAt {start!r} is not a state",
            "name one of the States",
        )
    checked: dict[str, Mapping[str, object]] = {}
    for name, raw_state in states.items():
        at = where.key(f"States.{name}")
        state = as_mapping(raw_state, at, "a state")
        checked[name] = state
        kind = state.get("Type")
        if kind not in _TYPES:
            raise at.key("Type").refuse(
                f"{kind!r}: ecsprep models Task, Wait, Pass, Succeed and Fail states",
                "Choice, Parallel and Map are not modelled",
            )
        if kind in ("Task", "Wait", "Pass") and "Next" not in state and not state.get("End"):
            raise at.refuse("SCHEMA_VALIDATION_FAILED: the state needs Next or End: true")
        nxt = state.get("Next")
        if nxt is not None and nxt not in states:
            raise at.key("Next").refuse(f"MISSING_TRANSITION_TARGET: {nxt!r} is not a state")
        if kind == "Task":
            as_str(state.get("Resource"), at.key("Resource"))
    return StateMachine(start, checked)


def read_ecs_task(raw: object, where: Where) -> EcsTask:
    given = as_mapping(raw, where, "the task's behaviour")
    for key in given:
        if key not in ("runsMinutes", "exitCode", "callsSendTaskSuccessAt", "taskRoleActions"):
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                "ecsTask has runsMinutes, exitCode, callsSendTaskSuccessAt, taskRoleActions",
            )
    actions = [
        str(a) for a in as_list(given.get("taskRoleActions") or [], where.key("taskRoleActions"))
    ]
    return EcsTask(
        runs=as_int(given.get("runsMinutes", 30), where.key("runsMinutes"), minimum=1),
        exit_code=as_int(given.get("exitCode", 0), where.key("exitCode")),
        success_at=(
            as_int(given["callsSendTaskSuccessAt"], where.key("callsSendTaskSuccessAt"))
            if given.get("callsSendTaskSuccessAt") is not None
            else None
        ),
        role_allows=any(a in ("states:SendTaskSuccess", "states:*", "*") for a in actions),
    )


def _passes_token(value: object) -> bool:
    if isinstance(value, Mapping):
        return any(
            (str(k).endswith(".$") and v == "$$.Task.Token") or _passes_token(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_passes_token(v) for v in value)
    return False


def run(machine: StateMachine, task: EcsTask, horizon: int = 24 * 60) -> Execution:
    minute = 0
    name = machine.start
    entered: list[tuple[str, int]] = []
    events: list[StepEvent] = []
    started = stopped = None
    pattern = ""

    def finish(status: str, error: str = "") -> Execution:
        return Execution(
            status, tuple(entered), started, stopped, tuple(events), pattern, horizon, error
        )

    for _ in range(len(machine.states) * 4 + 4):  # no loops in the modelled subset
        state = machine.states[name]
        entered.append((name, minute))
        kind = state["Type"]
        if kind == "Succeed":
            events.append(StepEvent(minute, name, "Succeed: the execution succeeds"))
            return finish("SUCCEEDED")
        if kind == "Fail":
            events.append(StepEvent(minute, name, "Fail state"))
            return finish("FAILED", "Fail state")
        if kind == "Wait":
            seconds = int(state.get("Seconds", 0) or 0)  # type: ignore[call-overload]
            minute += -(-seconds // 60)
            events.append(StepEvent(minute, name, f"Wait {seconds} s ends"))
        elif kind == "Task":
            resource = str(state["Resource"])
            if resource in _PATTERNS:
                pattern = _PATTERNS[resource]
                started, stopped = minute, minute + task.runs
                events.append(StepEvent(minute, name, f"RunTask: the ECS task starts ({pattern})"))
                events.append(
                    StepEvent(stopped, name, f"the ECS task stops, exit code {task.exit_code}")
                )
                if resource == RUN_TASK:
                    events.append(StepEvent(minute, name, "RunTask returned: the state completes"))
                elif resource.endswith(".sync"):
                    minute = stopped
                    if task.exit_code != 0:
                        events.append(
                            StepEvent(
                                minute,
                                name,
                                "States.TaskFailed: the task failed (INF: a non-zero exit)",
                            )
                        )
                        return finish("FAILED", "States.TaskFailed")
                    events.append(StepEvent(minute, name, "the task stopped: the state completes"))
                else:
                    resumed = _callback(state, task, minute, events, name)
                    timeout = state.get("TimeoutSeconds")
                    if resumed is None:
                        if isinstance(timeout, int) and minute + -(-timeout // 60) <= horizon:
                            minute += -(-timeout // 60)
                            events.append(
                                StepEvent(minute, name, "States.Timeout: no SendTaskSuccess")
                            )
                            return finish("FAILED", "States.Timeout")
                        events.append(StepEvent(horizon, name, "still waiting for SendTaskSuccess"))
                        return finish("RUNNING")
                    minute = resumed
            else:
                events.append(
                    StepEvent(
                        minute, name, f"{resource.rsplit(':', 1)[-1]} completes (INF: at once)"
                    )
                )
        if state.get("End"):
            return finish("SUCCEEDED")
        name = str(state["Next"])
    raise AssertionError("unreachable: the modelled states have no loops")


def _callback(
    state: Mapping[str, object], task: EcsTask, minute: int, events: list[StepEvent], name: str
) -> int | None:
    if task.success_at is None:
        events.append(StepEvent(minute, name, "nothing calls SendTaskSuccess (ECS never does)"))
        return None
    if not _passes_token(state.get("Parameters")):
        events.append(
            StepEvent(minute, name, "the container has no task token ($$.Task.Token isn't passed)")
        )
        return None
    if not task.role_allows:
        events.append(
            StepEvent(
                minute + task.success_at,
                name,
                "SendTaskSuccess is denied: the task role lacks states:SendTaskSuccess",
            )
        )
        return None
    at = minute + min(task.success_at, task.runs)
    events.append(StepEvent(at, name, "the application calls SendTaskSuccess: the state completes"))
    return at
