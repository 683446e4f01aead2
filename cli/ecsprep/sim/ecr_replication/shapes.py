"""Reading the AWS request bodies a registry holds: a replication rule
(PutReplicationConfiguration), a pull through cache rule (CreatePullThroughCacheRule), a
repository creation template (CreateRepositoryCreationTemplate) and a repository, refused as
AWS refuses them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str, kind_of
from ecsprep.sim.ecr_replication.registries import (
    ECR_HOST,
    CacheRule,
    Destination,
    Image,
    Registry,
    Repository,
    Rule,
    Template,
    image_digest,
)
from ecsprep.sim.iam_policy import Policy, read_resource_policy

APPLIED_FOR = ("REPLICATION", "PULL_THROUGH_CACHE", "CREATE_ON_PUSH")
MUTABILITY = ("MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
ENCRYPTION = ("AES256", "KMS", "KMS_DSSE")
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


SECRET_ARN = re.compile(
    r"^arn:aws:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$"
)
REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


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


def unknown(raw: Mapping[str, object], known: tuple[str, ...], where: Where, what: str) -> None:
    """AWS's (botocore's) refusal of a key its request shape doesn't have."""
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            raise where.key(str(key)).refuse(
                f'Parameter validation failed: Unknown parameter in {what}: "{key}", must be '
                f"one of: {', '.join(known)}",
                f"did you mean {close[0]}?" if close else "see docs/ecr-replication.md",
            )


def required(raw: Mapping[str, object], name: str, where: Where, what: str) -> object:
    """A required member of a request shape (botocore refuses the request without it)."""
    if name not in raw:
        raise where.refuse(
            f'Parameter validation failed: Missing required parameter in {what}: "{name}"'
        )
    return raw[name]


def _pattern_error(value: str, name: str, pattern: str) -> str:
    return (
        f"InvalidParameterException: 1 validation error detected: Value '{value}' at "
        f"'{name}' failed to satisfy constraint: Member must satisfy regular expression "
        f"pattern: {pattern}"
    )


def _tags(value: object, where: Where) -> tuple[tuple[str, str], ...]:
    found = []
    for n, item in enumerate(as_list(value, where)):
        # API_Tag: Key and Value, both required (the capitals are botocore's)
        tag = as_mapping(item, where.index(n), "a tag")
        unknown(tag, ("Key", "Value"), where.index(n), "Tag")
        for part in ("Key", "Value"):
            if part not in tag:
                raise where.index(n).refuse(
                    f'Parameter validation failed: Missing required parameter in Tag: "{part}"',
                    'write {"Key": K, "Value": V}',
                )
        key = as_str(tag["Key"], where.index(n).key("Key"))
        value = tag["Value"]
        if isinstance(value, (list, dict)):
            raise where.index(n).key("Value").refuse(f"expected a string, found {kind_of(value)}")
        found.append((key, str(value)))
    return tuple(found)


def _encryption(value: object, where: Where) -> tuple[str, str]:
    raw = as_mapping(value, where, "an encryptionConfiguration")
    unknown(raw, ("encryptionType", "kmsKey"), where, "encryptionConfiguration")
    if "encryptionType" not in raw:
        # API_EncryptionConfiguration: encryptionType is required
        raise where.refuse(
            "Parameter validation failed: Missing required parameter in "
            'encryptionConfiguration: "encryptionType"',
            ", ".join(ENCRYPTION),
        )
    kind = str(raw["encryptionType"])
    if kind not in ENCRYPTION:
        raise where.key("encryptionType").refuse(
            f"{kind!r}: valid values are {', '.join(ENCRYPTION)}"
        )
    key = as_str(raw.get("kmsKey", ""), where.key("kmsKey"))
    if key and kind == "AES256":
        raise where.key("kmsKey").refuse(
            "InvalidParameterException: a kmsKey needs encryptionType KMS or KMS_DSSE"
        )
    if kind != "AES256" and not key:
        key = "aws/ecr"  # the AWS managed key (API EncryptionConfiguration)
    return kind, key


def _settings(raw: Mapping[str, object], where: Where) -> tuple[str, str, str]:
    """A repository's (or a creation template's) tag mutability, encryption type and KMS key:
    MUTABLE and AES256 when left out."""
    mutability = str(raw.get("imageTagMutability", "MUTABLE"))
    if mutability not in MUTABILITY:
        raise where.key("imageTagMutability").refuse(
            f"{mutability!r}: valid values are {', '.join(MUTABILITY)}"
        )
    if raw.get("encryptionConfiguration") is None:
        return mutability, "AES256", ""
    kind, key = _encryption(raw["encryptionConfiguration"], where.key("encryptionConfiguration"))
    return mutability, kind, key


def replication_rule(data: object, where: Where) -> Rule:
    raw = as_mapping(data, where, "a replication rule")
    unknown(raw, _RULE_KEYS, where, "ReplicationRule")
    at = where.key("destinations")
    items = as_list(required(raw, "destinations", where, "ReplicationRule"), at)
    if len(items) > 100:
        raise at.refuse("InvalidParameterException: a rule has at most 100 destinations")
    destinations = []
    for n, item in enumerate(items):
        d = as_mapping(item, at.index(n), "a destination")
        unknown(d, ("region", "registryId"), at.index(n), "ReplicationDestination")
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
        unknown(f, ("filter", "filterType"), fat.index(n), "RepositoryFilter")
        if f.get("filterType") != "PREFIX_MATCH":
            raise (
                fat.index(n)
                .key("filterType")
                .refuse(f"{f.get('filterType')!r}: the only filterType is PREFIX_MATCH")
            )
        given = required(f, "filter", fat.index(n), "RepositoryFilter")
        filters.append(as_str(given, fat.index(n).key("filter")))
    deletes = as_mapping(raw.get("deleteReplication", {}), where.key("deleteReplication"))
    enabled = deletes.get("enabled", False)
    if not isinstance(enabled, bool):
        # botocore validates the type: DeleteReplication.enabled is a boolean
        raise (
            where.key("deleteReplication")
            .key("enabled")
            .refuse(
                "Parameter validation failed: Invalid type for parameter enabled, "
                f"value: {enabled!r}, valid types: bool",
                "write true or false",
            )
        )
    return Rule(tuple(destinations), tuple(filters), enabled)


def cache_rule(data: object, where: Where, registry: Registry) -> CacheRule:
    raw = as_mapping(data, where, "a CreatePullThroughCacheRule request")
    unknown(raw, _PTC_KEYS, where, "input")
    prefix = as_str(
        required(raw, "ecrRepositoryPrefix", where, "input"), where.key("ecrRepositoryPrefix")
    )
    pattern = r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
    if not (2 <= len(prefix) <= 30 and re.fullmatch(pattern, prefix)):
        raise where.key("ecrRepositoryPrefix").refuse(
            _pattern_error(prefix, "ecrRepositoryPrefix", pattern), "2 to 30 characters"
        )
    url = as_str(
        required(raw, "upstreamRegistryUrl", where, "input"), where.key("upstreamRegistryUrl")
    )
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


def template(data: object, where: Where) -> Template:
    raw = as_mapping(data, where, "a CreateRepositoryCreationTemplate request")
    unknown(raw, _TEMPLATE_KEYS, where, "input")
    prefix = as_str(required(raw, "prefix", where, "input"), where.key("prefix"))
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
    mutability, kind, key = _settings(raw, where)
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


def repository(data: object, where: Where) -> Repository:
    raw = as_mapping(data, where, "a repository")
    unknown(raw, _REPOSITORY_KEYS, where, "repository")
    name = as_str(required(raw, "repositoryName", where, "repository"), where.key("repositoryName"))
    if not REPOSITORY_NAME.match(name):
        raise where.key("repositoryName").refuse(
            _pattern_error(name, "repositoryName", REPOSITORY_NAME.pattern)
        )
    mutability, kind, key = _settings(raw, where)
    images = []
    at = where.key("images")
    for n, item in enumerate(as_list(raw.get("images", []), at)):
        image = as_mapping(item, at.index(n), "an image")
        tag = as_str(image.get("imageTag", "latest"), at.index(n).key("imageTag"))
        digest = str(image.get("imageDigest", image_digest(f"{name}:{tag}")))
        images.append(Image(tag, digest))
    policy = None
    if raw.get("policy") is not None:
        # a repository policy is resource-based: every statement names a Principal
        # (set-repository-policy.html), as ecr_access reads it
        found = read_resource_policy(raw["policy"], where.key("policy"), "repository")
        policy = Policy(f"{name}'s repository policy", found.statements)
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
