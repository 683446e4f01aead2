"""The credentials simulator as a question's check runs it (`simulator: credentials`).

The scenario is the simulator's input (docs/credentials.md): a task definition in
RegisterTaskDefinition's shape, the launch type, `ecsConfig`, the roles with their
policy documents, and optionally the network path, secrets, parameters and S3
objects. Facts: `starts`, `stopped_reason`, `app`, `app_via`, `chain`,
`instance_role_reachable`, `pull_by`, `logs_by`, `secrets_by`, `denied`,
`unreachable`, `env`, `log_options`, `calls`, `exec`, `task_role_assumed_for`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.credentials import FACTS, Run, Setup, read_setup, run
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def summary(result: Run) -> str:
    if not result.starts:
        return f"The task stops: {result.stopped_reason}"
    who = (
        f"the application uses {result.app} ({result.app_via.value})"
        if result.app != "none"
        else "the application has no AWS credentials"
    )
    extra = f"; denied: {', '.join(result.denied)}" if result.denied else ""
    return f"The task starts; {who}{extra}."


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    return Outcome(facts=result.facts(), notes=result.notes, summary=summary(result), result=result)


SIMULATOR = Simulator(name="credentials", facts=FACTS, ranked=(), build=_build, run=_run)
