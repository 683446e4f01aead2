"""`ecsprep simulate front-door`: how a request reaches an ECS service through API Gateway,
CloudFront, AWS WAF and a load balancer, and why each hop accepts, forwards or blocks it.

Reads a scenario file (docs/front-door.md) in AWS's shapes; `--request URL` adds requests.
Calls ecsprep.sim.front_door.run (the package cli/ecsprep/sim/front_door/) and prints each
request's decision list with the doc page of the rule applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.front_door import Run


def front_door(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML/JSON): load balancers, APIs, distributions, web ACLs, "
            "requests.",
            show_default=False,
        ),
    ],
    request: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Option(
            "--request", help="A URL to request after the scenario's requests; repeatable."
        ),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Play requests through front doors to ECS services: who accepts, forwards or blocks.

    Examples:

      ecsprep simulate front-door scenario.yaml

      ecsprep simulate front-door scenario.yaml
      --request https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders/42

      ecsprep simulate front-door scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.sim.front_door import read_setup, run, to_json
        from ecsprep.ui.scenario_file import add_items, check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "a front-door scenario")
        flags = ({"name": f"--request {i}", "url": url} for i, url in enumerate(request or (), 1))
        add_items(document, where, "requests", flags)
        show(output_format, run(read_setup(document, where)), to_json, render)


def render(console: Console, result: Run) -> None:
    from ecsprep.sim.front_door_check import MARKS, outcome_text

    if result.setup.description:
        console.print(result.setup.description, markup=False, style="dim")
    if not result.trips:
        console.print("No requests to play: add requests or --request URL.", markup=False)
    for trip in result.trips:
        console.print(f"{trip.request.name}: {trip.request.url}", markup=False, style="bold")
        for d in trip.decisions:
            inf = " (INF)" if d.inferred and "INF" not in d.what else ""
            console.print(f"  {MARKS[d.verdict]} {d.hop}: {d.what}{inf}", markup=False)
            if d.rule:
                console.print(f"      rule: {d.rule}", markup=False, style="dim", soft_wrap=True)
        console.print(f"  ⇒ {outcome_text(trip)}", markup=False)
    facts = result.facts()
    public = facts["public_endpoints"]
    assert isinstance(public, list)
    console.print(
        f"Load balancers: {facts['load_balancers']}; "
        f"internet-facing: {', '.join(public) or 'none'}; "
        f"custom origin headers: {facts['origin_secrets']}",
        markup=False,
    )
    for note in result.notes:
        console.print(f"note: {note}", markup=False, style="dim")
