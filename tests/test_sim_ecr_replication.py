"""The ecr-replication simulator (sim/ecr_replication/), its command and invariants."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_replication import Verdict, read_setup, run, to_json
from ecsprep.sim.ecr_replication.permissions import NO_PRINCIPAL
from ecsprep.ui.app import app
from tests.case_tables import case_params

CASES = Path(__file__).parent / "cases" / "ecr_replication"
GOLDEN = Path(__file__).parent / "golden" / "simulate_ecr_replication.txt"
HOST = "111122223333.dkr.ecr.us-east-1.amazonaws.com"


def _cases(name: str) -> list[Any]:
    return case_params(CASES / name)


@pytest.mark.parametrize("case", _cases("documented.yaml"))
def test_documented_case(case: dict[str, Any]) -> None:
    facts = run(read_setup(case["scenario"], Where("case.yaml"))).facts()
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)


@pytest.mark.parametrize("case", _cases("refused.yaml"))
def test_refused_case(case: dict[str, Any]) -> None:
    with pytest.raises(InputError) as raised:
        read_setup(case["scenario"], Where("case.yaml"))
    assert case["refused"] in str(raised.value)


@pytest.mark.parametrize("case", _cases("permissions.yaml"))
def test_who_allowed_or_denied(case: dict[str, Any]) -> None:
    """The facts of a run with identity, repository and registry policies, and the whole
    text of every failed decision: the action, and the policy and Sid that denied it or the
    policies that could have allowed it."""
    result = run(read_setup(case["scenario"], Where("case.yaml")))
    facts = result.facts()
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)
    failed = [d.what for d in result.decisions if d.verdict is Verdict.FAILED]
    assert failed == case["says"]


@pytest.mark.parametrize("case", _cases("steps.yaml"))
def test_every_step_as_read(case: dict[str, Any]) -> None:
    """The facts of a run and the whole text of every decision, in order."""
    result = run(read_setup(case["scenario"], Where("case.yaml")))
    facts = result.facts()
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)
    assert [d.what for d in result.decisions] == case["steps"]


@pytest.mark.parametrize(
    "case", [*_cases("documented.yaml"), *_cases("permissions.yaml"), *_cases("steps.yaml")]
)
def test_json_decisions_hold_text_only(case: dict[str, Any]) -> None:
    """`--format json` gives every decision's event, time, verdict, text and rule as strings
    ("" when there is none), never null."""
    data = json.loads(json.dumps(to_json(run(read_setup(case["scenario"], Where("s"))))))
    for decision in data["decisions"]:
        assert set(decision) == {"event", "at", "verdict", "what", "rule"}
        assert all(isinstance(value, str) for value in decision.values()), decision


def test_the_run_says_when_no_principal_stands_for_the_identity_policies() -> None:
    """docs/ecr-replication.md's INF (no principal: every action allowed by identity) is said
    in the notes of a run that pushes or pulls, and only when the scenario has no principal."""
    cases = {c.id: c.values[0]["scenario"] for c in _cases("permissions.yaml")}
    without = cases["without a principal only a resource policy's explicit deny refuses"]
    notes = run(read_setup(without, Where("s"))).notes
    assert notes == (NO_PRINCIPAL,)
    assert NO_PRINCIPAL.startswith("INF: the scenario gives no principal")
    with_one = {**without, "principal": {"arn": "arn:aws:iam::111122223333:role/ci"}}
    assert run(read_setup(with_one, Where("s"))).notes == ()
    quiet = {**without, "events": [{"wait": "a day"}]}
    assert run(read_setup(quiet, Where("s"))).notes == ()


def _timed(scenario: dict[str, Any]) -> dict[str, Any]:
    """The scenario with a time on each event (a minute apart), unless some event has one."""
    events = scenario.get("events", [])
    if any("at" in event for event in events):
        return scenario
    return {
        **scenario,
        "events": [{**event, "at": f"2026-03-01T10:{n:02d}:00Z"} for n, event in enumerate(events)],
    }


def _utc_minute(text: str | None) -> str:
    if text is None:
        return ""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("timed", [False, True], ids=["as-given", "timed"])
@pytest.mark.parametrize(
    "case", [*_cases("documented.yaml"), *_cases("permissions.yaml"), *_cases("steps.yaml")]
)
def test_each_decision_names_its_event_and_the_events_time(
    case: dict[str, Any], timed: bool
) -> None:
    """Every decision belongs to one event of the scenario, in the events' order: it is
    labelled "N. kind target" and carries that event's time ("" when the event has none)."""
    scenario = _timed(case["scenario"]) if timed else case["scenario"]
    setup = read_setup(scenario, Where("case.yaml"))
    # the times as the scenario writes them (UTC when they carry no offset), not as read
    written = [_utc_minute(event.get("at")) for event in scenario.get("events", [])]
    events = {
        f"{n}. {event.kind} {event.target}": (n, time)
        for n, (event, time) in enumerate(zip(setup.events, written, strict=True), start=1)
    }
    order = []
    for decision in run(setup).decisions:
        assert decision.event in events, (decision, list(events))
        number, time = events[decision.event]
        assert decision.at == time, decision
        order.append(number)
    assert order == sorted(order)


def test_decisions_cite_the_rule() -> None:
    case = next(c for c in yaml.safe_load((CASES / "documented.yaml").read_text()))
    result = run(read_setup(case["scenario"], Where("s")))
    assert result.decisions
    assert all(d.rule for d in result.decisions)


NAMES = st.sampled_from(["prod/api", "prod-web", "dev/api", "tools/ci", "api"])
FILTERS = st.lists(st.sampled_from(["prod", "dev", "tools", "a"]), max_size=3, unique=True)


@settings(max_examples=60, deadline=None)
@given(pushes=st.lists(NAMES, min_size=1, max_size=6), filters=FILTERS)
def test_replicated_exactly_the_matching_pushes(pushes: list[str], filters: list[str]) -> None:
    """Cross-Region in one's own registry: every push to a repository a filter matches (all
    when there is no filter) is replicated, and nothing else; the source never changes."""
    rule: dict[str, Any] = {"destinations": [{"region": "us-west-2", "registryId": "111122223333"}]}
    if filters:
        rule["repositoryFilters"] = [{"filter": f, "filterType": "PREFIX_MATCH"} for f in filters]
    document = {
        "registries": [
            {
                "registryId": "111122223333",
                "region": "us-east-1",
                "replicationConfiguration": {"rules": [rule]},
                "repositories": [{"repositoryName": n} for n in sorted(set(pushes))],
            }
        ],
        "events": [{"push": f"{HOST}/{n}:{i}"} for i, n in enumerate(pushes)],
    }
    facts = run(read_setup(document, Where("s"))).facts()
    wanted = [
        f"111122223333.dkr.ecr.us-west-2.amazonaws.com/{n}:{i}"
        for i, n in enumerate(pushes)
        if not filters or any(n.startswith(f) for f in filters)
    ]
    assert facts["replicated"] == wanted
    images = facts["images"]
    assert isinstance(images, dict)
    assert images["111122223333/us-east-1"] == sorted(f"{n}:{i}" for i, n in enumerate(pushes))


@settings(max_examples=40, deadline=None)
@given(hours=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=6))
def test_cache_refreshes_at_most_once_a_day(hours: list[int]) -> None:
    """With a new upstream image behind the tag, the cache is refreshed at a pull only when
    the cached copy was synced 24 hours or more before; every later pull is served."""
    times = sorted(set(hours))
    uri = f"{HOST}/quay/app:latest"
    events: list[dict[str, Any]] = [{"at": "2026-01-01T00:00:00", "pull": uri}]
    events.append({"at": "2026-01-01T00:00:00", "upstreamPush": "quay.io/app:latest"})
    events += [{"at": f"2026-01-{1 + h // 24:02d}T{h % 24:02d}:30:00", "pull": uri} for h in times]
    document = {
        "registries": [
            {
                "registryId": "111122223333",
                "region": "us-east-1",
                "pullThroughCacheRules": [
                    {"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io"}
                ],
            }
        ],
        "events": events,
    }
    facts = run(read_setup(document, Where("s"))).facts()
    refreshed = facts["refreshed"]
    assert isinstance(refreshed, list)
    assert len(refreshed) == (1 if times[-1] >= 24 else 0)
    assert facts["from_cache"] == len(times) - len(refreshed)
    assert len(facts["pulled"]) == len(times) + 1  # type: ignore[arg-type]


SCENARIO = """
description: prod/orders:v2 is pushed in us-east-1 and replicated to eu-west-1.
registries:
  - registryId: "111122223333"
    region: us-east-1
    repositories: [{repositoryName: prod/orders}]
    replicationConfiguration:
      rules:
        - destinations: [{region: eu-west-1, registryId: "111122223333"}]
          repositoryFilters: [{filter: prod, filterType: PREFIX_MATCH}]
  - registryId: "111122223333"
    region: eu-west-1
    repositoryCreationTemplates:
      - {prefix: prod, appliedFor: [REPLICATION], imageTagMutability: IMMUTABLE}
events:
  - push: 111122223333.dkr.ecr.us-east-1.amazonaws.com/prod/orders:v2
"""


def _invoke(tmp_path: Path, text: str, *args: str) -> Any:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return CliRunner().invoke(
        app, ["simulate", "ecr-replication", str(path), *args], env={"COLUMNS": "100"}
    )


def test_command_text_golden(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO)
    assert result.exit_code == 0, result.output
    shown = result.output.replace(str(tmp_path), "TMP")
    assert shown == GOLDEN.read_text()


def test_command_json(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["replicated"] == ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/prod/orders:v2"]
    assert data["templates"] == {"111122223333.dkr.ecr.eu-west-1.amazonaws.com/prod/orders": "prod"}
    assert [d["verdict"] for d in data["decisions"]] == ["done", "done", "done"]


def test_command_push_flag(tmp_path: Path) -> None:
    result = _invoke(tmp_path, SCENARIO, "--push", f"{HOST}/dev/x:1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["errors"] == ["RepositoryNotFoundException"]


def test_command_refuses_with_aws_message(tmp_path: Path) -> None:
    bad = SCENARIO.replace("filterType: PREFIX_MATCH", "filterType: WILDCARD")
    result = _invoke(tmp_path, bad)
    assert result.exit_code == 2
    assert "the only filterType is PREFIX_MATCH" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("count", "refused"), [(100, False), (101, True)])
def test_a_rule_has_at_most_100_destinations(count: int, refused: bool) -> None:
    """API_ReplicationRule: destinations has at most 100 items."""
    destinations = [{"region": "us-west-2", "registryId": f"{n:012d}"} for n in range(count)]
    document = {
        "registries": [
            {
                "registryId": "111122223333",
                "region": "us-east-1",
                "replicationConfiguration": {"rules": [{"destinations": destinations}]},
            }
        ]
    }
    if not refused:
        assert len(read_setup(document, Where("s")).registries[0].rules[0].destinations) == count
        return
    with pytest.raises(InputError) as raised:
        read_setup(document, Where("s"))
    assert str(raised.value) == (
        "s registries[0].replicationConfiguration.rules[0].destinations: "
        "InvalidParameterException: a rule has at most 100 destinations"
    )


def test_command_json_lists_each_decision_with_its_time_and_page(tmp_path: Path) -> None:
    """--format json: every decision in order, with the event, its time, the verdict, what
    happened and the doc page; the notes after them."""
    timed = SCENARIO.replace(
        "  - push: 111122223333", '  - at: "2026-03-01T10:30:00Z"\n    push: 111122223333'
    )
    result = _invoke(tmp_path, timed, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    event = f"1. push {HOST}/prod/orders:v2"
    west = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/prod/orders"
    assert data["decisions"] == [
        {
            "event": event,
            "at": "2026-03-01 10:30",
            "verdict": "done",
            "what": "pushed prod/orders:v2 to 111122223333/us-east-1",
            "rule": "image-push.html",
        },
        {
            "event": event,
            "at": "2026-03-01 10:30",
            "verdict": "done",
            "what": f"ECR creates {west}: template 'prod' (applied for REPLICATION) gives it "
            "IMMUTABLE tags, AES256",
            "rule": "repository-creation-templates-create.html",
        },
        {
            "event": event,
            "at": "2026-03-01 10:30",
            "verdict": "done",
            "what": f"ECR replicates prod/orders:v2 to {west}:v2 (cross-Region)",
            "rule": "registry-settings-configure.html",
        },
    ]
    assert data["notes"] == [NO_PRINCIPAL]
    assert data["pushes"] == 1


def _registry(**settings: Any) -> dict[str, Any]:
    return {"registries": [{"registryId": "111122223333", "region": "eu-west-1", **settings}]}


@pytest.mark.parametrize(("count", "refused"), [(1, False), (100, False), (101, True)])
def test_a_rule_has_1_to_100_repository_filters(count: int, refused: bool) -> None:
    """API_ReplicationRule: repositoryFilters, when given, has 1 to 100 items."""
    rule = {
        "destinations": [{"region": "us-west-2", "registryId": "111122223333"}],
        "repositoryFilters": [
            {"filter": f"p{n}", "filterType": "PREFIX_MATCH"} for n in range(count)
        ],
    }
    document = _registry(replicationConfiguration={"rules": [rule]})
    if not refused:
        assert len(read_setup(document, Where("s")).registries[0].rules[0].filters) == count
        return
    with pytest.raises(InputError, match="give 1 to 100 repository filters"):
        read_setup(document, Where("s"))


@pytest.mark.parametrize(
    ("prefix", "refused"),
    [("q", True), ("qu", False), ("a" * 30, False), ("a" * 31, True), ("team/a", False)],
)
def test_a_cache_rule_prefix_has_2_to_30_characters(prefix: str, refused: bool) -> None:
    """API_CreatePullThroughCacheRule: ecrRepositoryPrefix, 2 to 30 characters."""
    rule = {"ecrRepositoryPrefix": prefix, "upstreamRegistryUrl": "quay.io"}
    document = _registry(pullThroughCacheRules=[rule])
    if not refused:
        assert read_setup(document, Where("s")).registries[0].cache_rules[0].prefix == prefix
        return
    with pytest.raises(InputError, match=f"Value '{prefix}' at 'ecrRepositoryPrefix'"):
        read_setup(document, Where("s"))


@pytest.mark.parametrize(
    ("url", "upstream"),
    [
        ("https://quay.io", "quay"),
        ("quay.io/", "quay"),
        ("https://public.ecr.aws/", "ecr-public"),
        ("444455556666.dkr.ecr.us-west-2.amazonaws.com", "ecr"),
    ],
)
def test_an_upstream_url_may_be_written_with_https_and_a_slash(url: str, upstream: str) -> None:
    """The console and CLI take the upstream registry URL with or without https:// (a trailing
    slash is dropped); the rule's upstream is named by the registry."""
    document = _registry(
        pullThroughCacheRules=[{"ecrRepositoryPrefix": "up", "upstreamRegistryUrl": url}]
    )
    rule = read_setup(document, Where("s")).registries[0].cache_rules[0]
    assert (rule.upstream_url, rule.upstream) == (
        url.removeprefix("https://").rstrip("/"),
        upstream,
    )


def test_a_cache_rule_secret_in_another_account_is_not_found() -> None:
    """pull-through-cache-creating-rule.html: the secret must be in the rule's account and
    Region: the same Region in another account is refused as well."""
    arn = "arn:aws:secretsmanager:eu-west-1:444455556666:secret:ecr-pullthroughcache/hub"
    rule = {
        "ecrRepositoryPrefix": "hub",
        "upstreamRegistryUrl": "registry-1.docker.io",
        "credentialArn": arn,
    }
    with pytest.raises(InputError) as raised:
        read_setup(_registry(pullThroughCacheRules=[rule]), Where("s"))
    assert str(raised.value) == (
        "s registries[0].pullThroughCacheRules[0].credentialArn: SecretNotFoundException: the "
        "secret is in 444455556666/eu-west-1, not in the rule's account and Region "
        "111122223333/eu-west-1"
    )


@pytest.mark.parametrize(("count", "refused"), [(10, False), (11, True)])
def test_a_replication_configuration_has_at_most_10_rules(count: int, refused: bool) -> None:
    """API_ReplicationConfiguration: rules has at most 10 items."""
    rule = {"destinations": [{"region": "us-west-2", "registryId": "111122223333"}]}
    document = _registry(replicationConfiguration={"rules": [rule] * count})
    if not refused:
        assert len(read_setup(document, Where("s")).registries[0].rules) == count
        return
    with pytest.raises(InputError, match="has at most 10 rules"):
        read_setup(document, Where("s"))


def test_event_times_are_shown_in_utc_whatever_the_machines_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/ecr-replication.md: `at` is ISO 8601, shown in UTC; a time with an offset is
    converted to UTC even on a machine whose local zone isn't UTC."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        scenario = {
            "registries": [{"registryId": "111122223333", "region": "us-east-1"}],
            "events": [{"at": "2026-03-01T10:00:00+01:00", "wait": "an hour"}],
        }
        result = run(read_setup(scenario, Where("s")))
        assert [d.at for d in result.decisions] == ["2026-03-01 09:00"]
    finally:
        monkeypatch.undo()
        time.tzset()
