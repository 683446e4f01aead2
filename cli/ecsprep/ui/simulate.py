"""`ecsprep simulate placement`: run ECS task placement on a scenario and show why.

Parses the flags, builds a Scenario (ecsprep.sim.scenario), calls
ecsprep.sim.placement.place and renders the result: a table per instance,
failures, service events and, with --trace, each task's funnel.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TextIO, TypeVar

import typer

from ecsprep.ui import completion
from ecsprep.ui.scenario_file import check_format, completing

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from rich.console import Console

    from ecsprep.sim.placement import Placement, PlacementResult
    from ecsprep.sim.scenario import Scenario

_E = TypeVar("_E", bound=Enum)

# Each `simulate` subcommand, in --help order: the module that defines it and its function.
PLACEMENT_FORMATS = ("table", "json")

# A subcommand's module is imported only when that subcommand is wanted (see register).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "placement": (__name__, "placement"),
    "capacity": ("ecsprep.ui.simulate_capacity", "capacity"),
    "deployment": ("ecsprep.ui.simulate_deployment", "deployment"),
    "fargate": ("ecsprep.ui.simulate_fargate", "fargate"),
    "ecr-lifecycle": ("ecsprep.ui.simulate_ecr", "ecr_lifecycle"),
    "credentials": ("ecsprep.ui.simulate_credentials", "credentials"),
    "registration": ("ecsprep.ui.simulate_registration", "registration"),
    "question": ("ecsprep.ui.simulate_question", "question"),
    "scaling": ("ecsprep.ui.simulate_scaling", "scaling"),
    "ecr-access": ("ecsprep.ui.simulate_ecr_access", "ecr_access"),
    "load-balancing": ("ecsprep.ui.simulate_load_balancing", "load_balancing"),
    "events": ("ecsprep.ui.simulate_events", "events"),
    "platform-fit": ("ecsprep.ui.simulate_platform_fit", "platform_fit"),
    "pipeline-artifacts": ("ecsprep.ui.simulate_pipeline_artifacts", "pipeline_artifacts"),
    "lifecycle": ("ecsprep.ui.simulate_lifecycle", "lifecycle"),
    "service-discovery": ("ecsprep.ui.simulate_service_discovery", "service_discovery"),
    "ecr-replication": ("ecsprep.ui.simulate_ecr_replication", "ecr_replication"),
    "observability": ("ecsprep.ui.simulate_observability", "observability"),
    "front-door": ("ecsprep.ui.simulate_front_door", "front_door"),
    "ecr-scanning": ("ecsprep.ui.simulate_ecr_scanning", "ecr_scanning"),
    "managed-scaling": ("ecsprep.ui.simulate_managed_scaling", "managed_scaling"),
    "releases": ("ecsprep.ui.simulate_releases", "releases"),
}


def simulate_app(only: str | None = None) -> typer.Typer:
    """The `simulate` group: every subcommand, or only `only` (its module alone is imported)."""
    from importlib import import_module

    group = typer.Typer(
        name="simulate",
        help="Simulators: watch ECS decide where tasks run.",
        no_args_is_help=True,
        rich_markup_mode="rich",
    )
    for name, (module, function) in SUBCOMMANDS.items():
        if only is None or name == only:
            group.command(name)(getattr(import_module(module), function))
    return group


def register(app: typer.Typer, argv: Sequence[str] = ()) -> None:
    """Add `simulate` to the root app.

    When `argv` (the command line after `ecsprep`) names a subcommand, as in
    `ecsprep simulate placement ...`, only that one is built, like the root app
    does for top-level commands (app.main); anything else gets them all.
    """
    only = argv[1] if len(argv) > 1 and argv[0] == "simulate" else None
    app.add_typer(simulate_app(only if only in SUBCOMMANDS else None), name="simulate")


def placement(
    scenario: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A scenario file (YAML or JSON), or the name of a shipped scenario (see --list).",
            show_default=False,
            autocompletion=completion.scenario_names,
        ),
    ] = None,
    instances: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--instances", help="describe-container-instances output (JSON/YAML)."),
    ] = None,
    task_definition: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--task-definition", help="register-task-definition input or describe output."
        ),
    ] = None,
    fleet: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--fleet", help="Made-up instances: COUNTxTYPE\\[@AZ,AZ…]; repeatable."),
    ] = None,
    cpu: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--cpu", help="CPU units of a one-container task \\[default: 256].", min=0),
    ] = None,
    memory: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--memory", help="MiB of a one-container task \\[default: 512].", min=0),
    ] = None,
    port: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--port", help="CONTAINER\\[:HOST]\\[/udp]: 80 is dynamic, 80:80 static."),
    ] = None,
    network_mode: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--network-mode", help="bridge, host or awsvpc \\[default: bridge]."),
    ] = None,
    count: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--count", help="Tasks to run (a service's desired count).", min=0),
    ] = None,
    group: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--group", help="RunTask task group \\[default: family:<family>]."),
    ] = None,
    service: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--service", help="Place as the service NAME (CreateService)."),
    ] = None,
    strategy: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--strategy", help="TYPE\\[:FIELD], in order, e.g. binpack:memory; repeatable."
        ),
    ] = None,
    constraint: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--constraint", help="distinctInstance or 'memberOf:EXPRESSION'; repeatable."),
    ] = None,
    launch_type: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--launch-type", help="EC2 or FARGATE \\[default: EC2]."),
    ] = None,
    seed: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--seed", help="Break ties (and draw random) with this seed."),
    ] = None,
    trace: Annotated[
        bool, typer.Option("--trace", help="Show each task's funnel and why the winner won.")
    ] = False,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="table or json (a RunTask-shaped response).",
            autocompletion=completing(PLACEMENT_FORMATS),
        ),
    ] = "table",
    list_scenarios: Annotated[
        bool, typer.Option("--list", help="List the shipped example scenarios.")
    ] = False,
) -> None:
    """Simulate ECS task placement (EC2 launch type) and show why each task went where.

    Examples:

      ecsprep simulate placement --fleet 3xm5.large --memory 2048 --count 6
      --strategy binpack:memory --trace

      ecsprep simulate placement --fleet 2xm5.large --port 80:80 --count 3

      ecsprep simulate placement --fleet 4xm5.large@us-east-1a,us-east-1b --count 4
      --strategy spread:attribute:ecs.availability-zone --strategy binpack:memory

      ecsprep simulate placement --fleet 2xt3.medium --fleet 2xm5.large --count 2
      --constraint 'memberOf:attribute:ecs.instance-type =~ t3.*'

      ecsprep simulate placement --fleet 3xm5.large --count 4 --constraint distinctInstance

      ecsprep simulate placement spread-az-then-binpack --trace

      ecsprep simulate placement scenario.yaml --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        check_format(output_format, PLACEMENT_FORMATS)
        if list_scenarios:
            _list(output_format)
            return
        from ecsprep.sim.constraints import parse_constraint
        from ecsprep.sim.placement import place
        from ecsprep.sim.scenario import Overrides, load_scenario
        from ecsprep.sim.strategies import parse_strategy
        from ecsprep.sim.taskdef import LaunchType, NetworkMode

        overrides = Overrides(
            instances_file=instances,
            fleet=tuple(fleet or ()),
            task_definition_file=task_definition,
            cpu=cpu,
            memory=memory,
            ports=tuple(port or ()),
            network_mode=_choice(NetworkMode, network_mode, "--network-mode", lower=True),
            count=count,
            group=group,
            service=service,
            strategies=tuple(parse_strategy(text) for text in strategy or ()),
            constraints=tuple(parse_constraint(text) for text in constraint or ()),
            launch_type=_choice(LaunchType, launch_type, "--launch-type", lower=False),
            seed=seed,
        )
        path = _resolve(scenario) if scenario else None
        import gc
        import sys

        # A big run builds hundreds of thousands of small objects that form no
        # cycles; the cyclic collector would walk them again and again for
        # nothing (about a tenth of the run). The process ends soon after.
        gc.disable()
        try:
            loaded, drawn = _seed_for_random(load_scenario(path, overrides))
            if drawn and output_format == "json":
                sys.stderr.write(
                    f"note: strategy random with no seed: drew seed {loaded.seed} "
                    f"(replay with --seed {loaded.seed})\n"
                )
            shown = _progress_line(sys.stderr)
            result = place(loaded, trace=trace, progress=shown)
            if shown is not None:
                shown(0, 0)  # clear the line
            if output_format == "json":
                from ecsprep.sim.report import write_response

                write_response(result, sys.stdout, with_trace=trace)
            else:
                from ecsprep.ui.console import out

                render_result(out(), result, trace=trace, seed_drawn=drawn)
        finally:
            gc.enable()


def _seed_for_random(scenario: Scenario) -> tuple[Scenario, bool]:
    """A random strategy with no seed draws fresh randomness, and says which seed it drew.

    The core is deterministic (randomness comes in as the seed), so without this
    `--strategy random` would place the same way every run. The drawn seed is
    shown, so a run can be replayed with `--seed N`. True when a seed was drawn.
    """
    from ecsprep.sim.strategies import StrategyType

    if scenario.seed is not None or all(
        s.type is not StrategyType.RANDOM for s in scenario.strategies
    ):
        return scenario, False
    import dataclasses
    import random

    seed = random.SystemRandom().randrange(2**31)
    return dataclasses.replace(scenario, seed=seed), True


def _progress_line(stream: TextIO) -> Callable[[int, int], None] | None:
    """On a terminal, a line on stderr that counts the tasks placed (long runs
    call it every 10,000 tasks); nothing in a pipe, so stdout stays clean JSON."""
    if not stream.isatty():
        return None

    def show(placed: int, wanted: int) -> None:
        if wanted:
            stream.write(f"\rplacing tasks: {placed:,} of {wanted:,}…")
        else:
            stream.write("\r\033[K")
        stream.flush()

    return show


def _choice(enum: type[_E], text: str | None, flag: str, *, lower: bool) -> _E | None:
    if text is None:
        return None
    from ecsprep.errors import InputError

    value = text.lower() if lower else text.upper()
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum)
        raise InputError(f"{flag} {text!r}: use one of {allowed}") from None


def _shipped() -> dict[str, Path]:
    from ecsprep.sim.scenario import shipped_scenarios

    return shipped_scenarios()


def _resolve(name: str) -> Path:
    from ecsprep.sim.scenario import SCENARIO_SUFFIXES

    path = Path(name)
    if path.is_file():
        return path
    shipped = _shipped()
    stem = path.stem if path.suffix in SCENARIO_SUFFIXES else name
    if stem in shipped and path.parent == Path("."):
        return shipped[stem]
    import difflib

    from ecsprep.errors import NotFoundError

    error = NotFoundError(
        "scenario file or shipped scenario", name, difflib.get_close_matches(stem, list(shipped))
    )
    error.exit_code = error.exit_code.USAGE
    if not error.hint:
        error.hint = "list the shipped scenarios with `ecsprep simulate placement --list`"
    raise error


def _list(output_format: str) -> None:
    from ecsprep.sim.documents import read_document

    rows = []
    for name, path in _shipped().items():
        data = read_document(path)
        description = data.get("description", "") if isinstance(data, dict) else ""
        rows.append((name, str(description)))
    if output_format == "json":
        from ecsprep.ui.console import print_json

        print_json([{"name": name, "description": text} for name, text in rows])
        return
    from rich.table import Table

    from ecsprep.ui.console import out

    table = Table(title="Shipped scenarios", title_justify="left", show_edge=False)
    table.add_column("Name", no_wrap=True)
    table.add_column("What it shows")
    for name, text in rows:
        table.add_row(name, text)
    out().print(table)
    out().print("Run one with: ecsprep simulate placement NAME [--trace]")


# --- rendering -----------------------------------------------------------------


def render_result(
    console: Console, result: PlacementResult, *, trace: bool, seed_drawn: bool = False
) -> None:
    """The table per instance, failures, events and, with `trace`, each task's funnel.

    `seed_drawn`: the seed was drawn for this run (random with no --seed); say so."""
    scenario = result.scenario
    console.print(_headline(result, seed_drawn=seed_drawn))
    if result.fargate:
        for note in result.notes:
            console.print(f"• {note}")
        console.print("Nothing placed: FARGATE has no container instances to choose from.")
        return
    if trace:
        for placement in result.placements:
            _render_trace(console, placement, result)
        if result.unplaced_trace is not None:
            _render_unplaced_trace(console, result)
    console.print(_instances_table(result))
    if result.stopped:
        draining = {o.arn for o in result.instances if o.status == "DRAINING"}
        drained = any(stopped.instance_arn in draining for stopped in result.stopped)
        why = "draining" if drained else "scale-in"
        if scenario.request.daemon:  # stopped where the constraints no longer hold
            why = "DAEMON"
        console.print(f"[bold]Stopped ({why})[/bold]")
        for stopped in result.stopped:
            task, instance = _short(stopped.task_arn), _short(stopped.instance_arn)
            console.print(f"  task {task} on {instance}: {stopped.why}", overflow="fold")
    if result.unplaced:
        _render_failures(console, result)
    from ecsprep.sim.report import service_events

    events = service_events(result)
    if events:
        console.print("[bold]Service events[/bold] (oldest first)")
        for event in events:
            console.print(f"  {event}", overflow="fold")
    for note in result.notes:
        console.print(f"note: {note}", style="dim", overflow="fold")
    console.print(summary(result))
    del scenario


def _headline(result: PlacementResult, *, seed_drawn: bool = False) -> str:

    scenario = result.scenario
    request = scenario.request
    strategies = ", then ".join(s.text for s in result.strategies) or "none"
    if request.daemon:
        strategies = "none (DAEMON: one task on each instance that meets the constraints)"
    elif request.strategies is None and not result.fargate:
        strategies += " (default)"
    constraints = ", ".join(c.text for c in scenario.constraints) or "none"
    if scenario.seed is None and any(s.type.value == "random" for s in result.strategies):
        # simulate question: checks must repeat, so random draws from a fixed generator
        seed = (
            "none (random draws the same fixed sequence every run; ties go to registration order)"
        )
    elif scenario.seed is None:
        seed = "none (ties go to registration order)"
    elif seed_drawn:
        seed = f"random ({scenario.seed}; replay with --seed {scenario.seed})"
    else:
        seed = str(scenario.seed)
    lines = [
        f"{request_text(scenario)}, group {result.group}",
        f"{_launched_by(scenario)}; strategy: {strategies}",
        f"Constraints: {constraints}; seed: {seed}",
    ]
    return "\n".join(lines)


def _launched_by(scenario: Scenario) -> str:
    capacity = scenario.request.capacity
    if capacity:
        return "Capacity provider strategy " + ", ".join(item.text for item in capacity)
    return f"Launch type {scenario.request.launch_type.value}"


def request_text(scenario: Scenario) -> str:
    """`RunTask: count 2 of web (256 CPU units, 512 MiB, bridge mode)`, or the service's."""
    from ecsprep.sim.scenario import RequestKind

    task, request = scenario.task, scenario.request
    if request.kind is RequestKind.SERVICE:
        what = f"Service {request.service_name}: desired count {request.count}"
    else:
        what = f"RunTask: count {request.count}"
    size = f"{task.cpu} CPU units, {task.memory} MiB, {task.network_mode.value} mode"
    return f"{what} of {task.name} ({size})"


def _instances_table(result: PlacementResult) -> object:
    from rich.table import Table

    ports_by_instance: dict[str, list[str]] = {}
    for placement in result.placements:
        for binding in placement.bindings:
            if binding.host_port == binding.container_port and (
                result.scenario.task.network_mode.value == "awsvpc"
            ):
                continue
            suffix = "/udp" if binding.protocol.value == "udp" else ""
            ports_by_instance.setdefault(placement.instance_arn, []).append(
                f"{binding.host_port}{suffix}"
            )
    from rich import box

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, justify in (
        ("Instance", "left"),
        ("Type", "left"),
        ("AZ", "left"),
        ("Status", "left"),
        ("Placed", "right"),
        ("Group", "right"),
        ("CPU left", "right"),
        ("MiB left", "right"),
        ("Ports placed", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for outcome in result.instances:
        ports = ports_by_instance.get(outcome.arn, [])
        shown = ", ".join(ports[:6]) + (f" +{len(ports) - 6}" if len(ports) > 6 else "")
        table.add_row(
            outcome.label or _short(outcome.arn),
            outcome.instance_type or "?",
            outcome.zone or "?",
            outcome.status,
            str(outcome.placed),
            str(outcome.group_tasks),
            f"{outcome.remaining_cpu}/{outcome.registered_cpu}",
            f"{outcome.remaining_memory}/{outcome.registered_memory}",
            shown or "-",
        )
    return table


def _render_failures(console: Console, result: PlacementResult) -> None:
    from collections import Counter

    console.print(
        f"[bold]Failures[/bold]: {result.unplaced} task(s) not placed; "
        "what each ACTIVE instance failed first:"
    )
    names = _names(result)
    if len(result.failures) <= 12:
        for failure in result.failures:
            where = names.get(failure.arn, _short(failure.arn)) if failure.arn else "(cluster)"
            detail = f" (missing {failure.detail})" if failure.detail else ""
            console.print(f"  {where}: {failure.reason.value}{detail}", overflow="fold")
    else:
        for reason, n in Counter(f.reason.value for f in result.failures).most_common():
            console.print(f"  {n} instances: {reason}")


def _render_trace(console: Console, placement: Placement, result: PlacementResult) -> None:
    trace = placement.trace
    if trace is None:
        return
    console.print(
        f"[bold]Task {placement.number}[/bold] → "
        f"{_names(result).get(placement.instance_arn, _short(placement.instance_arn))} "
        f"(decided by {trace.decided_by})",
        overflow="fold",
    )
    funnel = {step.step: step.candidates for step in trace.funnel}
    parts = [f"{funnel['ACTIVE']} active"]
    if "eni" in funnel:
        parts.append(f"{funnel['eni']} with resources")
    for constraint in result.scenario.constraints:
        if constraint.text in funnel:
            parts.append(f"{funnel[constraint.text]} after {constraint.text}")
    for step in trace.funnel:
        if step.step in {s.text for s in result.strategies}:
            parts.append(f"{step.candidates} after {step.step}")
    console.print("  funnel: " + " → ".join(parts), overflow="fold")
    for ranked in trace.strategy_steps:
        unit = _unit(ranked.strategy.field)
        value = f" ({ranked.value})" if ranked.value is not None else ""
        dropped = f"; next best {ranked.next_best}{unit}" if ranked.next_best is not None else ""
        console.print(
            f"  {ranked.strategy.text}: kept {ranked.kept} at {ranked.best}{unit}{value}{dropped}",
            overflow="fold",
        )
    if trace.rejected:
        from collections import Counter

        if len(trace.rejected) <= 6:
            listed = ", ".join(f"{_short(arn)} {reason.value}" for arn, reason in trace.rejected)
        else:
            counts = Counter(reason.value for _, reason in trace.rejected)
            listed = ", ".join(f"{n}× {reason}" for reason, n in counts.most_common())
        console.print(f"  rejected: {listed}", overflow="fold")


def _render_unplaced_trace(console: Console, result: PlacementResult) -> None:
    """The funnel of the first task no instance could take: where it emptied and why."""
    trace = result.unplaced_trace
    assert trace is not None
    number = len(result.placements) + 1
    console.print(f"[bold]Task {number}[/bold] → not placed ({trace.decided_by})", overflow="fold")
    from itertools import pairwise

    funnel = trace.funnel
    steps = [  # only the steps that dropped instances, up to the one that emptied it
        f"{step.candidates} after {step.step}"
        for before, step in pairwise(funnel)
        if step.candidates < before.candidates
    ]
    console.print(
        "  funnel: " + " → ".join([f"{trace.funnel[0].candidates} active", *steps]),
        overflow="fold",
    )


def _unit(field: str | None) -> str:
    if field == "memory":
        return " MiB left"
    if field == "cpu":
        return " CPU units left"
    return " tasks"


def summary(result: PlacementResult) -> str:
    """One line: placed, on how many instances, stopped, and why the rest were not."""
    if result.providers and result.fargate:
        return "On Fargate, by capacity provider: " + ", ".join(
            f"{tasks} on {name}" for name, tasks in result.providers
        )
    if result.fargate:
        return (
            "FARGATE: no container instances to choose, so strategies and constraints don't apply."
        )
    placed = len(result.placements)
    wanted = placed + result.unplaced
    used = len({p.instance_arn for p in result.placements})
    text = f"Placed {placed} of {wanted} task(s) on {used} of {len(result.instances)} instance(s)"
    if result.stopped:
        where = ", ".join(_short(stopped.instance_arn) for stopped in result.stopped)
        text += f"; stopped {len(result.stopped)} (on {where})"
    if result.providers:
        text += (
            " (by capacity provider: "
            + ", ".join(f"{tasks} for {name}" for name, tasks in result.providers)
            + ")"
        )
    if result.unplaced:
        reasons = sorted({f.reason.value for f in result.failures})
        text += f"; {result.unplaced} not placed ({', '.join(reasons)})"
    return text + "."


def _names(result: PlacementResult) -> dict[str, str]:
    """Instance ARN → the name shown: its EC2 instance ID where the input gave one."""
    return {outcome.arn: outcome.label or _short(outcome.arn) for outcome in result.instances}


def _short(arn: str) -> str:
    """The last part of an ARN, cut to 12 characters (a UUID is long)."""
    tail = arn.rsplit("/", 1)[-1]
    return tail if len(tail) <= 12 else tail[:8] + "…"
