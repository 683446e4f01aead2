"""What a service's tasks run after a sequence of operator actions: task definition
revisions and their status, image tags resolved to digests, Fargate platform revisions,
and which action starts a deployment.

Pure functions over frozen values. `run` plays the actions in order on a small world
(task definition revisions, a registry of tags, the Fargate platform revisions published,
services with their deployments and tasks, a clock) and records, per action, what happened
and why as a `Step` (with the AWS page of its rule, or INF where AWS is silent and ecsprep
chose). After the last action every deployment in flight runs to its end, so the facts
describe what the service settles on. docs/releases.md cites every rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from ecsprep.sim.deployment import ceiling_tasks, floor_tasks
from ecsprep.sim.documents import Where

# --- the AWS pages of the rules ---------------------------------------------------------------

IMAGES = "deployment-type-ecs.html#deployment-container-image-stability"
TD_STATES = "deregister-task-definition-v2.html, API_DeregisterTaskDefinition.html"
TD_REVISIONS = "task_definitions.html (revisions), API_RegisterTaskDefinition.html"
DESCRIBE = "API_DescribeTaskDefinition.html"
UPDATE = "API_UpdateService.html"
PLATFORM = "platform-fargate.html"
SCHEDULER = "deployment-type-ecs.html"
WAITERS = "cli/latest/reference/ecs/wait/services-stable.html, wait/tasks-running.html"
CODEDEPLOY = "deployment-type-bluegreen.html, codedeploy API_CreateDeployment.html"
INF = "INF"
STORY = "the scenario"  # what the question's story says happens (no AWS rule)

# AWS's own messages (seen from the API; the pages give the rules, not the words).
INACTIVE_MESSAGE = "TaskDefinition is inactive"
NOT_FOUND_MESSAGE = "TaskDefinition not found."
DESCRIBE_MESSAGE = "Unable to describe task definition."
CODE_DEPLOY_TASK_DEFINITION = (
    "Unable to update task definition on services with a CODE_DEPLOY deployment controller. "
    "Use AWS CodeDeploy to trigger a new deployment."
)
SERVICE_NOT_FOUND = "Service not found."
# The latest Linux platform version (platform-linux-fargate.html): what LATEST means.
LATEST_LINUX = "1.4.0"
# CLI waiters (services-stable: every 15 s, 40 checks; tasks-running: every 6 s, 100 checks).
STABLE_DELAY, STABLE_CHECKS = 15, 40
RUNNING_DELAY, RUNNING_CHECKS = 6, 100


class Kind(str, Enum):
    REGISTER = "registerTaskDefinition"
    DEREGISTER = "deregisterTaskDefinition"
    DESCRIBE = "describeTaskDefinition"
    CREATE_SERVICE = "createService"
    UPDATE_SERVICE = "updateService"
    STOP_TASK = "stopTask"
    PUT_IMAGE = "putImage"
    PUBLISH_PLATFORM = "publishPlatformRevision"
    CREATE_DEPLOYMENT = "createDeployment"
    SLEEP = "sleep"
    WAIT_STABLE = "waitServicesStable"
    WAIT_RUNNING = "waitTasksRunning"
    MARK = "mark"


class Controller(str, Enum):
    ECS = "ECS"
    CODE_DEPLOY = "CODE_DEPLOY"
    EXTERNAL = "EXTERNAL"


# --- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str
    version_consistency: bool = True  # versionConsistency "enabled" (the default)


@dataclass(frozen=True, slots=True)
class Revision:
    """One task definition revision (family:revision) and its status."""

    family: str
    number: int
    containers: tuple[Container, ...]
    active: bool = True

    @property
    def name(self) -> str:
        return f"{self.family}:{self.number}"

    @property
    def status(self) -> str:
        return "ACTIVE" if self.active else "INACTIVE"


@dataclass(frozen=True, slots=True)
class Action:
    """One operator action, read from AWS's request shape (only the members this
    simulator uses are kept; `given` lists the UpdateService members the request set)."""

    kind: Kind
    at: Where
    name: str = ""  # the service, the family, the task, the repository or the mark
    task_definition: str | None = None
    desired: int | None = None
    force: bool = False
    grace: int | None = None
    platform: str | None = None
    launch_type: str = "EC2"
    controller: Controller = Controller.ECS
    min_healthy: int | None = None
    max_percent: int | None = None
    containers: tuple[Container, ...] = ()
    tag: str = ""
    digest: str = ""
    seconds: int = 0
    targets: tuple[str, ...] = ()  # the services or tasks a waiter watches
    given: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Timing:
    """How long tasks take (not in any API: the story of the question). INF defaults."""

    start_seconds: int = 60  # launch → RUNNING and healthy
    stop_seconds: int = 30  # stop → STOPPED (draining, stopTimeout)


@dataclass(frozen=True, slots=True)
class Setup:
    revisions: tuple[Revision, ...] = ()
    images: Mapping[str, str] = field(default_factory=dict)  # "repo:tag" → digest
    platform_revisions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    timing: Timing = Timing()
    setup: tuple[Action, ...] = ()  # what happened before (not counted)
    actions: tuple[Action, ...] = ()  # what the question asks about
    description: str = ""


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    source: str  # the AWS page of the rule, or INF


@dataclass(frozen=True, slots=True)
class TaskView:
    task: str
    service: str
    revision: str
    digests: tuple[str, ...]
    platform: str  # the platform revision ("" off Fargate)
    status: str
    deployment: str


@dataclass(frozen=True, slots=True)
class DeploymentView:
    id: str
    service: str
    status: str  # PRIMARY, ACTIVE, INACTIVE
    rollout: str  # IN_PROGRESS, COMPLETED
    task_definition: str
    digests: tuple[str, ...]  # as resolved when it started ("tag (at launch)" when not)
    platform_version: str
    started_by: str


@dataclass(frozen=True, slots=True)
class Step:
    label: str  # "actions[1] updateService"
    clock: int  # seconds after the first action, when the step ended
    lines: tuple[Line, ...]
    tasks: tuple[TaskView, ...]  # not STOPPED, after the step
    deployments: tuple[DeploymentView, ...]


@dataclass(frozen=True, slots=True)
class Mark:
    name: str
    clock: int
    stable: bool
    old_tasks: int


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    steps: tuple[Step, ...]
    settled: Step  # after every deployment in flight ran to its end
    revisions: tuple[Revision, ...]
    deployments_started: tuple[str, ...]  # what started each deployment of `actions`
    registered: tuple[str, ...]
    described: Mapping[str, str]
    marks: tuple[Mark, ...]
    launched: tuple[TaskView, ...]  # every task launched during `actions`, as launched
    clock: int  # when the last action ended

    def facts(self) -> dict[str, object]:
        running = [t for t in self.settled.tasks if t.status == "RUNNING"]
        return {
            "deployments_started": len(self.deployments_started),
            "started_by": list(self.deployments_started),
            "tasks_on_revision": _count(t.revision for t in running),
            "tasks_image_digest": _count(d for t in running for d in t.digests),
            "tasks_platform_revision": _count(t.platform for t in running if t.platform),
            "new_tasks_platform_revision": _count(t.platform for t in self.launched if t.platform),
            "tasks_started": len(self.launched),
            "revision_status": {r.name: r.status for r in self.revisions},
            "registered": list(self.registered),
            "described": dict(self.described),
            "stable_at": {m.name: m.stable for m in self.marks},
            "old_tasks_at": {m.name: m.old_tasks for m in self.marks},
            "seconds_at": {m.name: m.clock for m in self.marks},
            "clock_seconds": self.clock,
        }

    def inferred(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for step in (*self.steps, self.settled):
            for line in step.lines:
                if line.source == INF:
                    seen[line.text] = None
        return tuple(seen)


FACTS = (
    "deployments_started",
    "started_by",
    "tasks_on_revision",
    "tasks_image_digest",
    "tasks_platform_revision",
    "new_tasks_platform_revision",
    "tasks_started",
    "revision_status",
    "registered",
    "described",
    "stable_at",
    "old_tasks_at",
    "seconds_at",
    "clock_seconds",
)
RANKED = ("deployments_started", "tasks_started", "clock_seconds")


def _count(values: Iterable[object]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for value in values:
        counted[str(value)] = counted.get(str(value), 0) + 1
    return dict(sorted(counted.items()))


# --- the world (private, mutable while one run plays) -------------------------------------------


@dataclass(slots=True)
class _Task:
    id: str
    service: str
    deployment: str
    revision: str
    digests: tuple[str, ...]
    platform: str
    status: str  # PENDING, RUNNING, STOPPING, STOPPED
    due: int  # when PENDING → RUNNING or STOPPING → STOPPED

    def view(self) -> TaskView:
        return TaskView(
            self.id,
            self.service,
            self.revision,
            self.digests,
            self.platform,
            self.status,
            self.deployment,
        )


@dataclass(slots=True)
class _Deployment:
    id: str
    service: str
    revision: Revision
    digests: tuple[str | None, ...]  # per container; None: resolved by each task at launch
    platform_version: str
    started_by: str
    status: str = "PRIMARY"
    rollout: str = "IN_PROGRESS"
    stuck_said: bool = False

    def view(self) -> DeploymentView:
        shown = tuple(
            digest if digest is not None else f"{c.image} (at launch)"
            for digest, c in zip(self.digests, self.revision.containers, strict=True)
        )
        return DeploymentView(
            self.id,
            self.service,
            self.status,
            self.rollout,
            self.revision.name,
            shown,
            self.platform_version,
            self.started_by,
        )


@dataclass(slots=True)
class _Service:
    name: str
    controller: Controller
    desired: int
    revision: Revision
    fargate: bool
    platform_version: str  # as given (LATEST or a number)
    min_healthy: int
    max_percent: int
    deployments: list[_Deployment] = field(default_factory=list)


class _World:
    def __init__(self, setup: Setup) -> None:
        self.timing = setup.timing
        self.revisions: dict[str, Revision] = {r.name: r for r in setup.revisions}
        self.images = dict(setup.images)
        self.platforms = {k: list(v) for k, v in setup.platform_revisions.items()}
        self.services: dict[str, _Service] = {}
        self.tasks: list[_Task] = []
        self.clock = 0
        self.counting = False  # True while `actions` play (not `setup`)
        self.started: list[str] = []
        self.registered: list[str] = []
        self.described: dict[str, str] = {}
        self.marks: list[Mark] = []
        self.launched: list[TaskView] = []
        self.lines: list[Line] = []
        self.next_task = 1
        self.next_deployment = 1

    def say(self, text: str, source: str) -> None:
        self.lines.append(Line(text, source))

    # task definitions ------------------------------------------------------------------------

    def latest_active(self, family: str) -> Revision | None:
        found = [r for r in self.revisions.values() if r.family == family and r.active]
        return max(found, key=lambda r: r.number) if found else None

    def find(self, reference: str, at: Where) -> Revision:
        """family:revision, a task definition ARN, or a family (its latest ACTIVE revision)."""
        name = _name_of(reference)
        if ":" in name:
            found = self.revisions.get(name)
            if found is None:
                raise at.refuse(f"{NOT_FOUND_MESSAGE} ({name})", "register it first")
            return found
        latest = self.latest_active(name)
        if latest is None:
            raise at.refuse(
                f"{NOT_FOUND_MESSAGE} (no ACTIVE revision in family {name!r})",
                "register a revision of the family first",
            )
        self.say(
            f"{name} names the family only: ECS uses its latest ACTIVE revision, {latest.name}",
            UPDATE,
        )
        return latest

    def runnable(self, reference: str, at: Where) -> Revision:
        found = self.find(reference, at)
        if not found.active:
            raise at.refuse(
                f"{INACTIVE_MESSAGE} ({found.name})",
                "an INACTIVE revision can't run new tasks, create a service or be the target of "
                "a service update (deregister-task-definition-v2.html); register a new revision",
            )
        return found

    # images and platforms --------------------------------------------------------------------

    def digest_of(self, image: str, at: Where) -> str:
        if "@" in image:
            return image.split("@", 1)[1]
        key = _image_key(image)
        if key not in self.images:
            raise at.refuse(
                f"the image {image} ({key}) isn't in the scenario's `images`",
                f'give its digest, e.g. images: {{"{key}": "sha256:..."}}',
            )
        return self.images[key]

    def platform_revision(self, version: str, at: Where) -> str:
        revisions = self.platforms.get(version)
        if not revisions:
            raise at.refuse(
                f"no revision of Fargate platform version {version} is known",
                f'give platformRevisions: {{"{version}": ["{version}-a"]}}',
            )
        return revisions[-1]

    # services --------------------------------------------------------------------------------

    def deploy(self, service: _Service, why: str, at: Where) -> _Deployment:
        digests: list[str | None] = []
        for container in service.revision.containers:
            if container.version_consistency:
                digests.append(self.digest_of(container.image, at))
            else:
                digests.append(None)
        version = service.platform_version if service.fargate else ""
        if version == "LATEST":
            version = LATEST_LINUX
        deployment = _Deployment(
            f"ecs-svc/{self.next_deployment}",
            service.name,
            service.revision,
            tuple(digests),
            version,
            why,
        )
        self.next_deployment += 1
        for old in service.deployments:
            if old.status == "PRIMARY":
                old.status = "ACTIVE"
        service.deployments.append(deployment)
        if self.counting:
            self.started.append(f"{service.name}: {why}")
        pinned = ", ".join(
            f"{c.name} {c.image} → {d}"
            for c, d in zip(service.revision.containers, digests, strict=True)
            if d is not None
        )
        self.say(
            f"new deployment {deployment.id} of {service.name} ({why}): "
            f"{service.revision.name}"
            + (f"; image tags resolved once: {pinned}" if pinned else ""),
            IMAGES if pinned else SCHEDULER,
        )
        for c, d in zip(service.revision.containers, digests, strict=True):
            if d is None:
                self.say(
                    f"{c.name}: versionConsistency disabled, so each task pulls {c.image} "
                    "as it is when the task starts",
                    IMAGES,
                )
        return deployment

    def service(self, name: str, at: Where) -> _Service:
        found = self.services.get(name)
        if found is None:
            raise at.refuse(f"{SERVICE_NOT_FOUND} ({name})", "create the service first")
        return found

    def launch(self, service: _Service, deployment: _Deployment, why: str) -> None:
        at = Where("scenario")
        digests = tuple(
            digest if digest is not None else self.digest_of(c.image, at)
            for digest, c in zip(deployment.digests, deployment.revision.containers, strict=True)
        )
        platform = (
            self.platform_revision(deployment.platform_version, at) if service.fargate else ""
        )
        task = _Task(
            f"{service.name}-{self.next_task}",
            service.name,
            deployment.id,
            deployment.revision.name,
            digests,
            platform,
            "PENDING",
            self.clock + self.timing.start_seconds,
        )
        self.next_task += 1
        self.tasks.append(task)
        if self.counting:
            self.launched.append(task.view())
        where = f" on platform revision {platform}" if platform else ""
        self.say(
            f"{task.id} launched ({why}) from {deployment.id}: {task.revision}, "
            f"{', '.join(digests)}{where}",
            IMAGES,
        )

    def stop(self, task: _Task, why: str) -> None:
        task.status = "STOPPING"
        task.due = self.clock + self.timing.stop_seconds
        self.say(f"{task.id} stopping ({why})", SCHEDULER)

    def referenced(self, name: str) -> bool:
        """Whether a task not yet STOPPED or a service (its revision or a deployment still
        live) uses the revision `name` (API_DescribeTaskDefinition.html)."""
        return any(t.revision == name and t.status != "STOPPED" for t in self.tasks) or any(
            s.revision.name == name
            or any(d.revision.name == name and d.status != "INACTIVE" for d in s.deployments)
            for s in self.services.values()
        )

    def alive(self, service: _Service) -> list[_Task]:
        return [t for t in self.tasks if t.service == service.name and t.status != "STOPPED"]

    def schedule(self, service: _Service) -> None:
        """One look of the service scheduler: stop what the floor allows, launch what the
        ceiling allows (deployment-type-ecs.html), mark a finished rollout COMPLETED."""
        primary = service.deployments[-1]
        tasks = self.alive(service)
        new = [t for t in tasks if t.deployment == primary.id and t.status != "STOPPING"]
        old = [t for t in tasks if t.deployment != primary.id and t.status != "STOPPING"]
        desired = service.desired
        floor = floor_tasks(desired, service.min_healthy)
        ceiling = ceiling_tasks(desired, service.max_percent)
        healthy = sum(t.status == "RUNNING" for t in new + old)
        for task in old[: max(0, min(len(old), healthy - floor))]:
            self.stop(task, f"replaced by {primary.id}")
        extra = len(new) - desired
        for task in sorted(new, key=lambda t: -_number(t.id))[: max(0, extra)]:
            self.stop(task, f"desired count {desired}")
            self.say("scale-in stops the newest tasks first", INF)
        counted = len(self.alive(service))
        start = min(desired - len(new), ceiling - counted)
        for _ in range(max(0, start)):
            self.launch(service, primary, "the scheduler keeps the desired count")
        tasks = self.alive(service)
        done = (
            all(t.deployment == primary.id for t in tasks)
            and sum(t.status == "RUNNING" for t in tasks) == desired
            and len(tasks) == desired
        )
        if done and primary.rollout != "COMPLETED":
            primary.rollout = "COMPLETED"
            for other in service.deployments[:-1]:
                other.status = "INACTIVE"
            self.say(
                f"{primary.id} COMPLETED: {desired} task(s) of {primary.revision.name}", SCHEDULER
            )
        if (
            not done
            and start <= 0
            and not any(t.status in ("PENDING", "STOPPING") for t in tasks)
            and healthy <= floor
            and old
            and not primary.stuck_said
        ):
            primary.stuck_said = True
            self.say(
                f"{primary.id} is stuck: minimumHealthyPercent {service.min_healthy} and "
                f"maximumPercent {service.max_percent} leave no task to stop or start",
                SCHEDULER,
            )

    def advance(self, until: int | None) -> None:
        """Let time pass to `until` (None: until nothing is left to happen)."""
        while True:  # each pass moves a task on; the scheduler only heads for desiredCount
            for service in self.services.values():
                self.schedule(service)
            due = [t.due for t in self.tasks if t.status in ("PENDING", "STOPPING")]
            nxt = min(due) if due else None
            if nxt is None or (until is not None and nxt > until):
                break
            self.clock = max(self.clock, nxt)
            for task in self.tasks:
                if task.due <= self.clock and task.status == "PENDING":
                    task.status = "RUNNING"
                elif task.due <= self.clock and task.status == "STOPPING":
                    task.status = "STOPPED"
        if until is not None:
            self.clock = max(self.clock, until)

    def stable(self, service: _Service) -> bool:
        """services-stable's test: one deployment, runningCount == desiredCount."""
        live = [d for d in service.deployments if d.status != "INACTIVE"]
        running = sum(t.status == "RUNNING" for t in self.alive(service))
        return len(live) == 1 and running == service.desired

    def snapshot(self, label: str) -> Step:
        lines = tuple(self.lines)
        self.lines = []
        return Step(
            label,
            self.clock,
            lines,
            tuple(t.view() for t in self.tasks if t.status != "STOPPED"),
            tuple(d.view() for s in self.services.values() for d in s.deployments),
        )


def _given(value: str | None) -> str:
    """A member the reader requires for this action (so never None here)."""
    assert value is not None
    return value


def _name_of(reference: str) -> str:
    """family:revision or family, from itself or from a task definition ARN."""
    return reference.rsplit("task-definition/", 1)[-1]


def _number(task_id: str) -> int:
    return int(task_id.rsplit("-", 1)[1])


def _image_key(image: str) -> str:
    """`111122223333.dkr.ecr.us-east-1.amazonaws.com/orders:latest` → `orders:latest`;
    no tag → `:latest` (Docker's default)."""
    first, _, rest = image.partition("/")
    path = rest if rest and ("." in first or ":" in first or first == "localhost") else image
    name, _, tag = path.rpartition(":") if ":" in path else (path, "", "latest")
    return f"{name}:{tag}"


# --- the actions -------------------------------------------------------------------------------


def _register(world: _World, action: Action) -> None:
    numbers = [r.number for r in world.revisions.values() if r.family == action.name]
    revision = Revision(action.name, max(numbers, default=0) + 1, action.containers)
    world.revisions[revision.name] = revision
    if world.counting:
        world.registered.append(revision.name)
    world.say(
        f"registered {revision.name} (ACTIVE): the next number of the family, never a freed one",
        TD_REVISIONS,
    )
    world.say("registering a revision changes no service: each keeps the revision it runs", UPDATE)


def _deregister(world: _World, action: Action) -> None:
    reference = _given(action.task_definition)
    if ":" not in _name_of(reference):
        raise action.at.key("taskDefinition").refuse(
            f"{reference}: You must specify a revision", "give family:revision, e.g. web:7"
        )
    found = world.find(reference, action.at.key("taskDefinition"))
    world.revisions[found.name] = replace(found, active=False)
    world.say(
        f"{found.name} is INACTIVE: its running tasks and services keep running and can still "
        "scale; it can't run new tasks, create a service or be the target of an update",
        TD_STATES,
    )
    world.say("the restrictions apply at once (AWS allows up to a 10-minute window)", INF)


def _describe(world: _World, action: Action) -> None:
    name = _name_of(_given(action.task_definition))
    found = world.revisions.get(name) if ":" in name else world.latest_active(name)
    if found is None:
        raise action.at.key("taskDefinition").refuse(f"{DESCRIBE_MESSAGE} ({name})")
    if not found.active and not world.referenced(found.name):
        raise action.at.key("taskDefinition").refuse(
            f"{DESCRIBE_MESSAGE} ({name} is INACTIVE and no task or service uses it)",
            "an INACTIVE revision can be described only while an active task or service "
            "references it (API_DescribeTaskDefinition.html)",
        )
    if world.counting:
        world.described[found.name] = found.status
    world.say(
        f"{found.name} is {found.status} (a revision is ACTIVE from its registration; an "
        "INACTIVE one can be described while an active task or service references it)",
        DESCRIBE,
    )


def _create_service(world: _World, action: Action) -> None:
    at = action.at
    if action.name in world.services:
        raise at.key("serviceName").refuse(
            f"Creation of service was not idempotent. ({action.name} exists)"
        )
    revision = world.runnable(_given(action.task_definition), at.key("taskDefinition"))
    fargate = action.launch_type == "FARGATE"
    service = _Service(
        action.name,
        action.controller,
        action.desired or 0,
        revision,
        fargate,
        action.platform or "LATEST",
        action.min_healthy if action.min_healthy is not None else 100,
        action.max_percent if action.max_percent is not None else 200,
    )
    world.services[service.name] = service
    world.deploy(service, "CreateService", at)


def _update_service(world: _World, action: Action) -> None:
    at = action.at
    service = world.service(action.name, at.key("service"))
    if service.controller is not Controller.ECS:
        _refuse_controller(service, action)
    why = []
    if action.task_definition is not None:
        revision = world.runnable(action.task_definition, at.key("taskDefinition"))
        if revision.name != service.revision.name:
            why.append(f"taskDefinition {revision.name}")
        else:
            world.say(f"taskDefinition {revision.name} is what the service runs already", INF)
        service.revision = revision
    if action.platform is not None and service.fargate:
        if action.platform != service.platform_version:
            why.append(f"platformVersion {action.platform}")
        else:
            world.say(
                f"platformVersion {action.platform} is what the service asks for already", INF
            )
        service.platform_version = action.platform
    if action.force:
        why.append("forceNewDeployment")
    if action.min_healthy is not None:
        service.min_healthy = action.min_healthy
    if action.max_percent is not None:
        service.max_percent = action.max_percent
    if action.grace is not None:
        world.say(
            f"healthCheckGracePeriodSeconds {action.grace}: how long the scheduler ignores "
            "the health checks of a task after it first starts; this parameter doesn't trigger "
            "a new service deployment",
            UPDATE,
        )
    if action.desired is not None and action.desired != service.desired:
        world.say(
            f"desiredCount {service.desired} → {action.desired}: no new deployment; new tasks "
            "come from the current deployment (its resolved digests) on the newest platform "
            "revision of its platform version",
            f"{IMAGES}, {PLATFORM}",
        )
        service.desired = action.desired
    if why:
        world.deploy(service, "UpdateService " + ", ".join(why), at)
    elif action.desired is None:
        world.say("no new deployment: nothing this UpdateService changed starts one", UPDATE)


def _refuse_controller(service: _Service, action: Action) -> None:
    at = action.at
    if service.controller is Controller.CODE_DEPLOY:
        if action.task_definition is not None:
            raise at.key("taskDefinition").refuse(
                CODE_DEPLOY_TASK_DEFINITION,
                "start a CodeDeploy deployment whose AppSpec names the revision"
                + (
                    " (with forceNewDeployment too: ecsprep checks the task definition first, INF)"
                    if action.force
                    else ""
                ),
            )
        for key in ("platformVersion", "forceNewDeployment"):
            if key in action.given and (key != "forceNewDeployment" or action.force):
                raise at.key(key).refuse(
                    f"{key} can't be updated on a service with the CODE_DEPLOY deployment "
                    f"controller: create a new CodeDeploy deployment ({_source(key)})"
                )
        return
    # API_UpdateService.html: an EXTERNAL service updates only the desired count, placement,
    # the grace period and tag options; not even its deployment configuration.
    for key in (
        "taskDefinition",
        "platformVersion",
        "forceNewDeployment",
        "deploymentConfiguration",
    ):
        if key in action.given and (key != "forceNewDeployment" or action.force):
            raise at.key(key).refuse(
                f"{key} can't be updated on a service with the EXTERNAL deployment controller: "
                f"create a new task set ({_source(key)})"
            )


def _source(key: str) -> str:
    """The page names the members such a service may update; forceNewDeployment isn't
    among them, but the page never names it as refused: that refusal is INF."""
    if key == "forceNewDeployment":
        return (
            "INF: API_UpdateService.html doesn't list it among what may be updated; ecsprep's words"
        )
    return "API_UpdateService.html; ecsprep's words"


def _stop_task(world: _World, action: Action) -> None:
    found = next((t for t in world.tasks if t.id == action.name), None)
    if found is None or found.status in ("STOPPED", "STOPPING"):
        raise action.at.key("task").refuse(
            f"The referenced task was not found. ({action.name} isn't running)",
            "name a task the output lists as PENDING or RUNNING (ecsprep's names)",
        )
    world.stop(found, "StopTask")
    world.say(
        "the service scheduler replaces a stopped task from the service's current deployment: "
        "the same revision and the digests it resolved",
        IMAGES,
    )


def _put_image(world: _World, action: Action) -> None:
    key = f"{action.name}:{action.tag}"
    before = world.images.get(key)
    world.images[key] = action.digest
    world.say(
        f"{key} now points to {action.digest}"
        + (f" (was {before})" if before and before != action.digest else "")
        + ": ECS doesn't watch the registry, so no deployment starts",
        IMAGES,
    )


def _publish(world: _World, action: Action) -> None:
    world.platforms.setdefault(_given(action.platform), []).append(action.name)
    world.say(
        f"Fargate publishes {action.name} of platform version {action.platform}: running tasks "
        "keep their revision; every task launched from now on gets this one",
        PLATFORM,
    )


def _create_deployment(world: _World, action: Action) -> None:
    at = action.at
    services = [s for s in world.services.values() if s.controller is Controller.CODE_DEPLOY]
    if len(services) != 1:
        raise at.refuse(
            f"ecsprep needs exactly one CODE_DEPLOY service for the deployment group, found "
            f"{len(services)}"
        )
    service = services[0]
    service.revision = world.runnable(_given(action.task_definition), at.key("revision"))
    world.say(
        "CodeDeploy starts a replacement task set at full size, shifts traffic to it and then "
        "terminates the original (the deployment simulator shows the traffic)",
        CODEDEPLOY,
    )
    world.say("the replacement task set resolves image tags like a service deployment", INF)
    world.deploy(service, "CodeDeploy CreateDeployment", at)


def _wait(
    world: _World,
    delay: int,
    checks: int,
    test: Callable[[], bool],
    fails: Callable[[], str] = lambda: "",
) -> None:
    """Poll like the CLI waiter: `test` is its success acceptor, `fails` its failure acceptor
    (what it found, or "": tasks-running fails at once on a STOPPED task, as the ECS waiter
    model's acceptors say)."""
    for check in range(checks):
        if check:
            world.advance(world.clock + delay)
        else:
            world.advance(world.clock)
        if test():
            world.say(f"the waiter returns at {world.clock} s (check {check + 1})", WAITERS)
            return
        failure = fails()
        if failure:
            world.say(
                f"the waiter fails at {world.clock} s (check {check + 1}, exit code 255): "
                f"{failure}",
                WAITERS,
            )
            return
    world.say(
        f"the waiter gives up after {checks} failed checks (exit code 255) at {world.clock} s",
        WAITERS,
    )


def _play(world: _World, action: Action) -> None:
    kind = action.kind
    if kind is Kind.REGISTER:
        _register(world, action)
    elif kind is Kind.DEREGISTER:
        _deregister(world, action)
    elif kind is Kind.DESCRIBE:
        _describe(world, action)
    elif kind is Kind.CREATE_SERVICE:
        _create_service(world, action)
    elif kind is Kind.UPDATE_SERVICE:
        _update_service(world, action)
    elif kind is Kind.STOP_TASK:
        _stop_task(world, action)
    elif kind is Kind.PUT_IMAGE:
        _put_image(world, action)
    elif kind is Kind.PUBLISH_PLATFORM:
        _publish(world, action)
    elif kind is Kind.CREATE_DEPLOYMENT:
        _create_deployment(world, action)
    elif kind is Kind.SLEEP:
        world.advance(world.clock + action.seconds)
        world.say(f"{action.seconds} s pass (now {world.clock} s)", STORY)
    elif kind is Kind.WAIT_STABLE:
        services = [world.service(name, action.at.key("services")) for name in action.targets]
        _wait(
            world,
            STABLE_DELAY,
            STABLE_CHECKS,
            lambda: all(world.stable(s) for s in services),
        )
    elif kind is Kind.WAIT_RUNNING:
        for name in action.targets:
            if not any(t.id == name for t in world.tasks):
                raise action.at.key("tasks").refuse(f"no task {name} was launched")
        watched = [t for t in world.tasks if t.id in action.targets]
        _wait(
            world,
            RUNNING_DELAY,
            RUNNING_CHECKS,
            lambda: all(t.status == "RUNNING" for t in watched),
            lambda: ", ".join(f"{t.id} is STOPPED" for t in watched if t.status == "STOPPED"),
        )
    elif kind is Kind.MARK:
        old = sum(
            1
            for s in world.services.values()
            for t in world.alive(s)
            if s.deployments and t.deployment != s.deployments[-1].id
        )
        stable = all(world.stable(s) for s in world.services.values())
        if world.counting:
            world.marks.append(Mark(action.name, world.clock, stable, old))
        world.say(
            f"{action.name} at {world.clock} s: "
            + ("every service is stable" if stable else "a deployment is still in progress")
            + f", {old} task(s) of an older deployment not yet stopped",
            SCHEDULER,
        )


def run(setup: Setup) -> Run:
    """Play `setup.setup` then `setup.actions`; an action AWS refuses raises InputError."""
    world = _World(setup)
    for action in setup.setup:
        _play(world, action)
        world.advance(None)
    world.lines = []
    world.clock = 0
    world.counting = True
    steps = []
    for action in setup.actions:
        _play(world, action)
        world.advance(world.clock)
        steps.append(world.snapshot(action.at.path))
    clock = world.clock
    world.advance(None)
    settled = world.snapshot("then every deployment runs to its end")
    return Run(
        setup=setup,
        steps=tuple(steps),
        settled=settled,
        revisions=tuple(sorted(world.revisions.values(), key=lambda r: (r.family, r.number))),
        deployments_started=tuple(world.started),
        registered=tuple(world.registered),
        described=dict(world.described),
        marks=tuple(world.marks),
        launched=tuple(world.launched),
        clock=clock,
    )
