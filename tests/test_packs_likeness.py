"""Questions that read alike: the pairs `packs validate` warns about.

The property test recomputes the likeness of every pair the slow, obvious way (all
pairs, the three-word phrases of the lowercased words) and compares.
"""

from __future__ import annotations

import re
from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from ecsprep.packs.likeness import LIKENESS, alike, phrases
from ecsprep.packs.model import Option, Question, QuestionType


def q(qid: str, stem: str) -> Question:
    return Question(
        id=qid,
        topics=("t",),
        type=QuestionType.SINGLE,
        stem=stem,
        options=(Option(key="A", text="a", why="a"), Option(key="B", text="b", why="b")),
        answer=frozenset({"A"}),
        explanation="x",
    )


def slow_likeness(a: str, b: str) -> float:
    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9]+", text.lower())
        if not words:
            return set()
        if len(words) <= 3:
            return {tuple(words)}
        return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}

    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


WORDS = st.sampled_from(["the", "task", "Task", "runs", "on", "fargate", "EC2", "2", "spot", "-"])
STEMS = st.lists(WORDS, max_size=9).map(" ".join)


@given(st.lists(STEMS, min_size=2, max_size=6), st.sampled_from([0.25, 0.5, LIKENESS, 1.0]))
def test_alike_finds_exactly_the_pairs_at_or_above_the_threshold(
    stems: list[str], threshold: float
) -> None:
    questions = [q(f"q{i}", stem) for i, stem in enumerate(stems)]
    expected = {
        (a.id, b.id): slow_likeness(a.stem, b.stem)
        for a, b in combinations(questions, 2)
        if slow_likeness(a.stem, b.stem) >= threshold
    }
    found = alike(questions, threshold)
    assert {(p.first.id, p.second.id): p.likeness for p in found} == expected
    # most alike first, then by the ids
    keys = [(-p.likeness, p.first.id, p.second.id) for p in found]
    assert keys == sorted(keys)


def test_the_default_threshold_is_sixty_percent() -> None:
    # 5 phrases in the shorter stem: 3 shared is 60%, 2 is 40%.
    base = q("a", "one two three four five six seven")
    three = q("b", "one two three four five xx yy")
    two = q("c", "one two three four xx yy zz")
    assert [(p.first.id, p.second.id, p.likeness) for p in alike([base, three])] == [
        ("a", "b", 0.6)
    ]
    assert alike([base, two]) == []
    assert [p.likeness for p in alike([base, two], threshold=0.4)] == [0.4]


def test_a_phrase_more_than_fifty_stems_share_says_nothing() -> None:
    """The set-up "which solution meets" in many stems doesn't make them alike."""
    fifty = [q(f"q{i:02}", "which solution meets these needs") for i in range(50)]
    assert len(alike(fifty)) == 50 * 49 // 2
    assert all(p.likeness == 1.0 for p in alike(fifty))
    assert alike([*fifty, q("q50", "which solution meets these needs")]) == []


def test_phrases_are_of_three_lowercased_words() -> None:
    assert phrases("Run the TASK, now!") == {("run", "the", "task"), ("the", "task", "now")}
    assert phrases("Two words") == {("two", "words")}
    assert phrases("three short words") == {("three", "short", "words")}
    assert phrases("?!") == frozenset()
    assert phrases("a b c d", size=2) == {("a", "b"), ("b", "c"), ("c", "d")}


def test_stems_without_words_are_never_alike() -> None:
    assert alike([q("a", "?"), q("b", "?"), q("c", "!")]) == []


def test_a_common_phrase_is_skipped_but_the_rest_still_counts() -> None:
    stems = [f"which solution meets w{i}a w{i}b w{i}c w{i}d" for i in range(49)]
    pair = "which solution meets alpha beta gamma delta epsilon"
    questions = [q("p0", pair), q("p1", pair), *(q(f"q{i:02}", s) for i, s in enumerate(stems))]
    # "which solution meets" is in 51 stems: only the pair's other 5 of 6 phrases count
    assert [(p.first.id, p.second.id, round(p.likeness, 3)) for p in alike(questions)] == [
        ("p0", "p1", 0.833)
    ]


def test_the_most_alike_pair_comes_first() -> None:
    base = q("a", "one two three four five six seven")
    near = q("b", "one two three four five six eight")  # 4 of 5
    far = q("c", "one two three four five xx yy")  # 3 of 5
    found = [(p.first.id, p.second.id, p.likeness) for p in alike([base, far, near])]
    assert found == [("a", "b", 0.8), ("a", "c", 0.6), ("c", "b", 0.6)]
