"""`ecsprep simulate ecr-lifecycle`: which images an ECR lifecycle policy expires or
archives, rule by rule.

Reads a lifecycle policy (put-lifecycle-policy / get-lifecycle-policy JSON) and the
images (describe-images output), or one scenario file holding both, calls
ecsprep.sim.ecr_lifecycle and shows what each rule matched, picked and did, then every
image's fate. A policy ECR refuses exits 2 with the rule it breaks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.ecr_lifecycle import LifecycleResult


def ecr_lifecycle(
    policy: Annotated[
        Path,
        typer.Argument(
            help="A lifecycle policy {rules: [...]} (or get-lifecycle-policy output), or a "
            "scenario {lifecyclePolicy, imageDetails, now}.",
            show_default=False,
        ),
    ],
    images: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Option("--images", help="describe-images output (JSON/YAML)."),
    ] = None,
    now: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--now", help="When the policy runs (ISO 8601); default: now."),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Evaluate an ECR lifecycle policy over a repository's images: which expire or are
    archived, and by which rule.

    Examples:

      ecsprep simulate ecr-lifecycle policy.json --images describe-images.json

      ecsprep simulate ecr-lifecycle scenario.yaml --format json

      ecsprep simulate ecr-lifecycle policy.json --images images.json --now 2025-06-01T00:00:00Z
    """
    from ecsprep.ui.console import reported

    with reported():
        from datetime import datetime, timezone

        from ecsprep.sim.documents import Where, read_document
        from ecsprep.sim.ecr_lifecycle import read_and_evaluate
        from ecsprep.ui.scenario_file import check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(policy, "a lifecycle policy")
        if "lifecyclePolicy" not in document:
            document = {"lifecyclePolicy": document}
        if images is not None:
            document["imageDetails"] = read_document(images)
            where = Where(f"{policy} + {images}")
        if now is not None:
            document["now"] = now
        result = read_and_evaluate(document, where, now=datetime.now(timezone.utc))
        show(output_format, result, lifecycle_json, render)


def lifecycle_json(result: LifecycleResult) -> dict[str, Any]:
    return {
        **result.facts(),
        "now": result.now.isoformat(),
        "rules": [
            {
                "rulePriority": step.rule.priority,
                "text": step.rule.text,
                "matched": list(step.matched),
                "selected": list(step.selected),
                "acted": list(step.acted),
                "skipped": [{"image": name, "why": why} for name, why in step.skipped],
            }
            for step in result.steps
        ],
        "images": [
            {
                "imageDigest": d.image.digest,
                "imageTags": list(d.image.tags),
                "name": d.image.name,
                "action": d.action.value,
                "rulePriority": d.rule,
            }
            for d in result.decisions
        ],
    }


def render(console: Console, result: LifecycleResult) -> None:
    from rich.table import Table

    from ecsprep.sim.ecr_lifecycle_check import step_lines

    console.print(
        f"{len(result.images)} image(s), {len(result.rules)} rule(s), evaluated at "
        f"{result.now.isoformat()}; rules apply in rulePriority order:",
        markup=False,
    )
    for line in step_lines(result):
        console.print(f"  {line}", markup=False)
    table = Table(show_edge=False)
    for name in ("Image", "Tags", "Pushed", "Last pulled", "Result", "Rule"):
        table.add_column(name)
    for d in result.decisions:
        table.add_row(
            d.image.name,
            ", ".join(d.image.tags) or "(untagged)",
            d.image.pushed_at.date().isoformat(),
            d.image.pulled_at.date().isoformat() if d.image.pulled_at else "-",
            {"expire": "expired", "transition": "archived", "keep": "kept"}[d.action.value],
            str(d.rule) if d.rule is not None else "-",
        )
    console.print(table)
    console.print(
        "ECR applies a policy within 24 hours; run a lifecycle policy preview first.",
        markup=False,
        style="dim",
    )
