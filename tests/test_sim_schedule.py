"""Schedule expressions: at(), rate() and cron() (sim/schedule.py), shared by the scaling and
events simulators. The table is tests/cases/schedules/expressions.yaml."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.schedule import local_minute, parse_schedule, zone

TABLE = yaml.safe_load(
    (Path(__file__).parent / "cases" / "schedules" / "expressions.yaml").read_text("utf-8")
)
PLACE = Where("scenario.yaml", "putScheduledAction.Schedule")


def minute(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M")


def runs(expr: str, since: datetime, start: datetime, until: datetime, step: int) -> list[str]:
    schedule = parse_schedule(expr, PLACE)
    found = []
    moment = start
    while moment < until:
        if schedule.due(moment, since):
            found.append(moment.strftime("%Y-%m-%dT%H:%M"))
        moment += timedelta(minutes=step)
    return found


@pytest.mark.parametrize("case", TABLE["due"], ids=[c["expr"] for c in TABLE["due"]])
def test_an_expression_runs_in_the_listed_minutes(case: dict[str, Any]) -> None:
    start = minute(case["from"])
    since = minute(case.get("since", case["from"]))
    found = runs(case["expr"], since, start, minute(case["until"]), case.get("step", 1))
    assert found == case["runs"]


@pytest.mark.parametrize("case", TABLE["refused"], ids=[c["expr"] for c in TABLE["refused"]])
def test_an_expression_aws_refuses_is_refused_with_the_place(case: dict[str, Any]) -> None:
    with pytest.raises(InputError) as caught:
        parse_schedule(case["expr"], PLACE)
    assert caught.value.message == f"scenario.yaml putScheduledAction.Schedule: {case['message']}"
    assert caught.value.hint == case["hint"]


def test_the_keeps_its_text_and_names_the_service_in_the_field_count() -> None:
    assert parse_schedule(" rate(5 minutes) ", PLACE).text == "rate(5 minutes)"
    assert parse_schedule("at(2024-01-01T08:30:00)", PLACE).text == "at(2024-01-01T08:30:00)"
    assert parse_schedule("cron(0 8 ? * MON *)", PLACE).text == "cron(0 8 ? * MON *)"
    with pytest.raises(InputError) as caught:
        parse_schedule("cron(0 8 * * *)", Where("rule.json"), "EventBridge")
    assert (
        caught.value.message == "rule.json: cron(0 8 * * *) has 5 fields; EventBridge's cron has 6"
    )


@pytest.mark.parametrize("name", [None, "", "UTC", "Etc/UTC"])
def test_no_time_zone_or_utc_is_utc(name: str | None) -> None:
    assert zone(name, PLACE) is timezone.utc


def test_a_named_time_zone_follows_its_summer_time() -> None:
    paris = zone("Europe/Paris", PLACE)
    assert paris == ZoneInfo("Europe/Paris")
    winter = datetime(2024, 1, 15, 7, 0, 30, 999, tzinfo=timezone.utc)
    summer = datetime(2024, 7, 15, 6, 0, 59, tzinfo=timezone.utc)
    assert local_minute(winter, paris) == datetime(2024, 1, 15, 8, 0)
    assert local_minute(summer, paris) == datetime(2024, 7, 15, 8, 0)
    assert local_minute(summer, zone(None, PLACE)) == datetime(2024, 7, 15, 6, 0)


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "Europe", "Europe/../etc/passwd", "/etc/localtime", "zone.tab"]
)
def test_an_unknown_time_zone_is_refused_with_a_hint(name: str) -> None:
    with pytest.raises(InputError) as caught:
        zone(name, Where("rule.json", "ScheduleExpressionTimezone"))
    assert (
        caught.value.message == f"rule.json ScheduleExpressionTimezone: {name!r} is not a time zone"
    )
    assert caught.value.hint == "use an IANA name such as Europe/Paris"


DAY = datetime(2024, 3, 5)  # a Tuesday


@given(st.integers(0, 59), st.integers(0, 23))
def test_a_cron_at_one_time_of_day_runs_once_a_day(at_minute: int, at_hour: int) -> None:
    found = runs(f"cron({at_minute} {at_hour} * * ? *)", DAY, DAY, DAY + timedelta(days=1), 1)
    assert found == [(DAY + timedelta(hours=at_hour, minutes=at_minute)).strftime("%Y-%m-%dT%H:%M")]


@given(st.integers(0, 59), st.integers(1, 59))
def test_a_minute_step_runs_from_its_start_every_step(start: int, step: int) -> None:
    found = runs(f"cron({start}/{step} 10 * * ? *)", DAY, DAY, DAY + timedelta(days=1), 1)
    expected = [
        f"2024-03-05T10:{m:02d}" for m in range(60) if m >= start and (m - start) % step == 0
    ]
    assert found == expected


@given(st.integers(1, 400), st.sampled_from(["minutes", "hours", "days"]), st.integers(0, 3000))
def test_a_rate_runs_every_interval_from_its_start(value: int, unit: str, offset: int) -> None:
    size = {"minutes": 1, "hours": 60, "days": 1440}[unit] * value
    since = DAY + timedelta(minutes=offset)
    schedule = parse_schedule(f"rate({value} {unit})", PLACE)
    for k in (0, 1, 2):
        assert schedule.due(since + timedelta(minutes=k * size), since)
    assert not schedule.due(since - timedelta(minutes=size), since)
    if size > 1:
        assert not schedule.due(since + timedelta(minutes=size - 1), since)
        assert not schedule.due(since + timedelta(minutes=1), since)
