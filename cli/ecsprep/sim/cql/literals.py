"""Typed readings of CQL literals and facts: versions, timestamps, numbers.

CQL arguments are strings; the subject decides how they compare. Each reader
returns None for text it cannot read, and the parser turns that into a
syntax error pointing at the literal.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)", re.ASCII)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,
)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_DIGITS_OR_NOT = re.compile(r"(\d+)|\D+", re.ASCII)

Version = tuple[int, ...]
NaturalKey = tuple[tuple[int, int, str], ...]


def read_version(text: str) -> Version | None:
    """`1.14.5` -> (1, 14, 5); trailing zeros dropped so 1.14 == 1.14.0."""
    found = _VERSION.fullmatch(text.strip())
    if found is None:
        return None
    parts = [int(part) for part in found.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def read_timestamp(text: str) -> datetime | None:
    """The four documented registeredAt formats (and fractional seconds).

    A date alone is midnight UTC; a time without an offset is UTC.
    """
    found = _TIMESTAMP.fullmatch(text.strip())
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = found.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=_zone(offset),
        )
    except ValueError:  # month 13, 25 o'clock, February 30…
        return None
    return moment


def _zone(offset: str | None) -> timezone:
    if offset is None or offset == "Z":
        return timezone.utc
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def as_utc(moment: datetime) -> datetime:
    """Facts may carry a naive datetime; read it as UTC rather than local time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def read_integer(text: str) -> int | None:
    return int(text) if _INTEGER.fullmatch(text.strip()) else None


def read_boolean(text: str) -> bool | None:
    """`true` / `false`, any case (Java's Boolean.parseBoolean is case-insensitive)."""
    return {"true": True, "false": False}.get(text.strip().lower())


def natural_key(text: str) -> NaturalKey:
    """Order attribute values: digit runs by number, the rest as text.

    So `10` > `9`, `1.10` > `1.9` and `m5.2xlarge` > `m5.xlarge` reads like a
    person would expect; plain text falls back to code-point order.
    """
    return tuple(
        (0, int(part.group()), "") if part.group(1) else (1, 0, part.group())
        for part in _DIGITS_OR_NOT.finditer(text)
    )
