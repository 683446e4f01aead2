"""A task's containers from start to stop (`ecsprep simulate lifecycle`, `simulator: lifecycle`).

The input is a task definition in AWS's shape plus a small documented `behaviour` for each
container (when it exits and with what code, when its health command starts to pass, the
memory it uses over time, what it does with SIGTERM). The run steps through the task second
by second and records every decision as an `Event`:

- start order from `dependsOn` (START, COMPLETE, SUCCESS, HEALTHY) and the dependency's
  `startTimeout` (API_ContainerDependency.html, API_ContainerDefinition.html);
- `essential`: an essential container's exit stops the task ("Essential container in task
  exited"), a non-essential one's doesn't (API_ContainerDefinition.html);
- container health checks (interval, retries, startPeriod) and the task's health; a task of a
  service whose essential container is UNHEALTHY is stopped and replaced, a standalone task
  runs on (API_HealthCheck.html), after the service's healthCheckGracePeriodSeconds;
- the hard `memory` limit (the container is killed, exit 137, "OutOfMemoryError: Container
  killed due to memory usage") and the soft `memoryReservation` (never a kill);
- stopping: SIGTERM, then SIGKILL after the stop timeout (stopTimeout; Fargate default 30 s,
  maximum 120 s; on EC2 ECS_CONTAINER_STOP_TIMEOUT, default 30 s), in the reverse of the
  dependsOn order (API_StopTask.html, API_ContainerDefinition.html `dependsOn`);
- initProcessEnabled: an init process that forwards signals and reaps processes
  (API_LinuxParameters.html);
- volumes: mountPoints, volumesFrom (readOnly) and what each volume kind keeps after the
  task stops (bind mount, host sourcePath, Docker volume scope task/shared, EFS, FSx);
  readonlyRootFilesystem (a write outside a writable mount fails);
- Spot interruptions: Fargate Spot's two-minute warning (a task state change event to
  EventBridge and SIGTERM, fargate-capacity-providers.html), an EC2 Spot Instance's notice
  with or without ECS_ENABLE_SPOT_INSTANCE_DRAINING (spot-instance-draining-linux-container.html);
- task scale-in protection (task-scale-in-protection.html, API_UpdateTaskProtection.html): a
  service's scale-in waits for a protected task;
- Fargate task retirement: the task is stopped, a service's task replaced
  (task-maintenance.html);
- on EC2, the agent removes a stopped task's containers after
  ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION (automated_image_cleanup.html).

Every point the docs leave open is an `INF` note in the run (docs/lifecycle.md lists them).
Input AWS refuses raises InputError with AWS's words where they are documented.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str

FARGATE_MAX_STOP = 120  # API_ContainerDefinition.html stopTimeout
DEFAULT_STOP = 30  # stopTimeout default; ECS_CONTAINER_STOP_TIMEOUT default (Linux, Windows)
FARGATE_START_TIMEOUT = (2, 120)  # API_ContainerDefinition.html startTimeout on Fargate
DEFAULT_UNTIL = 600
MAX_UNTIL = 86_400
OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
ESSENTIAL_EXITED = "Essential container in task exited"
HEALTH_FAILED = "Task failed container health checks"  # INF wording (knowledge center)
SPOT_WARNING = 120  # fargate-capacity-providers.html: "interrupted with a two-minute warning"
SPOT_REASON = "Your Spot Task was interrupted."  # INF wording (knowledge center's event example)
DRAINING_REASON = "The container instance is DRAINING (Spot Instance interruption notice)"  # INF
INSTANCE_GONE = "The Spot Instance was reclaimed, and the task's containers with it"  # INF
# task-maintenance.html: a stoppedReason containing this message "indicates that the task was
# stopped due to a task maintenance issue".
RETIRED = "ECS is performing maintenance on the underlying infrastructure hosting the task"
PROTECTION_DEFAULT = 120  # minutes; task-scale-in-protection.html ("2 hours by default")
PROTECTION_RANGE = (1, 2880)  # minutes; task-scale-in-protection.html (1 minute to 48 hours)
CLEANUP_WAIT = 3 * 3600  # ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION default (ecs-agent-config.html)
CLEANUP_MINIMUM = 60  # "the minimum duration is 1m" (ecs-agent-config.html)


class Condition(str, Enum):
    START = "START"
    COMPLETE = "COMPLETE"
    SUCCESS = "SUCCESS"
    HEALTHY = "HEALTHY"


class VolumeKind(str, Enum):
    BIND = "bind mount"  # a name only: lives as long as the task
    HOST = "host sourcePath"
    DOCKER_TASK = "Docker volume (scope task)"
    DOCKER_SHARED = "Docker volume (scope shared)"
    EFS = "Amazon EFS"
    FSX = "FSx for Windows File Server"


@dataclass(frozen=True, slots=True)
class HealthCheck:
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 0


@dataclass(frozen=True, slots=True)
class Mount:
    volume: str
    path: str
    read_only: bool


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What the container's process does (not part of a task definition: the scenario's)."""

    exits_after: int | None = None  # seconds after it starts; None = runs until stopped
    exit_code: int = 0
    healthy_after: int | None = 0  # seconds after start its health command passes; None = never
    memory: tuple[tuple[int, int], ...] = ()  # (seconds after start, MiB used from then on)
    on_sigterm: str = "exit"  # exit | ignore
    shutdown_seconds: int = 1
    sigterm_exit_code: int = 0
    shell_pid1: bool = False  # a shell script is PID 1 and doesn't pass signals on
    spawns_children: bool = False
    busy_until: int | None = None  # seconds after start until its current job is done
    writes: tuple[str, ...] = ()  # paths the process writes files to


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    essential: bool
    depends_on: tuple[tuple[str, Condition], ...]
    health: HealthCheck | None
    start_timeout: int | None
    stop_timeout: int | None
    memory: int | None
    memory_reservation: int | None
    init_process: bool
    mounts: tuple[Mount, ...]
    volumes_from: tuple[tuple[str, bool], ...]
    behaviour: Behaviour
    readonly_root: bool = False  # readonlyRootFilesystem


@dataclass(frozen=True, slots=True)
class Volume:
    name: str
    kind: VolumeKind
    host_path: str = ""


@dataclass(frozen=True, slots=True)
class ProtectionCall:
    """UpdateTaskProtection (or a PUT to $ECS_AGENT_URI/task-protection/v1/state) at a second."""

    at: int
    enabled: bool
    expires_minutes: int | None = None  # None: the default 120 minutes


@dataclass(frozen=True, slots=True)
class Scenario:
    family: str
    fargate: bool
    task_memory: int | None
    containers: tuple[Container, ...]
    volumes: tuple[Volume, ...]
    service: bool = False
    grace_period: int = 0
    stop_at: int | None = None
    stop_reason: str = ""
    stop_by_service: bool = False
    agent_stop_timeout: int | None = None  # ECS_CONTAINER_STOP_TIMEOUT (EC2)
    ignored: tuple[str, ...] = ()  # settings given that don't apply (ecsConfig on Fargate)
    until: int = DEFAULT_UNTIL
    spot_interruption_at: int | None = None  # Spot reclaims the capacity (the warning's second)
    spot_draining: bool = False  # ECS_ENABLE_SPOT_INSTANCE_DRAINING=true (EC2)
    retirement_at: int | None = None  # Fargate retires the task's platform version revision
    protection: tuple[ProtectionCall, ...] = ()  # task scale-in protection calls
    cleanup_wait: int = CLEANUP_WAIT  # ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION (EC2), seconds
    config_notes: tuple[str, ...] = ()  # what ecsConfig keys the lifecycle doesn't read do

    def container(self, name: str) -> Container:
        return next(c for c in self.containers if c.name == name)


@dataclass(frozen=True, slots=True)
class Event:
    at: int
    container: str  # "" for the task
    what: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class Run:
    scenario: Scenario
    events: tuple[Event, ...]
    start_order: tuple[str, ...]
    stop_order: tuple[str, ...]
    never_started: tuple[str, ...]
    started_at: Mapping[str, int]
    exit_codes: Mapping[str, int]
    reasons: Mapping[str, str]
    killed: tuple[str, ...]
    oom_killed: tuple[str, ...]
    unhealthy: tuple[str, ...]
    task_health: str
    task_stopped: bool
    stop_began_at: int | None
    stopped_at: int | None
    stop_code: str
    stopped_reason: str
    stop_timeouts: Mapping[str, int]
    over_max: tuple[str, ...]
    zombies: tuple[str, ...]
    mounts: Mapping[str, Mapping[str, str]]
    notes: tuple[str, ...] = field(default=())
    sigterm_at: Mapping[str, int] = field(default_factory=dict)
    eventbridge_warning_at: int | None = None  # the Spot interruption's task state change
    warning_seconds: int | None = None  # from that warning until the task is stopped at latest
    protected_until: int | None = None  # when the task's scale-in protection ends
    protection_failures: tuple[str, ...] = ()
    containers_removed_at: int | None = None  # the agent removes the stopped containers (EC2)
    work_lost: tuple[str, ...] = ()  # containers stopped before their job was done (busyUntil)
    write_errors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    replacement_at: int | None = None  # the service scheduler starts a replacement elsewhere

    def facts(self) -> dict[str, object]:
        volumes = self.scenario.volumes
        kept = sorted(v.name for v in volumes if v.kind not in _LOST)
        lost = sorted(v.name for v in volumes if v.kind in _LOST)
        users: dict[str, set[str]] = {}
        for container, paths in self.mounts.items():
            for path in paths:
                users.setdefault(_volume_at(self, container, path), set()).add(container)
        host_paths = {
            c: sorted(
                v.host_path
                for path in paths
                for v in volumes
                if v.kind is VolumeKind.HOST and v.name == _volume_at(self, c, path)
            )
            for c, paths in self.mounts.items()
        }
        first_exit = next((e.container for e in self.events if e.what.startswith("exited")), "")
        return {
            "start_order": list(self.start_order),
            "stop_order": list(self.stop_order),
            "never_started": list(self.never_started),
            "started_at": dict(self.started_at),
            "task_stopped": self.task_stopped,
            "stop_began_at": self.stop_began_at,
            "stopped_at": self.stopped_at,
            "stop_code": self.stop_code,
            "stopped_reason": self.stopped_reason,
            "exit_codes": dict(self.exit_codes),
            "reasons": dict(self.reasons),
            "first_exit": first_exit,
            "killed": list(self.killed),
            "oom_killed": list(self.oom_killed),
            "unhealthy": list(self.unhealthy),
            "task_health": self.task_health,
            "stop_timeouts": dict(self.stop_timeouts),
            "over_max": list(self.over_max),
            "ignored": list(self.scenario.ignored),
            "zombies": list(self.zombies),
            "mounts": {c: dict(p) for c, p in self.mounts.items()},
            "shared": sorted(v for v, who in users.items() if len(who) > 1),
            "kept_after_stop": kept,
            "lost_at_stop": lost,
            "other_tasks_see": sorted(v.name for v in volumes if v.kind in _NETWORK),
            "same_instance_sees": sorted(
                v.name for v in volumes if v.kind in (VolumeKind.HOST, VolumeKind.DOCKER_SHARED)
            ),
            "host_paths": {c: p for c, p in host_paths.items() if p},
            "sigterm_at": dict(self.sigterm_at),
            "eventbridge_warning_at": self.eventbridge_warning_at,
            "warning_seconds": self.warning_seconds,
            "protected_until": self.protected_until,
            "protection_failures": list(self.protection_failures),
            "containers_removed_at": self.containers_removed_at,
            "work_lost": list(self.work_lost),
            "readonly_root": [c.name for c in self.scenario.containers if c.readonly_root],
            "replacement_at": self.replacement_at,
            "write_errors": {c: list(p) for c, p in self.write_errors.items()},
            "containers_removed": self.containers_removed_at is not None
            and self.containers_removed_at <= self.scenario.until,
        }


_LOST = (VolumeKind.BIND, VolumeKind.DOCKER_TASK)
_NETWORK = (VolumeKind.EFS, VolumeKind.FSX)


def _volume_at(run: Run, container: str, path: str) -> str:
    return _resolved_mounts(run.scenario)[container][path][0]


# --- Reading the scenario --------------------------------------------------------------

_SCENARIO_KEYS = frozenset(
    {"taskDefinition", "launchType", "behaviour", "service", "stopTask", "ecsConfig", "until"}
    | {"spotInterruption", "taskProtection", "taskRetirement", "description"}
)
_BEHAVIOUR_KEYS = {
    "exitsAfter": "seconds after the start at which the process exits on its own",
    "exitCode": "the exit code of that exit",
    "healthyAfter": "seconds after the start from which the health command passes ('never')",
    "memory": "memory used over time: [{at: 0, mib: 300}, {at: 60, mib: 1100}]",
    "onSigterm": "exit or ignore",
    "shutdownSeconds": "how long the process takes to exit once SIGTERM reaches it",
    "sigtermExitCode": "the exit code after a graceful SIGTERM exit (0)",
    "shellPid1": "true when a shell script is PID 1 and doesn't pass signals on",
    "spawnsChildren": "true when the process leaves child processes to be reaped",
    "busyUntil": "seconds after the start until the job it is working on is done; on SIGTERM "
    "it finishes the job first (lost if the container stops earlier)",
    "writes": "paths the process writes files to: [/tmp, /var/cache/app]",
}


def read_scenario(document: Mapping[str, object], where: Where) -> Scenario:
    for key in document:
        if key not in _SCENARIO_KEYS:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                "a lifecycle scenario has taskDefinition, launchType, behaviour, service, "
                "stopTask, spotInterruption, taskProtection, taskRetirement, ecsConfig and until",
            )
    if "taskDefinition" not in document:
        raise where.refuse("taskDefinition is missing", "give the task definition (AWS's shape)")
    at = where.key("taskDefinition")
    task = as_mapping(document["taskDefinition"], at, "a task definition")
    if "taskDefinition" in task and "containerDefinitions" not in task:
        at = at.key("taskDefinition")  # a describe-task-definition output
        task = as_mapping(task["taskDefinition"], at, "a task definition")
    compat = [
        str(c)
        for c in as_list(task.get("requiresCompatibilities", []), at.key("requiresCompatibilities"))
    ]
    launch = document.get("launchType", "FARGATE" if compat == ["FARGATE"] else "EC2")
    if launch not in ("FARGATE", "EC2"):
        raise where.key("launchType").refuse(f"{launch!r}: use FARGATE or EC2")
    fargate = launch == "FARGATE"
    if fargate and compat and "FARGATE" not in compat:
        raise where.key("launchType").refuse(
            "Task definition does not support launch_type FARGATE."
        )
    behaviours = as_mapping(document.get("behaviour", {}), where.key("behaviour"))
    volumes = _read_volumes(task.get("volumes", []), at.key("volumes"), fargate)
    raw = as_list(task.get("containerDefinitions"), at.key("containerDefinitions"))
    if not raw:
        raise at.key("containerDefinitions").refuse("a task definition needs a container")
    containers = tuple(
        _read_container(item, at.key("containerDefinitions").index(n), behaviours, fargate)
        for n, item in enumerate(raw)
    )
    names = [c.name for c in containers]
    for name in behaviours:
        if name not in names:
            raise (
                where.key("behaviour")
                .key(str(name))
                .refuse(f"no container named {name!r}", f"the containers are {', '.join(names)}")
            )
    _check_task(containers, volumes, at)
    service = document.get("service")
    grace = 0
    if service is not None and service is not False:
        body = (
            as_mapping(service, where.key("service"), "an object (or true)")
            if service is not True
            else {}
        )
        grace = as_int(
            body.get("healthCheckGracePeriodSeconds", 0),
            where.key("service").key("healthCheckGracePeriodSeconds"),
        )
    stop = document.get("stopTask")
    stop_at, reason, by_service = None, "", False
    if stop is not None:
        body = as_mapping(stop, where.key("stopTask"))
        stop_at = as_int(body.get("at", 0), where.key("stopTask").key("at"))
        reason = as_str(body.get("reason", ""), where.key("stopTask").key("reason"))
        by = body.get("initiatedBy", "user")
        if by not in ("user", "service"):
            raise where.key("stopTask").key("initiatedBy").refuse(f"{by!r}: use user or service")
        by_service = by == "service"
    agent_stop: int | None = None
    ignored: tuple[str, ...] = ()
    cleanup = CLEANUP_WAIT
    config_notes: list[str] = []
    spot_draining = False
    if "ecsConfig" in document:
        config = as_mapping(document["ecsConfig"], where.key("ecsConfig"))
        if fargate:
            ignored = ("ecsConfig",)
        else:
            if "ECS_CONTAINER_STOP_TIMEOUT" in config:
                agent_stop = _duration(
                    config["ECS_CONTAINER_STOP_TIMEOUT"],
                    where.key("ecsConfig.ECS_CONTAINER_STOP_TIMEOUT"),
                )
            if "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION" in config:
                wait = _duration(
                    config["ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION"],
                    where.key("ecsConfig.ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION"),
                )
                if wait < CLEANUP_MINIMUM:
                    config_notes.append(
                        f"ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION {wait} s is below the minimum "
                        "of 1m: the agent ignores it and keeps the default 3h "
                        "(ecs-agent-config.html)"
                    )
                else:
                    cleanup = wait
            config_notes.extend(_unread_settings(config))
            draining = str(config.get("ECS_ENABLE_SPOT_INSTANCE_DRAINING", "false"))
            spot_draining = draining.strip().lower() == "true"
    spot_at = _moment(
        document, "spotInterruption", where, "spotInterruption has at (the second of the warning)"
    )
    protection = _read_protection(document.get("taskProtection"), where.key("taskProtection"))
    retirement_at = _moment(
        document, "taskRetirement", where, "taskRetirement has at (the second Fargate retires it)"
    )
    if retirement_at is not None and not fargate:
        raise where.key("taskRetirement").refuse(
            "task retirement is Fargate's (a retired platform version revision): give "
            "launchType FARGATE"
        )
    until = as_int(document.get("until", DEFAULT_UNTIL), where.key("until"), minimum=1)
    if until > MAX_UNTIL:
        raise where.key("until").refuse(f"at most {MAX_UNTIL} seconds (a day)")
    return Scenario(
        family=str(task.get("family", "")),
        fargate=fargate,
        task_memory=_memory(task.get("memory"), at.key("memory")),
        containers=containers,
        volumes=volumes,
        service=service is not None and service is not False,
        grace_period=grace,
        stop_at=stop_at,
        stop_reason=reason,
        stop_by_service=by_service,
        agent_stop_timeout=agent_stop,
        ignored=ignored,
        until=until,
        spot_interruption_at=spot_at,
        spot_draining=spot_draining,
        retirement_at=retirement_at,
        protection=protection,
        cleanup_wait=cleanup,
        config_notes=tuple(config_notes),
    )


# What the agent settings the lifecycle doesn't read are about (ecs-agent-config.html,
# automated_image_cleanup.html), so that a learner who sets one sees why nothing changes.
_UNREAD = {
    "ECS_IMAGE_MINIMUM_CLEANUP_AGE": "how old an unused image must be before image cleanup "
    "may delete it",
    "ECS_IMAGE_CLEANUP_INTERVAL": "how often image cleanup runs",
    "ECS_NUM_IMAGES_DELETE_PER_CYCLE": "how many images one image cleanup deletes",
    "ECS_DISABLE_IMAGE_CLEANUP": "whether unused images are cleaned up",
    "ECS_IMAGE_PULL_BEHAVIOR": "when images are pulled or taken from the cache",
}


def _unread_settings(config: Mapping[str, object]) -> list[str]:
    return [
        f"{key} sets {what}: it doesn't change a task's containers or when the agent "
        "removes them after the task stops"
        for key, what in _UNREAD.items()
        if key in config
    ]


def _moment(document: Mapping[str, object], key: str, where: Where, hint: str) -> int | None:
    """The second `at` of an event block such as `spotInterruption: {at: 60}` (0 when left
    out); None without the block."""
    if key not in document:
        return None
    at = where.key(key)
    body = as_mapping(document[key], at)
    for name in body:
        if name != "at":
            raise at.key(str(name)).refuse(f"unknown key {name!r}", hint)
    return as_int(body.get("at", 0), at.key("at"))


def _read_protection(data: object, where: Where) -> tuple[ProtectionCall, ...]:
    """`taskProtection`: one UpdateTaskProtection request or a list, each with `at`."""
    if data is None:
        return ()
    items = [data] if isinstance(data, Mapping) else as_list(data, where)
    calls = []
    for n, item in enumerate(items):
        at = where if isinstance(data, Mapping) else where.index(n)
        body = as_mapping(item, at, "an UpdateTaskProtection request")
        for key in body:
            if key not in ("at", "protectionEnabled", "expiresInMinutes"):
                raise at.key(str(key)).refuse(
                    f"unknown key {key!r}", "give at, protectionEnabled and expiresInMinutes"
                )
        if "protectionEnabled" not in body:
            raise at.refuse("protectionEnabled is required (true or false)")
        enabled = body["protectionEnabled"]
        if not isinstance(enabled, bool):
            raise at.key("protectionEnabled").refuse("protectionEnabled is true or false")
        minutes = None
        if "expiresInMinutes" in body:
            minutes = as_int(body["expiresInMinutes"], at.key("expiresInMinutes"))
            low, high = PROTECTION_RANGE
            if not low <= minutes <= high:
                # AWS documents the range, not its error text: the wording is ecsprep's.
                raise at.key("expiresInMinutes").refuse(
                    f"InvalidParameterException: expiresInMinutes must be from {low} to "
                    f"{high} minutes (48 hours); found {minutes}"
                )
        calls.append(ProtectionCall(as_int(body.get("at", 0), at.key("at")), enabled, minutes))
    return tuple(sorted(calls, key=lambda c: c.at))


def protection_ends(calls: tuple[ProtectionCall, ...]) -> list[tuple[int, int]]:
    """The spans [from, until) in which the task is protected: each enabling call protects it
    for expiresInMinutes (default 120) from that call, resetting the expiry; a call with
    protectionEnabled false ends it (task-scale-in-protection.html, API_UpdateTaskProtection)."""
    spans: list[tuple[int, int]] = []
    for call in calls:
        if spans and spans[-1][1] > call.at:  # the call ends or extends the open span
            spans[-1] = (spans[-1][0], call.at)
        if call.enabled:
            minutes = call.expires_minutes or PROTECTION_DEFAULT
            spans.append((call.at, call.at + minutes * 60))
    return [(a, b) for a, b in spans if b > a]


def _duration(value: object, where: Where) -> int:
    """An agent duration such as 60s, 2m or 1m30s (Go's time.ParseDuration units s, m, h)."""
    text = str(value).strip()
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not text or parts is None:
        raise where.refuse(f"{text!r} is not a duration", "write it like 60s or 2m")
    hours, minutes, seconds = (int(p) if p else 0 for p in parts.groups())
    return hours * 3600 + minutes * 60 + seconds


def _memory(value: object, where: Where) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.upper().endswith("GB"):
        number = text[:-2].strip()
        digits = number.isascii() and number.replace(".", "", 1).isdigit()
        mib = float(number) * 1024 if digits else 0.0
        if mib < 1:
            raise where.refuse(
                f"{text!r} is not an amount of memory", 'give MiB ("1024") or GB ("1GB")'
            )
        return int(mib)
    return as_int(value, where, minimum=1)


def _read_volumes(data: object, where: Where, fargate: bool) -> tuple[Volume, ...]:
    volumes = []
    for n, item in enumerate(as_list(data, where)):
        at = where.index(n)
        body = as_mapping(item, at, "a volume")
        name = as_str(body.get("name"), at.key("name"))
        host = body.get("host")
        docker = body.get("dockerVolumeConfiguration")
        if fargate and docker is not None:
            raise at.key("dockerVolumeConfiguration").refuse(
                "Tasks using the Fargate launch type do not support dockerVolumeConfiguration."
            )
        source = as_mapping(host, at.key("host")).get("sourcePath") if host is not None else None
        if fargate and source:
            raise at.key("host.sourcePath").refuse(
                "Tasks using the Fargate launch type do not support host.sourcePath."
            )
        if "efsVolumeConfiguration" in body:
            kind = VolumeKind.EFS
        elif "fsxWindowsFileServerVolumeConfiguration" in body:
            kind = VolumeKind.FSX
        elif docker is not None:
            scope = as_mapping(docker, at.key("dockerVolumeConfiguration")).get("scope", "task")
            if scope not in ("task", "shared"):
                raise at.key("dockerVolumeConfiguration.scope").refuse(
                    f"{scope!r}: the scope is task or shared"
                )
            kind = VolumeKind.DOCKER_SHARED if scope == "shared" else VolumeKind.DOCKER_TASK
        elif source:
            kind = VolumeKind.HOST
        else:
            kind = VolumeKind.BIND
        volumes.append(Volume(name, kind, str(source or "")))
    return tuple(volumes)


_CONDITIONS = {c.value: c for c in Condition}


def _read_container(
    data: object, where: Where, behaviours: Mapping[str, object], fargate: bool
) -> Container:
    body = as_mapping(data, where, "a container definition")
    name = as_str(body.get("name"), where.key("name"))
    depends = []
    for n, item in enumerate(as_list(body.get("dependsOn", []), where.key("dependsOn"))):
        at = where.key("dependsOn").index(n)
        dep = as_mapping(item, at, "{containerName, condition}")
        condition = dep.get("condition")
        if condition not in _CONDITIONS:
            raise at.key("condition").refuse(
                f"{condition!r} is not a dependency condition",
                "use START, COMPLETE, SUCCESS or HEALTHY",
            )
        depends.append(
            (as_str(dep.get("containerName"), at.key("containerName")), _CONDITIONS[str(condition)])
        )
    health = None
    if body.get("healthCheck") is not None:
        health = _read_health(body["healthCheck"], where.key("healthCheck"))
    start_timeout = _optional_int(body, "startTimeout", where)
    if fargate and start_timeout is not None:
        low, high = FARGATE_START_TIMEOUT
        if not low <= start_timeout <= high:
            raise where.key("startTimeout").refuse(
                f"{start_timeout}: the valid values for Fargate are {low}-{high} seconds"
            )
    memory = _optional_int(body, "memory", where)
    reservation = _optional_int(body, "memoryReservation", where)
    if memory is not None and reservation is not None and memory <= reservation:
        raise where.key("memoryReservation").refuse(
            f"memory ({memory}) must be greater than memoryReservation ({reservation}) "
            "when both are specified"
        )
    linux = as_mapping(body.get("linuxParameters", {}), where.key("linuxParameters"))
    mounts = []
    for n, item in enumerate(as_list(body.get("mountPoints", []), where.key("mountPoints"))):
        at = where.key("mountPoints").index(n)
        point = as_mapping(item, at, "{sourceVolume, containerPath, readOnly}")
        mounts.append(
            Mount(
                as_str(point.get("sourceVolume"), at.key("sourceVolume")),
                as_str(point.get("containerPath"), at.key("containerPath")),
                point.get("readOnly") is True,
            )
        )
    volumes_from = []
    for n, item in enumerate(as_list(body.get("volumesFrom", []), where.key("volumesFrom"))):
        at = where.key("volumesFrom").index(n)
        source = as_mapping(item, at, "{sourceContainer, readOnly}")
        volumes_from.append(
            (
                as_str(source.get("sourceContainer"), at.key("sourceContainer")),
                source.get("readOnly") is True,
            )
        )
    if fargate and body.get("privileged") is True:
        # fargate-tasks-services.html lists privileged among the parameters Fargate refuses;
        # INF wording: the ClientException AWS gives for the others (e.g. ipcMode).
        raise where.key("privileged").refuse(
            "Tasks using the Fargate launch type do not support privileged."
        )
    behaviour = _read_behaviour(behaviours.get(name, {}), Where(where.source, f"behaviour.{name}"))
    return Container(
        name=name,
        essential=body.get("essential", True) is not False,
        depends_on=tuple(depends),
        health=health,
        start_timeout=start_timeout,
        stop_timeout=_optional_int(body, "stopTimeout", where),
        memory=memory,
        memory_reservation=reservation,
        init_process=linux.get("initProcessEnabled") is True,
        mounts=tuple(mounts),
        volumes_from=tuple(volumes_from),
        behaviour=behaviour,
        readonly_root=body.get("readonlyRootFilesystem") is True,
    )


def _optional_int(body: Mapping[str, object], key: str, where: Where) -> int | None:
    value = body.get(key)
    return None if value is None else as_int(value, where.key(key))


_HEALTH_RANGES = {  # API_HealthCheck.html
    "interval": (5, 300, 30),
    "timeout": (2, 60, 5),
    "retries": (1, 10, 3),
    "startPeriod": (0, 300, 0),
}


def _read_health(data: object, where: Where) -> HealthCheck:
    body = as_mapping(data, where, "a health check")
    if not as_list(body.get("command"), where.key("command"), "a command list"):
        raise where.key("command").refuse("the health check needs a command")
    values = {}
    for key, (low, high, default) in _HEALTH_RANGES.items():
        value = as_int(body.get(key, default), where.key(key))
        if not low <= value <= high:
            raise where.key(key).refuse(f"{value}: you may specify between {low} and {high}")
        values[key] = value
    return HealthCheck(
        values["interval"], values["timeout"], values["retries"], values["startPeriod"]
    )


def _read_behaviour(data: object, where: Where) -> Behaviour:
    body = as_mapping(data, where, "a behaviour")
    for key in body:
        if key not in _BEHAVIOUR_KEYS:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "a behaviour has " + ", ".join(_BEHAVIOUR_KEYS)
            )
    healthy = body.get("healthyAfter", 0)
    memory = []
    for n, item in enumerate(as_list(body.get("memory", []), where.key("memory"))):
        point = as_mapping(item, where.key("memory").index(n), "{at, mib}")
        memory.append(
            (as_int(point.get("at", 0), where.key("memory").index(n).key("at")),
             as_int(point.get("mib"), where.key("memory").index(n).key("mib")))
        )  # fmt: skip
    on_sigterm = body.get("onSigterm", "exit")
    if on_sigterm not in ("exit", "ignore"):
        raise where.key("onSigterm").refuse(f"{on_sigterm!r}: use exit or ignore")
    exits = body.get("exitsAfter")
    return Behaviour(
        exits_after=None if exits is None else as_int(exits, where.key("exitsAfter")),
        exit_code=as_int(body.get("exitCode", 0), where.key("exitCode")),
        healthy_after=None
        if healthy in (None, "never")
        else as_int(healthy, where.key("healthyAfter")),
        memory=tuple(sorted(memory)),
        on_sigterm=str(on_sigterm),
        shutdown_seconds=as_int(body.get("shutdownSeconds", 1), where.key("shutdownSeconds")),
        sigterm_exit_code=as_int(body.get("sigtermExitCode", 0), where.key("sigtermExitCode")),
        shell_pid1=body.get("shellPid1") is True,
        spawns_children=body.get("spawnsChildren") is True,
        busy_until=None
        if body.get("busyUntil") is None
        else as_int(body.get("busyUntil"), where.key("busyUntil")),
        writes=tuple(
            as_str(p, where.key("writes").index(n))
            for n, p in enumerate(as_list(body.get("writes", []), where.key("writes")))
        ),
    )


def _check_task(
    containers: tuple[Container, ...], volumes: tuple[Volume, ...], where: Where
) -> None:
    names = {c.name for c in containers}
    volume_names = {v.name for v in volumes}
    if not any(c.essential for c in containers):
        raise where.key("containerDefinitions").refuse(
            "All tasks must have at least one essential container.",
            "leave essential out (it defaults to true) or set it to true on one container",
        )
    for n, container in enumerate(containers):
        at = where.key("containerDefinitions").index(n)
        for k, (target, condition) in enumerate(container.depends_on):
            place = at.key("dependsOn").index(k)
            if target not in names or target == container.name:
                raise place.key("containerName").refuse(
                    f"{target!r} is not another container of the task definition"
                )
            if (
                condition in (Condition.COMPLETE, Condition.SUCCESS)
                and next(c for c in containers if c.name == target).essential
            ):
                raise place.key("condition").refuse(
                    f"{condition.value} on {target!r}: this condition can't be set on an "
                    "essential container",
                    f"mark {target!r} essential false",
                )
        for k, mount in enumerate(container.mounts):
            if mount.volume not in volume_names:
                raise (
                    at.key("mountPoints")
                    .index(k)
                    .key("sourceVolume")
                    .refuse(f"{mount.volume!r} is not a volume of the task definition")
                )
        for k, (source, _) in enumerate(container.volumes_from):
            if source not in names or source == container.name:
                raise (
                    at.key("volumesFrom")
                    .index(k)
                    .key("sourceContainer")
                    .refuse(f"{source!r} is not another container of the task definition")
                )
    _refuse_cycle(containers, where)


def _refuse_cycle(containers: tuple[Container, ...], where: Where) -> None:
    graph = {c.name: [t for t, _ in c.depends_on] for c in containers}
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in graph[name]:
            if state.get(target) == 1:
                loop = [*path[path.index(target) :], target]  # state 1: target is on the path
                raise where.key("containerDefinitions").refuse(
                    "dependsOn forms a cycle (" + " → ".join(loop) + "): none of them can start "
                    "[ecsprep's words]",
                    "remove one of the dependencies",
                )
            if state.get(target) is None:
                visit(target, [*path, target])
        state[name] = 2

    for container in containers:
        if container.name not in state:
            visit(container.name, [container.name])


def _resolved_mounts(scenario: Scenario) -> dict[str, dict[str, tuple[str, bool]]]:
    """Each container's path → (volume, read-only), volumesFrom included (one level, then
    repeated until nothing changes, so a chain of volumesFrom resolves)."""
    mounts = {
        c.name: {m.path: (m.volume, m.read_only) for m in c.mounts} for c in scenario.containers
    }
    for _ in scenario.containers:
        for container in scenario.containers:
            for source, read_only in container.volumes_from:
                for path, (volume, ro) in mounts[source].items():
                    mounts[container.name].setdefault(path, (volume, ro or read_only))
    return mounts


def write_errors(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """The paths each container's process can't write (API_ContainerDefinition.html
    readonlyRootFilesystem: the container gets read-only access to its root file system; a
    volume mounted at the path, or above it, is writable unless its mount is readOnly)."""
    mounts = _resolved_mounts(scenario)
    found: dict[str, tuple[str, ...]] = {}
    for container in scenario.containers:
        failing = []
        for path in container.behaviour.writes:
            covering = [
                (mount, ro)
                for mount, (_, ro) in mounts[container.name].items()
                if path == mount or path.startswith(mount.rstrip("/") + "/")
            ]
            if covering:  # the deepest mount decides
                read_only = max(covering, key=lambda m: len(m[0]))[1]
            else:
                read_only = container.readonly_root
            if read_only:
                failing.append(path)
        if failing:
            found[container.name] = tuple(failing)
    return found


# --- Running it -------------------------------------------------------------------------


@dataclass(slots=True)
class _State:
    status: str = "PENDING"  # PENDING, RUNNING, STOPPED, NEVER
    started_at: int | None = None
    exit_at: int | None = None
    exit_code: int | None = None
    reason: str = ""
    health: str = "UNKNOWN"
    passed: bool = False
    fails: int = 0
    sigterm_at: int | None = None
    kill_at: int | None = None
    killed: bool = False
    oom: bool = False


def stop_timeout(scenario: Scenario, container: Container) -> tuple[int, str]:
    """The seconds between SIGTERM and SIGKILL, and where they come from."""
    if scenario.fargate:
        if container.stop_timeout is None:
            return DEFAULT_STOP, "Fargate default"
        if container.stop_timeout > FARGATE_MAX_STOP:
            return FARGATE_MAX_STOP, "Fargate maximum"
        return container.stop_timeout, "stopTimeout"
    if container.stop_timeout is not None:
        return container.stop_timeout, "stopTimeout"
    if scenario.agent_stop_timeout is not None:
        return scenario.agent_stop_timeout, "ECS_CONTAINER_STOP_TIMEOUT"
    return DEFAULT_STOP, "agent default"


def _memory_at(behaviour: Behaviour, since_start: int) -> int:
    used = 0
    for at, mib in behaviour.memory:
        if at <= since_start:
            used = mib
    return used


def simulate(scenario: Scenario) -> Run:
    states = {c.name: _State() for c in scenario.containers}
    events: list[Event] = []
    notes: list[str] = []
    start_order: list[str] = []
    stop_order: list[str] = []
    stop: dict[str, object] = {}
    timeouts = {c.name: stop_timeout(scenario, c) for c in scenario.containers}
    dependents = {
        c.name: [d.name for d in scenario.containers if any(t == c.name for t, _ in d.depends_on)]
        for c in scenario.containers
    }

    cannot_write = write_errors(scenario)

    def say(at: int, container: str, what: str, inferred: bool = False) -> None:
        events.append(Event(at, container, what, inferred))

    def begin_stop(at: int, code: str, reason: str, why: str, inferred: bool = False) -> None:
        if stop:
            return
        stop.update(at=at, code=code, reason=reason)
        say(at, "", f"the task starts stopping: {why}", inferred)

    def met(target: str, condition: Condition) -> bool | None:
        """True when met, False while it may still be met, None when it never can be."""
        state = states[target]
        if condition is Condition.START:
            return (
                True
                if state.started_at is not None
                else (None if state.status == "NEVER" else False)
            )
        if condition is Condition.HEALTHY:
            if state.health == "HEALTHY":
                return True
            if scenario.container(target).health is None or state.status in ("STOPPED", "NEVER"):
                return None
            return False
        if state.status == "NEVER":
            return None
        if state.status != "STOPPED":
            return False
        if condition is Condition.COMPLETE or state.exit_code == 0:
            return True
        return None  # SUCCESS after a non-zero exit

    def exit_container(at: int, name: str, code: int, reason: str, what: str) -> None:
        state = states[name]
        state.status, state.exit_code, state.reason = "STOPPED", code, reason
        stop_order.append(name)
        say(at, name, f"exited {code}: {what}")
        container = scenario.container(name)
        if container.essential:
            begin_stop(
                at,
                "EssentialContainerExited",
                ESSENTIAL_EXITED,
                f"essential container {name} exited",
            )
        elif not stop:
            say(at, name, "not essential: the other containers keep running")

    def starts(t: int) -> None:
        """Start what dependsOn allows (repeated so that a START chain starts in one second)."""

        changed = not stop
        while changed and not stop:
            changed = False
            for container in scenario.containers:
                state = states[container.name]
                if state.status != "PENDING":
                    continue
                results = [
                    (target, cond, met(target, cond)) for target, cond in container.depends_on
                ]
                if all(r is True for _, _, r in results):
                    state.status, state.started_at = "RUNNING", t
                    start_order.append(container.name)
                    waits = ", ".join(f"{target} {cond.value}" for target, cond, _ in results)
                    say(t, container.name, "started" + (f" (after {waits})" if waits else ""))
                    for path in cannot_write.get(container.name, ()):
                        say(
                            t,
                            container.name,
                            f"writing to {path} fails: Read-only file system",
                        )
                    changed = True
                    continue
                for target, cond, result in results:
                    target_state = states[target]
                    target_def = scenario.container(target)
                    if result is None:
                        why = (
                            f"{target} has no healthCheck, so HEALTHY can never be met"
                            if cond is Condition.HEALTHY and target_def.health is None
                            else f"{target} can no longer reach {cond.value}"
                        )
                        state.status = "NEVER"
                        say(t, container.name, f"can never start: {why}", inferred=True)
                        begin_stop(
                            t,
                            "TaskFailedToStart",
                            f"{container.name}: dependency {cond.value} on {target} can't be met",
                            f"{container.name} can never start",
                            inferred=True,
                        )
                        break
                    limit = target_def.start_timeout
                    since = target_state.started_at or 0
                    if result is False and limit is not None and t - since >= limit:
                        state.status = "NEVER"
                        say(
                            t,
                            container.name,
                            f"gives up: {target} didn't reach {cond.value} within its "
                            f"startTimeout of {limit} s",
                        )
                        begin_stop(
                            t,
                            "TaskFailedToStart",
                            f"{container.name}: {target} didn't reach {cond.value} "
                            "within startTimeout",
                            f"{target}'s startTimeout ran out",
                        )
                        break

    # Task scale-in protection holds only a service's tasks (API_UpdateTaskProtection.html:
    # a standalone task gets the failure TASK_NOT_VALID).
    spans = protection_ends(scenario.protection) if scenario.service else []
    failures = () if scenario.service else tuple("TASK_NOT_VALID" for _ in scenario.protection)
    if failures:
        notes.append(
            "UpdateTaskProtection fails with TASK_NOT_VALID: protection is only for tasks that "
            "belong to a service (API_UpdateTaskProtection.html)"
        )

    def protected_until(t: int) -> int | None:
        return next((b for a, b in spans if a <= t < b), None)

    deferred_said = False
    spot_at = scenario.spot_interruption_at
    eventbridge_at: int | None = None
    replacement_at: int | None = None
    stopped_at: int | None = None  # the second the last container stopped
    for t in range(scenario.until + 1):
        # 0. Fargate Spot reclaims the capacity: a two-minute warning, as a task state change
        #    event to EventBridge and SIGTERM to the task (fargate-capacity-providers.html).
        if spot_at is not None and t == spot_at and not scenario.fargate:
            # EC2 Spot Instances (spot-instance-draining-linux-container.html): a two-minute
            # interruption notice, whatever the task is doing; with
            # ECS_ENABLE_SPOT_INSTANCE_DRAINING ECS sets the container instance to DRAINING and
            # the service scheduler replaces its tasks on other instances
            # (container-instance-draining.html); standalone tasks stay.
            say(t, "", "EC2 sends the Spot Instance two-minute interruption notice")
            if not scenario.spot_draining:
                say(
                    t,
                    "",
                    "Spot Instance draining is off (ECS_ENABLE_SPOT_INSTANCE_DRAINING): the "
                    "instance stays ACTIVE and its tasks run until it is reclaimed",
                )
            elif stop:
                say(
                    t,
                    "",
                    "ECS sets the container instance to DRAINING; the task is already stopping",
                )
            elif scenario.service:
                say(
                    t,
                    "",
                    "ECS sets the container instance to DRAINING: the service scheduler starts "
                    "a replacement on another instance and stops this task",
                    inferred=True,
                )
                replacement_at = t
                begin_stop(
                    t, "ServiceSchedulerInitiated", DRAINING_REASON, "the instance is DRAINING"
                )
            else:
                say(
                    t,
                    "",
                    "ECS sets the container instance to DRAINING; a standalone task isn't "
                    "stopped or replaced",
                )
        if spot_at is not None and t == spot_at + SPOT_WARNING and not scenario.fargate:
            say(t, "", "EC2 reclaims the Spot Instance", inferred=True)
            if scenario.service and replacement_at is None:
                replacement_at = t
                say(
                    t,
                    "",
                    "the service scheduler replaces the task only now that it is gone",
                    inferred=True,
                )
            begin_stop(t, "", INSTANCE_GONE, "the instance is gone", inferred=True)
        # Fargate task retirement (task-maintenance.html): every task on the retired revision
        # is stopped; a service's scheduler replaces its tasks, a standalone task isn't.
        if scenario.retirement_at is not None and t == scenario.retirement_at and not stop:
            say(t, "", "Fargate retires the platform version revision the task runs on")
            if scenario.service:
                replacement_at = t
                say(
                    t,
                    "",
                    "the service scheduler starts a replacement on a current revision",
                    inferred=True,
                )
            else:
                say(t, "", "a standalone task isn't replaced: start a new one yourself")
            begin_stop(t, "", RETIRED, "task retirement", inferred=True)
        if spot_at is not None and t == spot_at and not stop and scenario.fargate:
            eventbridge_at = t
            say(
                t,
                "",
                "Fargate Spot interruption: ECS sends a task state change event to EventBridge "
                f"and SIGTERM to the task; it is stopped at the latest at {t + SPOT_WARNING} s",
            )
            if protected_until(t) is not None:
                say(
                    t,
                    "",
                    "task scale-in protection doesn't hold it: it covers scale-in by Service "
                    "Auto Scaling and deployments only",
                )
            begin_stop(t, "SpotInterruption", SPOT_REASON, "Fargate Spot needs the capacity back")
        # 1. Starts, in dependsOn order.
        starts(t)
        # 2. What each running container does this second.
        for container in scenario.containers:
            state = states[container.name]
            if state.status != "RUNNING" or state.started_at is None:
                continue
            since = t - state.started_at
            behaviour = container.behaviour
            used = _memory_at(behaviour, since)
            limit = container.memory
            if limit is not None and used > limit:
                state.oom = True
                say(
                    t, container.name, f"uses {used} MiB, over its hard memory limit of {limit} MiB"
                )
                exit_container(
                    t, container.name, 137, OOM_REASON, "killed for memory (OutOfMemoryError)"
                )
                continue
            if state.exit_at is not None and t >= state.exit_at:
                if state.killed:
                    exit_container(
                        t, container.name, 137, "", f"SIGKILL after {timeouts[container.name][0]} s"
                    )
                else:
                    exit_container(
                        t, container.name, behaviour.sigterm_exit_code, "", "exited after SIGTERM"
                    )
                continue
            if (
                behaviour.exits_after is not None
                and since >= behaviour.exits_after
                and state.sigterm_at is None
            ):
                exit_container(
                    t, container.name, behaviour.exit_code, "", "the process ended on its own"
                )
                continue
            health = container.health
            if health is not None and since > 0 and since % health.interval == 0:
                passes = behaviour.healthy_after is not None and since >= behaviour.healthy_after
                if passes:
                    state.passed, state.fails = True, 0
                    if state.health != "HEALTHY":
                        say(t, container.name, "health check passes: HEALTHY")
                    state.health = "HEALTHY"
                elif since <= health.start_period and not state.passed:
                    say(
                        t,
                        container.name,
                        f"health check fails, within startPeriod {health.start_period} s: "
                        "not counted",
                    )
                else:
                    state.fails += 1
                    if state.fails >= health.retries and state.health != "UNHEALTHY":
                        state.health = "UNHEALTHY"
                        say(
                            t,
                            container.name,
                            f"health check failed {state.fails} time(s) in a row "
                            f"(retries {health.retries}): UNHEALTHY",
                        )
        # Task-level memory: the containers without their own limit share the task's (INF).
        if scenario.task_memory is not None:
            running = [c for c in scenario.containers if states[c.name].status == "RUNNING"]
            total = sum(
                _memory_at(c.behaviour, t - (states[c.name].started_at or 0)) for c in running
            )
            if total > scenario.task_memory and running:
                victim = max(
                    running,
                    key=lambda c: _memory_at(c.behaviour, t - (states[c.name].started_at or 0)),
                )
                states[victim.name].oom = True
                say(
                    t,
                    victim.name,
                    f"the task's containers use {total} MiB, over the task's "
                    f"{scenario.task_memory} MiB: ecsprep kills the biggest user",
                    inferred=True,
                )
                exit_container(
                    t, victim.name, 137, OOM_REASON, "killed for memory (OutOfMemoryError)"
                )
        starts(t)  # what this second's exits and health checks allow
        # 3. The service replaces a task whose essential container is UNHEALTHY.
        unhealthy = [
            c.name
            for c in scenario.containers
            if c.essential and states[c.name].health == "UNHEALTHY"
        ]
        if unhealthy and not stop:
            if scenario.service and t >= scenario.grace_period:
                begin_stop(
                    t,
                    "ServiceSchedulerInitiated",
                    HEALTH_FAILED,
                    f"the task is UNHEALTHY ({', '.join(unhealthy)}): the service replaces it",
                )
            elif not scenario.service and not notes:
                notes.append("a standalone task runs on whatever its health (API_HealthCheck.html)")
        # 4. StopTask (or the service scheduler) at a given second.
        held = protected_until(t) if scenario.stop_by_service else None
        if scenario.stop_at is not None and t >= scenario.stop_at and not stop and held:
            if not deferred_said:
                say(
                    t,
                    "",
                    f"the service's scale-in skips the task: it is protected until {held} s "
                    "(task scale-in protection)",
                )
                deferred_said = True
        elif scenario.stop_at is not None and t >= scenario.stop_at and not stop:
            by = "ServiceSchedulerInitiated" if scenario.stop_by_service else "UserInitiated"
            if deferred_said:
                say(
                    t,
                    "",
                    "the protection has ended: the scale-in stops the task now",
                    inferred=True,
                )
            begin_stop(
                t,
                by,
                scenario.stop_reason
                or (
                    "Task stopped by user"
                    if by == "UserInitiated"
                    else "Scaling activity initiated by the service"
                ),
                "StopTask" if by == "UserInitiated" else "the service scheduler stops the task",
            )
        # 5. Stopping: SIGTERM in the reverse of the dependsOn order, SIGKILL after the timeout.
        if stop:
            # Two minutes after the warning the Spot capacity is gone, and whatever still runs
            # on it with it (Fargate Spot: the task is stopped; EC2: the instance is reclaimed).
            if spot_at is not None and t >= spot_at + SPOT_WARNING:
                for container in scenario.containers:
                    state = states[container.name]
                    if state.status == "RUNNING":
                        state.killed = True
                        exit_container(
                            t,
                            container.name,
                            137,
                            "",
                            "the Spot capacity is reclaimed two minutes after the warning",
                        )
            for container in scenario.containers:
                state = states[container.name]
                if state.status == "PENDING":
                    state.status = "NEVER"
                if state.status != "RUNNING" or state.sigterm_at is not None:
                    continue
                waiting = [d for d in dependents[container.name] if states[d].status == "RUNNING"]
                if waiting:
                    continue
                seconds, source = timeouts[container.name]
                state.sigterm_at = t
                behaviour = container.behaviour
                reaches = not (behaviour.shell_pid1 and not container.init_process)
                handled = reaches and behaviour.on_sigterm == "exit"
                if not reaches:
                    say(
                        t,
                        container.name,
                        "SIGTERM goes to the shell at PID 1, which doesn't pass it on",
                        inferred=True,
                    )
                elif container.init_process and behaviour.shell_pid1:
                    say(
                        t,
                        container.name,
                        "SIGTERM: the init process forwards it to the application",
                    )
                else:
                    say(
                        t,
                        container.name,
                        "SIGTERM" + ("" if handled else ": the process ignores it"),
                    )
                # A process in the middle of a job (busyUntil) finishes it before it exits.
                job_left = (
                    max(0, (state.started_at or 0) + behaviour.busy_until - t)
                    if behaviour.busy_until is not None
                    else 0
                )
                needs = job_left + behaviour.shutdown_seconds
                if handled and needs < seconds:
                    state.exit_at = t + needs
                else:
                    state.exit_at = t + seconds
                    state.killed = True
                    say(
                        t,
                        container.name,
                        f"will get SIGKILL at {t + seconds} s ({source}: {seconds} s)",
                    )
                if state.exit_at == t and state.killed:  # a stop timeout of 0
                    exit_container(t, container.name, 137, "", f"SIGKILL after {seconds} s")
                elif state.exit_at == t:
                    exit_container(
                        t, container.name, behaviour.sigterm_exit_code, "", "exited after SIGTERM"
                    )
            if all(s.status in ("STOPPED", "NEVER") for s in states.values()):
                say(t, "", f"the task is STOPPED ({stop['reason']})")
                stopped_at = t
                break
    never = tuple(c.name for c in scenario.containers if states[c.name].started_at is None)
    essential_health = [
        states[c.name].health for c in scenario.containers if c.essential and c.health
    ]
    task_health = (
        "UNHEALTHY" if "UNHEALTHY" in essential_health
        else "HEALTHY" if essential_health and all(h == "HEALTHY" for h in essential_health)
        else "UNKNOWN"
    )  # fmt: skip
    over = tuple(
        c.name for c in scenario.containers
        if scenario.fargate and c.stop_timeout is not None and c.stop_timeout > FARGATE_MAX_STOP
    )  # fmt: skip
    if over:
        notes.append(
            f"INF: stopTimeout above Fargate's documented maximum of {FARGATE_MAX_STOP} s "
            f"({', '.join(over)}): ecsprep gives {FARGATE_MAX_STOP} s"
        )
    exits_at = {e.container: e.at for e in events if e.what.startswith("exited")}
    removed_at = (
        stopped_at + scenario.cleanup_wait
        if stopped_at is not None and not scenario.fargate
        else None
    )
    if removed_at is not None and removed_at <= scenario.until:
        # automated_image_cleanup.html: the agent removes a stopped task's containers after
        # ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION (3h by default).
        say(
            removed_at,
            "",
            "the agent removes the stopped task's containers "
            f"(ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION {scenario.cleanup_wait} s after the stop)",
        )
    notes.extend(scenario.config_notes)
    if scenario.ignored:
        notes.append(
            "ecsConfig has no effect on Fargate: there is no container instance to configure"
        )
    if any(e.inferred for e in events):
        said = (f"{e.container}: {e.what}" if e.container else e.what for e in events if e.inferred)
        notes.append("INF: " + "; ".join(said))
    return Run(
        scenario=scenario,
        events=tuple(events),
        start_order=tuple(start_order),
        stop_order=tuple(stop_order),
        never_started=never,
        started_at={n: s.started_at for n, s in states.items() if s.started_at is not None},
        exit_codes={n: s.exit_code for n, s in states.items() if s.exit_code is not None},
        reasons={n: s.reason for n, s in states.items() if s.reason},
        killed=tuple(n for n in stop_order if states[n].killed and not states[n].oom),
        oom_killed=tuple(n for n in stop_order if states[n].oom),
        unhealthy=tuple(n for n, s in states.items() if s.health == "UNHEALTHY"),
        task_health=task_health,
        task_stopped=stopped_at is not None,
        stop_began_at=int(str(stop["at"])) if stop else None,
        stopped_at=stopped_at,
        stop_code=str(stop.get("code", "")),
        stopped_reason=str(stop.get("reason", "")),
        stop_timeouts={n: v[0] for n, v in timeouts.items()},
        over_max=over,
        zombies=tuple(
            c.name
            for c in scenario.containers
            if c.behaviour.spawns_children
            and not c.init_process
            and states[c.name].started_at is not None
        ),
        mounts={
            c: {p: "ro" if ro else "rw" for p, (_, ro) in m.items()}
            for c, m in _resolved_mounts(scenario).items()
        },
        notes=tuple(notes),
        sigterm_at={n: s.sigterm_at for n, s in states.items() if s.sigterm_at is not None},
        eventbridge_warning_at=eventbridge_at,
        warning_seconds=SPOT_WARNING if eventbridge_at is not None else None,
        protected_until=spans[-1][1] if spans else None,
        protection_failures=failures,
        containers_removed_at=removed_at,
        write_errors=cannot_write,
        replacement_at=replacement_at,
        work_lost=tuple(
            c.name
            for c in scenario.containers
            if c.behaviour.busy_until is not None
            and c.name in exits_at
            and exits_at[c.name] - (states[c.name].started_at or 0) < c.behaviour.busy_until
        ),
    )
