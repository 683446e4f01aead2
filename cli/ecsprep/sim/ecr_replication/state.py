"""The state of an ecr-replication run: the registries as the events change them and
what the run records, with the helpers every event uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ecsprep.sim.ecr_replication.registries import ECR_HOST, Principal, Registry, Repository
from ecsprep.sim.ecr_replication.steps import Step


@dataclass(slots=True)
class State:
    registries: dict[str, Registry]
    upstream: dict[tuple[str, str], str]  # (host, repository:tag) → digest
    decisions: list[Step]
    pushed: list[str]
    pulled: list[str]
    replicated: list[str]
    failed: list[str]
    created: list[str]
    cached: list[str]
    refreshed: list[str]
    errors: list[str]
    denied: list[str]
    notes: list[str]
    principal: Principal
    from_cache: int = 0

    def repo(self, registry: str, name: str) -> Repository | None:
        return next((r for r in self.registries[registry].repositories if r.name == name), None)

    def put(self, registry: str, repository: Repository) -> None:
        current = self.registries[registry]
        others = tuple(r for r in current.repositories if r.name != repository.name)
        kept = [r for r in current.repositories if r.name == repository.name]
        order = (
            (*others, repository)
            if not kept
            else tuple(repository if r.name == repository.name else r for r in current.repositories)
        )
        self.registries[registry] = Registry(
            current.registry_id,
            current.region,
            current.rules,
            current.policy,
            current.cache_rules,
            current.templates,
            order,
        )

    def registry(self, key: str) -> Registry:
        if key not in self.registries:
            account, region = key.split("/")
            self.registries[key] = Registry(account, region)
            self.notes.append(
                f"INF: registry {key} is not described in the scenario: ecsprep gives it no "
                "registry policy, no templates and no repositories"
            )
        return self.registries[key]


def shown(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


def parse_uri(text: str) -> tuple[str, str, str] | None:
    """(registry key, repository, tag) of an ECR private image URI, or None."""
    host, _, rest = text.partition("/")
    match = ECR_HOST.match(host)
    if not match or not rest:
        return None
    name, _, tag = rest.rpartition(":")
    if not name or "/" in tag:
        name, tag = rest, "latest"
    return f"{match['account']}/{match['region']}", name, tag
