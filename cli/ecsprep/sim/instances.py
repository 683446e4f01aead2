"""Container instances: read from `describe-container-instances`, or made by `--fleet`.

Accepted shapes: the whole `describe-container-instances` output
(`{"containerInstances": [...]}`), a plain list of instances, a single
`{"containerInstance": {...}}` (deregister / update-state output), and an
EventBridge "ECS Container Instance State Change" event (its `detail`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Literal

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str, kind_of

# Ports the agent reserves on every instance by default. The API reference lists
# 22, 2375, 2376 and 51678-51680; the agent only reserves 51680 when Prometheus
# metrics are on. The docs win: 51680 is included (docs/simulator.md).
DEFAULT_RESERVED_PORTS = frozenset({22, 2375, 2376, 51678, 51679, 51680})


class InstanceStatus(str, Enum):
    ACTIVE = "ACTIVE"
    DRAINING = "DRAINING"
    INACTIVE = "INACTIVE"
    REGISTERING = "REGISTERING"
    DEREGISTERING = "DEREGISTERING"
    REGISTRATION_FAILED = "REGISTRATION_FAILED"


@dataclass(frozen=True, slots=True)
class InstanceType:
    vcpus: int
    memory_mib: int  # what the agent registers (approximate unless measured)
    max_enis: int  # network interfaces, the primary one included
    gpus: int = 0
    arm: bool = False


# A small table for --fleet. Registered memory: measured values where a source
# gives one (c5.large 3705, t2.micro 985 in the AWS CLI examples; m4.large 7985
# in the memory-management guide), else about 94% of the nominal memory.
def _approx(gib: float) -> int:
    return int(gib * 1024 * 0.94)


INSTANCE_TYPES: Mapping[str, InstanceType] = {
    "t2.micro": InstanceType(1, 985, 2),
    "t2.small": InstanceType(1, _approx(2), 3),
    "t2.medium": InstanceType(2, _approx(4), 3),
    "t2.large": InstanceType(2, _approx(8), 3),
    "t3.micro": InstanceType(2, _approx(1), 2),
    "t3.small": InstanceType(2, _approx(2), 3),
    "t3.medium": InstanceType(2, _approx(4), 3),
    "t3.large": InstanceType(2, _approx(8), 3),
    "t3.xlarge": InstanceType(4, _approx(16), 4),
    "t4g.small": InstanceType(2, _approx(2), 3, arm=True),
    "t4g.medium": InstanceType(2, _approx(4), 3, arm=True),
    "m4.large": InstanceType(2, 7985, 2),
    "m5.large": InstanceType(2, _approx(8), 3),
    "m5.xlarge": InstanceType(4, _approx(16), 4),
    "m5.2xlarge": InstanceType(8, _approx(32), 4),
    "m5.4xlarge": InstanceType(16, _approx(64), 8),
    "m6g.large": InstanceType(2, _approx(8), 3, arm=True),
    "m6g.xlarge": InstanceType(4, _approx(16), 4, arm=True),
    "c5.large": InstanceType(2, 3705, 3),
    "c5.xlarge": InstanceType(4, _approx(8), 4),
    "c5.2xlarge": InstanceType(8, _approx(16), 4),
    "c6g.large": InstanceType(2, _approx(4), 3, arm=True),
    "r5.large": InstanceType(2, _approx(16), 3),
    "r5.xlarge": InstanceType(4, _approx(32), 4),
    "g4dn.xlarge": InstanceType(4, _approx(16), 3, gpus=1),
    "p2.xlarge": InstanceType(4, _approx(61), 4, gpus=1),
    "p3.2xlarge": InstanceType(8, _approx(61), 4, gpus=1),
    "inf1.xlarge": InstanceType(4, _approx(8), 4),
}

# ENI trunking: an instance with the `ecs.awsvpc-trunk-id` attribute has a trunk
# network interface and the "Task limit with ENI trunking" of the developer guide's
# table (container-instance-eni.html, "Supported Amazon EC2 instance types"):
# awsvpc tasks it can run, not ENIs. Every size the table lists for the families
# below; the page names a1.metal, c5.metal, c5d.metal, m5.metal and r5.8xlarge as
# not supported, and the c5n, m5n, m5dn, r5n and r5dn families, so they are absent.
# A literal, row for row, so that it can be read against the page.
TRUNK_ATTRIBUTE = "ecs.awsvpc-trunk-id"

TRUNKED_TASK_LIMITS: Mapping[str, int] = {
    "a1.medium": 10, "a1.large": 10, "a1.xlarge": 20, "a1.2xlarge": 40, "a1.4xlarge": 60,
    "m5.large": 10, "m5.xlarge": 20, "m5.2xlarge": 40, "m5.4xlarge": 60,
    "m5.8xlarge": 60, "m5.12xlarge": 60, "m5.16xlarge": 120, "m5.24xlarge": 120,
    "m5a.large": 10, "m5a.xlarge": 20, "m5a.2xlarge": 40, "m5a.4xlarge": 60,
    "m5a.8xlarge": 60, "m5a.12xlarge": 60, "m5a.16xlarge": 120, "m5a.24xlarge": 120,
    "m5ad.large": 10, "m5ad.xlarge": 20, "m5ad.2xlarge": 40, "m5ad.4xlarge": 60,
    "m5ad.8xlarge": 60, "m5ad.12xlarge": 60, "m5ad.16xlarge": 120, "m5ad.24xlarge": 120,
    "m5d.large": 10, "m5d.xlarge": 20, "m5d.2xlarge": 40, "m5d.4xlarge": 60,
    "m5d.8xlarge": 60, "m5d.12xlarge": 60, "m5d.16xlarge": 120, "m5d.24xlarge": 120,
    "m5d.metal": 120,
    "c5.large": 10, "c5.xlarge": 20, "c5.2xlarge": 40, "c5.4xlarge": 60,
    "c5.9xlarge": 60, "c5.12xlarge": 60, "c5.18xlarge": 120, "c5.24xlarge": 120,
    "c5d.large": 10, "c5d.xlarge": 20, "c5d.2xlarge": 40, "c5d.4xlarge": 60,
    "c5d.9xlarge": 60, "c5d.12xlarge": 60, "c5d.18xlarge": 120, "c5d.24xlarge": 120,
    "r5.large": 10, "r5.xlarge": 20, "r5.2xlarge": 40, "r5.4xlarge": 60,
    "r5.12xlarge": 60, "r5.16xlarge": 120, "r5.24xlarge": 120,
    "r5a.large": 10, "r5a.xlarge": 20, "r5a.2xlarge": 40, "r5a.4xlarge": 60,
    "r5a.8xlarge": 60, "r5a.12xlarge": 60, "r5a.16xlarge": 120, "r5a.24xlarge": 120,
    "r5ad.large": 10, "r5ad.xlarge": 20, "r5ad.2xlarge": 40, "r5ad.4xlarge": 60,
    "r5ad.8xlarge": 60, "r5ad.12xlarge": 60, "r5ad.16xlarge": 120, "r5ad.24xlarge": 120,
    "r5d.large": 10, "r5d.xlarge": 20, "r5d.2xlarge": 40, "r5d.4xlarge": 60,
    "r5d.8xlarge": 60, "r5d.12xlarge": 60, "r5d.16xlarge": 120, "r5d.24xlarge": 120,
    "p3.2xlarge": 40, "p3.8xlarge": 60, "p3.16xlarge": 120,
}  # fmt: skip

# What a current ECS-optimized AMI's agent registers (a representative subset).
FLEET_CAPABILITIES = (
    "com.amazonaws.ecs.capability.logging-driver.awslogs",
    "com.amazonaws.ecs.capability.logging-driver.json-file",
    "com.amazonaws.ecs.capability.ecr-auth",
    "com.amazonaws.ecs.capability.task-iam-role",
    "com.amazonaws.ecs.capability.privileged-container",
    "ecs.capability.execution-role-awslogs",
    "ecs.capability.execution-role-ecr-pull",
    "ecs.capability.task-eni",
    "ecs.capability.container-health-check",
)


@dataclass(frozen=True, slots=True)
class Instance:
    """A container instance as given (before this simulation places anything)."""

    arn: str
    ec2_instance_id: str
    registered_cpu: int
    registered_memory: int
    remaining_cpu: int | None = None  # None: registered minus the given running tasks
    remaining_memory: int | None = None
    ports_tcp: frozenset[int] = DEFAULT_RESERVED_PORTS  # taken: agent's and tasks' host ports
    ports_udp: frozenset[int] = frozenset()
    gpus: int = 0
    status: InstanceStatus = InstanceStatus.ACTIVE
    agent_connected: bool = True
    agent_version: str = ""
    registered_at: datetime | None = None
    attributes: Mapping[str, str | None] = field(default_factory=dict)
    running_tasks_count: int = 0
    remaining_gpus: int | None = None  # GPU IDs left (remainingResources), when given
    windows: bool = False  # ecs.os-type windows: task-level CPU and memory are ignored
    # Fleet instances stand for a current agent: they meet any capability a task requires.
    all_capabilities: bool = False
    capacity_provider: str | None = None  # capacityProviderName (describe output), if any

    @property
    def availability_zone(self) -> str | None:
        return self.attributes.get("ecs.availability-zone")

    @property
    def instance_type(self) -> str | None:
        return self.attributes.get("ecs.instance-type")

    @property
    def trunked(self) -> bool:
        return TRUNK_ATTRIBUTE in self.attributes

    @property
    def task_eni_limit(self) -> int | None:
        """awsvpc tasks the instance can run, when its type is known: the trunked
        task limit with ENI trunking, else its ENIs less the primary one."""
        if self.trunked:
            return TRUNKED_TASK_LIMITS.get(self.instance_type or "")
        known = INSTANCE_TYPES.get(self.instance_type or "")
        return None if known is None else known.max_enis - 1

    @property
    def short_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


# Attribute names and values: "between 1 and 128 characters" (Attribute, API reference).
MAX_ATTRIBUTE_LENGTH = 128
# The simulator's own bound on a cluster (AWS's default quota is 5,000 per cluster).
MAX_INSTANCES = 100_000

_FLEET = re.compile(
    r"\s*(\d+)\s*[xX*]\s*([a-z0-9-]+\.[a-z0-9-]+)\s*(?:@\s*([^:]+?))?\s*(?::\s*([A-Za-z0-9_-]+)\s*)?"
)
FLEET_ACCOUNT = "111122223333"


def parse_fleet(specs: list[str], *, start: int = 0, at: Where | None = None) -> list[Instance]:
    """`3xm5.large@us-east-1a,us-east-1b` → 3 m5.large spread round-robin over the AZs;
    `…:asg-spot` puts them in the Auto Scaling group capacity provider asg-spot.

    `at`: where the list is in a scenario file (errors then name the file, not --fleet)."""
    made: list[Instance] = []
    for n, spec in enumerate(specs):
        where = Where("--fleet", repr(spec)) if at is None else at.index(n)
        found = _FLEET.fullmatch(spec)
        if found is None:
            raise where.refuse(
                "a fleet is COUNTxTYPE[@AZ,AZ…][:CAPACITY_PROVIDER]",
                "for example --fleet 3xm5.large@us-east-1a,us-east-1b",
            )
        count, type_name, zones_text = int(found.group(1)), found.group(2), found.group(3)
        provider = found.group(4)
        known = INSTANCE_TYPES.get(type_name)
        if known is None:
            raise where.refuse(
                f"unknown instance type {type_name!r}",
                f"known types: {', '.join(sorted(INSTANCE_TYPES))}; "
                "or pass real instances with --instances",
            )
        if not 1 <= count <= MAX_INSTANCES - start - len(made):
            raise where.refuse(
                f"the count must be between 1 and {MAX_INSTANCES:,} instances in all, not {count}"
            )
        zones = [zone.strip() for zone in (zones_text or "us-east-1a").split(",") if zone.strip()]
        for n in range(count):
            made.append(
                fleet_instance(type_name, zones[n % len(zones)], start + len(made) + 1, provider)
            )
    return made


_FLEET_CAPABILITY_ATTRIBUTES: Mapping[str, None] = dict.fromkeys(FLEET_CAPABILITIES)
_FLEET_REGISTERED_AT = datetime(2024, 1, 1, tzinfo=timezone.utc)


def fleet_instance(type_name: str, zone: str, number: int, provider: str | None = None) -> Instance:
    known = INSTANCE_TYPES[type_name]
    region = zone[:-1] if zone[-1:].isalpha() else zone
    attributes: dict[str, str | None] = {
        "ecs.instance-type": type_name,
        "ecs.availability-zone": zone,
        "ecs.os-type": "linux",
        "ecs.os-family": "LINUX",
        "ecs.cpu-architecture": "arm64" if known.arm else "x86_64",
        **_FLEET_CAPABILITY_ATTRIBUTES,
    }
    return Instance(
        arn=f"arn:aws:ecs:{region}:{FLEET_ACCOUNT}:container-instance/sim/ci-{number:04d}",
        ec2_instance_id=f"i-{number:017x}",
        registered_cpu=known.vcpus * 1024,
        registered_memory=known.memory_mib,
        gpus=known.gpus,
        agent_version="1.89.0",
        registered_at=_FLEET_REGISTERED_AT,
        attributes=attributes,
        all_capabilities=True,
        capacity_provider=provider,
    )


def read_instances(data: object, where: Where) -> list[Instance]:
    """Instances from any of the accepted shapes (module docstring)."""
    if isinstance(data, Mapping):
        if "containerInstances" in data:
            where = where.key("containerInstances")
            items = as_list(data["containerInstances"], where)
            return _read_all(items, where)
        if "containerInstance" in data:
            return [read_instance(data["containerInstance"], where.key("containerInstance"))]
        if data.get("detail-type") == "ECS Container Instance State Change":
            return [read_instance(data.get("detail"), where.key("detail"))]
        if "containerInstanceArn" in data:
            return [read_instance(data, where)]
    if isinstance(data, list):
        return _read_all(data, where)
    raise where.refuse(
        'expected describe-container-instances output ({"containerInstances": [...]}) '
        "or a list of container instances"
    )


def _read_all(items: list[object], where: Where) -> list[Instance]:
    read: list[Instance] = []
    for n, item in enumerate(items):
        instance = _read_plain(item)
        read.append(instance if instance is not None else _read_located(item, where.index(n)))
    return read


def read_instance(data: object, where: Where) -> Instance:
    """One instance. A describe output without surprises is read without a single
    `Where` (10,000 instances would build about 600,000 of them for nothing); the
    rest, and every instance with something wrong, is read again by the reader that
    knows where each value is, for the message."""
    instance = _read_plain(data)
    return instance if instance is not None else _read_located(data, where)


_STATUSES: Mapping[str, InstanceStatus] = {status.value: status for status in InstanceStatus}


def _plain_text(value: object) -> bool:
    """A string as_str takes without a second look (no placeholder can be in it)."""
    return type(value) is str and "$" not in value and "{" not in value


def _read_plain(data: object) -> Instance | None:
    """The instance, if every value it reads is one the located reader accepts as
    it stands; else None (the located reader then accepts, converts or refuses).

    Its answers equal `_read_located`'s (a property test holds them to it)."""
    if type(data) is not dict:
        return None
    arn = data.get("containerInstanceArn")
    if not _plain_text(arn):
        return None
    registered = _plain_resources(data.get("registeredResources"))
    remaining = (
        _plain_resources(data.get("remainingResources")) if "remainingResources" in data else {}
    )
    if registered is None or remaining is None:
        return None
    registered_cpu = _plain_amount(registered.get("CPU"))
    registered_memory = _plain_amount(registered.get("MEMORY"))
    if registered_cpu is None or registered_memory is None:
        return None
    remaining_cpu = remaining_memory = remaining_gpus = None
    if "CPU" in remaining and (remaining_cpu := _plain_amount(remaining["CPU"])) is None:
        return None
    if "MEMORY" in remaining and (remaining_memory := _plain_amount(remaining["MEMORY"])) is None:
        return None
    taken = remaining if "PORTS" in remaining else registered
    ports_tcp = _plain_ports(taken["PORTS"]) if "PORTS" in taken else DEFAULT_RESERVED_PORTS
    ports_udp = _plain_ports(taken["PORTS_UDP"]) if "PORTS_UDP" in taken else frozenset()
    gpus = _plain_strings(registered["GPU"]) if "GPU" in registered else []
    if "GPU" in remaining:
        free = _plain_strings(remaining["GPU"])
        if free is None:
            return None
        remaining_gpus = len(free)
    if ports_tcp is None or ports_udp is None or gpus is None:
        return None
    status_text = data.get("status", "ACTIVE")
    status = _STATUSES.get(status_text) if type(status_text) is str else None
    if status is None:
        return None
    version_info = data.get("versionInfo")
    agent_version = ""
    if isinstance(version_info, Mapping) and version_info.get("agentVersion") is not None:
        agent_version = version_info["agentVersion"]
        if not _plain_text(agent_version):
            return None
    connected = data.get("agentConnected", True)
    ec2_instance_id = data.get("ec2InstanceId", arn.rsplit("/", 1)[-1])  # type: ignore[union-attr]
    running = data.get("runningTasksCount", 0)
    if type(connected) is not bool or not _plain_text(ec2_instance_id):
        return None
    if type(running) is not int or running < 0:
        return None
    registered_at = _plain_time(data.get("registeredAt"))
    attributes = _plain_attributes(data.get("attributes"))
    if registered_at is False or attributes is None:
        return None
    provider = data.get("capacityProviderName")
    if provider is not None and not _plain_text(provider):
        return None
    return Instance(
        arn=arn,  # type: ignore[arg-type]
        ec2_instance_id=ec2_instance_id,  # type: ignore[arg-type]
        registered_cpu=registered_cpu,
        registered_memory=registered_memory,
        remaining_cpu=remaining_cpu,
        remaining_memory=remaining_memory,
        ports_tcp=ports_tcp,
        ports_udp=ports_udp,
        gpus=len(gpus),
        status=status,
        agent_connected=connected,
        agent_version=agent_version,
        registered_at=registered_at,
        attributes=attributes,
        running_tasks_count=running,
        remaining_gpus=remaining_gpus,
        windows=attributes.get("ecs.os-type") == "windows",
        capacity_provider=provider,
    )


def _plain_resources(value: object) -> dict[str, dict[str, object]] | None:
    if not value:  # missing, null or empty: no resources (`or []`)
        return {} if value is None or value == [] else None
    if type(value) is not list:
        return None
    found: dict[str, dict[str, object]] = {}
    for entry in value:
        if type(entry) is not dict:
            return None
        name = entry.get("name", "")
        if not _plain_text(name):
            return None
        found[name] = entry
    return found


def _plain_amount(entry: dict[str, object] | None) -> int | None:
    if entry is None:
        return None
    kind = entry.get("type")
    key = _VALUE_KEYS.get(kind) if isinstance(kind, str) else None
    if key is None:
        key = next((k for k in ("integerValue", "longValue", "doubleValue") if k in entry), "")
    value = entry.get(key) if key else None
    if type(value) is not int or value < 0 or value > _MAX_VALUE[key]:
        return None
    return value


def _plain_strings(entry: dict[str, object]) -> list[str] | None:
    values = entry.get("stringSetValue")
    if not values:
        return [] if values is None or values == [] else None
    if type(values) is not list:
        return None
    for value in values:
        if not _plain_text(value):
            return None
    return values


def _plain_ports(entry: dict[str, object]) -> frozenset[int] | None:
    texts = _plain_strings(entry)
    if texts is None:
        return None
    ports = set()
    for text in texts:
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 5):
            return None
        ports.add(int(digits))
    return frozenset(ports)


def _plain_time(value: object) -> datetime | Literal[False] | None:
    """registeredAt, or False when the located reader must look (it refuses or converts)."""
    if value is None:
        return None
    kind = type(value)
    try:
        if kind is float or kind is int:
            return datetime.fromtimestamp(value, tz=timezone.utc)  # type: ignore[arg-type]
        if kind is str and _plain_text(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))  # type: ignore[attr-defined]
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return False
    return False


def _plain_attributes(value: object) -> dict[str, str | None] | None:
    if not value:
        return {} if value is None or value == [] else None
    if type(value) is not list:
        return None
    found: dict[str, str | None] = {}
    for attribute in value:
        if type(attribute) is not dict:
            return None
        name = attribute.get("name", "")
        text = attribute.get("value")
        if not _plain_text(name) or len(name) > MAX_ATTRIBUTE_LENGTH:
            return None
        if text is not None and (not _plain_text(text) or len(text) > MAX_ATTRIBUTE_LENGTH):
            return None
        found[name] = text
    return found


def _read_located(data: object, where: Where) -> Instance:
    document = as_mapping(data, where, "a container instance object")
    if "containerInstanceArn" not in document:
        raise where.refuse(
            "containerInstanceArn is missing", "paste describe-container-instances output"
        )
    arn = as_str(document["containerInstanceArn"], where.key("containerInstanceArn"))
    registered = _read_resources(document, "registeredResources", where)
    remaining = (
        _read_resources(document, "remainingResources", where)
        if "remainingResources" in document
        else {}
    )
    for name in ("CPU", "MEMORY"):
        if name not in registered:
            raise where.key("registeredResources").refuse(
                f"no {name} entry", "describe-container-instances lists CPU and MEMORY"
            )
    taken = remaining if "PORTS" in remaining else registered
    status_text = as_str(document.get("status", "ACTIVE"), where.key("status"))
    try:
        status = InstanceStatus(status_text)
    except ValueError:
        raise where.key("status").refuse(
            f"{status_text!r} is not a container instance status"
        ) from None
    version_info = document.get("versionInfo")
    agent_version = ""
    if isinstance(version_info, Mapping) and version_info.get("agentVersion") is not None:
        agent_version = as_str(version_info["agentVersion"], where.key("versionInfo.agentVersion"))
    connected = document.get("agentConnected", True)
    if not isinstance(connected, bool):
        raise where.key("agentConnected").refuse("expected true or false")
    attributes = _read_attributes(document, where)
    provider = document.get("capacityProviderName")
    return Instance(
        arn=arn,
        ec2_instance_id=as_str(
            document.get("ec2InstanceId", arn.rsplit("/", 1)[-1]), where.key("ec2InstanceId")
        ),
        registered_cpu=_integer(registered["CPU"]),
        registered_memory=_integer(registered["MEMORY"]),
        remaining_cpu=_integer(remaining["CPU"]) if "CPU" in remaining else None,
        remaining_memory=_integer(remaining["MEMORY"]) if "MEMORY" in remaining else None,
        ports_tcp=_ports(taken.get("PORTS")) if "PORTS" in taken else DEFAULT_RESERVED_PORTS,
        ports_udp=_ports(taken.get("PORTS_UDP")),
        gpus=len(_strings(registered.get("GPU"))),
        status=status,
        agent_connected=connected,
        agent_version=agent_version,
        registered_at=_read_time(document.get("registeredAt"), where.key("registeredAt")),
        attributes=attributes,
        running_tasks_count=as_int(
            document.get("runningTasksCount", 0), where.key("runningTasksCount")
        ),
        remaining_gpus=len(_strings(remaining["GPU"])) if "GPU" in remaining else None,
        windows=attributes.get("ecs.os-type") == "windows",
        capacity_provider=(
            None if provider is None else as_str(provider, where.key("capacityProviderName"))
        ),
    )


def _read_resources(
    document: Mapping[str, object], key: str, where: Where
) -> dict[str, tuple[Mapping[str, object], Where]]:
    at = where.key(key)
    found: dict[str, tuple[Mapping[str, object], Where]] = {}
    for n, item in enumerate(as_list(document.get(key) or [], at)):
        entry = as_mapping(item, at.index(n), "a resource object")
        found[as_str(entry.get("name", ""), at.index(n).key("name"))] = (entry, at.index(n))
    return found


# The Resource shape: integerValue is an Integer, longValue a Long, doubleValue
# a Double; `type` says which one holds the value (INTEGER, LONG, DOUBLE).
_VALUE_KEYS = {"INTEGER": "integerValue", "LONG": "longValue", "DOUBLE": "doubleValue"}
_MAX_VALUE = {"integerValue": 2**31 - 1, "longValue": 2**63 - 1, "doubleValue": 2**63 - 1}


def _integer(found: tuple[Mapping[str, object], Where]) -> int:
    """A CPU or MEMORY amount: a whole number, not negative, of the key its type names."""
    entry, where = found
    kind = entry.get("type")
    if isinstance(kind, str) and kind in _VALUE_KEYS:
        key = _VALUE_KEYS[kind]
    else:
        key = next((k for k in ("integerValue", "longValue", "doubleValue") if k in entry), "")
    if not key or entry.get(key) is None:
        raise where.refuse(
            f"no integerValue for {entry.get('name')}",
            "describe-container-instances gives CPU and MEMORY as integerValue",
        )
    value = entry[key]
    at = where.key(key)
    if isinstance(value, int) and not isinstance(value, bool):
        amount = value
    elif key == "doubleValue" and isinstance(value, float) and value.is_integer():
        amount = int(value)
    else:
        raise at.refuse(
            f"expected a whole number, found {kind_of(value)}",
            f'write it as a JSON number, e.g. "{key}": 2048',
        )
    if amount < 0:
        raise at.refuse(
            f"{_shown(amount)} is negative: an instance never has less than nothing left"
        )
    if amount > _MAX_VALUE[key]:
        raise at.refuse(f"{_shown(amount)} is more than {key} can hold ({_MAX_VALUE[key]})")
    return amount


def _shown(amount: int) -> str:
    """The number, or its size when it is too long to print (Python refuses str() past 4,300
    digits)."""
    if abs(amount).bit_length() <= 256:
        return str(amount)
    digits = abs(amount).bit_length() * 3 // 10
    return f"a {'negative ' if amount < 0 else ''}number of about {digits} digits"


def _strings(found: tuple[Mapping[str, object], Where] | None) -> list[str]:
    if found is None:
        return []
    entry, where = found
    at = where.key("stringSetValue")
    values = entry.get("stringSetValue") or []
    return [as_str(value, at.index(n)) for n, value in enumerate(as_list(values, at))]


def _ports(found: tuple[Mapping[str, object], Where] | None) -> frozenset[int]:
    ports = set()
    for text in _strings(found):
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 5):
            assert found is not None
            raise (
                found[1]
                .key("stringSetValue")
                .refuse(f"{text!r} in a port list is not a port number")
            )
        ports.add(int(digits))
    return frozenset(ports)


def _read_attributes(document: Mapping[str, object], where: Where) -> dict[str, str | None]:
    at = where.key("attributes")
    found: dict[str, str | None] = {}
    for n, item in enumerate(as_list(document.get("attributes") or [], at)):
        attribute = as_mapping(item, at.index(n), "an attribute object")
        name = as_str(attribute.get("name", ""), at.index(n).key("name"))
        value = attribute.get("value")
        text = None if value is None else as_str(value, at.index(n).key("value"))
        for key, what in (("name", name), ("value", text)):
            if what is not None and len(what) > MAX_ATTRIBUTE_LENGTH:
                raise (
                    at.index(n)
                    .key(key)
                    .refuse(
                        f"{len(what)} characters: the {key} must contain between 1 and "
                        f"{MAX_ATTRIBUTE_LENGTH} characters (Attribute, ECS API reference)"
                    )
                )
        found[name] = text
    return found


def _read_time(value: object, where: Where) -> datetime | None:
    """registeredAt: epoch seconds (the CLI's JSON) or an ISO 8601 string."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            shown = f"{value:.6g}" if isinstance(value, float) else _shown(value)
            raise where.refuse(f"{shown} seconds since 1970 is not a date AWS could give") from None
    if isinstance(value, datetime):  # YAML reads unquoted timestamps itself
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = as_str(value, where)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise where.refuse(
            f"{text!r} is not a date and time", "use ISO 8601, e.g. 2024-01-31T12:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
