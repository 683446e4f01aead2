"""The pieces of AWS's JSON shapes every front-door reader uses: known keys, lists of
items, text fields, numbers in a range, true/false flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str, kind_of


def known(doc: Mapping[str, Any], keys: tuple[str, ...], where: Where, what: str) -> None:
    for key in doc:
        if key not in keys:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r} in {what}", "known keys: " + ", ".join(keys)
            )


def items(doc: Mapping[str, Any], key: str, where: Where) -> list[tuple[Where, Mapping[str, Any]]]:
    at = where.key(key)
    found = []
    for i, item in enumerate(as_list(doc.get(key, []), at)):
        found.append((at.index(i), as_mapping(item, at.index(i))))
    return found


def text(doc: Mapping[str, Any], key: str, where: Where, default: str | None = None) -> str:
    if key not in doc:
        if default is None:
            raise where.refuse(f"{key} is missing")
        return default
    return as_str(doc[key], where.key(key))


def number(doc: Mapping[str, Any], key: str, where: Where, low: int, high: int) -> int:
    """A required whole number in AWS's range low..high."""
    if key not in doc:
        raise where.refuse(f"{key} is missing")
    value = as_int(doc[key], where.key(key), minimum=low)
    if value > high:
        raise where.key(key).refuse(f"must be at most {high}, found {value}")
    return value


def flag(doc: Mapping[str, Any], key: str, where: Where, default: bool) -> bool:
    """A true/false field: text such as "false" is refused, never read as true."""
    value = doc.get(key, default)
    if not isinstance(value, bool):
        raise where.key(key).refuse(f"expected true or false, found {kind_of(value)}")
    return value
