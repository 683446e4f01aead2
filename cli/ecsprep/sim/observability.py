"""What telemetry an ECS task sends, where it arrives, and why (docs/observability.md).

The input is AWS's own shapes: a task definition (containers, logConfiguration with
awslogs / awsfirelens and their options, a log router's firelensConfiguration, an X-Ray
daemon or ADOT collector sidecar, environment, links, networkMode), the IAM policies of
the roles it names, the cluster's and the account's containerInsights settings, the
launch type, and a CloudWatch alarm (PutMetricAlarm's shape). ecsprep's own keys say
what AWS has no shape for: each task's CPU and memory use for one minute (`usage`), what
the application code is instrumented with (`instrumentation`), and the files inside the
log router's image (`files`).

`run` records every decision as a Step (what, verdict, the rule's doc page or INF) so the
UI can show why. Documented AWS behaviour only; every point AWS leaves open is a labelled
choice (INF) in the notes and in docs/observability.md.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str
from ecsprep.sim.iam_policy import Policy, evaluate, read_policy

# Doc pages each rule rests on (cited in docs/observability.md).
DOC_FIRELENS = "AmazonECS/latest/developerguide/firelens-taskdef.html"
DOC_USING_FIRELENS = "AmazonECS/latest/developerguide/using_firelens.html"
DOC_FIRELENS_API = "AmazonECS/latest/APIReference/API_FirelensConfiguration.html"
DOC_AWSLOGS = "AmazonECS/latest/developerguide/using_awslogs.html"
DOC_EXEC_ROLE = "AmazonECS/latest/developerguide/task_execution_IAM_role.html"
DOC_METRICS = "AmazonECS/latest/developerguide/available-metrics.html"
DOC_SERVICE_UTIL = "AmazonECS/latest/developerguide/service_utilization.html"
DOC_INSIGHTS = "AmazonECS/latest/APIReference/API_ClusterSetting.html"
DOC_XRAY_ECS = "xray/latest/devguide/xray-daemon-ecs.html"
DOC_XRAY_EOS = "xray/latest/devguide/xray-daemon-eos.html"
DOC_ADOT = "AmazonECS/latest/developerguide/trace-data.html"
DOC_ADOT_METRICS = "AmazonECS/latest/developerguide/application-metrics-cloudwatch.html"
DOC_TMDE = "AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html"
DOC_TMDE_EC2 = "AmazonECS/latest/developerguide/task-metadata-endpoint-v4.html"
INF = "INF"

XRAY_END_OF_SUPPORT = "2027-02-25"  # xray-daemon-eos.html
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
# AWS managed policies the docs name for tracing (their write statements).
MANAGED_EXTRA: dict[str, dict[str, object]] = {
    "AWSXRayDaemonWriteAccess": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                    "xray:GetSamplingStatisticSummaries",
                ],
                "Resource": "*",
            }
        ],
    },
}
FARGATE_LOG_DRIVERS = ("awslogs", "splunk", "awsfirelens")
INSIGHTS_VALUES = ("enhanced", "enabled", "disabled")
STATISTICS = ("Average", "Minimum", "Maximum", "Sum", "SampleCount")
COMPARISONS = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
INSIGHTS_METRICS = (
    "CpuUtilized",
    "CpuReserved",
    "MemoryUtilized",
    "MemoryReserved",
    "NetworkRxBytes",
    "NetworkTxBytes",
    "RunningTaskCount",
    "PendingTaskCount",
)

FACTS = (
    "log_destinations",
    "delivered",
    "denied",
    "log_roles",
    "app_logs_ingested",
    "router",
    "firelens_supported",
    "router_starts_first",
    "router_stops_last",
    "metrics",
    "insights",
    "insights_metrics",
    "new_cluster_insights",
    "cpu_average",
    "cpu_minimum",
    "cpu_maximum",
    "memory_average",
    "alarm_state",
    "alarm_value",
    "daemon_reachable",
    "trace_uploads_allowed",
    "traces",
    "app_metrics",
    "end_of_support",
    "metadata_v4",
)
RANKED = ("alarm_value", "cpu_average")
_ADDRESS = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?P<host>[^:/]+)(?::(?P<port>[^/]*))?/*")


@dataclass(frozen=True, slots=True)
class Step:
    what: str
    ok: bool
    rule: str = ""  # the doc page, or INF


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str
    log_driver: str
    log_options: Mapping[str, str]
    firelens_type: str
    firelens_options: Mapping[str, str]
    environment: Mapping[str, str]
    links: tuple[str, ...]
    depends_on: tuple[str, ...]  # the containers named in dependsOn


@dataclass(frozen=True, slots=True)
class Alarm:
    name: str
    namespace: str
    metric: str
    dimensions: Mapping[str, str]
    statistic: str
    threshold: float
    comparison: str


@dataclass(frozen=True, slots=True)
class Setup:
    family: str
    launch_type: str
    network_mode: str
    platform_version: str
    agent_version: str
    task_cpu: int
    task_memory: int
    containers: tuple[Container, ...]
    task_role: str
    execution_role: str
    policies: Mapping[str, tuple[Policy, ...]]
    region: str
    cluster: str
    cluster_insights: str
    account_insights: str
    new_cluster: str
    new_cluster_setting: str
    service: str
    usage: tuple[tuple[float, float], ...]  # (cpu units, MiB) per running task
    instances: tuple[tuple[int, int], ...]  # registered (CPU, MEMORY) per EC2 instance
    alarm: Alarm | None
    instrumentation: Mapping[str, str]
    files: Mapping[str, str]
    description: str = ""
    os_family: str = "LINUX"


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    steps: tuple[Step, ...]
    facts_: Mapping[str, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def facts(self) -> dict[str, object]:
        return dict(self.facts_)


# ---------------------------------------------------------------- reading the input

_TOP = frozenset(
    {
        "description",
        "taskDefinition",
        "launchType",
        "platformVersion",
        "agentVersion",
        "roles",
        "region",
        "cluster",
        "accountSettings",
        "createCluster",
        "service",
        "usage",
        "containerInstances",
        "alarm",
        "instrumentation",
        "files",
    }
)


def _strings(value: object, where: Where) -> dict[str, str]:
    raw = as_mapping(value, where, "a map of strings")
    return {str(k): as_str(v, where.key(str(k))) for k, v in raw.items()}


def _text(raw: Mapping[str, Any], key: str, where: Where, default: str) -> str:
    """A text field; a number is read as its text (as AWS reads it), a list or map refused."""
    value = raw.get(key, default)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return as_str(value, where.key(key))


def _name_values(value: object, where: Where) -> dict[str, str]:
    """[{name, value}, ...] (environment, settings) → a dict."""
    found = {}
    for n, item in enumerate(as_list(value, where)):
        entry = as_mapping(item, where.index(n), "a {name, value} object")
        found[as_str(entry.get("name"), where.index(n).key("name"))] = as_str(
            entry.get("value", ""), where.index(n).key("value")
        )
    return found


def _policy(data: object, where: Where) -> Policy:
    if isinstance(data, str) and data in MANAGED_EXTRA:
        return read_policy(MANAGED_EXTRA[data], where, data)
    return read_policy(data, where)


def _container(data: object, where: Where, launch_type: str) -> Container:
    raw = as_mapping(data, where, "a container definition")
    name = as_str(raw.get("name"), where.key("name"))
    log = as_mapping(raw.get("logConfiguration", {}), where.key("logConfiguration"))
    driver = as_str(log.get("logDriver", ""), where.key("logConfiguration").key("logDriver"))
    if driver and launch_type == "FARGATE" and driver not in FARGATE_LOG_DRIVERS:
        raise (
            where.key("logConfiguration")
            .key("logDriver")
            .refuse(
                f"{driver!r}: for tasks on AWS Fargate, the supported log drivers are awslogs, "
                "splunk, and awsfirelens",
                "use awslogs, or awsfirelens with a log router container",
            )
        )
    firelens = as_mapping(raw.get("firelensConfiguration", {}), where.key("firelensConfiguration"))
    fl_type = as_str(firelens.get("type", ""), where.key("firelensConfiguration").key("type"))
    if firelens and fl_type not in ("fluentbit", "fluentd"):
        raise (
            where.key("firelensConfiguration")
            .key("type")
            .refuse(f"{fl_type!r}: the valid values are fluentd or fluentbit")
        )
    fl_options = _strings(
        firelens.get("options", {}), where.key("firelensConfiguration").key("options")
    )
    file_type = fl_options.get("config-file-type")
    if file_type is not None and file_type not in ("s3", "file"):
        raise (
            where.key("firelensConfiguration")
            .key("options")
            .key("config-file-type")
            .refuse(f"{file_type!r}: the valid values are s3 or file")
        )
    if file_type and not fl_options.get("config-file-value"):
        raise (
            where.key("firelensConfiguration")
            .key("options")
            .refuse(
                "config-file-type needs config-file-value: the file's path in the image, or its "
                "S3 object's ARN"
            )
        )
    if launch_type == "FARGATE" and file_type == "s3":
        raise (
            where.key("firelensConfiguration")
            .key("options")
            .refuse(
                "Tasks hosted on AWS Fargate only support the file configuration file type",
                "put the configuration file in the log router's image (config-file-type: file)",
            )
        )
    return Container(
        name=name,
        image=as_str(raw.get("image", ""), where.key("image")),
        log_driver=driver,
        log_options=_strings(log.get("options", {}), where.key("logConfiguration").key("options")),
        firelens_type=fl_type,
        firelens_options=fl_options,
        environment=_name_values(raw.get("environment", []), where.key("environment")),
        depends_on=tuple(
            _text(
                as_mapping(d, where.key("dependsOn").index(n)),
                "containerName",
                where.key("dependsOn").index(n),
                "",
            )
            for n, d in enumerate(as_list(raw.get("dependsOn", []), where.key("dependsOn")))
        ),
        links=tuple(
            as_str(v, where.key("links").index(n))
            for n, v in enumerate(as_list(raw.get("links", []), where.key("links")))
        ),
    )


def _insights(settings: Mapping[str, str], where: Where) -> str:
    value = settings.get("containerInsights", "")
    if value and value not in INSIGHTS_VALUES:
        raise where.refuse(
            f"containerInsights {value!r}: the supported values are enhanced, enabled, and disabled"
        )
    return value


def _alarm(data: object, where: Where) -> Alarm:
    raw = as_mapping(data, where, "a PutMetricAlarm request")
    statistic = as_str(raw.get("Statistic", "Average"), where.key("Statistic"))
    if statistic not in STATISTICS:
        raise where.key("Statistic").refuse(
            f"{statistic!r} is not a statistic", "Average, Minimum, Maximum, Sum or SampleCount"
        )
    comparison = as_str(
        raw.get("ComparisonOperator", "GreaterThanThreshold"), where.key("ComparisonOperator")
    )
    if comparison not in COMPARISONS:
        raise where.key("ComparisonOperator").refuse(
            f"{comparison!r}: use one of {', '.join(COMPARISONS)}"
        )
    dims = {}
    for n, item in enumerate(as_list(raw.get("Dimensions", []), where.key("Dimensions"))):
        entry = as_mapping(item, where.key("Dimensions").index(n), "a {Name, Value} object")
        at = where.key("Dimensions").index(n)
        dims[as_str(entry.get("Name"), at.key("Name"))] = _text(entry, "Value", at, "")
    threshold = raw.get("Threshold", 0)
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool):
        raise where.key("Threshold").refuse("Threshold must be a number")
    return Alarm(
        name=as_str(raw.get("AlarmName", "alarm"), where.key("AlarmName")),
        namespace=as_str(raw.get("Namespace", ""), where.key("Namespace")),
        metric=as_str(raw.get("MetricName", ""), where.key("MetricName")),
        dimensions=dims,
        statistic=statistic,
        threshold=float(threshold),
        comparison=comparison,
    )


def _units(value: object, where: Where) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, str):
        text = value.strip().lower()  # "1 vCPU", "0.5 GB", "1024"
        if text.endswith("vcpu"):
            return int(float(text[:-4]) * 1024)
        if text.endswith("gb"):
            return int(float(text[:-2]) * 1024)
        if text.isdigit():
            return int(text)
        raise where.refuse(f"{value!r} is not a CPU or memory value")
    return as_int(value, where)


def read_setup(document: Mapping[str, Any], where: Where) -> Setup:
    from ecsprep.sim.scenario import refuse_unknown_keys

    refuse_unknown_keys(document, _TOP, where, "an observability scenario")
    if "taskDefinition" not in document:
        raise where.refuse("taskDefinition is missing", "give the task definition as AWS shows it")
    td_at = where.key("taskDefinition")
    td = as_mapping(document["taskDefinition"], td_at, "a task definition")
    compat_at = td_at.key("requiresCompatibilities")
    compat = [str(c) for c in as_list(td.get("requiresCompatibilities", []), compat_at)]
    launch_type = as_str(
        document.get("launchType", "FARGATE" if "FARGATE" in compat else "EC2"),
        where.key("launchType"),
    )
    if launch_type not in ("FARGATE", "EC2"):
        raise where.key("launchType").refuse(f"{launch_type!r}: use FARGATE or EC2")
    network_mode = as_str(
        td.get("networkMode", "awsvpc" if launch_type == "FARGATE" else "bridge"),
        td_at.key("networkMode"),
    )
    if launch_type == "FARGATE" and network_mode != "awsvpc":
        raise td_at.key("networkMode").refuse(
            "Fargate only supports network mode 'awsvpc'", "set networkMode to awsvpc"
        )
    containers = tuple(
        _container(item, td_at.key("containerDefinitions").index(n), launch_type)
        for n, item in enumerate(
            as_list(td.get("containerDefinitions", []), td_at.key("containerDefinitions"))
        )
    )
    routers = [c for c in containers if c.firelens_type]
    if len(routers) > 1:
        raise td_at.key("containerDefinitions").refuse(
            "more than one container has a firelensConfiguration", "a task has one log router"
        )
    for n, c in enumerate(containers):
        at = td_at.key("containerDefinitions").index(n)
        if c.log_driver == "awsfirelens" and not routers:
            raise at.key("logConfiguration").refuse(
                "the awsfirelens log driver needs a log router container with a "
                "firelensConfiguration in the same task definition",
                "add a Fluent Bit or Fluentd container with firelensConfiguration",
            )
        if c.links and network_mode != "bridge":
            # API_ContainerDefinition.html, links
            raise at.key("links").refuse(
                "the links parameter is only supported if the network mode of a task "
                "definition is bridge",
                f"containers in an {network_mode} task reach each other on localhost",
            )
        if (
            c.log_driver == "awslogs"
            and launch_type == "FARGATE"
            and not td.get("executionRoleArn")
        ):
            raise td_at.refuse(
                "Fargate requires task definition to have execution role ARN to support log "
                "driver awslogs",
                "add executionRoleArn",
            )
    roles_at = where.key("roles")
    policies: dict[str, tuple[Policy, ...]] = {}
    for arn, listed in as_mapping(document.get("roles", {}), roles_at).items():
        at = roles_at.key(str(arn))
        policies[str(arn)] = tuple(
            _policy(p, at.index(n)) for n, p in enumerate(as_list(listed, at))
        )
    cluster_at = where.key("cluster")
    cluster = as_mapping(document.get("cluster", {}), cluster_at)
    cluster_settings = _name_values(cluster.get("settings", []), cluster_at.key("settings"))
    account = _name_values(document.get("accountSettings", []), where.key("accountSettings"))
    create = as_mapping(document.get("createCluster", {}), where.key("createCluster"))
    create_settings = _name_values(
        create.get("settings", []), where.key("createCluster").key("settings")
    )
    service = as_mapping(document.get("service", {}), where.key("service"))
    usage = []
    for n, item in enumerate(as_list(document.get("usage", []), where.key("usage"))):
        entry = as_mapping(item, where.key("usage").index(n), "a task's use: {cpu, memory}")
        pair = []
        for key in ("cpu", "memory"):
            value = entry.get(key, 0)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise where.key("usage").index(n).key(key).refuse("give a number ≥ 0")
            pair.append(float(value))
        usage.append((pair[0], pair[1]))
    instances = []
    ci_at = where.key("containerInstances")
    for n, item in enumerate(as_list(document.get("containerInstances", []), ci_at)):
        entry = as_mapping(item, ci_at.index(n), "a container instance")
        rr_at = ci_at.index(n).key("registeredResources")
        registered = {}
        for m, x in enumerate(as_list(entry.get("registeredResources", []), rr_at)):
            resource = as_mapping(x, rr_at.index(m), "a resource: {name, integerValue}")
            value = as_int(resource.get("integerValue", 0), rr_at.index(m).key("integerValue"))
            registered[as_str(resource.get("name"), rr_at.index(m).key("name"))] = value
        instances.append((registered.get("CPU", 0), registered.get("MEMORY", 0)))
    instrumentation = _strings(document.get("instrumentation", {}), where.key("instrumentation"))
    names = {c.name for c in containers}
    for name, kind in instrumentation.items():
        if name not in names:
            raise (
                where.key("instrumentation")
                .key(name)
                .refuse(f"no container named {name!r} in the task definition")
            )
        if kind not in ("xray-sdk", "opentelemetry", "none"):
            raise (
                where.key("instrumentation")
                .key(name)
                .refuse(f"{kind!r}: use xray-sdk, opentelemetry or none")
            )
    task_role = _text(td, "taskRoleArn", td_at, "")
    return Setup(
        family=_text(td, "family", td_at, "task"),
        launch_type=launch_type,
        network_mode=network_mode,
        platform_version=_text(document, "platformVersion", where, "LATEST"),
        agent_version=_text(document, "agentVersion", where, "1.80.0"),
        task_cpu=_units(td.get("cpu"), td_at.key("cpu")),
        task_memory=_units(td.get("memory"), td_at.key("memory")),
        containers=containers,
        task_role=task_role,
        execution_role=_text(td, "executionRoleArn", td_at, ""),
        policies=policies,
        region=_text(document, "region", where, "us-east-1"),
        cluster=_text(cluster, "clusterName", cluster_at, "default"),
        cluster_insights=_insights(cluster_settings, cluster_at.key("settings")),
        account_insights=_insights(account, where.key("accountSettings")),
        new_cluster=_text(create, "clusterName", where.key("createCluster"), ""),
        new_cluster_setting=_insights(create_settings, where.key("createCluster").key("settings")),
        service=_text(service, "serviceName", where.key("service"), ""),
        usage=tuple(usage),
        instances=tuple(instances),
        alarm=_alarm(document["alarm"], where.key("alarm")) if "alarm" in document else None,
        instrumentation=instrumentation,
        files=_strings(document.get("files", {}), where.key("files")),
        os_family=_text(
            as_mapping(td.get("runtimePlatform", {}), td_at.key("runtimePlatform")),
            "operatingSystemFamily",
            td_at.key("runtimePlatform"),
            "LINUX",
        ),
        description=_text(document, "description", where, ""),
    )


# ---------------------------------------------------------------- running it


def _account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else "111122223333"


def _allowed(setup: Setup, role: str, action: str, resource: str) -> bool:
    """Whether the role's policies allow the action on the resource (no role: no)."""
    return bool(role) and evaluate(setup.policies.get(role, ()), action, resource).allowed


def _fluent_outputs(text: str) -> list[dict[str, str]]:
    """The [OUTPUT] sections of a Fluent Bit classic configuration file."""
    outputs: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            current = {} if stripped.upper() == "[OUTPUT]" else None
            if current is not None:
                outputs.append(current)
            continue
        if current is not None:
            # a key and its value, separated by spaces or tabs
            key, *value = stripped.split(None, 1)
            current[key.lower()] = " ".join(value)
    return outputs


def _output(
    options: Mapping[str, str], region: str, account: str
) -> tuple[str, list[tuple[str, str]]]:
    """A Fluent Bit output → (destination, [(IAM action, resource)]) the router needs."""
    low = {k.lower(): v for k, v in options.items()}
    name = low["name"].lower()  # every output has a Name (_firelens keeps only those)
    region = low.get("region", region)
    if name in ("cloudwatch_logs", "cloudwatch"):
        group = low.get("log_group_name", "?")
        arn = f"arn:aws:logs:{region}:{account}:log-group:{group}:*"
        needs = [("logs:CreateLogStream", arn), ("logs:PutLogEvents", arn)]
        if str(low.get("auto_create_group")).lower() in ("true", "on"):
            needs.append(("logs:CreateLogGroup", arn))
        return f"cloudwatch-logs:{group}", needs
    if name in ("firehose", "kinesis_firehose"):
        stream = low.get("delivery_stream", "?")
        arn = f"arn:aws:firehose:{region}:{account}:deliverystream/{stream}"
        return f"firehose:{stream}", [("firehose:PutRecordBatch", arn)]
    if name in ("kinesis", "kinesis_streams"):
        stream = low.get("stream", "?")
        arn = f"arn:aws:kinesis:{region}:{account}:stream/{stream}"
        return f"kinesis:{stream}", [("kinesis:PutRecords", arn)]
    if name == "s3":
        bucket = low.get("bucket", "?")
        return f"s3:{bucket}", [("s3:PutObject", f"arn:aws:s3:::{bucket}/*")]
    host = low.get("host")
    return f"{name}:{host}" if host else name, []


def _logs(setup: Setup, steps: list[Step], notes: list[str]) -> dict[str, object]:
    account = _account(setup.task_role or setup.execution_role)
    router = next((c for c in setup.containers if c.firelens_type), None)
    destinations: dict[str, list[str]] = {}
    delivered: set[str] = set()
    denied: set[str] = set()
    roles: dict[str, str] = {}
    ingested = False
    for c in setup.containers:
        if c.log_driver == "awslogs":
            group = c.log_options.get("awslogs-group", "?")
            region = c.log_options.get("awslogs-region", setup.region)
            dest = f"cloudwatch-logs:{group}"
            destinations[c.name] = [dest]
            arn = f"arn:aws:logs:{region}:{account}:log-group:{group}:*"
            needs = ["logs:CreateLogStream", "logs:PutLogEvents"]
            if c.log_options.get("awslogs-create-group") == "true":
                needs.append("logs:CreateLogGroup")
            # Without an execution role on EC2 the agent uses the container instance role
            # (repost ecs-container-logs-cloudwatch); its policies aren't modelled.
            instance_role = setup.launch_type == "EC2" and not setup.execution_role
            roles[dest] = (
                "container instance role (assumed to allow, INF)"
                if instance_role
                else "execution role"
            )
            missing = [
                a
                for a in needs
                if not instance_role and not _allowed(setup, setup.execution_role, a, arn)
            ]
            prefix = c.log_options.get("awslogs-stream-prefix")
            stream = f"{prefix}/{c.name}/<task-id>" if prefix else "<container-id>"
            if missing:
                denied.update(f"{dest}: {a} (execution role)" for a in missing)
                steps.append(
                    Step(
                        f"{c.name}: awslogs to log group {group} fails: the task execution "
                        f"role doesn't allow {', '.join(missing)}",
                        False,
                        DOC_EXEC_ROLE,
                    )
                )
            else:
                delivered.add(dest)
                if c is not router:
                    ingested = True
                credentials = (
                    "the task execution role's credentials"
                    if roles[dest] == "execution role"
                    else "the container instance role's credentials (the task has no execution "
                    "role; that role's policies aren't modelled, INF)"
                )
                steps.append(
                    Step(
                        f"{c.name}: awslogs sends stdout/stderr to log group {group}, stream "
                        f"{stream}, with {credentials}",
                        True,
                        DOC_AWSLOGS,
                    )
                )
        elif c.log_driver == "awsfirelens" and setup.os_family.startswith("WINDOWS"):
            destinations[c.name] = []
            steps.append(
                Step(
                    f"{c.name}: FireLens is supported for tasks on Linux only; Windows "
                    "containers are not supported, so its logs aren't routed",
                    False,
                    DOC_USING_FIRELENS,
                )
            )
        elif c.log_driver == "awsfirelens":
            assert router is not None
            dests = _firelens(setup, c, router, account, steps, notes, delivered, denied, roles)
            destinations[c.name] = dests
            if any(d.startswith("cloudwatch-logs:") and d in delivered for d in dests):
                ingested = True
        elif c.log_driver:
            destinations[c.name] = [c.log_driver]
            steps.append(
                Step(f"{c.name}: log driver {c.log_driver} (not modelled further)", True, INF)
            )
        else:
            destinations[c.name] = []
            steps.append(
                Step(f"{c.name}: no logConfiguration: its logs go nowhere ECS collects", False)
            )
    users = [c for c in setup.containers if c.log_driver == "awsfirelens"]
    starts_first = stops_last = False
    if router is not None and users:
        # using_firelens.html: by default ECS makes the router start before every container
        # that uses it and stop after them all; only a container order given between an app
        # container and the router overrides that default (an app's dependsOn on other
        # containers leaves it in place). A dependency's shutdown is its start order reversed
        # (API_ContainerDependency.html).
        explicit = [c for c in users if router.name in c.depends_on]
        defaulted = [c for c in users if router.name not in c.depends_on]
        # INF (the ECS agent's behaviour, no doc page): a router that itself depends on other
        # containers gets no default dependency, so the containers that don't name it are
        # not ordered after it.
        unordered = defaulted if router.depends_on else []
        starts_first = stops_last = not unordered
        what = f"{router.name} " + (
            f"starts before and stops after {', '.join(c.name for c in users)}"
            if starts_first
            else f"isn't ordered before or after {', '.join(c.name for c in unordered)}: it "
            "depends on other containers itself, so ECS adds no default dependency"
        )
        if explicit:
            what += (
                f" ({', '.join(c.name for c in explicit)} give their own order with the router, "
                "which replaces the default for them)"
            )
        steps.append(Step(what, starts_first, INF if unordered else DOC_USING_FIRELENS))
    if router is not None and setup.launch_type == "FARGATE":
        steps.append(
            Step(
                f"log router {router.name} ({router.firelens_type}) runs inside this task: "
                "FireLens needs no daemon and works on Fargate",
                True,
                DOC_FIRELENS,
            )
        )
    return {
        "log_destinations": destinations,
        "delivered": sorted(delivered),
        "denied": sorted(denied),
        "log_roles": dict(sorted(roles.items())),
        "app_logs_ingested": ingested,
        "router": f"{router.name} ({router.firelens_type})" if router else "",
        "firelens_supported": router is not None and not setup.os_family.startswith("WINDOWS"),
        "router_starts_first": starts_first,
        "router_stops_last": stops_last,
    }


def _firelens(
    setup: Setup,
    c: Container,
    router: Container,
    account: str,
    steps: list[Step],
    notes: list[str],
    delivered: set[str],
    denied: set[str],
    roles: dict[str, str],
) -> list[str]:
    outputs: list[dict[str, str]] = []
    # Fluent Bit reads its keys ignoring case (_output too): Name, name or NAME.
    if any(k.lower() == "name" and v for k, v in c.log_options.items()):
        outputs.append(dict(c.log_options))
    config_type = router.firelens_options.get("config-file-type")
    if config_type:
        config_value = router.firelens_options["config-file-value"]  # (the reader checks it)
        text = setup.files.get(config_value)
        if config_type == "s3" and not _allowed(
            setup, setup.execution_role, "s3:GetObject", config_value
        ):
            steps.append(
                Step(
                    f"{router.name}: the config file {config_value} can't be read: the task "
                    "execution role doesn't allow s3:GetObject",
                    False,
                    DOC_FIRELENS,
                )
            )
        elif text is None:
            notes.append(
                f"the custom config file {config_value} isn't in `files`: its outputs are "
                "unknown to the simulator"
            )
        else:
            # ECS tags each container's records <container name>-firelens-<task ID>; an
            # [OUTPUT] without a Name isn't an output Fluent Bit starts.
            tag = f"{c.name}-firelens-0123456789abcdef"
            for out in _fluent_outputs(text):
                if out.get("name") and fnmatch.fnmatchcase(tag, out.get("match", "*")):
                    outputs.append(out)
    dests = []
    for out in outputs:
        dest, needs = _output(out, setup.region, account)
        dests.append(dest)
        roles[dest] = "task role" if needs else "none (partner credentials in the output)"
        missing = [a for a, arn in needs if not _allowed(setup, setup.task_role, a, arn)]
        if missing:
            denied.update(f"{dest}: {a} (task role)" for a in missing)
            steps.append(
                Step(
                    f"{c.name} → {router.name} → {dest} fails: the task role doesn't allow "
                    f"{', '.join(missing)} (the router calls AWS with the task role)",
                    False,
                    DOC_FIRELENS,
                )
            )
        else:
            delivered.add(dest)
            why = "with the task role's credentials" if needs else "no AWS permission needed"
            steps.append(
                Step(
                    f"{c.name}: awsfirelens → {router.name} → {dest} ({why}); nothing is "
                    "ingested into CloudWatch Logs on the way",
                    True,
                    DOC_FIRELENS,
                )
            )
    if not outputs:
        steps.append(Step(f"{c.name}: awsfirelens, but no output takes its logs", False, INF))
    return dests


def _insights_value(setup: Setup, steps: list[Step]) -> tuple[str, str]:
    cluster = setup.cluster_insights or setup.account_insights or "disabled"
    steps.append(
        Step(
            f"cluster {setup.cluster}: containerInsights {cluster}"
            + (
                ""
                if setup.cluster_insights
                else " (no cluster setting: the account setting"
                + ("" if setup.account_insights else ", disabled when never set")
                + ")"
            ),
            cluster != "disabled",
            DOC_INSIGHTS,
        )
    )
    new = ""
    if setup.new_cluster:
        new = setup.new_cluster_setting or setup.account_insights or "disabled"
        source = (
            "its CreateCluster settings"
            if setup.new_cluster_setting
            else ("the containerInsights account setting")
        )
        steps.append(
            Step(
                f"new cluster {setup.new_cluster}: containerInsights {new} (from {source})",
                new != "disabled",
                DOC_INSIGHTS,
            )
        )
    return cluster, new


def _metrics(setup: Setup, steps: list[Step], insights: str) -> dict[str, object]:
    metrics: list[str] = []
    running = bool(setup.usage)
    task_cpu = setup.task_cpu
    facts: dict[str, object] = {
        "cpu_average": None,
        "cpu_minimum": None,
        "cpu_maximum": None,
        "memory_average": None,
    }
    values: dict[str, dict[str, float]] = {}
    if running and setup.service:
        metrics += [
            "AWS/ECS CPUUtilization ClusterName,ServiceName",
            "AWS/ECS MemoryUtilization ClusterName,ServiceName",
        ]
        if task_cpu:
            per = [u[0] * 100 / task_cpu for u in setup.usage]
            avg = sum(u[0] for u in setup.usage) * 100 / (task_cpu * len(setup.usage))
            facts.update(cpu_average=round(avg, 2), cpu_minimum=round(min(per), 2))
            facts["cpu_maximum"] = round(max(per), 2)
            values["CPUUtilization ClusterName,ServiceName"] = {
                "Average": avg,
                "Minimum": min(per),
                "Maximum": max(per),
            }
            steps.append(
                Step(
                    f"service CPUUtilization: Average = {sum(u[0] for u in setup.usage):g} "
                    f"used × 100 / ({task_cpu} × {len(setup.usage)} tasks) = {avg:g}%; "
                    f"Minimum {min(per):g}% and Maximum {max(per):g}% are the least and "
                    "most loaded single task",
                    True,
                    DOC_SERVICE_UTIL,
                )
            )
        if setup.task_memory:
            mem = [u[1] * 100 / setup.task_memory for u in setup.usage]
            mavg = sum(u[1] for u in setup.usage) * 100 / (setup.task_memory * len(setup.usage))
            facts["memory_average"] = round(mavg, 2)
            values["MemoryUtilization ClusterName,ServiceName"] = {
                "Average": mavg,
                "Minimum": min(mem),
                "Maximum": max(mem),
            }
    elif setup.service:
        steps.append(
            Step("service has no RUNNING task: ECS reports no metrics for it", False, DOC_METRICS)
        )
    if setup.instances and not running:
        # available-metrics.html: no metrics are reported for a cluster with no RUNNING task.
        steps.append(
            Step(
                "EC2 container instances are registered but no task is RUNNING: ECS reports no "
                "cluster metrics (CPUReservation, MemoryReservation, utilization) for the period",
                False,
                DOC_METRICS,
            )
        )
    elif setup.instances:
        total_cpu = sum(i[0] for i in setup.instances)
        on_ec2 = setup.launch_type == "EC2"
        reserved = task_cpu * len(setup.usage) if on_ec2 else 0
        used = sum(u[0] for u in setup.usage) if on_ec2 else 0
        res = reserved * 100 / total_cpu if total_cpu else 0.0
        util = used * 100 / total_cpu if total_cpu else 0.0
        metrics += [
            "AWS/ECS CPUReservation ClusterName",
            "AWS/ECS MemoryReservation ClusterName",
            "AWS/ECS CPUUtilization ClusterName",
            "AWS/ECS MemoryUtilization ClusterName",
        ]
        # available-metrics.html: MemoryReservation and cluster MemoryUtilization are the
        # same formulas over the MiB registered by the cluster's EC2 instances.
        total_memory = sum(i[1] for i in setup.instances)
        memory_reserved = setup.task_memory * len(setup.usage) if on_ec2 else 0
        memory_used = sum(u[1] for u in setup.usage) if on_ec2 else 0
        cluster = {
            "CPUReservation": res,
            "CPUUtilization": util,
            "MemoryReservation": memory_reserved * 100 / total_memory if total_memory else 0.0,
            "MemoryUtilization": memory_used * 100 / total_memory if total_memory else 0.0,
        }
        for metric, value in cluster.items():
            # one data point a minute: its Average, Minimum and Maximum are the same
            values[f"{metric} ClusterName"] = dict.fromkeys(
                ("Average", "Minimum", "Maximum"), value
            )
        steps.append(
            Step(
                f"cluster CPUReservation = CPU reserved by tasks on EC2 instances ({reserved}) "
                f"× 100 / CPU registered by the cluster's EC2 instances ({total_cpu}) = {res:g}%; "
                f"MemoryReservation = {memory_reserved:g} MiB × 100 / {total_memory} MiB = "
                f"{cluster['MemoryReservation']:g}%"
                + (
                    ""
                    if on_ec2
                    else "; the tasks run on Fargate and aren't counted, so 0% (AWS documents "
                    "the formula but not what it publishes when only Fargate tasks run: INF)"
                ),
                True,
                DOC_METRICS if on_ec2 else INF,
            )
        )
    else:
        steps.append(
            Step(
                "no EC2 container instance is registered: cluster CPUReservation, "
                "MemoryReservation and cluster-level utilization have no data (they're "
                "only supported for tasks hosted on EC2 instances)",
                False,
                DOC_METRICS,
            )
        )
    if insights != "disabled" and running:
        # Container-Insights-metrics-ECS.html: ServiceName only for a service's tasks
        service_dims = ["ClusterName,ServiceName"] if setup.service else []
        dims = ["ClusterName", *service_dims, "ClusterName,TaskDefinitionFamily"]
        metrics += [f"ECS/ContainerInsights {m} {d}" for m in INSIGHTS_METRICS for d in dims]
        if insights == "enhanced":
            metrics += [
                f"ECS/ContainerInsights {m} ClusterName,TaskDefinitionFamily,TaskId"
                for m in ("CpuUtilized", "MemoryUtilized")
            ] + [
                f"ECS/ContainerInsights {m} ClusterName,ContainerName,TaskDefinitionFamily"
                for m in ("ContainerCpuUtilized", "ContainerMemoryUtilized")
            ]
        steps.append(
            Step(
                f"Container Insights ({insights}) publishes ECS/ContainerInsights metrics "
                "(CpuUtilized, MemoryUtilized, Network*, RunningTaskCount, PendingTaskCount…)"
                + (" down to task and container level" if insights == "enhanced" else ""),
                True,
                DOC_INSIGHTS,
            )
        )
    facts["metrics"] = metrics
    facts["insights_metrics"] = any(m.startswith("ECS/ContainerInsights ") for m in metrics)
    facts["alarm_state"], facts["alarm_value"] = _alarm_state(setup, values, steps)
    return facts


def _alarm_state(
    setup: Setup, values: Mapping[str, Mapping[str, float]], steps: list[Step]
) -> tuple[str, float | None]:
    alarm = setup.alarm
    if alarm is None:
        return "", None
    dims = ",".join(sorted(alarm.dimensions))  # (ClusterName,ServiceName: as ECS names them)
    key = f"{alarm.metric} {dims}"
    series = values.get(key) if alarm.namespace == "AWS/ECS" else None
    if series is None:
        steps.append(
            Step(
                f"alarm {alarm.name}: {alarm.namespace} {alarm.metric} with dimensions "
                f"{dims or 'none'} has no data points → INSUFFICIENT_DATA",
                False,
                DOC_METRICS,
            )
        )
        return "INSUFFICIENT_DATA", None
    if alarm.statistic in ("Sum", "SampleCount"):
        steps.append(
            Step(
                f"alarm {alarm.name}: ECS doesn't document Sum or SampleCount of a percentage "
                "metric; ecsprep uses the Average (INF)",
                True,
                INF,
            )
        )
        value = series["Average"]
    else:
        value = series[alarm.statistic]
    fires = COMPARISONS[alarm.comparison](value, alarm.threshold)
    state = "ALARM" if fires else "OK"
    steps.append(
        Step(
            f"alarm {alarm.name}: {alarm.metric} {alarm.statistic} {value:g} "
            f"{alarm.comparison} {alarm.threshold:g} → {state} (the minute's use held for "
            "every evaluation period, INF)",
            fires,
            INF,
        )
    )
    return state, round(value, 2)


def _address(text: str, default_port: int) -> tuple[str, int]:
    """[scheme://]host[:port][/] → (host, port); a port that isn't a number is the default."""
    found = _ADDRESS.fullmatch(text)
    if found is None:
        return text, default_port
    host, port = found.group("host", "port")
    return host, int(port) if port and port.isdigit() else default_port


def _listens(c: Container) -> dict[int, str]:
    """Ports a tracing sidecar listens on (INF: recognised by its image name)."""
    image = c.image.lower()
    if "xray-daemon" in image:
        return {2000: "xray-daemon"}
    if "aws-otel-collector" in image or "adot" in image:
        return {4317: "adot", 4318: "adot", 2000: "adot"}
    return {}


def _reach(setup: Setup, sender: Container, host: str, port: int) -> Container | None:
    for c in setup.containers:
        if port not in _listens(c):
            continue
        if setup.network_mode in ("awsvpc", "host"):
            if host in ("localhost", "127.0.0.1"):
                return c
        else:
            # NAME or NAME:ALIAS; links exist only in bridge mode (the reader refuses others)
            names = {link.split(":")[-1]: link.split(":")[0] for link in sender.links}
            if names.get(host) == c.name:
                return c
    return None


def _tracing(setup: Setup, steps: list[Step]) -> dict[str, object]:
    senders = [c for c in setup.containers if setup.instrumentation.get(c.name, "none") != "none"]
    reached: list[tuple[str, str]] = []  # (instrumentation, the sidecar that receives it)
    for c in senders:
        kind = setup.instrumentation[c.name]
        if kind == "xray-sdk":
            raw = c.environment.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000")
            host, port = _address(raw, 2000)
            what = f"{c.name}: the X-Ray SDK sends UDP segments to {host}:{port}"
            src = (
                "AWS_XRAY_DAEMON_ADDRESS"
                if "AWS_XRAY_DAEMON_ADDRESS" in c.environment
                else ("the default address")
            )
        else:
            endpoint = c.environment.get("OTEL_EXPORTER_OTLP_ENDPOINT")
            host, port = _address(endpoint, 4317) if endpoint else ("localhost", 4317)
            what = f"{c.name}: the OpenTelemetry SDK exports OTLP to {host}:{port}"
            src = (
                "OTEL_EXPORTER_OTLP_ENDPOINT"
                if "OTEL_EXPORTER_OTLP_ENDPOINT" in (c.environment)
                else "the OTLP default endpoint (INF)"
            )
        target = _reach(setup, c, host, port)
        if target is None:
            if setup.network_mode in ("bridge", "default") and host in ("localhost", "127.0.0.1"):
                why = (
                    f"in {setup.network_mode} mode each container has its own localhost; "
                    "link the daemon and use its name"
                )
            elif not any(_listens(x) for x in setup.containers):
                why = "no X-Ray daemon or ADOT collector container is in the task"
            else:
                why = "no tracing sidecar in the task is reachable at that address"
            steps.append(Step(f"{what} ({src}): nothing receives them: {why}", False, DOC_XRAY_ECS))
        else:
            reached.append((kind, _listens(target)[port]))
            steps.append(Step(f"{what} ({src}): {target.name} receives them", True, DOC_XRAY_ECS))
    sidecars = [c for c in setup.containers if _listens(c)]
    reachable = bool(reached)
    collectors = {sidecar for _, sidecar in reached}
    # an OpenTelemetry-instrumented container reaches the ADOT collector
    otel_to_adot = ("opentelemetry", "adot") in reached
    uses_xray = any(setup.instrumentation[c.name] == "xray-sdk" for c in senders) or any(
        "xray-daemon" in _listens(c).values() for c in sidecars
    )
    allowed = all(_allowed(setup, setup.task_role, a, "*") for a in XRAY_ACTIONS)
    no_task_role_on_ec2 = setup.launch_type == "EC2" and not setup.task_role
    if senders or sidecars:
        steps.append(
            Step(
                "the task role "
                + ("allows" if allowed else "doesn't allow")
                + " xray:PutTraceSegments and xray:PutTelemetryRecords (a sidecar uploads "
                "with the task role; the execution role is only for the agent: image pulls, "
                "awslogs)"
                + (
                    "; with no task role on EC2 the daemon might use the container instance "
                    "role, whose policies aren't modelled (counted as no permission, INF)"
                    if no_task_role_on_ec2
                    else ""
                ),
                allowed,
                INF if no_task_role_on_ec2 else DOC_XRAY_ECS,
            )
        )
    traces = reachable and allowed
    app_metrics = False
    if otel_to_adot:
        account = _account(setup.task_role)
        arn = f"arn:aws:logs:{setup.region}:{account}:log-group:/aws/ecs/application/metrics:*"
        app_metrics = _allowed(setup, setup.task_role, "logs:PutLogEvents", arn)
        steps.append(
            Step(
                "the ADOT collector exports application metrics to CloudWatch Logs (log group "
                "/aws/ecs/application/metrics, namespace ECS/AWSOTel/Application): "
                + ("allowed" if app_metrics else "the task role lacks logs:PutLogEvents"),
                app_metrics,
                DOC_ADOT_METRICS,
            )
        )
    elif "adot" in collectors:
        steps.append(
            Step(
                "the ADOT collector receives X-Ray segments only: application metrics need an "
                "application instrumented with the OpenTelemetry SDK",
                False,
                DOC_ADOT_METRICS,
            )
        )
    eos = XRAY_END_OF_SUPPORT if uses_xray and senders else ""
    if eos:
        steps.append(
            Step(
                "X-Ray SDKs and daemon: maintenance mode since 2026-02-25, end of support "
                f"{eos}; AWS recommends OpenTelemetry (ADOT)",
                False,
                DOC_XRAY_EOS,
            )
        )
    return {
        "daemon_reachable": reachable,
        "trace_uploads_allowed": allowed,
        "traces": traces,
        "app_metrics": app_metrics,
        "end_of_support": eos,
    }


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def _metadata(setup: Setup, steps: list[Step]) -> list[str]:
    if setup.launch_type == "FARGATE" and setup.os_family.startswith("WINDOWS"):
        # task-metadata-endpoint-v4-fargate.html names only the Linux platform version 1.4.0;
        # for Windows platform versions ecsprep assumes the endpoint is there (INF).
        has, rule = True, INF
        why = f"Windows Fargate platform version {setup.platform_version}"
    elif setup.launch_type == "FARGATE":
        pv = setup.platform_version
        has = pv == "LATEST" or _version(pv) >= (1, 4, 0)
        rule, why = DOC_TMDE, f"platform version {pv}" + (" (1.4.0)" if pv == "LATEST" else "")
    elif setup.os_family.startswith("WINDOWS"):
        # task-metadata-endpoint-v4.html: EC2 Windows instances using awsvpc need agent 1.54.0;
        # the page names no version for Windows in other network modes (INF: the same one).
        has = _version(setup.agent_version) >= (1, 54, 0)
        rule = DOC_TMDE_EC2 if setup.network_mode == "awsvpc" else INF
        why = f"Windows container agent {setup.agent_version} ({setup.network_mode})"
    else:
        has = _version(setup.agent_version) >= (1, 39, 0)
        rule, why = DOC_TMDE_EC2, f"container agent {setup.agent_version}"
    names = [c.name for c in setup.containers] if has else []
    steps.append(
        Step(
            f"{why}: ECS_CONTAINER_METADATA_URI_V4 "
            + (
                "is injected into every container; GET ${ECS_CONTAINER_METADATA_URI_V4}/task "
                "returns the task ARN, Availability Zone and containers, /task/stats the "
                "Docker stats, with no AWS API call or IAM permission"
                if has
                else "is not injected (Fargate 1.4.0+ / agent 1.39.0+ on Linux, 1.54.0+ on "
                "Windows with awsvpc)"
            ),
            has,
            rule,
        )
    )
    return names


def run(setup: Setup) -> Run:
    steps: list[Step] = []
    notes: list[str] = []
    facts: dict[str, object] = {}
    facts.update(_logs(setup, steps, notes))
    insights, new = _insights_value(setup, steps)
    facts["insights"] = insights
    facts["new_cluster_insights"] = new
    facts.update(_metrics(setup, steps, insights))
    facts.update(_tracing(setup, steps))
    facts["metadata_v4"] = _metadata(setup, steps)
    if any(s.rule == INF for s in steps):
        notes.append("steps marked INF are ecsprep's choices where AWS documents nothing")
    return Run(setup, tuple(steps), facts, tuple(notes))


def to_json(result: Run) -> dict[str, object]:
    return {
        "facts": result.facts(),
        "steps": [{"what": s.what, "ok": s.ok, "rule": s.rule} for s in result.steps],
        "notes": list(result.notes),
    }
