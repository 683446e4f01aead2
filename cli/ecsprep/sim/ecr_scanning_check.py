"""ECR scanning, scan events and gates, encryption and signing as a question's check runs
it (`simulator: ecr-scanning`).

The scenario is the simulator's input (docs/ecr-scanning.md): `registry`,
`registryScanningConfiguration` (the PutRegistryScanningConfiguration body), `inspector`,
`repositories` (as DescribeRepositories shows them), `signingConfiguration`,
`signingProfiles`, `rules` (EventBridge), `advisories` and `events`. Facts: see
ecsprep.sim.ecr_scanning.FACTS; `client_signing_steps` (how many `notation sign` runs the
pipelines make) is the one a goal may ask the fewest of.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_scanning import FACTS, RANKED, Run, Setup, Verdict, read_setup, run
from ecsprep.sim.simulators import Outcome, Simulator


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def step_lines(result: Run) -> list[str]:
    mark = {Verdict.DONE: "✔", Verdict.FAILED: "✘", Verdict.SKIPPED: "–"}
    return [
        f"{mark[d.verdict]} [{d.at}] {d.what}" + (f" [{d.rule}]" if d.rule else "")
        for d in result.decisions
    ]


def summary(result: Run) -> str:
    facts = result.facts()
    parts = [f"{result.setup.scan_type} scanning"]
    scans = facts["scans"]
    assert isinstance(scans, list)
    parts.append(f"{len(scans)} scan{'s' if len(scans) != 1 else ''}")
    events = facts["events"]
    assert isinstance(events, list)
    parts.append(f"{len(events)} EventBridge event{'s' if len(events) != 1 else ''}")
    for label, name in (("gates", "gates"), ("deploys", "deployed"), ("errors", "errors")):
        values = facts[name]
        assert isinstance(values, list)
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    return "; ".join(parts) + "."


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    return Outcome(
        facts=result.facts(),
        notes=tuple(step_lines(result)) + result.notes,
        summary=summary(result),
        result=result,
    )


SIMULATOR = Simulator(name="ecr-scanning", facts=FACTS, ranked=RANKED, build=_build, run=_run)
