"""Running every question's simulator check, as `ecsprep packs validate` does.

Loading a pack checks the shape of a `check` block; only running it in the
simulator shows whether the scenario reads, whether each option's run shows what
the pack says, and whether the options the runs find right (by the check's goal
or the options' claims) are exactly the answer key's simulated options. That
costs the simulator's import and a few milliseconds per question, so it belongs
to validation, not to every command that loads packs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.errors import EcsprepError
from ecsprep.packs.load import display_path
from ecsprep.packs.model import Library, Question
from ecsprep.packs.problems import Problem


def verify_checks(library: Library) -> list[Problem]:
    """A problem for every check that fails to run or that the simulator contradicts."""
    from ecsprep.sim.check import judge, needs_as_given, run_as_given, run_check
    from ecsprep.sim.documents import Where

    problems = []
    sources = {pack.id: pack.source for pack in library.packs}
    for question in library.questions.values():
        if not question.check:
            continue
        source = sources.get(question.pack) or Path(question.pack)
        shown = display_path(source)
        where = f"questions[{question.id}].check"
        unknown = unknown_facts(question.check)
        if unknown:
            line = _line_of(source, question)
            problems += [Problem(shown, line, f"{where}.{at}", message) for at, message in unknown]
            continue
        try:
            runs = run_check(question.check, Where("", ""), folder=source.parent)
            as_given = (
                run_as_given(question.check, Where("", ""), folder=source.parent)
                if needs_as_given(question.check)
                else None
            )
        except EcsprepError as exc:
            message = f"the scenario can't run: {exc}" + (f"; {exc.hint}" if exc.hint else "")
            problems.append(Problem(shown, _line_of(source, question), where, message))
            continue
        misses = [(f"{where}.options.{run.key}.expect", m) for run in runs for m in run.misses]
        verdicts = judge(question.check, runs, as_given)
        disagreement = key_disagreement(question, {v.key: v.right for v in verdicts})
        if disagreement:
            misses.append((f"questions[{question.id}].answer", disagreement))
        if misses:  # the file is read for the line only when there is something to report
            line = _line_of(source, question)
            problems += [Problem(shown, line, at, miss) for at, miss in misses]
    return problems


def unknown_facts(check: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(place, message) for every condition key the check's simulator doesn't know.

    Placement's conditions are checked by the pack format itself; another simulator's
    facts are its own, so they are checked here, against the simulator.
    """
    from ecsprep.sim.simulators import COMMON, simulator

    sim = simulator(check.get("simulator"))
    if sim.name == "placement":
        return []
    known = (*sim.facts, *COMMON)
    found = []
    places: list[tuple[str, Mapping[str, Any]]] = [("goal", dict(check.get("goal") or {}))]
    for key, spec in dict(check.get("options") or {}).items():
        for name in ("expect", "claim", "claim_as_given"):
            if isinstance(spec, Mapping) and isinstance(spec.get(name), Mapping):
                places.append((f"options.{key}.{name}", spec[name]))
    for at, condition in places:
        extra = ("says", "fewest", "most") if at == "goal" else ()
        for fact in condition:
            if fact not in (*known, *extra):
                near = difflib.get_close_matches(str(fact), known, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                found.append(
                    (
                        f"{at}.{fact}",
                        f"the {sim.name} simulator has no fact {fact!r}{hint} "
                        f"(it has {', '.join(known)})",
                    )
                )
    goal = dict(check.get("goal") or {})
    if goal.get("fewest") is not None and goal.get("most") is not None:
        found.append(("goal", "give fewest or most, not both"))
    use = f"use {', '.join(sim.ranked)}" if sim.ranked else f"the {sim.name} simulator ranks none"
    for word in ("fewest", "most"):
        if goal.get(word) is not None and goal[word] not in sim.ranked:
            found.append((f"goal.{word}", f"{goal[word]!r} can't be ranked; {use}"))
    return found


def key_disagreement(question: Question, right: dict[str, bool]) -> str:
    """Why the key and the simulator's verdicts disagree ("" when they agree).

    Only options with a verdict are compared: an option the check doesn't simulate
    (or judge) is unverified, and the key may name it freely.
    """
    judged = set(right)
    found = {key for key, ok in right.items() if ok}
    keyed = set(question.answer) & judged
    if found == keyed:
        return ""
    unverified = sorted({o.key for o in question.options} - judged)
    return (
        f"the key is {', '.join(sorted(question.answer))}, but by the simulator the options "
        f"that are right among {', '.join(sorted(judged))} are "
        f"{', '.join(sorted(found)) or 'none'}"
        + (f" ({', '.join(unverified)} not simulated)" if unverified else "")
    )


def _line_of(path: Path, question: Question) -> int | None:
    """The line of the question's `id:` (the loaded model keeps no lines)."""
    pattern = re.compile(rf"^\s*(?:-\s+)?id:\s*['\"]?{re.escape(question.id)}['\"]?\s*$")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((n for n, text in enumerate(lines, start=1) if pattern.match(text)), None)
