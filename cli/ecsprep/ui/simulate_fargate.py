"""`ecsprep simulate fargate`: a task definition checked against AWS Fargate.

Reads a task definition (register-task-definition input, describe-task-definition
output, or a scenario with a runTask / createService request) and/or flags, calls
ecsprep.sim.fargate and shows each rule Fargate applies, in order, with the nearest
valid sizes when the size is invalid. Exit 2 when Fargate refuses the task.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.fargate import FargateCheck


def fargate(
    task_definition: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A task definition (JSON/YAML), a describe-task-definition output, or a "
            "scenario {taskDefinition, runTask|createService}.",
            show_default=False,
        ),
    ] = None,
    cpu: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--cpu", help="Task CPU: units (512) or vCPU ('0.5 vCPU')."),
    ] = None,
    memory: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--memory", help="Task memory: MiB (1024) or GB ('1 GB')."),
    ] = None,
    os_family: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--os", help="LINUX or WINDOWS_SERVER_2022_CORE, …"),
    ] = None,
    arch: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--arch", help="X86_64 or ARM64."),
    ] = None,
    storage: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--storage", help="ephemeralStorage sizeInGiB (21-200)."),
    ] = None,
    platform_version: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--platform-version", help="LATEST (default), 1.4.0, …"),
    ] = None,
    spot: Annotated[
        bool, typer.Option("--spot", help="Launch with the FARGATE_SPOT capacity provider.")
    ] = False,
    output_format: FormatOption = "text",
) -> None:
    """Check a task definition against Fargate: size, OS/architecture, storage, refused
    parameters, platform version and Fargate Spot. Exit 2 when Fargate refuses it.

    Examples:

      ecsprep simulate fargate --cpu 256 --memory 4096

      ecsprep simulate fargate --cpu 512 --memory 1024 --os WINDOWS_SERVER_2019_CORE

      ecsprep simulate fargate taskdef.json --spot --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError
        from ecsprep.sim.fargate import read_and_check
        from ecsprep.ui.scenario_file import check_format, scenario_document, show

        check_format(output_format)
        if task_definition is None and (cpu is None or memory is None):
            raise InputError(
                "no task definition given",
                "give a file, or at least --cpu and --memory (e.g. --cpu 256 --memory 512)",
            )
        document, where = scenario_document(task_definition, "a task definition")
        document = _with_flags(document, cpu, memory, os_family, arch, storage)
        document = _with_launch(document, platform_version, spot)
        result = read_and_check(document, where)
        show(output_format, result, check_json, render)
        if not result.runs:
            raise typer.Exit(2)


def _with_flags(
    document: dict[str, Any],
    cpu: str | None,
    memory: str | None,
    os_family: str | None,
    arch: str | None,
    storage: int | None,
) -> dict[str, Any]:
    scenario = "taskDefinition" in document and "containerDefinitions" not in document
    if scenario and not isinstance(document["taskDefinition"], dict):
        return document  # not an object: the reader refuses it, naming the place
    task = dict(document["taskDefinition"]) if scenario else dict(document)
    if "taskDefinition" in task and isinstance(task["taskDefinition"], dict):
        task = dict(task["taskDefinition"])  # a describe-task-definition output
    if not task:
        task = {
            "family": "flags",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [{"name": "app", "image": "app"}],
        }
    if cpu is not None:
        task["cpu"] = cpu
    if memory is not None:
        task["memory"] = memory
    if (os_family is not None or arch is not None) and isinstance(
        task.get("runtimePlatform") or {}, dict
    ):
        platform = dict(task.get("runtimePlatform") or {})
        if os_family is not None:
            platform["operatingSystemFamily"] = os_family
        if arch is not None:
            platform["cpuArchitecture"] = arch
        task["runtimePlatform"] = platform
    if storage is not None:
        task["ephemeralStorage"] = {"sizeInGiB": storage}
    # The scenario's other keys go on to the reader, which refuses a misspelt `runtask:`.
    rest = {k: v for k, v in document.items() if k != "taskDefinition"} if scenario else {}
    return {"taskDefinition": task, **rest}


def _with_launch(document: dict[str, Any], platform: str | None, spot: bool) -> dict[str, Any]:
    if platform is None and not spot:
        return document
    key = "createService" if "createService" in document else "runTask"
    if not isinstance(document.get(key) or {}, dict):
        return document  # not an object: the reader refuses it, naming the place
    request = dict(document.get(key) or {})
    if platform is not None:
        request["platformVersion"] = platform
    if spot:
        request.pop("launchType", None)
        request["capacityProviderStrategy"] = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    return {**document, key: request}


def check_json(result: FargateCheck) -> dict[str, Any]:
    return {
        **result.facts(),
        "family": result.task.family,
        "findings": [
            {
                "rule": f.rule,
                "ok": f.ok,
                "stage": f.stage.value,
                "message": f.text,
                "awsWords": f.aws_words,
                **({"where": f.where} if f.where else {}),
            }
            for f in result.findings
        ],
    }


def render(console: Console, result: FargateCheck) -> None:
    task = result.task
    size = (
        f"{task.cpu} CPU units, {task.memory} MiB"
        if task.cpu is not None and task.memory is not None
        else "no task-level size"
    )
    console.print(
        f"Task definition {task.family or '(no family)'}: {size}, {task.os} {task.arch}, "
        f"network mode {task.network_mode or '(none: bridge)'}",
        markup=False,
    )
    launch = result.launch
    how = (
        "capacity provider strategy "
        + ", ".join(
            f"{name} (base {base}, weight {weight})" for name, base, weight in launch.providers
        )
        if launch.providers
        else f"launch type {launch.launch_type or 'FARGATE'}"
    )
    console.print(
        f"Launched by {launch.kind} with {how}, platform {launch.platform_version}", markup=False
    )
    for n, finding in enumerate(result.findings, 1):
        mark = "✔" if finding.ok else "✘"
        words = "" if finding.aws_words or finding.ok else " [ecsprep's words]"
        where = f" ({finding.where})" if finding.where else ""
        console.print(
            f"{n:>2}. {mark} {finding.stage.value}: {finding.text}{where}{words}",
            markup=False,
            style=None if finding.ok else "red",
        )
    if result.nearest:
        console.print(
            "Nearest valid sizes: " + "; ".join(s.words for s in result.nearest),
            markup=False,
        )
    if result.runs:
        spot = "eligible" if result.spot_eligible else "not eligible"
        console.print(
            f"Runs on Fargate platform {result.platform}, {result.storage_gib} GiB ephemeral "
            f"storage; FARGATE_SPOT: {spot}.",
            markup=False,
            style="green",
        )
    else:
        console.print(
            f"Fargate refuses it: {len(result.refusals)} rule(s) broken.", markup=False, style="red"
        )
