"""`ecsprep simulate ecr-scanning`: what ECR scans, when and with which engine, the
findings and EventBridge events that result, what a pipeline's scan gate decides, how
images are encrypted and which signatures exist.

Reads a scenario file (docs/ecr-scanning.md): the registry scanning configuration
(PutRegistryScanningConfiguration), repositories (DescribeRepositories), the signing
configuration and Signer profiles, EventBridge rules, vulnerability advisories and a
timeline of events. Flags add pushes. Calls ecsprep.sim.ecr_scanning.run and prints each
decision with the doc page of the rule it applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption, fact_lines

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.ecr_scanning import Run


def ecr_scanning(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML/JSON): registryScanningConfiguration, repositories, "
            "signingConfiguration, signingProfiles, rules, advisories, events.",
            show_default=False,
        ),
    ],
    push: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Option(
            "--push",
            help="An image (repository:tag) to push after the scenario's events; repeatable.",
        ),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Play pushes, scans, gates and signing against an ECR registry: what is scanned
    when, by which engine, what findings and events result, what is signed.

    Examples:

      ecsprep simulate ecr-scanning scenario.yaml

      ecsprep simulate ecr-scanning scenario.yaml --push app:2.0

      ecsprep simulate ecr-scanning scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.ecr_scanning import read_setup, run, to_json
        from ecsprep.ui.scenario_file import add_items, check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "an ecr-scanning scenario")
        add_items(document, where, "events", ({"push": image} for image in push or ()))
        show(output_format, run(read_setup(document, where)), to_json, render)


def render(console: Console, result: Run) -> None:
    from ecsprep.sim.ecr_scanning_check import step_lines

    console.print(f"Registry scanning: {result.setup.scan_type}", markup=False)
    if result.setup.description:
        console.print(result.setup.description, markup=False, style="dim")
    for line in step_lines(result):
        console.print(line, markup=False)
    facts = result.facts()
    rows = (
        ("Scans", "scans"),
        ("Events", "events"),
        ("Errors", "errors"),
        ("Gates", "gates"),
        ("Deployed", "deployed"),
    )
    fact_lines(console, facts, rows, always=("scans", "events"), empty="none")
    for label, name in (
        ("Findings", "findings"),
        ("Signatures", "signatures"),
        ("Encryption", "encryption"),
        ("Delivered", "delivered"),
    ):
        mapping = facts[name]
        assert isinstance(mapping, dict)
        for key, value in mapping.items():
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            console.print(f"{label} {key}: {shown or 'none'}", markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, style="dim")
