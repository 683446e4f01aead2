"""The ecr-replication simulator's input: the private registries in the story (their
replication rules, pull through cache rules, repository creation templates and repositories
with their images), the principal, the events, and the Setup holding them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from ecsprep.sim.iam_policy import Policy

ECR_HOST = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$"
)


@dataclass(frozen=True, slots=True)
class Destination:
    region: str
    registry_id: str

    @property
    def key(self) -> str:
        return f"{self.registry_id}/{self.region}"


@dataclass(frozen=True, slots=True)
class Rule:
    destinations: tuple[Destination, ...]
    filters: tuple[str, ...] = ()  # PREFIX_MATCH filters; none = every repository
    delete_replication: bool = False

    def matches(self, repository: str) -> bool:
        return not self.filters or any(repository.startswith(f) for f in self.filters)


@dataclass(frozen=True, slots=True)
class CacheRule:
    prefix: str
    upstream_url: str
    upstream: str  # the upstreamRegistry name (docker-hub, quay, ...)
    credential_arn: str = ""
    upstream_prefix: str = "ROOT"


@dataclass(frozen=True, slots=True)
class Template:
    prefix: str
    applied_for: tuple[str, ...]
    mutability: str = "MUTABLE"
    encryption: str = "AES256"
    kms_key: str = ""
    lifecycle: bool = False
    policy: bool = False
    tags: tuple[tuple[str, str], ...] = ()
    custom_role: str = ""

    def matches(self, repository: str) -> bool:
        return self.prefix == "ROOT" or repository.startswith(self.prefix + "/")


@dataclass(frozen=True, slots=True)
class Image:
    tag: str
    digest: str
    synced: datetime | None = None  # for a cached image: when ECR last synced it upstream


@dataclass(frozen=True, slots=True)
class Repository:
    name: str
    mutability: str = "MUTABLE"
    encryption: str = "AES256"
    kms_key: str = ""
    lifecycle: bool = False
    policy: Policy | None = None
    tags: tuple[tuple[str, str], ...] = ()
    images: tuple[Image, ...] = ()
    template: str = ""  # the prefix of the template applied at creation


@dataclass(frozen=True, slots=True)
class Registry:
    registry_id: str
    region: str
    rules: tuple[Rule, ...] = ()
    policy: Policy | None = None
    cache_rules: tuple[CacheRule, ...] = ()
    templates: tuple[Template, ...] = ()
    repositories: tuple[Repository, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.registry_id}/{self.region}"

    @property
    def host(self) -> str:
        return f"{self.registry_id}.dkr.ecr.{self.region}.amazonaws.com"


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    target: str  # an image URI, a destination key, an upstream image
    at: datetime | None = None
    digest: str = ""
    source: str = ""  # a backfill's registryId (the source account; "" = the default registry)


@dataclass(frozen=True, slots=True)
class Principal:
    arn: str
    account: str
    policies: tuple[Policy, ...] = ()
    given: bool = False  # False: no principal in the scenario, every ECR action allowed (INF)


@dataclass(frozen=True, slots=True)
class Setup:
    registries: tuple[Registry, ...]
    principal: Principal
    upstream: tuple[tuple[str, str, str], ...]  # (registry host, repository:tag, digest)
    upstream_given: tuple[str, ...]  # hosts whose content the scenario lists
    events: tuple[Event, ...]
    description: str = ""


def image_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def with_images(repository: Repository, images: tuple[Image, ...]) -> Repository:
    return Repository(
        repository.name,
        repository.mutability,
        repository.encryption,
        repository.kms_key,
        repository.lifecycle,
        repository.policy,
        repository.tags,
        images,
        repository.template,
    )
