"""A scenario: the cluster, the task definition, running tasks and one request.

A scenario file (YAML or JSON) uses AWS's own shapes:

    description: one line shown by `--list`
    containerInstances: [...]   # describe-container-instances output, a list, or a path
    fleet: [3xm5.large@us-east-1a,us-east-1b]   # or made-up instances (--fleet syntax)
    taskDefinition: {...}       # register input, describe output, or a path
    tasks: [...]                # running tasks: containerInstanceArn, group, lastStatus…
    runTask: {...}              # count, group, placementStrategy, placementConstraints, launchType
    createService: {...}        # serviceName, desiredCount, placementStrategy, placementConstraints
    seed: 7                     # optional: seeded random tie-breaks

Command-line flags override the file (`Overrides`), so that quick experiments
need no file at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from ecsprep.sim.capacity import FARGATE_PROVIDERS, CapacityItem, read_capacity_strategy
from ecsprep.sim.constraints import MAX_CONSTRAINTS, Constraint, read_constraint
from ecsprep.sim.documents import (
    Where,
    as_int,
    as_list,
    as_mapping,
    as_str,
    check_values,
    read_document,
)
from ecsprep.sim.instances import MAX_INSTANCES, Instance, parse_fleet, read_instances
from ecsprep.sim.resources import read_cpu, read_memory
from ecsprep.sim.strategies import (
    MAX_STRATEGIES,
    RANDOM,
    SPREAD_AZ,
    SPREAD_INSTANCE,
    Strategy,
    read_strategy,
)
from ecsprep.sim.taskdef import (
    LaunchType,
    NetworkMode,
    PortSpec,
    Protocol,
    TaskSpec,
    one_container_task,
    read_task_definition,
)

RUN_TASK_MAX_COUNT = 10  # AWS: RunTask places at most 10 tasks per call
# AWS's words for it (RunTask API reference, `count`); the quota is not adjustable
# (service-quotas.html, "Tasks launched (count) per run-task").
RUN_TASK_COUNT_TEXT = "You can specify up to 10 tasks for each call."
# AWS's default quotas that can be raised (service-quotas.html): a run above them
# gets a note, not a refusal, because the account's raised quota is not known.
TASKS_PER_SERVICE_QUOTA = 5_000
INSTANCES_PER_CLUSTER_QUOTA = 5_000
# The simulator's own bounds, far above the quotas: a run stays within a few
# minutes and a few GB whatever the input (docs/simulator.md, "Speed").
MAX_TASKS = 1_000_000
# The ephemeral range the load-balancer guide prints for the ECS-optimized AMI
# ("such as 32768 to 61000"); the API's fallback is 49153-65535 (docs/simulator.md).
DEFAULT_EPHEMERAL_RANGE = (32768, 61000)
_SCENARIO_KEYS = frozenset(
    [
        "description",
        "containerInstances",
        "fleet",
        "taskDefinition",
        "tasks",
        "runTask",
        "createService",
        "updateService",
        "seed",
        "ephemeralPortRange",
    ]
)


# The request shapes of the ECS API reference (RunTask, CreateService, UpdateService).
RUN_TASK_KEYS = frozenset(
    [
        "cluster",
        "count",
        "group",
        "launchType",
        "capacityProviderStrategy",
        "placementStrategy",
        "placementConstraints",
        "taskDefinition",
        "networkConfiguration",
        "overrides",
        "platformVersion",
        "propagateTags",
        "referenceId",
        "startedBy",
        "tags",
        "enableECSManagedTags",
        "enableExecuteCommand",
        "clientToken",
        "volumeConfigurations",
    ]
)
SERVICE_KEYS = frozenset(
    [
        "cluster",
        "serviceName",
        "service",
        "taskDefinition",
        "availabilityZoneRebalancing",
        "loadBalancers",
        "serviceRegistries",
        "desiredCount",
        "clientToken",
        "launchType",
        "capacityProviderStrategy",
        "platformVersion",
        "role",
        "deploymentConfiguration",
        "placementConstraints",
        "placementStrategy",
        "networkConfiguration",
        "healthCheckGracePeriodSeconds",
        "schedulingStrategy",
        "deploymentController",
        "tags",
        "enableECSManagedTags",
        "propagateTags",
        "enableExecuteCommand",
        "serviceConnectConfiguration",
        "volumeConfigurations",
        "vpcLatticeConfigurations",
        "forceNewDeployment",
    ]
)


def refuse_unknown_keys(
    document: Mapping[str, object], known: frozenset[str], where: Where, what: str
) -> None:
    """A misspelt key would silently drop what it holds (a constraint…): refuse it."""
    import difflib

    for key in document:
        if key not in known:
            likely = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
            raise where.refuse(
                f'Unknown parameter in {what}: "{key}"',
                f'did you mean "{likely[0]}"?' if likely else "remove it or fix its spelling",
            )


# The members of AWS's Task (describe-tasks output, API_Task), which a scenario's `tasks`
# entries are, and GetTaskProtection's `protectionEnabled`, which may be folded into one.
# Anything else is a misspelling that would silently drop what it holds (`ports:` for the
# containers' networkBindings), so it is refused like a misspelt request key.
_TASK_KEYS = frozenset(
    [
        "attachments",
        "attributes",
        "availabilityZone",
        "capacityProviderName",
        "clusterArn",
        "connectivity",
        "connectivityAt",
        "containerInstanceArn",
        "containers",
        "cpu",
        "createdAt",
        "desiredStatus",
        "enableExecuteCommand",
        "ephemeralStorage",
        "executionStoppedAt",
        "fargateEphemeralStorage",
        "group",
        "healthStatus",
        "inferenceAccelerators",
        "lastStatus",
        "launchType",
        "memory",
        "overrides",
        "platformFamily",
        "platformVersion",
        "protectionEnabled",
        "pullStartedAt",
        "pullStoppedAt",
        "startedAt",
        "startedBy",
        "stopCode",
        "stoppedAt",
        "stoppedReason",
        "stoppingAt",
        "tags",
        "taskArn",
        "taskDefinitionArn",
        "version",
    ]
)


class RequestKind(str, Enum):
    RUN_TASK = "RunTask"
    SERVICE = "CreateService"


@dataclass(frozen=True, slots=True)
class RunningTask:
    """A task already on an instance before the simulation starts."""

    instance_arn: str
    group: str
    cpu: int = 0
    memory: int = 0
    ports_tcp: frozenset[int] = frozenset()
    ports_udp: frozenset[int] = frozenset()
    uses_eni: bool = False
    protected: bool = False  # task scale-in protection
    arn: str = ""
    # desiredStatus STOPPED but not stopped yet: it still holds its resources and
    # ports, but placement goes by desired status, so it no longer counts for its group.
    leaving: bool = False
    gpus: int = 0  # GPUs pinned to the task (DescribeTasks containers[].gpuIds)
    dynamic: int = 0  # host ports in the ephemeral range: not among the 100 reserved
    pending: bool = False  # lastStatus PENDING (draining stops these at once)


@dataclass(frozen=True, slots=True)
class Request:
    kind: RequestKind = RequestKind.RUN_TASK
    count: int = 1  # RunTask count, or the service's desiredCount
    group: str | None = None  # None: family:<family> (RunTask) or service:<name>
    service_name: str | None = None
    strategies: tuple[Strategy, ...] | None = None  # None: the documented default
    constraints: tuple[Constraint, ...] = ()
    launch_type: LaunchType = LaunchType.EC2
    # capacityProviderStrategy: Fargate providers run as FARGATE, Auto Scaling group ones on
    # the instances that name them
    capacity: tuple[CapacityItem, ...] = ()
    # networkConfiguration given in the request file; None: no request file (flags only)
    network_configured: bool | None = None
    daemon: bool = False  # schedulingStrategy DAEMON: one task on each instance that qualifies
    # deploymentConfiguration: the bounds on a service's tasks while instances drain
    maximum_percent: int = 200
    minimum_healthy_percent: int = 100


@dataclass(frozen=True, slots=True)
class Scenario:
    instances: tuple[Instance, ...]
    task: TaskSpec
    request: Request = field(default_factory=Request)
    running: tuple[RunningTask, ...] = ()
    seed: int | None = None  # None: ties go to the first instance in registration order
    ephemeral_range: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE
    description: str = ""
    name: str = ""

    @property
    def group(self) -> str:
        if self.request.group:
            return self.request.group
        if self.request.kind is RequestKind.SERVICE:
            return f"service:{self.request.service_name}"
        return self.task.default_group

    @property
    def strategies(self) -> tuple[Strategy, ...]:
        if self.request.strategies is not None:
            return self.request.strategies
        return default_strategies(self.request.kind)

    @property
    def constraints(self) -> tuple[Constraint, ...]:
        """The task definition's constraints and the request's: both apply."""
        return self.task.constraints + self.request.constraints


def default_strategies(kind: RequestKind) -> tuple[Strategy, ...]:
    """RunTask: random. A service: spread over AZs, then over instances
    (the scheduler's own description; the named default is the AZ spread)."""
    if kind is RequestKind.SERVICE:
        return (SPREAD_AZ, SPREAD_INSTANCE)
    return (RANDOM,)


@dataclass(frozen=True, slots=True)
class Overrides:
    """What the command-line flags say; None / empty means "not given"."""

    instances_file: Path | None = None
    fleet: tuple[str, ...] = ()
    task_definition_file: Path | None = None
    cpu: int | None = None
    memory: int | None = None
    ports: tuple[str, ...] = ()
    network_mode: NetworkMode | None = None
    count: int | None = None
    group: str | None = None
    service: str | None = None
    strategies: tuple[Strategy, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    launch_type: LaunchType | None = None
    seed: int | None = None

    @property
    def describes_task(self) -> bool:
        return bool(
            self.cpu is not None or self.memory is not None or self.ports or self.network_mode
        )


SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


def shipped_scenarios() -> dict[str, Path]:
    """The example scenarios that ship with ecsprep, by name (the file's stem)."""
    from ecsprep.data import shipped_scenarios_dir

    folder = shipped_scenarios_dir()
    if not folder.is_dir():
        return {}
    return {
        path.stem: path
        for path in sorted(folder.iterdir())
        if path.suffix in SCENARIO_SUFFIXES and path.is_file()
    }


def load_scenario(path: Path | None, overrides: Overrides) -> Scenario:
    """A Scenario from an optional file plus the flags."""
    if path is None:
        return build_scenario({}, Where("(flags)"), Path.cwd(), overrides)
    data = read_document(path)
    document = as_mapping(data or {}, Where(str(path)), "a scenario object")
    scenario = build_scenario(document, Where(str(path)), path.parent, overrides)
    return replace(scenario, name=path.stem)


def build_scenario(
    document: Mapping[str, object], where: Where, base: Path, overrides: Overrides
) -> Scenario:
    check_values(document, where)  # a check's scenario comes from a pack, not read_document
    for key in document:
        if key not in _SCENARIO_KEYS:
            raise where.refuse(
                f"unknown scenario key {key!r}", f"known keys: {', '.join(sorted(_SCENARIO_KEYS))}"
            )
    task = _task(document, where, base, overrides)
    instances = _instances(document, where, base, overrides)
    request = _request(document, where, overrides)
    ephemeral = _ephemeral_range(document, where)
    running = _running(document, where, instances, task, ephemeral)
    seed = overrides.seed
    if seed is None and document.get("seed") is not None:
        seed = as_int(document["seed"], where.key("seed"))
    description = document.get("description", "")
    scenario = Scenario(
        instances=tuple(instances),
        task=task,
        request=request,
        running=tuple(running),
        seed=seed,
        ephemeral_range=ephemeral,
        description=as_str(description, where.key("description")) if description else "",
    )
    _check_limits(scenario, where)
    _check_providers(scenario, where)
    return scenario


def _task(
    document: Mapping[str, object], where: Where, base: Path, overrides: Overrides
) -> TaskSpec:
    if overrides.task_definition_file is not None:
        if overrides.describes_task:
            raise Where("--task-definition").refuse(
                "cannot be combined with --cpu, --memory, --port or --network-mode",
                "describe the task either in a file or with flags",
            )
        file = overrides.task_definition_file
        return read_task_definition(read_document(file), Where(str(file)))
    raw = document.get("taskDefinition")
    if raw is not None and not overrides.describes_task:
        at = where.key("taskDefinition")
        if isinstance(raw, str):
            file = base / raw
            return read_task_definition(_named_file(base, raw, at), Where(str(file)))
        return read_task_definition(raw, at)
    ports = tuple(parse_port(text) for text in overrides.ports)
    return one_container_task(
        cpu=256 if overrides.cpu is None else overrides.cpu,
        memory=512 if overrides.memory is None else overrides.memory,
        ports=ports,
        network_mode=overrides.network_mode or NetworkMode.BRIDGE,
    )


def parse_port(text: str) -> PortSpec:
    """--port CONTAINER[:HOST][/udp]: `80` is dynamic, `80:80` a static host port."""
    where = Where("--port", repr(text))
    body, _, protocol_text = text.strip().partition("/")
    container_text, _, host_text = body.partition(":")
    try:
        protocol = Protocol((protocol_text or "tcp").lower())
        container = int(container_text)
        host = int(host_text) if host_text else None
    except ValueError:
        raise where.refuse(
            "a port is CONTAINER[:HOST][/udp]", "for example --port 80 (dynamic) or --port 80:80"
        ) from None
    for port in (container, host or 1):  # host 0 (or none) is dynamic; container 0 is no port
        if not 1 <= port <= 65535:
            raise where.refuse(f"{port} is not a port number")
    return PortSpec(container, host or None, protocol)


def _named_file(base: Path, name: str, at: Where) -> object:
    """A document a scenario names by file name; a name that isn't a file is refused at
    the place that names it (the file's own problems are reported in the file)."""
    file = base / name
    try:
        found = bool(name.strip()) and file.is_file()
    except OSError:  # a name too long for the file system (ENAMETOOLONG), …
        found = False
    if not found:
        raise at.refuse(
            f"{name!r} names no file (looked for {file})",
            "name a JSON or YAML file beside the scenario, or write its content here",
        )
    return read_document(file)


def _instances(
    document: Mapping[str, object], where: Where, base: Path, overrides: Overrides
) -> list[Instance]:
    instances: list[Instance] = []
    if overrides.instances_file is not None or overrides.fleet:
        if overrides.instances_file is not None:
            file = overrides.instances_file
            instances.extend(read_instances(read_document(file), Where(str(file))))
        instances.extend(parse_fleet(list(overrides.fleet), start=len(instances)))
    else:
        raw = document.get("containerInstances")
        if isinstance(raw, str):
            file = base / raw
            at = where.key("containerInstances")
            instances.extend(read_instances(_named_file(base, raw, at), Where(str(file))))
        elif raw is not None:
            instances.extend(read_instances(raw, where.key("containerInstances")))
        fleet_at = where.key("fleet")
        specs = [
            as_str(item, fleet_at.index(n))
            for n, item in enumerate(as_list(document.get("fleet") or [], fleet_at))
        ]
        instances.extend(parse_fleet(specs, start=len(instances), at=fleet_at))
    seen: set[str] = set()
    for instance in instances:
        if instance.arn in seen:
            raise where.refuse(f"the container instance {instance.arn} is listed twice")
        seen.add(instance.arn)
    return instances


def _request(document: Mapping[str, object], where: Where, overrides: Overrides) -> Request:
    run = document.get("runTask")
    create = document.get("createService") is not None
    if create and document.get("updateService") is not None:
        raise where.refuse("give createService or updateService, not both")
    service_key = "createService" if create else "updateService"
    service = document.get(service_key)
    if run is not None and service is not None:
        raise where.refuse(f"give runTask or {service_key}, not both")
    if overrides.service == "":
        raise Where("--service").refuse("a service needs a name", _SERVICE_NAME_HINT)
    request = Request()
    if service is not None or (overrides.service is not None and run is None):
        request = _service_request(service, where, overrides, create=create)
    elif run is not None:
        request = _run_task_request(run, where.key("runTask"))
        if overrides.service is not None:  # --service turns the file's RunTask into a service
            request = replace(
                request, kind=RequestKind.SERVICE, service_name=overrides.service, group=None
            )
    return _apply_flags(request, overrides)


def _run_task_request(data: object, where: Where) -> Request:
    document = as_mapping(data, where, "a RunTask request")
    refuse_unknown_keys(document, RUN_TASK_KEYS, where, "the RunTask request")
    group = document.get("group")
    capacity = _capacity(document, where)
    count = as_int(document.get("count", 1), where.key("count"), minimum=1)
    if count > RUN_TASK_MAX_COUNT:
        raise where.key("count").refuse(
            f"{count}: {RUN_TASK_COUNT_TEXT}",
            "AWS refuses the call; to simulate several calls in a row, give the count with "
            "--count instead",
        )
    return Request(
        kind=RequestKind.RUN_TASK,
        count=count,
        group=as_str(group, where.key("group")) if group else None,
        strategies=_strategies(document, where),
        constraints=_constraints(document, where),
        launch_type=(
            LaunchType.FARGATE
            if _on_fargate(capacity)
            else LaunchType.EC2
            if capacity
            else _launch_type(document, where)
        ),
        capacity=capacity,
        network_configured=document.get("networkConfiguration") is not None,
    )


# CreateService's serviceName: "Up to 255 letters (uppercase and lowercase), numbers,
# underscores, and hyphens are allowed" (API_CreateService); an empty one is refused.
_SERVICE_NAME_HINT = "name it with up to 255 letters, numbers, hyphens and underscores"


def _service_request(data: object, where: Where, overrides: Overrides, *, create: bool) -> Request:
    # A mistake is reported at the key the file uses (an UpdateService's at updateService).
    at = where.key("createService" if create else "updateService")
    document = as_mapping(
        data or {}, at, "a CreateService request" if create else "an UpdateService request"
    )
    refuse_unknown_keys(document, SERVICE_KEYS, at, "the service request")
    name = overrides.service
    if name is None:
        if "serviceName" not in document and "service" not in document:
            raise at.refuse("serviceName is missing")
        name = as_str(document.get("serviceName", document.get("service")), at.key("serviceName"))
        if not name:
            raise at.key("serviceName").refuse("a service needs a name", _SERVICE_NAME_HINT)
    capacity = _capacity(document, at)
    strategy_text = as_str(
        document.get("schedulingStrategy", "REPLICA"), at.key("schedulingStrategy")
    )
    if strategy_text not in ("REPLICA", "DAEMON"):
        raise at.key("schedulingStrategy").refuse(
            f"{strategy_text!r} is not a scheduling strategy", "use REPLICA or DAEMON"
        )
    daemon = strategy_text == "DAEMON"
    if daemon:
        count = 0  # one per qualifying instance: worked out when placing
    elif "desiredCount" in document:
        count = as_int(document["desiredCount"], at.key("desiredCount"))
    elif overrides.count is not None or not create:
        count = 1  # --count gives it; UpdateService keeps the service's count
    else:
        raise at.refuse(
            "desiredCount is missing: CreateService needs it for the REPLICA scheduling strategy",
            "add desiredCount (the number of tasks to keep running), or give --count",
        )
    maximum, minimum = _deployment_configuration(document, at)
    return Request(
        kind=RequestKind.SERVICE,
        count=count,
        service_name=name,
        maximum_percent=maximum,
        minimum_healthy_percent=minimum,
        strategies=_strategies(document, at),
        constraints=_constraints(document, at),
        launch_type=(
            LaunchType.FARGATE
            if _on_fargate(capacity)
            else LaunchType.EC2
            if capacity
            else _launch_type(document, at)
        ),
        capacity=capacity,
        # UpdateService keeps the service's network configuration: nothing to check there
        network_configured=(
            document.get("networkConfiguration") is not None if data and create else None
        ),
        daemon=daemon,
    )


def _deployment_configuration(document: Mapping[str, object], where: Where) -> tuple[int, int]:
    """maximumPercent (default 200) and minimumHealthyPercent (default 100): DeploymentConfiguration
    in the API reference. UpdateService without them keeps the service's: the defaults (**INF**)."""
    if document.get("deploymentConfiguration") is None:
        return 200, 100
    at = where.key("deploymentConfiguration")
    config = as_mapping(document["deploymentConfiguration"], at, "a deploymentConfiguration object")
    maximum = as_int(config.get("maximumPercent", 200), at.key("maximumPercent"))
    minimum = as_int(config.get("minimumHealthyPercent", 100), at.key("minimumHealthyPercent"))
    return maximum, minimum


# AWS's InvalidParameterException for an awsvpc task without networkConfiguration; the
# API reference: "required for task definitions that use the awsvpc network mode".
AWSVPC_NEEDS_NETWORK = (
    "Network Configuration must be provided when networkMode 'awsvpc' is specified."
)

# AWS's own InvalidParameterException text.
_BOTH_LAUNCH_TYPE_AND_STRATEGY = (
    "Specifying both a launch type and capacity provider strategy is not supported. "
    "Remove one and try again."
)
_KEEP_ONE = "keep the launch type or the capacityProviderStrategy, not both"


def _capacity(document: Mapping[str, object], where: Where) -> tuple[CapacityItem, ...]:
    """A request's capacityProviderStrategy. Fargate providers run the tasks as FARGATE;
    placing tasks across Auto Scaling group providers isn't simulated, so say so."""
    if document.get("capacityProviderStrategy") is None:
        return ()
    at = where.key("capacityProviderStrategy")
    if document.get("launchType") is not None:
        raise where.refuse(_BOTH_LAUNCH_TYPE_AND_STRATEGY, _KEEP_ONE)
    return read_capacity_strategy(document["capacityProviderStrategy"], at)


def _on_fargate(capacity: tuple[CapacityItem, ...]) -> bool:
    """A strategy of FARGATE/FARGATE_SPOT runs as FARGATE; one of Auto Scaling
    group providers (never mixed: read_capacity_strategy) runs on EC2 instances."""
    return bool(capacity) and all(item.provider in FARGATE_PROVIDERS for item in capacity)


def _check_providers(scenario: Scenario, where: Where) -> None:
    """Auto Scaling group providers place on the instances that name them
    (capacityProviderName of describe-container-instances)."""
    capacity = scenario.request.capacity
    if not capacity or _on_fargate(capacity):
        return
    named = {instance.capacity_provider for instance in scenario.instances}
    if named <= {None}:
        raise where.refuse(
            "the request has an Auto Scaling group capacity provider strategy, but no container "
            "instance names its capacity provider",
            "give describe-container-instances output (each instance's capacityProviderName), "
            "or a fleet such as 3xm5.large@us-east-1a:my-asg-provider",
        )


def _apply_flags(request: Request, overrides: Overrides) -> Request:
    changes: dict[str, object] = {}
    if overrides.count is not None:
        changes["count"] = overrides.count
    if overrides.group is not None:
        if request.kind is RequestKind.SERVICE:
            raise Where("--group").refuse(
                "a service's tasks are always in the group service:<name>", "drop --group"
            )
        changes["group"] = overrides.group
    if overrides.strategies:
        changes["strategies"] = overrides.strategies
    if overrides.constraints:
        changes["constraints"] = overrides.constraints
    if overrides.launch_type is not None:
        if request.capacity:
            raise Where("--launch-type").refuse(_BOTH_LAUNCH_TYPE_AND_STRATEGY, _KEEP_ONE)
        changes["launch_type"] = overrides.launch_type
    return replace(request, **changes)  # type: ignore[arg-type]


def _strategies(document: Mapping[str, object], where: Where) -> tuple[Strategy, ...] | None:
    if document.get("placementStrategy") is None:
        return None
    at = where.key("placementStrategy")
    return tuple(
        read_strategy(item, at.index(n))
        for n, item in enumerate(as_list(document["placementStrategy"], at))
    )


def _constraints(document: Mapping[str, object], where: Where) -> tuple[Constraint, ...]:
    at = where.key("placementConstraints")
    items = as_list(document.get("placementConstraints") or [], at)
    return tuple(read_constraint(item, at.index(n)) for n, item in enumerate(items))


def _launch_type(document: Mapping[str, object], where: Where) -> LaunchType:
    text = as_str(document.get("launchType", "EC2"), where.key("launchType"))
    try:
        return LaunchType(text)
    except ValueError:
        raise where.key("launchType").refuse(
            f"{text!r} is not a launch type", "use EC2 or FARGATE"
        ) from None


def _running(
    document: Mapping[str, object],
    where: Where,
    instances: list[Instance],
    task: TaskSpec,
    ephemeral: tuple[int, int] = DEFAULT_EPHEMERAL_RANGE,
) -> list[RunningTask]:
    """The tasks already on the instances. A task on its way out (lastStatus
    STOPPING, or desiredStatus STOPPED) no longer counts for its group but still
    holds what it holds: a STOPPING task its CPU, memory, GPUs and host ports, a
    DEPROVISIONING one only its ENI (the awsvpc task's network interface is being
    detached). STOPPED tasks hold nothing."""
    at = where.key("tasks")
    by_name: dict[str, str] = {}
    for instance in instances:
        for name in (instance.arn, instance.short_id, instance.ec2_instance_id):
            by_name.setdefault(name, instance.arn)
    running = []
    for n, item in enumerate(as_list(document.get("tasks") or [], at)):
        place = at.index(n)
        entry = as_mapping(item, place, "a task object")
        refuse_unknown_keys(
            entry, _TASK_KEYS, place, "a task (AWS's Task, as describe-tasks gives it)"
        )
        status = as_str(entry.get("lastStatus", "RUNNING"), place.key("lastStatus"))
        if status == "STOPPED":
            continue  # a stopped task holds nothing
        ref = as_str(entry.get("containerInstanceArn", ""), place.key("containerInstanceArn"))
        if ref not in by_name:
            raise place.key("containerInstanceArn").refuse(
                f"{ref!r} is not one of the scenario's container instances",
                "use a containerInstanceArn (or its last part) from containerInstances",
            )
        group = as_str(entry.get("group", task.default_group), place.key("group"))
        cpu = read_cpu(entry["cpu"], place.key("cpu")) if "cpu" in entry else task.cpu
        memory = (
            read_memory(entry["memory"], place.key("memory")) if "memory" in entry else task.memory
        )
        tcp, udp = _bindings(entry, place)
        gpus = _gpu_ids(entry, place)
        if gpus is None:
            gpus = task.gpus if group == task.default_group else 0
        if "attachments" in entry:
            listed_at = place.key("attachments")
            attachments = [  # AWS's Attachment objects: an ENI's type is ElasticNetworkInterface
                as_mapping(a, listed_at.index(n), "an attachment object")
                for n, a in enumerate(as_list(entry.get("attachments") or [], listed_at))
            ]
            uses_eni = any(a.get("type") == "ElasticNetworkInterface" for a in attachments)
        else:  # a task of this definition without its attachments listed
            uses_eni = group == task.default_group and task.network_mode is NetworkMode.AWSVPC
        desired = as_str(entry.get("desiredStatus", "RUNNING"), place.key("desiredStatus"))
        leaving = desired == "STOPPED" or status in ("STOPPING", "DEPROVISIONING")
        if status == "DEPROVISIONING":  # its containers have stopped: only the ENI is held
            cpu = memory = gpus = 0
            tcp = udp = frozenset()
        first, last = ephemeral
        running.append(
            RunningTask(
                instance_arn=by_name[ref],
                group=group,
                cpu=cpu,
                memory=memory,
                ports_tcp=tcp,
                ports_udp=udp,
                uses_eni=uses_eni,
                protected=entry.get("protectionEnabled") is True,
                arn=as_str(entry.get("taskArn", ""), place.key("taskArn")),
                leaving=leaving,
                gpus=gpus,
                dynamic=sum(1 for port in (*tcp, *udp) if first <= port <= last),
                pending=status == "PENDING",
            )
        )
    return running


def _gpu_ids(entry: Mapping[str, object], where: Where) -> int | None:
    """GPUs pinned to a described task: its containers' gpuIds (None: not given)."""
    found: int | None = None
    containers_at = where.key("containers")
    for n, container in enumerate(as_list(entry.get("containers") or [], containers_at)):
        body = as_mapping(container, containers_at.index(n))
        if "gpuIds" in body:
            ids_at = containers_at.index(n).key("gpuIds")
            ids = as_list(body["gpuIds"] or [], ids_at)
            for m, value in enumerate(ids):
                as_str(value, ids_at.index(m))
            found = (found or 0) + len(ids)
    return found


def _bindings(entry: Mapping[str, object], where: Where) -> tuple[frozenset[int], frozenset[int]]:
    tcp: set[int] = set()
    udp: set[int] = set()
    containers_at = where.key("containers")
    for n, container in enumerate(as_list(entry.get("containers") or [], containers_at)):
        bindings_at = containers_at.index(n).key("networkBindings")
        body = as_mapping(container, containers_at.index(n))
        for m, binding in enumerate(as_list(body.get("networkBindings") or [], bindings_at)):
            item = as_mapping(binding, bindings_at.index(m))
            port = as_int(item.get("hostPort"), bindings_at.index(m).key("hostPort"))
            (udp if item.get("protocol") == "udp" else tcp).add(port)
    return frozenset(tcp), frozenset(udp)


def _ephemeral_range(document: Mapping[str, object], where: Where) -> tuple[int, int]:
    raw = document.get("ephemeralPortRange")
    if raw is None:
        return DEFAULT_EPHEMERAL_RANGE
    at = where.key("ephemeralPortRange")
    items = as_list(raw, at, "a list [first, last]")
    if len(items) != 2:
        raise at.refuse("expected [first, last], e.g. [32768, 60999]")
    first, last = (as_int(item, at.index(n), minimum=1) for n, item in enumerate(items))
    if not first <= last <= 65535:
        raise at.refuse(f"{first}-{last} is not a port range")
    return first, last


def _check_limits(scenario: Scenario, where: Where) -> None:
    if len(scenario.strategies) > MAX_STRATEGIES:
        raise where.refuse(
            f"{len(scenario.strategies)} placement strategies: AWS allows at most {MAX_STRATEGIES}"
        )
    if len(scenario.constraints) > MAX_CONSTRAINTS:
        raise where.refuse(
            f"{len(scenario.constraints)} placement constraints (task definition and request "
            f"together): AWS allows at most {MAX_CONSTRAINTS}"
        )
    if scenario.request.kind is RequestKind.RUN_TASK and scenario.request.count < 1:
        raise where.refuse("RunTask needs a count of at least 1")
    if scenario.request.count > MAX_TASKS:
        raise where.refuse(
            f"{scenario.request.count:,} tasks: the simulator runs at most {MAX_TASKS:,} "
            f"(AWS's default quota is {TASKS_PER_SERVICE_QUOTA:,} tasks per service and "
            f"{RUN_TASK_MAX_COUNT} per RunTask call)",
            "give a smaller count",
        )
    if len(scenario.instances) > MAX_INSTANCES:
        raise where.refuse(
            f"{len(scenario.instances):,} container instances: the simulator takes at most "
            f"{MAX_INSTANCES:,} (AWS's default quota is {INSTANCES_PER_CLUSTER_QUOTA:,} "
            "container instances per cluster)",
            "give fewer instances",
        )
    launch = scenario.request.launch_type
    if (
        scenario.task.network_mode is NetworkMode.AWSVPC
        and scenario.request.network_configured is False
    ):
        request = "runTask" if scenario.request.kind is RequestKind.RUN_TASK else "createService"
        raise where.key(request).refuse(
            AWSVPC_NEEDS_NETWORK,
            "add networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-…], "
            "securityGroups: [sg-…]}}",
        )
    allowed = scenario.task.compatibilities
    if allowed and launch not in allowed:
        raise where.refuse(
            f"Task definition does not support launch_type {launch.value}.",
            f"the task definition is compatible with {', '.join(sorted(t.value for t in allowed))}",
        )
    if scenario.request.daemon and launch is not LaunchType.EC2:
        raise where.refuse(
            "Fargate tasks don't support the DAEMON scheduling strategy.",
            "use schedulingStrategy REPLICA with a desiredCount",
        )
    if launch is LaunchType.EC2 and not scenario.instances:
        # FARGATE needs none: AWS runs the task on its own capacity.
        raise where.refuse(
            "the cluster has no container instances",
            "give containerInstances in the scenario, --instances FILE, or --fleet 3xm5.large",
        )
    if launch not in (LaunchType.EC2, LaunchType.FARGATE):
        raise where.refuse(
            f"the simulator places EC2 tasks (and explains FARGATE); "
            f"{launch.value} is not simulated"
        )
