"""Repositories ECR creates on the principal's behalf (for REPLICATION,
PULL_THROUGH_CACHE or CREATE_ON_PUSH), with the repository creation template that applies.
"""

from __future__ import annotations

from datetime import datetime

from ecsprep.sim.ecr_replication.registries import Registry, Repository, Template
from ecsprep.sim.ecr_replication.state import State, shown
from ecsprep.sim.ecr_replication.steps import Step, Verdict


def template_for(registry: Registry, name: str, action: str) -> Template | None:
    """The template applied for `action` with the longest matching prefix; ROOT last."""
    fitting = [t for t in registry.templates if action in t.applied_for and t.matches(name)]
    specific = [t for t in fitting if t.prefix != "ROOT"]
    if specific:
        return max(specific, key=lambda t: len(t.prefix))
    return fitting[0] if fitting else None


def create(
    state: State, registry: Registry, name: str, action: str, label: str, at: datetime | None
) -> Repository | None:
    """ECR creates a repository on the principal's behalf, with the matching template."""
    template = template_for(registry, name, action)
    uri = f"{registry.host}/{name}"
    rule = "repository-creation-templates-create.html"
    if template is None:
        repository = Repository(name)
        why = (
            f"no template applied for {action} matches, so the CreateRepository defaults "
            "(MUTABLE tags, AES256)"
        )
    else:
        if (
            (template.encryption != "AES256" and template.kms_key != "aws/ecr") or template.tags
        ) and (not template.custom_role):
            state.decisions.append(
                Step(
                    label,
                    Verdict.FAILED,
                    f"ECR can't create {uri}: template {template.prefix!r} sets a KMS key or "
                    "resource tags but has no customRoleArn",
                    f"{rule}: KMS keys or resource tags in a template need a custom role "
                    "(INF: ecsprep makes the creation fail)",
                    shown(at),
                )
            )
            state.errors.append("template needs customRoleArn")
            return None
        repository = Repository(
            name,
            mutability=template.mutability,
            encryption=template.encryption,
            kms_key=template.kms_key,
            lifecycle=template.lifecycle,
            tags=template.tags,
            template=template.prefix,
        )
        why = (
            f"template {template.prefix!r} (applied for {action}) gives it "
            f"{template.mutability} tags, {template.encryption}"
            + (f" with {template.kms_key}" if template.kms_key else "")
            + (", a lifecycle policy" if template.lifecycle else "")
            + (", a repository policy" if template.policy else "")
            + (", tags " + ", ".join(f"{k}={v}" for k, v in template.tags) if template.tags else "")
        )
    state.put(registry.key, repository)
    state.created.append(uri)
    state.decisions.append(Step(label, Verdict.DONE, f"ECR creates {uri}: {why}", rule, shown(at)))
    return repository
