"""Who gets which credentials in an ECS task, and which call is denied to whom.

Given a task definition (RegisterTaskDefinition's shape), the launch type, the
container instance's `ecs.config`, the IAM roles with their policies and trust
policies, and optionally the network path, `run` walks a task's start and life
the way the ECS developer guide describes it and records every step as data:

1. RegisterTaskDefinition's own refusals: `secrets` without `executionRoleArn`,
   Fargate with an ECR image or awslogs and no execution role (AWS's messages).
2. ECS assumes the task execution role (trust `ecs-tasks.amazonaws.com`).
3. Private registry credentials (`repositoryCredentials`), then each image pull:
   an ECR image needs `ecr:GetAuthorizationToken` and the pull actions on the
   repository, plus the layers from S3 (`prod-REGION-starport-layer-bucket`).
   The execution role does it; on EC2 without one, the container instance role
   does ("Amazon ECS task execution IAM role", the pull and awslogs use cases).
4. Environment files from S3 (`s3:GetObject`, `s3:GetBucketLocation`), `secrets`
   and the log driver's `secretOptions` (`secretsmanager:GetSecretValue`,
   `ssm:GetParameters`, `kms:Decrypt` for a customer managed key): always the
   execution role, with the `valueFrom` syntax of "Pass sensitive data".
5. The awslogs driver: `logs:CreateLogStream` and `logs:PutLogEvents` (and
   `logs:CreateLogGroup` with `awslogs-create-group`), by the execution role or,
   on EC2 without one, the instance role.
6. The application's credentials: the SDK's default chain (environment variables,
   shared credentials file, container credentials at 169.254.170.2 through
   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, then instance metadata), with task
   roles on EC2 needing `ECS_ENABLE_TASK_IAM_ROLE` (and `..._NETWORK_HOST` for the
   host network mode), and the instance role reachable through IMDS unless
   `ECS_AWSVPC_BLOCK_IMDS` (awsvpc) or the documented iptables rule (bridge)
   blocks it. Then the application's own calls, and ECS Exec's `ssmmessages`.

A step that fails stops the task with the error ECS reports. Every point the
docs leave open is an inferred choice, said in the run's notes as "(INF)".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from ecsprep.sim.documents import Where, as_list, as_mapping, as_str
from ecsprep.sim.ecs_config import EcsConfig, Start, read_ecs_config
from ecsprep.sim.iam_policy import Policy, evaluate, read_policy, service_trust, trusts
from ecsprep.sim.network_path import Network, reach, read_network

ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
    r"(?P<repo>[^:@]+)(?:[:@].*)?$"
)
TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"
CREDENTIALS_URI = "/v2/credentials/TASK-CREDENTIALS-ID"  # the agent makes up an id per task
EXEC_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
_SCENARIO_KEYS = (
    "description",
    "region",
    "account",
    "launchType",
    "taskDefinition",
    "overrides",
    "ecsConfig",
    "agentStart",
    "instanceRole",
    "roles",
    "host",
    "network",
    "secretsManager",
    "parameterStore",
    "s3Objects",
    "privateImages",
    "application",
    "executeCommand",
    "sourceAccounts",
)
_SECRET_KEYS = ("ARN", "SecretString", "versions", "versionIds", "KmsKeyId")


class Via(str, Enum):
    """Where the application's SDK found credentials (the default chain, in order)."""

    ENVIRONMENT = "environment"
    SHARED_FILE = "shared-credentials-file"
    CONTAINER = "container-credentials"
    INSTANCE_METADATA = "instance-metadata"
    NONE = "none"


CHAIN = (Via.ENVIRONMENT, Via.SHARED_FILE, Via.CONTAINER, Via.INSTANCE_METADATA)


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    policies: tuple[Policy, ...]
    trust: Policy


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str
    environment: tuple[tuple[str, str], ...] = ()
    environment_files: tuple[str, ...] = ()
    secrets: tuple[tuple[str, str], ...] = ()  # (name, valueFrom)
    log_driver: str = ""
    log_options: tuple[tuple[str, str], ...] = ()
    log_secret_options: tuple[tuple[str, str], ...] = ()
    registry_secret: str = ""  # repositoryCredentials.credentialsParameter


@dataclass(frozen=True, slots=True)
class Secret:
    arn: str
    versions: Mapping[str, str]  # staging label → SecretString
    version_ids: Mapping[str, str] = field(default_factory=dict)  # version id → SecretString
    kms_key: str = ""


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    region: str
    value: str
    secure: bool = False
    kms_key: str = ""


@dataclass(frozen=True, slots=True)
class Call:
    action: str
    resource: str = "*"
    via: str = ""  # "instance-metadata": made with what IMDS hands out (a shell, not the SDK)


@dataclass(frozen=True, slots=True)
class Setup:
    """Everything a run needs, read from the scenario document."""

    region: str
    account: str
    fargate: bool
    network_mode: str
    containers: tuple[Container, ...]
    task_role: str  # role name, "" for none
    execution_role: str
    instance_role: str  # EC2 only
    roles: Mapping[str, Role]
    config: EcsConfig
    iptables_block_imds: bool
    network: Network
    secrets: Mapping[str, Secret]
    parameters: tuple[Parameter, ...]
    objects: Mapping[str, str]
    private_images: tuple[str, ...]
    calls: tuple[Call, ...]
    shared_file: bool
    execute_command: bool
    source_accounts: tuple[str, ...]


class Outcome(str, Enum):
    OK = "ok"
    DENIED = "denied"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happens: who does what, and how it ends."""

    phase: str  # "start", "pull", "secrets", "logs", "application", "exec", "trust"
    actor: str  # "ECS", "execution role ecsTaskExecutionRole", "application", ...
    what: str
    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    steps: tuple[Step, ...]
    starts: bool
    stopped_reason: str
    stopped_at: str  # the phase whose step stopped the task ("" when it starts)
    app: str  # the role (or "IAM user keys") the application's calls use; "none"
    app_via: Via
    chain: tuple[str, ...]  # providers the SDK tried, in order, up to the one that answered
    instance_role_reachable: bool
    pull_by: str
    logs_by: str
    secrets_by: str
    denied: tuple[str, ...]
    unreachable: tuple[str, ...]
    env: Mapping[str, str]
    log_options: Mapping[str, str]
    calls: Mapping[str, str]
    exec: str
    task_role_assumed_for: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def facts(self) -> dict[str, object]:
        return {
            "starts": self.starts,
            "stopped_reason": self.stopped_reason,
            "stopped_at": self.stopped_at,
            "app": self.app,
            "app_via": self.app_via.value,
            "chain": list(self.chain),
            "instance_role_reachable": self.instance_role_reachable,
            "pull_by": self.pull_by,
            "logs_by": self.logs_by,
            "secrets_by": self.secrets_by,
            "denied": list(self.denied),
            "unreachable": list(self.unreachable),
            "env": dict(self.env),
            "log_options": dict(self.log_options),
            "calls": dict(self.calls),
            "allowed_calls": [a for a, said in self.calls.items() if said == "allowed"],
            "exec": self.exec,
            "task_role_assumed_for": list(self.task_role_assumed_for),
        }


FACTS = (
    "starts",
    "stopped_reason",
    "stopped_at",
    "app",
    "app_via",
    "chain",
    "instance_role_reachable",
    "pull_by",
    "logs_by",
    "secrets_by",
    "denied",
    "unreachable",
    "env",
    "log_options",
    "calls",
    "allowed_calls",
    "exec",
    "task_role_assumed_for",
)


# --- reading the scenario ---------------------------------------------------------------


def role_name(arn: str) -> str:
    """`arn:aws:iam::111122223333:role/path/name` or a bare name → `name`."""
    return arn.rsplit("/", 1)[-1] if arn.startswith("arn:") else arn


def read_setup(document: Mapping[str, object], where: Where) -> Setup:
    for key in document:
        if key not in _SCENARIO_KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), _SCENARIO_KEYS, n=1)
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                f"did you mean {close[0]}?" if close else "see docs/credentials.md",
            )
    region = as_str(document.get("region", "us-east-1"), where.key("region"))
    account = str(document.get("account", "111122223333"))
    td_at = where.key("taskDefinition")
    if "taskDefinition" not in document:
        raise where.refuse("taskDefinition is missing", "give a register-task-definition input")
    td = as_mapping(document["taskDefinition"], td_at, "a task definition")
    compat = [
        str(c)
        for c in as_list(
            td.get("requiresCompatibilities", []), td_at.key("requiresCompatibilities")
        )
    ]
    launch = str(document.get("launchType", "FARGATE" if compat == ["FARGATE"] else "EC2"))
    if launch not in ("EC2", "FARGATE"):
        raise where.key("launchType").refuse(f"{launch!r}: use EC2 or FARGATE")
    fargate = launch == "FARGATE"
    mode = str(td.get("networkMode", "awsvpc" if fargate else "bridge"))
    if mode not in ("bridge", "host", "awsvpc", "none"):
        raise td_at.key("networkMode").refuse(
            f"{mode!r} is not a network mode", "use bridge, host, awsvpc or none"
        )
    if fargate and mode != "awsvpc":
        raise td_at.key("networkMode").refuse(
            "ClientException: Fargate only supports network mode 'awsvpc'.",
            "set networkMode to awsvpc",
        )
    overrides = as_mapping(document.get("overrides", {}), where.key("overrides"))
    task_role = role_name(str(overrides.get("taskRoleArn", td.get("taskRoleArn", "")) or ""))
    execution_role = role_name(
        str(overrides.get("executionRoleArn", td.get("executionRoleArn", "")) or "")
    )
    containers = tuple(
        _container(item, td_at.key("containerDefinitions").index(n))
        for n, item in enumerate(
            as_list(td.get("containerDefinitions", []), td_at.key("containerDefinitions"))
        )
    )
    if not containers:
        raise td_at.refuse(
            "ClientException: Container list cannot be empty.", "give containerDefinitions"
        )
    # RegisterTaskDefinition sees the task definition's own role, not RunTask's override
    registered_role = str(td.get("executionRoleArn", "") or "")
    _registration_refusals(containers, registered_role, fargate, td_at)
    roles: dict[str, Role] = {}
    roles_at = where.key("roles")
    for name, spec in as_mapping(document.get("roles", {}), roles_at).items():
        at = roles_at.key(str(name))
        body = as_mapping(spec, at, "a role: {policies: [...], trustPolicy: {...}}")
        for key in body:
            if key not in ("policies", "trustPolicy"):
                import difflib

                close = difflib.get_close_matches(str(key), ("policies", "trustPolicy"), n=1)
                raise at.key(str(key)).refuse(
                    f"unknown key {key!r} in a role",
                    f"did you mean {close[0]}?" if close else "a role has policies and trustPolicy",
                )
        policies = tuple(
            read_policy(p, at.key("policies").index(n))
            for n, p in enumerate(as_list(body.get("policies", []), at.key("policies")))
        )
        trust_doc = body.get("trustPolicy") or service_trust(
            "ec2.amazonaws.com" if name == document.get("instanceRole") else TASKS_PRINCIPAL
        )
        roles[str(name)] = Role(
            str(name), policies, read_policy(trust_doc, at.key("trustPolicy"), "trust policy")
        )
    instance_role = "" if fargate else str(document.get("instanceRole", "") or "")
    for label, name, at in (
        ("taskRoleArn", task_role, td_at.key("taskRoleArn")),
        ("executionRoleArn", execution_role, td_at.key("executionRoleArn")),
        ("instanceRole", instance_role, where.key("instanceRole")),
    ):
        if name and name not in roles:
            raise at.refuse(
                f"{label} names the role {name!r}, which isn't under roles",
                f"add roles: {{{name}: {{policies: [...]}}}}",
            )
    start = str(document.get("agentStart", "ecs-init"))
    if start not in ("ecs-init", "agent"):
        raise where.key("agentStart").refuse(f"{start!r}: use ecs-init or agent")
    config = read_ecs_config(document.get("ecsConfig"), where.key("ecsConfig"), Start(start))
    host = as_mapping(document.get("host", {}), where.key("host"))
    secrets: dict[str, Secret] = {}
    at_sm = where.key("secretsManager")
    for n, item in enumerate(as_list(document.get("secretsManager", []), at_sm)):
        raw = as_mapping(item, at_sm.index(n), "a secret: {ARN, SecretString or versions}")
        for key in raw:
            if key not in _SECRET_KEYS:
                raise (
                    at_sm.index(n)
                    .key(str(key))
                    .refuse(f"unknown key {key!r}", "use " + ", ".join(_SECRET_KEYS))
                )
        if "ARN" not in raw:
            raise at_sm.index(n).refuse("a secret needs its ARN", "as describe-secret shows it")
        arn = as_str(raw["ARN"], at_sm.index(n).key("ARN"))
        versions = dict(as_mapping(raw.get("versions", {}), at_sm.index(n).key("versions")))
        if "SecretString" in raw:
            versions["AWSCURRENT"] = raw["SecretString"]
        ids = as_mapping(raw.get("versionIds", {}), at_sm.index(n).key("versionIds"))
        secrets[arn] = Secret(
            arn,
            {str(k): str(v) for k, v in versions.items()},
            {str(k): str(v) for k, v in ids.items()},
            str(raw.get("KmsKeyId", "")),
        )
    parameters = []
    at_ps = where.key("parameterStore")
    for n, item in enumerate(as_list(document.get("parameterStore", []), at_ps)):
        raw = as_mapping(item, at_ps.index(n), "a parameter: {Name, Value, Type}")
        for member in ("Name", "Value"):  # PutParameter requires both
            if member not in raw:
                raise at_ps.index(n).refuse(
                    f"a parameter needs its {member}", "as get-parameter shows it"
                )
        parameters.append(
            Parameter(
                name=as_str(raw["Name"], at_ps.index(n).key("Name")),
                region=str(raw.get("Region", region)),
                value=str(raw["Value"]),
                secure=raw.get("Type") == "SecureString",
                kms_key=str(raw.get("KeyId", "")),
            )
        )
    app = as_mapping(document.get("application", {}), where.key("application"))
    calls = []
    at_calls = where.key("application").key("calls")
    for n, item in enumerate(as_list(app.get("calls", []), at_calls)):
        raw = as_mapping(item, at_calls.index(n), "a call: {action, resource}")
        action = as_str(raw.get("action", ""), at_calls.index(n).key("action"))
        if ":" not in action:
            raise (
                at_calls.index(n)
                .key("action")
                .refuse(f"{action!r} is not service:Action", "e.g. dynamodb:PutItem")
            )
        via = str(raw.get("via", ""))
        if via not in ("", "instance-metadata"):
            raise (
                at_calls.index(n)
                .key("via")
                .refuse(f"{via!r}: leave via out (the SDK's chain) or give instance-metadata")
            )
        calls.append(Call(action, str(raw.get("resource", "*")), via))
    return Setup(
        region=region,
        account=account,
        fargate=fargate,
        network_mode=mode,
        containers=containers,
        task_role=task_role,
        execution_role=execution_role,
        instance_role=instance_role,
        roles=roles,
        config=config,
        iptables_block_imds=bool(host.get("iptablesBlockImds", False)),
        network=read_network(document.get("network"), where.key("network")),
        secrets=secrets,
        parameters=tuple(parameters),
        objects={
            str(k): str(v)
            for k, v in as_mapping(document.get("s3Objects", {}), where.key("s3Objects")).items()
        },
        private_images=tuple(
            str(i) for i in as_list(document.get("privateImages", []), where.key("privateImages"))
        ),
        calls=tuple(calls),
        shared_file=bool(app.get("sharedCredentialsFile", False)),
        execute_command=bool(document.get("executeCommand", False)),
        source_accounts=tuple(
            str(a)
            for a in as_list(document.get("sourceAccounts", [account]), where.key("sourceAccounts"))
        ),
    )


def _pairs(data: object, where: Where, value_key: str) -> tuple[tuple[str, str], ...]:
    found = []
    for n, item in enumerate(as_list(data or [], where)):
        raw = as_mapping(item, where.index(n), f"{{name, {value_key}}}")
        missing = [k for k in ("name", value_key) if value_key == "valueFrom" and k not in raw]
        if missing:  # the Secret data type requires both (an environment pair neither)
            raise where.index(n).refuse(
                f"a secret needs name and valueFrom: {' and '.join(missing)} missing",
                "Secret: name and valueFrom are both required",
            )
        found.append(
            (
                as_str(raw.get("name", ""), where.index(n).key("name")),
                str(raw.get(value_key, "")),
            )
        )
    return tuple(found)


def _container(data: object, where: Where) -> Container:
    raw = as_mapping(data, where, "a container definition")
    log = as_mapping(raw.get("logConfiguration", {}), where.key("logConfiguration"))
    files = []
    for n, item in enumerate(
        as_list(raw.get("environmentFiles", []), where.key("environmentFiles"))
    ):
        entry = as_mapping(item, where.key("environmentFiles").index(n), "{value, type: s3}")
        files.append(str(entry.get("value", "")))
    credentials = as_mapping(
        raw.get("repositoryCredentials", {}), where.key("repositoryCredentials")
    )
    options = as_mapping(log.get("options", {}), where.key("logConfiguration").key("options"))
    return Container(
        name=as_str(raw.get("name"), where.key("name")),  # both required by the API
        image=as_str(raw.get("image"), where.key("image")),
        environment=_pairs(raw.get("environment"), where.key("environment"), "value"),
        environment_files=tuple(files),
        secrets=_pairs(raw.get("secrets"), where.key("secrets"), "valueFrom"),
        log_driver=str(log.get("logDriver", "")),
        log_options=tuple((str(k), str(v)) for k, v in options.items()),
        log_secret_options=_pairs(
            log.get("secretOptions"),
            where.key("logConfiguration").key("secretOptions"),
            "valueFrom",
        ),
        registry_secret=str(credentials.get("credentialsParameter", "")),
    )


def _registration_refusals(
    containers: tuple[Container, ...], execution_role: str, fargate: bool, where: Where
) -> None:
    """What RegisterTaskDefinition (or RunTask) refuses outright, with AWS's messages."""
    if execution_role:
        return
    for container in containers:
        if container.secrets or container.log_secret_options:
            raise where.refuse(
                "ClientException: When you are specifying container secrets, you must also "
                "specify a value for 'executionRoleArn'.",
                "give the task definition an executionRoleArn",
            )
    if not fargate:
        return
    for container in containers:
        if ECR_IMAGE.match(container.image):
            raise where.refuse(
                "ClientException: Fargate requires task definition to have execution role "
                "ARN to support ECR images.",
                "give the task definition an executionRoleArn",
            )
        if container.log_driver == "awslogs":
            raise where.refuse(
                "ClientException: Fargate requires task definition to have execution role "
                "ARN to support log driver awslogs.",
                "give the task definition an executionRoleArn",
            )


# --- running ----------------------------------------------------------------------------


class _Stop(Exception):
    """The task stops: ECS's stopped reason."""


@dataclass
class _State:
    setup: Setup
    steps: list[Step] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def call(
        self, phase: str, role: str, action: str, resource: str, service: str, *, aws: bool = True
    ) -> tuple[Outcome, str]:
        """One AWS call by a role (or by nobody, role ""): the network, then IAM."""
        path = reach(self.setup.network, service, action, resource, aws=aws)
        actor = f"role {role}" if role else "no credentials"
        what = f"{action} on {resource}" if resource else action  # a pull names no resource
        if not path.ok and path.refused:
            self.denied.append(f"{service} endpoint policy: {action}")
            self.steps.append(Step(phase, actor, what, Outcome.DENIED, path.why))
            return Outcome.DENIED, path.why
        if not path.ok:
            if service not in self.unreachable:
                self.unreachable.append(service)
            self.steps.append(Step(phase, actor, what, Outcome.UNREACHABLE, path.why))
            return Outcome.UNREACHABLE, path.why
        if not aws:
            self.steps.append(Step(phase, actor, what, Outcome.OK, f"via {path.via}"))
            return Outcome.OK, ""
        if not role:
            self.steps.append(Step(phase, actor, what, Outcome.DENIED, "unsigned request"))
            return Outcome.DENIED, "no credentials"
        decided = evaluate(self.setup.roles[role].policies, action, resource)
        if decided.allowed:
            self.steps.append(
                Step(
                    phase,
                    actor,
                    what,
                    Outcome.OK,
                    f"via {path.via}; allowed by {decided.by}",
                )
            )
            return Outcome.OK, ""
        self.denied.append(f"{role}: {action}")
        because = f"{decided.decision.value}" + (f" by {decided.by}" if decided.by else "")
        self.steps.append(Step(phase, actor, what, Outcome.DENIED, because))
        return Outcome.DENIED, (
            f"AccessDeniedException: {role} is not authorized to perform: {action} on "
            f"resource: {resource} ({because})"
        )


def run(setup: Setup) -> Run:
    state = _State(setup)
    s = setup
    stopped = ""
    env: dict[str, str] = {}
    log_options: dict[str, str] = {}
    agent_role = s.execution_role or ("" if s.fargate else s.instance_role)
    pull_by, secrets_by, logs_by = _who(s, agent_role)
    assumed_for = _trust(state)
    phase = "trust"
    try:
        if s.task_role and s.account not in assumed_for:
            raise _Stop(
                f"ECS was unable to assume the role '{s.task_role}' that was provided for this "
                "task. Please verify that the role being passed has the proper trust relationship"
            )
        if s.execution_role:
            trusted = trusts(
                s.roles[s.execution_role].trust, TASKS_PRINCIPAL, _context(s, s.account)
            )
            if not trusted.allowed:
                raise _Stop(
                    f"ECS was unable to assume the role '{s.execution_role}' that was provided "
                    "for this task (the task execution role's trust policy)"
                )
        phase = "pull"
        _pull(state, agent_role)
        phase = "secrets"
        # every container's secrets and files are fetched before any container starts; the
        # env and log_options facts are the first (the application's) container's
        env, log_options = _secrets_and_files(state, s.containers[0])
        for sidecar in s.containers[1:]:
            _secrets_and_files(state, sidecar)
        phase = "logs"
        _logs(state, agent_role)
    except _Stop as stop:
        stopped = str(stop)
    stopped_at = phase if stopped else ""
    app, via, chain, imds = _application(state)
    if s.task_role and stopped == "" and (s.fargate or _task_role_served(s)):
        env = {**env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": CREDENTIALS_URI}
    calls = {} if stopped else _calls(state, app, via)
    if not s.execute_command:
        exec_result = "not tried"
    else:
        exec_result = "task not running" if stopped else _exec(state)
    return Run(
        setup=s,
        steps=tuple(state.steps),
        starts=not stopped,
        stopped_reason=stopped,
        stopped_at=stopped_at,
        app=app if not stopped else "none",
        app_via=via if not stopped else Via.NONE,
        chain=chain if not stopped else (),
        instance_role_reachable=imds,
        pull_by=pull_by,
        logs_by=logs_by,
        secrets_by=secrets_by,
        denied=tuple(state.denied),
        unreachable=tuple(state.unreachable),
        env=env,
        log_options=log_options,
        calls=calls,
        exec=exec_result,
        task_role_assumed_for=assumed_for,
        notes=tuple(state.notes),
    )


def _who(s: Setup, agent_role: str) -> tuple[str, str, str]:
    """Which role pulls ECR images, reads secrets and files, and writes awslogs ("" = no one
    needs to)."""
    pull = agent_role or "none" if any(ECR_IMAGE.match(c.image) for c in s.containers) else ""
    needs_secrets = any(
        c.secrets or c.log_secret_options or c.environment_files or c.registry_secret
        for c in s.containers
    )
    logs = agent_role or "none" if any(c.log_driver == "awslogs" for c in s.containers) else ""
    return pull, (s.execution_role or "none") if needs_secrets else "", logs


def _context(s: Setup, account: str) -> dict[str, str]:
    return {
        "aws:SourceAccount": account,
        "aws:SourceArn": f"arn:aws:ecs:{s.region}:{account}:task/cluster/0123456789abcdef",
    }


def _trust(state: _State) -> tuple[str, ...]:
    """For which source accounts ECS (ecs-tasks.amazonaws.com) may assume the task role."""
    s = state.setup
    if not s.task_role:
        return ()
    trust = s.roles[s.task_role].trust
    found = []
    for account in s.source_accounts:
        decided = trusts(trust, TASKS_PRINCIPAL, _context(s, account))
        state.steps.append(
            Step(
                "trust",
                "ECS (ecs-tasks.amazonaws.com)",
                f"sts:AssumeRole on {s.task_role} for a task of account {account}",
                Outcome.OK if decided.allowed else Outcome.DENIED,
                decided.by or decided.decision.value,
            )
        )
        if decided.allowed:
            found.append(account)
    if len(s.source_accounts) > 1 or any(st.conditions for st in trust.statements):
        state.note(
            "ECS sends aws:SourceAccount and aws:SourceArn when it assumes a task role, and no "
            "sts:ExternalId or iam:PassedToService; ecsprep uses a made-up task ARN in the "
            "account's Region (INF)"
        )
    return tuple(found)


def _pull(state: _State, agent_role: str) -> str:
    s = state.setup
    used = ""
    for container in s.containers:
        if container.registry_secret:
            _fetch_secret_value(state, container.registry_secret, "pull")
        found = ECR_IMAGE.match(container.image)
        if found is None:
            outcome, why = state.call(
                "pull", "", f"pull {container.image}", "", "registry", aws=False
            )
            if outcome is not Outcome.OK:
                raise _Stop(f"CannotPullContainerError: pulling {container.image}: {why}")
            named = container.image.split("@")[0]  # the repository: no digest, no tag
            repo = named.rsplit(":", 1)[0] if ":" in named.rsplit("/", 1)[-1] else named
            if repo in s.private_images and not container.registry_secret:
                state.steps.append(
                    Step(
                        "pull",
                        "Docker",
                        f"pull {container.image}",
                        Outcome.DENIED,
                        "no basic auth credentials",
                    )
                )
                raise _Stop(
                    f"CannotPullContainerError: pull access denied for {repo}, repository does "
                    "not exist or may require 'docker login'"
                )
            continue
        if not agent_role:
            raise _Stop("CannotPullContainerError: no credentials to pull from Amazon ECR")
        used = agent_role
        repo_arn = f"arn:aws:ecr:{found['region']}:{found['account']}:repository/{found['repo']}"
        layers = f"arn:aws:s3:::prod-{found['region']}-starport-layer-bucket/*"
        for action, resource, service in (
            ("ecr:GetAuthorizationToken", "*", "ecr.api"),
            ("ecr:BatchGetImage", repo_arn, "ecr.dkr"),
            ("ecr:GetDownloadUrlForLayer", repo_arn, "ecr.dkr"),
        ):
            outcome, why = state.call("pull", agent_role, action, resource, service)
            if outcome is not Outcome.OK:
                raise _Stop(f"CannotPullContainerError: {container.image}: {why}")
        path = reach(s.network, "s3", "s3:GetObject", layers)
        if not path.ok and path.refused:
            state.denied.append("s3 endpoint policy: s3:GetObject")
            state.steps.append(
                Step("pull", "Docker", f"download layers from {layers}", Outcome.DENIED, path.why)
            )
            raise _Stop(f"CannotPullContainerError: {container.image}: {path.why}")
        if not path.ok:
            state.unreachable.append("s3")
            state.steps.append(
                Step(
                    "pull",
                    "Docker",
                    f"download layers from {layers}",
                    Outcome.UNREACHABLE,
                    path.why,
                )
            )
            raise _Stop(
                f"CannotPullContainerError: {container.image}: the manifest was read, but the "
                f"layer download failed: {path.why}"
            )
        state.steps.append(
            Step("pull", "Docker", f"download layers from {layers}", Outcome.OK, f"via {path.via}")
        )
    if used and not s.execution_role:
        state.note(
            "on EC2 without a task execution role, the agent pulls from ECR with the container "
            "instance role"
        )
    return used or ("" if not any(ECR_IMAGE.match(c.image) for c in s.containers) else "none")


def _secret_for(s: Setup, value_from: str) -> tuple[Secret, str, str, str] | None:
    """A Secrets Manager valueFrom: the secret, its JSON key, version stage and version id."""
    parts = value_from.split(":")
    if len(parts) < 7:
        return None
    arn = ":".join(parts[:7])
    extra = parts[7:]
    if arn not in s.secrets or len(extra) > 3:
        return None
    key, stage, version = ([*extra, "", "", ""])[:3]
    return s.secrets[arn], key, stage, version


def _fetch_secret_value(state: _State, value_from: str, phase: str) -> str:
    s = state.setup
    role = s.execution_role
    if value_from.startswith("arn:aws:secretsmanager:"):
        found = _secret_for(s, value_from)
        resource = ":".join(value_from.split(":")[:7])
        outcome, why = state.call(
            phase, role, "secretsmanager:GetSecretValue", resource, "secretsmanager"
        )
        if outcome is not Outcome.OK:
            raise _Stop(
                f"ResourceInitializationError: unable to pull secrets or registry auth: {why}"
            )
        if found is None:
            raise _Stop(
                "ResourceInitializationError: unable to pull secrets or registry auth: "
                f"ResourceNotFoundException: Secrets Manager can't find the specified secret "
                f"({value_from})"
            )
        secret, key, stage, version = found
        _decrypt(state, phase, secret.kms_key, "aws/secretsmanager")
        label = version or stage or "AWSCURRENT"
        known = secret.version_ids if version else secret.versions
        if label not in known:
            kind = "version id" if version else "staging label"
            raise _Stop(
                "ResourceInitializationError: ResourceNotFoundException: Secrets Manager can't "
                f"find the specified secret value for {kind}: {label}"
            )
        text = known[label]
        if not key:
            return text
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or key not in parsed:
            raise _Stop(f"ResourceInitializationError: the secret value has no JSON key {key!r}")
        return str(parsed[key])
    # Parameter Store: a name (in the task's Region) or an ARN (any Region)
    if value_from.startswith("arn:aws:ssm:"):
        parts = value_from.split(":", 5)
        region, name = parts[3], "/" + parts[5].split("parameter/", 1)[-1].lstrip("/")
    else:
        region, name = s.region, value_from
    arn_name = name.lstrip("/")
    resource = f"arn:aws:ssm:{region}:{s.account}:parameter/{arn_name}"
    outcome, why = state.call(phase, role, "ssm:GetParameters", resource, "ssm")
    if outcome is not Outcome.OK:
        raise _Stop(f"ResourceInitializationError: unable to pull secrets or registry auth: {why}")
    for parameter in s.parameters:
        if parameter.region == region and parameter.name.lstrip("/") == arn_name:
            if parameter.secure:
                _decrypt(state, phase, parameter.kms_key, "aws/ssm")
            return parameter.value
    raise _Stop(
        "ResourceInitializationError: unable to pull secrets or registry auth: "
        f"invalid parameters: {value_from} (looked up in {region})"
    )


def _decrypt(state: _State, phase: str, key: str, aws_managed: str) -> None:
    if not key or key.endswith(aws_managed):
        return
    outcome, why = state.call(phase, state.setup.execution_role, "kms:Decrypt", key, "kms")
    if outcome is not Outcome.OK:
        raise _Stop(f"ResourceInitializationError: unable to pull secrets: {why}")


def _secrets_and_files(
    state: _State, container: Container
) -> tuple[dict[str, str], dict[str, str]]:
    s = state.setup
    from_files: dict[str, str] = {}
    for arn in container.environment_files:
        if not arn.endswith(".env"):
            raise _Stop(
                f"ResourceInitializationError: failed to download env files: {arn}: the file "
                "must have the .env extension"
            )
        bucket = arn.split(":::", 1)[-1].split("/", 1)[0]
        for action, resource in (
            ("s3:GetObject", arn),
            ("s3:GetBucketLocation", f"arn:aws:s3:::{bucket}"),
        ):
            outcome, why = state.call("secrets", s.execution_role, action, resource, "s3")
            if outcome is not Outcome.OK:
                raise _Stop(f"ResourceInitializationError: failed to download env files: {why}")
        if arn not in s.objects:
            raise _Stop(
                f"ResourceInitializationError: failed to download env files: NoSuchKey {arn}"
            )
        for line in s.objects[arn].splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, _, value = line.partition("=")
                from_files.setdefault(name.strip(), value)
    if len(container.environment_files) > 1:
        state.note("a variable in several environment files: ecsprep keeps the first file's (INF)")
    env = dict(from_files)
    env.update(dict(container.environment))  # the environment parameter takes precedence
    for name, value_from in container.secrets:
        env[name] = _fetch_secret_value(state, value_from, "secrets")
    log_options = dict(container.log_options)
    for name, value_from in container.log_secret_options:
        log_options[name] = _fetch_secret_value(state, value_from, "secrets")
    return env, log_options


def _logs(state: _State, agent_role: str) -> str:
    s = state.setup
    used = ""
    for container in s.containers:
        if container.log_driver != "awslogs":
            continue
        if not s.fargate:
            drivers = s.config.value("ECS_AVAILABLE_LOGGING_DRIVERS")
            if "awslogs" not in drivers:
                raise _Stop(
                    "the container instance doesn't offer the awslogs driver "
                    "(ECS_AVAILABLE_LOGGING_DRIVERS), so no instance can run the task"
                )
        options = dict(container.log_options)
        group = options.get("awslogs-group", "")
        region = options.get("awslogs-region", s.region)
        resource = f"arn:aws:logs:{region}:{s.account}:log-group:{group}:log-stream:*"
        if not agent_role:
            raise _Stop("ResourceInitializationError: no credentials for the awslogs driver")
        used = agent_role
        actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
        if options.get("awslogs-create-group") == "true":
            actions.insert(0, "logs:CreateLogGroup")
        for action in actions:
            outcome, why = state.call("logs", agent_role, action, resource, "logs")
            if outcome is not Outcome.OK:
                raise _Stop(
                    "ResourceInitializationError: failed to validate logger args: "
                    f"create stream has been retried 1 times: failed to create Cloudwatch log "
                    f"stream: {why}"
                )
    if used and not s.execution_role:
        state.note("on EC2 without a task execution role, awslogs uses the container instance role")
    return used


def _task_role_served(s: Setup) -> bool:
    key = (
        "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST"
        if s.network_mode == "host"
        else "ECS_ENABLE_TASK_IAM_ROLE"
    )
    return s.config.enabled(key)


def _imds_reachable(state: _State) -> bool:
    s = state.setup
    if s.fargate or not s.instance_role:
        return False
    if s.network_mode == "awsvpc":
        return not s.config.enabled("ECS_AWSVPC_BLOCK_IMDS")
    if s.network_mode == "bridge":
        return not s.iptables_block_imds
    return s.network_mode == "host"  # "none" has no network at all


def _application(state: _State) -> tuple[str, Via, tuple[str, ...], bool]:
    s = state.setup
    env = dict(s.containers[0].environment)
    imds = _imds_reachable(state)
    tried: list[str] = []
    if s.task_role and not s.fargate and not _task_role_served(s):
        key = (
            "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST"
            if s.network_mode == "host"
            else "ECS_ENABLE_TASK_IAM_ROLE"
        )
        setting = s.config.setting(key)
        state.note(
            f"{key} is {setting.value} ({setting.source}): the agent serves no task role "
            "credentials, so the container gets no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
            "the SDK falls through to the instance metadata (the ECS knowledge center); the "
            "agent also leaves out the task-iam-role capability, whose effect on placement "
            "ecsprep doesn't model (INF)"
        )
    for via in CHAIN:
        tried.append(via.value)
        if via is Via.ENVIRONMENT and "AWS_ACCESS_KEY_ID" in env and "AWS_SECRET_ACCESS_KEY" in env:
            return "IAM user keys", via, tuple(tried), imds
        if via is Via.SHARED_FILE and s.shared_file:
            return "IAM user keys", via, tuple(tried), imds
        if via is Via.CONTAINER and s.task_role and (s.fargate or _task_role_served(s)):
            return s.task_role, via, tuple(tried), imds
        if via is Via.INSTANCE_METADATA and imds:
            return s.instance_role, via, tuple(tried), imds
    return "none", Via.NONE, tuple(tried), imds


def _calls(state: _State, app: str, via: Via) -> dict[str, str]:
    s = state.setup
    found = {}
    role = app if app in s.roles else ""
    for call in s.calls:
        service = call.action.split(":", 1)[0]
        if call.via == "instance-metadata":
            imds = _imds_reachable(state)
            who = s.instance_role if imds else ""
            if not who:
                found[call.action] = "no credentials"
                state.steps.append(
                    Step(
                        "application",
                        "a shell in the container",
                        f"curl 169.254.169.254 for {call.action}",
                        Outcome.FAILED,
                        "the instance metadata service is out of reach",
                    )
                )
                continue
            outcome, _ = state.call("application", who, call.action, call.resource, service)
            found[call.action] = _word(outcome)
            continue
        if via is Via.NONE:
            found[call.action] = "no credentials"
            state.steps.append(
                Step(
                    "application", "application", call.action, Outcome.FAILED, "NoCredentialsError"
                )
            )
            continue
        if not role:  # IAM user keys: not modelled beyond "signed"
            found[call.action] = "signed with IAM user keys"
            state.note("IAM user access keys in the container: their policies aren't modelled")
            continue
        outcome, _ = state.call("application", role, call.action, call.resource, service)
        found[call.action] = _word(outcome)
    return found


def _word(outcome: Outcome) -> str:
    return {
        Outcome.OK: "allowed",
        Outcome.DENIED: "denied",
        Outcome.UNREACHABLE: "timeout",
    }.get(outcome, outcome.value)


def _exec(state: _State) -> str:
    s = state.setup
    if not s.task_role:
        return "no task role: the SSM agent in the task has no credentials"
    for action in EXEC_ACTIONS:
        outcome, _why = state.call("exec", s.task_role, action, "*", "ssmmessages")
        if outcome is Outcome.UNREACHABLE:
            return "can't reach ssmmessages"
        if outcome is Outcome.DENIED:
            return f"denied: {action}"
    return "connects"
