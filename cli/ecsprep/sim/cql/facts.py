"""What a CQL expression can look at on one container instance.

The placement engine has its own instance model; it only has to offer these
read-only properties (structural typing), so the CQL package never imports it.
`Facts` is a plain implementation for tests and for callers without a model.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class InstanceFacts(Protocol):
    """The facts about a container instance that CQL subjects read."""

    @property
    def attributes(self) -> Mapping[str, str | None]:
        """Attribute name -> value; None means present without a value (capabilities)."""
        ...

    @property
    def ec2_instance_id(self) -> str: ...

    @property
    def agent_connected(self) -> bool: ...

    @property
    def agent_version(self) -> str:
        """The ECS agent version, e.g. "1.70.2"."""
        ...

    @property
    def registered_at(self) -> datetime | None:
        """Registration time, timezone-aware (a naive value is read as UTC)."""
        ...

    @property
    def running_tasks_count(self) -> int: ...

    @property
    def task_groups(self) -> Collection[str]:
        """Groups of the tasks on the instance, e.g. {"service:web", "family:nginx"}."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """A ready-made `InstanceFacts` value."""

    ec2_instance_id: str
    attributes: Mapping[str, str | None] = field(default_factory=dict)
    agent_connected: bool = True
    agent_version: str = "1.70.2"
    registered_at: datetime | None = None
    running_tasks_count: int = 0
    task_groups: Collection[str] = frozenset()
