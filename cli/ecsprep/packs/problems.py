"""A problem found in a content file: where it is and what is wrong.

Shared by the pack loader and the blueprint loader so that every content error
reads the same way: `content/ecs.yaml:212 questions[4].answer: 'E' is not one of
the options A–D`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path  # the file
    line: int | None  # 1-based line, when known
    where: str  # the path inside the document, e.g. "questions[4].answer" ("" = whole file)
    message: str  # what is wrong and, where possible, how to fix it

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{place} {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
