"""Capacity provider strategies: which provider each task of a RunTask or service uses.

The documented rules (CapacityProviderStrategyItem, cluster-capacity-providers):
the one provider with a `base` gets that many tasks first; the rest are shared
in proportion to the `weight`s. Items are `{capacityProvider, base, weight}`
exactly as RunTask, CreateService and PutClusterCapacityProviders take them.

AWS doesn't document how it rounds a split that isn't whole (7 tasks at 1:1).
ecsprep gives each provider the whole part of its share, then hands the leftover
tasks out by largest fractional part, ties going to the earlier item (the choice
ecs-semantics.md records); `Split.rounded` says when that choice mattered.

Two more corners the API reference leaves open, decided here: a provider with a
base and weight 0 still gets its base (the reference says both "the base is
satisfied first" and "a provider with weight 0 can't place tasks"), and a lone
provider with weight 0 takes every task (`capacityProvider=FARGATE` alone, the
CLI's common form, runs tasks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str

FARGATE_PROVIDERS = frozenset({"FARGATE", "FARGATE_SPOT"})
MAX_ITEMS = 20  # per strategy, in the current API reference (the 2023 guide said 6)
MAX_BASE = 100_000
MAX_WEIGHT = 1_000
_ITEM_KEYS = ("capacityProvider", "base", "weight")


@dataclass(frozen=True, slots=True)
class CapacityItem:
    provider: str
    base: int = 0
    weight: int = 0  # the API's default; the console's is 1

    @property
    def text(self) -> str:
        parts = [f"base {self.base}"] if self.base else []
        return f"{self.provider} ({', '.join([*parts, f'weight {self.weight}'])})"


@dataclass(frozen=True, slots=True)
class Share:
    """One provider's tasks: from its base, and from its weight."""

    item: CapacityItem
    from_base: int
    by_weight: int
    exact: Fraction  # the weighted share before rounding

    @property
    def tasks(self) -> int:
        return self.from_base + self.by_weight


@dataclass(frozen=True, slots=True)
class Split:
    count: int
    shares: tuple[Share, ...]
    remaining: int  # tasks left for the weights once the base is met
    rounded: bool  # True when some share was not a whole number (ecsprep's rounding)

    @property
    def fargate(self) -> bool:
        return all(s.item.provider in FARGATE_PROVIDERS for s in self.shares)

    def tasks(self) -> dict[str, int]:
        return {share.item.provider: share.tasks for share in self.shares}


def read_capacity_strategy(data: object, where: Where) -> tuple[CapacityItem, ...]:
    """A `capacityProviderStrategy` list, checked the way the ECS API checks it."""
    items = []
    for n, raw in enumerate(as_list(data, where, "a list of capacity provider strategy items")):
        at = where.index(n)
        body = as_mapping(raw, at, "a strategy item (capacityProvider, base, weight)")
        for key in body:
            if key not in _ITEM_KEYS:
                raise at.key(str(key)).refuse(
                    f"unknown key {key!r}", f"an item has {', '.join(_ITEM_KEYS)}"
                )
        if "capacityProvider" not in body:
            raise at.refuse("capacityProvider is missing", "name a provider, e.g. FARGATE_SPOT")
        items.append(
            CapacityItem(
                provider=as_str(body["capacityProvider"], at.key("capacityProvider")),
                base=_bounded(body.get("base", 0), at.key("base"), MAX_BASE),
                weight=_bounded(body.get("weight", 0), at.key("weight"), MAX_WEIGHT),
            )
        )
    check_capacity_strategy(items, where)
    return tuple(items)


def check_capacity_strategy(items: Sequence[CapacityItem], where: Where) -> None:
    if not items:
        raise where.refuse("the strategy is empty", "give at least one capacity provider")
    if len(items) > MAX_ITEMS:
        raise where.refuse(f"{len(items)} capacity providers; a strategy takes at most {MAX_ITEMS}")
    names = [item.provider for item in items]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise where.refuse(f"{twice[0]} is listed twice", "list each capacity provider once")
    with_base = [item.provider for item in items if item.base]
    if len(with_base) > 1:
        raise where.refuse(
            f"{' and '.join(with_base)} both set a base",
            "only one capacity provider in a strategy can have a base",
        )
    fargate = {name in FARGATE_PROVIDERS for name in names}
    if len(fargate) > 1:
        raise where.refuse(
            "the strategy mixes Fargate and Auto Scaling group capacity providers",
            "a strategy contains either FARGATE/FARGATE_SPOT or Auto Scaling group providers",
        )
    if len(items) > 1 and not any(item.weight for item in items):
        raise where.refuse(
            "every weight is 0, so RunTask and CreateService would fail",
            "give at least one capacity provider a weight above 0",
        )


def split_tasks(items: Sequence[CapacityItem], count: int) -> Split:
    """How `count` tasks are shared: base first, then by weight (see the module docs)."""
    base_item = next((item for item in items if item.base), None)
    from_base = {item.provider: 0 for item in items}
    if base_item is not None:
        from_base[base_item.provider] = min(base_item.base, count)
    remaining = count - sum(from_base.values())
    weights = [item.weight for item in items]
    if not any(weights):  # a lone provider with weight 0 takes everything (INF)
        weights = [1] * len(items)
    total = sum(weights)
    exact = [Fraction(remaining * weight, total) for weight in weights]
    whole = [int(share) for share in exact]
    leftover = remaining - sum(whole)
    order = sorted(range(len(items)), key=lambda n: (-(exact[n] - whole[n]), n))
    for n in order[:leftover]:
        whole[n] += 1
    shares = tuple(
        Share(item, from_base[item.provider], whole[n], exact[n]) for n, item in enumerate(items)
    )
    rounded = any(share.denominator != 1 for share in exact)
    return Split(count=count, shares=shares, remaining=remaining, rounded=rounded)


def _bounded(value: object, where: Where, most: int) -> int:
    number = as_int(value, where)
    if number > most:
        raise where.refuse(f"{number} is above the maximum of {most}")
    return number
