"""Private image replication: copying a pushed image to each destination of the
rules it matches (cross-Region and cross-account), repeating deletions, and replication
backfills.
"""

from __future__ import annotations

from datetime import datetime

from ecsprep.sim.ecr_replication.creation import create
from ecsprep.sim.ecr_replication.permissions import policy_decision
from ecsprep.sim.ecr_replication.registries import Destination, Event, Image, Registry, with_images
from ecsprep.sim.ecr_replication.state import State, parse_uri, shown
from ecsprep.sim.ecr_replication.steps import Step, Verdict
from ecsprep.sim.iam_policy import Decision


def replicate(
    state: State, source: Registry, name: str, image: Image, label: str, at: datetime | None
) -> None:
    rule_page = "registry-settings-configure.html"
    done: set[str] = set()
    for rule in source.rules:
        if not rule.matches(name):
            state.decisions.append(
                Step(
                    label,
                    Verdict.SKIPPED,
                    f"{name} matches none of the rule's PREFIX_MATCH filters "
                    f"({', '.join(rule.filters)}): not replicated by it",
                    rule_page,
                    shown(at),
                )
            )
            continue
        for destination in rule.destinations:
            if destination.key in done:
                continue
            done.add(destination.key)
            if destination.key == source.key:
                state.decisions.append(
                    Step(
                        label,
                        Verdict.SKIPPED,
                        f"the destination {destination.key} is the source registry itself: "
                        "nothing to copy (INF)",
                        rule_page,
                        shown(at),
                    )
                )
                continue
            _copy(state, source, destination, name, image, label, at)


def _copy(
    state: State,
    source: Registry,
    destination: Destination,
    name: str,
    image: Image,
    label: str,
    at: datetime | None,
) -> None:
    target = state.registry(destination.key)
    uri = f"{target.host}/{name}:{image.tag}"
    cross = destination.registry_id != source.registry_id
    page = "registry-permissions-create-replication.html"
    arn = f"arn:aws:ecr:{target.region}:{target.registry_id}:repository/{name}"
    source_root = f"arn:aws:iam::{source.registry_id}:root"
    if cross:
        decision, by = policy_decision(
            target.policy, source.registry_id, source_root, "ecr:ReplicateImage", arn
        )
        if decision is not Decision.ALLOWED:
            state.failed.append(uri)
            state.denied.append("ecr:ReplicateImage")
            state.decisions.append(
                Step(
                    label,
                    Verdict.FAILED,
                    f"replication to {uri} FAILED: the registry policy of {target.key} doesn't "
                    f"allow account {source.registry_id} ecr:ReplicateImage"
                    + (f" ({decision.value} by {by})" if by else ""),
                    f"{page}: a registry policy must grant ecr:ReplicateImage",
                    shown(at),
                )
            )
            return
    repository = state.repo(target.key, name)
    if repository is None:
        if cross:
            decision, by = policy_decision(
                target.policy, source.registry_id, source_root, "ecr:CreateRepository", arn
            )
            if decision is not Decision.ALLOWED:
                state.failed.append(uri)
                state.denied.append("ecr:CreateRepository")
                state.decisions.append(
                    Step(
                        label,
                        Verdict.FAILED,
                        f"replication to {uri} FAILED: {name} doesn't exist in {target.key} and "
                        f"its registry policy doesn't allow account {source.registry_id} "
                        "ecr:CreateRepository",
                        f"{page}: without ecr:CreateRepository a repository with the same name "
                        "must be created manually; if neither is done, replication fails",
                        shown(at),
                    )
                )
                return
        repository = create(state, target, name, "REPLICATION", label, at)
        if repository is None:
            state.failed.append(uri)
            return
    kept = tuple(i for i in repository.images if i.tag != image.tag)
    state.put(
        target.key,
        with_images(repository, (*kept, Image(image.tag, image.digest))),
    )
    state.replicated.append(uri)
    state.decisions.append(
        Step(
            label,
            Verdict.DONE,
            f"ECR replicates {name}:{image.tag} to {uri}"
            + (" (cross-account)" if cross else " (cross-Region)"),
            "registry-settings-configure.html"
            + (f"; {page}: allowed by the destination's registry policy" if cross else ""),
            shown(at),
        )
    )


def delete(state: State, event: Event, label: str) -> None:
    at = event.at
    parsed = parse_uri(event.target)
    if parsed is None or state.repo(parsed[0], parsed[1]) is None:
        state.errors.append("ImageNotFoundException")
        state.decisions.append(
            Step(label, Verdict.FAILED, f"no image {event.target}", "delete_image.html", shown(at))
        )
        return
    key, name, tag = parsed
    repository = state.repo(key, name)
    assert repository is not None
    state.put(key, with_images(repository, tuple(i for i in repository.images if i.tag != tag)))
    state.decisions.append(
        Step(
            label, Verdict.DONE, f"deleted {name}:{tag} from {key}", "delete_image.html", shown(at)
        )
    )
    for rule in state.registries[key].rules:
        if not rule.matches(name):
            continue
        for destination in rule.destinations:
            target = (
                state.repo(destination.key, name) if destination.key in state.registries else None
            )
            if not rule.delete_replication:
                state.decisions.append(
                    Step(
                        label,
                        Verdict.SKIPPED,
                        f"the deletion is not repeated in {destination.key}: the rule doesn't "
                        "enable deleteReplication",
                        "replication-delete.html",
                        shown(at),
                    )
                )
                continue
            if target is not None:
                state.put(
                    destination.key,
                    with_images(target, tuple(i for i in target.images if i.tag != tag)),
                )
                state.decisions.append(
                    Step(
                        label,
                        Verdict.DONE,
                        f"ECR repeats the deletion of {name}:{tag} in {destination.key}",
                        "replication-delete.html",
                        shown(at),
                    )
                )


def _backfill_source(state: State, event: Event) -> Registry:
    """The registry a StartReplicationBackfill request runs against: its registryId (the
    default registry, the first listed, when absent). The API call's Region is its
    endpoint's, which a scenario doesn't have: of that account's registries, the first
    whose replication configuration has the destination, else the first listed (INF)."""
    registries = list(state.registries.values())
    account = event.source or registries[0].registry_id
    mine = [r for r in registries if r.registry_id == account]
    for registry in mine:
        if any(d.key == event.target for rule in registry.rules for d in rule.destinations):
            return registry
    return mine[0]


def backfill(state: State, event: Event, label: str) -> None:
    at = event.at
    source = _backfill_source(state, event)
    source_key = source.key
    page = "replication-backfill.html"
    targets = {d.key for rule in source.rules for d in rule.destinations}
    if event.target not in targets:
        state.errors.append("InvalidParameterException")
        state.decisions.append(
            Step(
                label,
                Verdict.FAILED,
                f"{event.target} is not a destination of {source_key}'s replication "
                "configuration (the exception name is INF: the API reference doesn't name it)",
                "API_StartReplicationBackfill: the destination must already be configured in "
                "the registry's replication configuration",
                shown(at),
            )
        )
        return
    account, region = event.target.split("/")
    destination = Destination(region, account)
    for repository in source.repositories:
        if not any(
            r.matches(repository.name) and destination in r.destinations for r in source.rules
        ):
            continue
        for image in repository.images:
            _copy(state, source, destination, repository.name, image, label, at)
    state.decisions.append(
        Step(
            label,
            Verdict.DONE,
            f"the backfill of {event.target} copied the existing images that match the current "
            "rules",
            f"{page}: only images that match your current replication configuration rules",
            shown(at),
        )
    )
