"""`ecsprep simulate pipeline-artifacts`: CodePipeline's ECS deploy actions and their files.

Reads a scenario (docs/pipeline-artifacts.md), or an artifact folder plus the service's
task definition, runs the checks the ECS (standard) or ECS (Blue/Green) action makes,
step by step, and shows the task definition it would register. Exit 2 when the action
fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.pipeline_artifacts import Deployment

MAX_FILES = 100


def pipeline_artifacts(
    scenario: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A scenario {action, artifact|build, service, taskDefinitions} (JSON/YAML).",
            show_default=False,
        ),
    ] = None,
    action: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--action", help="ECS (standard) or CodeDeployToECS (blue/green)."),
    ] = None,
    artifact: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--artifact", help="A folder holding the input artifact's files (as built)."),
    ] = None,
    task_definition: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--task-definition",
            help="ECS action: the revision the service uses (describe-task-definition output).",
        ),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Validate imagedefinitions.json (ECS standard action) or imageDetail.json, taskdef.json
    and appspec.yaml (ECS blue/green action) as CodePipeline does, and show the task
    definition that would be registered. Exit 2 when the action fails.

    Examples:

      ecsprep simulate pipeline-artifacts --action ECS --artifact build-output/
      --task-definition web-14.json

      ecsprep simulate pipeline-artifacts --action CodeDeployToECS --artifact source/

      ecsprep simulate pipeline-artifacts scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError
        from ecsprep.sim.documents import Where, as_mapping, read_document
        from ecsprep.sim.pipeline_artifacts import deploy
        from ecsprep.ui.scenario_file import check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "a scenario")
        if action is not None:
            document["action"] = action
        if artifact is not None:
            document["artifact"] = _folder(artifact)
            document.pop("build", None)
        if task_definition is not None:
            described = as_mapping(
                read_document(task_definition), Where(str(task_definition)), "a task definition"
            )
            inner = described.get("taskDefinition", described)
            td = dict(as_mapping(inner, Where(str(task_definition)), "a task definition"))
            document["taskDefinitions"] = [td]
            document["service"] = {"taskDefinition": f"{td.get('family')}:{td.get('revision')}"}
        if "artifact" not in document and "build" not in document:
            raise InputError("no input artifact given", "give a scenario file or --artifact DIR")
        result = deploy(document, where)
        show(output_format, result, deployment_json, render)
        if not result.deploys:
            raise typer.Exit(2)


def _folder(path: Path) -> dict[str, str]:
    from ecsprep.errors import InputError

    if not path.is_dir():
        raise InputError(f"{path}: not a folder", "give the folder holding the artifact's files")
    files: dict[str, str] = {}
    for item in sorted(path.iterdir())[:MAX_FILES]:
        if item.is_file():
            try:
                files[item.name] = item.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                files[item.name] = ""  # present, but not text: the action can't parse it
    return files


def deployment_json(result: Deployment) -> dict[str, Any]:
    data: dict[str, Any] = dict(result.facts())
    data["steps"] = [
        {"text": s.text, "ok": s.ok, "code": s.code, "ref": s.ref} for s in result.steps
    ]
    data["taskDefinition"] = result.registered
    return data


def render(console: Console, result: Deployment) -> None:
    name = "Amazon ECS (standard)" if result.action == "ECS" else "Amazon ECS (Blue/Green)"
    console.print(f"Action: {name}, provider {result.action}", markup=False)
    console.print(f"Input artifact: {', '.join(result.files) or 'empty'}", markup=False)
    for number, step in enumerate(result.steps, 1):
        mark = "ok " if step.ok else "FAIL"
        code = f" [{step.code}]" if step.code else ""
        console.print(f"{number}. {mark}{code} {step.text}", markup=False)
        if not step.ok:
            console.print(f"   see {step.ref}", markup=False, style="dim")
    if result.registered is not None:
        console.print(f"Task definition to register ({result.revision}):", markup=False)
        console.print(json.dumps(result.registered, indent=2, default=str), markup=False)
    else:
        from ecsprep.sim.pipeline_artifacts_check import WORDS

        console.print("Nothing is registered: the action fails.", markup=False)
        console.print(WORDS, style="dim", markup=False)
