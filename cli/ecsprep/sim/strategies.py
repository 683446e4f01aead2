"""Placement strategies: binpack, spread and random, chained in order.

Strategies are best effort: each ranks the candidates that passed every
filter and constraint and keeps the best-ranked ones for the next, so a
strategy never makes a placement fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ecsprep.sim.documents import Where, as_mapping, as_str

MAX_STRATEGIES = 5  # RunTask / CreateService API (one AWS page says four: docs/simulator.md)
INSTANCE_ID = "instanceId"
AVAILABILITY_ZONE = "attribute:ecs.availability-zone"


class StrategyType(str, Enum):
    BINPACK = "binpack"
    SPREAD = "spread"
    RANDOM = "random"


@dataclass(frozen=True, slots=True)
class Strategy:
    type: StrategyType
    field: str | None = None  # "cpu"/"memory", "instanceId" or "attribute:NAME"; None for random

    @property
    def text(self) -> str:
        return f"{self.type.value}({self.field})" if self.field else self.type.value

    @property
    def attribute(self) -> str | None:
        """The attribute name a spread groups by (None for instanceId, binpack, random)."""
        if self.type is StrategyType.SPREAD and self.field and self.field.startswith("attribute:"):
            return self.field[len("attribute:") :]
        return None

    @property
    def per_instance(self) -> bool:
        """Ranks by a number that only changes on the instance receiving the task."""
        return self.type is StrategyType.BINPACK or self.field == INSTANCE_ID

    def as_aws(self) -> dict[str, str]:
        if self.field is None:
            return {"type": self.type.value}
        return {"type": self.type.value, "field": self.field}


SPREAD_AZ = Strategy(StrategyType.SPREAD, AVAILABILITY_ZONE)
SPREAD_INSTANCE = Strategy(StrategyType.SPREAD, INSTANCE_ID)
RANDOM = Strategy(StrategyType.RANDOM)


def make_strategy(type_text: str, field: str | None, where: Where) -> Strategy:
    try:
        kind = StrategyType(type_text.lower())
    except ValueError:
        raise where.refuse(
            f"{type_text!r} is not a placement strategy", "use binpack, spread or random"
        ) from None
    if kind is StrategyType.RANDOM:
        return RANDOM
    if kind is StrategyType.BINPACK:
        if field is None or field.lower() not in ("cpu", "memory"):
            raise where.refuse(
                f"binpack needs the field cpu or memory, not {field!r}", "write binpack:memory"
            )
        return Strategy(kind, field.lower())
    if not field:
        raise where.refuse(
            "spread needs a field",
            "write spread:attribute:ecs.availability-zone or spread:instanceId",
        )
    if field in (INSTANCE_ID, "host"):
        return Strategy(kind, INSTANCE_ID)  # AWS: host "has the same effect"
    if field.startswith("attribute:") and len(field) > len("attribute:"):
        return Strategy(kind, field)
    raise where.refuse(
        f"spread cannot use the field {field!r}",
        "use instanceId, host, or attribute:NAME such as attribute:ecs.availability-zone",
    )


def read_strategy(data: object, where: Where) -> Strategy:
    """A strategy in AWS's shape: {"type": "binpack", "field": "memory"}."""
    document = as_mapping(data, where, "a placement strategy object")
    field = document.get("field")
    return make_strategy(
        as_str(document.get("type", ""), where.key("type")),
        as_str(field, where.key("field")) if field is not None else None,
        where,
    )


def parse_strategy(text: str) -> Strategy:
    """The --strategy flag: TYPE[:FIELD], e.g. binpack:memory or spread:instanceId."""
    type_text, _, field = text.strip().partition(":")
    return make_strategy(type_text, field or None, Where("--strategy", repr(text)))
