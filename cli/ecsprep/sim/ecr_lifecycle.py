"""ECR lifecycle policy evaluation: which images a policy expires or archives, and by
which rule.

Input in AWS's shapes: the policy as put-lifecycle-policy takes it (`{"rules": [...]}`,
or get-lifecycle-policy's `lifecyclePolicyText` string) and the images as describe-images
prints them (`imageDetails`: imageDigest, imageTags, imagePushedAt,
lastRecordedPullTime, imageStatus, lastArchivedAt), plus the moment of evaluation.

The evaluator follows "Lifecycle policy evaluation rules" (LifecyclePolicies.html):
every rule is evaluated, then applied in rulePriority order; an image is acted on by at
most one rule; an image that matches the tagging requirements of a rule can't be expired
by a lower-priority rule, though that rule still counts it; older images go first
(imagePushedAt). The documented examples (lifecycle_policy_examples.html) are the test
cases. A policy ECR refuses (PutLifecyclePolicy) raises an InputError with the rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str

TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = (
    "imageCountMoreThan",
    "sinceImagePushed",
    "sinceImagePulled",
    "sinceImageTransitioned",
)
STORAGE_CLASSES = ("standard", "archive")
MAX_WILDCARDS = 4  # per tagPatternList string
ARCHIVE_MINIMUM_DAYS = 90
_SELECTION_KEYS = ("tagStatus", "tagPatternList", "tagPrefixList", "storageClass", "countType",
                   "countUnit", "countNumber")  # fmt: skip


class Action(Enum):
    EXPIRE = "expire"
    TRANSITION = "transition"
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class Rule:
    priority: int
    tag_status: str
    prefixes: tuple[str, ...]
    patterns: tuple[str, ...]
    storage_class: str
    count_type: str
    count_number: int
    action: Action
    description: str = ""

    @property
    def text(self) -> str:
        what = {"tagged": "tagged", "untagged": "untagged", "any": "any"}[self.tag_status]
        if self.prefixes:
            what += f" with prefixes {', '.join(self.prefixes)}"
        if self.patterns:
            what += f" matching {', '.join(self.patterns)}"
        if self.storage_class == "archive":
            what += " (archive)"
        count = (
            f"more than {self.count_number} images"
            if self.count_type == "imageCountMoreThan"
            else f"{self.count_type} > {self.count_number} days"
        )
        return f"rule {self.priority}: {what}, {count} → {self.action.value}"


@dataclass(frozen=True, slots=True)
class Image:
    digest: str
    tags: tuple[str, ...]
    pushed_at: datetime
    pulled_at: datetime | None = None
    archived: bool = False
    archived_at: datetime | None = None

    @property
    def name(self) -> str:
        """The first tag, or the digest cut to 12 hex digits for an untagged image."""
        if self.tags:
            return self.tags[0]
        head, _, tail = self.digest.partition(":")
        return f"{head}:{tail[:12]}" if tail else self.digest


@dataclass(frozen=True, slots=True)
class RuleStep:
    """What one rule saw and did, in priority order."""

    rule: Rule
    matched: tuple[str, ...]  # images that meet its tagging and storage class requirements
    selected: tuple[str, ...]  # of those, the ones its count picks
    acted: tuple[str, ...]  # the ones it really expires or archives
    skipped: tuple[tuple[str, str], ...]  # (image, why it wasn't acted on)


@dataclass(frozen=True, slots=True)
class Decision:
    image: Image
    action: Action
    rule: int | None  # the priority of the rule that acted, None when kept


@dataclass(frozen=True, slots=True)
class LifecycleResult:
    rules: tuple[Rule, ...]
    images: tuple[Image, ...]  # oldest first
    now: datetime
    steps: tuple[RuleStep, ...]
    decisions: tuple[Decision, ...]  # oldest image first

    def names(self, action: Action) -> list[str]:
        return [d.image.name for d in self.decisions if d.action is action]

    def names_expired(self) -> list[str]:
        return self.names(Action.EXPIRE)

    def names_archived(self) -> list[str]:
        return self.names(Action.TRANSITION)

    def facts(self) -> dict[str, object]:
        return {
            "accepted": True,
            "expired": self.names(Action.EXPIRE),
            "archived": self.names(Action.TRANSITION),
            "kept": self.names(Action.KEEP),
            "expired_count": len(self.names(Action.EXPIRE)),
            "archived_count": len(self.names(Action.TRANSITION)),
            "by_rule": {d.image.name: d.rule for d in self.decisions if d.rule is not None},
        }


# --- Reading the policy (what PutLifecyclePolicy refuses) -------------------------


def read_policy(data: object, where: Where) -> tuple[Rule, ...]:
    if isinstance(data, Mapping) and "lifecyclePolicyText" in data:
        where = where.key("lifecyclePolicyText")
        text = as_str(data["lifecyclePolicyText"], where)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise where.refuse(f"the policy text is not JSON: {exc.msg}") from None
    body = as_mapping(data, where, "a lifecycle policy {rules: [...]}")
    rules = [
        _read_rule(raw, where.key("rules").index(n))
        for n, raw in enumerate(as_list(body.get("rules"), where.key("rules")))
    ]
    if not rules:
        raise where.key("rules").refuse("a lifecycle policy needs at least one rule")
    _check_policy(rules, where.key("rules"))
    return tuple(sorted(rules, key=lambda r: r.priority))


def _read_rule(raw: object, where: Where) -> Rule:
    body = as_mapping(raw, where, "a rule {rulePriority, selection, action}")
    for key in body:
        if key not in ("rulePriority", "description", "selection", "action"):
            raise where.key(str(key)).refuse(f"unknown key {key!r}")
    if "rulePriority" not in body:
        raise where.refuse("rulePriority is missing")
    priority = as_int(body["rulePriority"], where.key("rulePriority"))
    at = where.key("selection")
    sel = as_mapping(body.get("selection"), at, "a selection")
    for key in sel:
        if key not in _SELECTION_KEYS:
            raise at.key(str(key)).refuse(f"unknown key {key!r}", ", ".join(_SELECTION_KEYS))
    status = as_str(sel.get("tagStatus", ""), at.key("tagStatus"))
    if status not in TAG_STATUSES:
        raise at.key("tagStatus").refuse(f"{status!r} is not tagged, untagged or any")
    prefixes = _strings(sel.get("tagPrefixList"), at.key("tagPrefixList"))
    patterns = _strings(sel.get("tagPatternList"), at.key("tagPatternList"))
    if prefixes and patterns:
        raise at.refuse("a rule gives tagPrefixList or tagPatternList, not both")
    if status == "tagged" and not (prefixes or patterns):
        raise at.refuse(
            "tagStatus tagged needs a tagPrefixList or a tagPatternList",
            "to select every image, use tagStatus any",
        )
    if status != "tagged" and (prefixes or patterns):
        raise at.refuse(
            f"tagStatus {status} must omit tagPrefixList and tagPatternList",
            "tag lists are for tagStatus tagged",
        )
    for n, pattern in enumerate(patterns):
        if pattern.count("*") > MAX_WILDCARDS:
            raise (
                at.key("tagPatternList")
                .index(n)
                .refuse(f"{pattern!r} has {pattern.count('*')} wildcards; at most {MAX_WILDCARDS}")
            )
    count_type = as_str(sel.get("countType", ""), at.key("countType"))
    if count_type not in COUNT_TYPES:
        raise at.key("countType").refuse(f"{count_type!r} is not one of {', '.join(COUNT_TYPES)}")
    unit = sel.get("countUnit")
    if count_type == "imageCountMoreThan" and unit is not None:
        raise at.key("countUnit").refuse("countUnit is only for the since… count types")
    if count_type != "imageCountMoreThan" and unit != "days":
        raise at.key("countUnit").refuse(f"{count_type} needs countUnit days")
    if "countNumber" not in sel:
        raise at.refuse("countNumber is missing")
    number = as_int(sel["countNumber"], at.key("countNumber"), minimum=1)
    storage = as_str(sel.get("storageClass", "standard"), at.key("storageClass"))
    if storage not in STORAGE_CLASSES:
        raise at.key("storageClass").refuse(f"{storage!r} is not standard or archive")
    if count_type == "sinceImageTransitioned" and storage != "archive":
        raise at.refuse("sinceImageTransitioned needs storageClass archive")
    if count_type != "sinceImageTransitioned" and storage != "standard":
        raise at.refuse(f"{count_type} works on storageClass standard only")
    act = where.key("action")
    action_body = as_mapping(body.get("action"), act, "an action {type: expire}")
    kind = as_str(action_body.get("type", ""), act.key("type"))
    target = action_body.get("targetStorageClass")
    if kind == "expire":
        action = Action.EXPIRE
        if target is not None:
            raise act.refuse("an expire action takes no targetStorageClass")
        if storage == "archive" and number < ARCHIVE_MINIMUM_DAYS:
            raise act.refuse(
                f"archived images can't be expired before {ARCHIVE_MINIMUM_DAYS} days "
                "(minimum storage duration)"
            )
    elif kind == "transition":
        action = Action.TRANSITION
        if target != "archive":
            raise act.key("targetStorageClass").refuse(
                f"{target!r} is not a target: archive is the only targetStorageClass"
            )
        if storage != "standard":
            raise act.refuse("a transition rule selects standard images (INF)")
    else:
        raise act.key("type").refuse(f"{kind!r} is not expire or transition")
    return Rule(
        priority=priority,
        tag_status=status,
        prefixes=prefixes,
        patterns=patterns,
        storage_class=storage,
        count_type=count_type,
        count_number=number,
        action=action,
        description=str(body.get("description", "")),
    )


def _strings(value: object, where: Where) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(as_str(v, where.index(n)) for n, v in enumerate(as_list(value, where)))


def _check_policy(rules: Sequence[Rule], where: Where) -> None:
    priorities = [r.priority for r in rules]
    twice = sorted({p for p in priorities if priorities.count(p) > 1})
    if twice:
        raise where.refuse(f"rulePriority {twice[0]} is used twice", "give each rule its own")
    for storage in STORAGE_CLASSES:
        group = [r for r in rules if r.storage_class == storage]
        if not group:
            continue
        highest = max(r.priority for r in group)
        for rule in group:
            if rule.tag_status == "any" and rule.priority != highest:
                raise where.refuse(
                    f"the tagStatus any rule (rulePriority {rule.priority}) must have the highest "
                    f"rulePriority, but rule {highest} is higher",
                    "give the any rule the largest number so that it is evaluated last",
                )
        untagged = [r.priority for r in group if r.tag_status == "untagged"]
        if len(untagged) > 1:
            raise where.refuse(
                f"rules {untagged[0]} and {untagged[1]} both select untagged images; "
                "only one rule may"
            )


# --- Reading the images -----------------------------------------------------------


def read_images(data: object, where: Where) -> tuple[Image, ...]:
    if isinstance(data, Mapping) and "imageDetails" in data:
        where = where.key("imageDetails")
        data = data["imageDetails"]
    images = []
    for n, raw in enumerate(as_list(data, where, "a list of image details (describe-images)")):
        at = where.index(n)
        body = as_mapping(raw, at, "an image detail")
        if "imageDigest" not in body:
            raise at.refuse("imageDigest is missing")
        if "imagePushedAt" not in body:
            raise at.refuse("imagePushedAt is missing", "describe-images gives it for every image")
        status = str(body.get("imageStatus", "ACTIVE"))
        archived_at = read_time(body.get("lastArchivedAt"), at.key("lastArchivedAt"))
        images.append(
            Image(
                digest=as_str(body["imageDigest"], at.key("imageDigest")),
                tags=_strings(body.get("imageTags"), at.key("imageTags")),
                pushed_at=_required_time(body["imagePushedAt"], at.key("imagePushedAt")),
                pulled_at=read_time(
                    body.get("lastRecordedPullTime"), at.key("lastRecordedPullTime")
                ),
                archived=status == "ARCHIVED",
                archived_at=archived_at,
            )
        )
    digests = [image.digest for image in images]
    twice = sorted({d for d in digests if digests.count(d) > 1})
    if twice:
        raise where.refuse(f"image {twice[0]} is listed twice")
    tags = [tag for image in images for tag in image.tags]
    moved = sorted({t for t in tags if tags.count(t) > 1})
    if moved:
        raise where.refuse(
            f"tag {moved[0]!r} is on two images", "in a repository a tag names one image"
        )
    return tuple(sorted(images, key=lambda i: (i.pushed_at, i.digest)))


def read_time(value: object, where: Where) -> datetime | None:
    """Epoch seconds (the CLI's JSON), an ISO 8601 string, or a YAML timestamp."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise where.refuse(f"{value} seconds since 1970 is not a date AWS could give") from None
    text = as_str(value, where)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise where.refuse(
            f"{text!r} is not a date and time", "use ISO 8601, e.g. 2024-01-31T12:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _required_time(value: object, where: Where) -> datetime:
    moment = read_time(value, where)
    if moment is None:
        raise where.refuse("a date and time is missing")
    return moment


# --- Evaluating -------------------------------------------------------------------


def matches(rule: Rule, image: Image) -> bool:
    """The rule's tagging and storage class requirements (not its count)."""
    if (rule.storage_class == "archive") != image.archived:
        return False
    if rule.tag_status == "untagged":
        return not image.tags
    if rule.tag_status == "any":
        return True
    if not image.tags:
        return False
    if rule.prefixes:
        return all(any(tag.startswith(p) for tag in image.tags) for p in rule.prefixes)
    return all(any(_wildcard(p).fullmatch(tag) for tag in image.tags) for p in rule.patterns)


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def _selected(rule: Rule, matched: Sequence[Image], now: datetime) -> list[Image]:
    """Of the matched images, those the rule's count picks (oldest first)."""
    if rule.count_type == "imageCountMoreThan":
        newest_first = sorted(matched, key=lambda i: (i.pushed_at, i.digest), reverse=True)
        return sorted(newest_first[rule.count_number :], key=lambda i: (i.pushed_at, i.digest))
    limit = timedelta(days=rule.count_number)
    found = []
    for image in matched:
        if rule.count_type == "sinceImagePushed":
            since: datetime | None = image.pushed_at
        elif rule.count_type == "sinceImagePulled":
            since = image.pulled_at or image.pushed_at  # never pulled: from the push (INF)
        else:
            since = image.archived_at
        if since is not None and now - since > limit:
            found.append(image)
    return found


def evaluate(rules: Sequence[Rule], images: Sequence[Image], now: datetime) -> LifecycleResult:
    ordered = sorted(images, key=lambda i: (i.pushed_at, i.digest))
    claimed: dict[str, int] = {}  # digest → the priority of the first rule it matched
    acted: dict[str, tuple[Action, int]] = {}
    steps = []
    for rule in sorted(rules, key=lambda r: r.priority):
        matched = [image for image in ordered if matches(rule, image)]
        selected = _selected(rule, matched, now)
        done, skipped = [], []
        for image in selected:
            if image.digest in claimed:
                earlier = claimed[image.digest]
                what = "acted on" if image.digest in acted else "kept"
                skipped.append((image.name, f"matches rule {earlier}, which {what} it"))
                continue
            acted[image.digest] = (rule.action, rule.priority)
            done.append(image.name)
        for image in matched:
            claimed.setdefault(image.digest, rule.priority)
        steps.append(
            RuleStep(
                rule=rule,
                matched=tuple(i.name for i in matched),
                selected=tuple(i.name for i in selected),
                acted=tuple(done),
                skipped=tuple(skipped),
            )
        )
    decisions = tuple(
        Decision(image, *acted[image.digest])
        if image.digest in acted
        else Decision(image, Action.KEEP, None)
        for image in ordered
    )
    return LifecycleResult(tuple(rules), tuple(ordered), now, tuple(steps), decisions)


def read_and_evaluate(
    document: Mapping[str, object], where: Where, now: datetime | None = None
) -> LifecycleResult:
    """A scenario `{lifecyclePolicy, imageDetails, now}`."""
    for key in document:
        if key not in ("lifecyclePolicy", "imageDetails", "now", "description"):
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "a scenario has lifecyclePolicy, imageDetails and now"
            )
    if "lifecyclePolicy" not in document:
        raise where.refuse("lifecyclePolicy is missing")
    rules = read_policy(document["lifecyclePolicy"], where.key("lifecyclePolicy"))
    images = read_images(document.get("imageDetails") or [], where.key("imageDetails"))
    moment = read_time(document.get("now"), where.key("now")) or now
    if moment is None:
        ages = [r for r in rules if r.count_type != "imageCountMoreThan"]
        if ages:
            raise where.refuse(
                f"rule {ages[0].priority} counts days, so the scenario needs `now`",
                "e.g. now: 2025-06-01T00:00:00Z",
            )
        moment = max(
            (i.pushed_at for i in images), default=datetime(1970, 1, 1, tzinfo=timezone.utc)
        )
    return evaluate(rules, images, moment)
