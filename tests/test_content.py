"""The shipped bank as a learner meets it: coverage of the exam's topics, and the quality rules
every question follows (docs/writing-questions.md). Figures are counted, never hard-coded."""

from __future__ import annotations

from collections import Counter

import pytest

from ecsprep.packs.likeness import alike
from ecsprep.packs.load import load_library
from ecsprep.packs.model import Library, Question, QuestionType

# The areas of the two content issues: their topics (a question counts for its main topic) and
# the fewest questions each area must have.
AREAS: dict[str, tuple[tuple[str, ...], int]] = {
    # Deploy, connect and observe
    "rolling deployments": (("rolling-deployments",), 8),
    "blue/green": (("blue-green-deployments",), 10),
    "CI/CD": (("ecs-cicd",), 6),
    "load balancing": (("load-balancing",), 8),
    "service-to-service": (("service-to-service",), 6),
    "observability": (("observability",), 8),
    "operating tasks": (("operating-tasks",), 6),
    "scheduled and event-driven work": (("scheduled-tasks",), 5),
    "scaling on work": (("scaling-on-work",), 6),
    "front doors": (("front-doors",), 3),
    # Run, store and secure; choose the platform
    "task definitions in depth": (("task-definition-details",), 8),
    "storage": (("ecs-storage",), 7),
    "secrets and configuration": (("secrets-and-configuration",), 8),
    "security": (("ecs-security", "private-networking"), 8),
    "ECR in depth": (
        ("ecr-replication-and-caching", "ecr-security-and-scanning", "ecr-lifecycle-in-depth"),
        12,
    ),
    "Fargate in depth": (("fargate-in-depth",), 8),
    "capacity": (("ecs-capacity-kinds",), 5),
    "choosing the platform": (("choosing-compute",), 10),
    "troubleshooting runs": (("troubleshooting-runs",), 6),
}
PART_ONE = list(AREAS)[:10]
PART_TWO = list(AREAS)[10:]


@pytest.fixture(scope="module")
def library() -> Library:
    loaded = load_library(include_user=False, cache=False)
    assert not loaded.problems, loaded.problems
    return loaded.library


def _by_area(library: Library) -> Counter[str]:
    counts: Counter[str] = Counter()
    for q in library.questions.values():
        for area, (topics, _) in AREAS.items():
            if q.topics[0] in topics:
                counts[area] += 1
    return counts


@pytest.mark.parametrize("area", list(AREAS))
def test_each_area_has_its_questions(library: Library, area: str) -> None:
    topics, least = AREAS[area]
    assert all(t in library.topics for t in topics)
    assert _by_area(library)[area] >= least


@pytest.mark.parametrize(("part", "areas"), [("one", PART_ONE), ("two", PART_TWO)])
def test_each_content_part_adds_at_least_a_hundred_questions(
    library: Library, part: str, areas: list[str]
) -> None:
    counts = _by_area(library)
    assert sum(counts[a] for a in areas) >= 100, part


def _words(q: Question) -> int:
    return len(q.stem.split())


def _key_is_strictly_longest(q: Question) -> bool:
    (key,) = q.answer
    lengths = {o.key: len(o.text) for o in q.options}
    return all(lengths[key] > n for k, n in lengths.items() if k != key)


def test_stems_are_scenarios_not_one_liners(library: Library) -> None:
    words = [_words(q) for q in library.questions.values()]
    assert sum(words) / len(words) >= 40


def test_the_key_is_not_given_away_by_its_length(library: Library) -> None:
    single = [q for q in library.questions.values() if q.type is QuestionType.SINGLE]
    longest = [q.id for q in single if _key_is_strictly_longest(q)]
    assert len(longest) / len(single) <= 0.28, longest


def test_a_fifth_or_more_are_multiple_response(library: Library) -> None:
    questions = list(library.questions.values())
    multiple = [q for q in questions if q.type is QuestionType.MULTIPLE]
    assert len(multiple) / len(questions) >= 0.20


def test_every_question_names_its_exams_and_cites_the_docs(library: Library) -> None:
    for q in library.questions.values():
        assert q.exams, q.id
        assert q.refs, q.id
        assert all(r.url.startswith("https://") for r in q.refs), q.id
        assert all(o.why.strip() for o in q.options), q.id


def test_every_exam_has_questions_from_every_part(library: Library) -> None:
    marked = Counter(e.value for q in library.questions.values() for e in q.exams)
    assert all(marked[exam] >= 65 for exam in ("dva", "saa", "soa")), marked


def test_no_two_questions_read_almost_alike(library: Library) -> None:
    assert [(a.first.id, a.second.id) for a in alike(library.questions.values())] == []


def test_keyed_letters_are_spread(library: Library) -> None:
    single = [q for q in library.questions.values() if q.type is QuestionType.SINGLE]
    letters = Counter(next(iter(q.answer)) for q in single)
    for letter in "ABCD":
        assert letters[letter] >= len(single) * 0.15, letters
