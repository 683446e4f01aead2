"""EventBridge event patterns (sim/event_patterns.py): the tables in
tests/cases/event_patterns/. Each matching case is a pattern and an event with the
verdict, the first failure in words and each field's step as `ecsprep simulate events`
shows them; each refused pattern comes with PutRule's reason at its place. Hypothesis
properties recompute the operators that have a plain definition."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.event_patterns import match, read_pattern

CASES = Path(__file__).parent / "cases" / "event_patterns"
WHERE = Where("rule.json", "EventPattern")
HINT = "see 'Comparison operators for use in event patterns' in the EventBridge User Guide"


def _load(name: str) -> Any:
    return yaml.safe_load((CASES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in _load("matching.yaml")])
def test_matching(case: dict[str, Any]) -> None:
    assert not set(case) - {"name", "pattern", "event", "matched", "why_not", "steps"}
    found = match(read_pattern(case["pattern"], WHERE), case["event"])
    assert found.matched is case["matched"]
    if "why_not" in case:
        assert found.why_not == case["why_not"]
    if "steps" in case:
        assert [[s.path, s.wanted, s.seen, s.matched] for s in found.steps] == case["steps"]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c["name"]) for c in _load("refused.yaml")["refused"]]
)
def test_refused(case: dict[str, Any]) -> None:
    with pytest.raises(InputError) as caught:
        read_pattern(case["pattern"], WHERE)
    assert str(caught.value) == case["error"]
    assert caught.value.hint == HINT


@pytest.mark.parametrize("pattern", _load("refused.yaml")["accepted"])
def test_accepted(pattern: object) -> None:
    assert read_pattern(pattern, WHERE)


# --- properties: the operators recomputed from their definitions ---------------------------

TEXT = st.text(alphabet="abAB:/.*-\n", max_size=8)


@given(TEXT, TEXT)
def test_prefix_suffix_and_ignore_case(affix: str, value: str) -> None:
    def verdict(operator: object) -> bool:
        return match(read_pattern({"v": [operator]}, WHERE), {"v": value}).matched

    assert verdict({"prefix": affix}) is value.startswith(affix)
    assert verdict({"suffix": affix}) is value.endswith(affix)
    folded, wanted = value.casefold(), affix.casefold()
    assert verdict({"prefix": {"equals-ignore-case": affix}}) is folded.startswith(wanted)
    assert verdict({"suffix": {"equals-ignore-case": affix}}) is folded.endswith(wanted)
    assert verdict({"equals-ignore-case": affix}) is (folded == wanted)
    assert verdict({"anything-but": {"prefix": affix}}) is not value.startswith(affix)


def _wildcard(pattern: str, text: str) -> bool:
    """Independent: a star matches any run of characters, everything else itself."""
    if not pattern:
        return not text
    if pattern[0] == "*":
        return any(_wildcard(pattern[1:], text[n:]) for n in range(len(text) + 1))
    return bool(text) and text[0] == pattern[0] and _wildcard(pattern[1:], text[1:])


@given(st.text(alphabet="ab*.", max_size=6), st.text(alphabet="ab.\n", max_size=6))
def test_wildcard_is_the_whole_value_with_stars(pattern: str, value: str) -> None:
    found = match(read_pattern({"v": [{"wildcard": pattern}]}, WHERE), {"v": value})
    assert found.matched is _wildcard(pattern, value)


OPS = st.sampled_from(["<", "<=", "=", ">", ">="])
NUMBERS = st.integers(-5, 5) | st.sampled_from([-0.5, 0.5, 2.5])


@given(OPS, NUMBERS, OPS, NUMBERS, NUMBERS)
def test_numeric_is_every_comparison(
    op1: str, bound1: float, op2: str, bound2: float, value: float
) -> None:
    compare = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        "=": lambda a, b: a == b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    one = match(read_pattern({"n": [{"numeric": [op1, bound1]}]}, WHERE), {"n": value})
    assert one.matched is compare[op1](value, bound1)
    two = read_pattern({"n": [{"numeric": [op1, bound1, op2, bound2]}]}, WHERE)
    assert match(two, {"n": value}).matched is (
        compare[op1](value, bound1) and compare[op2](value, bound2)
    )


@given(st.integers(0, 2**32 - 1), st.integers(0, 32), st.integers(0, 2**32 - 1))
def test_cidr_is_network_membership(base: int, bits: int, address: int) -> None:
    network = f"{ipaddress.IPv4Address(base)}/{bits}"
    text = str(ipaddress.IPv4Address(address))
    found = match(read_pattern({"ip": [{"cidr": network}]}, WHERE), {"ip": text})
    expected = (address >> (32 - bits)) == (base >> (32 - bits)) if bits else True
    assert found.matched is expected


@given(st.lists(TEXT, min_size=1, max_size=3), st.lists(TEXT, max_size=3))
def test_a_list_in_the_event_matches_when_the_two_lists_meet(
    wanted: list[str], values: list[str]
) -> None:
    found = match(read_pattern({"v": wanted}, WHERE), {"v": values})
    assert found.matched is bool(set(wanted) & set(values))
