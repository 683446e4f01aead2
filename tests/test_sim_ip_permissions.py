"""One reader of an EC2 security group rule (sim/ip_permissions.py), which service-discovery,
front-door, load-balancing and the network path (credentials, registration) all use.

Case files in tests/cases/ip_permissions/: read.yaml (a rule EC2 accepts and what it reads
as), refused.yaml (what EC2 refuses: the whole message, with its place, and the hint),
admits.yaml (whether a rule admits a protocol on a port; which of its ranges holds an address).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.ip_permissions import IpPermission, read_ip_permission
from tests.case_tables import case_params

CASES = Path(__file__).parent / "cases" / "ip_permissions"
WHERE = Where("sg.yaml", "rule")
SOURCES = ("cidrs", "ipv6_cidrs", "prefix_lists", "groups")


@pytest.mark.parametrize("case", case_params(CASES / "read.yaml"))
def test_read(case: dict[str, Any]) -> None:
    assert set(case) == {"name", "doc", "rule", "read"}
    want = case["read"]
    assert not set(want) - {"protocol", "ports", *SOURCES}
    rule = read_ip_permission(case["rule"], WHERE)
    ports = tuple(want["ports"]) if want["ports"] is not None else None
    assert (rule.protocol, rule.ports) == (want["protocol"], ports)
    for key in SOURCES:
        assert getattr(rule, key) == tuple(want.get(key, ())), key


@pytest.mark.parametrize("case", case_params(CASES / "refused.yaml"))
def test_refused(case: dict[str, Any]) -> None:
    assert set(case) - {"hint"} == {"name", "doc", "rule", "error"}
    with pytest.raises(InputError) as raised:
        read_ip_permission(case["rule"], WHERE)
    assert str(raised.value) == case["error"]
    if "hint" in case:
        assert raised.value.hint == case["hint"]


@pytest.mark.parametrize("case", case_params(CASES / "admits.yaml"))
def test_admits(case: dict[str, Any]) -> None:
    assert set(case) - {"admits", "cidr_for"} == {"name", "doc", "rule"}
    rule = read_ip_permission(case["rule"], WHERE)
    for asked, want in case.get("admits", {}).items():
        protocol, port = asked.split()
        assert rule.admits(protocol, int(port)) is want, asked
    for address, want in case.get("cidr_for", {}).items():
        assert rule.cidr_for(address) == want, address


PORT = st.integers(0, 65535)


@given(
    st.sampled_from(["tcp", "udp", "6", "17"]), PORT, PORT, st.sampled_from(["tcp", "udp"]), PORT
)
def test_a_range_admits_exactly_its_ports_of_its_protocol(
    written: str, low: int, high: int, asked: str, port: int
) -> None:
    rule = read_ip_permission({"IpProtocol": written, "FromPort": low, "ToPort": high}, WHERE)
    same = {"6": "tcp", "17": "udp"}.get(written, written) == asked
    assert rule.admits(asked, port) is (same and low <= port <= high)


@given(st.integers(0, 255).map(str), st.sampled_from(["tcp", "udp"]), PORT)
def test_a_number_admits_every_port_of_its_own_protocol_only(
    number: str, asked: str, port: int
) -> None:
    rule = read_ip_permission({"IpProtocol": number, "FromPort": 1, "ToPort": 1}, WHERE)
    own = {"tcp": "6", "udp": "17"}[asked] == number
    if number in ("6", "17", "1", "58"):  # the named protocols keep their range
        assert rule.ports == (1, 1)
        assert rule.admits(asked, port) is (own and port == 1)
    else:
        assert rule.ports is None
        assert rule.admits(asked, port) is False


def test_every_port_is_none_not_a_range() -> None:
    # -1 has no range: a port outside 0-65535 is still admitted (no range to miss)
    assert IpPermission("-1", None).admits("tcp", 70000)
    assert not IpPermission("tcp", (0, 65535)).admits("tcp", 70000)
