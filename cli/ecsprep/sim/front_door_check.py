"""Front doors to ECS services as a question's check runs them (`simulator: front-door`).

The scenario is the simulator's input (docs/front-door.md): load balancers, target groups,
security groups, Cloud Map services, VPC links, HTTP APIs, REST APIs, web ACLs and their
associations, VPC origins, distributions and the requests to play. Facts: see
ecsprep.sim.front_door.FACTS; `load_balancers` (how many the design runs) is the one a goal
may ask the fewest of.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.sim.documents import Where
from ecsprep.sim.front_door import FACTS, RANKED, Run, Setup, Trip, Verdict, read_setup, run
from ecsprep.sim.simulators import Outcome, Simulator

MARKS = {
    Verdict.ACCEPT: "✔",
    Verdict.FORWARD: "→",
    Verdict.BLOCK: "✘",
    Verdict.FAIL: "✘",
    Verdict.REACH: "●",
}


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def trip_lines(trip: Trip) -> list[str]:
    lines = []
    for d in trip.decisions:
        rule = f" [{page(d.rule)}]" if d.rule else ""
        inf = " (INF)" if d.inferred and "INF" not in d.what else ""
        lines.append(f"{MARKS[d.verdict]} {d.hop}: {d.what}{inf}{rule}")
    return lines


def page(rule: str) -> str:
    """The doc pages of a rule by file name (`http-api-vs-rest.html`), as notes show them."""
    return "; ".join(url.strip().rsplit("/", 1)[-1] for url in rule.split(";"))


def outcome_text(trip: Trip) -> str:
    if trip.reached:
        return f"reaches {trip.reached} as {trip.backend_path}"
    status = f" ({trip.status})" if trip.status else " (no response)"
    return f"stopped at {trip.blocked_at} by {trip.blocked_by}{status}"


def summary(result: Run) -> str:
    if not result.trips:
        return "No requests to play."
    return "; ".join(f"{t.request.name} {outcome_text(t)}" for t in result.trips) + "."


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    lines = [f"{t.request.name}: {line}" for t in result.trips for line in trip_lines(t)]
    return Outcome(
        facts=result.facts(),
        notes=tuple(lines) + result.notes,
        summary=summary(result),
        result=result,
    )


SIMULATOR = Simulator(name="front-door", facts=FACTS, ranked=RANKED, build=_build, run=_run)
