"""A task definition checked against Fargate, as a question's check runs it
(`simulator: fargate`).

The scenario is `{taskDefinition: {...}, runTask|createService: {...}}` in AWS's
shapes (the request is optional: launchType FARGATE, platform LATEST). Fargate's
refusals are the result here, not an input error: the run's facts say `runs: false`
and `refused_by` names each rule, and the Outcome carries AWS's message as `refused`
so that a learner reads it. Facts: runs, registers, refused_by, cpu, memory,
valid_size, nearest, os, arch, platform, ephemeral_gib, extra_storage_gib, uses_spot,
spot_eligible.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.fargate import FargateCheck, read_and_check
from ecsprep.sim.simulators import Outcome, Simulator, fact_misses

FACTS = (
    "runs",
    "registers",
    "refused_by",
    "cpu",
    "memory",
    "valid_size",
    "nearest",
    "os",
    "arch",
    "platform",
    "ephemeral_gib",
    "extra_storage_gib",
    "uses_spot",
    "spot_eligible",
)


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> FargateCheck:
    del folder, name
    return read_and_check(document, where)


def _run(result: FargateCheck) -> Outcome:
    notes = [f.text for f in result.findings if f.ok]
    notes += [
        f"INF: {f.text} (ecsprep's words for the documented rule)"
        for f in result.refusals
        if not f.aws_words
    ]
    if result.nearest:
        notes.append("nearest valid sizes: " + ", ".join(s.words for s in result.nearest))
    refused = " ".join(f.text for f in result.refusals)
    if result.runs:
        summary = (
            f"Runs on Fargate: {result.task.cpu} CPU units, {result.task.memory} MiB, "
            f"{result.task.os} {result.task.arch}, platform {result.platform}"
            + (", on FARGATE_SPOT" if result.launch.uses_spot else "")
            + f", {result.storage_gib} GiB ephemeral storage."
        )
    else:
        summary = f"Fargate refuses it: {refused}"
    return Outcome(
        facts=result.facts(),
        notes=tuple(notes),
        summary=summary,
        result=result,
        refused=refused,
    )


def _misses(condition: Mapping[str, Any], outcome: Outcome) -> tuple[str, ...]:
    """Facts are checked whether or not Fargate refuses the task (its refusal is the
    result here); `refused` looks in AWS's messages."""
    if outcome.refused and not outcome.facts:  # refused before any rule ran (bad input)
        return fact_misses(condition, outcome)
    found: list[str] = []
    facts_only = {k: v for k, v in condition.items() if k != "refused"}
    if "refused" in condition:
        found += fact_misses({"refused": condition["refused"]}, outcome)
    found += fact_misses(facts_only, Outcome(facts=outcome.facts, notes=outcome.notes))
    return tuple(found)


SIMULATOR = Simulator(
    name="fargate",
    facts=FACTS,
    ranked=("cpu", "memory", "ephemeral_gib", "extra_storage_gib"),
    build=_build,
    run=_run,
    misses=_misses,
)
