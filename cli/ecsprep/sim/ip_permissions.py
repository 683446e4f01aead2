"""One rule of an EC2 security group, in the shape DescribeSecurityGroups returns and
AuthorizeSecurityGroupIngress takes (API_IpPermission): IpProtocol, FromPort, ToPort,
IpRanges[].CidrIp, Ipv6Ranges[].CidrIpv6, PrefixListIds[].PrefixListId and
UserIdGroupPairs[].GroupId.

The rules EC2 applies to a permission (API_IpPermission; the refusals quote EC2's error
text where it is known, and say "wording INF" where it isn't):

- IpProtocol is a name (tcp, udp, icmp, icmpv6), a protocol number (0-255) or -1 for every
  protocol. A rule without it is refused: "VPC security group rules must specify protocols
  explicitly". The numbers of the four named protocols (6, 17, 1, 58) read as their names
  (INF: DescribeSecurityGroups is said to show the name for a rule authorized by number).
- -1, and a protocol number other than those four, allow every port "regardless of any port
  range you specify".
- tcp, udp and icmp need a port range (both FromPort and ToPort); TCP and UDP ports are
  0-65535. For icmp and icmpv6, FromPort is the ICMP type and ToPort the code, -1 meaning all.
  For icmpv6 the range is optional: without it every type and code is allowed.

Which sources a simulator understands (a security group, an address, a prefix list) is the
caller's to decide: `admits` answers only for the protocol and the port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str, kind_of

KEYS = (
    "IpProtocol",
    "FromPort",
    "ToPort",
    "IpRanges",
    "Ipv6Ranges",
    "PrefixListIds",
    "UserIdGroupPairs",
)
NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_RANGE_WORDS = {"tcp": "TCP/UDP", "udp": "TCP/UDP", "icmp": "ICMP", "icmpv6": "ICMPv6"}
_LIMIT = 10**20  # as documents.MAX_DIGITS: no whole number read is beyond it
_PROTOCOLS = "tcp, udp, icmp, icmpv6 (in lower case), a protocol number 0-255, or -1 for all"


@dataclass(frozen=True, slots=True)
class IpPermission:
    """One rule: what it lets in (protocol, ports) and from where (its sources)."""

    protocol: str  # tcp, udp, icmp, icmpv6, -1 (every protocol) or another protocol number
    ports: tuple[int, int] | None  # FromPort..ToPort (ICMP: type, code); None: every port
    cidrs: tuple[str, ...] = ()  # IpRanges' CidrIp, as written
    ipv6_cidrs: tuple[str, ...] = ()  # Ipv6Ranges' CidrIpv6
    prefix_lists: tuple[str, ...] = ()  # PrefixListIds' PrefixListId
    groups: tuple[str, ...] = ()  # UserIdGroupPairs' GroupId

    def admits(self, protocol: str, port: int) -> bool:
        """Does the rule let `protocol` (tcp or udp) traffic in on `port`, sources aside?"""
        if self.protocol not in ("-1", protocol):
            return False
        return self.ports is None or self.ports[0] <= port <= self.ports[1]

    def cidr_for(self, address: str) -> str:
        """The first of the rule's ranges that holds `address` (IpRanges for an IPv4
        address, Ipv6Ranges for an IPv6 one), or ""."""
        ip = ipaddress.ip_address(address)
        ranges = self.cidrs if ip.version == 4 else self.ipv6_cidrs
        return next((c for c in ranges if ip in ipaddress.ip_network(c, strict=False)), "")


def read_ip_permission(body: object, where: Where) -> IpPermission:
    """An IpPermission as EC2 accepts it; anything EC2 refuses is refused at its place."""
    raw = as_mapping(body, where, "an IpPermission (DescribeSecurityGroups shape)")
    for key in raw:
        if key not in KEYS:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r} in an IpPermission",
                "an IpPermission takes " + ", ".join(KEYS),
            )
    protocol = _protocol(raw, where)
    return IpPermission(
        protocol=protocol,
        ports=_ports(raw, protocol, where),
        cidrs=_members(raw, "IpRanges", "CidrIp", where, _ipv4),
        ipv6_cidrs=_members(raw, "Ipv6Ranges", "CidrIpv6", where, _ipv6),
        prefix_lists=_members(raw, "PrefixListIds", "PrefixListId", where, None),
        groups=_members(raw, "UserIdGroupPairs", "GroupId", where, None),
    )


def _protocol(raw: Mapping[str, object], where: Where) -> str:
    value = raw.get("IpProtocol")
    if value is None:
        raise where.refuse(
            "IpProtocol is missing: InvalidParameterValue: Invalid value 'null' for protocol. "
            "VPC security group rules must specify protocols explicitly.",
            f"give IpProtocol: {_PROTOCOLS}",
        )
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise where.key("IpProtocol").refuse(f"expected a string, found {kind_of(value)}")
    text = str(value)
    if text.isascii() and text.isdigit() and int(text) <= 255:
        return NAMES.get(str(int(text)), str(int(text)))
    if text not in ("-1", "tcp", "udp", "icmp", "icmpv6"):
        raise where.key("IpProtocol").refuse(
            f"InvalidParameterValue: Invalid value '{text}' for IP protocol. Unknown protocol.",
            f"use {_PROTOCOLS}",
        )
    return text


def _ports(raw: Mapping[str, object], protocol: str, where: Where) -> tuple[int, int] | None:
    given = [key for key in ("FromPort", "ToPort") if raw.get(key) is not None]
    words = _RANGE_WORDS.get(protocol)
    if words is None or (protocol == "icmpv6" and not given):
        for key in given:  # -1 and other protocols: every port, whatever range is given
            as_int(raw[key], where.key(key), minimum=-1)
        return None
    if len(given) < 2:
        raise where.refuse(
            f"InvalidParameterValue: Invalid value 'Must specify both from and to ports with "
            f"{words}.' for portRange.",
            "e.g. FromPort: 443, ToPort: 443"
            if words == "TCP/UDP"
            else "FromPort is the ICMP type, ToPort the code (-1: all), "
            "e.g. FromPort: -1, ToPort: -1",
        )
    low = _port(raw["FromPort"], where.key("FromPort"), words)
    high = _port(raw["ToPort"], where.key("ToPort"), words)
    return low, high


def _port(value: object, where: Where, words: str) -> int:
    if words == "TCP/UDP":
        number = as_int(value, where, minimum=-_LIMIT)  # EC2's own words below, for -1 too
        if not 0 <= number <= 65535:
            raise where.refuse(
                f"InvalidPermission.Malformed: TCP/UDP port ({number}) out of range",
                "a TCP or UDP port is 0-65535",
            )
        return number
    number = as_int(value, where, minimum=-1)
    if number > 255:
        raise where.refuse(
            f"{number} isn't an ICMP type or code: -1 (all) or 0-255 (wording INF)",
            "FromPort is the ICMP type, ToPort the code, e.g. FromPort: 8, ToPort: 0",
        )
    return number


def _ipv4(text: str) -> None:
    ipaddress.IPv4Network(text, strict=False)


def _ipv6(text: str) -> None:
    ipaddress.IPv6Network(text, strict=False)


def _members(
    raw: Mapping[str, object],
    key: str,
    member: str,
    where: Where,
    check: Callable[[str], None] | None,
) -> tuple[str, ...]:
    """Each item's `member` (required) in the list under `key`; a CIDR is `check`ed."""
    at = where.key(key)
    found = []
    for n, item in enumerate(as_list(raw.get(key, []), at)):
        place = at.index(n)
        entry = as_mapping(item, place, f"an object with its {member}")
        value = entry.get(member)
        if value is None or value == "":
            raise place.refuse(f"{member} is missing", f"each of {key} gives its {member}")
        text = as_str(value, place.key(member))
        if check is not None:
            try:
                check(text)
            except ValueError:
                raise place.key(member).refuse(
                    f"InvalidParameterValue: CIDR block {text} is malformed (wording INF)",
                    "e.g. 10.0.0.0/16 or 0.0.0.0/0" if check is _ipv4 else "e.g. ::/0",
                ) from None
        found.append(text)
    return tuple(found)
