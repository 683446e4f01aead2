"""Who may push or pull an ECR image, and what a shell session of logins and docker
commands really does.

The input is a scenario (docs/ecr-access.md): the registry (account, Region), its
repositories as describe-repositories shows them (tag mutability and exclusion
filters, the images already there) with their repository policies, the principal
(its ARN, organization and IAM identity policies), the AWS CLI and Docker versions,
Docker's credential helper configuration, and the commands run, in order, each
optionally at a clock time. `run` plays the commands and records every step as
data, with every ECR API call it authorizes and why:

- Registry and image URIs: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:TAG or
  @sha256:DIGEST] ("Amazon ECR private registry"); a reference with no registry host
  is Docker Hub's (docker.io/library/NAME for a one-part name).
- Logins: `aws ecr get-login` (CLI v1 only, removed in v2) prints a `docker login -u
  AWS -p TOKEN [-e none] https://HOST` command, which `$(...)` runs; Docker 17.06 and
  later reject `-e` unless `--no-include-email` leaves it out. `aws ecr
  get-login-password` (CLI v2, and v1 from 1.17.10) prints the token for `docker login
  --username AWS --password-stdin HOST`. Both call ecr:GetAuthorizationToken; the
  token lasts 12 hours. The Amazon ECR credential helper gets a fresh token for each
  docker command.
- Authorization (ECR "Private repository policies", IAM "Cross-account policy
  evaluation logic"): ecr:GetAuthorizationToken is decided by the identity policies
  alone. A repository action is decided by both policies: an explicit Deny in either
  wins; in the repository's own account an Allow in either suffices; from another
  account both must allow. A push needs BatchCheckLayerAvailability,
  InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload and PutImage; a pull
  BatchCheckLayerAvailability, GetDownloadUrlForLayer and BatchGetImage.
- Tag immutability ("Preventing image tags from being overwritten"): a push of a tag
  that is already in an IMMUTABLE repository fails with ImageTagAlreadyExistsException;
  IMMUTABLE_WITH_EXCLUSION leaves the tags matching its wildcard filters mutable,
  MUTABLE_WITH_EXCLUSION makes only those immutable.

Every point the docs leave open is an inferred choice, said in the notes as "INF".
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str
from ecsprep.sim.iam_policy import (
    Decision,
    Policy,
    Statement,
    read_policy,
    read_resource_policy,
    statement_applies,
)

TOKEN_HOURS = 12
PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)
PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
)
TOKEN_ACTION = "ecr:GetAuthorizationToken"
# get-login-password exists in CLI v1 from this version on (its CLI reference page).
GET_LOGIN_PASSWORD_V1 = (1, 17, 10)
# Docker removed `docker login -e` in 17.06 (get-login's --include-email help).
DOCKER_NO_EMAIL = (17, 6)
HOST = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$"
)
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
# Docker's reference grammar (distribution/reference): [HOST[:PORT]/]PATH[:TAG][@DIGEST], each
# path component lowercase; anything else is refused before Docker contacts a registry.
_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REFERENCE = re.compile(
    rf"(?:{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::\w[\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)
MUTABILITY = ("MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
FILTER_PATTERN = re.compile(r"^[0-9a-zA-Z._*-]{1,128}$")
FACTS = (
    "logins",
    "pulled",
    "pushed",
    "elsewhere",
    "errors",
    "denied",
    "denied_by",
    "cross_account",
    "token_expires",
)
_KEYS = (
    "description",
    "registry",
    "repositories",
    "principal",
    "cli",
    "docker",
    "commands",
)


class Outcome(str, Enum):
    OK = "ok"
    FAILED = "failed"
    PRINTED = "printed"  # the command only printed something


@dataclass(frozen=True, slots=True)
class Reference:
    """An image reference as Docker reads it."""

    text: str
    host: str  # "docker.io" when the reference names no registry
    path: str
    tag: str = ""
    digest: str = ""
    account: str = ""  # set for an ECR private registry host
    region: str = ""

    @property
    def ecr(self) -> bool:
        return bool(self.account)

    @property
    def full(self) -> str:
        suffix = f"@{self.digest}" if self.digest else f":{self.tag}"
        return f"{self.host}/{self.path}{suffix}"


def parse_reference(text: str) -> Reference:
    """Docker's reading of an image reference: the first part is a registry host when it
    holds a dot or a colon or is localhost; otherwise the image is on Docker Hub."""
    rest, _, digest = text.partition("@")
    first, _, after = rest.partition("/")
    if after and ("." in first or ":" in first or first == "localhost"):
        host, path = first, after
    else:
        host, path = "docker.io", rest
        if "/" not in path:
            path = f"library/{path}"
    tag = ""
    if ":" in path.rsplit("/", 1)[-1]:
        path, tag = path.rsplit(":", 1)
    if not digest and not tag:
        tag = "latest"  # Docker's default tag
    match = HOST.match(host)
    return Reference(
        text=text,
        host=host,
        path=path,
        tag=tag,
        digest=digest,
        account=match["account"] if match else "",
        region=match["region"] if match else "",
    )


@dataclass(frozen=True, slots=True)
class Repository:
    name: str
    mutability: str = "MUTABLE"
    exclusions: tuple[str, ...] = ()
    policy: Policy | None = None
    images: tuple[tuple[str, str], ...] = ()  # (tag or "", digest)
    lifecycle: bool = False  # a lifecycle policy is set (it never acts on a push or pull)
    scan_on_push: bool = False


@dataclass(frozen=True, slots=True)
class Principal:
    arn: str
    account: str
    org_id: str = ""
    policies: tuple[Policy, ...] = ()
    anonymous: bool = False  # no AWS credentials at all


@dataclass(frozen=True, slots=True)
class Command:
    text: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Setup:
    account: str
    region: str
    repositories: tuple[Repository, ...]
    principal: Principal
    cli_version: tuple[int, ...]
    docker_version: tuple[int, ...]
    helper_hosts: tuple[str, ...]  # hosts Docker asks the ECR credential helper for ("*": all)
    commands: tuple[Command, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Call:
    """One ECR API call and how it was authorized."""

    action: str
    identity: Decision
    repository: Decision | None  # None: the repository policy is not consulted
    allowed: bool
    why: str


@dataclass(frozen=True, slots=True)
class Step:
    command: str
    at: str
    outcome: Outcome
    detail: str
    error: str = ""  # the short error name a check names (errors fact)
    calls: tuple[Call, ...] = ()


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    steps: tuple[Step, ...]
    logins: tuple[str, ...]
    pulled: tuple[str, ...]
    pushed: tuple[str, ...]
    elsewhere: tuple[str, ...]
    token_expires: str
    notes: tuple[str, ...] = field(default=())

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(s.error for s in self.steps if s.error)

    def denied(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for step in self.steps:
            for call in step.calls:
                if not call.allowed and call.action not in found:
                    found[call.action] = call.why
        return found

    def facts(self) -> dict[str, object]:
        denied = self.denied()
        return {
            "logins": list(self.logins),
            "pulled": list(self.pulled),
            "pushed": list(self.pushed),
            "elsewhere": list(self.elsewhere),
            "errors": list(self.errors),
            "denied": list(denied),
            "denied_by": denied,
            "cross_account": self.setup.principal.account != self.setup.account,
            "token_expires": self.token_expires,
        }


# ----------------------------------------------------------------------------- reading


def _version(text: str, where: Where) -> tuple[int, ...]:
    if not re.fullmatch(r"\d+(\.\d+){0,2}", text):
        raise where.refuse(f"{text!r} is not a version", "write it like 2.15.0 or 1.18.69")
    return tuple(int(part) for part in text.split("."))


def _time(value: object, where: Where) -> datetime:
    text = as_str(value, where)
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", text):
            hours, minutes = (int(p) for p in text.split(":"))
            if hours > 23 or minutes > 59:
                raise ValueError(text)  # a clock time; a later day is an ISO 8601 time
            return datetime(2000, 1, 1) + timedelta(hours=hours, minutes=minutes)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise where.refuse(f"{text!r} is not a time", "write HH:MM or an ISO 8601 time") from None


def _repository(data: object, where: Where) -> Repository:
    raw = as_mapping(data, where, "a repository")
    known = (
        "repositoryName",
        "imageTagMutability",
        "imageTagMutabilityExclusionFilters",
        "policy",
        "images",
        "lifecyclePolicy",
        "imageScanningConfiguration",
        "encryptionConfiguration",
    )
    for key in raw:
        if key not in known:
            raise where.key(str(key)).refuse(f"unknown key {key!r}", "see docs/ecr-access.md")
    name = as_str(raw.get("repositoryName", ""), where.key("repositoryName"))
    if not re.fullmatch(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*", name):
        raise where.key("repositoryName").refuse(
            f"InvalidParameterException: Invalid parameter at 'repositoryName' failed to "
            f"satisfy constraint: {name!r} is not a repository name",
            "lowercase letters, digits, and . _ - / between them",
        )
    mutability = str(raw.get("imageTagMutability", "MUTABLE"))
    if mutability not in MUTABILITY:
        raise where.key("imageTagMutability").refuse(
            f"{mutability!r}: valid values are " + ", ".join(MUTABILITY)
        )
    at = where.key("imageTagMutabilityExclusionFilters")
    filters = as_list(raw.get("imageTagMutabilityExclusionFilters", []), at)
    if len(filters) > 5:
        raise at.refuse("at most 5 exclusion filters (API reference, PutImageTagMutability)")
    exclusions = []
    for n, item in enumerate(filters):
        f = as_mapping(item, at.index(n), "an exclusion filter")
        if f.get("filterType", "WILDCARD") != "WILDCARD":
            raise at.index(n).key("filterType").refuse("the only filterType is WILDCARD")
        pattern = as_str(f.get("filter", ""), at.index(n).key("filter"))
        if not FILTER_PATTERN.match(pattern):
            raise (
                at.index(n)
                .key("filter")
                .refuse(f"{pattern!r} doesn't match ^[0-9a-zA-Z._*-]{{1,128}}$")
            )
        exclusions.append(pattern)
    if mutability.endswith("_WITH_EXCLUSION") and not exclusions:
        raise at.refuse(
            f"{mutability} needs imageTagMutabilityExclusionFilters",
            "INF: ecsprep refuses it, as a setting with nothing excluded is plain "
            + mutability.split("_")[0],
        )
    images = []
    for n, item in enumerate(as_list(raw.get("images", []), where.key("images"))):
        image = as_mapping(item, where.key("images").index(n), "an image")
        digest = str(image.get("imageDigest", f"sha256:{n:064x}"))
        tags = image.get("imageTags", [image["imageTag"]] if "imageTag" in image else [])
        for tag in as_list(tags, where.key("images").index(n).key("imageTags")):
            images.append((str(tag), digest))
        if not tags:
            images.append(("", digest))
    policy = None
    if raw.get("policy") is not None:
        policy = read_resource_policy(raw["policy"], where.key("policy"), "repository")
    scanning = as_mapping(
        raw.get("imageScanningConfiguration", {}), where.key("imageScanningConfiguration")
    )
    return Repository(
        name=name,
        mutability=mutability,
        exclusions=tuple(exclusions),
        policy=policy,
        images=tuple(images),
        lifecycle=raw.get("lifecyclePolicy") is not None,
        scan_on_push=bool(scanning.get("scanOnPush", False)),
    )


def read_setup(document: Mapping[str, object], where: Where) -> Setup:
    for key in document:
        if key not in _KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                f"did you mean {close[0]}?" if close else "see docs/ecr-access.md",
            )
    registry = as_mapping(document.get("registry", {}), where.key("registry"))
    account = str(registry.get("accountId", "111122223333"))
    region = str(registry.get("region", "us-east-1"))
    if not re.fullmatch(r"\d{12}", account):
        raise (
            where.key("registry")
            .key("accountId")
            .refuse(f"{account!r} is not a 12-digit account ID")
        )
    repositories = tuple(
        _repository(item, where.key("repositories").index(n))
        for n, item in enumerate(
            as_list(document.get("repositories", []), where.key("repositories"))
        )
    )
    p_at = where.key("principal")
    raw = as_mapping(document.get("principal", {}), p_at, "a principal")
    anonymous = bool(raw.get("anonymous", False))
    arn = str(raw.get("arn", f"arn:aws:iam::{account}:user/developer"))
    match = re.fullmatch(r"arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):\S+", arn)
    if not match and not anonymous:
        raise p_at.key("arn").refuse(f"{arn!r} is not an IAM user or role ARN")
    policies = tuple(
        read_policy(item, p_at.key("policies").index(n), f"identity policy {n + 1}")
        for n, item in enumerate(as_list(raw.get("policies", []), p_at.key("policies")))
    )
    cli = as_mapping(document.get("cli", {}), where.key("cli"))
    docker = as_mapping(document.get("docker", {}), where.key("docker"))
    helpers: list[str] = []
    if docker.get("credsStore") == "ecr-login":
        helpers.append("*")
    for host, helper in as_mapping(
        docker.get("credHelpers", {}), where.key("docker").key("credHelpers")
    ).items():
        if helper == "ecr-login":
            helpers.append(str(host))
    commands = []
    c_at = where.key("commands")
    last: datetime | None = None
    for n, item in enumerate(as_list(document.get("commands", []), c_at)):
        if isinstance(item, str):
            commands.append(Command(item, last))
            continue
        entry = as_mapping(item, c_at.index(n), "a command")
        if "run" not in entry:
            raise c_at.index(n).refuse(
                "a command needs run (the shell command)", 'write {at: "07:00", run: "..."}'
            )
        text = as_str(entry["run"], c_at.index(n).key("run"))
        at = _time(entry["at"], c_at.index(n).key("at")) if "at" in entry else last
        if at is not None and last is not None and at < last:
            raise c_at.index(n).key("at").refuse("commands run in order: this time is earlier")
        last = at
        commands.append(Command(text, at))
    return Setup(
        account=account,
        region=region,
        repositories=repositories,
        principal=Principal(
            arn=arn,
            account=match.group(1) if match else "",
            org_id=str(raw.get("orgId", "")),
            policies=policies,
            anonymous=anonymous,
        ),
        cli_version=_version(str(cli.get("version", "2.15.0")), where.key("cli").key("version")),
        docker_version=_version(
            str(docker.get("version", "24.0")), where.key("docker").key("version")
        ),
        helper_hosts=tuple(helpers),
        commands=tuple(commands),
        description=str(document.get("description", "")),
    )


# ----------------------------------------------------------------------------- authorization


def _names_principal(statement: Statement, principal: Principal) -> bool:
    for named in statement.principals:
        if named in ("*", "AWS:*"):
            return True
        if not named.startswith("AWS:"):
            continue  # a Service principal never names an IAM user or role
        value = named[4:]
        if value in (principal.account, f"arn:aws:iam::{principal.account}:root"):
            return True
        if value == principal.arn:
            return True
    return False


def _resource_decision(
    policy: Policy | None, principal: Principal, action: str, arn: str, context: Mapping[str, str]
) -> tuple[Decision, str]:
    if policy is None:
        return Decision.IMPLICIT_DENY, ""
    allow = ""
    for statement in policy.statements:
        if not _names_principal(statement, principal):
            continue
        if not statement_applies(statement, action, arn, context):
            continue
        label = "repository policy" + (f" ({statement.sid})" if statement.sid else "")
        if statement.effect == "Deny":
            return Decision.EXPLICIT_DENY, label
        allow = allow or label
    return (Decision.ALLOWED, allow) if allow else (Decision.IMPLICIT_DENY, "")


def _identity_decision(
    principal: Principal, action: str, arn: str, context: Mapping[str, str]
) -> tuple[Decision, str]:
    allow = ""
    for policy in principal.policies:
        for statement in policy.statements:
            if not statement_applies(statement, action, arn, context):
                continue
            label = policy.name + (f" ({statement.sid})" if statement.sid else "")
            if statement.effect == "Deny":
                return Decision.EXPLICIT_DENY, label
            allow = allow or label
    return (Decision.ALLOWED, allow) if allow else (Decision.IMPLICIT_DENY, "")


def _context(setup: Setup) -> dict[str, str]:
    p = setup.principal
    found = {"aws:PrincipalAccount": p.account, "aws:PrincipalArn": p.arn}
    if p.org_id:
        found["aws:PrincipalOrgID"] = p.org_id
    return found


def authorize(setup: Setup, action: str, repository: Repository | None, region: str) -> Call:
    """One ECR call: GetAuthorizationToken by the identity policies alone; a repository
    action by both policies (same account: either allows; cross-account: both)."""
    principal = setup.principal
    context = _context(setup)
    if action == TOKEN_ACTION:
        identity, by = _identity_decision(principal, action, "*", context)
        ok = identity is Decision.ALLOWED
        why = (
            f"allowed by {by}"
            if ok
            else f"{identity.value} by the identity policies"
            + (f" ({by})" if by else "")
            + "; only an IAM policy can grant it"
        )
        return Call(action, identity, None, ok, why)
    assert repository is not None
    arn = f"arn:aws:ecr:{region}:{setup.account}:repository/{repository.name}"
    identity, i_by = _identity_decision(principal, action, arn, context)
    resource, r_by = _resource_decision(repository.policy, principal, action, arn, context)
    same = principal.account == setup.account
    if identity is Decision.EXPLICIT_DENY:
        return Call(action, identity, resource, False, f"explicitly denied by {i_by}")
    if resource is Decision.EXPLICIT_DENY:
        return Call(action, identity, resource, False, f"explicitly denied by {r_by}")
    i_ok, r_ok = identity is Decision.ALLOWED, resource is Decision.ALLOWED
    if same:
        if i_ok or r_ok:
            return Call(action, identity, resource, True, f"allowed by {i_by or r_by}")
        return Call(
            action, identity, resource, False, "not allowed by the identity or repository policy"
        )
    if i_ok and r_ok:
        return Call(action, identity, resource, True, f"allowed by {i_by} and {r_by}")
    missing = " and ".join(
        side
        for side, ok in (("the identity policies", i_ok), ("the repository policy", r_ok))
        if not ok
    )
    return Call(
        action,
        identity,
        resource,
        False,
        f"cross-account: not allowed by {missing} (both sides must allow)",
    )


# ----------------------------------------------------------------------------- the session


def _immutable(repository: Repository, tag: str) -> bool:
    from fnmatch import fnmatchcase  # the filters allow only [0-9a-zA-Z._*-]: `*` is the wildcard

    excluded = any(fnmatchcase(tag, f) for f in repository.exclusions)
    return {
        "MUTABLE": False,
        "IMMUTABLE": True,
        "IMMUTABLE_WITH_EXCLUSION": not excluded,
        "MUTABLE_WITH_EXCLUSION": excluded,
    }[repository.mutability]


@dataclass
class _State:
    tokens: dict[str, datetime | None]  # host → when Docker's stored token was issued
    images: dict[str, list[tuple[str, str]]]
    logins: list[str]
    pulled: list[str]
    pushed: list[str]
    elsewhere: list[str]
    notes: list[str]
    expires: str = ""
    pushes: int = 0


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _shown(at: datetime | None) -> str:
    if at is None:
        return ""
    days = (at.date() - datetime(2000, 1, 1).date()).days
    if 0 <= days < 7:  # a scenario written in clock times (HH:MM)
        return at.strftime("%H:%M") + (f" (+{days} day{'s' if days > 1 else ''})" if days else "")
    return at.isoformat()


def _aws(setup: Setup, words: list[str], state: _State, at: datetime | None) -> Step:
    """`aws ecr ...`: returns a step whose detail is what it printed."""
    text = " ".join(words)
    if words[1:2] != ["ecr"] or len(words) < 3:
        return Step(
            text, _shown(at), Outcome.FAILED, "ecsprep models only aws ecr commands", "not modelled"
        )
    verb, args = words[2], words[3:]
    region = setup.region
    options: dict[str, str] = {}
    unknown: list[str] = []
    known = {
        "get-login": (
            "--region",
            "--no-include-email",
            "--include-email",
            "--registry-ids",
            "--profile",
        ),
        "get-login-password": ("--region", "--profile"),
        "get-authorization-token": ("--region", "--profile", "--registry-ids"),
    }
    v1 = setup.cli_version[0] == 1
    if (
        verb not in known
        or (verb == "get-login" and not v1)
        or (verb == "get-login-password" and v1 and setup.cli_version < GET_LOGIN_PASSWORD_V1)
    ):
        why = (
            "get-login was removed in AWS CLI v2"
            if verb == "get-login"
            else "get-login-password needs AWS CLI v1.17.10 or later (this is "
            + ".".join(map(str, setup.cli_version))
            + ")"
            if verb == "get-login-password"
            else f"ecsprep doesn't model aws ecr {verb}"
        )
        return Step(
            text,
            _shown(at),
            Outcome.FAILED,
            f"aws: error: argument operation: Invalid choice: {verb} ({why})",
            "invalid choice",
        )
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in known[verb]:
            if arg in ("--no-include-email", "--include-email"):
                options[arg] = "yes"
            elif i + 1 < len(args):
                options[arg] = args[i + 1]
                i += 1
            else:  # the AWS CLI's own words for an option left without its value
                return Step(
                    text,
                    _shown(at),
                    Outcome.FAILED,
                    f"aws: error: argument {arg}: expected one argument",
                    "expected one argument",
                )
        else:
            unknown.append(arg)
        i += 1
    if unknown:
        return Step(
            text,
            _shown(at),
            Outcome.FAILED,
            f"Unknown options: {', '.join(unknown)}",
            "unknown options",
        )
    region = options.get("--region", region)
    if setup.principal.anonymous:
        return Step(
            text, _shown(at), Outcome.FAILED, "Unable to locate credentials", "no credentials"
        )
    call = authorize(setup, TOKEN_ACTION, None, region)
    if not call.allowed:
        return Step(
            text,
            _shown(at),
            Outcome.FAILED,
            f"AccessDeniedException calling GetAuthorizationToken: {call.why}",
            "AccessDeniedException",
            (call,),
        )
    account = options.get("--registry-ids", setup.principal.account)
    host = f"{account}.dkr.ecr.{region}.amazonaws.com"
    if at is not None:
        state.expires = _shown(at + timedelta(hours=TOKEN_HOURS))
    if verb == "get-login":
        email = "--no-include-email" not in options
        printed = f"docker login -u AWS -p TOKEN{' -e none' if email else ''} https://{host}"
        return Step(text, _shown(at), Outcome.PRINTED, printed, calls=(call,))
    if verb == "get-authorization-token":
        return Step(
            text,
            _shown(at),
            Outcome.PRINTED,
            "authorizationData as JSON (a base64 AWS:TOKEN)",
            calls=(call,),
        )
    return Step(text, _shown(at), Outcome.PRINTED, f"TOKEN for {region}", calls=(call,))


def _docker_login(
    setup: Setup, args: list[str], stdin: Step | None, state: _State, at: datetime | None, text: str
) -> Step:
    user, password, server, from_stdin, email = "", "", "", False, False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-u", "--username", "-p", "--password") and i + 1 == len(args):
            flag = f"'{arg[1]}' in {arg}" if arg[1] != "-" else arg  # Docker CLI's own words
            return Step(
                text,
                _shown(at),
                Outcome.FAILED,
                f"flag needs an argument: {flag}",
                "flag needs an argument",
            )
        if arg in ("-u", "--username"):
            user = args[i + 1]
            i += 1
        elif arg in ("-p", "--password"):
            password = args[i + 1]
            i += 1
        elif arg == "--password-stdin":
            from_stdin = True
        elif arg == "-e":
            email = True
            i += 1
        else:
            server = arg
        i += 1
    shown = _shown(at)
    if email and setup.docker_version >= DOCKER_NO_EMAIL:
        return Step(
            text,
            shown,
            Outcome.FAILED,
            "unknown shorthand flag: 'e' in -e",
            "unknown shorthand flag: 'e'",
        )
    if from_stdin and not user:
        return Step(
            text,
            shown,
            Outcome.FAILED,
            "Must provide --username with --password-stdin",
            "username required",
        )
    token_region = ""
    if from_stdin:
        if (
            stdin is None
            or stdin.outcome is not Outcome.PRINTED
            or not stdin.detail.startswith("TOKEN")
        ):
            return Step(
                text, shown, Outcome.FAILED, "no ECR token on standard input", "login failed"
            )
        token_region = stdin.detail.rsplit(" ", 1)[-1]
    elif password == "TOKEN":
        token_region = "*"
    host = server.removeprefix("https://").rstrip("/")
    if not host:
        return Step(
            text,
            shown,
            Outcome.FAILED,
            "no registry given: Docker logs in to Docker Hub, which doesn't take an ECR "
            "token (INF)",
            "login failed",
        )
    match = HOST.match(host)
    if not match or not token_region:
        return Step(
            text, shown, Outcome.FAILED, f"{host} refuses the credentials (INF)", "login failed"
        )
    if user != "AWS":
        return Step(
            text,
            shown,
            Outcome.FAILED,
            f"login attempt to https://{host} failed: an ECR token works only with the "
            "username AWS",
            "login failed",
        )
    if token_region not in ("*", match["region"]):
        return Step(
            text,
            shown,
            Outcome.FAILED,
            f"the token is for {token_region}, not {match['region']} (INF)",
            "login failed",
        )
    state.tokens[host] = at
    if host not in state.logins:
        state.logins.append(host)
    return Step(text, shown, Outcome.OK, f"Login Succeeded ({host})")


def _credentials(
    setup: Setup, host: str, state: _State, at: datetime | None
) -> tuple[str, tuple[Call, ...]]:
    """'' when Docker has a valid token for the host; else the error."""
    if "*" in setup.helper_hosts or host in setup.helper_hosts:
        if setup.principal.anonymous:
            return "no credentials", ()
        region = HOST.match(host)
        call = authorize(setup, TOKEN_ACTION, None, region["region"] if region else setup.region)
        if not call.allowed:
            return "AccessDeniedException", (call,)
        if at is not None:
            state.expires = _shown(at + timedelta(hours=TOKEN_HOURS))
        return "", (call,)
    if host not in state.tokens:
        return "no basic auth credentials", ()
    issued = state.tokens[host]
    if issued is not None and at is not None and at - issued >= timedelta(hours=TOKEN_HOURS):
        return "authorization token has expired", ()
    return "", ()


def _docker_image(
    setup: Setup, verb: str, ref_text: str, state: _State, at: datetime | None, text: str
) -> Step:
    shown = _shown(at)
    if not REFERENCE.fullmatch(ref_text):  # Docker's words (distribution/reference's Parse)
        lower = REFERENCE.fullmatch(ref_text.lower())
        why = ": repository name must be lowercase" if lower else ""
        return Step(
            text,
            shown,
            Outcome.FAILED,
            f"invalid reference format{why}",
            "invalid reference format",
        )
    ref = parse_reference(ref_text)
    if not ref.ecr:
        if ref.host.endswith("amazonaws.com") or verb == "push":
            return Step(
                text,
                shown,
                Outcome.FAILED,
                f"{ref.host} is not an ECR registry host (ACCOUNT.dkr.ecr.REGION.amazonaws.com)",
                "not an ECR registry",
            )
        state.elsewhere.append(ref.full)
        return Step(
            text,
            shown,
            Outcome.OK,
            f"Docker pulls {ref.full} from {ref.host}, not from ECR (whether it exists "
            "there is not modelled)",
        )
    error, calls = _credentials(setup, ref.host, state, at)
    if error:
        message = {
            "no basic auth credentials": (
                "no basic auth credentials (Docker isn't logged in to this registry)"
            ),
            "authorization token has expired": (
                "denied: Your authorization token has expired. Reauthenticate and try again."
            ),
        }.get(error, error)
        return Step(text, shown, Outcome.FAILED, message, error, calls)
    if ref.account != setup.account:
        return Step(
            text,
            shown,
            Outcome.FAILED,
            f"registry {ref.account} is not in the scenario",
            "not modelled",
            calls,
        )
    repository = next((r for r in setup.repositories if r.name == ref.path), None)
    if repository is None or ref.region != setup.region:
        return Step(
            text,
            shown,
            Outcome.FAILED,
            f"name unknown: The repository with name '{ref.path}' does not exist in the "
            f"registry with id '{ref.account}'",
            "RepositoryNotFoundException",
            calls,
        )
    actions = PULL_ACTIONS if verb == "pull" else PUSH_ACTIONS
    decided = tuple(authorize(setup, a, repository, ref.region) for a in actions)
    calls += decided
    refused = [c for c in decided if not c.allowed]
    if refused:
        return Step(
            text,
            shown,
            Outcome.FAILED,
            f"denied: {refused[0].action} {refused[0].why}",
            "AccessDeniedException",
            calls,
        )
    images = state.images[repository.name]
    if verb == "pull":
        # a digest names the image (Docker ignores a tag given with it); an untagged
        # image (tag "") is found only by its digest
        have = [d for tag, d in images if (d == ref.digest if ref.digest else tag == ref.tag)]
        if images and not have:
            return Step(
                text,
                shown,
                Outcome.FAILED,
                f"manifest for {ref.text} not found",
                "ImageNotFoundException",
                calls,
            )
        if not images:
            state.notes.append(
                "INF: a repository listed without images holds every image pulled from it"
            )
        state.pulled.append(ref.text)
        return Step(text, shown, Outcome.OK, f"pulled {ref.text}", calls=calls)
    if ref.digest:
        return Step(
            text, shown, Outcome.FAILED, "push a tag, not a digest (INF)", "not modelled", calls
        )
    state.pushes += 1
    digest = f"sha256:{'f' * 56}{state.pushes:08x}"  # INF: each push is a new image
    if any(tag == ref.tag for tag, _ in images) and _immutable(repository, ref.tag):
        return Step(
            text,
            shown,
            Outcome.FAILED,
            f"ImageTagAlreadyExistsException: The image tag '{ref.tag}' already exists in the "
            f"'{repository.name}' repository and cannot be overwritten because the "
            "repository is immutable.",
            "ImageTagAlreadyExistsException",
            calls,
        )
    state.images[repository.name] = [(t, d) for t, d in images if t != ref.tag] + [
        (ref.tag, digest)
    ]
    state.pushed.append(ref.text)
    return Step(text, shown, Outcome.OK, f"pushed {ref.text}", calls=calls)


def _one(setup: Setup, command: Command, state: _State) -> list[Step]:
    text = command.text.strip()
    at = command.at
    substituted = re.fullmatch(r"(?:eval\s+)?(?:\$\((.*)\)|`(.*)`)", text)
    if substituted:
        inner = (substituted.group(1) or substituted.group(2) or "").strip()
        if not inner:
            return []  # an empty substitution runs nothing
        if _split(inner)[:1] != ["aws"]:
            return [
                Step(
                    inner,
                    _shown(at),
                    Outcome.FAILED,
                    "ecsprep models aws ecr, docker login, pull and push",
                    "not modelled",
                )
            ]
        printed = _aws(setup, _split(inner), state, at)
        steps = [printed]
        if printed.outcome is Outcome.PRINTED and printed.detail.startswith("docker login"):
            words = _split(printed.detail)
            steps.append(_docker_login(setup, words[2:], None, state, at, printed.detail))
        return steps
    left, _, right = text.partition("|")
    words = _split(left)
    if not words:
        return []
    first: Step | None = None
    if words[0] == "aws":
        first = _aws(setup, words, state, at)
        if not right:
            return [first]
        words = _split(right)
    steps = [first] if first else []
    if words[:2] == ["docker", "login"]:
        steps.append(_docker_login(setup, words[2:], first, state, at, " ".join(words)))
    elif words[:1] == ["docker"] and len(words) >= 3 and words[1] in ("pull", "push"):
        if first is not None:
            state.notes.append(
                f"docker {words[1]} doesn't read standard input: the piped token is ignored"
            )
        steps.append(_docker_image(setup, words[1], words[-1], state, at, " ".join(words)))
    else:
        steps.append(
            Step(
                " ".join(words),
                _shown(at),
                Outcome.FAILED,
                "ecsprep models aws ecr, docker login, pull and push",
                "not modelled",
            )
        )
    return steps


def run(setup: Setup) -> Run:
    state = _State(
        tokens={},
        images={r.name: list(r.images) for r in setup.repositories},
        logins=[],
        pulled=[],
        pushed=[],
        elsewhere=[],
        notes=[],
    )
    steps: list[Step] = []
    for command in setup.commands:
        steps.extend(_one(setup, command, state))
    notes = list(dict.fromkeys(state.notes))
    for repository in setup.repositories:
        if repository.policy and any(
            statement_applies(s, TOKEN_ACTION, "*", {}) and s.effect == "Allow"
            for s in repository.policy.statements
        ):
            notes.append(
                f"{repository.name}'s repository policy allows ecr:GetAuthorizationToken: "
                "ECR takes that permission only from IAM policies, so it grants nothing"
            )
        if repository.lifecycle:
            notes.append(
                f"{repository.name}'s lifecycle policy expires images later; it never acts "
                "on a push or pull"
            )
        if repository.scan_on_push:
            notes.append(
                f"{repository.name} scans on push: findings are reported, no push or pull "
                "is blocked"
            )
    if setup.principal.account != setup.account:
        notes.append(
            f"cross-account: the principal's account {setup.principal.account} differs from "
            f"the registry's {setup.account}, so its identity policy and the repository "
            "policy must both allow each action"
        )
    for step in steps:
        for call in step.calls:
            if call.allowed:
                continue
            notes.append(f"{call.action}: {call.why}")
    return Run(
        setup=setup,
        steps=tuple(steps),
        logins=tuple(state.logins),
        pulled=tuple(state.pulled),
        pushed=tuple(state.pushed),
        elsewhere=tuple(state.elsewhere),
        token_expires=state.expires,
        notes=tuple(dict.fromkeys(notes)),
    )
