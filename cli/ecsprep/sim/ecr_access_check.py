"""ECR push and pull access, logins and tag immutability as a question's check runs it
(`simulator: ecr-access`).

The scenario is the simulator's input (docs/ecr-access.md): `registry`, `repositories`
(describe-repositories' shape plus `policy` and `images`), `principal` (ARN, orgId,
identity policies), `cli`, `docker` and the `commands` run in order. Facts: logins,
pulled, pushed, elsewhere, errors, denied, denied_by, cross_account, token_expires.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_access import FACTS, Run, Setup, read_setup, run
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def step_lines(result: Run) -> list[str]:
    lines = []
    for step in result.steps:
        when = f"[{step.at}] " if step.at else ""
        lines.append(f"{when}$ {step.command} → {step.outcome.value}: {step.detail}")
    return lines


def summary(result: Run) -> str:
    parts = []
    if result.logins:
        parts.append("logs in to " + ", ".join(result.logins))
    if result.pulled:
        parts.append("pulls " + ", ".join(result.pulled))
    if result.pushed:
        parts.append("pushes " + ", ".join(result.pushed))
    if result.errors:
        parts.append("fails with " + ", ".join(result.errors))
    return ("The session " + "; ".join(parts) + ".") if parts else "Nothing happens."


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    return Outcome(
        facts=result.facts(),
        notes=tuple(step_lines(result)) + result.notes,
        summary=summary(result),
        result=result,
    )


SIMULATOR = Simulator(name="ecr-access", facts=FACTS, ranked=(), build=_build, run=_run)
