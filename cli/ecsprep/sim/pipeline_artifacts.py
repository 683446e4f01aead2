"""CodePipeline's two ECS deploy actions and the files they read from their input artifact.

The Amazon ECS (standard) action (provider `ECS`) reads `imagedefinitions.json` (a list of
`{name, imageUri}`), copies the task definition revision the service currently uses, sets
each named container's image and registers the copy. The Amazon ECS (Blue/Green) action
(provider `CodeDeployToECS`) reads `imageDetail.json` (`{ImageURI}`), the `taskdef.json`
template (whose image holds the `<IMAGE1_NAME>` placeholder) and `appspec.yaml` (whose
LoadBalancerInfo names a container and port of that task definition), registers the task
definition and hands the AppSpec to CodeDeploy. Each check the action makes is recorded
as a `Step`; a failed one stops the deployment. References: the image definitions file
reference and the two action references (docs/pipeline-artifacts.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str, parse_text

FILE_REFERENCE = "https://docs.aws.amazon.com/codepipeline/latest/userguide/file-reference.html"
ECS_ACTION = "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECS.html"
BLUE_GREEN = (
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html"
)
BUILDSPEC = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html"
MAX_DEFINITIONS_BYTES = 100 * 1024  # "The maximum file size limit … is 100 KB."
ACTIONS = ("ECS", "CodeDeployToECS")


@dataclass(frozen=True, slots=True)
class Step:
    """One check the action makes, in order. `code` names a failure a check can expect."""

    text: str
    ok: bool
    ref: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class Deployment:
    action: str
    files: tuple[str, ...]  # the input artifact's file names
    steps: tuple[Step, ...]
    reads: tuple[str, ...]
    based_on: str  # ECS: the service's revision the action copies
    registered: Mapping[str, Any] | None  # the task definition that would be registered
    revision: str  # family:revision of the registered one ("" when the action fails)

    @property
    def deploys(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(step.code for step in self.steps if not step.ok)

    def containers(self) -> list[Mapping[str, Any]]:
        if self.registered is None:
            return []
        return [
            c for c in self.registered.get("containerDefinitions", []) if isinstance(c, Mapping)
        ]

    def facts(self) -> dict[str, object]:
        return {
            "action": self.action,
            "deploys": self.deploys,
            "errors": list(self.errors),
            "reads": list(self.reads),
            "ignored": [f for f in self.files if f not in self.reads],
            "based_on": self.based_on,
            "registered": self.revision,
            "images": {str(c.get("name")): c.get("image") for c in self.containers()},
            "environment": {
                str(c.get("name")): {
                    str(e.get("name")): e.get("value")
                    for e in c.get("environment", [])
                    if isinstance(e, Mapping)
                }
                for c in self.containers()
            },
        }


# --- reading the scenario -----------------------------------------------------------


def _content(value: object, name: str, where: Where) -> object:
    """A file of the artifact: its data, or its text parsed as JSON/YAML."""
    if isinstance(value, str):
        try:
            return parse_text(
                value, f"{where.source} {where.path}", yaml_first=name.endswith((".yaml", ".yml"))
            )
        except InputError:
            return value  # not JSON/YAML: the action will say so
    return value


def _artifact(
    document: Mapping[str, Any], where: Where
) -> tuple[dict[str, object], dict[str, int], list[Step]]:
    """The input artifact's files (name → content), the size in bytes of each file given as
    text (the file's own bytes, whatever its JSON would re-serialise to), and CodeBuild's
    packaging step when the scenario gives a build."""
    steps: list[Step] = []
    if "artifact" in document and "build" in document:
        raise where.refuse("give artifact or build, not both")
    if "artifact" in document:
        given = as_mapping(document["artifact"], where.key("artifact"), "file name → content")
        at = where.key("artifact")
    else:
        if "build" not in document:
            raise where.refuse(
                "the input artifact is missing", "give artifact: {file name: content} or build"
            )
        at = where.key("build")
        build = as_mapping(document["build"], at)
        created = as_mapping(build.get("created", {}), at.key("created"), "file name → content")
        spec = as_mapping(build.get("artifacts", {}), at.key("artifacts"))
        patterns = [
            _glob(as_str(p, at.key("artifacts").key("files").index(i)))
            for i, p in enumerate(as_list(spec.get("files", []), at.key("artifacts").key("files")))
        ]
        given = {n: v for n, v in created.items() if any(p.fullmatch(str(n)) for p in patterns)}
        left = [str(n) for n in created if n not in given]
        steps.append(
            Step(
                "CodeBuild packages only the files that artifacts.files lists"
                + (f"; left out: {', '.join(left)}" if left else ""),
                True,
                BUILDSPEC,
            )
        )
        at = at.key("created")
    files = {str(k): _content(v, str(k), at.key(str(k))) for k, v in given.items()}
    sizes = {str(k): len(v.encode()) for k, v in given.items() if isinstance(v, str)}
    return files, sizes, steps


def _glob(pattern: str) -> re.Pattern[str]:
    """A buildspec `artifacts.files` pattern (CodePipeline's glob rules): `*` and `?` stay
    within a path component, `**` crosses directories, and `**/` may match no directory
    at all, so `**/*` is every file; `[...]` is one character of a set."""
    parts = []
    rest = pattern
    while rest:
        if rest.startswith("**/"):
            parts.append("(?:.*/)?")
            rest = rest[3:]
        elif rest.startswith("**"):
            parts.append(".*")
            rest = rest[2:]
        elif rest[0] == "*":
            parts.append("[^/]*")
            rest = rest[1:]
        elif rest[0] == "?":
            parts.append("[^/]")
            rest = rest[1:]
        elif rest[0] == "[" and "]" in rest[2:]:
            end = rest.index("]", 2)
            body = rest[1:end]
            negate = body.startswith("!")
            chars = re.escape(body[1:] if negate else body).replace("\\-", "-")
            parts.append(f"[{'^' if negate else ''}{chars}]")
            rest = rest[end + 1 :]
        else:
            parts.append(re.escape(rest[0]))
            rest = rest[1:]
    return re.compile("".join(parts), re.DOTALL)


def _task_definitions(document: Mapping[str, Any], where: Where) -> list[Mapping[str, Any]]:
    at = where.key("taskDefinitions")
    found = []
    for i, item in enumerate(as_list(document.get("taskDefinitions", []), at)):
        td = as_mapping(item, at.index(i), "a task definition")
        as_str(td.get("family"), at.index(i).key("family"))
        as_int(td.get("revision"), at.index(i).key("revision"), minimum=1)
        found.append(td)
    return found


def _next_revision(family: str, defs: list[Mapping[str, Any]]) -> int:
    numbers = [int(d["revision"]) for d in defs if d.get("family") == family]
    return max(numbers, default=0) + 1


# --- the actions ---------------------------------------------------------------------


def deploy(document: Mapping[str, Any], where: Where) -> Deployment:
    for key in document:
        if key not in (
            "action",
            "configuration",
            "artifact",
            "build",
            "service",
            "taskDefinitions",
            "description",
        ):
            raise where.key(str(key)).refuse(
                f"unknown key {key!r}",
                "use action, configuration, artifact or build, service, taskDefinitions",
            )
    action = as_str(document.get("action", "ECS"), where.key("action"))
    if action not in ACTIONS:
        raise where.key("action").refuse(f"{action!r} is not ECS or CodeDeployToECS")
    config = as_mapping(document.get("configuration", {}), where.key("configuration"))
    files, sizes, steps = _artifact(document, where)
    defs = _task_definitions(document, where)
    if action == "ECS":
        return _standard(document, where, config, files, sizes, steps, defs)
    return _blue_green(config, files, steps, defs, where)


def _standard(
    document: Mapping[str, Any],
    where: Where,
    config: Mapping[str, object],
    files: dict[str, object],
    sizes: Mapping[str, int],
    steps: list[Step],
    defs: list[Mapping[str, Any]],
) -> Deployment:
    name = as_str(
        config.get("FileName", "imagedefinitions.json"), where.key("configuration").key("FileName")
    )
    service = as_mapping(document.get("service", {}), where.key("service"))
    if "taskDefinition" not in service:
        raise where.key("service").refuse(
            "taskDefinition is missing",
            "the ECS action copies the revision the service uses: "
            "give service: {taskDefinition: web:14}",
        )
    current = as_str(service["taskDefinition"], where.key("service").key("taskDefinition"))
    family, _, number = current.rpartition(":")
    base = next(
        (d for d in defs if d.get("family") == family and str(d.get("revision")) == number), None
    )
    if base is None:
        raise (
            where.key("service")
            .key("taskDefinition")
            .refuse(f"{current} is not among taskDefinitions", "list the revision the service uses")
        )

    def done(
        reads: tuple[str, ...], registered: Mapping[str, Any] | None = None, revision: str = ""
    ) -> Deployment:
        return Deployment("ECS", tuple(files), tuple(steps), reads, current, registered, revision)

    if name not in files:
        steps.append(
            Step(f"{name} is not in the input artifact", False, FILE_REFERENCE, "missing-file")
        )
        return done(())
    data = files[name]
    size = sizes[name] if name in sizes else len(json.dumps(data).encode())
    if size > MAX_DEFINITIONS_BYTES:
        steps.append(
            Step(f"{name} is {size:,} bytes; the limit is 100 KB", False, FILE_REFERENCE, "too-big")
        )
    entries = data if isinstance(data, list) else None
    if entries is None or not all(
        isinstance(e, Mapping)
        and isinstance(e.get("name"), str)
        and isinstance(e.get("imageUri"), str)
        for e in entries
    ):
        steps.append(
            Step(
                f"{name} must be a JSON list of {{name, imageUri}} entries",
                False,
                FILE_REFERENCE,
                "bad-shape",
            )
        )
        return done((name,))
    steps.append(
        Step(
            f"the action copies {current}, the revision the service uses "
            "(revisions registered without updating the service are ignored)",
            True,
            ECS_ACTION,
        )
    )
    containers = [dict(c) for c in base.get("containerDefinitions", []) if isinstance(c, Mapping)]
    names = {str(c.get("name")) for c in containers}
    for entry in entries:
        assert isinstance(entry, Mapping)
        if entry["name"] not in names:
            steps.append(
                Step(
                    f"no container named {entry['name']!r} in {current} (its containers: "
                    f"{', '.join(sorted(names))}); name must be a container name, "
                    "not the repository",
                    False,
                    FILE_REFERENCE,
                    "unknown-container",
                )
            )
        else:
            for c in containers:
                if c.get("name") == entry["name"]:
                    c["image"] = entry["imageUri"]
            steps.append(
                Step(
                    f"container {entry['name']}: image set to {entry['imageUri']}",
                    True,
                    FILE_REFERENCE,
                )
            )
    if not all(s.ok for s in steps):
        return done((name,))
    registered = {
        k: v for k, v in base.items() if k not in ("revision", "status", "taskDefinitionArn")
    }
    registered["containerDefinitions"] = containers
    revision = f"{family}:{_next_revision(family, defs)}"
    steps.append(Step(f"registers {revision} and updates the service to it", True, ECS_ACTION))
    return done((name,), registered, revision)


def _blue_green(
    config: Mapping[str, object],
    files: dict[str, object],
    steps: list[Step],
    defs: list[Mapping[str, Any]],
    where: Where,
) -> Deployment:
    at = where.key("configuration")
    taskdef_name = as_str(
        config.get("TaskDefinitionTemplatePath", "taskdef.json"),
        at.key("TaskDefinitionTemplatePath"),
    )
    appspec_name = as_str(
        config.get("AppSpecTemplatePath", "appspec.yaml"), at.key("AppSpecTemplatePath")
    )
    placeholder = as_str(
        config.get("Image1ContainerName", "IMAGE1_NAME"), at.key("Image1ContainerName")
    )
    wanted = ("imageDetail.json", taskdef_name, appspec_name)
    reads = tuple(n for n in wanted if n in files)
    missing = [n for n in wanted if n not in files]

    def done(registered: Mapping[str, Any] | None = None, revision: str = "") -> Deployment:
        return Deployment(
            "CodeDeployToECS", tuple(files), tuple(steps), reads, "", registered, revision
        )

    for name in missing:
        steps.append(
            Step(f"{name} is not in the input artifacts", False, BLUE_GREEN, "missing-file")
        )
    if missing:
        return done()
    detail = files["imageDetail.json"]
    image = detail.get("ImageURI") if isinstance(detail, Mapping) else None
    if not isinstance(image, str):
        steps.append(
            Step(
                "imageDetail.json must be a JSON object with ImageURI",
                False,
                FILE_REFERENCE,
                "no-image-uri",
            )
        )
        return done()
    steps.append(Step(f"imageDetail.json gives ImageURI {image}", True, FILE_REFERENCE))
    taskdef = files[taskdef_name]
    if not isinstance(taskdef, Mapping) or not isinstance(taskdef.get("family"), str):
        steps.append(
            Step(
                f"{taskdef_name} must be a task definition (JSON) with a family",
                False,
                BLUE_GREEN,
                "bad-taskdef",
            )
        )
        return done()
    containers = [
        dict(c) for c in taskdef.get("containerDefinitions", []) if isinstance(c, Mapping)
    ]
    mark = f"<{placeholder}>"
    filled = [c for c in containers if c.get("image") == mark]
    if not filled:
        steps.append(
            Step(
                f"no container image in {taskdef_name} holds the {mark} placeholder",
                False,
                BLUE_GREEN,
                "no-placeholder",
            )
        )
        return done()
    for c in filled:
        c["image"] = image
    steps.append(
        Step(
            f"{mark} in {', '.join(str(c.get('name')) for c in filled)} replaced by {image}",
            True,
            BLUE_GREEN,
        )
    )
    appspec = files[appspec_name]
    info = _load_balancer_info(appspec)
    if info is None:
        steps.append(
            Step(
                f"{appspec_name} has no Resources[0].TargetService.Properties.LoadBalancerInfo",
                False,
                BLUE_GREEN,
                "bad-appspec",
            )
        )
        return done()
    container, port = info
    match = next((c for c in containers if c.get("name") == container), None)
    if match is None:
        steps.append(
            Step(
                f"the AppSpec's ContainerName {container!r} is not a container in {taskdef_name}",
                False,
                BLUE_GREEN,
                "appspec-container",
            )
        )
        return done()
    ports = [
        m.get("containerPort") for m in match.get("portMappings", []) if isinstance(m, Mapping)
    ]
    if port not in ports:
        steps.append(
            Step(
                f"the AppSpec's ContainerPort {port} is not a containerPort of {container} "
                f"({ports})",
                False,
                BLUE_GREEN,
                "appspec-port",
            )
        )
        return done()
    steps.append(
        Step(
            f"the AppSpec's LoadBalancerInfo ({container}:{port}) matches the task definition",
            True,
            BLUE_GREEN,
        )
    )
    family = str(taskdef["family"])
    registered = {**taskdef, "containerDefinitions": containers}
    revision = f"{family}:{_next_revision(family, defs)}"
    steps.append(
        Step(
            f"registers {revision}, writes its ARN into the AppSpec's TaskDefinition and "
            "starts the CodeDeploy deployment",
            True,
            BLUE_GREEN,
        )
    )
    return done(registered, revision)


def _load_balancer_info(appspec: object) -> tuple[str, object] | None:
    try:
        target = appspec["Resources"][0]  # type: ignore[index]
        props = next(iter(target.values()))["Properties"]
        info = props["LoadBalancerInfo"]
        return str(info["ContainerName"]), info["ContainerPort"]
    except (KeyError, IndexError, TypeError, StopIteration, AttributeError):
        return None
