"""A docker pull from an ECR private registry: plain pulls and pull through cache (the
first pull imports the upstream image; later pulls are served from the cache, refreshed at least
once every 24 hours).
"""

from __future__ import annotations

from datetime import timedelta

from ecsprep.sim.ecr_replication.creation import create
from ecsprep.sim.ecr_replication.permissions import PULL_ACTIONS, refusal, refused
from ecsprep.sim.ecr_replication.registries import (
    CacheRule,
    Event,
    Image,
    Registry,
    Repository,
    Setup,
    image_digest,
    with_images,
)
from ecsprep.sim.ecr_replication.state import State, parse_uri, shown
from ecsprep.sim.ecr_replication.steps import Step, Verdict

REFRESH_HOURS = 24
# The actions of a first pull beyond the pull's own (pull-through-cache-iam.html).
IMPORT = "ecr:BatchImportUpstreamImage"
CREATE = "ecr:CreateRepository"


def _cache_rule_for(registry: Registry, name: str) -> CacheRule | None:
    return next((r for r in registry.cache_rules if name.startswith(r.prefix + "/")), None)


def _upstream_digest(state: State, setup: Setup, host: str, path: str) -> str | None:
    if host in setup.upstream_given:
        return state.upstream.get((host, path))
    return state.upstream.get((host, path), image_digest(f"{host}/{path}"))


def pull(state: State, setup: Setup, event: Event, label: str) -> None:
    at = event.at
    parsed = parse_uri(event.target)
    if parsed is None:
        state.decisions.append(
            Step(
                label,
                Verdict.SKIPPED,
                f"{event.target} is not in an ECR private registry: Docker pulls it straight "
                "from its own registry, not through any pull through cache",
                "pull-through-cache-working.html: pull through the private registry URI",
                shown(at),
            )
        )
        return
    key, name, tag = parsed
    registry = state.registry(key)
    if refused(state, PULL_ACTIONS, registry, name, (label, "image-pull.html", at)):
        return
    repository = state.repo(key, name)
    rule = _cache_rule_for(registry, name)
    have = next((i for i in repository.images if i.tag == tag), None) if repository else None
    if rule is None:
        if have is None:
            error = "ImageNotFoundException" if repository else "RepositoryNotFoundException"
            state.errors.append(error)
            state.decisions.append(
                Step(
                    label,
                    Verdict.FAILED,
                    f"{error}: {name}:{tag} is not in {key} and no pull through cache rule's "
                    "prefix matches it",
                    "pull-through-cache.html",
                    shown(at),
                )
            )
            return
        state.pulled.append(event.target)
        state.decisions.append(
            Step(
                label,
                Verdict.DONE,
                f"pulled {name}:{tag} from {key}",
                "image-pull.html",
                shown(at),
            )
        )
        return
    upstream_path = name[len(rule.prefix) + 1 :]
    if rule.upstream_prefix != "ROOT":
        upstream_path = f"{rule.upstream_prefix}/{upstream_path}"
    upstream_host = rule.upstream_url
    if have is not None and repository is not None:
        _serve_cached(state, event, label, registry, repository, have, rule, upstream_path)
        return
    if rule.upstream == "docker-hub" and "/" not in upstream_path:
        state.errors.append("upstream image not found")
        state.decisions.append(
            Step(
                label,
                Verdict.FAILED,
                f"ECR asks Docker Hub for {upstream_path}:{tag}, which doesn't exist: official "
                f"images are library/{upstream_path} (pull {rule.prefix}/library/"
                f"{upstream_path}:{tag})",
                "pull-through-cache-working.html: for Docker Hub official images, the /library "
                "prefix must be included",
                shown(at),
            )
        )
        return
    digest = _upstream_digest(state, setup, upstream_host, f"{upstream_path}:{tag}")
    if digest is None:
        state.errors.append("upstream image not found")
        state.decisions.append(
            Step(
                label,
                Verdict.FAILED,
                f"{upstream_host} has no {upstream_path}:{tag}",
                "pull-through-cache.html",
                shown(at),
            )
        )
        return
    why = refusal(state, IMPORT, registry, name, ("registry", "repository"))
    if why:
        state.denied.append(IMPORT)
        state.errors.append("AccessDeniedException")
        state.decisions.append(
            Step(
                label,
                Verdict.FAILED,
                f"{IMPORT}: {why}; {name}:{tag} is not cached yet, so ECR "
                "must import it from the upstream",
                "pull-through-cache-iam.html: BatchImportUpstreamImage can come from the "
                "registry policy, an identity policy or the repository policy",
                shown(at),
            )
        )
        return
    if repository is None:
        why = refusal(state, CREATE, registry, name, ("registry",))
        if why:
            state.denied.append(CREATE)
            state.errors.append("AccessDeniedException")
            state.decisions.append(
                Step(
                    label,
                    Verdict.FAILED,
                    f"{CREATE}: {why}; the cache repository {name} doesn't exist yet",
                    "pull-through-cache-iam.html: CreateRepository is required if the "
                    "repository doesn't already exist (identity or registry policy)",
                    shown(at),
                )
            )
            return
        repository = create(state, registry, name, "PULL_THROUGH_CACHE", label, at)
        if repository is None:
            return
    image = Image(tag, digest, at)
    state.put(key, with_images(repository, (*repository.images, image)))
    state.cached.append(event.target)
    state.pulled.append(event.target)
    state.decisions.append(
        Step(
            label,
            Verdict.DONE,
            f"ECR imports {upstream_host}/{upstream_path}:{tag} into {name} and serves it "
            "(first pull)",
            "pull-through-cache.html: the first pull creates the repository and caches the image",
            shown(at),
        )
    )


def _serve_cached(
    state: State,
    event: Event,
    label: str,
    registry: Registry,
    repository: Repository,
    have: Image,
    rule: CacheRule,
    upstream_path: str,
) -> None:
    at = event.at
    tag = have.tag
    page = (
        "pull-through-cache.html: for later pulls of a cached tag, ECR checks the upstream "
        "for a newer image and tries to update the cached one at least once every 24 hours"
    )
    # INF: an upstream the scenario doesn't describe has nothing newer (unless upstreamPush)
    latest = state.upstream.get((rule.upstream_url, f"{upstream_path}:{tag}"))
    due = have.synced is None or at is None or at - have.synced >= timedelta(hours=REFRESH_HOURS)
    if due and latest is not None and latest != have.digest:
        images = (*tuple(i for i in repository.images if i.tag != tag), Image(tag, latest, at))
        state.put(registry.key, with_images(repository, images))
        state.refreshed.append(event.target)
        state.pulled.append(event.target)
        state.decisions.append(
            Step(
                label,
                Verdict.DONE,
                f"{repository.name}:{tag} was last synced {REFRESH_HOURS} hours or more ago and "
                f"the upstream has a newer image: ECR refreshes the cache and serves the new "
                f"image ({latest[:19]})",
                page,
                shown(at),
            )
        )
        return
    if due and have.synced is not None and at is not None:
        images = tuple(i if i.tag != tag else Image(tag, i.digest, at) for i in repository.images)
        state.put(registry.key, with_images(repository, images))
    state.from_cache += 1
    state.pulled.append(event.target)
    newer = latest is not None and latest != have.digest
    state.decisions.append(
        Step(
            label,
            Verdict.DONE,
            f"ECR serves the cached {repository.name}:{tag} ({have.digest[:19]}) from the "
            "private registry"
            + (
                "; the upstream has a newer image, but the cached copy was synced less than "
                f"{REFRESH_HOURS} hours ago (INF: ecsprep refreshes at the latest the docs "
                "allow, once 24 hours have passed)"
                if newer
                else ""
            ),
            page,
            shown(at),
        )
    )
