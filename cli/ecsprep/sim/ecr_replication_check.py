"""ECR replication, pull through cache and repository creation templates as a question's
check runs it (`simulator: ecr-replication`).

The scenario is the simulator's input (docs/ecr-replication.md): `registries` (each with
its replicationConfiguration, registryPolicy, pullThroughCacheRules,
repositoryCreationTemplates and repositories), `principal`, `upstream` and `events`.
Facts: see ecsprep.sim.ecr_replication.FACTS; `pushes` (how many pushes the events make)
is the one a goal may ask the fewest of.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_replication import FACTS, RANKED, Run, Setup, Verdict, read_setup, run
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def step_lines(result: Run) -> list[str]:
    mark = {Verdict.DONE: "✔", Verdict.FAILED: "✘", Verdict.SKIPPED: "–"}
    lines = []
    for step in result.decisions:
        when = f"[{step.at}] " if step.at else ""
        rule = f" [{step.rule}]" if step.rule else ""
        lines.append(f"{mark[step.verdict]} {when}{step.what}{rule}")
    return lines


def summary(result: Run) -> str:
    parts = []
    for label, values in (
        ("pushes", result.pushed),
        ("pulls", result.pulled),
        ("replicates to", result.replicated),
        ("fails to replicate to", result.replication_failed),
        ("creates", result.created),
        ("refreshes", result.refreshed),
    ):
        if values:
            parts.append(f"{label} {', '.join(values)}")
    if result.errors:
        parts.append("fails with " + ", ".join(dict.fromkeys(result.errors)))
    return ("ECR " + "; ".join(parts) + ".") if parts else "Nothing is pushed, pulled or copied."


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    return Outcome(
        facts=result.facts(),
        notes=tuple(step_lines(result)) + result.notes,
        summary=summary(result),
        result=result,
    )


SIMULATOR = Simulator(name="ecr-replication", facts=FACTS, ranked=RANKED, build=_build, run=_run)
