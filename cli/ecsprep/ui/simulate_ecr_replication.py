"""`ecsprep simulate ecr-replication`: what ECR replicates, creates and caches on your
behalf, and why.

Reads a scenario file (docs/ecr-replication.md): the private registries with their
replication configuration, registry policy, pull through cache rules, repository
creation templates and repositories, the principal, the upstream registries' images and
the events (push, pull, delete, startReplicationBackfill, upstreamPush, wait). Flags add
events. Calls ecsprep.sim.ecr_replication.run and prints each decision with the doc page
of the rule it applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

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
        from ecsprep.errors import InputError
        from ecsprep.sim.documents import Where, as_list, as_mapping, read_document
        from ecsprep.sim.ecr_replication import read_setup, run, to_json

        if output_format not in ("text", "json"):
            raise InputError(f"--format {output_format!r}: use text or json")
        where = Where(str(scenario))
        document: dict[str, Any] = dict(
            as_mapping(read_document(scenario), where, "an ecr-replication scenario")
        )
        extra = [{"push": uri} for uri in push or []] + [{"pull": uri} for uri in pull or []]
        if extra:
            document["events"] = list(as_list(document.get("events", []), where)) + extra
        result = run(read_setup(document, where))
        if output_format == "json":
            from ecsprep.ui.console import print_json

            print_json(to_json(result))
            return
        from ecsprep.ui.console import out

        render(out(), result)


def render(console: Console, result: Run) -> None:
    from ecsprep.sim.ecr_replication_check import step_lines

    registries = ", ".join(r.key for r in result.setup.registries)
    console.print(f"Registries: {registries}", markup=False)
    if result.setup.description:
        console.print(result.setup.description, markup=False, style="dim")
    for line in step_lines(result):
        console.print(line, markup=False)
    facts = result.facts()
    for label, name in (
        ("Pushed", "pushed"),
        ("Pulled", "pulled"),
        ("Replicated", "replicated"),
        ("Replication failed", "replication_failed"),
        ("Created", "created"),
        ("Refreshed from upstream", "refreshed"),
    ):
        values = facts[name]
        assert isinstance(values, list)
        if values or name in ("pushed", "pulled", "replicated"):
            console.print(f"{label}: {', '.join(values) or 'nothing'}", markup=False)
    images = facts["images"]
    assert isinstance(images, dict)
    for key, tags in images.items():
        console.print(f"In {key}: {', '.join(tags) or 'no images'}", markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, style="dim")
