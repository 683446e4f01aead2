"""`ecsprep simulate ecr-replication`: what ECR replicates, creates and caches on your
behalf, and why.

Reads a scenario file (docs/ecr-replication.md): the private registries with their
replication configuration, registry policy, pull through cache rules, repository
creation templates and repositories, the principal, the upstream registries' images and
the events (push, pull, delete, startReplicationBackfill, upstreamPush, wait). Flags add
events. Calls ecsprep.sim.ecr_replication.run (the package cli/ecsprep/sim/ecr_replication/)
and prints each decision with the doc page of the rule it applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption, fact_lines

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.ecr_replication import Run


def ecr_replication(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML/JSON): registries, principal, upstream, events.",
            show_default=False,
        ),
    ],
    push: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Option(
            "--push", help="An image URI to push after the scenario's events; repeatable."
        ),
    ] = None,
    pull: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--pull", help="An image URI to pull after the scenario's events; repeatable."
        ),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Play pushes and pulls against ECR registries: what is replicated, created, cached.

    Examples:

      ecsprep simulate ecr-replication scenario.yaml

      ecsprep simulate ecr-replication scenario.yaml
      --push 111122223333.dkr.ecr.us-east-1.amazonaws.com/prod/app:2.0

      ecsprep simulate ecr-replication scenario.yaml
      --pull 111122223333.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/redis:7

      ecsprep simulate ecr-replication scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.ecr_replication import read_setup, run, to_json
        from ecsprep.ui.scenario_file import add_items, check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "an ecr-replication scenario")
        flags = [{"push": uri} for uri in push or ()] + [{"pull": uri} for uri in pull or ()]
        add_items(document, where, "events", flags)
        show(output_format, run(read_setup(document, where)), to_json, render)


def render(console: Console, result: Run) -> None:
    from ecsprep.sim.ecr_replication_check import step_lines

    registries = ", ".join(r.key for r in result.setup.registries)
    console.print(f"Registries: {registries}", markup=False)
    if result.setup.description:
        console.print(result.setup.description, markup=False, style="dim")
    for line in step_lines(result):
        console.print(line, markup=False)
    facts = result.facts()
    rows = (
        ("Pushed", "pushed"),
        ("Pulled", "pulled"),
        ("Replicated", "replicated"),
        ("Replication failed", "replication_failed"),
        ("Created", "created"),
        ("Refreshed from upstream", "refreshed"),
    )
    fact_lines(console, facts, rows, always=("pushed", "pulled", "replicated"), empty="nothing")
    images = facts["images"]
    assert isinstance(images, dict)
    for key, tags in images.items():
        console.print(f"In {key}: {', '.join(tags) or 'no images'}", markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, style="dim")
