"""Case tables: YAML lists of named cases, each run as its own pytest case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


def case_params(path: Path) -> list[Any]:
    """The cases of one table, each a `pytest.param` with its name as the id."""
    return [pytest.param(case, id=case["name"]) for case in yaml.safe_load(path.read_text())]
