"""One decision of an ecr-replication run: what happened where, its verdict and the
documented rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Verdict(str, Enum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Step:
    """One decision of the run: what happened where, and the documented rule."""

    event: str
    verdict: Verdict
    what: str
    rule: str
    at: str = ""
