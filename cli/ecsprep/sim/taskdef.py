"""A task definition, read from AWS's own JSON, reduced to what placement needs.

Accepts the `register-task-definition` input (`--cli-input-json`) and the
`describe-task-definition` output (`{"taskDefinition": {...}}`). Refuses what
ECS would refuse, with ECS's reason where it is known, and placeholders in any
field placement reads. Placeholders elsewhere (an image URI, a role ARN) do not
change where a task lands: they become notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from ecsprep.sim.constraints import Constraint, ConstraintType, read_constraint
from ecsprep.sim.documents import (
    Where,
    as_int,
    as_list,
    as_mapping,
    as_str,
    placeholders,
)
from ecsprep.sim.resources import read_cpu, read_memory


class NetworkMode(str, Enum):
    BRIDGE = "bridge"
    HOST = "host"
    AWSVPC = "awsvpc"
    NONE = "none"


class LaunchType(str, Enum):
    EC2 = "EC2"
    FARGATE = "FARGATE"
    EXTERNAL = "EXTERNAL"
    MANAGED_INSTANCES = "MANAGED_INSTANCES"


class Protocol(str, Enum):
    TCP = "tcp"
    UDP = "udp"


@dataclass(frozen=True, slots=True)
class PortSpec:
    container_port: int
    host_port: int | None  # None: dynamic (bridge mode, hostPort omitted or 0)
    protocol: Protocol = Protocol.TCP


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    name: str
    cpu: int = 0
    memory: int | None = None  # hard limit, MiB
    memory_reservation: int | None = None  # soft limit, MiB; what placement subtracts when set
    ports: tuple[PortSpec, ...] = ()
    gpus: int = 0

    @property
    def reserved_memory(self) -> int:
        if self.memory_reservation is not None:
            return self.memory_reservation
        return self.memory or 0


@dataclass(frozen=True, slots=True)
class TaskSpec:
    family: str
    containers: tuple[ContainerSpec, ...]
    network_mode: NetworkMode = NetworkMode.BRIDGE
    task_cpu: int | None = None  # task-level size, when given
    task_memory: int | None = None
    compatibilities: frozenset[LaunchType] = frozenset()  # empty: not stated
    constraints: tuple[Constraint, ...] = ()  # memberOf only
    required_attributes: tuple[tuple[str, str | None], ...] = ()
    revision: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def cpu(self) -> int:
        """CPU units placement reserves: the task-level value, else the containers' sum."""
        if self.task_cpu is not None:
            return self.task_cpu
        return sum(container.cpu for container in self.containers)

    @property
    def memory(self) -> int:
        """MiB placement reserves: task-level, else the sum of each container's
        memoryReservation (or memory when no reservation is set)."""
        if self.task_memory is not None:
            return self.task_memory
        return sum(container.reserved_memory for container in self.containers)

    @property
    def gpus(self) -> int:
        return sum(container.gpus for container in self.containers)

    @property
    def windows_cpu(self) -> int:
        """CPU units on a Windows instance: task-level CPU is ignored there."""
        return sum(container.cpu for container in self.containers)

    @property
    def windows_memory(self) -> int:
        """MiB on a Windows instance: task-level memory is ignored there."""
        return sum(container.reserved_memory for container in self.containers)

    @property
    def default_group(self) -> str:
        return f"family:{self.family}"

    @property
    def name(self) -> str:
        return f"{self.family}:{self.revision}" if self.revision else self.family


def one_container_task(
    *,
    cpu: int,
    memory: int,
    ports: tuple[PortSpec, ...] = (),
    network_mode: NetworkMode = NetworkMode.BRIDGE,
    family: str = "sim",
) -> TaskSpec:
    """The task the quick-experiment flags describe (--cpu, --memory, --port,
    --network-mode), refused where RegisterTaskDefinition would refuse its document."""
    if ports and network_mode is NetworkMode.NONE:
        raise Where("--port").refuse(
            "port mappings are not allowed when networkMode is none",
            "leave out --port or use --network-mode bridge, host or awsvpc",
        )
    if network_mode is not NetworkMode.BRIDGE:
        for port in ports:
            if port.host_port is not None and port.host_port != port.container_port:
                raise Where("--port").refuse(
                    f"When networkMode={network_mode.value}, the host ports and container "
                    "ports in port mappings must match.",
                    f"write --port {port.container_port} or "
                    f"--port {port.container_port}:{port.container_port}",
                )
        ports = tuple(
            PortSpec(port.container_port, port.container_port, port.protocol) for port in ports
        )
    spec = TaskSpec(
        family=family,
        containers=(ContainerSpec(name="app", cpu=cpu, memory=memory, ports=ports),),
        network_mode=network_mode,
        # as for a registered definition: an awsvpc task needs task-eni (_required_attributes)
        required_attributes=((TASK_ENI, None),) if network_mode is NetworkMode.AWSVPC else (),
    )
    check_ports(spec, Where("--port"))
    return spec


_FAMILY = re.compile(r"[A-Za-z0-9_-]{1,255}")
_TASK_KEYS = frozenset(
    [
        "family",
        "taskRoleArn",
        "executionRoleArn",
        "networkMode",
        "containerDefinitions",
        "volumes",
        "placementConstraints",
        "requiresCompatibilities",
        "cpu",
        "memory",
        "tags",
        "pidMode",
        "ipcMode",
        "proxyConfiguration",
        "inferenceAccelerators",
        "ephemeralStorage",
        "runtimePlatform",
        "enableFaultInjection",
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
    ]
)
_CONTAINER_KEYS = frozenset(
    [
        "name",
        "image",
        "repositoryCredentials",
        "cpu",
        "memory",
        "memoryReservation",
        "links",
        "portMappings",
        "essential",
        "restartPolicy",
        "entryPoint",
        "command",
        "environment",
        "environmentFiles",
        "mountPoints",
        "volumesFrom",
        "linuxParameters",
        "secrets",
        "dependsOn",
        "startTimeout",
        "stopTimeout",
        "versionConsistency",
        "hostname",
        "user",
        "workingDirectory",
        "disableNetworking",
        "privileged",
        "readonlyRootFilesystem",
        "dnsServers",
        "dnsSearchDomains",
        "extraHosts",
        "dockerSecurityOptions",
        "interactive",
        "pseudoTerminal",
        "dockerLabels",
        "ulimits",
        "logConfiguration",
        "healthCheck",
        "systemControls",
        "resourceRequirements",
        "firelensConfiguration",
        "credentialSpecs",
    ]
)
_PORT_KEYS = frozenset(
    ["containerPort", "hostPort", "protocol", "name", "appProtocol", "containerPortRange"]
)
_LIKELY = {"portBindings": "portMappings", "Memory": "memory", "Cpu": "cpu"}


def read_task_definition(data: object, where: Where) -> TaskSpec:
    """A TaskSpec from register-task-definition input or describe-task-definition output."""
    document = as_mapping(data, where, "a task definition object")
    if "taskDefinition" in document and "containerDefinitions" not in document:
        where = where.key("taskDefinition")
        document = as_mapping(document["taskDefinition"], where, "a task definition object")
    _refuse_unknown(document, _TASK_KEYS, where, "the task definition")
    family = _read_family(document, where)
    mode = _read_network_mode(document, where)
    raw_containers = document.get("containerDefinitions")
    if raw_containers is None:
        raise where.refuse("containerDefinitions is missing", "a task needs at least one container")
    containers_at = where.key("containerDefinitions")
    items = as_list(raw_containers, containers_at, "a list of container definitions")
    if not items:
        raise containers_at.refuse("a task needs at least one container definition")
    containers = tuple(
        _read_container(item, containers_at.index(n), mode) for n, item in enumerate(items)
    )
    spec = TaskSpec(
        family=family,
        containers=containers,
        network_mode=mode,
        task_cpu=_optional(document, "cpu", where, read_cpu),
        task_memory=_optional(document, "memory", where, read_memory),
        compatibilities=_read_compatibilities(document, where),
        constraints=_read_constraints(document, where),
        required_attributes=_required_attributes(document, where, mode),
        revision=_optional(document, "revision", where, as_int),
        notes=tuple(
            f"{place.path}: placeholder {text} left in a field placement does not read"
            for place, text in placeholders(document, where)
        ),
    )
    if (
        "requiresCompatibilities" in document
        and LaunchType.FARGATE in spec.compatibilities
        and mode is not NetworkMode.AWSVPC
    ):
        # RegisterTaskDefinition refuses it (OBS; fargate-task-networking.html: "Fargate
        # tasks require the awsvpc network mode")
        raise where.key(
            "networkMode" if "networkMode" in document else "requiresCompatibilities"
        ).refuse(
            FARGATE_NEEDS_AWSVPC,
            "use networkMode awsvpc (each task gets its own ENI), or drop FARGATE from "
            "requiresCompatibilities",
        )
    _check_sizes(spec, where)
    check_ports(spec, containers_at)
    return spec


def check_ports(spec: TaskSpec, where: Where) -> None:
    """ECS refuses a task that maps one host port twice (per protocol)."""
    seen: set[tuple[int, Protocol]] = set()
    for container in spec.containers:
        for port in container.ports:
            if port.host_port is None:
                continue
            key = (port.host_port, port.protocol)
            if key in seen:
                raise where.refuse(
                    f"{port.protocol.value.upper()} host port '{port.host_port}' "
                    "is mapped multiple times in task.",
                    "give each container its own host port, or use dynamic ports (hostPort 0)",
                )
            seen.add(key)


def _read_family(document: Mapping[str, object], where: Where) -> str:
    if "family" not in document:
        raise where.refuse("family is missing", 'add "family": "my-app"')
    family = as_str(document["family"], where.key("family"))
    if not _FAMILY.fullmatch(family):
        raise where.key("family").refuse(
            f"{family!r} is not a valid family: up to 255 letters (uppercase and lowercase), "
            "numbers, underscores, and hyphens are allowed"
        )
    return family


def _read_network_mode(document: Mapping[str, object], where: Where) -> NetworkMode:
    if document.get("networkMode") is None:
        return NetworkMode.BRIDGE  # the default on Linux when none is given
    text = as_str(document["networkMode"], where.key("networkMode"))
    try:
        return NetworkMode(text)
    except ValueError:
        raise where.key("networkMode").refuse(
            f"{text!r} is not a network mode", "use bridge, host, awsvpc or none"
        ) from None


def _read_container(data: object, where: Where, mode: NetworkMode) -> ContainerSpec:
    container = as_mapping(data, where, "a container definition object")
    _refuse_unknown(container, _CONTAINER_KEYS, where, "a container definition")
    name = as_str(container.get("name", ""), where.key("name"))
    if not name:
        raise where.key("name").refuse("a container needs a name")
    memory = _optional(container, "memory", where, as_int)
    reservation = _optional(container, "memoryReservation", where, as_int)
    if memory is not None and reservation is not None and reservation > memory:
        raise where.refuse(
            f"Invalid setting for container '{name}': memoryReservation ({reservation}) "
            f"must be lower than memory ({memory})"
        )
    ports_at = where.key("portMappings")
    raw_ports = container.get("portMappings") or []
    if isinstance(raw_ports, Mapping):
        raise ports_at.refuse(
            "portMappings must be a list of {containerPort, hostPort, protocol} objects, "
            "not one object",
            'write "portMappings": [{"containerPort": 80}]',
        )
    mappings = as_list(raw_ports, ports_at)
    if mappings and mode is NetworkMode.NONE:
        raise ports_at.refuse(
            "port mappings are not allowed when networkMode is none",
            "remove portMappings or use bridge, host or awsvpc",
        )
    ports = tuple(
        port
        for n, item in enumerate(mappings)
        if (port := _read_port(item, ports_at.index(n), mode, name)) is not None
    )
    _refuse_two_protocols(ports, ports_at, name)
    return ContainerSpec(
        name=name,
        cpu=_optional(container, "cpu", where, as_int) or 0,
        memory=memory,
        memory_reservation=reservation,
        ports=ports,
        gpus=_read_gpus(container, where),
    )


def _refuse_two_protocols(ports: tuple[PortSpec, ...], where: Where, container: str) -> None:
    """API_PortMapping: "You can't expose the same container port for multiple protocols. If
    you attempt this, an error is returned." (The error's text isn't documented.)"""
    protocols: dict[int, Protocol] = {}
    for port in ports:
        first = protocols.setdefault(port.container_port, port.protocol)
        if first is not port.protocol:
            raise where.refuse(
                f"container '{container}' exposes container port {port.container_port} for "
                f"both {first.value} and {port.protocol.value}: ECS doesn't allow one container "
                "port for multiple protocols",
                "keep one protocol for that port (a DNS server on 53 needs two containers or "
                "another port)",
            )


def _read_port(data: object, where: Where, mode: NetworkMode, container: str) -> PortSpec | None:
    mapping = as_mapping(data, where, "a port mapping object")
    _refuse_unknown(mapping, _PORT_KEYS, where, "a port mapping")
    if "containerPort" not in mapping and "containerPortRange" in mapping:
        return None  # a port range: not simulated (docs/simulator.md)
    container_port = as_int(mapping.get("containerPort"), where.key("containerPort"))
    if not 1 <= container_port <= 65535:
        raise where.key("containerPort").refuse(
            f"Invalid 'containerPort' setting for container '{container}'",
            "use a port between 1 and 65535",
        )
    host_port = _optional(mapping, "hostPort", where, as_int) or None
    protocol_text = as_str(mapping.get("protocol", "tcp"), where.key("protocol")).lower()
    try:
        protocol = Protocol(protocol_text)
    except ValueError:
        raise where.key("protocol").refuse(
            f"{protocol_text!r} is not a protocol", "use tcp or udp"
        ) from None
    if mode in (NetworkMode.AWSVPC, NetworkMode.HOST):
        if host_port is not None and host_port != container_port:
            raise where.refuse(
                f"When networkMode={mode.value}, the host ports and container ports "
                "in port mappings must match.",
                f"set hostPort to {container_port} or leave it out",
            )
        host_port = container_port
    if host_port is not None and not 1 <= host_port <= 65535:
        raise where.key("hostPort").refuse(f"{host_port} is not a port number")
    return PortSpec(container_port, host_port, protocol)


def _read_gpus(container: Mapping[str, object], where: Where) -> int:
    total = 0
    requirements_at = where.key("resourceRequirements")
    for n, item in enumerate(as_list(container.get("resourceRequirements") or [], requirements_at)):
        requirement = as_mapping(item, requirements_at.index(n))
        if requirement.get("type") == "GPU":
            total += as_int(requirement.get("value"), requirements_at.index(n).key("value"))
    return total


def _read_compatibilities(document: Mapping[str, object], where: Where) -> frozenset[LaunchType]:
    key = "requiresCompatibilities" if "requiresCompatibilities" in document else "compatibilities"
    at = where.key(key)
    found: set[LaunchType] = set()
    for n, item in enumerate(as_list(document.get(key) or [], at)):
        text = as_str(item, at.index(n))
        try:
            found.add(LaunchType(text))
        except ValueError:
            raise at.index(n).refuse(
                f"{text!r} is not a launch type", "use EC2, FARGATE or EXTERNAL"
            ) from None
    return frozenset(found)


def _read_constraints(document: Mapping[str, object], where: Where) -> tuple[Constraint, ...]:
    at = where.key("placementConstraints")
    constraints = []
    for n, item in enumerate(as_list(document.get("placementConstraints") or [], at)):
        constraint = read_constraint(item, at.index(n))
        if constraint.type is not ConstraintType.MEMBER_OF:
            raise at.index(n).refuse(
                "only memberOf constraints are allowed in a task definition",
                "give distinctInstance in the RunTask or CreateService request instead",
            )
        constraints.append(constraint)
    return tuple(constraints)


TASK_ENI = "ecs.capability.task-eni"
# RegisterTaskDefinition's ClientException for FARGATE with another network mode (OBS).
FARGATE_NEEDS_AWSVPC = "Fargate only supports network mode 'awsvpc'."


def _required_attributes(
    document: Mapping[str, object], where: Where, mode: NetworkMode
) -> tuple[tuple[str, str | None], ...]:
    """The attributes an instance must carry: `requiresAttributes` of describe output,
    or, for register-task-definition input, what ECS derives from the definition.
    An awsvpc task always needs ecs.capability.task-eni (task-networking-awsvpc.html)."""
    if "requiresAttributes" in document or "taskDefinitionArn" in document:
        found = list(_read_required_attributes(document, where))
    else:
        found = [(name, None) for name in implied_attributes(document, mode)]
    if mode is NetworkMode.AWSVPC and all(name != TASK_ENI for name, _ in found):
        found.append((TASK_ENI, None))
    return tuple(found)


def implied_attributes(document: Mapping[str, object], mode: NetworkMode) -> list[str]:
    """The capabilities ECS records in `requiresAttributes` when it registers this
    definition, as describe-task-definition outputs show them (docs/simulator.md):
    the docker-remote-api versions are left out (every supported agent has them)."""
    names: list[str] = []

    def need(name: str) -> None:
        if name not in names:
            names.append(name)

    if mode is NetworkMode.AWSVPC:
        need(TASK_ENI)
    if document.get("taskRoleArn"):
        need(
            "com.amazonaws.ecs.capability.task-iam-role-network-host"
            if mode is NetworkMode.HOST
            else "com.amazonaws.ecs.capability.task-iam-role"
        )
    execution_role = bool(document.get("executionRoleArn"))
    containers = document.get("containerDefinitions")
    for container in containers if isinstance(containers, list) else ():
        if not isinstance(container, Mapping):
            continue
        logging = container.get("logConfiguration")
        driver = logging.get("logDriver") if isinstance(logging, Mapping) else None
        if isinstance(driver, str) and driver:
            need(f"com.amazonaws.ecs.capability.logging-driver.{driver}")
            if driver == "awslogs" and execution_role:
                need("ecs.capability.execution-role-awslogs")
        image = container.get("image")
        if isinstance(image, str) and ".dkr.ecr." in image:
            need("com.amazonaws.ecs.capability.ecr-auth")
            if execution_role:
                need("ecs.capability.execution-role-ecr-pull")
        if container.get("healthCheck"):
            need("ecs.capability.container-health-check")
        if container.get("privileged") is True:
            need("com.amazonaws.ecs.capability.privileged-container")
        if container.get("dependsOn"):
            need("ecs.capability.container-ordering")
        secrets = container.get("secrets")
        for secret in secrets if isinstance(secrets, list) else ():
            source = secret.get("valueFrom") if isinstance(secret, Mapping) else None
            if isinstance(source, str):
                kind = "asm" if ":secretsmanager:" in source else "ssm"
                need(f"ecs.capability.secrets.{kind}.environment-variables")
    return names


def _read_required_attributes(
    document: Mapping[str, object], where: Where
) -> tuple[tuple[str, str | None], ...]:
    at = where.key("requiresAttributes")
    found = []
    for n, item in enumerate(as_list(document.get("requiresAttributes") or [], at)):
        attribute = as_mapping(item, at.index(n))
        name = as_str(attribute.get("name"), at.index(n).key("name"))
        value = attribute.get("value")
        found.append((name, as_str(value, at.index(n).key("value")) if value is not None else None))
    return tuple(found)


def _check_sizes(spec: TaskSpec, where: Where) -> None:
    if spec.task_memory is None:
        for n, container in enumerate(spec.containers):
            if container.memory is None and container.memory_reservation is None:
                raise (
                    where.key("containerDefinitions")
                    .index(n)
                    .refuse(
                        f"Invalid setting for container '{container.name}'. At least one of "
                        "'memory' or 'memoryReservation' must be specified.",
                        "set the container's memory, or a task-level memory",
                    )
                )
    else:
        reserved = sum(container.reserved_memory for container in spec.containers)
        if reserved > spec.task_memory:
            raise where.key("memory").refuse(
                f"the containers reserve {reserved} MiB, "
                f"more than the task's {spec.task_memory} MiB",
                "raise the task-level memory or lower the containers' memory",
            )
    if spec.task_cpu is not None:
        shares = sum(container.cpu for container in spec.containers)
        if shares > spec.task_cpu:
            raise where.key("cpu").refuse(
                f"the containers use {shares} CPU units, more than the task's {spec.task_cpu}",
                "raise the task-level cpu or lower the containers' cpu",
            )


def _refuse_unknown(
    document: Mapping[str, object], known: frozenset[str], where: Where, what: str
) -> None:
    for key in document:
        if key not in known:
            likely = _LIKELY.get(str(key))
            raise where.refuse(
                f'Unknown parameter in {what}: "{key}"',
                f'did you mean "{likely}"?' if likely else "remove it or fix its spelling",
            )


def _optional(
    document: Mapping[str, object], key: str, where: Where, reader: Callable[[object, Where], int]
) -> int | None:
    value = document.get(key)
    if value is None:
        return None
    return reader(value, where.key(key))
