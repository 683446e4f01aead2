"""Reading a releases scenario (AWS's request shapes, in order) and the check interface
(`simulator: releases`).

The scenario (docs/releases.md): `taskDefinitions` (revisions that exist, as
DescribeTaskDefinition shows them), `images` (the registry now: `repo:tag` → digest),
`platformRevisions` (per Fargate platform version, the revisions published so far, oldest
first), `timing` (how long a task takes to start and to stop), then `setup` (actions that
happened before; they start no counted deployment) and `actions`: each a one-key mapping,
`{updateService: {...}}`, in AWS's request shape. A request AWS refuses is refused with
AWS's message (InputError at its place).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str, parse_text
from ecsprep.sim.releases import (
    FACTS,
    RANKED,
    Action,
    Container,
    Controller,
    Kind,
    Revision,
    Run,
    Setup,
    Timing,
    run,
)
from ecsprep.sim.simulators import Outcome, Simulator

TOP = {
    "description",
    "taskDefinitions",
    "images",
    "platformRevisions",
    "timing",
    "setup",
    "actions",
}
# The members of each request this simulator reads; any other member is refused, so a
# misspelt one can't be silently ignored.
MEMBERS: dict[Kind, tuple[str, ...]] = {
    Kind.REGISTER: ("family", "containerDefinitions"),
    Kind.DEREGISTER: ("taskDefinition",),
    Kind.DESCRIBE: ("taskDefinition",),
    Kind.CREATE_SERVICE: (
        "cluster",
        "serviceName",
        "taskDefinition",
        "desiredCount",
        "launchType",
        "platformVersion",
        "deploymentController",
        "deploymentConfiguration",
        "healthCheckGracePeriodSeconds",
    ),
    Kind.UPDATE_SERVICE: (
        "cluster",
        "service",
        "taskDefinition",
        "desiredCount",
        "forceNewDeployment",
        "platformVersion",
        "deploymentConfiguration",
        "healthCheckGracePeriodSeconds",
    ),
    Kind.STOP_TASK: ("cluster", "task", "reason"),
    Kind.PUT_IMAGE: ("repositoryName", "imageTag", "imageDigest"),
    Kind.PUBLISH_PLATFORM: ("platformVersion", "revision"),
    Kind.CREATE_DEPLOYMENT: ("applicationName", "deploymentGroupName", "revision"),
    Kind.SLEEP: ("seconds",),
    Kind.WAIT_STABLE: ("cluster", "services"),
    Kind.WAIT_RUNNING: ("cluster", "tasks"),
    Kind.MARK: ("name",),
}
_KINDS = {kind.value: kind for kind in Kind}


def _refuse_unknown(
    document: Mapping[str, Any], known: tuple[str, ...] | set[str], at: Where
) -> None:
    for key in document:
        if key not in known:
            raise at.key(str(key)).refuse(
                f"unknown key {key!r}", "ecsprep reads: " + ", ".join(sorted(known))
            )


def _containers(value: object, at: Where) -> tuple[Container, ...]:
    found = []
    for position, item in enumerate(as_list(value, at, "a list of container definitions")):
        here = at.index(position)
        data = as_mapping(item, here, "a container definition")
        consistency = data.get("versionConsistency", "enabled")
        if consistency not in ("enabled", "disabled"):
            raise here.key("versionConsistency").refuse(f"{consistency!r}: use enabled or disabled")
        for key in ("name", "image"):
            if key not in data:
                raise here.refuse(f"{key} is missing", "every container has a name and an image")
        found.append(
            Container(
                as_str(data["name"], here.key("name")),
                as_str(data["image"], here.key("image")),
                consistency == "enabled",
            )
        )
    if not found:
        raise at.refuse("no container definition", "give at least one {name, image}")
    return tuple(found)


def _revisions(value: object, at: Where) -> tuple[Revision, ...]:
    found = []
    for position, item in enumerate(as_list(value, at, "a list of task definitions")):
        here = at.index(position)
        data = as_mapping(item, here, "a task definition")
        _refuse_unknown(data, ("family", "revision", "status", "containerDefinitions"), here)
        status = data.get("status", "ACTIVE")
        if status not in ("ACTIVE", "INACTIVE"):
            raise here.key("status").refuse(
                f"{status!r}: use ACTIVE or INACTIVE",
                "DELETE_IN_PROGRESS (DeleteTaskDefinitions) isn't modelled (docs/releases.md)",
            )
        if "family" not in data or "revision" not in data:
            raise here.refuse("family and revision are required")
        found.append(
            Revision(
                as_str(data["family"], here.key("family")),
                as_int(data["revision"], here.key("revision"), minimum=1),
                _containers(data.get("containerDefinitions"), here.key("containerDefinitions")),
                status == "ACTIVE",
            )
        )
    return tuple(found)


def _percent(config: Mapping[str, Any], key: str, at: Where) -> int | None:
    return as_int(config[key], at.key(key)) if key in config else None


def _task_definition_of(appspec: object, at: Where) -> str:
    """The TaskDefinition of an AppSpec's first TargetService (text or mapping)."""
    try:
        document = parse_text(appspec, "the AppSpec") if isinstance(appspec, str) else appspec
    except InputError as exc:  # its line and column are the AppSpec text's, not the file's
        raise at.refuse(exc.message, exc.hint) from None
    data: Any = as_mapping(document, at, "an AppSpec")
    try:
        return str(data["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"])
    except (KeyError, IndexError, TypeError):
        raise at.refuse(
            "no Resources[0].TargetService.Properties.TaskDefinition in the AppSpec"
        ) from None


def _action(item: object, at: Where) -> Action:
    data = as_mapping(item, at, "an action: a one-key mapping such as {updateService: {...}}")
    if len(data) != 1:
        raise at.refuse(
            f"an action has exactly one key, found {len(data)}",
            "one of: " + ", ".join(_KINDS),
        )
    key = str(next(iter(data)))
    if key not in _KINDS:
        raise at.key(key).refuse(f"unknown action {key!r}", "one of: " + ", ".join(_KINDS))
    kind = _KINDS[key]
    here = at.key(key)
    body = data[key]
    if kind is Kind.SLEEP:
        return Action(kind, here, seconds=as_int(body, here))
    if kind is Kind.MARK:
        return Action(kind, here, name=as_str(body, here))
    request = as_mapping(body, here, f"a {key} request")
    _refuse_unknown(request, MEMBERS[kind], here)

    def text(name: str, default: str | None = None) -> str:
        if name not in request:
            if default is not None:
                return default
            raise here.refuse(f"{name} is required")
        return as_str(request[name], here.key(name))

    def number(name: str) -> int | None:
        return as_int(request[name], here.key(name)) if name in request else None

    if kind is Kind.REGISTER:
        return Action(
            kind,
            here,
            name=text("family"),
            containers=_containers(
                request.get("containerDefinitions"), here.key("containerDefinitions")
            ),
        )
    if kind in (Kind.DEREGISTER, Kind.DESCRIBE):
        return Action(kind, here, task_definition=text("taskDefinition"))
    if kind in (Kind.CREATE_SERVICE, Kind.UPDATE_SERVICE):
        config = as_mapping(
            request.get("deploymentConfiguration", {}),
            here.key("deploymentConfiguration"),
            "a DeploymentConfiguration",
        )
        controller = as_mapping(
            request.get("deploymentController", {}), here.key("deploymentController")
        ).get("type", "ECS")
        if controller not in ("ECS", "CODE_DEPLOY", "EXTERNAL"):
            raise here.key("deploymentController.type").refuse(
                f"{controller!r}: use ECS, CODE_DEPLOY or EXTERNAL"
            )
        force = request.get("forceNewDeployment", False)
        if not isinstance(force, bool):
            raise here.key("forceNewDeployment").refuse("expected true or false")
        launch = text("launchType", "EC2")
        if launch not in ("EC2", "FARGATE", "EXTERNAL"):
            raise here.key("launchType").refuse(f"{launch!r}: use EC2, FARGATE or EXTERNAL")
        if kind is Kind.CREATE_SERVICE and "desiredCount" not in request:
            raise here.refuse(
                "desiredCount is required",
                "a REPLICA service (the default scheduling strategy) needs a desiredCount "
                "(API_CreateService.html)",
            )
        name_key = "serviceName" if kind is Kind.CREATE_SERVICE else "service"
        return Action(
            kind,
            here,
            name=text(name_key),
            task_definition=(
                text("taskDefinition")
                if kind is Kind.CREATE_SERVICE or "taskDefinition" in request
                else None
            ),
            desired=number("desiredCount"),
            force=force,
            grace=number("healthCheckGracePeriodSeconds"),
            platform=text("platformVersion") if "platformVersion" in request else None,
            launch_type=launch,
            controller=Controller(controller),
            min_healthy=_percent(
                config, "minimumHealthyPercent", here.key("deploymentConfiguration")
            ),
            max_percent=_percent(config, "maximumPercent", here.key("deploymentConfiguration")),
            given=tuple(str(k) for k in request),
        )
    if kind is Kind.STOP_TASK:
        return Action(kind, here, name=text("task"))
    if kind is Kind.PUT_IMAGE:
        digest = text("imageDigest")
        if not digest.startswith("sha256:"):
            raise here.key("imageDigest").refuse(f"{digest!r}: a digest reads sha256:...")
        return Action(kind, here, name=text("repositoryName"), tag=text("imageTag"), digest=digest)
    if kind is Kind.PUBLISH_PLATFORM:
        return Action(kind, here, name=text("revision"), platform=text("platformVersion"))
    if kind is Kind.CREATE_DEPLOYMENT:
        revision = as_mapping(request.get("revision"), here.key("revision"), "a RevisionLocation")
        content = as_mapping(
            revision.get("appSpecContent"), here.key("revision.appSpecContent"), "an AppSpecContent"
        )
        at_content = here.key("revision.appSpecContent.content")
        if "content" not in content:
            raise at_content.refuse("content is missing", "give the AppSpec text")
        return Action(
            kind, here, task_definition=_task_definition_of(content["content"], at_content)
        )
    listed = "services" if kind is Kind.WAIT_STABLE else "tasks"
    names = as_list(request.get(listed), here.key(listed), f"a list of {listed}")
    if not names:
        raise here.key(listed).refuse(f"name at least one of the {listed}")
    return Action(
        kind,
        here,
        targets=tuple(as_str(n, here.key(listed).index(i)) for i, n in enumerate(names)),
    )


def read_setup(document: Mapping[str, Any], where: Where) -> Setup:
    _refuse_unknown(document, TOP, where)
    images = as_mapping(
        document.get("images", {}), where.key("images"), "a mapping repo:tag → digest"
    )
    platforms = as_mapping(
        document.get("platformRevisions", {}), where.key("platformRevisions"), "a mapping"
    )
    timing = as_mapping(document.get("timing", {}), where.key("timing"))
    _refuse_unknown(timing, ("taskStartSeconds", "taskStopSeconds"), where.key("timing"))
    default = Timing()
    return Setup(
        revisions=_revisions(document.get("taskDefinitions", []), where.key("taskDefinitions")),
        images={str(k): as_str(v, where.key("images").key(str(k))) for k, v in images.items()},
        platform_revisions={
            str(k): tuple(
                as_str(r, where.key("platformRevisions").key(str(k)).index(i))
                for i, r in enumerate(as_list(v, where.key("platformRevisions").key(str(k))))
            )
            for k, v in platforms.items()
        },
        timing=Timing(
            as_int(
                timing.get("taskStartSeconds", default.start_seconds),
                where.key("timing").key("taskStartSeconds"),
            ),
            as_int(
                timing.get("taskStopSeconds", default.stop_seconds),
                where.key("timing").key("taskStopSeconds"),
            ),
        ),
        setup=tuple(
            _action(item, where.key("setup").index(i))
            for i, item in enumerate(as_list(document.get("setup", []), where.key("setup")))
        ),
        actions=tuple(
            _action(item, where.key("actions").index(i))
            for i, item in enumerate(as_list(document.get("actions", []), where.key("actions")))
        ),
        description=str(document.get("description", "")),
    )


def summary(result: Run) -> str:
    facts = result.facts()
    started = facts["deployments_started"]
    revisions = ", ".join(f"{k} ×{v}" for k, v in dict(facts["tasks_on_revision"]).items())  # type: ignore[call-overload]
    return (
        f"{started} deployment(s) started by the actions; the service settles on "
        f"{revisions or 'no task'}."
    )


def _build(document: Mapping[str, Any], where: Where, folder: Path, name: str) -> Setup:
    del folder, name
    return read_setup(document, where)


def _run(setup: Setup) -> Outcome:
    result = run(setup)
    notes = tuple(
        f"{line.text} ({line.source})"
        for step in (*result.steps, result.settled)
        for line in step.lines
    )
    return Outcome(facts=result.facts(), notes=notes, summary=summary(result), result=result)


SIMULATOR = Simulator(name="releases", facts=FACTS, ranked=RANKED, build=_build, run=_run)
