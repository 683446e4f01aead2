"""Check each answer in place: run a question's options in a simulator.

A question's `check` block (see docs/pack-format.md) names its simulator
(`sim.simulators`; placement by default) and a scenario, a shipped one or one
written inline, and for each option it can simulate: the change the option makes,
as a JSON Merge Patch (RFC 7386) on the scenario document, what the run must
show, and one sentence saying what that demonstrates. `run_check` runs
every such option and compares the result with the expectation.

The check also says, in terms of a run, what makes an option right: the question's
`goal` (what it asks for, judged on each option's own run: "all three copies on one
instance", "the fewest instances in use"), or for a statement an option makes, its
`claim` (what the statement predicts, judged on the option's run) or `claim_as_given`
(judged on the scenario as the question gives it; the option's change only
demonstrates). `judge` derives from the runs which options are right, so the tests
and `ecsprep packs validate` catch an answer key that the simulator contradicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where, as_mapping, read_document
from ecsprep.sim.placement import PlacementResult
from ecsprep.sim.simulators import Outcome, Simulator, simulator


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
    used: frozenset[str] | None = None  # exactly these instances receive a task
    avoid: frozenset[str] | None = None  # none of these instances receives a task
    tasks_on: Mapping[str, int] | None = None  # instance → how many new tasks it receives
    max_per_instance: int | None = None  # no instance receives more new tasks than this

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Expectation:
        def names(key: str) -> tuple[str, ...] | None:
            return None if data.get(key) is None else tuple(str(v) for v in data[key])

        def group(key: str) -> frozenset[str] | None:
            listed = names(key)
            return None if listed is None else frozenset(listed)

        def counts(key: str) -> dict[str, int] | None:
            return None if data.get(key) is None else {str(k): v for k, v in data[key].items()}

        return cls(
            placed=data.get("placed"),
            unplaced=data.get("unplaced"),
            instances_used=data.get("instances_used"),
            instances=names("instances"),
            failure=data.get("failure"),
            stopped_on=names("stopped_on"),
            providers=counts("providers"),
            note=data.get("note"),
            no_note=data.get("no_note"),
            used=group("used"),
            avoid=group("avoid"),
            tasks_on=counts("tasks_on"),
            max_per_instance=data.get("max_per_instance"),
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
        on = seen["tasks_on"]
        if self.used is not None and set(on) != self.used:
            found.append(
                f"used: expected {_show(tuple(sorted(self.used)))}, "
                f"the simulator uses {_show(tuple(sorted(on)))}"
            )
        if self.avoid is not None and self.avoid & set(on):
            found.append(f"avoid: tasks go to {_show(tuple(sorted(self.avoid & set(on))))}")
        if self.tasks_on is not None:
            got = {name: on.get(name, 0) for name in self.tasks_on}
            if got != dict(self.tasks_on):
                found.append(
                    f"tasks_on: expected {_show(dict(self.tasks_on))}, "
                    f"the simulator gives {_show(got)}"
                )
        most = max(on.values(), default=0)
        if self.max_per_instance is not None and most > self.max_per_instance:
            found.append(
                f"max_per_instance: expected at most {self.max_per_instance}, "
                f"an instance receives {most}"
            )
        return tuple(found)


class Basis(str, Enum):
    """What makes an option right or wrong, in terms of a run."""

    GOAL = "goal"  # the question's goal, judged on the option's own run
    CLAIM = "claim"  # the option's statement, judged on its own run
    CLAIM_AS_GIVEN = "claim_as_given"  # the statement, judged on the scenario as given


# Counts a goal can ask to be the fewest or the most of among the options' runs.
RANKED = ("placed", "unplaced", "instances_used")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the simulator finds an option right, and why not when it doesn't."""

    key: str
    basis: Basis
    right: bool
    because: tuple[str, ...] = ()  # what the run shows against it
    # When the run rests on luck (Outcome.draws): how many of the other draws would
    # turn the verdict the other way, and of how many (0, 0: it doesn't rest on luck).
    flips: int = 0
    draws: int = 0


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
    expect: Mapping[str, Any]  # what the pack says the run shows
    outcome: Outcome
    misses: tuple[str, ...]
    simulator: str = "placement"
    # Of the outcome's other draws (Outcome.draws), how many miss the expectation.
    shaky: int = 0

    @property
    def holds(self) -> bool:
        return not self.misses

    @property
    def result(self) -> Any:
        """The simulator's own result (a PlacementResult for placement; None if refused)."""
        return self.outcome.result


def observe(result: PlacementResult) -> dict[str, Any]:
    """The facts of a run an expectation can name."""
    tasks_on: dict[str, int] = {}
    for p in result.placements:
        tasks_on[_short(p.instance_arn)] = tasks_on.get(_short(p.instance_arn), 0) + 1
    return {
        "tasks_on": tasks_on,
        "placed": len(result.placements),
        "unplaced": result.unplaced,
        "instances_used": len({p.instance_arn for p in result.placements}),
        "instances": tuple(_short(p.instance_arn) for p in result.placements),
        "stopped_on": tuple(_short(s.instance_arn) for s in result.stopped),
        "failures": tuple(sorted({f.reason.value for f in result.failures})),
        "providers": dict(result.providers),
    }


def judge(
    check: Mapping[str, Any], runs: Sequence[OptionRun], as_given: Outcome | None
) -> tuple[Verdict, ...]:
    """Which simulated options the runs say are right: by the check's goal, or by each
    option's claim. An option with neither has no verdict (it is unverified)."""
    sim = simulator(check.get("simulator"))
    goal = dict(check.get("goal") or {})
    options = dict(check.get("options") or {})
    verdicts: list[Verdict] = []
    ranked: list[tuple[OptionRun, tuple[str, ...]]] = []
    wants = {k: v for k, v in goal.items() if k not in ("says", "fewest", "most")}
    for run in runs:
        spec = options.get(run.key) or {}
        if spec.get("claim"):
            misses = sim.misses(spec["claim"], run.outcome)
            verdict = Verdict(run.key, Basis.CLAIM, not misses, misses)
            verdicts.append(_with_draws(verdict, spec["claim"], run.outcome, sim))
        elif spec.get("claim_as_given") and as_given is not None:
            misses = sim.misses(spec["claim_as_given"], as_given)
            verdict = Verdict(run.key, Basis.CLAIM_AS_GIVEN, not misses, misses)
            verdicts.append(_with_draws(verdict, spec["claim_as_given"], as_given, sim))
        elif goal:
            ranked.append((run, sim.misses(wants, run.outcome)))
    if goal:
        best = _best(goal.get("fewest") or goal.get("most"), bool(goal.get("fewest")), ranked)
        verdicts += [
            _goal_draws(verdict, run, wants, goal, best, sim)
            for verdict, (run, _) in zip(
                _by_goal(goal.get("fewest"), goal.get("most"), ranked), ranked, strict=True
            )
        ]
    order = {run.key: n for n, run in enumerate(runs)}
    return tuple(sorted(verdicts, key=lambda v: order[v.key]))


def _with_draws(
    verdict: Verdict, condition: Mapping[str, Any], outcome: Outcome, sim: Simulator
) -> Verdict:
    """The verdict, with how many of the outcome's other draws would turn it."""
    if not outcome.draws:
        return verdict
    flips = sum((not sim.misses(condition, draw)) != verdict.right for draw in outcome.draws)
    return replace(verdict, flips=flips, draws=len(outcome.draws))


def _goal_draws(
    verdict: Verdict,
    run: OptionRun,
    wants: Mapping[str, Any],
    goal: Mapping[str, Any],
    best: Any,
    sim: Simulator,
) -> Verdict:
    """A goal's verdict, with how many of the run's other draws would turn it (for a
    ranked goal, a draw meets it when it does at least as well as the best run)."""
    if not run.outcome.draws:
        return verdict
    fact = goal.get("fewest") or goal.get("most")
    flips = 0
    for draw in run.outcome.draws:
        meets = not sim.misses(wants, draw)
        value = draw.facts.get(fact) if fact else None
        if meets and isinstance(value, (int, float)) and isinstance(best, (int, float)):
            meets = value <= best if goal.get("fewest") else value >= best
        flips += meets != verdict.right
    return replace(verdict, flips=flips, draws=len(run.outcome.draws))


def _best(fact: str | None, fewest: bool, judged: list[tuple[OptionRun, tuple[str, ...]]]) -> Any:
    """The least (fewest) or most of `fact` among the runs that meet the rest of the goal."""
    if fact is None:
        return None
    values = [run.outcome.facts.get(fact) for run, misses in judged if not misses]
    numbers = [v for v in values if isinstance(v, (int, float))]
    return (min if fewest else max)(numbers) if numbers else None


def _by_goal(
    fewest: str | None, most: str | None, judged: list[tuple[OptionRun, tuple[str, ...]]]
) -> list[Verdict]:
    """Options meeting the goal's condition; with `fewest`/`most`, only the best of those."""
    fact = fewest or most
    best = _best(fact, bool(fewest), judged)
    verdicts = []
    for run, misses in judged:
        because = list(misses)
        if fact is not None and not misses:
            value = run.outcome.facts.get(fact)
            if value != best:
                word = "fewest" if fewest else "most"
                because.append(f"{fact} is {value}; another option gives {best} ({word})")
        verdicts.append(Verdict(run.key, Basis.GOAL, not because, tuple(because)))
    return verdicts


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
    pack's folder). A scenario that can't be built raises InputError naming `where`
    and the place, unless the option expects AWS to refuse it (`refused`).
    """
    sim = simulator(check.get("simulator"))
    document, base, name = scenario_document(
        check.get("scenario"), where.key("scenario"), folder or Path.cwd(), sim
    )
    runs = []
    for key, spec in dict(check.get("options") or {}).items():
        if only and key not in only:
            continue
        at = where.key(f"options.{key}")
        patched = merge_patch(document, spec.get("change") or {})
        expect = dict(spec.get("expect") or {})
        outcome = _outcome(sim, patched, at, base, name, refusal_expected="refused" in expect)
        runs.append(
            OptionRun(
                key=key,
                shows=str(spec.get("shows", "")),
                change=dict(spec.get("change") or {}),
                differences=tuple(differences(document, patched)),
                expect=expect,
                outcome=outcome,
                misses=sim.misses(expect, outcome),
                simulator=sim.name,
                shaky=sum(bool(sim.misses(expect, draw)) for draw in outcome.draws),
            )
        )
    return tuple(runs)


def _outcome(
    sim: Simulator,
    document: object,
    where: Where,
    base: Path,
    name: str,
    *,
    refusal_expected: bool,
) -> Outcome:
    body = as_mapping(document, where.key("change"), "a scenario object")
    try:
        return sim.run(sim.build(body, where, base, name))
    except InputError as exc:
        if not refusal_expected:
            raise
        return Outcome(facts={}, refused=_refusal_text(str(exc), where) + _hint(exc))


def _hint(exc: InputError) -> str:
    return f" ({exc.hint})" if exc.hint else ""


def _refusal_text(text: str, where: Where) -> str:
    """AWS's refusal without the pack file and the check's own path: from
    `content/x.yaml questions[q].check.options.A.runTask.count: …` to `runTask.count: …`."""
    head = f"{where.source} {where.path}"
    for after in (".", ": "):
        if text.startswith(head + after):
            return text[len(head) + len(after) :]
    return text


def run_as_given(check: Mapping[str, Any], where: Where, *, folder: Path | None = None) -> Outcome:
    """The run of the scenario exactly as the check gives it (no option's change)."""
    sim = simulator(check.get("simulator"))
    document, base, name = scenario_document(
        check.get("scenario"), where.key("scenario"), folder or Path.cwd(), sim
    )
    return _outcome(sim, document, where.key("scenario"), base, name, refusal_expected=True)


def needs_as_given(check: Mapping[str, Any]) -> bool:
    return any(
        isinstance(spec, Mapping) and spec.get("claim_as_given")
        for spec in dict(check.get("options") or {}).values()
    )


def base_scenario(check: Mapping[str, Any], where: Where, folder: Path | None = None) -> Any:
    """The simulator's input as the check writes it, before any option's change."""
    sim = simulator(check.get("simulator"))
    document, base, name = scenario_document(
        check.get("scenario"), where.key("scenario"), folder or Path.cwd(), sim
    )
    return sim.build(document, where.key("scenario"), base, name)


def scenario_document(
    value: object, where: Where, folder: Path, sim: Simulator | None = None
) -> tuple[Mapping[str, object], Path, str]:
    """The scenario a check starts from: its document, the folder its relative paths
    are read from, and its name (a shipped scenario's name, or "inline")."""
    if isinstance(value, Mapping):
        return value, folder, "inline"
    name = str(value or "")
    shipped = (sim or simulator(None)).scenarios()
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
