"""`/etc/ecs/ecs.config`: read it, lint it, and say what the agent runs with.

The file is `KEY=VALUE` lines (the agent reads them as environment variables;
`#` starts a comment). The keys and their defaults are the ones the container
agent's configuration reference documents (ECS developer guide, "Amazon ECS
container agent configuration", and the agent's README). Two starts differ:

- `ecs-init` (the ECS-optimized AMIs, and the `ecs-init` package) starts the agent
  with `ECS_ENABLE_TASK_IAM_ROLE=true`, `ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=true`,
  `ECS_ENABLE_TASK_ENI=true` and the logging drivers json-file, syslog, awslogs,
  fluentd and none (ecs-init's docker configuration);
- the bare agent (a container you start yourself on a custom AMI) uses the agent's
  own defaults: task IAM roles off, logging drivers `["json-file","none"]`.

A value in ecs.config always wins over either default.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from ecsprep.sim.documents import Where


class Start(str, Enum):
    ECS_INIT = "ecs-init"
    AGENT = "agent"  # the bare agent container


class Kind(str, Enum):
    BOOL = "true or false"
    TEXT = "text"
    INT = "a whole number"
    DURATION = "a duration such as 30s, 10m or 3h"
    JSON_LIST = "a JSON list"
    JSON_OBJECT = "a JSON object"
    LEVEL = "crit, error, warn, info or debug"
    PULL = "default, always, once or prefer-cached"


@dataclass(frozen=True, slots=True)
class Key:
    kind: Kind
    default: str  # the bare agent's default ("" = none)
    init_default: str | None = None  # ecs-init's, when it differs
    minimum: str = ""  # documented lower bound of a duration


KEYS: dict[str, Key] = {
    "ECS_CLUSTER": Key(Kind.TEXT, "default"),
    "ECS_ENABLE_TASK_IAM_ROLE": Key(Kind.BOOL, "false", "true"),
    "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST": Key(Kind.BOOL, "false", "true"),
    "ECS_AWSVPC_BLOCK_IMDS": Key(Kind.BOOL, "false"),
    "ECS_ENABLE_TASK_ENI": Key(Kind.BOOL, "false", "true"),
    "ECS_AVAILABLE_LOGGING_DRIVERS": Key(
        Kind.JSON_LIST, '["json-file","none"]', '["json-file","syslog","awslogs","fluentd","none"]'
    ),
    "ECS_INSTANCE_ATTRIBUTES": Key(Kind.JSON_OBJECT, "{}"),
    "ECS_CONTAINER_INSTANCE_TAGS": Key(Kind.JSON_OBJECT, "{}"),
    "ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM": Key(Kind.TEXT, "none"),
    "ECS_RESERVED_MEMORY": Key(Kind.INT, "0"),
    "ECS_RESERVED_PORTS": Key(Kind.JSON_LIST, "[22, 2375, 2376, 51678, 51679]"),
    "ECS_RESERVED_PORTS_UDP": Key(Kind.JSON_LIST, "[]"),
    "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION": Key(Kind.DURATION, "3h", minimum="1m"),
    "ECS_IMAGE_CLEANUP_INTERVAL": Key(Kind.DURATION, "30m", minimum="10m"),
    "ECS_IMAGE_MINIMUM_CLEANUP_AGE": Key(Kind.DURATION, "1h"),
    "ECS_NUM_IMAGES_DELETE_PER_CYCLE": Key(Kind.INT, "5"),
    "ECS_DISABLE_IMAGE_CLEANUP": Key(Kind.BOOL, "false"),
    "ECS_IMAGE_PULL_BEHAVIOR": Key(Kind.PULL, "default"),
    "ECS_CONTAINER_STOP_TIMEOUT": Key(Kind.DURATION, "30s"),
    "ECS_CONTAINER_START_TIMEOUT": Key(Kind.DURATION, "3m"),
    "ECS_ENABLE_CONTAINER_METADATA": Key(Kind.BOOL, "false"),
    "ECS_ENABLE_SPOT_INSTANCE_DRAINING": Key(Kind.BOOL, "false"),
    "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE": Key(Kind.BOOL, "false", "true"),
    "ECS_DISABLE_PRIVILEGED": Key(Kind.BOOL, "false"),
    "ECS_SELINUX_CAPABLE": Key(Kind.BOOL, "false"),
    "ECS_APPARMOR_CAPABLE": Key(Kind.BOOL, "false"),
    "ECS_ENGINE_AUTH_TYPE": Key(Kind.TEXT, ""),
    "ECS_ENGINE_AUTH_DATA": Key(Kind.TEXT, ""),
    "ECS_LOGLEVEL": Key(Kind.LEVEL, "info"),
    "ECS_LOGFILE": Key(Kind.TEXT, ""),
    "ECS_DATADIR": Key(Kind.TEXT, "/data/"),
    "ECS_CHECKPOINT": Key(Kind.BOOL, "true"),
    "ECS_UPDATES_ENABLED": Key(Kind.BOOL, "false", "true"),
    "ECS_UPDATE_DOWNLOAD_DIR": Key(Kind.TEXT, ""),
    "ECS_DISABLE_METRICS": Key(Kind.BOOL, "false"),
    "ECS_POLL_METRICS": Key(Kind.BOOL, "true"),
    "ECS_WARM_POOLS_CHECK": Key(Kind.BOOL, "false"),
    "ECS_ENABLE_GPU_SUPPORT": Key(Kind.BOOL, "false"),
    "ECS_ENABLE_UNTRACKED_IMAGE_CLEANUP": Key(Kind.BOOL, "false"),
    "ECS_EXCLUDE_UNTRACKED_IMAGE": Key(Kind.TEXT, ""),
    "ECS_SHARED_VOLUME_MATCH_FULL_CONFIG": Key(Kind.BOOL, "false"),
    "ECS_CONTAINER_METADATA_POLL_INTERVAL": Key(Kind.DURATION, "60s"),
    "ECS_ENABLE_HIGH_DENSITY_ENI": Key(Kind.BOOL, "true"),
    "ECS_TASK_METADATA_RPS_LIMIT": Key(Kind.TEXT, "40,60"),
    "ECS_INSTANCE_IP_COMPATIBILITY": Key(Kind.TEXT, ""),
    "ECS_BACKEND_HOST": Key(Kind.TEXT, ""),
    "AWS_DEFAULT_REGION": Key(Kind.TEXT, ""),
    "HTTP_PROXY": Key(Kind.TEXT, ""),
    "HTTPS_PROXY": Key(Kind.TEXT, ""),
    "NO_PROXY": Key(Kind.TEXT, ""),
}

_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


class Severity(str, Enum):
    ERROR = "error"  # the agent refuses it or ignores it
    WARNING = "warning"  # the agent reads it, but it probably isn't what was meant


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    key: str
    line: int  # 1-based line in the file (0 when given as a mapping)
    message: str


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    value: str
    source: str  # "ecs.config", "ecs-init default" or "agent default"


@dataclass(frozen=True, slots=True)
class EcsConfig:
    given: Mapping[str, str]  # what the file says (last line wins)
    start: Start
    findings: tuple[Finding, ...] = ()

    def setting(self, key: str) -> Setting:
        if key in self.given and _usable(key, self.given[key]):
            return Setting(key, self.given[key], "ecs.config")
        known = KEYS[key]
        if self.start is Start.ECS_INIT and known.init_default is not None:
            return Setting(key, known.init_default, "ecs-init default")
        return Setting(key, known.default, "agent default")

    def value(self, key: str) -> str:
        return self.setting(key).value

    def enabled(self, key: str) -> bool:
        return self.value(key).strip().lower() == "true"


def seconds(text: str) -> float:
    """A Go duration (`1h30m`, `45s`) in seconds."""
    return sum(
        float(number) * _UNITS[unit]
        for number, _, unit in re.findall(r"(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)", text)
    )


def _usable(key: str, value: str) -> bool:
    return key in KEYS and _problem(key, value) is None


def _problem(key: str, value: str) -> str | None:
    known = KEYS[key]
    text = value.strip()
    if known.kind is Kind.BOOL and text.lower() not in ("true", "false"):
        return f"{value!r} is not {known.kind.value}"
    if known.kind is Kind.INT and not text.isdigit():
        return f"{value!r} is not {known.kind.value}"
    if known.kind is Kind.DURATION:
        if not _DURATION.match(text):
            hint = " (a bare number has no unit: write 30m, not 30)" if text.isdigit() else ""
            return f"{value!r} is not {known.kind.value}{hint}"
        if known.minimum and seconds(text) < seconds(known.minimum):
            return f"{value} is below the documented minimum of {known.minimum}"
    if known.kind in (Kind.JSON_LIST, Kind.JSON_OBJECT):
        try:
            parsed = json.loads(text)
        except ValueError:
            return f"{value!r} is not valid JSON ({known.kind.value})"
        wanted = list if known.kind is Kind.JSON_LIST else dict
        if not isinstance(parsed, wanted):
            return f"{value!r} is not {known.kind.value}"
    if known.kind is Kind.LEVEL and text.lower() not in ("crit", "error", "warn", "info", "debug"):
        return f"{value!r} is not {known.kind.value}"
    if known.kind is Kind.PULL and text not in ("default", "always", "once", "prefer-cached"):
        return f"{value!r} is not {known.kind.value}"
    return None


def read_ecs_config(data: object, where: Where, start: Start = Start.ECS_INIT) -> EcsConfig:
    """ecs.config as text (`KEY=VALUE` lines) or as a mapping; never refuses: it lints."""
    pairs: list[tuple[int, str, str]] = []
    findings: list[Finding] = []
    if data is None:
        data = {}
    if isinstance(data, str):
        for number, raw in enumerate(data.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            found = _LINE.match(line)
            if found is None:
                findings.append(
                    Finding(Severity.ERROR, "", number, f"{line!r} is not a KEY=VALUE line")
                )
                continue
            pairs.append((number, found.group(1), found.group(2)))
    elif isinstance(data, Mapping):
        for key, value in data.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            pairs.append((0, str(key), text))
    else:
        raise where.refuse("ecs.config is KEY=VALUE text or a mapping of keys to values")
    given: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, key, value in pairs:
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            findings.append(
                Finding(
                    Severity.WARNING,
                    key,
                    number,
                    f"{key}: the quotes are part of the value (ecs.config is not a shell script)",
                )
            )
        if key not in KEYS:
            close = difflib.get_close_matches(key.upper(), list(KEYS), n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]}?" if close else ""
            findings.append(
                Finding(
                    Severity.ERROR,
                    key,
                    number,
                    f"{key} is not an agent setting ecsprep knows: the agent ignores it{hint}",
                )
            )
        else:
            problem = _problem(key, value)
            if problem is not None:
                findings.append(Finding(Severity.ERROR, key, number, f"{key}: {problem}"))
        if key in given:
            findings.append(
                Finding(Severity.WARNING, key, number, f"{key} is set twice: the last line wins")
            )
        given[key] = value
        lines[key] = number
    if "ECS_CLUSTER" in given and not given["ECS_CLUSTER"]:
        findings.append(
            Finding(
                Severity.WARNING,
                "ECS_CLUSTER",
                lines["ECS_CLUSTER"],
                "ECS_CLUSTER is empty: the agent uses default",
            )
        )
    if start is Start.AGENT and "ECS_ENABLE_TASK_IAM_ROLE" not in given:
        findings.append(
            Finding(
                Severity.WARNING,
                "ECS_ENABLE_TASK_IAM_ROLE",
                0,
                "bare agent without ECS_ENABLE_TASK_IAM_ROLE: task IAM roles are off "
                "(ecs-init would turn them on)",
            )
        )
    return EcsConfig(given=given, start=start, findings=tuple(findings))
