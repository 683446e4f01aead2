"""Reading an ecr-replication scenario (docs/ecr-replication.md) into a Setup:
read_setup, the registries and the events.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import datetime, timezone

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str, kind_of
from ecsprep.sim.ecr_replication.registries import (
    Event,
    Principal,
    Registry,
    Rule,
    Setup,
    image_digest,
)
from ecsprep.sim.ecr_replication.shapes import (
    cache_rule,
    replication_rule,
    repository,
    required,
    template,
    unknown,
)
from ecsprep.sim.iam_policy import read_policy, read_resource_policy

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


_EVENT_KINDS = ("push", "pull", "delete", "startReplicationBackfill", "upstreamPush", "wait")


def _time(value: object, where: Where) -> datetime:
    """A time in UTC (naive): one with an offset is converted, one without is taken as UTC."""
    text = as_str(value, where)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise where.refuse(f"{text!r} is not a time", "write an ISO 8601 time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None)


def _registry(data: object, where: Where) -> Registry:
    raw = as_mapping(data, where, "a registry")
    unknown(raw, _REGISTRY_KEYS, where, "registry")
    account = str(required(raw, "registryId", where, "registry"))
    region = str(required(raw, "region", where, "registry"))
    if not re.fullmatch(r"\d{12}", account):
        raise where.key("registryId").refuse(f"{account!r} is not a 12-digit account ID")
    if not re.fullmatch(r"[a-z]{2}(?:-[a-z]+)+-\d", region):
        raise where.key("region").refuse(f"{region!r} is not a Region", "e.g. us-east-1")
    registry = Registry(account, region)
    rules: list[Rule] = []
    if raw.get("replicationConfiguration") is not None:
        at = where.key("replicationConfiguration")
        config = as_mapping(raw["replicationConfiguration"], at, "a replicationConfiguration")
        unknown(config, ("rules",), at, "ReplicationConfiguration")
        items = as_list(required(config, "rules", at, "ReplicationConfiguration"), at.key("rules"))
        if len(items) > 10:
            raise at.key("rules").refuse(
                "InvalidParameterException: a replication configuration has at most 10 rules"
            )
        rules = [replication_rule(item, at.key("rules").index(n)) for n, item in enumerate(items)]
    policy = None
    if raw.get("registryPolicy") is not None:
        policy = read_resource_policy(
            raw["registryPolicy"], where.key("registryPolicy"), "registry"
        )
    at = where.key("pullThroughCacheRules")
    cache_rules = [
        cache_rule(item, at.index(n), registry)
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
        template(item, at.index(n))
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
        repository(item, at.index(n))
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
        unknown(body, ("destination", "registryId"), where.key(kind), "input")
        d_at = where.key(kind).key("destination")
        destination = as_mapping(
            required(body, "destination", where.key(kind), "StartReplicationBackfillRequest"),
            d_at,
        )
        region = as_str(
            required(destination, "region", d_at, "ReplicationDestination"), d_at.key("region")
        )
        registry_id = required(destination, "registryId", d_at, "ReplicationDestination")
        target = f"{registry_id}/{region}"
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
        unknown(raw, ("arn", "policies"), p_at, "principal")
        arn = as_str(required(raw, "arn", p_at, "principal"), p_at.key("arn"))
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
            i_at = u_at.key(str(host)).index(n)
            name = as_str(
                required(image, "repositoryName", i_at, "an upstream image"),
                i_at.key("repositoryName"),
            )
            given = image.get("imageTag", "latest")
            if isinstance(given, (list, dict)):
                raise (
                    u_at.key(str(host))
                    .index(n)
                    .key("imageTag")
                    .refuse(f"expected a string, found {kind_of(given)}")
                )
            tag = str(given)
            upstream.append(
                (
                    str(host),
                    f"{name}:{tag}",
                    str(image.get("imageDigest", image_digest(name + tag))),
                )
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
        description=as_str(document.get("description", ""), where.key("description")),
    )
