"""`ecsprep simulate capacity`: how a capacity provider strategy shares out tasks.

Reads the strategy from flags or from a RunTask / CreateService request (or a
scenario file holding one), calls ecsprep.sim.capacity and shows the two steps:
the base, then the weights, with the arithmetic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui.scenario_file import FormatOption

if TYPE_CHECKING:
    from fractions import Fraction

    from rich.console import Console

    from ecsprep.sim.capacity import CapacityItem, Split


def capacity(
    request: Annotated[
        Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="A RunTask or CreateService request (JSON/YAML) with capacityProviderStrategy, "
            "or a scenario file holding one.",
            show_default=False,
        ),
    ] = None,
    provider: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--provider",
            help="NAME[:base=N][:weight=N], in strategy order; repeatable. "
            "The weight defaults to 0, as in the API.",
        ),
    ] = None,
    count: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--count", help="Tasks to run (a service's desired count).", min=0),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Show how a capacity provider strategy splits tasks: base first, then weights.

    Examples:

      ecsprep simulate capacity --provider FARGATE:base=2:weight=1
      --provider FARGATE_SPOT:weight=3 --count 10

      ecsprep simulate capacity --provider cp-ondemand:base=3:weight=1
      --provider cp-spot:weight=2 --count 9 --format json

      ecsprep simulate capacity create-service.json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError
        from ecsprep.sim.capacity import split_tasks
        from ecsprep.ui.scenario_file import check_format, show

        check_format(output_format)
        items, file_count = _strategy(request, provider or [])
        wanted = count if count is not None else file_count
        if wanted is None:
            raise InputError("how many tasks? give --count N", "e.g. --count 10")
        show(output_format, split_tasks(items, wanted), split_json, _render)


def _strategy(path: Path | None, flags: list[str]) -> tuple[tuple[CapacityItem, ...], int | None]:
    from ecsprep.errors import InputError
    from ecsprep.sim.capacity import check_capacity_strategy, read_capacity_strategy
    from ecsprep.sim.documents import Where, as_int, as_mapping, read_document

    if path is not None and flags:
        raise InputError("give a request file or --provider flags, not both")
    if flags:
        items = tuple(_parse_provider(text) for text in flags)
        check_capacity_strategy(items, Where("--provider"))
        return items, None
    if path is None:
        raise InputError(
            "no strategy given",
            "use --provider NAME[:base=N][:weight=N] (repeatable) or a request file",
        )
    where = Where(str(path))
    document = as_mapping(read_document(path), where, "a RunTask or CreateService request")
    for key in ("runTask", "createService", "updateService"):  # a scenario file
        if isinstance(document.get(key), dict):
            where = where.key(key)
            document = as_mapping(document[key], where)
            break
    if "capacityProviderStrategy" not in document:
        raise where.refuse(
            "no capacityProviderStrategy here",
            "without one, ECS uses the cluster's defaultCapacityProviderStrategy; "
            "give that with --provider",
        )
    items = read_capacity_strategy(
        document["capacityProviderStrategy"], where.key("capacityProviderStrategy")
    )
    key = "count" if "count" in document else "desiredCount"
    raw = document.get(key)
    return items, None if raw is None else as_int(raw, where.key(key))


def _parse_provider(text: str) -> CapacityItem:
    """`FARGATE_SPOT:weight=3`, `cp-ondemand:base=3:weight=1` (`,` works as well as `:`)."""
    from ecsprep.sim.capacity import MAX_BASE, MAX_WEIGHT, CapacityItem
    from ecsprep.sim.documents import Where, as_int

    name, *settings = text.replace(",", ":").split(":")
    values = {"base": 0, "weight": 0}
    where = Where(f"--provider {text}")
    for setting in settings:
        key, _, value = setting.partition("=")
        if key not in values or not value:
            raise where.refuse(
                f"{setting!r} is not base=N or weight=N", "e.g. --provider FARGATE:base=2:weight=1"
            )
        values[key] = as_int(value, where.key(key))
    if not name:
        raise where.refuse("the capacity provider's name is missing")
    for key, most in (("base", MAX_BASE), ("weight", MAX_WEIGHT)):
        if values[key] > most:
            raise where.key(key).refuse(f"{values[key]} is above the maximum of {most}")
    return CapacityItem(provider=name, base=values["base"], weight=values["weight"])


def split_json(result: Split) -> dict[str, Any]:
    return {
        "count": result.count,
        "capacityProviderStrategy": [
            {"capacityProvider": s.item.provider, "base": s.item.base, "weight": s.item.weight}
            for s in result.shares
        ],
        "tasks": result.tasks(),
        "shares": [
            {
                "capacityProvider": s.item.provider,
                "fromBase": s.from_base,
                "byWeight": s.by_weight,
                "exactWeightedShare": str(s.exact),
                "tasks": s.tasks,
            }
            for s in result.shares
        ],
        "remainingAfterBase": result.remaining,
        "rounded": result.rounded,
    }


def _render(console: Console, result: Split) -> None:
    from rich.table import Table

    strategy = ", ".join(s.item.text for s in result.shares)
    console.print(f"Capacity provider strategy: {strategy}; {result.count} task(s)", markup=False)
    based = next((s for s in result.shares if s.from_base), None)
    if based is not None:
        console.print(
            f"1. Base first: {based.item.provider} gets {based.from_base} "
            f"({result.remaining} left for the weights).",
            markup=False,
        )
    else:
        console.print("1. Base: none set, so every task is shared by weight.", markup=False)
    weighted = any(s.item.weight for s in result.shares)  # else a lone weight-0 provider
    weights = [s.item.weight if weighted else 1 for s in result.shares]
    total = sum(weights)
    parts = ", ".join(
        f"{s.item.provider} {result.remaining}×{w}/{total} = {_number(s.exact)}"
        for s, w in zip(result.shares, weights, strict=True)
    )
    ratio = ":".join(str(s.item.weight) for s in result.shares)
    console.print(f"2. Weights {ratio} share the {result.remaining}: {parts}.", markup=False)
    if result.rounded:
        console.print(
            "   Not whole numbers: AWS doesn't document its rounding; ecsprep gives each its "
            "whole part, then the leftover tasks by largest fraction (ties: earlier in the list).",
            markup=False,
            style="dim",
        )
    table = Table(show_edge=False)
    for name in ("Capacity provider", "Base", "Weight", "From base", "By weight", "Tasks"):
        table.add_column(name, justify="left" if name == "Capacity provider" else "right")
    for s in result.shares:
        table.add_row(
            s.item.provider,
            str(s.item.base),
            str(s.item.weight),
            str(s.from_base),
            str(s.by_weight),
            str(s.tasks),
        )
    console.print(table)
    where = "on Fargate" if result.fargate else "on each provider's Auto Scaling group instances"
    console.print(
        f"Each task then runs {where}"
        + ("." if result.fargate else ", placed by the service's or RunTask's strategies."),
        markup=False,
    )


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"
