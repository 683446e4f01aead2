"""Questions that read almost alike: one fact should be tested one way.

Two stems are compared by their three-word phrases (shingles of the normalised
words): the share of the smaller stem's phrases that the other stem also has.
Rewording a scenario changes most phrases; pasting a question and changing a
number or a name changes few. `packs validate` warns about pairs at or above
`LIKENESS` (a warning, not a problem: two questions may share a long set-up on
purpose, and the author decides).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from ecsprep.packs.model import Question

LIKENESS = 0.6  # share of the shorter stem's three-word phrases found in the other
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Alike:
    """Two questions whose stems share most of their phrases."""

    first: Question
    second: Question
    likeness: float  # 0..1


def phrases(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def alike(questions: Iterable[Question], threshold: float = LIKENESS) -> list[Alike]:
    """Every pair of questions whose stems are at least `threshold` alike, most alike first."""
    shingled = [(q, phrases(q.stem)) for q in questions]
    # Only pairs sharing at least one phrase can be alike: index the phrases first.
    owners: dict[tuple[str, ...], list[int]] = {}
    for i, (_, shingles) in enumerate(shingled):
        for shingle in shingles:
            owners.setdefault(shingle, []).append(i)
    shared: dict[tuple[int, int], int] = {}
    for indexes in owners.values():
        if len(indexes) > 50:  # a phrase most stems use ("which solution meets") says nothing
            continue
        for pair in combinations(indexes, 2):
            shared[pair] = shared.get(pair, 0) + 1
    found = []
    for (i, j), common in shared.items():
        (a, pa), (b, pb) = shingled[i], shingled[j]
        likeness = common / min(len(pa), len(pb))
        if likeness >= threshold:
            found.append(Alike(a, b, likeness))
    found.sort(key=lambda pair: (-pair.likeness, pair.first.id, pair.second.id))
    return found
