"""What ECR copies, creates and caches on your behalf: private image replication, pull
through cache rules, repository creation templates and create on push.

The input (docs/ecr-replication.md) is a scenario in AWS's own shapes: the private
registries in the story (one per account and Region), each with its replication
configuration (PutReplicationConfiguration's body), registry permissions policy
(PutRegistryPolicy's policyText), pull through cache rules (CreatePullThroughCacheRule
bodies), repository creation templates (CreateRepositoryCreationTemplate bodies) and
repositories (describe-repositories plus their images); the principal that pushes and
pulls (its identity policies); what the upstream registries hold; and the events, in
order: docker push, docker pull, a replication backfill, a deletion, a new upstream
image. `run` plays the events and records every decision with the documented rule it
applied:

- Replication ("Private image replication", registry-settings-configure.html,
  replication-backfill.html): an image pushed to a repository that a rule's
  PREFIX_MATCH filters match (every repository when a rule has none) is copied to each
  of the rule's destinations. Only images pushed after the configuration are
  replicated; a replication backfill (one destination at a time) copies the images
  already there that match the current rules. Deletions are repeated only when the
  rule has deleteReplication enabled.
- Cross-account (registry-permissions-create-replication.html): the destination's
  registry permissions policy must allow the source account ecr:ReplicateImage, and
  ecr:CreateRepository for ECR to create a missing repository; without either the
  replication fails. Cross-Region in one's own registry needs no policy.
- Pull through cache (pull-through-cache.html, pull-through-cache-iam.html,
  pull-through-cache-working.html): a pull of PREFIX/UPSTREAM-PATH creates the cache
  repository and imports the upstream image; that needs ecr:BatchImportUpstreamImage
  (identity, registry or repository policy) and, when the repository doesn't exist,
  ecr:CreateRepository (identity or registry policy). Later pulls of a cached tag are
  served from the cache, and ECR refreshes the cached image from the upstream at least
  once every 24 hours. Docker Hub official images need library/ in the path.
  Authenticated upstreams need a Secrets Manager secret named ecr-pullthroughcache/...
  in the rule's account and Region.
- Repository creation templates (repository-creation-templates-create.html,
  API_CreateRepositoryCreationTemplate): a repository that ECR creates for
  REPLICATION, PULL_THROUGH_CACHE or CREATE_ON_PUSH gets the settings of the template
  applied for that action whose prefix matches (ROOT: any repository without a more
  specific template), else the CreateRepository defaults (MUTABLE, AES256). A
  template with a KMS key or resource tags needs a custom role (customRoleArn).
  Create on push: a push to a missing repository creates it when a CREATE_ON_PUSH
  template matches; otherwise the push fails.

Every point the docs leave open is an inferred choice, said in the notes as "INF".
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str
from ecsprep.sim.iam_policy import Decision, Policy, read_policy, statement_applies

REFRESH_HOURS = 24
APPLIED_FOR = ("REPLICATION", "PULL_THROUGH_CACHE", "CREATE_ON_PUSH")
MUTABILITY = ("MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
ENCRYPTION = ("AES256", "KMS", "KMS_DSSE")
PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)
PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
# The upstream registries of CreatePullThroughCacheRule (its upstreamRegistryUrl list) and
# whether each needs a Secrets Manager secret (pull-through-cache.html).
UPSTREAMS: dict[str, tuple[str, bool]] = {
    "public.ecr.aws": ("ecr-public", False),
    "registry.k8s.io": ("k8s", False),
    "quay.io": ("quay", False),
    "registry-1.docker.io": ("docker-hub", True),
    "ghcr.io": ("github-container-registry", True),
    "registry.gitlab.com": ("gitlab-container-registry", True),
    "cgr.dev": ("chainguard", True),
}
AZURE = re.compile(r"^[a-z0-9]+\.azurecr\.io$")
ECR_HOST = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$"
)
SECRET_ARN = re.compile(
    r"^arn:aws:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$"
)
REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
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

_KEYS = ("description", "registries", "principal", "upstream", "events")
_REGISTRY_KEYS = (
    "registryId",
    "region",
    "replicationConfiguration",
    "registryPolicy",
    "pullThroughCacheRules",
    "repositoryCreationTemplates",
    "repositories",
)
_RULE_KEYS = ("destinations", "repositoryFilters", "deleteReplication")
_PTC_KEYS = (
    "registryId",
    "ecrRepositoryPrefix",
    "upstreamRegistryUrl",
    "upstreamRegistry",
    "credentialArn",
    "customRoleArn",
    "upstreamRepositoryPrefix",
)
_TEMPLATE_KEYS = (
    "prefix",
    "description",
    "appliedFor",
    "customRoleArn",
    "encryptionConfiguration",
    "imageTagMutability",
    "imageTagMutabilityExclusionFilters",
    "lifecyclePolicy",
    "repositoryPolicy",
    "resourceTags",
)
_REPOSITORY_KEYS = (
    "repositoryName",
    "imageTagMutability",
    "encryptionConfiguration",
    "lifecyclePolicy",
    "policy",
    "tags",
    "images",
)
_EVENT_KINDS = ("push", "pull", "delete", "startReplicationBackfill", "upstreamPush", "wait")


class Verdict(str, Enum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


# ----------------------------------------------------------------------------- input


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
    created_by: str = ""  # REPLICATION / PULL_THROUGH_CACHE / CREATE_ON_PUSH; "" = given
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


# ----------------------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class Step:
    """One decision of the run: what happened where, and the documented rule."""

    event: str
    verdict: Verdict
    what: str
    rule: str
    at: str = ""


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


# ----------------------------------------------------------------------------- reading


def _unknown(raw: Mapping[str, object], known: tuple[str, ...], where: Where, what: str) -> None:
    """AWS's (botocore's) refusal of a key its request shape doesn't have."""
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            raise where.key(str(key)).refuse(
                f'Parameter validation failed: Unknown parameter in {what}: "{key}", must be '
                f"one of: {', '.join(known)}",
                f"did you mean {close[0]}?" if close else "see docs/ecr-replication.md",
            )


def _pattern_error(value: str, name: str, pattern: str) -> str:
    return (
        f"InvalidParameterException: 1 validation error detected: Value '{value}' at "
        f"'{name}' failed to satisfy constraint: Member must satisfy regular expression "
        f"pattern: {pattern}"
    )


def _time(value: object, where: Where) -> datetime:
    text = as_str(value, where)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise where.refuse(f"{text!r} is not a time", "write an ISO 8601 time") from None


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _tags(value: object, where: Where) -> tuple[tuple[str, str], ...]:
    found = []
    for n, item in enumerate(as_list(value, where)):
        tag = as_mapping(item, where.index(n), "a tag")
        key = tag.get("Key", tag.get("key"))
        if not isinstance(key, str):
            raise where.index(n).refuse("a tag needs a Key", 'write {"Key": K, "Value": V}')
        found.append((key, str(tag.get("Value", tag.get("value", "")))))
    return tuple(found)


def _encryption(value: object, where: Where) -> tuple[str, str]:
    raw = as_mapping(value, where, "an encryptionConfiguration")
    _unknown(raw, ("encryptionType", "kmsKey"), where, "encryptionConfiguration")
    kind = str(raw.get("encryptionType", "AES256"))
    if kind not in ENCRYPTION:
        raise where.key("encryptionType").refuse(
            f"{kind!r}: valid values are {', '.join(ENCRYPTION)}"
        )
    key = str(raw.get("kmsKey", ""))
    if key and kind == "AES256":
        raise where.key("kmsKey").refuse(
            "InvalidParameterException: a kmsKey needs encryptionType KMS or KMS_DSSE"
        )
    if kind != "AES256" and not key:
        key = "aws/ecr"  # the AWS managed key (API EncryptionConfiguration)
    return kind, key


def _rule(data: object, where: Where) -> Rule:
    raw = as_mapping(data, where, "a replication rule")
    _unknown(raw, _RULE_KEYS, where, "ReplicationRule")
    at = where.key("destinations")
    items = as_list(raw.get("destinations", []), at)
    if len(items) > 100:
        raise at.refuse("InvalidParameterException: a rule has at most 100 destinations")
    destinations = []
    for n, item in enumerate(items):
        d = as_mapping(item, at.index(n), "a destination")
        _unknown(d, ("region", "registryId"), at.index(n), "ReplicationDestination")
        region = str(d.get("region", ""))
        registry = str(d.get("registryId", ""))
        if not re.fullmatch(r"[0-9a-z-]{2,25}", region):
            raise (
                at.index(n)
                .key("region")
                .refuse(_pattern_error(region, "region", "[0-9a-z-]{2,25}"))
            )
        if not re.fullmatch(r"[0-9]{12}", registry):
            raise (
                at.index(n)
                .key("registryId")
                .refuse(_pattern_error(registry, "registryId", "^[0-9]{12}$"))
            )
        destinations.append(Destination(region, registry))
    fat = where.key("repositoryFilters")
    filters = []
    raw_filters = as_list(raw.get("repositoryFilters", []), fat)
    if "repositoryFilters" in raw and not 1 <= len(raw_filters) <= 100:
        raise fat.refuse("InvalidParameterException: give 1 to 100 repository filters")
    for n, item in enumerate(raw_filters):
        f = as_mapping(item, fat.index(n), "a repository filter")
        _unknown(f, ("filter", "filterType"), fat.index(n), "RepositoryFilter")
        if f.get("filterType") != "PREFIX_MATCH":
            raise (
                fat.index(n)
                .key("filterType")
                .refuse(f"{f.get('filterType')!r}: the only filterType is PREFIX_MATCH")
            )
        filters.append(as_str(f.get("filter", ""), fat.index(n).key("filter")))
    deletes = as_mapping(raw.get("deleteReplication", {}), where.key("deleteReplication"))
    return Rule(tuple(destinations), tuple(filters), bool(deletes.get("enabled", False)))


def _cache_rule(data: object, where: Where, registry: Registry) -> CacheRule:
    raw = as_mapping(data, where, "a CreatePullThroughCacheRule request")
    _unknown(raw, _PTC_KEYS, where, "input")
    prefix = as_str(raw.get("ecrRepositoryPrefix", ""), where.key("ecrRepositoryPrefix"))
    pattern = r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
    if not (2 <= len(prefix) <= 30 and re.fullmatch(pattern, prefix)):
        raise where.key("ecrRepositoryPrefix").refuse(
            _pattern_error(prefix, "ecrRepositoryPrefix", pattern), "2 to 30 characters"
        )
    url = as_str(raw.get("upstreamRegistryUrl", ""), where.key("upstreamRegistryUrl"))
    url = url.removeprefix("https://").rstrip("/")
    if url in UPSTREAMS:
        name, secret = UPSTREAMS[url]
    elif AZURE.match(url):
        name, secret = "azure-container-registry", True
    elif ECR_HOST.match(url):
        name, secret = "ecr", False
    else:
        raise where.key("upstreamRegistryUrl").refuse(
            f"UnsupportedUpstreamRegistryException: {url!r} is not a supported upstream registry",
            "public.ecr.aws, registry-1.docker.io, quay.io, registry.k8s.io, ghcr.io, "
            "registry.gitlab.com, NAME.azurecr.io, cgr.dev or an ECR private registry",
        )
    given = str(raw.get("upstreamRegistry", name))
    if given != name:
        raise where.key("upstreamRegistry").refuse(
            f"InvalidParameterException: upstreamRegistry {given!r} doesn't match "
            f"upstreamRegistryUrl {url} ({name})"
        )
    credential = str(raw.get("credentialArn", ""))
    at = where.key("credentialArn")
    if credential and not SECRET_ARN.match(credential):
        raise at.refuse(
            _pattern_error(credential, "credentialArn", SECRET_ARN.pattern),
            "the secret's name must begin with ecr-pullthroughcache/",
        )
    if secret and not credential:
        raise at.refuse(
            f"InvalidParameterException: the {name} upstream requires authentication: give "
            "the credentialArn of a Secrets Manager secret (INF: ecsprep's words)",
            "pull-through-cache.html: Docker Hub, GitHub, GitLab, Azure and Chainguard need "
            "a secret",
        )
    if credential:
        parts = credential.split(":")
        if parts[3] != registry.region or parts[4] != registry.registry_id:
            raise at.refuse(
                f"SecretNotFoundException: the secret is in {parts[4]}/{parts[3]}, not in the "
                f"rule's account and Region {registry.key}",
                "the account and Region of the secret must match the rule's "
                "(pull-through-cache-creating-rule.html)",
            )
    upstream_prefix = str(raw.get("upstreamRepositoryPrefix", "ROOT"))
    if upstream_prefix != "ROOT" and name != "ecr":
        raise where.key("upstreamRepositoryPrefix").refuse(
            "InvalidParameterException: upstreamRepositoryPrefix is only for an ECR upstream"
        )
    return CacheRule(prefix, url, name, credential, upstream_prefix)


def _template(data: object, where: Where) -> Template:
    raw = as_mapping(data, where, "a CreateRepositoryCreationTemplate request")
    _unknown(raw, _TEMPLATE_KEYS, where, "input")
    prefix = as_str(raw.get("prefix", ""), where.key("prefix"))
    if prefix != "ROOT" and not REPOSITORY_NAME.match(prefix):
        raise where.key("prefix").refuse(
            _pattern_error(prefix, "prefix", "ROOT or a repository namespace")
        )
    at = where.key("appliedFor")
    applied = tuple(str(a) for a in as_list(raw.get("appliedFor", []), at))
    if not applied:
        raise at.refuse("appliedFor is required", "REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH")
    for n, item in enumerate(applied):
        if item not in APPLIED_FOR:
            raise at.index(n).refuse(f"{item!r}: valid values are {', '.join(APPLIED_FOR)}")
    mutability = str(raw.get("imageTagMutability", "MUTABLE"))
    if mutability not in MUTABILITY:
        raise where.key("imageTagMutability").refuse(
            f"{mutability!r}: valid values are {', '.join(MUTABILITY)}"
        )
    kind, key = "AES256", ""
    if raw.get("encryptionConfiguration") is not None:
        kind, key = _encryption(
            raw["encryptionConfiguration"], where.key("encryptionConfiguration")
        )
    role = str(raw.get("customRoleArn", ""))
    if role and not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/\S+", role):
        raise where.key("customRoleArn").refuse(f"{role!r} is not an IAM role ARN")
    return Template(
        prefix=prefix,
        applied_for=applied,
        mutability=mutability,
        encryption=kind,
        kms_key=key,
        lifecycle=raw.get("lifecyclePolicy") is not None,
        policy=raw.get("repositoryPolicy") is not None,
        tags=_tags(raw.get("resourceTags", []), where.key("resourceTags")),
        custom_role=role,
    )


def _repository(data: object, where: Where) -> Repository:
    raw = as_mapping(data, where, "a repository")
    _unknown(raw, _REPOSITORY_KEYS, where, "repository")
    name = as_str(raw.get("repositoryName", ""), where.key("repositoryName"))
    if not REPOSITORY_NAME.match(name):
        raise where.key("repositoryName").refuse(
            _pattern_error(name, "repositoryName", REPOSITORY_NAME.pattern)
        )
    mutability = str(raw.get("imageTagMutability", "MUTABLE"))
    if mutability not in MUTABILITY:
        raise where.key("imageTagMutability").refuse(
            f"{mutability!r}: valid values are {', '.join(MUTABILITY)}"
        )
    kind, key = "AES256", ""
    if raw.get("encryptionConfiguration") is not None:
        kind, key = _encryption(
            raw["encryptionConfiguration"], where.key("encryptionConfiguration")
        )
    images = []
    at = where.key("images")
    for n, item in enumerate(as_list(raw.get("images", []), at)):
        image = as_mapping(item, at.index(n), "an image")
        tag = as_str(image.get("imageTag", "latest"), at.index(n).key("imageTag"))
        digest = str(image.get("imageDigest", _digest(f"{name}:{tag}")))
        images.append(Image(tag, digest))
    policy = None
    if raw.get("policy") is not None:
        policy = read_policy(raw["policy"], where.key("policy"), f"{name}'s repository policy")
    return Repository(
        name=name,
        mutability=mutability,
        encryption=kind,
        kms_key=key,
        lifecycle=raw.get("lifecyclePolicy") is not None,
        policy=policy,
        tags=_tags(raw.get("tags", []), where.key("tags")),
        images=tuple(images),
    )


def _registry(data: object, where: Where) -> Registry:
    raw = as_mapping(data, where, "a registry")
    _unknown(raw, _REGISTRY_KEYS, where, "registry")
    account = str(raw.get("registryId", ""))
    region = str(raw.get("region", ""))
    if not re.fullmatch(r"\d{12}", account):
        raise where.key("registryId").refuse(f"{account!r} is not a 12-digit account ID")
    if not re.fullmatch(r"[a-z]{2}(?:-[a-z]+)+-\d", region):
        raise where.key("region").refuse(f"{region!r} is not a Region", "e.g. us-east-1")
    registry = Registry(account, region)
    rules: list[Rule] = []
    if raw.get("replicationConfiguration") is not None:
        at = where.key("replicationConfiguration")
        config = as_mapping(raw["replicationConfiguration"], at, "a replicationConfiguration")
        _unknown(config, ("rules",), at, "ReplicationConfiguration")
        items = as_list(config.get("rules", []), at.key("rules"))
        if len(items) > 10:
            raise at.key("rules").refuse(
                "InvalidParameterException: a replication configuration has at most 10 rules"
            )
        rules = [_rule(item, at.key("rules").index(n)) for n, item in enumerate(items)]
    policy = None
    if raw.get("registryPolicy") is not None:
        policy = read_policy(raw["registryPolicy"], where.key("registryPolicy"), "registry policy")
        for s, statement in enumerate(policy.statements):
            if not statement.principals:
                raise (
                    where.key("registryPolicy")
                    .key("Statement")
                    .index(s)
                    .refuse(
                        "InvalidParameterException: Invalid registry policy provided: a statement "
                        "needs a Principal"
                    )
                )
    at = where.key("pullThroughCacheRules")
    cache_rules = [
        _cache_rule(item, at.index(n), registry)
        for n, item in enumerate(as_list(raw.get("pullThroughCacheRules", []), at))
    ]
    seen: set[str] = set()
    for n, rule in enumerate(cache_rules):
        if rule.prefix in seen:
            raise at.index(n).refuse(
                "PullThroughCacheRuleAlreadyExistsException: a pull through cache rule with "
                f"the prefix {rule.prefix!r} already exists"
            )
        seen.add(rule.prefix)
    at = where.key("repositoryCreationTemplates")
    templates = [
        _template(item, at.index(n))
        for n, item in enumerate(as_list(raw.get("repositoryCreationTemplates", []), at))
    ]
    prefixes = [t.prefix for t in templates]
    for n, prefix in enumerate(prefixes):
        if prefix in prefixes[:n]:
            raise at.index(n).refuse(
                f"TemplateAlreadyExistsException: a template with the prefix {prefix!r} "
                "already exists"
            )
    at = where.key("repositories")
    repositories = [
        _repository(item, at.index(n))
        for n, item in enumerate(as_list(raw.get("repositories", []), at))
    ]
    return Registry(
        account,
        region,
        tuple(rules),
        policy,
        tuple(cache_rules),
        tuple(templates),
        tuple(repositories),
    )


def _event(data: object, where: Where) -> Event:
    raw = as_mapping(data, where, "an event")
    kinds = [k for k in raw if k in _EVENT_KINDS]
    for key in raw:
        if key not in (*_EVENT_KINDS, "at", "imageDigest"):
            close = difflib.get_close_matches(str(key), _EVENT_KINDS, n=1)
            raise where.key(str(key)).refuse(
                f"unknown key {key!r} in an event",
                f"did you mean {close[0]}?" if close else "one of " + ", ".join(_EVENT_KINDS),
            )
    if len(kinds) != 1:
        raise where.refuse("an event is exactly one of " + ", ".join(_EVENT_KINDS))
    kind = kinds[0]
    at = _time(raw["at"], where.key("at")) if raw.get("at") is not None else None
    value = raw[kind]
    if kind == "startReplicationBackfill":
        body = as_mapping(value, where.key(kind), "a StartReplicationBackfill request")
        # API_StartReplicationBackfill: {destination: {region, registryId}, registryId}
        _unknown(body, ("destination", "registryId"), where.key(kind), "input")
        destination = as_mapping(body.get("destination", {}), where.key(kind).key("destination"))
        target = f"{destination.get('registryId', '')}/{destination.get('region', '')}"
        source = str(body.get("registryId", ""))
        if source and not re.fullmatch(r"[0-9]{12}", source):
            raise (
                where.key(kind)
                .key("registryId")
                .refuse(
                    f"registryId {source!r} is not a 12-digit account ID",
                    'quote it, e.g. registryId: "111122223333"',
                )
            )
        return Event(kind, target, at, source=source)
    if kind == "wait":
        return Event(kind, str(value), at)
    target = as_str(value, where.key(kind))
    return Event(kind, target, at, digest=str(raw.get("imageDigest", "")))


def read_setup(document: Mapping[str, object], where: Where) -> Setup:
    for key in document:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                f"did you mean {close[0]}?" if close else "see docs/ecr-replication.md",
            )
    at = where.key("registries")
    registries = tuple(
        _registry(item, at.index(n))
        for n, item in enumerate(as_list(document.get("registries", []), at))
    )
    if not registries:
        raise at.refuse("the scenario needs at least one registry", "see docs/ecr-replication.md")
    keys = [r.key for r in registries]
    for n, key in enumerate(keys):
        if key in keys[:n]:
            raise at.index(n).refuse(f"registry {key} is listed twice")
    p_at = where.key("principal")
    first = registries[0].registry_id
    principal = Principal(f"arn:aws:iam::{first}:role/admin", first)
    if document.get("principal") is not None:
        raw = as_mapping(document["principal"], p_at, "a principal")
        _unknown(raw, ("arn", "policies"), p_at, "principal")
        arn = as_str(raw.get("arn", ""), p_at.key("arn"))
        match = re.fullmatch(r"arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):\S+", arn)
        if not match:
            raise p_at.key("arn").refuse(f"{arn!r} is not an IAM user or role ARN")
        policies = tuple(
            read_policy(item, p_at.key("policies").index(n), f"identity policy {n + 1}")
            for n, item in enumerate(as_list(raw.get("policies", []), p_at.key("policies")))
        )
        principal = Principal(arn, match[1], policies, given=True)
    upstream: list[tuple[str, str, str]] = []
    u_at = where.key("upstream")
    hosts = as_mapping(document.get("upstream", {}), u_at, "upstream registries")
    for host, items in hosts.items():
        for n, item in enumerate(as_list(items, u_at.key(str(host)))):
            image = as_mapping(item, u_at.key(str(host)).index(n), "an upstream image")
            name = as_str(image.get("repositoryName", ""), u_at.key(str(host)).index(n))
            tag = str(image.get("imageTag", "latest"))
            upstream.append(
                (str(host), f"{name}:{tag}", str(image.get("imageDigest", _digest(name + tag))))
            )
    e_at = where.key("events")
    events = tuple(
        _event(item, e_at.index(n))
        for n, item in enumerate(as_list(document.get("events", []), e_at))
    )
    accounts = [r.registry_id for r in registries]
    for n, event in enumerate(events):
        if event.source and event.source not in accounts:
            raise (
                e_at.index(n)
                .key("startReplicationBackfill")
                .key("registryId")
                .refuse(
                    f"registryId {event.source!r} is not the account of a registry of the scenario",
                    "write the 12-digit account ID of a listed registry, e.g. " + accounts[0],
                )
            )
    times = [e.at for e in events if e.at is not None]
    if times != sorted(times):
        raise e_at.refuse("the events' times go backwards", "list the events in time order")
    return Setup(
        registries=registries,
        principal=principal,
        upstream=tuple(upstream),
        upstream_given=tuple(str(h) for h in hosts),
        events=events,
        description=str(document.get("description", "")),
    )


# ----------------------------------------------------------------------------- running


@dataclass(slots=True)
class _State:
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


def _shown(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


def _names(statement_principals: tuple[str, ...], account: str, arn: str) -> bool:
    for named in statement_principals:
        if named in ("*", "AWS:*"):
            return True
        if named.startswith("AWS:") and named[4:] in (
            account,
            f"arn:aws:iam::{account}:root",
            arn,
        ):
            return True
    return False


def _policy_decision(
    policy: Policy | None, account: str, arn: str, action: str, resource: str
) -> tuple[Decision, str]:
    """A resource-based policy (registry or repository) for a principal of `account`."""
    if policy is None:
        return Decision.IMPLICIT_DENY, ""
    allow = ""
    for statement in policy.statements:
        if not _names(statement.principals, account, arn):
            continue
        if not statement_applies(statement, action, resource, {}):
            continue
        label = policy.name + (f" ({statement.sid})" if statement.sid else "")
        if statement.effect == "Deny":
            return Decision.EXPLICIT_DENY, label
        allow = allow or label
    return (Decision.ALLOWED, allow) if allow else (Decision.IMPLICIT_DENY, "")


def _identity(principal: Principal, action: str, resource: str) -> tuple[Decision, str]:
    if not principal.given:
        return Decision.ALLOWED, "the scenario's principal (INF: no principal given, all allowed)"
    allow = ""
    for policy in principal.policies:
        for statement in policy.statements:
            if not statement_applies(statement, action, resource, {}):
                continue
            label = policy.name + (f" ({statement.sid})" if statement.sid else "")
            if statement.effect == "Deny":
                return Decision.EXPLICIT_DENY, label
            allow = allow or label
    return (Decision.ALLOWED, allow) if allow else (Decision.IMPLICIT_DENY, "")


def _allowed(
    state: _State,
    action: str,
    registry: Registry,
    repository: str,
    sources: tuple[str, ...],
) -> tuple[bool, str]:
    """May the principal call `action` on a repository of `registry`? `sources` names the
    policies that can grant it: identity, registry, repository."""
    principal = state.principal
    arn = f"arn:aws:ecr:{registry.region}:{registry.registry_id}:repository/{repository}"
    found: list[tuple[Decision, str]] = []
    if "identity" in sources:
        found.append(_identity(principal, action, arn))
    if "registry" in sources:
        found.append(
            _policy_decision(registry.policy, principal.account, principal.arn, action, arn)
        )
    if "repository" in sources:
        repo = state.repo(registry.key, repository)
        policy = repo.policy if repo else None
        found.append(_policy_decision(policy, principal.account, principal.arn, action, arn))
    for decision, by in found:
        if decision is Decision.EXPLICIT_DENY:
            return False, f"explicitly denied by {by}"
    for decision, by in found:
        if decision is Decision.ALLOWED:
            return True, f"allowed by {by}"
    return False, "not allowed by the " + " or ".join(
        {"identity": "identity policies", "registry": "registry policy"}.get(s, s + " policy")
        for s in sources
    )


def _refused(
    state: _State,
    actions: tuple[str, ...],
    registry: Registry,
    name: str,
    step: tuple[str, str, datetime | None],
) -> bool:
    """Records the first of `actions` the principal's identity or repository policy doesn't
    allow (the push or pull fails with AccessDeniedException); True when one was refused.
    `step` is the event's label, the doc page and the time."""
    label, rule, at = step
    for action in actions:
        ok, why = _allowed(state, action, registry, name, ("identity", "repository"))
        if not ok:
            state.denied.append(action)
            state.errors.append("AccessDeniedException")
            state.decisions.append(
                Step(label, Verdict.FAILED, f"{action}: {why}", rule, _shown(at))
            )
            return True
    return False


def _parse_uri(text: str) -> tuple[str, str, str] | None:
    """(registry key, repository, tag) of an ECR private image URI, or None."""
    host, _, rest = text.partition("/")
    match = ECR_HOST.match(host)
    if not match or not rest:
        return None
    name, _, tag = rest.rpartition(":")
    if not name or "/" in tag:
        name, tag = rest, "latest"
    return f"{match['account']}/{match['region']}", name, tag


def _template_for(registry: Registry, name: str, action: str) -> Template | None:
    """The template applied for `action` with the longest matching prefix; ROOT last."""
    fitting = [t for t in registry.templates if action in t.applied_for and t.matches(name)]
    specific = [t for t in fitting if t.prefix != "ROOT"]
    if specific:
        return max(specific, key=lambda t: len(t.prefix))
    return fitting[0] if fitting else None


def _create(
    state: _State, registry: Registry, name: str, action: str, label: str, at: datetime | None
) -> Repository | None:
    """ECR creates a repository on the principal's behalf, with the matching template."""
    template = _template_for(registry, name, action)
    uri = f"{registry.host}/{name}"
    rule = "repository-creation-templates-create.html"
    if template is None:
        repository = Repository(name, created_by=action)
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
                    _shown(at),
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
            created_by=action,
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
    state.decisions.append(Step(label, Verdict.DONE, f"ECR creates {uri}: {why}", rule, _shown(at)))
    return repository


def _replicate(
    state: _State, source: Registry, name: str, image: Image, label: str, at: datetime | None
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
                    _shown(at),
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
                        _shown(at),
                    )
                )
                continue
            _copy(state, source, destination, name, image, label, at)


def _copy(
    state: _State,
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
        decision, by = _policy_decision(
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
                    _shown(at),
                )
            )
            return
    repository = state.repo(target.key, name)
    if repository is None:
        if cross:
            decision, by = _policy_decision(
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
                        _shown(at),
                    )
                )
                return
        repository = _create(state, target, name, "REPLICATION", label, at)
        if repository is None:
            state.failed.append(uri)
            return
    kept = tuple(i for i in repository.images if i.tag != image.tag)
    state.put(
        target.key,
        _with_images(repository, (*kept, Image(image.tag, image.digest))),
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
            _shown(at),
        )
    )


def _with_images(repository: Repository, images: tuple[Image, ...]) -> Repository:
    return Repository(
        repository.name,
        repository.mutability,
        repository.encryption,
        repository.kms_key,
        repository.lifecycle,
        repository.policy,
        repository.tags,
        images,
        repository.created_by,
        repository.template,
    )


def _push(state: _State, event: Event, label: str) -> None:
    parsed = _parse_uri(event.target)
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
                _shown(at),
            )
        )
        return
    key, name, tag = parsed
    registry = state.registry(key)
    if _refused(state, PUSH_ACTIONS, registry, name, (label, "image-push-iam.html", at)):
        return
    repository = state.repo(key, name)
    if repository is None:
        if _template_for(registry, name, "CREATE_ON_PUSH") is None:
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
                    _shown(at),
                )
            )
            return
        repository = _create(state, registry, name, "CREATE_ON_PUSH", label, at)
        if repository is None:
            return
    digest = event.digest or _digest(f"{event.target}#{len(state.pushed)}")
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
                _shown(at),
            )
        )
        return
    image = Image(tag, digest)
    kept = tuple(i for i in repository.images if i.tag != tag)
    state.put(key, _with_images(repository, (*kept, image)))
    state.pushed.append(event.target)
    state.decisions.append(
        Step(label, Verdict.DONE, f"pushed {name}:{tag} to {key}", "image-push.html", _shown(at))
    )
    if not registry.rules:
        return
    _replicate(state, state.registries[key], name, image, label, at)


def _cache_rule_for(registry: Registry, name: str) -> CacheRule | None:
    return next((r for r in registry.cache_rules if name.startswith(r.prefix + "/")), None)


def _upstream_digest(state: _State, setup: Setup, host: str, path: str) -> str | None:
    if host in setup.upstream_given:
        return state.upstream.get((host, path))
    return state.upstream.get((host, path), _digest(f"{host}/{path}"))


def _pull(state: _State, setup: Setup, event: Event, label: str) -> None:
    at = event.at
    parsed = _parse_uri(event.target)
    if parsed is None:
        state.decisions.append(
            Step(
                label,
                Verdict.SKIPPED,
                f"{event.target} is not in an ECR private registry: Docker pulls it straight "
                "from its own registry, not through any pull through cache",
                "pull-through-cache-working.html: pull through the private registry URI",
                _shown(at),
            )
        )
        return
    key, name, tag = parsed
    registry = state.registry(key)
    if _refused(state, PULL_ACTIONS, registry, name, (label, "image-pull.html", at)):
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
                    _shown(at),
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
                _shown(at),
            )
        )
        return
    upstream_path = name[len(rule.prefix) + 1 :]
    if rule.upstream_prefix != "ROOT":
        upstream_path = f"{rule.upstream_prefix}/{upstream_path}"
    upstream_host = rule.upstream_url
    if have is not None and repository is not None:
        _serve_cached(state, setup, event, label, registry, repository, have, rule, upstream_path)
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
                _shown(at),
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
                _shown(at),
            )
        )
        return
    ok, why = _allowed(
        state,
        "ecr:BatchImportUpstreamImage",
        registry,
        name,
        ("identity", "registry", "repository"),
    )
    if not ok:
        state.denied.append("ecr:BatchImportUpstreamImage")
        state.errors.append("AccessDeniedException")
        state.decisions.append(
            Step(
                label,
                Verdict.FAILED,
                f"ecr:BatchImportUpstreamImage: {why}; {name}:{tag} is not cached yet, so ECR "
                "must import it from the upstream",
                "pull-through-cache-iam.html: BatchImportUpstreamImage can come from the "
                "registry policy, an identity policy or the repository policy",
                _shown(at),
            )
        )
        return
    if repository is None:
        ok, why = _allowed(state, "ecr:CreateRepository", registry, name, ("identity", "registry"))
        if not ok:
            state.denied.append("ecr:CreateRepository")
            state.errors.append("AccessDeniedException")
            state.decisions.append(
                Step(
                    label,
                    Verdict.FAILED,
                    f"ecr:CreateRepository: {why}; the cache repository {name} doesn't exist yet",
                    "pull-through-cache-iam.html: CreateRepository is required if the "
                    "repository doesn't already exist (identity or registry policy)",
                    _shown(at),
                )
            )
            return
        repository = _create(state, registry, name, "PULL_THROUGH_CACHE", label, at)
        if repository is None:
            return
    image = Image(tag, digest, at)
    state.put(key, _with_images(repository, (*repository.images, image)))
    state.cached.append(event.target)
    state.pulled.append(event.target)
    state.decisions.append(
        Step(
            label,
            Verdict.DONE,
            f"ECR imports {upstream_host}/{upstream_path}:{tag} into {name} and serves it "
            "(first pull)",
            "pull-through-cache.html: the first pull creates the repository and caches the image",
            _shown(at),
        )
    )


def _serve_cached(
    state: _State,
    setup: Setup,
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
    latest = state.upstream.get((rule.upstream_url, f"{upstream_path}:{tag}"))
    if latest is None and rule.upstream_url not in setup.upstream_given:
        latest = have.digest  # INF: an upstream the scenario doesn't describe has nothing newer
    due = have.synced is None or at is None or at - have.synced >= timedelta(hours=REFRESH_HOURS)
    if due and latest is not None and latest != have.digest:
        images = (*tuple(i for i in repository.images if i.tag != tag), Image(tag, latest, at))
        state.put(registry.key, _with_images(repository, images))
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
                _shown(at),
            )
        )
        return
    if due and have.synced is not None and at is not None:
        images = tuple(i if i.tag != tag else Image(tag, i.digest, at) for i in repository.images)
        state.put(registry.key, _with_images(repository, images))
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
            _shown(at),
        )
    )


def _delete(state: _State, event: Event, label: str) -> None:
    at = event.at
    parsed = _parse_uri(event.target)
    if parsed is None or state.repo(parsed[0], parsed[1]) is None:
        state.errors.append("ImageNotFoundException")
        state.decisions.append(
            Step(label, Verdict.FAILED, f"no image {event.target}", "delete_image.html", _shown(at))
        )
        return
    key, name, tag = parsed
    repository = state.repo(key, name)
    assert repository is not None
    state.put(key, _with_images(repository, tuple(i for i in repository.images if i.tag != tag)))
    state.decisions.append(
        Step(
            label, Verdict.DONE, f"deleted {name}:{tag} from {key}", "delete_image.html", _shown(at)
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
                        _shown(at),
                    )
                )
                continue
            if target is not None:
                state.put(
                    destination.key,
                    _with_images(target, tuple(i for i in target.images if i.tag != tag)),
                )
                state.decisions.append(
                    Step(
                        label,
                        Verdict.DONE,
                        f"ECR repeats the deletion of {name}:{tag} in {destination.key}",
                        "replication-delete.html",
                        _shown(at),
                    )
                )


def _backfill_source(state: _State, event: Event) -> Registry:
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


def _backfill(state: _State, event: Event, label: str) -> None:
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
                _shown(at),
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
            _shown(at),
        )
    )


def run(setup: Setup) -> Run:
    state = _State(
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
            _push(state, event, label)
        elif event.kind == "pull":
            _pull(state, setup, event, label)
        elif event.kind == "delete":
            _delete(state, event, label)
        elif event.kind == "startReplicationBackfill":
            _backfill(state, event, label)
        elif event.kind == "upstreamPush":
            host, _, path = event.target.partition("/")
            if ":" not in path.rsplit("/", 1)[-1]:
                path += ":latest"
            state.upstream[(host, path)] = event.digest or _digest(f"{event.target}@{n}")
            state.decisions.append(
                Step(
                    label,
                    Verdict.DONE,
                    f"{host} now serves a new image behind {path}",
                    "the upstream registry (outside ECR)",
                    _shown(event.at),
                )
            )
        else:
            state.decisions.append(
                Step(
                    label,
                    Verdict.DONE,
                    "time passes; ECR copies nothing by itself",
                    "",
                    _shown(event.at),
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
