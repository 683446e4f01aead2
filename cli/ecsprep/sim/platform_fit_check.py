"""Which AWS compute options can run a workload, as a question's check runs it
(`simulator: platform-fit`).

The scenario is `{workload: {...}, candidate: {option, runAs, spot}}` (docs/platform-fit.md).
Facts: fits (the options that can run it, least overhead first), refused_by (option →
reason codes), least_overhead, candidate, candidate_fits, candidate_refused_by and
overhead_rank (the candidate's place in ecsprep's labelled, inferred overhead order).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.platform_fit import OVERHEAD_NOTE, TITLES, Fit, read_and_fit
from ecsprep.sim.simulators import Outcome, Simulator

FACTS = (
    "fits",
    "refused_by",
    "least_overhead",
    "candidate",
    "candidate_fits",
    "candidate_refused_by",
    "overhead_rank",
)


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Fit:
    del folder, name
    return read_and_fit(document, where)


def _run(result: Fit) -> Outcome:
    notes = [OVERHEAD_NOTE]
    verdict = result.candidate_verdict
    if verdict is not None:
        for reason in verdict.reasons:
            label = "INF: " if reason.inferred else ""
            notes.append(f"{label}{TITLES[verdict.option]}: {reason.text} ({reason.ref})")
    inferred = {r.code for v in result.verdicts for r in v.reasons if r.inferred}
    if inferred:
        notes.append(
            "INF: reasons read from a documented purpose, not a limit: "
            + ", ".join(sorted(inferred))
        )
    fits = ", ".join(o.value for o in result.fits) or "nothing"
    summary = f"Fits: {fits}."
    if verdict is not None:
        summary += (
            f" {verdict.option.value} fits."
            if verdict.fits
            else f" {verdict.option.value} doesn't: "
            + "; ".join(r.text for r in verdict.reasons)
            + "."
        )
    return Outcome(facts=result.facts(), notes=tuple(notes), summary=summary, result=result)


SIMULATOR = Simulator(
    name="platform-fit",
    facts=FACTS,
    ranked=("overhead_rank",),
    build=_build,
    run=_run,
)
