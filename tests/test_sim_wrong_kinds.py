"""A value of the wrong kind anywhere in a session-17 simulator's scenario: the run refuses
it with a clear message at that place (or reads it, as AWS would: a number where text goes),
never a traceback.

For a few rich documented scenarios of each simulator, every value in turn is replaced by
one of another kind (a mapping or a list by 7, text by a list, a number by text, true by
text); each answer is kept in tests/golden/wrong_kinds/<simulator>.yaml, keyed by the
place changed: the whole refusal, or "read" when the run accepts it (regenerate with
ECSPREP_REGOLD=1 and read the diff).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.simulators import simulator

CASES = Path(__file__).parent / "cases"
GOLDEN = Path(__file__).parent / "golden" / "wrong_kinds"
# simulator -> (its case folder, the documented cases whose scenarios are varied)
SCENARIOS = {
    "ecr-scanning": (
        "ecr_scanning",
        [
            "documented.yaml: managed signing signs pushes to matching repositories only",
            "documented.yaml: enhanced scan on push doesn't rescan; continuous scanning does, "
            "within the rescan duration",
            "documented.yaml: EventBridge rules deliver the events their patterns match to each "
            "target (ecr-eventbridge.html)",
            "documented.yaml: a gate that doesn't wait sees the scan IN_PROGRESS and passes; with "
            "the waiter it fails",
            "documented.yaml: an existing repository's encryption can't be changed; a new "
            "repository gets the key",
            "documented.yaml: notation sign stores the signature in the image's repository",
            "documented.yaml: a repository created with DSSE-KMS in an AWS GovCloud (US) Region "
            "(encryption-at-rest.html)",
            "documented.yaml: images named by their full registry URI, a push to a repository "
            "that doesn't exist, the second signing rule that matches",
        ],
    ),
    "ecr-replication": (
        "ecr_replication",
        [
            "documented.yaml: cross-account-with-registry-policy",
            "documented.yaml: deletes-replicated-only-when-enabled",
            "documented.yaml: replication-template-specific-prefix-wins",
            "documented.yaml: template-kms-needs-custom-role",
            "documented.yaml: create-on-push",
            "documented.yaml: ptc-first-pull-permissions",
            "documented.yaml: ptc-refresh-24-hours",
            "documented.yaml: backfill-request-registry-id-picks-the-source",
        ],
    ),
    "service-discovery": (
        "service_discovery",
        [
            "paths.yaml: security groups by CIDR, a caller's egress, and a group the scenario "
            "doesn't list",
            "paths.yaml: ingressPortOverride is the port the proxy listens on",
            "paths.yaml: a load balancer's DNS name resolves for any caller; with no targets "
            "nothing answers",
            "paths.yaml: awsvpc SRV records carry the registry's port",
            "documented.yaml: bridge-srv-record-carries-host-port",
        ],
    ),
    "observability": (
        "observability",
        [
            "documented.yaml: firelens-firehose-task-role",
            "documented.yaml: xray-daemon-bridge-linked",
            "documented.yaml: reservation-needs-ec2",
            "paths.yaml: FireLens outputs from a custom config file in the router's image, "
            "matched by tag",
            "reading.yaml: every key read",
            "metrics.yaml: cluster MemoryReservation is the MiB tasks on EC2 reserve over the MiB "
            "the instances registered",
            "outputs.yaml: awslogs needs the execution role's permission on the log group in the "
            "awslogs-region and the role's account",
        ],
    ),
    "front-door": (
        "front_door",
        [
            "documented.yaml: rest-api-stage-web-acl",
            "documented.yaml: cloudfront-custom-header-and-listener-rule",
            "documented.yaml: http-api-jwt-authorizer",
            "documented.yaml: vpc-origin-to-internal-alb",
            "documented.yaml: prefix-list-admits-cloudfront-only",
            "documented.yaml: nlb-forwards-to-its-alb-target",
            "documented.yaml: rest-api-request-validation-and-cognito",
            "documented.yaml: http-api-overwrite-path-with-the-proxy-variable",
            "documented.yaml: rest-api-vpc-link-v1-to-nlb",
            "documented.yaml: every-documented-key-is-read",
        ],
    ),
}


def _scenario(folder: str, key: str) -> dict[str, Any]:
    file, _, name = key.partition(": ")
    cases = yaml.safe_load((CASES / folder / file).read_text(encoding="utf-8"))
    found: dict[str, Any] = next(c["scenario"] for c in cases if c["name"] == name)
    return found


def _places(value: Any, place: str = "") -> Iterator[tuple[str, tuple[Any, ...], Any]]:
    """(place as a refusal names it, the keys to it, the value) of every value below."""
    if isinstance(value, dict):
        for key, inner in value.items():
            here = f"{place}.{key}" if place else str(key)
            yield here, (key,), inner
            for p, keys, v in _places(inner, here):
                yield p, (key, *keys), v
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            here = f"{place}[{n}]"
            yield here, (n,), inner
            for p, keys, v in _places(inner, here):
                yield p, (n, *keys), v


def _wrong(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return 7
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, str):
        return ["x"]
    return "seven"


def _answers(name: str, scenario: dict[str, Any]) -> dict[str, str]:
    sim = simulator(name)
    answers = {}
    for place, keys, value in _places(scenario):
        changed = copy.deepcopy(scenario)
        target: Any = changed
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = _wrong(value)
        try:
            sim.run(sim.build(changed, Where("case.yaml"), Path("."), "case"))
        except InputError as refused:
            answers[place] = str(refused) + (f" ({refused.hint})" if refused.hint else "")
        else:
            answers[place] = "read"
    return answers


def _golden(folder: str) -> dict[str, Any]:
    path = GOLDEN / f"{folder}.yaml"
    if not path.exists():
        return {}
    loaded: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return loaded


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_GOLDEN = {folder: _golden(folder) for folder, _ in SCENARIOS.values()}


@pytest.mark.parametrize(
    ("name", "key"), [(name, key) for name, (_, keys) in SCENARIOS.items() for key in keys]
)
def test_a_wrong_kind_is_refused_at_its_place_or_read(name: str, key: str) -> None:
    folder = SCENARIOS[name][0]
    answers = _answers(name, _scenario(folder, key))
    for place, answer in answers.items():
        # a refusal names the place changed or one inside it (or, for a name another part
        # of the scenario refers to, the place that refers to it)
        assert answer == "read" or answer.startswith("case.yaml"), (place, answer)
    if os.environ.get("ECSPREP_REGOLD") == "1":
        GOLDEN.mkdir(exist_ok=True)
        golden = _golden(folder)
        golden[key] = answers
        text = yaml.safe_dump(golden, allow_unicode=True, sort_keys=True, width=100)
        (GOLDEN / f"{folder}.yaml").write_text(text, encoding="utf-8")
        _GOLDEN[folder] = golden
    assert answers == _GOLDEN[folder][key]
