"""A docker push to an ECR private registry: permissions, create on push, tag
immutability, then replication.
"""

from __future__ import annotations

from ecsprep.sim.ecr_access import PUSH_ACTIONS
from ecsprep.sim.ecr_replication.creation import create, template_for
from ecsprep.sim.ecr_replication.permissions import refused
from ecsprep.sim.ecr_replication.registries import Event, Image, image_digest, with_images
from ecsprep.sim.ecr_replication.replication import replicate
from ecsprep.sim.ecr_replication.state import State, parse_uri, shown
from ecsprep.sim.ecr_replication.steps import Step, Verdict


def push(state: State, event: Event, label: str) -> None:
    parsed = parse_uri(event.target)
    at = event.at
    if parsed is None:
        state.errors.append("not an ECR registry")
        state.decisions.append(
            Step(
                label,
                Verdict.FAILED,
                f"{event.target} is not an ECR private image URI "
                "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG)",
                "ecsprep models pushes to ECR private registries",
                shown(at),
            )
        )
        return
    key, name, tag = parsed
    registry = state.registry(key)
    if refused(state, PUSH_ACTIONS, registry, name, (label, "image-push-iam.html", at)):
        return
    repository = state.repo(key, name)
    if repository is None:
        if template_for(registry, name, "CREATE_ON_PUSH") is None:
            state.errors.append("RepositoryNotFoundException")
            state.decisions.append(
                Step(
                    label,
                    Verdict.FAILED,
                    f"name unknown: The repository with name '{name}' does not exist in the "
                    f"registry with id '{registry.registry_id}' (no CREATE_ON_PUSH template "
                    "matches it)",
                    "repository-creation-templates.html: create on push needs a template "
                    "applied for CREATE_ON_PUSH",
                    shown(at),
                )
            )
            return
        repository = create(state, registry, name, "CREATE_ON_PUSH", label, at)
        if repository is None:
            return
    digest = event.digest or image_digest(f"{event.target}#{len(state.pushed)}")
    if repository.mutability == "IMMUTABLE" and any(i.tag == tag for i in repository.images):
        state.errors.append("ImageTagAlreadyExistsException")
        state.decisions.append(
            Step(
                label,
                Verdict.FAILED,
                f"ImageTagAlreadyExistsException: The image tag '{tag}' already exists in the "
                f"'{name}' repository and cannot be overwritten because the repository is "
                "immutable.",
                "image-tag-mutability.html",
                shown(at),
            )
        )
        return
    image = Image(tag, digest)
    kept = tuple(i for i in repository.images if i.tag != tag)
    state.put(key, with_images(repository, (*kept, image)))
    state.pushed.append(event.target)
    state.decisions.append(
        Step(label, Verdict.DONE, f"pushed {name}:{tag} to {key}", "image-push.html", shown(at))
    )
    if not registry.rules:
        return
    replicate(state, state.registries[key], name, image, label, at)
