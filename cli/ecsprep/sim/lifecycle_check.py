"""A task's containers from start to stop as a question's check runs it (`simulator: lifecycle`).

The scenario is `ecsprep simulate lifecycle`'s document: `{taskDefinition, launchType,
behaviour, service, stopTask, spotInterruption, taskProtection, ecsConfig, until}`
(docs/lifecycle.md). Input AWS refuses
(COMPLETE on an essential container, no essential container, memory not above
memoryReservation, a Fargate startTimeout outside 2-120…) is an InputError with AWS's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.lifecycle import CLEANUP_WAIT, Run, read_scenario, simulate
from ecsprep.sim.simulators import Outcome, Simulator

FACTS = (
    "start_order",
    "stop_order",
    "never_started",
    "started_at",
    "task_stopped",
    "stop_began_at",
    "stopped_at",
    "stop_code",
    "stopped_reason",
    "exit_codes",
    "reasons",
    "first_exit",
    "killed",
    "oom_killed",
    "unhealthy",
    "task_health",
    "stop_timeouts",
    "over_max",
    "ignored",
    "zombies",
    "mounts",
    "shared",
    "kept_after_stop",
    "lost_at_stop",
    "other_tasks_see",
    "same_instance_sees",
    "host_paths",
    "sigterm_at",
    "eventbridge_warning_at",
    "warning_seconds",
    "protected_until",
    "protection_failures",
    "containers_removed_at",
    "containers_removed",
    "work_lost",
    "readonly_root",
    "write_errors",
    "replacement_at",
)


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Any:
    del folder, name
    return read_scenario(document, where)


def _run(scenario: Any) -> Outcome:
    run: Run = simulate(scenario)
    return Outcome(facts=run.facts(), notes=run.notes, summary=summary(run), result=run)


def summary(run: Run) -> str:
    started = ", ".join(run.start_order) or "nothing"
    extra = ""
    if run.eventbridge_warning_at is not None:
        extra += f"; Spot warning at {run.eventbridge_warning_at} s (EventBridge event, SIGTERM)"
    if run.replacement_at is not None:
        extra += f"; the service starts a replacement elsewhere at {run.replacement_at} s"
    if run.protected_until is not None:
        extra += f"; protected from scale-in until {run.protected_until} s"
    if run.protection_failures:
        extra += "; UpdateTaskProtection fails: " + ", ".join(run.protection_failures)
    if run.write_errors:
        extra += "; Read-only file system: " + ", ".join(
            f"{c} {p}" for c, paths in run.write_errors.items() for p in paths
        )
    if not run.task_stopped:
        return f"Started {started}; the task is still running at {run.scenario.until} s{extra}."
    codes = ", ".join(f"{n} {c}" for n, c in run.exit_codes.items())
    killed = f"; SIGKILL: {', '.join(run.killed)}" if run.killed else ""
    # The agent's cleanup is worth a word when the run reaches it or ecs.config was given.
    scenario = run.scenario
    configured = (
        scenario.cleanup_wait != CLEANUP_WAIT
        or scenario.agent_stop_timeout is not None
        or bool(scenario.config_notes)
    )
    removed = run.containers_removed_at
    if removed is not None and (removed <= scenario.until or configured):
        extra += f"; the agent removes its containers at {removed} s"
    return (
        f"Started {started}; stopped at {run.stopped_at} s ({run.stopped_reason}); "
        f"exit codes {codes or 'none'}{killed}{extra}."
    )


SIMULATOR = Simulator(
    name="lifecycle",
    facts=FACTS,
    ranked=("stop_began_at", "stopped_at"),
    build=_build,
    run=_run,
)
