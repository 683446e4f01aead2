"""Case tables: YAML lists of named cases, each run as its own pytest case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError


def case_params(path: Path) -> list[Any]:
    """The cases of one table, each a `pytest.param` with its name as the id."""
    return [pytest.param(case, id=case["name"]) for case in yaml.safe_load(path.read_text())]


def assert_refused(case: dict[str, Any], read: Callable[[Any], object]) -> None:
    """`read(case["scenario"])` is refused as the case says: `refused` is a part of the
    message; `message` (and `hint`) the whole of it."""
    assert {"refused", "message"} & set(case), "a refused case says what is refused"
    with pytest.raises(InputError) as raised:
        read(case["scenario"])
    if "refused" in case:
        assert case["refused"] in str(raised.value)
    if "message" in case:
        assert str(raised.value) == case["message"]
    if "hint" in case:
        assert raised.value.hint == case["hint"]
