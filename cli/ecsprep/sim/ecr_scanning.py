"""ECR image scanning, scan events, a pipeline's scan gate, encryption and image signing:
what happens to each pushed image, by which engine, and why (docs/ecr-scanning.md).

Input is AWS's own shapes: the PutRegistryScanningConfiguration request body, the
repositories as DescribeRepositories shows them, the PutSigningConfiguration request
body, AWS Signer signing profiles as GetSigningProfile shows them, EventBridge rules
(PutRule + PutTargets), the vulnerability advisories the scanners know (with the day
each is published) and a timeline of calls (push, CreateRepository, StartImageScan,
`aws ecr wait image-scan-complete`, a pipeline gate on DescribeImageScanFindings, a
deploy stage, `notation sign`). The run is a decision list: every step with the doc
rule it applied; documented rules only, every undocumented point labelled INF.

Pure core: no typer, rich or questionary.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str
from ecsprep.sim.event_patterns import match, read_pattern

# Doc pages (AmazonECR/latest/userguide unless the path says otherwise).
SCANNING = "image-scanning.html"
MANUAL = "manual-scan.html"
ENHANCED = "image-scanning-enhanced.html"
ENHANCED_EVENTS = "image-scanning-enhanced-events.html"
ECR_EVENTS = "ecr-eventbridge.html"
RULE_API = "APIReference/API_RegistryScanningRule.html"
PUT_SCANNING_API = "APIReference/API_PutRegistryScanningConfiguration.html"
START_SCAN_API = "APIReference/API_StartImageScan.html"
FINDINGS = "describe-scan-findings.html"
WAITER = "cli/latest/reference/ecr/wait/image-scan-complete.html"
ENCRYPTION = "encryption-at-rest.html"
CREATE_REPO_API = "APIReference/API_CreateRepository.html"
MANAGED_SIGNING = "managed-signing.html"
SIGNING_FILTER_API = "APIReference/API_SigningRepositoryFilter.html"
IMAGE_SIGNING = "image-signing.html"
SIGNER_STEPS = "signer/latest/developerguide/image-signing-steps.html"
INSPECTOR_ECR = "inspector/latest/user/scanning-ecr.html"
INSPECTOR_RESCAN = "inspector/v2/APIReference/API_EcrConfiguration.html"

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")
NOTATION_PLATFORM = "Notation-OCI-SHA384-ECDSA"
SCAN_MINUTES = 1  # INF: how long one scan takes (AWS documents no duration)
WAITER_POLL_SECONDS = 5  # `aws ecr wait image-scan-complete`: every 5 seconds,
WAITER_CHECKS = 60  # at most 60 checks (the waiter's CLI page)
BASIC_LIMIT_MINUTES = 24 * 60  # one basic scan per image per 24 hours (manual-scan.html)
RESCAN_DAYS = {
    "DAYS_14": 14,
    "DAYS_30": 30,
    "DAYS_60": 60,
    "DAYS_90": 90,
    "DAYS_180": 180,
    "LIFETIME": None,
}
# A new account's push-date re-scan duration: 14 days
# (inspector/latest/user/scanning_resources_configure_duration_setting_ecr.html).
DEFAULT_RESCAN = "DAYS_14"
INSPECTOR_DURATION = "inspector/latest/user/scanning_resources_configure_duration_setting_ecr.html"
ACCOUNT = "111122223333"  # INF: the account when the scenario names none
REGION = "us-east-1"

FACTS = (
    "scan_type",
    "frequency",
    "scans",
    "findings",
    "severity_counts",
    "events",
    "image_scan_events",
    "inspector_findings",
    "delivered",
    "errors",
    "gates",
    "deployed",
    "encryption",
    "signatures",
    "unsigned",
    "referrers",
    "client_signing_steps",
    "images",
)
RANKED = ("client_signing_steps",)


class Verdict(Enum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Decision:
    at: str  # when, as the scenario's clock shows it ("day 0 00:01")
    what: str
    rule: str  # the doc page (INF: … for an inferred choice)
    verdict: Verdict = Verdict.DONE


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    manager: str  # "OS" or a language package manager (PIP, NPM, JAR, …)


@dataclass(frozen=True, slots=True)
class Advisory:
    vulnerability: str
    severity: str
    package: Package
    published: int  # minutes on the scenario's clock


@dataclass(frozen=True, slots=True)
class ScanRule:
    frequency: str
    filters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Repository:
    name: str
    scan_on_push: bool
    encryption: str  # "AES256" or "KMS <key>"


@dataclass(frozen=True, slots=True)
class SigningRule:
    profile_arn: str
    filters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    arn: str
    platform: str


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pattern: Mapping[str, object]
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    at: int | None
    body: Mapping[str, Any]
    where: Where


@dataclass(frozen=True, slots=True)
class Setup:
    account: str
    region: str
    scan_type: str
    scan_rules: tuple[ScanRule, ...]
    rescan: str
    repositories: tuple[Repository, ...]
    signing_rules: tuple[SigningRule, ...]
    profiles: tuple[Profile, ...]
    rules: tuple[Rule, ...]
    advisories: tuple[Advisory, ...]
    steps: tuple[Step, ...]
    description: str = ""


@dataclass
class _Image:
    repository: str
    tag: str
    digest: str
    packages: tuple[Package, ...]
    pushed: int
    encryption: str
    scan_started: int | None = None  # last basic scan's start (the 24-hour limit)
    scan_done: int | None = None  # when the running scan completes
    findings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    signatures: list[str] = field(default_factory=list)
    scanned: bool = False  # a scan of the image has started at least once


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    decisions: tuple[Decision, ...]
    notes: tuple[str, ...]
    emitted: tuple[Mapping[str, Any], ...]  # every EventBridge event, in AWS's envelope
    fact_values: Mapping[str, object]

    def facts(self) -> dict[str, object]:
        return dict(self.fact_values)


# ---------------------------------------------------------------- reading the input


def _clock(value: object, where: Where) -> int:
    """Minutes on the scenario's clock: a number of minutes, or "3d", "4h", "10m"."""
    if isinstance(value, bool):
        raise where.refuse("expected a time such as 90, '2h' or '3d'")
    if isinstance(value, int):
        if value < 0:
            raise where.refuse("a time can't be negative")
        return value
    if isinstance(value, str):
        found = re.fullmatch(r"\s*(\d+)\s*([dhm]?)\s*", value)
        if found:
            number = int(found.group(1))
            return number * {"d": 1440, "h": 60, "m": 1, "": 1}[found.group(2)]
    raise where.refuse(f"expected a time such as 90 (minutes), '2h' or '3d', found {value!r}")


def show_time(minutes: int) -> str:
    day, rest = divmod(minutes, 1440)
    return f"day {day} {rest // 60:02d}:{rest % 60:02d}"


def _filters(raw: object, where: Where, kind: str) -> tuple[str, ...]:
    found = []
    for i, item in enumerate(as_list(raw, where)):
        at = where.index(i)
        entry = as_mapping(item, at)
        text = as_str(entry.get("filter", ""), at.key("filter"))
        ftype = entry.get("filterType")
        if ftype != kind:
            raise at.key("filterType").refuse(
                f"InvalidParameterException: filterType must be {kind}, found {ftype!r}",
                f"the only value AWS accepts here is {kind}",
            )
        if not text:
            raise at.key("filter").refuse("InvalidParameterException: filter can't be empty")
        found.append(text)
    return tuple(found)


def _package(raw: object, where: Where) -> Package:
    entry = as_mapping(raw, where, "a package {name, version, packageManager}")
    return Package(
        name=as_str(entry.get("name"), where.key("name")),
        version=str(entry.get("version", "")),
        manager=as_str(entry.get("packageManager", "OS"), where.key("packageManager")),
    )


_STEP_KINDS = (
    "push",
    "createRepository",
    "startImageScan",
    "waitImageScanComplete",
    "gate",
    "deploy",
    "notationSign",
)


def read_setup(document: Mapping[str, Any], where: Where) -> Setup:
    known = {
        "description",
        "registry",
        "registryScanningConfiguration",
        "inspector",
        "repositories",
        "signingConfiguration",
        "signingProfiles",
        "rules",
        "advisories",
        "events",
    }
    for key in document:
        if key not in known:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "known keys: " + ", ".join(sorted(known))
            )
    registry = as_mapping(document.get("registry", {}), where.key("registry"))
    account = str(registry.get("registryId", ACCOUNT))
    region = str(registry.get("region", REGION))

    at = where.key("registryScanningConfiguration")
    config = as_mapping(document.get("registryScanningConfiguration", {}), at)
    scan_type = config.get("scanType", "BASIC")
    if scan_type not in ("BASIC", "ENHANCED"):
        raise at.key("scanType").refuse(
            f"InvalidParameterException: scanType must be BASIC or ENHANCED, found {scan_type!r}"
        )
    raw_rules = as_list(config.get("rules", []), at.key("rules"))
    if len(raw_rules) > 2:
        raise at.key("rules").refuse(
            "InvalidParameterException: a registry scanning configuration has at most 2 rules"
        )
    scan_rules = []
    for i, raw in enumerate(raw_rules):
        rat = at.key("rules").index(i)
        rule = as_mapping(raw, rat)
        frequency = rule.get("scanFrequency")
        allowed = (
            ("SCAN_ON_PUSH", "CONTINUOUS_SCAN") if scan_type == "ENHANCED" else ("SCAN_ON_PUSH",)
        )
        if frequency not in allowed:
            raise rat.key("scanFrequency").refuse(
                f"InvalidParameterException: with scanType {scan_type} a rule's scanFrequency "
                f"must be {' or '.join(allowed)}, found {frequency!r} (wording INF)",
                f"{RULE_API}: ENHANCED supports CONTINUOUS_SCAN and SCAN_ON_PUSH, BASIC "
                "supports SCAN_ON_PUSH; MANUAL is what a repository no rule matches gets",
            )
        scan_rules.append(
            ScanRule(
                str(frequency),
                _filters(
                    rule.get("repositoryFilters", []), rat.key("repositoryFilters"), "WILDCARD"
                ),
            )
        )

    inspector = as_mapping(document.get("inspector", {}), where.key("inspector"))
    ecr_conf = as_mapping(inspector.get("ecrConfiguration", {}), where.key("inspector"))
    rescan = ecr_conf.get("rescanDuration", DEFAULT_RESCAN)
    if not isinstance(rescan, str) or rescan not in RESCAN_DAYS:
        raise where.key("inspector").refuse(
            f"ValidationException: rescanDuration must be one of {', '.join(RESCAN_DAYS)}"
        )

    repositories = []
    for i, raw in enumerate(as_list(document.get("repositories", []), where.key("repositories"))):
        repositories.append(_repository(raw, where.key("repositories").index(i), region))

    sat = where.key("signingConfiguration")
    signing = as_mapping(document.get("signingConfiguration", {}), sat)
    raw_signing = as_list(signing.get("rules", []), sat.key("rules"))
    if len(raw_signing) > 10:
        raise sat.key("rules").refuse(
            "ValidationException: a signing configuration has at most 10 rules",
            "APIReference/API_SigningConfiguration.html: rules, maximum of 10",
        )
    signing_rules = []
    for i, raw in enumerate(raw_signing):
        rat = sat.key("rules").index(i)
        rule = as_mapping(raw, rat)
        signing_rules.append(
            SigningRule(
                as_str(rule.get("signingProfileArn"), rat.key("signingProfileArn")),
                _filters(
                    rule.get("repositoryFilters", []),
                    rat.key("repositoryFilters"),
                    "WILDCARD_MATCH",
                ),
            )
        )

    profiles = []
    for i, raw in enumerate(
        as_list(document.get("signingProfiles", []), where.key("signingProfiles"))
    ):
        pat = where.key("signingProfiles").index(i)
        entry = as_mapping(raw, pat)
        name = as_str(entry.get("profileName"), pat.key("profileName"))
        if not re.fullmatch(r"[A-Za-z0-9_]{2,64}", name):
            raise pat.key("profileName").refuse(
                "ValidationException: a signing profile name supports only alphanumeric "
                "characters and the underscore",
                SIGNER_STEPS,
            )
        arn = str(entry.get("arn", f"arn:aws:signer:{region}:{account}:/signing-profiles/{name}"))
        profiles.append(Profile(name, arn, as_str(entry.get("platformId"), pat.key("platformId"))))

    rules = []
    for i, raw in enumerate(as_list(document.get("rules", []), where.key("rules"))):
        rat = where.key("rules").index(i)
        entry = as_mapping(raw, rat)
        targets = tuple(
            str(as_mapping(t, rat.key("Targets").index(j)).get("Arn", ""))
            for j, t in enumerate(as_list(entry.get("Targets", []), rat.key("Targets")))
        )
        rules.append(
            Rule(
                str(entry.get("Name", f"rule-{i + 1}")),
                read_pattern(entry.get("EventPattern"), rat.key("EventPattern")),
                targets,
            )
        )

    advisories = []
    for i, raw in enumerate(as_list(document.get("advisories", []), where.key("advisories"))):
        aat = where.key("advisories").index(i)
        entry = as_mapping(raw, aat)
        severity = entry.get("severity")
        if severity not in SEVERITIES:
            raise aat.key("severity").refuse(
                f"severity must be one of {', '.join(SEVERITIES)}, found {severity!r}"
            )
        advisories.append(
            Advisory(
                as_str(entry.get("vulnerabilityId"), aat.key("vulnerabilityId")),
                str(severity),
                _package(entry.get("package"), aat.key("package")),
                _clock(entry.get("published", 0), aat.key("published")),
            )
        )

    steps = []
    for i, raw in enumerate(as_list(document.get("events", []), where.key("events"))):
        eat = where.key("events").index(i)
        entry = as_mapping(raw, eat)
        kinds = [k for k in entry if k in _STEP_KINDS]
        extra = [k for k in entry if k not in _STEP_KINDS and k != "at"]
        if len(kinds) != 1 or extra:
            raise eat.refuse(
                "an event names exactly one of " + ", ".join(_STEP_KINDS) + " (and optionally at)"
            )
        kind = kinds[0]
        when = _clock(entry["at"], eat.key("at")) if "at" in entry else None
        body = entry[kind]
        if kind == "push" and isinstance(body, str):
            body = {"image": body}
        steps.append(Step(kind, when, as_mapping(body, eat.key(kind)), eat.key(kind)))

    return Setup(
        account=account,
        region=region,
        scan_type=str(scan_type),
        scan_rules=tuple(scan_rules),
        rescan=str(rescan),
        repositories=tuple(repositories),
        signing_rules=tuple(signing_rules),
        profiles=tuple(profiles),
        rules=tuple(rules),
        advisories=tuple(advisories),
        steps=tuple(steps),
        description=str(document.get("description", "")).strip(),
    )


def _repository(raw: object, where: Where, region: str) -> Repository:
    entry = as_mapping(raw, where)
    name = as_str(entry.get("repositoryName"), where.key("repositoryName"))
    scanning = as_mapping(
        entry.get("imageScanningConfiguration", {}), where.key("imageScanningConfiguration")
    )
    enc = as_mapping(entry.get("encryptionConfiguration", {}), where.key("encryptionConfiguration"))
    etype = enc.get("encryptionType", "AES256")
    if etype not in ("AES256", "KMS", "KMS_DSSE"):
        raise where.key("encryptionConfiguration").refuse(
            "InvalidParameterException: encryptionType must be AES256, KMS or KMS_DSSE, "
            f"found {etype!r}"
        )
    if etype == "KMS_DSSE" and not region.startswith("us-gov-"):
        raise where.key("encryptionConfiguration").refuse(
            f"encryptionType KMS_DSSE (DSSE-KMS) is available only in the AWS GovCloud (US) "
            f"Regions, not {region} (wording INF)",
            f"{ENCRYPTION}: use KMS, or set registry.region to us-gov-west-1 or us-gov-east-1",
        )
    if etype == "AES256":
        if "kmsKey" in enc:
            raise where.key("encryptionConfiguration").refuse(
                "InvalidParameterException: kmsKey can be given only with encryptionType KMS",
                ENCRYPTION,
            )
        encryption = "AES256"
    else:
        encryption = f"{etype} {enc.get('kmsKey', 'aws/ecr (AWS managed key)')}"
    return Repository(name, bool(scanning.get("scanOnPush", False)), encryption)


# ---------------------------------------------------------------- the rules


def wildcard(pattern: str, name: str) -> bool:
    """A signing filter (WILDCARD_MATCH): `*` matches any sequence of characters and the
    pattern must match the whole name (API_SigningRepositoryFilter's examples)."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), name) is not None


def scan_filter(pattern: str, name: str) -> bool:
    """A scanning filter (WILDCARD): with `*`, each `*` replaces zero or more characters of
    the name; with no wildcard the filter matches every name that contains it
    (image-scanning-enhanced-enabling.html, "Important")."""
    return wildcard(pattern, name) if "*" in pattern else pattern in name


def scan_frequency(setup: Setup, repository: str) -> str:
    """The frequency a repository gets: the first rule with a matching filter (continuous
    before scan on push when both match, INF) or MANUAL (API_RegistryScanningRule)."""
    matched = [
        r.frequency for r in setup.scan_rules if any(scan_filter(f, repository) for f in r.filters)
    ]
    if "CONTINUOUS_SCAN" in matched:
        return "CONTINUOUS_SCAN"
    if "SCAN_ON_PUSH" in matched:
        return "SCAN_ON_PUSH"
    return "MANUAL"


def _digest(repository: str, tag: str, packages: tuple[Package, ...]) -> str:
    text = (
        repository
        + ":"
        + tag
        + "|"
        + ",".join(f"{p.manager}/{p.name}@{p.version}" for p in packages)
    )
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class _World:
    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.repos: dict[str, Repository] = {r.name: r for r in setup.repositories}
        self.images: dict[str, _Image] = {}
        self.decisions: list[Decision] = []
        self.notes: list[str] = []
        self.emitted: list[dict[str, Any]] = []
        self.delivered: dict[str, list[str]] = {}
        self.errors: list[str] = []
        self.scans: list[str] = []
        self.gates: list[str] = []
        self.deployed: list[str] = []
        self.inspector_findings: dict[str, list[str]] = {}
        self.image_scan_events: dict[str, dict[str, int]] = {}
        self.client_signing_steps = 0
        self.now = 0
        self.pipeline_failed = False
        self.published: set[str] = set()

    # -- bookkeeping
    def say(self, what: str, rule: str, verdict: Verdict = Verdict.DONE) -> None:
        self.decisions.append(Decision(show_time(self.now), what, rule, verdict))

    def fail(self, api: str, error: str, rule: str) -> None:
        # the fact keeps AWS's exception name (or the failure's first words); the
        # decision keeps the whole message
        self.errors.append(f"{api}: {error.split(':')[0]}")
        self.say(f"{api} fails: {error}", rule, Verdict.FAILED)

    def emit(self, source: str, detail_type: str, detail: Mapping[str, Any], summary: str) -> None:
        event = {
            "version": "0",
            "id": f"ecsprep-{len(self.emitted) + 1}",
            "detail-type": detail_type,
            "source": source,
            "account": self.setup.account,
            "time": show_time(self.now),
            "region": self.setup.region,
            "resources": [],
            "detail": dict(detail),
        }
        self.emitted.append(event)
        self.say(
            f"EventBridge receives {detail_type} ({source}): {summary}",
            ECR_EVENTS if source == "aws.ecr" else ENHANCED_EVENTS,
        )
        for rule in self.setup.rules:
            result = match(rule.pattern, event)
            if result.matched:
                for target in rule.targets:
                    self.delivered.setdefault(target, []).append(f"{detail_type}: {summary}")
                self.say(
                    f"rule {rule.name} matches {detail_type}; sends it to "
                    + (", ".join(rule.targets) or "no target"),
                    "eventbridge/latest/userguide/eb-event-patterns.html",
                )

    def key(self, repository: str, tag: str) -> str:
        return f"{repository}:{tag}"

    # -- scanning
    def vulnerable(self, image: _Image, engine: str, until: int) -> list[Advisory]:
        found = []
        for adv in self.setup.advisories:
            if adv.published > until:
                continue
            if engine == "BASIC" and adv.package.manager != "OS":
                continue
            if adv.package in image.packages:
                found.append(adv)
        return found

    def scan(self, image: _Image, engine: str, why: str) -> None:
        ref = self.key(image.repository, image.tag)
        image.scan_done = self.now + SCAN_MINUTES
        image.scanned = True
        if engine == "BASIC":
            image.scan_started = self.now
            self.scans.append(f"{ref} BASIC ({why})")
            self.say(
                f"ECR starts a basic scan of {ref} ({why}): AWS native technology and the CVE "
                "database, operating system packages only",
                SCANNING,
            )
        else:
            self.scans.append(f"{ref} ENHANCED ({why})")
            self.say(
                f"Amazon Inspector scans {ref} ({why}): operating system and programming "
                "language packages",
                ENHANCED,
            )

    def complete(self, image: _Image) -> None:
        ref = self.key(image.repository, image.tag)
        engine = self.setup.scan_type
        assert image.scan_done is not None
        self.now = max(self.now, image.scan_done)
        image.scan_done = None
        found = self.vulnerable(image, engine, self.now)
        image.findings = [f"{a.vulnerability} ({a.severity}, {a.package.name})" for a in found]
        counts: dict[str, int] = {}
        for adv in found:
            counts[adv.severity] = counts.get(adv.severity, 0) + 1
        image.counts = {s: counts[s] for s in SEVERITIES if s in counts}
        if engine == "BASIC":
            self.say(f"the basic scan of {ref} completes: {_counts(image.counts)}", SCANNING)
            self.image_scan_events[ref] = dict(image.counts)
            self.emit(
                "aws.ecr",
                "ECR Image Scan",
                {
                    "scan-status": "COMPLETE",
                    "repository-name": image.repository,
                    "finding-severity-counts": dict(image.counts),
                    "image-digest": image.digest,
                    "image-tags": [image.tag],
                },
                f"{ref} {_counts(image.counts)}",
            )
            ignored = [a for a in self.vulnerable(image, "ENHANCED", self.now) if a not in found]
            for adv in ignored:
                self.say(
                    f"{adv.vulnerability} in {adv.package.manager} package {adv.package.name} "
                    "is not reported: basic scanning covers operating system packages",
                    SCANNING,
                    Verdict.SKIPPED,
                )
        else:
            self.say(
                f"Inspector's initial scan of {ref} completes: {_counts(image.counts)}",
                ENHANCED_EVENTS,
            )
            self.emit(
                "aws.inspector2",
                "Inspector2 Scan",
                {
                    "scan-status": "INITIAL_SCAN_COMPLETE",
                    "repository-name": f"arn:aws:ecr:{self.setup.region}:"
                    f"{self.setup.account}:repository/{image.repository}",
                    "finding-severity-counts": {
                        "CRITICAL": image.counts.get("CRITICAL", 0),
                        "HIGH": image.counts.get("HIGH", 0),
                        "MEDIUM": image.counts.get("MEDIUM", 0),
                        "TOTAL": sum(image.counts.values()),
                    },
                    "image-digest": image.digest,
                    "image-tags": [image.tag],
                },
                f"{ref} {_counts(image.counts)}",
            )
            for adv in found:
                self.finding(image, adv)

    def finding(self, image: _Image, adv: Advisory) -> None:
        ref = self.key(image.repository, image.tag)
        text = f"{adv.vulnerability} ({adv.severity}, {adv.package.name})"
        self.inspector_findings.setdefault(ref, []).append(text)
        self.emit(
            "aws.inspector2",
            "Inspector2 Finding",
            {
                "severity": adv.severity,
                "status": "ACTIVE",
                "type": "PACKAGE_VULNERABILITY",
                "title": f"{adv.vulnerability} - {adv.package.name}",
                "packageVulnerabilityDetails": {
                    "vulnerabilityId": adv.vulnerability,
                    "vulnerablePackages": [
                        {
                            "name": adv.package.name,
                            "version": adv.package.version,
                            "packageManager": adv.package.manager,
                        }
                    ],
                },
                "resources": [
                    {
                        "type": "AWS_ECR_CONTAINER_IMAGE",
                        "details": {
                            "awsEcrContainerImage": {
                                "repositoryName": image.repository,
                                "imageTags": [image.tag],
                                "imageHash": image.digest,
                            }
                        },
                    }
                ],
            },
            f"{ref} {text}",
        )

    def publish(self, adv: Advisory) -> None:
        """A new advisory: continuous scanning rescans the images it monitors."""
        self.now = max(self.now, adv.published)
        self.say(
            f"{adv.vulnerability} ({adv.severity}, {adv.package.name}) is published",
            "INF: the scenario's advisory feed",
        )
        text = f"{adv.vulnerability} ({adv.severity}, {adv.package.name})"
        for image in self.images.values():
            # a finding the image's scan already reported (an advisory published the minute
            # the scan completed) isn't reported again
            if adv.package not in image.packages or text in image.findings:
                continue
            ref = self.key(image.repository, image.tag)
            if self.setup.scan_type != "ENHANCED":
                self.say(
                    f"{ref} is not rescanned: basic scanning scans on push or when you "
                    "start a scan",
                    SCANNING,
                    Verdict.SKIPPED,
                )
                continue
            frequency = scan_frequency(self.setup, image.repository)
            if frequency != "CONTINUOUS_SCAN":
                self.say(
                    f"{ref} is not rescanned: its repository is {frequency}, not CONTINUOUS_SCAN",
                    ENHANCED,
                    Verdict.SKIPPED,
                )
                continue
            days = RESCAN_DAYS[self.setup.rescan]
            if days is not None and self.now - image.pushed > days * 1440:
                self.say(
                    f"{ref} is no longer monitored: pushed more than {days} days ago "
                    f"(rescanDuration {self.setup.rescan}"
                    + (", a new account's default" if self.setup.rescan == DEFAULT_RESCAN else "")
                    + "; the last-in-use and last-pull durations are not modelled)",
                    f"{INSPECTOR_RESCAN}, {INSPECTOR_DURATION}",
                    Verdict.SKIPPED,
                )
                continue
            self.say(f"continuous scanning rescans {ref} for the new vulnerability", ENHANCED)
            image.findings.append(text)
            image.counts[adv.severity] = image.counts.get(adv.severity, 0) + 1
            self.finding(image, adv)

    def catch_up(self, until: int) -> None:
        """Everything that happens on its own up to `until`: scans completing, advisories."""
        while True:
            pending: list[tuple[int, int, Any]] = []
            for image in self.images.values():
                if image.scan_done is not None and image.scan_done <= until:
                    pending.append((image.scan_done, 0, image))
            for adv in self.setup.advisories:
                if adv.vulnerability not in self.published and 0 < adv.published <= until:
                    pending.append((adv.published, 1, adv))
            if not pending:
                return
            _, order, item = min(pending, key=lambda p: (p[0], p[1]))
            if order == 0:
                self.complete(item)
            else:
                self.published.add(item.vulnerability)
                self.publish(item)


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) if counts else "no findings"


def _image_ref(body: Mapping[str, Any], where: Where) -> tuple[str, str]:
    """(repository, tag) from {repositoryName, imageId: {imageTag}} or {image: "repo:tag"}."""
    if "image" in body:
        text = as_str(body["image"], where.key("image"))
        text = text.split("/", 1)[1] if ".amazonaws.com/" in text else text
        if ":" not in text:
            raise where.key("image").refuse(f"expected repository:tag, found {text!r}")
        repo, tag = text.rsplit(":", 1)
        return repo, tag
    repo = as_str(body.get("repositoryName"), where.key("repositoryName"))
    image_id = as_mapping(body.get("imageId", {}), where.key("imageId"))
    tag = body.get("imageTag", image_id.get("imageTag"))
    return repo, as_str(tag, where.key("imageId").key("imageTag"))


def run(setup: Setup) -> Run:
    world = _World(setup)
    for adv in setup.advisories:
        if adv.published == 0:
            world.published.add(adv.vulnerability)
    world.say(
        f"registry scanning configuration: {setup.scan_type}"
        + (
            "; rules "
            + "; ".join(
                f"{r.frequency} {', '.join(r.filters) or '(no filter)'}" for r in setup.scan_rules
            )
            if setup.scan_rules
            else " with no rules"
        ),
        PUT_SCANNING_API,
    )
    for step in setup.steps:
        when = max(world.now, step.at if step.at is not None else world.now)
        world.catch_up(when)
        world.now = when
        _STEP[step.kind](world, step)
    world.catch_up(max([world.now] + [a.published for a in setup.advisories]) + SCAN_MINUTES)

    if any(r.scan_on_push for r in setup.repositories) and setup.scan_type == "ENHANCED":
        world.notes.append(
            "With ENHANCED scanning the registry's rules decide; a repository's "
            "imageScanningConfiguration.scanOnPush is not used (INF, see docs/ecr-scanning.md)."
        )
    facts: dict[str, object] = {
        "scan_type": setup.scan_type,
        "frequency": {
            name: _repo_frequency(setup, world.repos[name]) for name in sorted(world.repos)
        },
        "scans": world.scans,
        "findings": {ref: list(i.findings) for ref, i in world.images.items()},
        "severity_counts": {ref: dict(i.counts) for ref, i in world.images.items()},
        "events": [e["detail-type"] for e in world.emitted],
        "image_scan_events": world.image_scan_events,
        "inspector_findings": world.inspector_findings,
        "delivered": world.delivered,
        "errors": world.errors,
        "gates": world.gates,
        "deployed": world.deployed,
        "encryption": {ref: i.encryption for ref, i in world.images.items()},
        "signatures": {ref: list(i.signatures) for ref, i in world.images.items()},
        "unsigned": sorted(ref for ref, i in world.images.items() if not i.signatures),
        "referrers": _referrers(world),
        "client_signing_steps": world.client_signing_steps,
        "images": sorted(world.images),
    }
    return Run(setup, tuple(world.decisions), tuple(world.notes), tuple(world.emitted), facts)


def _referrers(world: _World) -> dict[str, list[str]]:
    """Where each signature is stored: as an OCI referrer in the signed image's own
    repository (image-signing.html, managed-signing.html)."""
    found: dict[str, list[str]] = {}
    for image in world.images.values():
        for signature in image.signatures:
            found.setdefault(image.repository, []).append(f"signature of {image.tag}: {signature}")
    return found


def _repo_frequency(setup: Setup, repo: Repository) -> str:
    frequency = scan_frequency(setup, repo.name)
    if setup.scan_type == "BASIC" and frequency == "MANUAL" and repo.scan_on_push:
        return "SCAN_ON_PUSH"
    return frequency


# ---------------------------------------------------------------- the steps


def _push(world: _World, step: Step) -> None:
    repo_name, tag = _image_ref(step.body, step.where)
    packages = tuple(
        _package(p, step.where.key("packages").index(i))
        for i, p in enumerate(as_list(step.body.get("packages", []), step.where.key("packages")))
    )
    ref = world.key(repo_name, tag)
    repo = world.repos.get(repo_name)
    if repo is None:
        world.fail(
            f"push {ref}",
            f"RepositoryNotFoundException: The repository with name '{repo_name}' does not "
            f"exist in the registry with id '{world.setup.account}'",
            "docker-push-ecr-image.html",
        )
        return
    digest = _digest(repo_name, tag, packages)
    image = _Image(repo_name, tag, digest, packages, world.now, repo.encryption)
    world.images[ref] = image
    world.say(
        f"{ref} is pushed ({digest[:19]}…), stored encrypted with {repo.encryption}", ENCRYPTION
    )
    world.emit(
        "aws.ecr",
        "ECR Image Action",
        {
            "result": "SUCCESS",
            "repository-name": repo_name,
            "image-digest": digest,
            "action-type": "PUSH",
            "image-tag": tag,
        },
        f"PUSH {ref}",
    )
    _sign_on_push(world, image)
    engine = world.setup.scan_type
    frequency = _repo_frequency(world.setup, repo)
    if frequency == "MANUAL":
        world.say(
            f"{ref} is not scanned on push: no {engine} scanning rule's filter matches "
            f"{repo_name}" + (" and its scanOnPush is off" if engine == "BASIC" else ""),
            RULE_API,
            Verdict.SKIPPED,
        )
        return
    if engine == "BASIC" and scan_frequency(world.setup, repo_name) != "SCAN_ON_PUSH":
        why = "on push: the repository's imageScanningConfiguration.scanOnPush"
    else:
        why = f"on push: {frequency} rule"
    world.scan(image, engine, why)


def _sign_on_push(world: _World, image: _Image) -> None:
    ref = world.key(image.repository, image.tag)
    for rule in world.setup.signing_rules:
        if rule.filters and not any(wildcard(f, image.repository) for f in rule.filters):
            continue
        profile = next((p for p in world.setup.profiles if p.arn == rule.profile_arn), None)
        if profile is None or profile.platform != NOTATION_PLATFORM:
            world.fail(
                f"managed signing of {ref}",
                "the signing job fails: the rule's signing profile "
                + ("does not exist" if profile is None else f"is on platform {profile.platform}")
                + f", not {NOTATION_PLATFORM} (wording INF)",
                MANAGED_SIGNING,
            )
            continue
        image.signatures.append(f"{profile.name} (managed signing)")
        world.say(
            f"ECR managed signing signs {ref} on push with Signer profile {profile.name}, as the "
            "identity that pushed it; the signature is stored in the same repository as an "
            "OCI referrer of the image",
            MANAGED_SIGNING,
        )


def _create_repository(world: _World, step: Step) -> None:
    repo = _repository(step.body, step.where, world.setup.region)
    if repo.name in world.repos:
        old = world.repos[repo.name]
        world.fail(
            f"CreateRepository {repo.name}",
            f"RepositoryAlreadyExistsException: The repository with name '{repo.name}' already "
            f"exists in the registry with id '{world.setup.account}'",
            CREATE_REPO_API,
        )
        if old.encryption != repo.encryption:
            world.say(
                f"{repo.name} keeps {old.encryption}: a repository's encryption configuration is "
                "set when it is created and no ECR API changes it; move the images to a new "
                "repository created with the key",
                ENCRYPTION,
                Verdict.SKIPPED,
            )
        return
    world.repos[repo.name] = repo
    world.say(f"CreateRepository {repo.name}: encryption {repo.encryption}", ENCRYPTION)


def _start_scan(world: _World, step: Step) -> None:
    repo, tag = _image_ref(step.body, step.where)
    ref = world.key(repo, tag)
    image = world.images.get(ref)
    if image is None:
        world.fail(
            f"StartImageScan {ref}",
            "ImageNotFoundException: The image requested does not exist in the specified "
            "repository.",
            START_SCAN_API,
        )
        return
    if world.setup.scan_type == "ENHANCED":
        world.fail(
            f"StartImageScan {ref}",
            "the registry uses ENHANCED scanning: StartImageScan starts a basic scan, and "
            "Amazon Inspector decides when images are scanned (error wording INF)",
            START_SCAN_API,
        )
        return
    if image.scan_started is not None and world.now - image.scan_started < BASIC_LIMIT_MINUTES:
        world.fail(
            f"StartImageScan {ref}",
            "LimitExceededException: an image can be scanned once per 24 hours, including the "
            f"scan on push (last scan started {show_time(image.scan_started)})",
            MANUAL,
        )
        return
    world.scan(image, "BASIC", "StartImageScan")


def _wait(world: _World, step: Step) -> None:
    repo, tag = _image_ref(step.body, step.where)
    ref = world.key(repo, tag)
    image = world.images.get(ref)
    if image is None or not image.scanned:
        world.pipeline_failed = True
        world.gates.append(f"wait {ref}: FAIL")
        world.say(
            f"aws ecr wait image-scan-complete {ref} gives up: no scan of the image is running "
            f"or complete (after {WAITER_CHECKS} checks every {WAITER_POLL_SECONDS} s it "
            "exits 255)",
            WAITER,
            Verdict.FAILED,
        )
        return
    if image.scan_done is not None:
        world.catch_up(image.scan_done)
    world.say(f"aws ecr wait image-scan-complete {ref} returns: the scan is COMPLETE", WAITER)


def _gate(world: _World, step: Step) -> None:
    repo, tag = _image_ref(step.body, step.where)
    ref = world.key(repo, tag)
    fail_on = [
        str(s) for s in as_list(step.body.get("failOn", ["CRITICAL"]), step.where.key("failOn"))
    ]
    image = world.images.get(ref)
    if world.pipeline_failed:
        world.say(
            f"gate on {ref} doesn't run: an earlier pipeline step failed",
            "INF: a failed stage stops the pipeline",
            Verdict.SKIPPED,
        )
        return
    if image is None:
        world.pipeline_failed = True
        world.gates.append(f"{ref}: FAIL")
        world.say(
            f"DescribeImageScanFindings {ref}: ImageNotFoundException", FINDINGS, Verdict.FAILED
        )
        return
    if image.scan_done is not None:
        counts: dict[str, int] = {}
        status = "IN_PROGRESS"
    elif not image.scanned:
        counts, status = {}, "none (ScanNotFoundException)"
    else:
        counts, status = image.counts, "COMPLETE"
    hits = [s for s in fail_on if counts.get(s, 0) > 0]
    verdict = "FAIL" if hits else "PASS"
    world.gates.append(f"{ref}: {verdict}")
    world.say(
        f"DescribeImageScanFindings {ref}: imageScanStatus {status}, findingSeverityCounts "
        f"{_counts(counts)}; the gate (fail on {', '.join(fail_on)}) says {verdict}"
        + (" although the scan has not finished" if status == "IN_PROGRESS" else ""),
        FINDINGS,
        Verdict.FAILED if hits else Verdict.DONE,
    )
    if hits:
        world.pipeline_failed = True


def _deploy(world: _World, step: Step) -> None:
    repo, tag = _image_ref(step.body, step.where)
    ref = world.key(repo, tag)
    if world.pipeline_failed:
        world.say(
            f"the deploy stage for {ref} doesn't run: an earlier stage failed",
            "INF: a failed stage stops the pipeline",
            Verdict.SKIPPED,
        )
        return
    world.deployed.append(ref)
    world.say(f"the deploy stage deploys {ref}", "INF: the pipeline's own deploy stage")


def _notation_sign(world: _World, step: Step) -> None:
    repo, tag = _image_ref(step.body, step.where)
    ref = world.key(repo, tag)
    world.client_signing_steps += 1
    name = as_str(step.body.get("signingProfile"), step.where.key("signingProfile"))
    profile = next((p for p in world.setup.profiles if p.name == name), None)
    image = world.images.get(ref)
    if image is None:
        world.fail(f"notation sign {ref}", "the image is not in the repository", IMAGE_SIGNING)
        return
    if profile is None or profile.platform != NOTATION_PLATFORM:
        world.fail(
            f"notation sign {ref}",
            f"signing fails: signing profile {name} "
            + ("does not exist" if profile is None else f"is on platform {profile.platform}")
            + f"; container images are signed with a {NOTATION_PLATFORM} profile (wording INF)",
            SIGNER_STEPS,
        )
        return
    image.signatures.append(f"{profile.name} (notation)")
    world.say(
        f"notation sign with the AWS Signer plugin signs {repo}@{image.digest[:19]}… (the digest "
        f"of {tag}) with profile {profile.name} and pushes the signature to {repo}, the same "
        "repository; it counts toward the images-per-repository quota",
        IMAGE_SIGNING,
    )


_STEP = {
    "push": _push,
    "createRepository": _create_repository,
    "startImageScan": _start_scan,
    "waitImageScanComplete": _wait,
    "gate": _gate,
    "deploy": _deploy,
    "notationSign": _notation_sign,
}


def to_json(result: Run) -> dict[str, object]:
    return {
        "facts": result.facts(),
        "decisions": [
            {"at": d.at, "what": d.what, "rule": d.rule, "verdict": d.verdict.value}
            for d in result.decisions
        ],
        "events": list(result.emitted),
        "notes": list(result.notes),
    }
