"""A task definition checked against AWS Fargate: size, OS and architecture, storage,
parameters Fargate doesn't accept, platform version and Fargate Spot.

The input is AWS's own shapes: a task definition as register-task-definition takes it
(or as describe-task-definition prints it, under `taskDefinition`), plus optionally the
RunTask / CreateService request that launches it (`launchType` or
`capacityProviderStrategy`, `platformVersion`, `placementStrategy`,
`placementConstraints`). Every rule is a documented one (docs/fargate.md gives the page
for each); each decision is kept as a `Finding`, in the order AWS would meet it, so that
a reader sees why a task runs or not. The task sizes are the table of
task-cpu-memory-error.html; for an invalid pair ecsprep names the nearest valid sizes:
the smallest sizes that give at least the CPU and memory asked for (INF: AWS names none).

AWS refuses a task definition that breaks these rules (RegisterTaskDefinition with
FARGATE in requiresCompatibilities) or the launch (RunTask / CreateService). Here that
is the result, not an input error: `FargateCheck.runs` is False and each finding says
which rule and with what message. Messages AWS is documented (or widely reported) to
return are AWS's words; the others are ecsprep's words for the documented rule
(`Finding.aws_words`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str

# --- The documented tables ----------------------------------------------------------

GIB = 1024
# task-cpu-memory-error.html: task CPU units → valid memory (MiB), and the OS that takes it.
_LINUX_ONLY_1_4 = frozenset({8192, 16384})  # "This option requires Linux platform 1.4.0"
SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
WINDOWS_CPU = frozenset({1024, 2048, 4096})  # "cannot be less than 1 vCPU"; table: Linux, Windows
LINUX_VERSIONS = {"1.4.0": "current", "1.3.0": "retired", "1.2.0": "retired",
                  "1.1.0": "retired", "1.0.0": "retired"}  # fmt: skip
WINDOWS_VERSIONS = {"1.0.0": "current"}
LINUX_LATEST = "1.4.0"
WINDOWS_LATEST = "1.0.0"
DEFAULT_STORAGE_GIB = 20
STORAGE_MIN_GIB, STORAGE_MAX_GIB = 21, 200  # API_EphemeralStorage.html
# fargate-tasks-services.html: "not valid in Fargate tasks".
TASK_PARAMETERS = ("ipcMode", "placementConstraints")
CONTAINER_PARAMETERS = (
    "disableNetworking",
    "dnsSearchDomains",
    "dnsServers",
    "dockerSecurityOptions",
    "extraHosts",
    "links",
    "privileged",
)
LINUX_PARAMETERS = ("devices", "sharedMemorySize", "tmpfs", "maxSwap", "swappiness")
# KernelCapabilities (API reference): values are written without Docker's CAP_ prefix, and
# Fargate tasks can add SYS_PTRACE only. The prefixed spelling is read as the same (INF).
ALLOWED_CAPABILITY = "SYS_PTRACE"
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


class Stage(Enum):
    REGISTER = "RegisterTaskDefinition"
    LAUNCH = "RunTask/CreateService"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule Fargate applies, and what it decided for this task."""

    rule: str  # a short name a check can expect in `refused_by` (e.g. "size", "privileged")
    ok: bool
    stage: Stage
    text: str  # what happened, in words; AWS's message when refused
    aws_words: bool = True  # False: ecsprep's wording of a documented rule
    where: str = ""  # the JSON path in the input


@dataclass(frozen=True, slots=True)
class Size:
    cpu: int
    memory: int

    @property
    def text(self) -> str:
        return f"{self.cpu}/{self.memory}"

    @property
    def words(self) -> str:
        vcpu = f"{self.cpu / 1024:g} vCPU"
        gb = f"{self.memory / GIB:g} GB"
        return f"{self.cpu} CPU units ({vcpu}), {self.memory} MiB ({gb})"


@dataclass(frozen=True, slots=True)
class FargateTask:
    """What the simulator read: the task definition's Fargate-relevant values."""

    family: str
    cpu: int | None
    memory: int | None
    os: str  # LINUX or WINDOWS_SERVER_…
    arch: str  # X86_64 or ARM64
    network_mode: str  # as given ("" when absent: bridge on EC2 by default)
    compatibilities: tuple[str, ...]
    storage_gib: int | None  # ephemeralStorage.sizeInGiB, None when not set
    parameters: tuple[tuple[str, str], ...]  # (rule, JSON path) of parameters Fargate refuses
    capabilities: tuple[tuple[str, str], ...]  # (capability, path) added beyond SYS_PTRACE


@dataclass(frozen=True, slots=True)
class Launch:
    """The RunTask / CreateService request (all optional)."""

    kind: str = "runTask"
    launch_type: str = "FARGATE"
    providers: tuple[tuple[str, int, int], ...] = ()  # (name, base, weight)
    platform_version: str = "LATEST"
    placement: tuple[str, ...] = ()  # placementStrategy / placementConstraints given

    @property
    def uses_spot(self) -> bool:
        return any(
            name == "FARGATE_SPOT" and (base or weight) for name, base, weight in self.providers
        )


@dataclass(frozen=True, slots=True)
class FargateCheck:
    task: FargateTask
    launch: Launch
    findings: tuple[Finding, ...]
    platform: str  # the platform version that would run the task ("" if none)
    nearest: tuple[Size, ...]  # the nearest valid sizes when the size is invalid

    @property
    def refusals(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ok)

    @property
    def registers(self) -> bool:
        if "FARGATE" not in self.task.compatibilities:
            return True  # ECS checks Fargate's rules only when FARGATE is required
        return not any(f.stage is Stage.REGISTER for f in self.refusals)

    @property
    def runs(self) -> bool:
        return not self.refusals

    @property
    def storage_gib(self) -> int:
        return self.task.storage_gib or DEFAULT_STORAGE_GIB

    @property
    def spot_eligible(self) -> bool:
        return spot_eligible(self.task.os, self.task.arch, self.platform)

    def facts(self) -> dict[str, object]:
        return {
            "runs": self.runs,
            "registers": self.registers,
            "refused_by": [f.rule for f in self.refusals],
            "cpu": self.task.cpu,
            "memory": self.task.memory,
            "valid_size": not any(f.rule == "size" for f in self.refusals),
            "nearest": [size.text for size in self.nearest],
            "os": self.task.os,
            "arch": self.task.arch,
            "platform": self.platform,
            "ephemeral_gib": self.storage_gib,
            "extra_storage_gib": max(0, self.storage_gib - DEFAULT_STORAGE_GIB),
            "uses_spot": self.launch.uses_spot,
            "spot_eligible": self.spot_eligible,
        }


# --- Reading ----------------------------------------------------------------------

_VCPU = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$", re.IGNORECASE)
_GB = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*gb\s*$", re.IGNORECASE)


def read_units(value: object, where: Where, *, unit: re.Pattern[str], scale: int) -> int:
    """`"1024"`, `1024`, `"1 vCPU"` or `"2 GB"` as an integer of CPU units or MiB
    (register-task-definition converts the same way)."""
    if isinstance(value, str):
        found = unit.match(value)
        if found:
            amount = float(found.group(1)) * scale
            if not amount.is_integer():
                raise where.refuse(f"{value!r} is not a whole number of units")
            return int(amount)
    return as_int(value, where, minimum=1)


def read_task(document: Mapping[str, object], where: Where) -> FargateTask:
    """A register-task-definition input or a describe-task-definition output."""
    if "taskDefinition" in document and isinstance(document["taskDefinition"], Mapping):
        where = where.key("taskDefinition")
        document = as_mapping(document["taskDefinition"], where)
    if "containerDefinitions" not in document:
        raise where.refuse(
            "containerDefinitions is missing", "give a task definition (register-task-definition)"
        )
    cpu = (
        read_units(document["cpu"], where.key("cpu"), unit=_VCPU, scale=1024)
        if document.get("cpu") is not None
        else None
    )
    memory = (
        read_units(document["memory"], where.key("memory"), unit=_GB, scale=GIB)
        if document.get("memory") is not None
        else None
    )
    platform = as_mapping(document.get("runtimePlatform") or {}, where.key("runtimePlatform"))
    os = as_str(
        platform.get("operatingSystemFamily", "LINUX"),
        where.key("runtimePlatform.operatingSystemFamily"),
    )
    arch = as_str(
        platform.get("cpuArchitecture", "X86_64"), where.key("runtimePlatform.cpuArchitecture")
    )
    if os != "LINUX" and not os.startswith("WINDOWS_SERVER_"):
        raise where.key("runtimePlatform.operatingSystemFamily").refuse(
            f"{os!r} is not an operating system family",
            "LINUX or WINDOWS_SERVER_2019_CORE, WINDOWS_SERVER_2022_FULL, …",
        )
    if arch not in ("X86_64", "ARM64"):
        raise where.key("runtimePlatform.cpuArchitecture").refuse(
            f"{arch!r} is not a CPU architecture", "X86_64 or ARM64"
        )
    compat = tuple(
        as_str(v, where.key("requiresCompatibilities").index(n))
        for n, v in enumerate(
            as_list(
                document.get("requiresCompatibilities") or document.get("compatibilities") or [],
                where.key("requiresCompatibilities"),
            )
        )
    )
    storage = document.get("ephemeralStorage")
    storage_gib = None
    if storage is not None:
        at = where.key("ephemeralStorage")
        body = as_mapping(storage, at)
        for key in body:
            if key != "sizeInGiB":  # EphemeralStorage has one member (API_EphemeralStorage)
                raise at.key(str(key)).refuse(
                    f'Unknown parameter in ephemeralStorage: "{key}", must be one of: sizeInGiB',
                    "the task definition's ephemeralStorage takes only its size",
                )
        if "sizeInGiB" not in body:
            raise at.refuse("sizeInGiB is missing", "e.g. ephemeralStorage: {sizeInGiB: 50}")
        storage_gib = as_int(body["sizeInGiB"], at.key("sizeInGiB"))
    parameters: list[tuple[str, str]] = []
    capabilities: list[tuple[str, str]] = []
    for name in TASK_PARAMETERS:
        if _given(document.get(name)):
            parameters.append((name, where.key(name).path))
    for n, volume in enumerate(as_list(document.get("volumes") or [], where.key("volumes"))):
        at = where.key("volumes").index(n)
        body = as_mapping(volume, at)
        if _given(body.get("dockerVolumeConfiguration")):
            parameters.append(
                ("dockerVolumeConfiguration", at.key("dockerVolumeConfiguration").path)
            )
        host = body.get("host")
        if isinstance(host, Mapping) and _given(host.get("sourcePath")):
            parameters.append(("host.sourcePath", at.key("host.sourcePath").path))
    containers = as_list(document["containerDefinitions"], where.key("containerDefinitions"))
    for n, container in enumerate(containers):
        at = where.key("containerDefinitions").index(n)
        body = as_mapping(container, at)
        for name in CONTAINER_PARAMETERS:
            if _given(body.get(name)):
                parameters.append((name, at.key(name).path))
        requirements = as_list(
            body.get("resourceRequirements") or [], at.key("resourceRequirements")
        )
        for m, requirement in enumerate(requirements):
            req = as_mapping(requirement, at.key("resourceRequirements").index(m))
            if req.get("type") == "GPU":
                parameters.append(("gpu", at.key("resourceRequirements").index(m).path))
        linux = as_mapping(body.get("linuxParameters") or {}, at.key("linuxParameters"))
        for name in LINUX_PARAMETERS:
            if _given(linux.get(name)):
                parameters.append(
                    (f"linuxParameters.{name}", at.key(f"linuxParameters.{name}").path)
                )
        caps = as_mapping(linux.get("capabilities") or {}, at.key("linuxParameters.capabilities"))
        for cap in as_list(caps.get("add") or [], at.key("linuxParameters.capabilities.add")):
            name = str(cap)
            if name.removeprefix("CAP_") != ALLOWED_CAPABILITY:
                capabilities.append((name, at.key("linuxParameters.capabilities.add").path))
    return FargateTask(
        family=str(document.get("family", "")),
        cpu=cpu,
        memory=memory,
        os=os,
        arch=arch,
        network_mode=str(document.get("networkMode") or ""),
        compatibilities=compat,
        storage_gib=storage_gib,
        parameters=tuple(parameters),
        capabilities=tuple(capabilities),
    )


def _given(value: object) -> bool:
    """A parameter counts as set when it holds something: `privileged: false`, `links: []`
    and `ipcMode: null` ask for nothing (INF: AWS documents the names, not these values)."""
    return value not in (None, False, "", [], {})


def read_launch(document: Mapping[str, object], where: Where) -> Launch:
    kinds = [key for key in ("runTask", "createService") if key in document]
    if not kinds:
        return Launch()
    if len(kinds) > 1:
        raise where.refuse("give one request: runTask or createService, not both")
    at = where.key(kinds[0])
    body = as_mapping(document[kinds[0]], at)
    providers: list[tuple[str, int, int]] = []
    strategy = body.get("capacityProviderStrategy")
    if strategy is not None:
        for n, item in enumerate(as_list(strategy, at.key("capacityProviderStrategy"))):
            it = at.key("capacityProviderStrategy").index(n)
            entry = as_mapping(item, it)
            if "capacityProvider" not in entry:  # required (CapacityProviderStrategyItem)
                raise it.refuse(
                    "capacityProvider is missing", "name FARGATE or FARGATE_SPOT in each item"
                )
            name = as_str(entry["capacityProvider"], it.key("capacityProvider"))
            providers.append(
                (
                    name,
                    as_int(entry.get("base", 0), it.key("base")),
                    as_int(entry.get("weight", 0), it.key("weight")),
                )
            )
        if len(providers) == 1 and not providers[0][1] and not providers[0][2]:
            providers = [(providers[0][0], 0, 1)]  # a lone provider takes every task
    if strategy is not None and "launchType" in body:
        raise at.refuse(
            "launchType and capacityProviderStrategy can't both be given",
            "give one of them (AWS refuses the request)",
        )
    placement = tuple(
        key for key in ("placementStrategy", "placementConstraints") if _given(body.get(key))
    )
    return Launch(
        kind=kinds[0],
        launch_type=str(body.get("launchType", "" if providers else "FARGATE")),
        providers=tuple(providers),
        platform_version=str(body.get("platformVersion") or "LATEST"),
        placement=placement,
    )


# --- Checking ---------------------------------------------------------------------


def valid_sizes(os: str) -> tuple[Size, ...]:
    windows = os != "LINUX"
    return tuple(
        Size(cpu, memory)
        for cpu, memories in SIZES.items()
        if not windows or cpu in WINDOWS_CPU
        for memory in memories
    )


def nearest_sizes(cpu: int, memory: int, os: str) -> tuple[Size, ...]:
    """The smallest valid sizes that give at least `cpu` and `memory` (none is smaller in
    both); beyond the largest size, the largest one (INF: AWS suggests nothing)."""
    covering = [s for s in valid_sizes(os) if s.cpu >= cpu and s.memory >= memory]
    if not covering:
        biggest = max(valid_sizes(os), key=lambda s: (s.cpu, s.memory))
        return (biggest,)
    found: list[Size] = []
    for size in sorted(covering, key=lambda s: (s.cpu, s.memory)):
        if all(size.memory < other.memory for other in found) and not any(
            other.cpu == size.cpu for other in found
        ):
            found.append(size)
    return tuple(found)


def spot_eligible(os: str, arch: str, platform: str) -> bool:
    """fargate-capacity-providers.html: Linux X86_64 on 1.3.0+, Linux ARM64 on 1.4.0+,
    no Windows."""
    if os != "LINUX" or not platform:
        return False
    least = "1.4.0" if arch == "ARM64" else "1.3.0"
    return _version(platform) >= _version(least)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


@dataclass(frozen=True, slots=True)
class _Adder:
    """Records findings in the order the rules are met."""

    findings: list[Finding]

    def __call__(
        self,
        rule: str,
        ok: bool,
        text: str,
        *,
        stage: Stage = Stage.REGISTER,
        aws: bool = True,
        at: str = "",
    ) -> None:
        self.findings.append(Finding(rule, ok, stage, text, aws, at))


def check(task: FargateTask, launch: Launch) -> FargateCheck:
    findings: list[Finding] = []
    add = _Adder(findings)

    windows = task.os != "LINUX"
    if "FARGATE" not in task.compatibilities:
        add(
            "requiresCompatibilities",
            False,
            "Task definition does not support launch_type FARGATE.",
            stage=Stage.LAUNCH,
        )
    if task.network_mode == "awsvpc":
        add("networkMode", True, "networkMode awsvpc: each task gets its own ENI.")
    else:
        add("networkMode", False, "Fargate only supports network mode 'awsvpc'.")
    nearest: tuple[Size, ...] = ()
    if task.cpu is None or task.memory is None:
        missing = "cpu" if task.cpu is None else "memory"
        add("size", False, f"Fargate requires task-level {missing}.", aws=False)
    else:
        valid = {(s.cpu, s.memory) for s in valid_sizes(task.os)}
        if (task.cpu, task.memory) in valid:
            add("size", True, f"{Size(task.cpu, task.memory).words} is a valid Fargate size.")
        else:
            nearest = nearest_sizes(task.cpu, task.memory, task.os)
            why = _why_invalid(task.cpu, task.os)
            add("size", False, f"Invalid 'cpu' setting for task. ({why})")
    if windows and task.arch == "ARM64":
        add(
            "runtimePlatform",
            False,
            "Windows containers on Fargate run only on X86_64; ARM64 is for Linux tasks.",
            aws=False,
        )
    if task.storage_gib is not None:
        if STORAGE_MIN_GIB <= task.storage_gib <= STORAGE_MAX_GIB:
            add("ephemeralStorage", True, f"ephemeralStorage {task.storage_gib} GiB (21–200).")
        else:
            add(
                "ephemeralStorage",
                False,
                f"ephemeralStorage.sizeInGiB {task.storage_gib} is outside 21–200 GiB.",
                aws=False,
            )
    for rule, path in task.parameters:
        add(rule, False, f"Tasks using the Fargate launch type do not support {rule}.", at=path)
    for name, path in task.capabilities:
        add(
            "linuxParameters.capabilities",
            False,
            f"capability {name}: on Fargate only SYS_PTRACE can be added.",
            aws=False,
            at=path,
        )
    platform = _platform(task, launch, add)
    if platform and not windows and task.cpu in _LINUX_ONLY_1_4 and _version(platform) < (1, 4, 0):
        add(
            "size",
            False,
            f"{task.cpu} CPU units need Linux platform 1.4.0.",
            stage=Stage.LAUNCH,
            aws=False,
        )
    if platform and task.arch == "ARM64" and not windows and _version(platform) < (1, 4, 0):
        add(
            "runtimePlatform",
            False,
            "ARM64 needs Linux platform 1.4.0.",
            stage=Stage.LAUNCH,
            aws=False,
        )
    _providers(task, launch, platform, add)
    for key in launch.placement:
        add(
            key,
            False,
            f"{key} isn't supported on Fargate: there are no container instances to choose.",
            stage=Stage.LAUNCH,
            aws=False,
        )
    return FargateCheck(task, launch, tuple(findings), platform, nearest)


def _why_invalid(cpu: int, os: str) -> str:
    if os != "LINUX" and cpu < 1024:
        return "Windows tasks need at least 1 vCPU (1024)"
    cpus = WINDOWS_CPU if os != "LINUX" else frozenset(SIZES)
    if cpu not in cpus:
        return f"{cpu} is not a Fargate CPU value ({', '.join(map(str, sorted(cpus)))})"
    memories = SIZES[cpu]
    if len(memories) == 3:
        return f"{cpu} CPU units take {', '.join(map(str, memories))} MiB"
    step = memories[1] - memories[0]
    return f"{cpu} CPU units take {memories[0]}–{memories[-1]} MiB in steps of {step}"


def _platform(task: FargateTask, launch: Launch, add: _Adder) -> str:
    """The platform version the task would run on ("" when refused)."""
    asked = launch.platform_version
    windows = task.os != "LINUX"
    versions, latest = (
        (WINDOWS_VERSIONS, WINDOWS_LATEST) if windows else (LINUX_VERSIONS, LINUX_LATEST)
    )
    family = "Windows" if windows else "Linux"
    if asked == "LATEST":
        add(
            "platformVersion",
            True,
            f"LATEST is {family} platform version {latest}.",
            stage=Stage.LAUNCH,
        )
        return latest
    state = versions.get(asked)
    if state == "current":
        add("platformVersion", True, f"{family} platform version {asked}.", stage=Stage.LAUNCH)
        return asked
    if state == "retired":
        add(
            "platformVersion",
            False,
            f"{family} platform version {asked} is retired: new tasks can't use it.",
            stage=Stage.LAUNCH,
            aws=False,
        )
        return ""
    known = ", ".join(v for v, s in versions.items() if s == "current")
    add(
        "platformVersion",
        False,
        f"{asked} is not a {family} platform version (use LATEST or {known}).",
        stage=Stage.LAUNCH,
        aws=False,
    )
    return ""


def _providers(task: FargateTask, launch: Launch, platform: str, add: _Adder) -> None:
    for name, _, _ in launch.providers:
        if name not in FARGATE_PROVIDERS:
            add(
                "capacityProvider",
                False,
                f"{name} is not a Fargate capacity provider (FARGATE or FARGATE_SPOT).",
                stage=Stage.LAUNCH,
                aws=False,
            )
    if not launch.providers and launch.launch_type not in ("FARGATE", ""):
        add(
            "launchType",
            False,
            f"launchType {launch.launch_type} does not run on Fargate.",
            stage=Stage.LAUNCH,
            aws=False,
        )
    if launch.uses_spot:
        if spot_eligible(task.os, task.arch, platform):
            add("FARGATE_SPOT", True, "FARGATE_SPOT runs this task.", stage=Stage.LAUNCH)
        elif task.os != "LINUX":
            add(
                "FARGATE_SPOT",
                False,
                "FARGATE_SPOT doesn't support Windows containers on Fargate.",
                stage=Stage.LAUNCH,
                aws=False,
            )
        elif platform:
            least = "1.4.0" if task.arch == "ARM64" else "1.3.0"
            add(
                "FARGATE_SPOT",
                False,
                f"FARGATE_SPOT runs Linux {task.arch} tasks on platform {least} or later.",
                stage=Stage.LAUNCH,
                aws=False,
            )


def read_and_check(document: Mapping[str, object], where: Where) -> FargateCheck:
    """A scenario `{taskDefinition: …, runTask|createService: …}` or a bare task
    definition, checked."""
    # `tags` comes with describe-task-definition's output ({taskDefinition, tags}).
    known = {"taskDefinition", "runTask", "createService", "description", "tags"}
    if "taskDefinition" in document:
        unknown = [str(key) for key in document if key not in known]
        if unknown:
            import difflib

            likely = difflib.get_close_matches(unknown[0], sorted(known), n=1, cutoff=0.6)
            raise where.key(unknown[0]).refuse(
                f"unknown key {unknown[0]!r}",
                f"did you mean {likely[0]!r}?"
                if likely
                else "a scenario has taskDefinition and runTask or createService",
            )
        task = read_task(
            as_mapping(document["taskDefinition"], where.key("taskDefinition")),
            where.key("taskDefinition"),
        )
        return check(task, read_launch(document, where))
    return check(read_task(document, where), Launch())
