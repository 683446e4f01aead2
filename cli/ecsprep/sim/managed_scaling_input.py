"""Reading managed scaling's input (docs/managed-scaling.md) from AWS's own shapes: the
CreateCapacityProvider request, the Auto Scaling group as describe-auto-scaling-groups shows
it, describe-tasks' tasks, the cluster, PutClusterCapacityProviders and a CreateService or
RunTask request. What AWS refuses (targetCapacity outside 1 to 100, a step size outside 1 to
10000, managed termination protection on a group without scale-in protection, a provider
still in use left out of PutClusterCapacityProviders…) is refused with AWS's words at the
input's place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecsprep.sim.capacity import CapacityItem
from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str, kind_of
from ecsprep.sim.managed_scaling import (
    IN_USE,
    IN_USE_ERROR,
    UNPROTECTED_GROUP,
    ClusterCall,
    Group,
    Instance,
    ManagedScaling,
    Provider,
    Replacement,
    Request,
    Setup,
    Task,
)

# --- reading AWS's shapes ------------------------------------------------------------------

_TOP = (
    "description",
    "capacityProvider",
    "autoScalingGroup",
    "instanceResources",
    "tasks",
    "taskDefinition",
    "createService",
    "runTask",
    "cluster",
    "putClusterCapacityProviders",
    "startInstanceRefresh",
    "lifetimeExpired",
    "ecsConfig",
)
_PROVIDER_KEYS = ("name", "autoScalingGroupProvider", "tags")
_ASG_PROVIDER_KEYS = (
    "autoScalingGroupArn",
    "managedScaling",
    "managedTerminationProtection",
    "managedDraining",
)
_SCALING_KEYS = (
    "status",
    "targetCapacity",
    "minimumScalingStepSize",
    "maximumScalingStepSize",
    "instanceWarmupPeriod",
)
_GROUP_KEYS = (
    "AutoScalingGroupName",
    "AutoScalingGroupARN",
    "MinSize",
    "MaxSize",
    "DesiredCapacity",
    "NewInstancesProtectedFromScaleIn",
    "Instances",
    "AvailabilityZones",
    "Tags",
    "MaxInstanceLifetime",
)
_INSTANCE_KEYS = (
    "InstanceId",
    "LifecycleState",
    "ProtectedFromScaleIn",
    "InstanceType",
    "AvailabilityZone",
    "HealthStatus",
    "LaunchTemplate",
)
# Instance.LifecycleState (Auto Scaling API reference): only InService counts in N.
_LIFECYCLE_STATES = (
    "Pending",
    "Pending:Wait",
    "Pending:Proceed",
    "Quarantined",
    "InService",
    "Terminating",
    "Terminating:Wait",
    "Terminating:Proceed",
    "Terminated",
    "Detaching",
    "Detached",
    "EnteringStandby",
    "Standby",
    "Warmed:Pending",
    "Warmed:Pending:Wait",
    "Warmed:Pending:Proceed",
    "Warmed:Terminating",
    "Warmed:Terminating:Wait",
    "Warmed:Terminating:Proceed",
    "Warmed:Terminated",
    "Warmed:Stopped",
    "Warmed:Running",
    "Warmed:Hibernated",
)
_TASK_KEYS = (
    "taskArn",
    "lastStatus",
    "desiredStatus",
    "capacityProviderName",
    "launchType",
    "containerInstanceArn",
    "ec2InstanceId",
    "cpu",
    "memory",
    "group",
    "taskDefinitionArn",
)
_STATUSES = ("RUNNING", "PROVISIONING", "PENDING", "ACTIVATING")
_REQUEST_COUNT = {"createService": "desiredCount", "runTask": "count"}


def _refuse_unknown(body: Mapping[str, object], known: Sequence[str], where: Where) -> None:
    import difflib

    for key in body:
        if key not in known:
            likely = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                f"did you mean {likely[0]!r}?" if likely else f"known keys: {', '.join(known)}",
            )


def _choice(value: object, where: Where, allowed: Sequence[str]) -> str:
    text = as_str(value, where)
    if text not in allowed:
        raise where.refuse(f"{text!r} is not one of {', '.join(allowed)}")
    return text


def _ranged(value: object, where: Where, least: int, most: int, rule: str) -> int:
    number = as_int(value, where, minimum=-(10**20))
    if not least <= number <= most:
        raise where.refuse(
            f"{number}: the valid range is {least} to {most} ({rule})",
            f"give a whole number from {least} to {most}",
        )
    return number


def _bool(value: object, where: Where) -> bool:
    if not isinstance(value, bool):
        raise where.refuse(f"expected true or false, found {kind_of(value)}")
    return value


def _amount(value: object, where: Where) -> int:
    """A task's cpu or memory: AWS's describe-tasks gives text ("512"); a number is read too."""
    return as_int(value, where, minimum=0)


def read_provider(body: object, where: Where) -> Provider:
    request = as_mapping(body, where, "a CreateCapacityProvider request")
    _refuse_unknown(request, _PROVIDER_KEYS, where)
    name = as_str(request.get("name", "cp"), where.key("name"))
    if name.lower().startswith(("aws", "ecs", "fargate")):
        raise where.key("name").refuse(
            f'{name!r}: the name can\'t be prefixed with "aws", "ecs", or "fargate" '
            "(CreateCapacityProvider)",
            "choose another name",
        )
    if "autoScalingGroupProvider" not in request:
        raise where.refuse(
            "autoScalingGroupProvider is missing (CreateCapacityProvider requires it)",
            "give autoScalingGroupProvider: {autoScalingGroupArn, managedScaling, ...}",
        )
    at = where.key("autoScalingGroupProvider")
    asg = as_mapping(request["autoScalingGroupProvider"], at, "an AutoScalingGroupProvider")
    _refuse_unknown(asg, _ASG_PROVIDER_KEYS, at)
    scaling = _read_scaling(asg.get("managedScaling"), at.key("managedScaling"))
    protection = _choice(
        asg.get("managedTerminationProtection", "DISABLED"),
        at.key("managedTerminationProtection"),
        ("ENABLED", "DISABLED"),
    )
    draining = _choice(
        asg.get("managedDraining", "ENABLED"), at.key("managedDraining"), ("ENABLED", "DISABLED")
    )
    given = asg.get("managedScaling") is not None
    return Provider(name, scaling, given, protection == "ENABLED", draining == "ENABLED")


def _read_scaling(body: object, where: Where) -> ManagedScaling:
    if body is None:
        # API_ManagedScaling: a provider created without the block has managed scaling off
        # (INF: the console turns it on; the API reference gives no default for status).
        return ManagedScaling(enabled=False)
    scaling = as_mapping(body, where, "a ManagedScaling object")
    _refuse_unknown(scaling, _SCALING_KEYS, where)
    status = _choice(
        scaling.get("status", "DISABLED"), where.key("status"), ("ENABLED", "DISABLED")
    )
    rule = "ManagedScaling, API reference"
    return ManagedScaling(
        enabled=status == "ENABLED",
        target=_ranged(
            scaling.get("targetCapacity", 100), where.key("targetCapacity"), 1, 100, rule
        ),
        min_step=_ranged(
            scaling.get("minimumScalingStepSize", 1),
            where.key("minimumScalingStepSize"),
            1,
            10000,
            rule,
        ),
        max_step=_ranged(
            scaling.get("maximumScalingStepSize", 10000),
            where.key("maximumScalingStepSize"),
            1,
            10000,
            rule,
        ),
        warmup=_ranged(
            scaling.get("instanceWarmupPeriod", 300),
            where.key("instanceWarmupPeriod"),
            0,
            10000,
            rule,
        ),
    )


def read_group(body: object, where: Where) -> Group:
    group = as_mapping(body, where, "an Auto Scaling group (describe-auto-scaling-groups)")
    _refuse_unknown(group, _GROUP_KEYS, where)
    instances = []
    seen: set[str] = set()
    raw = as_list(group.get("Instances", []), where.key("Instances"))
    new_protected = _bool(
        group.get("NewInstancesProtectedFromScaleIn", False),
        where.key("NewInstancesProtectedFromScaleIn"),
    )
    for n, item in enumerate(raw):
        at = where.key("Instances").index(n)
        body_n = as_mapping(item, at, "an instance (InstanceId, LifecycleState, ...)")
        _refuse_unknown(body_n, _INSTANCE_KEYS, at)
        if "InstanceId" not in body_n:
            raise at.refuse("InstanceId is missing", "e.g. InstanceId: i-0abc")
        instance_id = as_str(body_n["InstanceId"], at.key("InstanceId"))
        if instance_id in seen:
            raise at.key("InstanceId").refuse(f"{instance_id} is listed twice")
        seen.add(instance_id)
        state = _choice(
            body_n.get("LifecycleState", "InService"), at.key("LifecycleState"), _LIFECYCLE_STATES
        )
        protected = _bool(
            body_n.get("ProtectedFromScaleIn", new_protected), at.key("ProtectedFromScaleIn")
        )
        instances.append(Instance(instance_id, state == "InService", protected))
    # describe-auto-scaling-groups always shows the three sizes; a scenario that leaves them
    # out gets a group at its maximum, its desired capacity met (docs/managed-scaling.md).
    min_size = as_int(group.get("MinSize", 0), where.key("MinSize"))
    max_size = as_int(group.get("MaxSize", max(len(instances), min_size, 1)), where.key("MaxSize"))
    if min_size > max_size:
        raise where.key("MinSize").refuse(
            f"MinSize {min_size} is above MaxSize {max_size}",
            "Auto Scaling keeps MinSize <= DesiredCapacity <= MaxSize",
        )
    if len(instances) > max_size:
        raise where.key("Instances").refuse(
            f"{len(instances)} instances in a group whose MaxSize is {max_size}",
            "Auto Scaling keeps the group's size between MinSize and MaxSize: raise MaxSize",
        )
    desired = as_int(
        group.get("DesiredCapacity", max(len(instances), min_size)), where.key("DesiredCapacity")
    )
    if not min_size <= desired <= max_size:
        raise where.key("DesiredCapacity").refuse(
            f"DesiredCapacity {desired} is outside MinSize {min_size} to MaxSize {max_size}",
            "Auto Scaling keeps MinSize <= DesiredCapacity <= MaxSize",
        )
    return Group(
        name=as_str(group.get("AutoScalingGroupName", "asg"), where.key("AutoScalingGroupName")),
        min_size=min_size,
        max_size=max_size,
        desired=desired,
        new_instances_protected=new_protected,
        instances=tuple(instances),
    )


def read_task(body: object, where: Where, group: Group) -> Task:
    task = as_mapping(body, where, "a task (describe-tasks)")
    _refuse_unknown(task, _TASK_KEYS, where)
    status = _choice(task.get("lastStatus", "RUNNING"), where.key("lastStatus"), _STATUSES)
    provider = as_str(task.get("capacityProviderName", ""), where.key("capacityProviderName"))
    launch_type = as_str(task.get("launchType", ""), where.key("launchType"))
    # describe-tasks shows launchType EC2 beside capacityProviderName for a task placed
    # through an Auto Scaling group provider: the capacity provider is what counts.
    if not provider and not launch_type:
        raise where.refuse(
            "give capacityProviderName (the task used a capacity provider) or launchType",
            "describe-tasks shows one of them for every task",
        )
    instance = as_str(task.get("ec2InstanceId", ""), where.key("ec2InstanceId"))
    known = {i.instance_id for i in group.instances}
    if instance and instance not in known:
        raise where.key("ec2InstanceId").refuse(
            f"{instance} is not an instance of the Auto Scaling group",
            f"its instances: {', '.join(sorted(known)) or 'none'}",
        )
    on_fargate = provider in ("FARGATE", "FARGATE_SPOT") or launch_type == "FARGATE"
    if status == "RUNNING" and not instance and not on_fargate:
        raise where.refuse(
            "a RUNNING task on EC2 needs ec2InstanceId (the instance it runs on)",
            "describe-tasks gives containerInstanceArn; describe-container-instances shows "
            "its ec2InstanceId: add it, e.g. ec2InstanceId: i-0abc",
        )
    if status != "RUNNING" and instance:
        raise where.key("ec2InstanceId").refuse(
            f"a {status} task has no instance yet", "remove ec2InstanceId or say RUNNING"
        )
    return Task(
        task_id=as_str(task.get("taskArn", f"task-{where.path}"), where.key("taskArn")).rsplit(
            "/", 1
        )[-1],
        status=status,
        provider=provider,
        launch_type=launch_type,
        instance=instance,
        cpu=_amount(task.get("cpu", 0), where.key("cpu")),
        memory=_amount(task.get("memory", 0), where.key("memory")),
    )


def _names(value: object, where: Where, what: str = "capacity provider") -> tuple[str, ...]:
    names = tuple(as_str(v, where.index(n)) for n, v in enumerate(as_list(value, where)))
    for name in names:
        if names.count(name) > 1:
            raise where.refuse(f"{name} is listed twice", f"list each {what} once")
    return names


def _strategy(value: object, where: Where) -> tuple[CapacityItem, ...]:
    from ecsprep.sim.capacity import read_capacity_strategy

    if isinstance(value, list) and not value:
        return ()  # [] bypasses the default strategy (PutClusterCapacityProviders)
    return read_capacity_strategy(value, where)


def read_setup(document: Mapping[str, object], where: Where) -> Setup:
    _refuse_unknown(document, _TOP, where)
    for required in ("capacityProvider", "autoScalingGroup"):
        if required not in document:
            raise where.refuse(
                f"{required} is missing",
                "give the CreateCapacityProvider request (capacityProvider) and the Auto "
                "Scaling group (autoScalingGroup)",
            )
    provider = read_provider(document["capacityProvider"], where.key("capacityProvider"))
    group = read_group(document["autoScalingGroup"], where.key("autoScalingGroup"))
    if provider.termination_protection and not group.new_instances_protected:
        raise (
            where.key("autoScalingGroup")
            .key("NewInstancesProtectedFromScaleIn")
            .refuse(
                UNPROTECTED_GROUP,
                "turn on instance scale-in protection for the group "
                "(managed-termination-protection.html)",
            )
        )
    tasks = tuple(
        read_task(item, where.key("tasks").index(n), group)
        for n, item in enumerate(as_list(document.get("tasks", []), where.key("tasks")))
    )
    cpu = memory = 0
    if "instanceResources" in document:
        at = where.key("instanceResources")
        resources = as_mapping(document["instanceResources"], at, "{cpu, memory}")
        _refuse_unknown(resources, ("cpu", "memory"), at)
        for key in ("cpu", "memory"):
            if key not in resources:
                raise at.refuse(
                    f"{key} is missing",
                    "give both, as one instance of the group registers them: "
                    "{cpu: 2048, memory: 7680}",
                )
        cpu = as_int(resources["cpu"], at.key("cpu"), minimum=1)
        memory = as_int(resources["memory"], at.key("memory"), minimum=1)
    if any(t.status == "PROVISIONING" for t in tasks) and not cpu:
        raise where.refuse(
            "instanceResources is missing: estimating the instances PROVISIONING tasks need "
            "takes the CPU and memory each instance of the group registers",
            "give instanceResources: {cpu: 2048, memory: 7680}",
        )
    cluster: tuple[str, ...] = (provider.name,)
    default: tuple[CapacityItem, ...] = (CapacityItem(provider.name),)  # a lone one takes all
    if "cluster" in document:
        at = where.key("cluster")
        body = as_mapping(document["cluster"], at, "a cluster (describe-clusters)")
        _refuse_unknown(
            body, ("clusterName", "capacityProviders", "defaultCapacityProviderStrategy"), at
        )
        cluster, default = _providers(body, at)
    put = None
    if "putClusterCapacityProviders" in document:
        at = where.key("putClusterCapacityProviders")
        body = as_mapping(
            document["putClusterCapacityProviders"], at, "a PutClusterCapacityProviders request"
        )
        _refuse_unknown(
            body, ("cluster", "capacityProviders", "defaultCapacityProviderStrategy"), at
        )
        for required in ("capacityProviders", "defaultCapacityProviderStrategy"):
            if required not in body:
                raise at.refuse(
                    f"{required} is missing",
                    "PutClusterCapacityProviders requires both (an empty list [] bypasses the "
                    "default strategy)",
                )
        put = ClusterCall(*_providers(body, at))
    _refuse_in_use(put, cluster, tasks, where.key("putClusterCapacityProviders"))
    associated, default_now = (put.providers, put.default) if put else (cluster, default)
    request = _read_request(document, where, default_now, associated, cpu)
    return Setup(
        replacement=_read_replacement(document, where, group),
        ecs_config=_read_ecs_config(document.get("ecsConfig"), where.key("ecsConfig")),
        provider=provider,
        group=group,
        tasks=tasks,
        instance_cpu=cpu,
        instance_memory=memory,
        cluster=cluster,
        request=request,
        put=put,
        description=as_str(document.get("description", ""), where.key("description")),
    )


def _providers(
    body: Mapping[str, object], at: Where
) -> tuple[tuple[str, ...], tuple[CapacityItem, ...]]:
    """A cluster's (or a PutClusterCapacityProviders request's) capacity providers and its
    default strategy, whose providers must each be in the list."""
    names = _names(body.get("capacityProviders", []), at.key("capacityProviders"))
    strategy = _strategy(
        body.get("defaultCapacityProviderStrategy", []), at.key("defaultCapacityProviderStrategy")
    )
    _default_in_list(strategy, names, at.key("defaultCapacityProviderStrategy"))
    return names, strategy


def _default_in_list(
    strategy: tuple[CapacityItem, ...], providers: tuple[str, ...], where: Where
) -> None:
    for item in strategy:
        if item.provider not in providers:
            raise where.refuse(
                f"{item.provider} is not associated with the cluster: a capacity provider must be "
                "associated with a cluster before it can be included in its default capacity "
                "provider strategy (CreateCluster)",
                "list it in capacityProviders too",
            )


def _refuse_in_use(
    put: ClusterCall | None, cluster: tuple[str, ...], tasks: tuple[Task, ...], where: Where
) -> None:
    """PutClusterCapacityProviders disassociates every provider it leaves out, which AWS
    refuses while tasks use one (API_PutClusterCapacityProviders.html)."""
    if put is None:
        return
    for name in cluster:
        users = [t.task_id for t in tasks if t.provider == name]
        if name not in put.providers and users:
            raise where.key("capacityProviders").refuse(
                f"{IN_USE_ERROR}. {IN_USE}: {name} is left out of the list, so it would be "
                f"disassociated, but {len(users)} task(s) use it",
                "list every provider the cluster keeps: the call replaces the whole list",
            )


def _read_request(
    document: Mapping[str, object],
    where: Where,
    default: tuple[CapacityItem, ...],
    associated: tuple[str, ...],
    instance_cpu: int,
) -> Request | None:
    given = [key for key in _REQUEST_COUNT if key in document]
    if not given:
        return None
    if len(given) > 1:
        raise where.refuse("give one request: createService or runTask, not both")
    kind = given[0]
    at = where.key(kind)
    api = "CreateService" if kind == "createService" else "RunTask"
    body = as_mapping(document[kind], at, f"a {api} request")
    from ecsprep.sim.capacity import read_capacity_strategy, split_tasks
    from ecsprep.sim.scenario import RUN_TASK_KEYS, SERVICE_KEYS, refuse_unknown_keys

    refuse_unknown_keys(body, SERVICE_KEYS if kind == "createService" else RUN_TASK_KEYS, at, api)
    count_key = _REQUEST_COUNT[kind]
    if kind == "createService" and count_key not in body:
        raise at.refuse(
            "desiredCount is missing: CreateService needs it for the REPLICA scheduling strategy",
            "add desiredCount (the number of tasks to keep running)",
        )
    count = as_int(body.get(count_key, 1), at.key(count_key))  # RunTask's count: 1 by default
    if kind == "runTask" and not 1 <= count <= 10:
        raise at.key("count").refuse(f"{count}: RunTask runs 1 to 10 tasks (API_RunTask)")
    launch_type = as_str(body.get("launchType", ""), at.key("launchType"))
    if launch_type and "capacityProviderStrategy" in body:
        raise at.refuse(
            "If a capacityProviderStrategy is specified, the launchType parameter must be "
            f"omitted ({api})",
            "give one of them",
        )
    if launch_type:
        _choice(launch_type, at.key("launchType"), ("EC2", "FARGATE", "EXTERNAL"))
        providers: tuple[str, ...] = ("",) * count
    else:
        if "capacityProviderStrategy" in body:
            place = at.key("capacityProviderStrategy")
            items = read_capacity_strategy(body["capacityProviderStrategy"], place)
            for item in items:
                if item.provider not in associated:
                    raise place.refuse(
                        f"{item.provider}: a capacity provider must be associated with the "
                        "cluster before it is used in a capacity provider strategy "
                        "(CreateCluster)",
                        "associate it with PutClusterCapacityProviders first",
                    )
        else:
            # No strategy and no launch type: the cluster's default strategy, base and weights
            # as given (CreateService); its providers are associated (_default_in_list).
            items = default
            if not items:
                raise at.refuse(
                    "no launchType, no capacityProviderStrategy, and the cluster has no "
                    "default capacity provider strategy",
                    "give launchType or capacityProviderStrategy",
                )
        split = split_tasks(items, count)
        providers = tuple(name for name, n in split.tasks().items() for _ in range(n))
    td_at = where.key("taskDefinition")
    if "taskDefinition" not in document:
        raise where.refuse(
            "taskDefinition is missing: the request's tasks need its cpu and memory",
            "give taskDefinition: {cpu: '512', memory: '1024'} (task-level sizes)",
        )
    td = as_mapping(document["taskDefinition"], td_at, "a task definition")
    for key in ("cpu", "memory"):
        if key not in td:
            raise td_at.refuse(f"{key} is missing", "give the task-level cpu and memory")
    if not instance_cpu:
        raise where.refuse(
            "instanceResources is missing: placing new tasks needs the CPU and memory each "
            "instance of the group registers",
            "give instanceResources: {cpu: 2048, memory: 7680}",
        )
    return Request(
        kind=kind,
        count=count,
        launch_type=launch_type,
        strategy=providers,
        placement_strategy="placementStrategy" in body,
        cpu=_amount(td["cpu"], td_at.key("cpu")),
        memory=_amount(td["memory"], td_at.key("memory")),
    )


_REFRESH_KEYS = (
    "AutoScalingGroupName",
    "Strategy",
    "DesiredConfiguration",
    "Preferences",
)
_PREFERENCE_KEYS = (
    "MinHealthyPercentage",
    "MaxHealthyPercentage",
    "InstanceWarmup",
    "CheckpointPercentages",
    "CheckpointDelay",
    "SkipMatching",
    "AutoRollback",
    "ScaleInProtectedInstances",
    "StandbyInstances",
    "AlarmSpecification",
    "BakeTime",
)


def _read_replacement(
    document: Mapping[str, object], where: Where, group: Group
) -> Replacement | None:
    """StartInstanceRefresh (its Preferences.ScaleInProtectedInstances: Refresh, Ignore or
    Wait, the default: API_RefreshPreferences.html) and the instances past the group's
    MaxInstanceLifetime (0, or at least 86,400 seconds: asg-max-instance-lifetime.html)."""
    from ecsprep.sim.managed_scaling import REFRESH_CHOICES

    asg_at = where.key("autoScalingGroup")
    asg = as_mapping(document["autoScalingGroup"], asg_at)
    lifetime = as_int(asg.get("MaxInstanceLifetime", 0), asg_at.key("MaxInstanceLifetime"))
    if 0 < lifetime < 86400:
        raise asg_at.key("MaxInstanceLifetime").refuse(
            f"{lifetime}: the maximum instance lifetime must be 0 or at least 86,400 seconds "
            "(one day)",
            "give 0 to clear it, or 86400 or more",
        )
    refresh = ""
    if "startInstanceRefresh" in document:
        at = where.key("startInstanceRefresh")
        body = as_mapping(document["startInstanceRefresh"], at, "a StartInstanceRefresh request")
        _refuse_unknown(body, _REFRESH_KEYS, at)
        preferences = as_mapping(body.get("Preferences", {}), at.key("Preferences"))
        _refuse_unknown(preferences, _PREFERENCE_KEYS, at.key("Preferences"))
        refresh = _choice(
            preferences.get("ScaleInProtectedInstances", "Wait"),
            at.key("Preferences").key("ScaleInProtectedInstances"),
            REFRESH_CHOICES,
        )
    expired: tuple[str, ...] = ()
    if "lifetimeExpired" in document:
        at = where.key("lifetimeExpired")
        if not lifetime:
            raise at.refuse(
                "the group has no MaxInstanceLifetime, so no instance's lifetime runs out",
                "give autoScalingGroup.MaxInstanceLifetime (86400 seconds or more)",
            )
        expired = _names(document["lifetimeExpired"], at, "instance")
        known = {i.instance_id for i in group.instances}
        for n, instance in enumerate(expired):
            if instance not in known:
                raise at.index(n).refuse(f"{instance} is not an instance of the Auto Scaling group")
    if not refresh and not expired:
        return None
    return Replacement(refresh=refresh, expired=expired, lifetime=lifetime)


def _read_ecs_config(value: object, where: Where) -> tuple[tuple[str, str], ...]:
    """/etc/ecs/ecs.config as a mapping (KEY: value) or as its KEY=value text."""
    if value is None:
        return ()
    if isinstance(value, str):
        pairs = []
        for n, line in enumerate(value.splitlines()):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, eq, text = line.partition("=")
            if not eq:
                raise where.refuse(f"line {n + 1}: {line!r} is not KEY=value")
            pairs.append((key.strip(), text.strip()))
        return tuple(pairs)
    body = as_mapping(value, where, "ecs.config as KEY: value or KEY=value lines")
    return tuple(
        (str(k), str(v).lower() if isinstance(v, bool) else str(v)) for k, v in body.items()
    )
