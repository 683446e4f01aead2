"""The simulators a question's `check` can run, by name, and what every run gives back.

A check names its simulator (`simulator: deployment`; placement when it names
none). Each simulator is a module of `ecsprep.sim` that exposes `SIMULATOR`, a
`Simulator`: how to build its input from a scenario document (AWS's own shapes,
refusing what AWS refuses with an InputError), how to run it, and the facts of a
run that a check's `expect`, `goal` and `claim` may name. Modules are imported
only when a check names them, so `packs validate` pays for the simulators the
packs use.

Every run comes back as an `Outcome`: its facts (plain values: numbers, text,
lists, mappings), its notes (what the simulator wants a learner to read: AWS's
rules it applied, inferred choices), a one-line summary, and the simulator's own
result for its renderer. An option whose change makes AWS refuse the input gives
an Outcome with `refused` set to AWS's message.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where

# name → module of ecsprep.sim that defines SIMULATOR (packs.schema.SIMULATORS lists the
# same names, so the pack format stays free of the simulators; a test keeps them equal).
MODULES: dict[str, str] = {
    "placement": "ecsprep.sim.placement_check",
    "capacity": "ecsprep.sim.capacity_check",
    "deployment": "ecsprep.sim.deployment_check",
    "fargate": "ecsprep.sim.fargate_check",
    "ecr-lifecycle": "ecsprep.sim.ecr_lifecycle_check",
    "scaling": "ecsprep.sim.scaling_check",
    "credentials": "ecsprep.sim.credentials_check",
    "registration": "ecsprep.sim.registration_check",
    "events": "ecsprep.sim.events_check",
    "platform-fit": "ecsprep.sim.platform_fit_check",
    "pipeline-artifacts": "ecsprep.sim.pipeline_artifacts_check",
    "load-balancing": "ecsprep.sim.load_balancing_check",
    "ecr-access": "ecsprep.sim.ecr_access_check",
    "lifecycle": "ecsprep.sim.lifecycle_check",
    "service-discovery": "ecsprep.sim.service_discovery_check",
    "ecr-replication": "ecsprep.sim.ecr_replication_check",
    "observability": "ecsprep.sim.observability_check",
    "front-door": "ecsprep.sim.front_door_check",
    "ecr-scanning": "ecsprep.sim.ecr_scanning_check",
    "managed-scaling": "ecsprep.sim.managed_scaling_check",
    "releases": "ecsprep.sim.releases_check",
}
DEFAULT = "placement"
# Condition keys every simulator understands, besides its own facts.
COMMON = ("note", "no_note", "refused")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One run of a simulator, as a check sees it."""

    facts: Mapping[str, object]
    notes: tuple[str, ...] = ()
    summary: str = ""
    result: Any = None  # the simulator's own result (its renderer knows the type)
    refused: str = ""  # AWS's message when the input is refused; facts are then empty
    # When the facts rest on luck (a random draw, a tie-break order): the same input's
    # runs with other draws (only those that differ are worth keeping, so empty when
    # none does), and what the facts rest on, in words.
    draws: tuple[Outcome, ...] = ()
    rests_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Simulator:
    name: str
    facts: tuple[str, ...]  # the facts of an Outcome a condition may name
    ranked: tuple[str, ...]  # numeric facts a goal may ask the fewest or the most of
    build: Callable[[Mapping[str, Any], Where, Path, str], Any]  # document → input
    run: Callable[[Any], Outcome]
    # How an outcome misses a condition, in words; the default compares facts for equality.
    misses: Callable[[Mapping[str, Any], Outcome], tuple[str, ...]] = field(
        default=lambda condition, outcome: fact_misses(condition, outcome)
    )
    # Shipped scenarios a check may name instead of writing its scenario inline.
    scenarios: Callable[[], Mapping[str, Path]] = field(default=lambda: {})


def simulator(name: str | None) -> Simulator:
    """The simulator with this name (KeyError for an unknown one)."""
    module = importlib.import_module(MODULES[name or DEFAULT])
    found: Simulator = module.SIMULATOR
    return found


def fact_misses(condition: Mapping[str, Any], outcome: Outcome) -> tuple[str, ...]:
    """Every fact the condition names must equal the outcome's; `note` / `no_note` look in
    the notes, `refused` in AWS's refusal. Lists compare in order, mappings key by key."""
    found = []
    for name, wanted in condition.items():
        if name in ("note", "no_note"):
            said = any(str(wanted) in note for note in outcome.notes)
            if said != (name == "note"):
                verb = "says" if name == "no_note" else "doesn't say"
                found.append(f"{name}: a note of the run {verb} {wanted!r}")
        elif name == "refused":
            if str(wanted) not in outcome.refused:
                got = repr(outcome.refused) if outcome.refused else "accepts the input"
                found.append(f"refused: expected AWS to refuse with {wanted!r}; it {got}")
        elif outcome.refused:
            found.append(f"{name}: AWS refuses the input ({outcome.refused})")
        elif not _same(wanted, outcome.facts.get(name)):
            found.append(
                f"{name}: expected {_show(wanted)}, the simulator gives "
                f"{_show(outcome.facts.get(name))}"
            )
    return tuple(found)


def _same(wanted: object, seen: object) -> bool:
    """Equal as JSON values: keys compared as text, lists and tuples alike, and a Boolean
    never equal to a number, at any depth."""
    if isinstance(wanted, Mapping) and isinstance(seen, Mapping):
        mine = {str(k): v for k, v in wanted.items()}
        theirs = {str(k): v for k, v in seen.items()}
        return mine.keys() == theirs.keys() and all(_same(mine[k], theirs[k]) for k in mine)
    if isinstance(wanted, (list, tuple)) and isinstance(seen, (list, tuple)):
        return len(wanted) == len(seen) and all(
            _same(w, s) for w, s in zip(wanted, seen, strict=True)
        )
    if isinstance(wanted, bool) or isinstance(seen, bool):
        return wanted is seen
    return wanted == seen


def _show(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}" if value else "none"
    return "nothing" if value is None or value == "" else str(value)
