"""Which AWS compute options can run a workload, and why the others can't.

A workload is described in a small shape (docs/platform-fit.md): its kind (a long-running
service, a batch job or an event handler), how long one run lasts, vCPU, memory, GPUs, OS,
architecture, image size, ephemeral storage, load, and what it needs (the Kubernetes API, a
daemon on every host, privileged containers, a custom AMI, a chosen instance type, a
multi-node job, no servers to manage, no interruptions). Every option is checked against its
documented limits, rule by rule; each refusal is a `Reason` with the page it comes from.
Reasons that rest on a documented purpose rather than a hard limit are marked inferred (INF),
and so is the "least operational overhead" order, which is ecsprep's, not AWS's.

A candidate (the option a question's answer proposes, with `runAs` service or task for ECS
and `spot` for Fargate Spot) is judged the same way, so a check can ask whether it fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from ecsprep.sim.documents import Where, as_mapping, as_str
from ecsprep.sim.fargate import SIZES, WINDOWS_CPU

LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
LAMBDA_MEMORY = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html"
LAMBDA_IMAGES = "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html"
FARGATE_TASKS = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html"
)
FARGATE_SIZES = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html"
)
FARGATE_STORAGE = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-storage.html"
)
FARGATE_SPOT = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html"
)
DAEMON = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html"
SERVICE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html"
BATCH_FARGATE = "https://docs.aws.amazon.com/batch/latest/userguide/fargate.html"
BATCH = "https://docs.aws.amazon.com/batch/latest/userguide/what-is-batch.html"
APP_RUNNER = "https://docs.aws.amazon.com/apprunner/latest/dg/apprunner-availability-change.html"
EXPRESS = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/express-service-overview.html"
)
EKS = "https://docs.aws.amazon.com/eks/latest/userguide/what-is-eks.html"
BEANSTALK = "https://docs.aws.amazon.com/elasticbeanstalk/latest/platforms/platforms-supported.html#platforms-supported.docker"
MANAGED_INSTANCES = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ManagedInstances.html"
)
SHARED = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security-shared.html"
DECISION_GUIDE = "https://docs.aws.amazon.com/decision-guides/latest/containers-on-aws-how-to-choose/choosing-aws-container-service.html"

GIB = 1024
LAMBDA_MAX_MINUTES = 15
LAMBDA_MAX_MEMORY_MIB = 10240
LAMBDA_MAX_VCPU = 6  # "up to 6 vCPUs" at 10,240 MB (configuration-memory)
LAMBDA_MAX_IMAGE_GIB = 10
LAMBDA_MAX_TMP_MIB = 10240
FARGATE_MAX_STORAGE_GIB = 200


class Kind(str, Enum):
    SERVICE = "service"  # long-running, serves requests or holds connections
    BATCH = "batch"  # a finite job that runs to completion
    EVENT = "event"  # a short handler started by each event


class Need(str, Enum):
    KUBERNETES_API = "kubernetesApi"
    DAEMON = "daemonOnEveryHost"
    PRIVILEGED = "privileged"
    CUSTOM_AMI = "customAmi"
    INSTANCE_TYPE = "instanceType"
    MULTI_NODE = "multiNode"
    NO_SERVERS = "noServersToManage"
    NO_INTERRUPTIONS = "noInterruptions"


class Option(str, Enum):
    """The compute options, in ecsprep's (INF) order of operational overhead, least first."""

    LAMBDA = "lambda"
    APP_RUNNER = "app-runner"
    ECS_EXPRESS = "ecs-express"
    ECS_FARGATE = "ecs-fargate"
    BATCH_FARGATE = "batch-fargate"
    BEANSTALK = "beanstalk-docker"
    ECS_MANAGED = "ecs-managed-instances"
    BATCH_EC2 = "batch-ec2"
    ECS_EC2 = "ecs-ec2"
    EKS = "eks"
    EC2 = "ec2"

    @property
    def rank(self) -> int:
        return list(Option).index(self) + 1


TITLES = {
    Option.LAMBDA: "AWS Lambda (container image)",
    Option.APP_RUNNER: "AWS App Runner",
    Option.ECS_EXPRESS: "Amazon ECS Express Mode",
    Option.ECS_FARGATE: "Amazon ECS on AWS Fargate",
    Option.BATCH_FARGATE: "AWS Batch on Fargate",
    Option.BEANSTALK: "Elastic Beanstalk (Docker platform)",
    Option.ECS_MANAGED: "Amazon ECS Managed Instances",
    Option.BATCH_EC2: "AWS Batch on EC2",
    Option.ECS_EC2: "Amazon ECS on EC2 (Auto Scaling group)",
    Option.EKS: "Amazon EKS (EC2 nodes)",
    Option.EC2: "EC2 instances running Docker yourself",
}
ECS = frozenset({Option.ECS_FARGATE, Option.ECS_EC2, Option.ECS_MANAGED})
FARGATE_BASED = frozenset({Option.ECS_FARGATE, Option.ECS_EXPRESS, Option.BATCH_FARGATE})
SERVERLESS = frozenset(
    {
        Option.LAMBDA,
        Option.APP_RUNNER,
        Option.ECS_EXPRESS,
        Option.ECS_FARGATE,
        Option.BATCH_FARGATE,
        Option.ECS_MANAGED,
    }
)
OVERHEAD_NOTE = (
    "INF: the overhead order (least first: "
    + ", ".join(o.value for o in Option)
    + ") is ecsprep's reading of AWS's decision guide, not a ranking AWS publishes"
)


@dataclass(frozen=True, slots=True)
class Workload:
    kind: Kind
    run_minutes: float | None  # one run; None: runs continuously (a service)
    vcpu: float
    memory_mib: int
    gpus: int
    os: str  # LINUX or WINDOWS
    arch: str  # X86_64 or ARM64
    image_gib: float
    storage_gib: float
    spiky: bool
    needs: frozenset[Need]
    app_runner_customer: bool  # an App Runner customer before 30 April 2026


@dataclass(frozen=True, slots=True)
class Candidate:
    option: Option
    run_as: str = ""  # ECS: "service" or "task"
    spot: bool = False  # Fargate Spot (ECS on Fargate, Batch on Fargate)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # a short stable name a check can expect: "run-time", "gpu", …
    text: str
    ref: str
    inferred: bool = False  # a documented purpose read as a rule, not a hard limit


@dataclass(frozen=True, slots=True)
class Verdict:
    option: Option
    reasons: tuple[Reason, ...]

    @property
    def fits(self) -> bool:
        return not self.reasons


@dataclass(frozen=True, slots=True)
class Fit:
    workload: Workload
    verdicts: tuple[Verdict, ...]  # every option, in overhead order
    candidate: Candidate | None
    candidate_verdict: Verdict | None

    @property
    def fits(self) -> tuple[Option, ...]:
        return tuple(v.option for v in self.verdicts if v.fits)

    def facts(self) -> dict[str, object]:
        cand, verdict = self.candidate, self.candidate_verdict
        return {
            "fits": [o.value for o in self.fits],
            "refused_by": {
                v.option.value: [r.code for r in v.reasons] for v in self.verdicts if not v.fits
            },
            "least_overhead": self.fits[0].value if self.fits else "",
            "candidate": cand.option.value if cand else "",
            "candidate_fits": bool(verdict and verdict.fits),
            "candidate_refused_by": [r.code for r in verdict.reasons] if verdict else [],
            "overhead_rank": cand.option.rank if cand else 0,
        }


# --- reading -------------------------------------------------------------------------


def _number(value: object, where: Where, *, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.refuse(f"expected a number, found {type(value).__name__}")
    if value < minimum:
        raise where.refuse(f"must be at least {minimum:g}, found {value:g}")
    return float(value)


def _choice(value: object, where: Where, allowed: tuple[str, ...]) -> str:
    text = as_str(value, where)
    if text not in allowed:
        raise where.refuse(f"{text!r} is not one of {', '.join(allowed)}")
    return text


WORKLOAD_KEYS = (
    "kind",
    "runMinutes",
    "vcpu",
    "memoryMiB",
    "gpus",
    "os",
    "architecture",
    "imageSizeGiB",
    "ephemeralStorageGiB",
    "load",
    "needs",
    "appRunnerCustomer",
)


def read_workload(document: Mapping[str, object], where: Where) -> Workload:
    for key in document:
        if key not in WORKLOAD_KEYS:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "the workload keys are " + ", ".join(WORKLOAD_KEYS)
            )
    if "kind" not in document:
        raise where.refuse("kind is missing", "give kind: service, batch or event")
    kind = Kind(_choice(document["kind"], where.key("kind"), tuple(k.value for k in Kind)))
    minutes: float | None = None
    if "runMinutes" in document:
        minutes = _number(document["runMinutes"], where.key("runMinutes"))
    elif kind is not Kind.SERVICE:
        raise where.refuse(
            f"runMinutes is missing: how long does one {kind.value} run last?",
            "e.g. runMinutes: 180 (a service runs continuously and needs none)",
        )
    needs_raw = document.get("needs", [])
    if not isinstance(needs_raw, list):
        raise where.key("needs").refuse("expected a list of needs")
    allowed = tuple(n.value for n in Need)
    needs = frozenset(
        Need(_choice(item, where.key("needs").index(i), allowed))
        for i, item in enumerate(needs_raw)
    )
    customer = document.get("appRunnerCustomer", False)
    if not isinstance(customer, bool):
        raise where.key("appRunnerCustomer").refuse("expected true or false")
    return Workload(
        kind=kind,
        run_minutes=minutes,
        vcpu=_number(document.get("vcpu", 0.25), where.key("vcpu"), minimum=0.125),
        memory_mib=int(_number(document.get("memoryMiB", 512), where.key("memoryMiB"), minimum=1)),
        gpus=int(_number(document.get("gpus", 0), where.key("gpus"))),
        os=_choice(document.get("os", "LINUX"), where.key("os"), ("LINUX", "WINDOWS")),
        arch=_choice(
            document.get("architecture", "X86_64"), where.key("architecture"), ("X86_64", "ARM64")
        ),
        image_gib=_number(document.get("imageSizeGiB", 1), where.key("imageSizeGiB")),
        storage_gib=_number(
            document.get("ephemeralStorageGiB", 0.5), where.key("ephemeralStorageGiB")
        ),
        spiky=_choice(document.get("load", "steady"), where.key("load"), ("steady", "spiky"))
        == "spiky",
        needs=needs,
        app_runner_customer=customer,
    )


def read_candidate(value: object, where: Where) -> Candidate:
    if isinstance(value, str):
        value = {"option": value}
    document = as_mapping(value, where, "a candidate {option, runAs, spot}")
    for key in document:
        if key not in ("option", "runAs", "spot"):
            raise where.key(str(key)).refuse(f"unknown key {key!r}", "use option, runAs, spot")
    if "option" not in document:
        raise where.refuse("option is missing", "e.g. candidate: {option: ecs-fargate}")
    option = Option(
        _choice(document["option"], where.key("option"), tuple(o.value for o in Option))
    )
    run_as = ""
    if "runAs" in document:
        if option not in ECS:
            raise where.key("runAs").refuse("runAs applies to the ECS options only")
        run_as = _choice(document["runAs"], where.key("runAs"), ("service", "task"))
    spot = document.get("spot", False)
    if not isinstance(spot, bool):
        raise where.key("spot").refuse("expected true or false")
    if spot and option not in (Option.ECS_FARGATE, Option.BATCH_FARGATE):
        raise where.key("spot").refuse("spot applies to ecs-fargate and batch-fargate here")
    return Candidate(option=option, run_as=run_as, spot=spot)


# --- the rules -----------------------------------------------------------------------


def _fargate_size(w: Workload) -> list[Reason]:
    """The largest Fargate size for the OS (task-cpu-memory-error.html)."""
    cpus = sorted(c for c in SIZES if w.os == "LINUX" or c in WINDOWS_CPU)
    big_enough = [c for c in cpus if c >= w.vcpu * 1024 and SIZES[c][-1] >= w.memory_mib]
    if big_enough:
        return []
    top = cpus[-1]
    return [
        Reason(
            "size",
            f"{w.vcpu:g} vCPU with {w.memory_mib:,} MiB is above Fargate's largest {w.os} size "
            f"({top // 1024} vCPU, {SIZES[top][-1] // GIB} GiB)",
            FARGATE_SIZES,
        )
    ]


def _fargate(w: Workload, option: Option) -> list[Reason]:
    found = _fargate_size(w)
    if w.gpus:
        found.append(
            Reason(
                "gpu", "Fargate has no GPUs (a GPU resourceRequirement is refused)", FARGATE_TASKS
            )
        )
    if Need.PRIVILEGED in w.needs:
        found.append(Reason("privileged", "Fargate refuses privileged containers", FARGATE_TASKS))
    if Need.DAEMON in w.needs:
        found.append(
            Reason(
                "daemon",
                "Fargate has no hosts: the DAEMON scheduling strategy needs EC2 capacity",
                DAEMON,
            )
        )
    if Need.CUSTOM_AMI in w.needs:
        found.append(Reason("custom-ami", "Fargate has no AMI to choose", FARGATE_TASKS))
    if Need.INSTANCE_TYPE in w.needs:
        found.append(
            Reason("instance-type", "Fargate has no instance type to choose", FARGATE_TASKS)
        )
    if w.storage_gib > FARGATE_MAX_STORAGE_GIB:
        found.append(
            Reason(
                "ephemeral-storage",
                f"Fargate ephemeral storage is at most {FARGATE_MAX_STORAGE_GIB} GiB",
                FARGATE_STORAGE,
            )
        )
    if option is Option.BATCH_FARGATE and Need.MULTI_NODE in w.needs:
        found.append(
            Reason(
                "multi-node", "multi-node parallel jobs aren't supported on Fargate", BATCH_FARGATE
            )
        )
    return found


def _lambda(w: Workload) -> list[Reason]:
    found = []
    if w.run_minutes is None or w.run_minutes > LAMBDA_MAX_MINUTES:
        length = "runs continuously" if w.run_minutes is None else f"runs {w.run_minutes:g} minutes"
        found.append(
            Reason(
                "run-time", f"an invocation stops after 15 minutes; this {length}", LAMBDA_QUOTAS
            )
        )
    if w.memory_mib > LAMBDA_MAX_MEMORY_MIB:
        found.append(
            Reason(
                "memory",
                f"memory is at most 10,240 MB; this needs {w.memory_mib:,} MiB",
                LAMBDA_QUOTAS,
            )
        )
    if w.vcpu > LAMBDA_MAX_VCPU:
        found.append(
            Reason("vcpu", "a function gets at most 6 vCPUs (at 10,240 MB)", LAMBDA_MEMORY)
        )
    if w.image_gib > LAMBDA_MAX_IMAGE_GIB:
        found.append(
            Reason("image-size", "a container image is at most 10 GB (uncompressed)", LAMBDA_QUOTAS)
        )
    if w.storage_gib * 1024 > LAMBDA_MAX_TMP_MIB:
        found.append(Reason("ephemeral-storage", "/tmp is at most 10,240 MB", LAMBDA_QUOTAS))
    if w.os == "WINDOWS":
        found.append(Reason("os", "Lambda runs Linux-based container images only", LAMBDA_IMAGES))
    if w.gpus:
        found.append(
            Reason(
                "gpu",
                "a function's configuration has memory (and CPU in proportion), no GPUs",
                LAMBDA_MEMORY,
            )
        )
    for need, code in (
        (Need.DAEMON, "daemon"),
        (Need.CUSTOM_AMI, "custom-ami"),
        (Need.INSTANCE_TYPE, "instance-type"),
    ):
        if need in w.needs:
            found.append(
                Reason(code, "Lambda has no hosts, AMIs or instance types to choose", LAMBDA_QUOTAS)
            )
    if Need.PRIVILEGED in w.needs:
        found.append(
            Reason(
                "privileged",
                "a function's configuration has no privileged mode",
                LAMBDA_MEMORY,
                inferred=True,
            )
        )
    return found


def _hosts(w: Workload, option: Option) -> list[Reason]:
    """What limits EC2-backed options: only the needs they document differently."""
    found = []
    if option is Option.BEANSTALK and w.os == "WINDOWS":
        found.append(Reason("os", "the Docker platform branches run on Amazon Linux", BEANSTALK))
    if option is Option.ECS_MANAGED and Need.CUSTOM_AMI in w.needs:
        found.append(
            Reason(
                "custom-ami",
                "AWS launches and manages the instances; the provider's launch template "
                "has no AMI to choose",
                MANAGED_INSTANCES,
                inferred=True,
            )
        )
    return found


def _kind(w: Workload, option: Option, run_as: str) -> list[Reason]:
    found = []
    if option in (Option.BATCH_FARGATE, Option.BATCH_EC2) and w.kind is Kind.SERVICE:
        found.append(
            Reason(
                "kind",
                "Batch runs jobs from a queue to completion; it keeps no service running "
                "behind a load balancer",
                BATCH,
                inferred=True,
            )
        )
    if option in (Option.APP_RUNNER, Option.ECS_EXPRESS) and w.kind is Kind.BATCH:
        found.append(
            Reason(
                "kind",
                f"{TITLES[option]} runs web services and APIs, not jobs that finish",
                APP_RUNNER if option is Option.APP_RUNNER else EXPRESS,
                inferred=True,
            )
        )
    if run_as == "service" and w.kind is Kind.BATCH:
        found.append(
            Reason(
                "service-restarts-job",
                "a service starts a new task whenever one stops, so a finished job runs "
                "again and again: a job is a standalone task",
                SERVICE,
            )
        )
    return found


def _needs(w: Workload, option: Option, spot: bool) -> list[Reason]:
    found = []
    if Need.KUBERNETES_API in w.needs and option is not Option.EKS:
        found.append(
            Reason(
                "kubernetes-api",
                f"{TITLES[option]} has no Kubernetes API (kubectl, Helm, manifests)",
                EKS,
            )
        )
    if Need.NO_SERVERS in w.needs and option not in SERVERLESS:
        found.append(
            Reason(
                "servers-to-manage",
                "the team would patch and scale the EC2 instances itself",
                SHARED,
                inferred=option is Option.BEANSTALK,
            )
        )
    if option is Option.APP_RUNNER and not w.app_runner_customer:
        found.append(
            Reason(
                "new-customer",
                "App Runner is closed to new customers since 30 April 2026",
                APP_RUNNER,
            )
        )
    if spot:
        if w.os == "WINDOWS":
            found.append(
                Reason("spot-windows", "Fargate Spot doesn't run Windows containers", FARGATE_SPOT)
            )
        if Need.NO_INTERRUPTIONS in w.needs:
            found.append(
                Reason(
                    "interruptions",
                    "Fargate Spot can stop a task with a two-minute warning",
                    FARGATE_SPOT,
                )
            )
    return found


def judge(w: Workload, option: Option, run_as: str = "", spot: bool = False) -> Verdict:
    reasons: list[Reason] = []
    if option is Option.LAMBDA:
        reasons += _lambda(w)
    elif option in FARGATE_BASED:
        reasons += _fargate(w, option)
    elif option is Option.APP_RUNNER:
        pass  # its size limits aren't modelled (docs/platform-fit.md)
    else:
        reasons += _hosts(w, option)
    reasons += _kind(w, option, run_as)
    reasons += _needs(w, option, spot)
    return Verdict(option, tuple(reasons))


def fit(w: Workload, candidate: Candidate | None = None) -> Fit:
    verdicts = tuple(judge(w, option) for option in Option)
    chosen = None
    if candidate is not None:
        chosen = judge(w, candidate.option, candidate.run_as, candidate.spot)
    return Fit(workload=w, verdicts=verdicts, candidate=candidate, candidate_verdict=chosen)


def read_and_fit(document: Mapping[str, object], where: Where) -> Fit:
    for key in document:
        if key not in ("workload", "candidate", "description"):
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}", "give workload and, optionally, candidate"
            )
    if "workload" not in document:
        raise where.refuse("workload is missing", "e.g. workload: {kind: batch, runMinutes: 180}")
    workload = read_workload(
        as_mapping(document["workload"], where.key("workload")), where.key("workload")
    )
    candidate = None
    if "candidate" in document:
        candidate = read_candidate(document["candidate"], where.key("candidate"))
    return fit(workload, candidate)
