"""Running an ecr-replication Setup: run plays the events in order; Run holds
the decisions and the registries at the end, and its facts; to_json their JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecsprep.sim.ecr_replication.pulls import pull
from ecsprep.sim.ecr_replication.pushes import push
from ecsprep.sim.ecr_replication.registries import Registry, Repository, Setup, image_digest
from ecsprep.sim.ecr_replication.replication import backfill, delete
from ecsprep.sim.ecr_replication.state import State, shown
from ecsprep.sim.ecr_replication.steps import Step, Verdict

FACTS = (
    "pushed",
    "pulled",
    "replicated",
    "replication_failed",
    "created",
    "mutability",
    "encryption",
    "kms_key",
    "lifecycle",
    "tags",
    "templates",
    "cached",
    "refreshed",
    "from_cache",
    "errors",
    "denied",
    "images",
    "pushes",
)
RANKED = ("pushes",)


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    decisions: tuple[Step, ...]
    registries: tuple[Registry, ...]  # the registries at the end
    pushed: tuple[str, ...]
    pulled: tuple[str, ...]
    replicated: tuple[str, ...]
    replication_failed: tuple[str, ...]
    created: tuple[str, ...]
    cached: tuple[str, ...]
    refreshed: tuple[str, ...]
    from_cache: int
    errors: tuple[str, ...]
    denied: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def _created_repositories(self) -> list[tuple[str, Repository]]:
        found = []
        for registry in self.registries:
            for repository in registry.repositories:
                uri = f"{registry.host}/{repository.name}"
                if uri in self.created:
                    found.append((uri, repository))
        return found

    def facts(self) -> dict[str, object]:
        made = self._created_repositories()
        return {
            "pushed": list(self.pushed),
            "pulled": list(self.pulled),
            "replicated": list(self.replicated),
            "replication_failed": list(self.replication_failed),
            "created": list(self.created),
            "mutability": {uri: r.mutability for uri, r in made},
            "encryption": {uri: r.encryption for uri, r in made},
            "kms_key": {uri: r.kms_key for uri, r in made if r.kms_key},
            "lifecycle": [uri for uri, r in made if r.lifecycle],
            "tags": {uri: dict(r.tags) for uri, r in made if r.tags},
            "templates": {uri: r.template or "none" for uri, r in made},
            "cached": list(self.cached),
            "refreshed": list(self.refreshed),
            "from_cache": self.from_cache,
            "errors": list(self.errors),
            "denied": list(self.denied),
            "images": {
                registry.key: sorted(
                    f"{repository.name}:{image.tag}"
                    for repository in registry.repositories
                    for image in repository.images
                )
                for registry in self.registries
            },
            "pushes": len([e for e in self.setup.events if e.kind == "push"]),
        }


def run(setup: Setup) -> Run:
    state = State(
        registries={r.key: r for r in setup.registries},
        upstream={(h, p): d for h, p, d in setup.upstream},
        decisions=[],
        pushed=[],
        pulled=[],
        replicated=[],
        failed=[],
        created=[],
        cached=[],
        refreshed=[],
        errors=[],
        denied=[],
        notes=[],
        principal=setup.principal,
    )
    for registry in setup.registries:
        existing = sum(len(r.images) for r in registry.repositories)
        if registry.rules and existing:
            state.notes.append(
                f"{existing} image(s) already in {registry.key} were pushed before its "
                "replication configuration: they are not replicated unless a replication "
                "backfill copies them (replication-backfill.html)"
            )
    for n, event in enumerate(setup.events):
        label = f"{n + 1}. {event.kind} {event.target}"
        if event.kind == "push":
            push(state, event, label)
        elif event.kind == "pull":
            pull(state, setup, event, label)
        elif event.kind == "delete":
            delete(state, event, label)
        elif event.kind == "startReplicationBackfill":
            backfill(state, event, label)
        elif event.kind == "upstreamPush":
            host, _, path = event.target.partition("/")
            if ":" not in path:  # a reference's only ":" is its tag's
                path += ":latest"
            state.upstream[(host, path)] = event.digest or image_digest(f"{event.target}@{n}")
            state.decisions.append(
                Step(
                    label,
                    Verdict.DONE,
                    f"{host} now serves a new image behind {path}",
                    "the upstream registry (outside ECR)",
                    shown(event.at),
                )
            )
        else:
            state.decisions.append(
                Step(
                    label,
                    Verdict.DONE,
                    "time passes; ECR copies nothing by itself",
                    "",
                    shown(event.at),
                )
            )
    return Run(
        setup=setup,
        decisions=tuple(state.decisions),
        registries=tuple(state.registries.values()),
        pushed=tuple(state.pushed),
        pulled=tuple(state.pulled),
        replicated=tuple(state.replicated),
        replication_failed=tuple(state.failed),
        created=tuple(state.created),
        cached=tuple(state.cached),
        refreshed=tuple(state.refreshed),
        from_cache=state.from_cache,
        errors=tuple(state.errors),
        denied=tuple(dict.fromkeys(state.denied)),
        notes=tuple(dict.fromkeys(state.notes)),
    )


def to_json(result: Run) -> dict[str, object]:
    return {
        **result.facts(),
        "decisions": [
            {
                "event": d.event,
                "at": d.at,
                "verdict": d.verdict.value,
                "what": d.what,
                "rule": d.rule,
            }
            for d in result.decisions
        ],
        "notes": list(result.notes),
    }
