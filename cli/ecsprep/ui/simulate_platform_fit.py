"""`ecsprep simulate platform-fit`: which AWS compute options can run a workload, and why not.

Reads the workload shape (docs/platform-fit.md) from a file and/or flags, calls
ecsprep.sim.platform_fit and shows every option with its documented reasons (INF marks a
reason read from a documented purpose, and the overhead order, which is ecsprep's).
Exit 2 when a --candidate doesn't fit, or when nothing fits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from ecsprep.sim.platform_fit import Fit


def platform_fit(
    scenario: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A scenario file {workload, candidate} (JSON/YAML).", show_default=False
        ),
    ] = None,
    kind: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--kind", help="service, batch or event."),
    ] = None,
    minutes: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option("--minutes", help="How long one run lasts (a service runs continuously)."),
    ] = None,
    vcpu: Annotated[Optional[float], typer.Option("--vcpu", help="vCPUs.")] = None,  # noqa: UP045
    memory: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--memory", help="Memory in MiB."),
    ] = None,
    gpus: Annotated[Optional[int], typer.Option("--gpus", help="GPUs.")] = None,  # noqa: UP045
    os_family: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--os", help="LINUX or WINDOWS."),
    ] = None,
    arch: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--arch", help="X86_64 or ARM64."),
    ] = None,
    image: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option("--image-gib", help="Container image size in GiB."),
    ] = None,
    storage: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option("--storage-gib", help="Ephemeral storage (/tmp, scratch) in GiB."),
    ] = None,
    load: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--load", help="steady or spiky."),
    ] = None,
    need: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--need",
            help="kubernetesApi, daemonOnEveryHost, privileged, customAmi, instanceType, "
            "multiNode, noServersToManage, noInterruptions; repeatable.",
        ),
    ] = None,
    app_runner_customer: Annotated[
        bool,
        typer.Option(
            "--app-runner-customer", help="The account used App Runner before 30 April 2026."
        ),
    ] = False,
    candidate: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--candidate", help="Judge one option: lambda, ecs-fargate, batch-ec2, …"),
    ] = None,
    run_as: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--run-as", help="For ECS candidates: service or task."),
    ] = None,
    spot: Annotated[bool, typer.Option("--spot", help="The candidate uses Fargate Spot.")] = False,
    output_format: FormatOption = "text",
) -> None:
    """Which AWS compute options can run a workload (Lambda, ECS on Fargate/EC2/Managed
    Instances, Batch, EKS, App Runner, Elastic Beanstalk, EC2), and the documented reason
    each other one can't. Exit 2 when the --candidate doesn't fit or nothing fits.

    Examples:

      ecsprep simulate platform-fit --kind batch --minutes 180 --vcpu 4 --memory 12288

      ecsprep simulate platform-fit --kind service --os WINDOWS --vcpu 2 --memory 4096
      --need noServersToManage --candidate ecs-fargate --run-as service

      ecsprep simulate platform-fit --kind batch --minutes 360 --gpus 1 --format json

      ecsprep simulate platform-fit workload.yaml --candidate lambda
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError
        from ecsprep.sim.platform_fit import read_and_fit
        from ecsprep.ui.scenario_file import block, check_format, scenario_document, show

        check_format(output_format)
        document, where = scenario_document(scenario, "a scenario")
        workload = block(document, where, "workload", "a workload")
        for key, value in (
            ("kind", kind),
            ("runMinutes", minutes),
            ("vcpu", vcpu),
            ("memoryMiB", memory),
            ("gpus", gpus),
            ("os", os_family),
            ("architecture", arch),
            ("imageSizeGiB", image),
            ("ephemeralStorageGiB", storage),
            ("load", load),
        ):
            if value is not None:
                workload[key] = value
        if need:
            workload["needs"] = list(need)
        if app_runner_customer:
            workload["appRunnerCustomer"] = True
        if not workload:
            raise InputError("no workload given", "give a scenario file or at least --kind")
        document["workload"] = workload
        if candidate is not None:
            document["candidate"] = {"option": candidate}
        if run_as is not None or spot:
            chosen = block(document, where, "candidate", "a candidate")
            if not chosen:
                raise InputError("--run-as and --spot describe a --candidate: give one")
            if run_as is not None:
                chosen["runAs"] = run_as
            if spot:
                chosen["spot"] = True
            document["candidate"] = chosen
        result = read_and_fit(document, where)
        show(output_format, result, fit_json, render)
        verdict = result.candidate_verdict
        if (verdict is not None and not verdict.fits) or not result.fits:
            raise typer.Exit(2)


def fit_json(result: Fit) -> dict[str, Any]:
    from ecsprep.sim.platform_fit import OVERHEAD_NOTE

    def reasons(verdict: Any) -> list[dict[str, Any]]:
        return [
            {"code": r.code, "text": r.text, "ref": r.ref, "inferred": r.inferred}
            for r in verdict.reasons
        ]

    data: dict[str, Any] = dict(result.facts())
    data["options"] = [
        {"option": v.option.value, "rank": v.option.rank, "fits": v.fits, "reasons": reasons(v)}
        for v in result.verdicts
    ]
    if result.candidate_verdict is not None:
        data["candidateReasons"] = reasons(result.candidate_verdict)
    data["overheadOrder"] = OVERHEAD_NOTE
    return data


def render(console: Console, result: Fit) -> None:
    from rich.table import Table
    from rich.text import Text

    from ecsprep.sim.platform_fit import OVERHEAD_NOTE, TITLES

    w = result.workload
    length = "continuous" if w.run_minutes is None else f"{w.run_minutes:g} min per run"
    needs = ", ".join(sorted(n.value for n in w.needs)) or "nothing special"
    console.print(
        f"Workload: {w.kind.value}, {length}, {w.vcpu:g} vCPU, {w.memory_mib:,} MiB, "
        f"{w.gpus} GPU, {w.os} {w.arch}, image {w.image_gib:g} GiB, storage "
        f"{w.storage_gib:g} GiB, {'spiky' if w.spiky else 'steady'} load; needs: {needs}",
        markup=False,
    )
    table = Table(show_edge=False)
    table.add_column("#", justify="right")
    table.add_column("Option")
    table.add_column("Fits")
    table.add_column("Why not (documented; INF = inferred)")
    for v in result.verdicts:
        why = "; ".join(("INF " if r.inferred else "") + f"[{r.code}] {r.text}" for r in v.reasons)
        table.add_row(str(v.option.rank), TITLES[v.option], "yes" if v.fits else "no", Text(why))
    console.print(table)
    verdict, chosen = result.candidate_verdict, result.candidate
    if verdict is not None and chosen is not None:
        how = f" as a {chosen.run_as}" if chosen.run_as else ""
        how += " on Fargate Spot" if chosen.spot else ""
        if verdict.fits:
            console.print(f"Candidate {chosen.option.value}{how}: fits.", markup=False)
        else:
            console.print(f"Candidate {chosen.option.value}{how}: doesn't fit.", markup=False)
            for r in verdict.reasons:
                label = "INF " if r.inferred else ""
                console.print(f"  {label}[{r.code}] {r.text} ({r.ref})", markup=False)
    best = result.fits[0].value if result.fits else "nothing fits"
    console.print(f"Least operational overhead among those that fit: {best}", markup=False)
    console.print(OVERHEAD_NOTE, style="dim", markup=False)
