"""Check each answer in place: run a question's options in the placement simulator.

A question's `check` block (see docs/pack-format.md) names a scenario, a shipped
one or one written inline, and for each option it can simulate: the change the
option makes, as a JSON Merge Patch (RFC 7386) on the scenario document, what the
run must show, and one sentence saying what that demonstrates. `run_check` runs
every such option and compares the result with the expectation, so the tests and
`ecsprep packs validate` catch an answer key that the simulator contradicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where, as_mapping, read_document
from ecsprep.sim.placement import PlacementResult, place
from ecsprep.sim.scenario import Overrides, Scenario, build_scenario, shipped_scenarios


@dataclass(frozen=True, slots=True)
class Expectation:
    """What an option's run must show; None means "not stated"."""

    placed: int | None = None
    unplaced: int | None = None
    instances_used: int | None = None
    instances: tuple[str, ...] | None = None
    failure: str | None = None
    stopped_on: tuple[str, ...] | None = None
    providers: Mapping[str, int] | None = None  # capacity provider → tasks
    note: str | None = None  # text one of the run's notes contains
    no_note: str | None = None  # text none of them contains

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Expectation:
        def names(key: str) -> tuple[str, ...] | None:
            return None if data.get(key) is None else tuple(str(v) for v in data[key])

        return cls(
            placed=data.get("placed"),
            unplaced=data.get("unplaced"),
            instances_used=data.get("instances_used"),
            instances=names("instances"),
            failure=data.get("failure"),
            stopped_on=names("stopped_on"),
            providers=None if data.get("providers") is None else dict(data["providers"]),
            note=data.get("note"),
            no_note=data.get("no_note"),
        )

    def misses(self, result: PlacementResult) -> tuple[str, ...]:
        """How the run differs from the expectation, in words; empty when it holds."""
        seen = observe(result)
        found = []
        for name, wanted in (
            ("placed", self.placed),
            ("unplaced", self.unplaced),
            ("instances_used", self.instances_used),
            ("instances", self.instances),
            ("stopped_on", self.stopped_on),
            ("providers", self.providers),
        ):
            if wanted is not None and seen[name] != wanted:
                found.append(
                    f"{name}: expected {_show(wanted)}, the simulator gives {_show(seen[name])}"
                )
        if self.failure is not None and self.failure not in seen["failures"]:
            reported = ", ".join(seen["failures"]) or "none"
            found.append(f"failure: expected {self.failure!r}, the simulator reports {reported}")
        if self.note is not None and not any(self.note in note for note in result.notes):
            found.append(f"note: no note of the run says {self.note!r}")
        if self.no_note is not None and any(self.no_note in note for note in result.notes):
            found.append(f"no_note: a note of the run says {self.no_note!r}")
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Difference:
    """One value an option changes in the scenario document."""

    path: str  # e.g. "taskDefinition.containerDefinitions[0].portMappings[0].hostPort"
    before: object  # MISSING when the option adds it
    after: object  # MISSING when the option removes it


class _Missing(Enum):
    MISSING = "missing"


MISSING = _Missing.MISSING  # a Difference's side where the key is absent (None is JSON null)


@dataclass(frozen=True, slots=True)
class OptionRun:
    """One option, simulated."""

    key: str  # the option's letter in the pack
    shows: str
    change: Mapping[str, Any]
    differences: tuple[Difference, ...]  # what the change really changes, leaf by leaf
    expectation: Expectation
    result: PlacementResult
    misses: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return not self.misses


def observe(result: PlacementResult) -> dict[str, Any]:
    """The facts of a run an expectation can name."""
    return {
        "placed": len(result.placements),
        "unplaced": result.unplaced,
        "instances_used": len({p.instance_arn for p in result.placements}),
        "instances": tuple(_short(p.instance_arn) for p in result.placements),
        "stopped_on": tuple(_short(s.instance_arn) for s in result.stopped),
        "failures": tuple(sorted({f.reason.value for f in result.failures})),
        "providers": dict(result.providers),
    }


def merge_patch(target: object, patch: object) -> object:
    """RFC 7386 JSON Merge Patch: a mapping merges key by key (null removes the key);
    anything else, lists included, replaces the target."""
    if not isinstance(patch, Mapping):
        return patch
    merged = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def differences(before: object, after: object, path: str = "") -> list[Difference]:
    """The leaves that differ between two documents, descending into mappings and
    lists (so one changed hostPort shows as just that, one more constraint as that one)."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found: list[Difference] = []
        for key in [*before, *(k for k in after if k not in before)]:
            at = f"{path}.{key}" if path else str(key)
            found += differences(before.get(key, MISSING), after.get(key, MISSING), at)
        return found
    if isinstance(before, list) and isinstance(after, list):
        # Item by item; items past the shorter list's end are added or removed.
        found = []
        for n in range(max(len(before), len(after))):
            old = before[n] if n < len(before) else MISSING
            new = after[n] if n < len(after) else MISSING
            found += differences(old, new, f"{path}[{n}]")
        return found
    return [] if before == after else [Difference(path, before, after)]


def run_check(
    check: Mapping[str, Any], where: Where, *, only: Sequence[str] = (), folder: Path | None = None
) -> tuple[OptionRun, ...]:
    """Run every simulated option of a check block (or just the letters in `only`).

    `folder` is where an inline scenario's relative file names are read from (the
    pack's folder). Bad scenarios raise InputError naming `where` and the place.
    """
    document, base, name = scenario_document(
        check.get("scenario"), where.key("scenario"), folder or Path.cwd()
    )
    runs = []
    for key, spec in dict(check.get("options") or {}).items():
        if only and key not in only:
            continue
        at = where.key(f"options.{key}")
        patched = merge_patch(document, spec.get("change") or {})
        body = as_mapping(patched, at.key("change"), "a scenario object")
        result = place(_build(body, at, base, name))
        expectation = Expectation.of(spec.get("expect") or {})
        runs.append(
            OptionRun(
                key=key,
                shows=str(spec.get("shows", "")),
                change=dict(spec.get("change") or {}),
                differences=tuple(differences(document, patched)),
                expectation=expectation,
                result=result,
                misses=expectation.misses(result),
            )
        )
    return tuple(runs)


def base_scenario(check: Mapping[str, Any], where: Where, folder: Path | None = None) -> Scenario:
    """The scenario as the check writes it, before any option's change."""
    document, base, name = scenario_document(
        check.get("scenario"), where.key("scenario"), folder or Path.cwd()
    )
    return _build(document, where.key("scenario"), base, name)


def _build(document: Mapping[str, object], where: Where, base: Path, name: str) -> Scenario:
    """As `simulate placement FILE` builds it (no flags), named after the check's scenario."""
    return replace(build_scenario(document, where, base, Overrides()), name=name)


def scenario_document(
    value: object, where: Where, folder: Path
) -> tuple[Mapping[str, object], Path, str]:
    """The scenario a check starts from: its document, the folder its relative paths
    are read from, and its name (a shipped scenario's name, or "inline")."""
    if isinstance(value, Mapping):
        return value, folder, "inline"
    name = str(value or "")
    shipped = shipped_scenarios()
    if name not in shipped:
        import difflib

        close = difflib.get_close_matches(name, list(shipped), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "write the scenario inline"
        raise where.refuse(
            f"{name!r} is not a shipped scenario (`ecsprep simulate placement --list`)", hint
        )
    path = shipped[name]
    return as_mapping(read_document(path), Where(str(path))), path.parent, name


def scenario_name(check: Mapping[str, Any]) -> str:
    """How a check's scenario is named in lists: the shipped name, or "inline"."""
    value = check.get("scenario")
    return "inline" if isinstance(value, Mapping) else str(value or "")


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}" if value else "none"
    return str(value)
