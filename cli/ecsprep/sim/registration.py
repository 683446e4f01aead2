"""Does an EC2 instance register with an ECS cluster, into which one, and if not, why?

The documented path (ECS developer guide: "Amazon ECS container agent",
"container instance IAM role", "interface VPC endpoints", the troubleshooting
page for instances that don't register):

1. Something must run the ECS container agent: the ECS-optimized AMIs start it
   through ecs-init; another AMI needs Docker and the agent installed.
2. The agent reads `/etc/ecs/ecs.config`; `ECS_CLUSTER` names the cluster, and
   with no `ECS_CLUSTER` the agent uses the cluster named `default`.
3. It signs its calls with the instance profile's role (the container instance
   role), from the instance metadata service.
4. It calls `ecs:RegisterContainerInstance` on the `ecs` endpoint, then finds
   its polling endpoint (`ecs:DiscoverPollEndpoint`), opens the agent
   communication channel (`ecs-agent`, `ecs:Poll`) and telemetry
   (`ecs-telemetry`, `ecs:StartTelemetrySession`). All of these are outbound
   HTTPS: a public IP with an internet gateway route, a NAT gateway, or the
   `ecs`, `ecs-agent` and `ecs-telemetry` interface endpoints. Security groups
   are stateful, so the instance's inbound rules never matter.
5. A cluster that doesn't exist: for `default` the agent creates it (the managed
   policy grants `ecs:CreateCluster` for that); for any other name the call
   fails with ClusterNotFoundException and the instance doesn't register.

The registered resources: the memory the instance offers less
`ECS_RESERVED_MEMORY`, the CPU, and the reserved ports; attributes from
`ECS_INSTANCE_ATTRIBUTES`, tags from `ECS_CONTAINER_INSTANCE_TAGS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str
from ecsprep.sim.ecs_config import EcsConfig, Start, read_ecs_config
from ecsprep.sim.iam_policy import Policy, evaluate, read_policy
from ecsprep.sim.network_path import Network, reach, read_network

_KEYS = (
    "description",
    "ami",
    "agentStart",
    "ecsConfig",
    "instanceRole",
    "network",
    "clusters",
    "instance",
)


class Ami(str, Enum):
    ECS_OPTIMIZED = "ecs-optimized"  # ecs-init starts the agent at boot
    WITH_AGENT = "with-agent"  # a custom AMI with Docker and the agent installed
    PLAIN = "plain"  # no agent: nothing will register the instance


class Why(str, Enum):
    """Why an instance doesn't register (the `reason` fact)."""

    NONE = ""
    NO_AGENT = "no-agent"
    NO_CREDENTIALS = "no-credentials"
    NO_ROUTE = "no-route"
    DENIED = "denied"
    CLUSTER_NOT_FOUND = "cluster-not-found"


@dataclass(frozen=True, slots=True)
class Instance:
    ami: Ami
    config: EcsConfig
    role: tuple[Policy, ...] | None  # None: no instance profile
    role_name: str
    network: Network
    clusters: tuple[str, ...]
    memory: int
    cpu: int


@dataclass(frozen=True, slots=True)
class Step:
    what: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Registration:
    instance: Instance
    steps: tuple[Step, ...]
    registers: bool
    cluster: str  # the cluster it registered into, "" if none
    wanted: str  # the cluster the agent asked for
    reason: Why
    connected: bool  # agentConnected: the ecs-agent channel is up
    telemetry: bool
    denied: tuple[str, ...]
    unreachable: tuple[str, ...]
    registered_memory: int
    registered_cpu: int
    reserved_ports: tuple[int, ...]
    attributes: Mapping[str, str]
    tags: Mapping[str, str]
    lint: tuple[str, ...]
    task_iam_role: bool
    notes: tuple[str, ...] = field(default=())

    def facts(self) -> dict[str, object]:
        return {
            "registers": self.registers,
            "cluster": self.cluster,
            "wanted": self.wanted,
            "reason": self.reason.value,
            "connected": self.connected,
            "telemetry": self.telemetry,
            "denied": list(self.denied),
            "unreachable": list(self.unreachable),
            "registered_memory": self.registered_memory,
            "registered_cpu": self.registered_cpu,
            "reserved_ports": list(self.reserved_ports),
            "attributes": dict(self.attributes),
            "tags": dict(self.tags),
            "lint": list(self.lint),
            "task_iam_role": self.task_iam_role,
        }


FACTS = (
    "registers",
    "cluster",
    "wanted",
    "reason",
    "connected",
    "telemetry",
    "denied",
    "unreachable",
    "registered_memory",
    "registered_cpu",
    "reserved_ports",
    "attributes",
    "tags",
    "lint",
    "task_iam_role",
)


def read_instance(document: Mapping[str, object], where: Where) -> Instance:
    for key in document:
        if key not in _KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                f"did you mean {close[0]}?" if close else "see docs/registration.md",
            )
    ami_text = str(document.get("ami", "ecs-optimized"))
    try:
        ami = Ami(ami_text)
    except ValueError:
        raise where.key("ami").refuse(
            f"{ami_text!r}: use ecs-optimized, with-agent or plain"
        ) from None
    start_text = str(
        document.get("agentStart", "ecs-init" if ami is Ami.ECS_OPTIMIZED else "agent")
    )
    if start_text not in ("ecs-init", "agent"):
        raise where.key("agentStart").refuse(f"{start_text!r}: use ecs-init or agent")
    config = read_ecs_config(document.get("ecsConfig"), where.key("ecsConfig"), Start(start_text))
    role: tuple[Policy, ...] | None = None
    name = ""
    raw_role = document.get("instanceRole")
    if raw_role is not None:
        at = where.key("instanceRole")
        body = as_mapping(
            raw_role, at, "{roleName, policies: [...]} (or null: no instance profile)"
        )
        name = str(body.get("roleName", "ecsInstanceRole"))
        role = tuple(
            read_policy(p, at.key("policies").index(n))
            for n, p in enumerate(as_list(body.get("policies", []), at.key("policies")))
        )
    clusters = tuple(
        as_str(c, where.key("clusters").index(n))
        for n, c in enumerate(as_list(document.get("clusters", ["default"]), where.key("clusters")))
    )
    shape = as_mapping(document.get("instance", {}), where.key("instance"))
    return Instance(
        ami=ami,
        config=config,
        role=role,
        role_name=name,
        network=read_network(document.get("network"), where.key("network")),
        clusters=clusters,
        memory=as_int(shape.get("memoryMiB", 7680), where.key("instance").key("memoryMiB")),
        cpu=as_int(shape.get("cpu", 2048), where.key("instance").key("cpu")),
    )


def _json(config: EcsConfig, key: str) -> object:
    try:
        return json.loads(config.value(key))
    except ValueError:
        return None


def register(instance: Instance) -> Registration:
    config = instance.config
    steps: list[Step] = []
    notes: list[str] = []
    denied: list[str] = []
    unreachable: list[str] = []
    wanted = config.value("ECS_CLUSTER") or "default"
    source = config.setting("ECS_CLUSTER").source
    lint = tuple(
        (f"line {f.line}: " if f.line else "") + f"{f.severity.value}: {f.message}"
        for f in config.findings
    )
    own_groups = set(instance.network.security_groups)
    if instance.network.rules and own_groups & set(instance.network.rules):
        notes.append(
            "the instance's own inbound security group rules play no part: every call the "
            "agent makes is outbound, and security groups are stateful"
        )
    reserved = int(config.value("ECS_RESERVED_MEMORY") or 0)
    ports_raw = _json(config, "ECS_RESERVED_PORTS")
    ports = tuple(int(p) for p in ports_raw) if isinstance(ports_raw, list) else ()
    attrs_raw = _json(config, "ECS_INSTANCE_ATTRIBUTES")
    tags_raw = _json(config, "ECS_CONTAINER_INSTANCE_TAGS")
    attributes = (
        {str(k): str(v) for k, v in attrs_raw.items()} if isinstance(attrs_raw, dict) else {}
    )
    tags = {str(k): str(v) for k, v in tags_raw.items()} if isinstance(tags_raw, dict) else {}

    def result(
        why: Why, cluster: str = "", connected: bool = False, telemetry: bool = False
    ) -> Registration:
        return Registration(
            instance=instance,
            steps=tuple(steps),
            registers=bool(cluster),
            cluster=cluster,
            wanted=wanted,
            reason=why,
            connected=connected,
            telemetry=telemetry,
            denied=tuple(denied),
            unreachable=tuple(unreachable),
            registered_memory=max(instance.memory - reserved, 0),
            registered_cpu=instance.cpu,
            reserved_ports=ports,
            attributes=attributes,
            tags=tags,
            lint=lint,
            task_iam_role=config.enabled("ECS_ENABLE_TASK_IAM_ROLE"),
            notes=tuple(notes),
        )

    if instance.ami is Ami.PLAIN:
        steps.append(
            Step("start the ECS container agent", False, "the AMI has no agent and no Docker")
        )
        return result(Why.NO_AGENT)
    steps.append(
        Step(
            "start the ECS container agent",
            True,
            "ecs-init starts it at boot" if config.start is Start.ECS_INIT else "started by you",
        )
    )
    steps.append(Step(f"read ECS_CLUSTER: {wanted}", True, f"from {source}"))
    if instance.role is None:
        steps.append(
            Step(
                "get credentials from the instance profile",
                False,
                "the instance has no instance profile",
            )
        )
        return result(Why.NO_CREDENTIALS)
    steps.append(Step(f"get credentials of {instance.role_name} from instance metadata", True))

    def call(action: str, service: str) -> Why:
        path = reach(instance.network, service, action)
        if not path.ok and not path.refused:
            unreachable.append(service)
            steps.append(Step(f"{action} ({service} endpoint)", False, path.why))
            return Why.NO_ROUTE
        decided = evaluate(instance.role or (), action, "*")
        if path.refused or not decided.allowed:
            # who refused: the endpoint's policy (403 at the endpoint) or the instance role
            who = f"{service} endpoint policy" if path.refused else instance.role_name
            denied.append(f"{who}: {action}")
            why = path.why if path.refused else f"{decided.decision.value} by the instance role"
            steps.append(
                Step(f"{action} ({service} endpoint)", False, f"AccessDeniedException: {why}")
            )
            return Why.DENIED
        steps.append(Step(f"{action} ({service} endpoint)", True, f"via {path.via}"))
        return Why.NONE

    if wanted not in instance.clusters:
        if wanted != "default":
            why = call("ecs:RegisterContainerInstance", "ecs")
            if why is not Why.NONE:
                return result(why)
            steps[-1] = Step(
                "ecs:RegisterContainerInstance (ecs endpoint)",
                False,
                f"ClusterNotFoundException: Cluster not found ({wanted})",
            )
            return result(Why.CLUSTER_NOT_FOUND)
        why = call("ecs:CreateCluster", "ecs")
        if why is not Why.NONE:
            return result(why)
        notes.append("the agent created the cluster named default, which didn't exist")
    why = call("ecs:RegisterContainerInstance", "ecs")
    if why is not Why.NONE:
        return result(why)
    why = call("ecs:DiscoverPollEndpoint", "ecs")
    connected = why is Why.NONE and call("ecs:Poll", "ecs-agent") is Why.NONE
    telemetry = why is Why.NONE and call("ecs:StartTelemetrySession", "ecs-telemetry") is Why.NONE
    if not connected:
        notes.append(
            "registered, but the agent can't keep its channel open: the instance shows "
            "agentConnected false and gets no tasks (INF: which endpoint's absence shows how "
            "isn't documented)"
        )
    return result(Why.NONE, wanted, connected, telemetry)
