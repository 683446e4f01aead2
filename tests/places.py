"""Places in a scenario document as refusals name them (`a.b[1].c`), for the tests that put a
wrong value at one place and expect the refusal to name that place."""

from __future__ import annotations

import copy
import re
from typing import Any


def steps(place: str) -> list[str | int]:
    """`a.b[1].c` → ["a", "b", 1, "c"]."""
    return [
        int(index) if index else key for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", place)
    ]


def replaced(document: dict[str, Any], place: str, value: object) -> dict[str, Any]:
    """A copy of `document` with `value` at `place` (the original is left alone)."""
    changed = copy.deepcopy(document)
    *parents, last = steps(place)
    holder: Any = changed
    for step in parents:
        holder = holder[step]
    holder[last] = value
    return changed


def with_wrong_kind(document: dict[str, Any], place: str) -> dict[str, Any]:
    """A copy of `document` with a value of another kind at `place`: a list where an object
    is, text where a list is, an object where text, a number or a flag is."""
    holder: Any = document
    for step in steps(place):
        holder = holder[step]
    wrong = (
        ["wrong"] if isinstance(holder, dict) else "wrong" if isinstance(holder, list) else {"a": 1}
    )
    return replaced(document, place, wrong)
