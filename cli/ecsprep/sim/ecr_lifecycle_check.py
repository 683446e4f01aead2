"""ECR lifecycle policy evaluation as a question's check runs it
(`simulator: ecr-lifecycle`).

The scenario is `{lifecyclePolicy: {rules: [...]}, imageDetails: [...], now: ...}`
in AWS's shapes (put-lifecycle-policy and describe-images). A policy ECR refuses is
refused with the rule it breaks. Facts: accepted, expired, archived, kept (image
names, oldest first: an image's first tag, or its short digest), expired_count,
archived_count, by_rule (image → the priority of the rule that acted on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_lifecycle import LifecycleResult, read_and_evaluate
from ecsprep.sim.simulators import Outcome, Simulator

FACTS = ("accepted", "expired", "archived", "kept", "expired_count", "archived_count", "by_rule")


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> LifecycleResult:
    del folder, name
    return read_and_evaluate(document, where)


def step_lines(result: LifecycleResult) -> list[str]:
    lines = []
    for step in result.steps:
        line = (
            f"{step.rule.text}: matches {', '.join(step.matched) or 'nothing'}; "
            f"its count picks {', '.join(step.selected) or 'nothing'}; "
            f"{step.rule.action.value}s {', '.join(step.acted) or 'nothing'}"
        )
        if step.skipped:
            line += "; skips " + ", ".join(f"{name} ({why})" for name, why in step.skipped)
        lines.append(line)
    return lines


def _run(result: LifecycleResult) -> Outcome:
    notes = step_lines(result)
    if any(r.count_type == "sinceImagePulled" for r in result.rules) and any(
        i.pulled_at is None for i in result.images
    ):
        notes.append(
            "INF: an image never pulled counts its days for sinceImagePulled from its push"
        )
    expired, archived = result.names_expired(), result.names_archived()
    summary = (
        f"Expires {', '.join(expired) or 'nothing'}; archives {', '.join(archived) or 'nothing'}; "
        f"keeps {len(result.decisions) - len(expired) - len(archived)} of {len(result.decisions)}."
    )
    return Outcome(facts=result.facts(), notes=tuple(notes), summary=summary, result=result)


SIMULATOR = Simulator(
    name="ecr-lifecycle",
    facts=FACTS,
    ranked=("expired_count", "archived_count"),
    build=_build,
    run=_run,
)
