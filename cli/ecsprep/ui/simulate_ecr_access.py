"""`ecsprep simulate ecr-access`: who may push or pull an ECR image, and what a session
of logins and docker commands really does.

Reads a scenario file (docs/ecr-access.md): the registry, its repositories with their
repository policies, the principal with its identity policies, the CLI and Docker
versions and the commands; flags add a repository policy, an identity policy or
commands. Calls ecsprep.sim.ecr_access.run and shows each command's outcome with the
ECR calls it made and how each was authorized.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.ecr_access import Run


def ecr_access(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML/JSON): registry, repositories, principal, cli, docker, "
            "commands.",
            show_default=False,
        ),
    ],
    repository_policy: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Option(
            "--repository-policy",
            help="A repository policy (get-repository-policy policyText) for the first repository.",
        ),
    ] = None,
    identity_policy: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--identity-policy", help="An IAM policy of the principal; repeatable."),
    ] = None,
    command: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--command", help="A command to run after the scenario's; repeatable."),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Play ECR logins, pulls and pushes: who is allowed, which token, which tag is locked.

    Examples:

      ecsprep simulate ecr-access scenario.yaml

      ecsprep simulate ecr-access scenario.yaml --repository-policy repo-policy.json
      --identity-policy developer.json

      ecsprep simulate ecr-access scenario.yaml
      --command "docker pull 111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1.0"

      ecsprep simulate ecr-access scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError
        from ecsprep.sim.documents import as_list, as_mapping, read_document
        from ecsprep.sim.ecr_access import read_setup, run
        from ecsprep.ui.scenario_file import add_items, check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "an ecr-access scenario")
        if repository_policy is not None:
            repositories = [
                dict(as_mapping(r, where)) for r in as_list(document.get("repositories", []), where)
            ]
            if not repositories:
                raise InputError(
                    "--repository-policy: the scenario has no repository", "add repositories"
                )
            repositories[0]["policy"] = read_document(repository_policy)
            document["repositories"] = repositories
        if identity_policy:
            at = where.key("principal")
            principal = dict(as_mapping(document.get("principal", {}), at))
            add_items(principal, at, "policies", map(read_document, identity_policy))
            document["principal"] = principal
        add_items(document, where, "commands", command or ())
        show(output_format, run(read_setup(document, where)), run_json, render)


def run_json(result: Run) -> dict[str, Any]:
    return {
        **result.facts(),
        "steps": [
            {
                "command": step.command,
                "at": step.at,
                "outcome": step.outcome.value,
                "detail": step.detail,
                "error": step.error,
                "calls": [
                    {
                        "action": call.action,
                        "identity": call.identity.value,
                        "repository": call.repository.value if call.repository else None,
                        "allowed": call.allowed,
                        "why": call.why,
                    }
                    for call in step.calls
                ],
            }
            for step in result.steps
        ],
        "notes": list(result.notes),
    }


def render(console: Console, result: Run) -> None:
    setup = result.setup
    who = "no AWS credentials" if setup.principal.anonymous else setup.principal.arn
    console.print(
        f"Registry {setup.account} in {setup.region}; principal {who}"
        + (" (cross-account)" if setup.principal.account != setup.account else "")
        + f"; AWS CLI {'.'.join(map(str, setup.cli_version))}, Docker "
        + ".".join(map(str, setup.docker_version)),
        markup=False,
    )
    for step in result.steps:
        when = f"[{step.at}] " if step.at else ""
        mark = {"ok": "✔", "failed": "✘", "printed": "→"}[step.outcome.value]
        console.print(f"{mark} {when}$ {step.command}", markup=False)
        console.print(f"    {step.detail}", markup=False, style="dim" if step.error == "" else None)
        for call in step.calls:
            verdict = "allowed" if call.allowed else "DENIED"
            console.print(f"    {call.action}: {verdict} ({call.why})", markup=False)
    facts = result.facts()
    for label, name in (("Logged in", "logins"), ("Pulled", "pulled"), ("Pushed", "pushed")):
        values = facts[name]
        assert isinstance(values, list)
        console.print(f"{label}: {', '.join(values) or 'nothing'}", markup=False)
    if result.token_expires:
        console.print(f"The last token expires at {result.token_expires}.", markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, style="dim")
