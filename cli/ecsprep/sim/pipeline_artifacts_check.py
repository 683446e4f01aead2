"""CodePipeline's ECS deploy actions and their input files, as a question's check runs them
(`simulator: pipeline-artifacts`).

The scenario is `{action, configuration, artifact | build, service, taskDefinitions}`
(docs/pipeline-artifacts.md). A failed check of the action is the run's result, not an
input error: `deploys: false`, `errors` names each failure, and the Outcome's `refused`
carries the action's reasons. Facts: action, deploys, errors, reads, ignored, based_on,
registered, images, environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.pipeline_artifacts import Deployment, deploy
from ecsprep.sim.simulators import Outcome, Simulator, fact_misses

FACTS = (
    "action",
    "deploys",
    "errors",
    "reads",
    "ignored",
    "based_on",
    "registered",
    "images",
    "environment",
)
WORDS = (
    "INF: AWS doesn't publish the exact error text of the deploy actions; the failure "
    "reasons are ecsprep's words for the documented rules"
)


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Deployment:
    del folder, name
    return deploy(document, where)


def _run(result: Deployment) -> Outcome:
    failed = [s.text for s in result.steps if not s.ok]
    notes = [s.text for s in result.steps if s.ok]
    if failed:
        notes.append(WORDS)
    summary = (
        f"{result.action} registers {result.revision} and deploys it."
        if result.deploys
        else f"The {result.action} action fails: " + "; ".join(failed) + "."
    )
    return Outcome(
        facts=result.facts(),
        notes=tuple(notes),
        summary=summary,
        result=result,
        refused="; ".join(failed),
    )


def _misses(condition: Mapping[str, Any], outcome: Outcome) -> tuple[str, ...]:
    """Facts are checked whether or not the action fails (its failure is the result)."""
    found: list[str] = []
    if "refused" in condition:
        found += fact_misses({"refused": condition["refused"]}, outcome)
    rest = {k: v for k, v in condition.items() if k != "refused"}
    found += fact_misses(rest, Outcome(facts=outcome.facts, notes=outcome.notes))
    return tuple(found)


SIMULATOR = Simulator(
    name="pipeline-artifacts",
    facts=FACTS,
    ranked=(),
    build=_build,
    run=_run,
    misses=_misses,
)
