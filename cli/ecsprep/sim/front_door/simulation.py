"""Running a front-door Setup: each request starts at the front door its host
names; Run holds the trips and their facts, to_json their JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecsprep.sim.front_door.api_hop import at_api
from ecsprep.sim.front_door.decisions import Verdict
from ecsprep.sim.front_door.distribution_hop import at_distribution
from ecsprep.sim.front_door.doors import Request, Setup
from ecsprep.sim.front_door.load_balancer_hop import at_load_balancer
from ecsprep.sim.front_door.walk import Trip, Walk

FACTS = (
    "reaches",
    "status",
    "blocked_by",
    "blocked_at",
    "backend_path",
    "hops",
    "load_balancers",
    "public_endpoints",
    "origin_secrets",
)
RANKED = ("load_balancers",)


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    trips: tuple[Trip, ...]
    notes: tuple[str, ...] = ()

    def facts(self) -> dict[str, object]:
        return {
            "reaches": {t.request.name: t.reached or False for t in self.trips},
            "status": {t.request.name: t.status for t in self.trips},
            "blocked_by": {t.request.name: t.blocked_by for t in self.trips if t.blocked_by},
            "blocked_at": {t.request.name: t.blocked_at for t in self.trips if t.blocked_at},
            "backend_path": {t.request.name: t.backend_path for t in self.trips if t.backend_path},
            "hops": {t.request.name: _hops(t) for t in self.trips},
            "load_balancers": len(self.setup.load_balancers),
            "public_endpoints": sorted(
                lb.name for lb in self.setup.load_balancers if lb.scheme == "internet-facing"
            ),
            "origin_secrets": sum(len(d.origin.headers) for d in self.setup.distributions),
        }


def _hops(trip: Trip) -> list[str]:
    return list(dict.fromkeys(d.hop for d in trip.decisions))


def run(setup: Setup) -> Run:
    trips = tuple(_trip(setup, r) for r in setup.requests)
    notes = []
    if any(d.inferred for t in trips for d in t.decisions):
        notes.append("INF marks a choice the AWS docs leave open (docs/front-door.md)")
    return Run(setup, trips, tuple(notes))


def _trip(setup: Setup, request: Request) -> Trip:
    walk = Walk(setup, request, headers=dict(request.headers))
    host = request.host
    for dist in setup.distributions:
        if host in (dist.domain, f"{dist.dist_id.lower()}.cloudfront.net"):
            return at_distribution(walk, dist)
    api_host = re.fullmatch(r"([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com", host)
    if api_host:
        api = next((a for a in setup.apis if a.api_id == api_host.group(1)), None)
        if api is not None:
            return at_api(walk, api)
    lb = next((lb for lb in setup.load_balancers if lb.dns == host), None)
    if lb is not None:
        return at_load_balancer(walk, lb, request.path, request.source_ip, from_internet=True)
    walk.say("DNS", Verdict.FAIL, f"{host} names no front door in the scenario")
    return walk.end(502, by="dns", at="network")


def to_json(result: Run) -> dict[str, object]:
    return {
        **result.facts(),
        "requests": [
            {
                "name": t.request.name,
                "url": t.request.url,
                "decisions": [
                    {
                        "hop": d.hop,
                        "verdict": d.verdict.value,
                        "what": d.what,
                        "rule": d.rule,
                        "inferred": d.inferred,
                    }
                    for d in t.decisions
                ],
            }
            for t in result.trips
        ],
        "notes": list(result.notes),
    }
