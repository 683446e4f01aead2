"""The quiz engine core: blueprints, selection, shuffled presentation, grading, scores, FSRS."""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from fsrs import Rating, State
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.data import shipped_quizzes_dir
from ecsprep.errors import EcsprepError, NotFoundError
from ecsprep.study import schedule
from ecsprep.study.blueprint import DEFAULT, Blueprint, Mode, find_blueprint, load_blueprints
from ecsprep.study.blueprint import parse_blueprint as parse
from ecsprep.study.scoring import scaled_score, score
from ecsprep.study.session import (
    Outcome,
    check_choice,
    grade,
    in_order,
    pool,
    present,
    select,
    select_by_domains,
    shares,
)
from tests import quiz_library

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "blueprints.yaml").read_text())
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


# --- blueprints ----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_blueprint_validation(case: dict[str, Any]) -> None:
    blueprint, problems = parse(case["doc"], Path("q.yaml"), {})
    assert [[p.where, p.message] for p in problems] == case["problems"]
    assert (blueprint is None) == bool(case["problems"])
    if blueprint is not None:
        doc = case["doc"]
        expected = {
            "id": str(doc["id"]),
            "title": doc["title"],
            "description": "",
            "mode": "practice",
            "count": 10,
            "topics": [],
            "tags": [],
            "questions": [],
            "time_limit": None,
            "pass_mark": 720,
            "shuffle": True,
            "exams": [],
            "domains": [],
            **case.get("blueprint", {}),
        }
        fields = {
            "id": blueprint.id,
            "title": blueprint.title,
            "description": blueprint.description,
            "mode": blueprint.mode.value,
            "count": blueprint.count,
            "topics": list(blueprint.topics),
            "tags": list(blueprint.tags),
            "questions": list(blueprint.questions),
            "time_limit": blueprint.time_limit,
            "pass_mark": blueprint.pass_mark,
            "shuffle": blueprint.shuffle,
            "exams": list(blueprint.exams),
            "domains": [
                {"name": d.name, "weight": d.weight, "topics": list(d.topics)}
                for d in blueprint.domains
            ],
        }
        assert fields == expected
        assert blueprint.source == Path("q.yaml")


def test_blueprint_problem_has_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("format: 1\nid: bad\ntitle: Bad\nmode: cram\n")
    found = load_blueprints([tmp_path])
    assert found.items == ()
    assert [str(p) for p in found.problems] == [
        f"{path}:4 mode: must be one of: practice, exam, review, due"
    ]


def test_shipped_blueprints_load() -> None:
    found = load_blueprints([shipped_quizzes_dir()])
    assert found.problems == ()
    by_id = {b.id: b for b in found.items}
    assert set(by_id) >= {"quick", "exam", "placement", "seed"}
    assert by_id["quick"].count == 10
    assert by_id["quick"].mode is Mode.PRACTICE
    assert by_id["exam"].mode is Mode.EXAM
    assert by_id["exam"].pass_mark == 720
    assert by_id["exam"].time_limit
    assert "cluster-query-language" in by_id["placement"].topics
    assert by_id["seed"].tags == ("seed",)
    assert by_id["seed"].count is None


def test_find_blueprint_suggests_close_names() -> None:
    with pytest.raises(NotFoundError) as caught:
        find_blueprint([DEFAULT], "quik")
    assert caught.value.suggestions == ("quick",)


# --- selection -----------------------------------------------------------------

LIB = quiz_library.library()


@pytest.mark.parametrize(
    ("blueprint", "topics", "expected"),
    [
        (Blueprint(id="a", title="A"), (), {q.id for q in quiz_library.QUESTIONS}),
        (Blueprint(id="t", title="T", topics=("ecr",)), (), {"ecr-login", "ecr-lifecycle"}),
        (Blueprint(id="g", title="G", tags=("seed",)), (), {"binpack-fewest", "ecr-login"}),
        (
            Blueprint(id="t", title="T", topics=("ecr",)),
            ("fargate",),
            {"fargate-awsvpc", "fargate-two"},
        ),
        (Blueprint(id="q", title="Q", questions=("spread-az", "gone")), (), {"spread-az"}),
        (Blueprint(id="q", title="Q", tags=("seed",)), ("ecr",), {"ecr-login"}),
    ],
)
def test_pool_filters(blueprint: Blueprint, topics: tuple[str, ...], expected: set[str]) -> None:
    assert {q.id for q in pool(LIB, blueprint, topics)} == expected


def test_unknown_topic_suggests() -> None:
    with pytest.raises(NotFoundError) as caught:
        pool(LIB, DEFAULT, ("fargat",))
    assert caught.value.suggestions == ("fargate",)


def test_select_is_reproducible_and_spread_over_topics() -> None:
    candidates = list(LIB.questions.values())
    first = select(candidates, 3, random.Random(7))
    assert first == select(candidates, 3, random.Random(7))
    assert len({q.topics[0] for q in first}) == 3  # one from each of the three topics
    assert len(select(candidates, None, random.Random(1))) == len(candidates)


def test_select_without_shuffle_keeps_order() -> None:
    candidates = list(LIB.questions.values())
    assert select(candidates, 2, random.Random(1), shuffle=False) == tuple(candidates[:2])


def test_in_order_follows_the_queue() -> None:
    candidates = list(LIB.questions.values())
    picked = in_order(candidates, ["ecr-login", "missing", "spread-az"], None)
    assert [q.id for q in picked] == ["ecr-login", "spread-az"]


# --- presentation and grading --------------------------------------------------


@given(seed=st.integers(0, 2**32), index=st.integers(0, len(quiz_library.QUESTIONS) - 1))
def test_shuffle_keeps_the_key(seed: int, index: int) -> None:
    question = quiz_library.QUESTIONS[index]
    shown = present(question, random.Random(seed))
    assert shown.letters == tuple("ABCDEFGH"[: len(question.options)])
    assert shown.keys_for(shown.answer) == question.answer
    for option in shown.options:
        assert question.option(option.key).text == option.text
        assert question.option(option.key).why == option.why
    assert grade(shown, shown.answer, 1.0).outcome is Outcome.CORRECT
    wrong = (
        frozenset(shown.letters[: question.choose])
        if shown.answer != frozenset(shown.letters[: question.choose])
        else frozenset(shown.letters[-question.choose :])
    )
    assert grade(shown, wrong, 1.0).outcome is Outcome.WRONG


def test_same_seed_same_option_order() -> None:
    question = quiz_library.QUESTIONS[0]
    assert present(question, random.Random(3)) == present(question, random.Random(3))
    assert present(question, random.Random(3), shuffle=False).letters == ("A", "B", "C", "D")


@pytest.mark.parametrize(
    ("qid", "typed", "message"),
    [
        ("spread-az", ["Z"], "Z is not an option: choose from A–D"),
        ("spread-az", ["A", "B"], "choose one option (you chose 2)"),
        ("fargate-two", ["A"], "choose exactly 2 options (you chose 1)"),
        ("fargate-two", ["A", "B", "C"], "choose exactly 2 options (you chose 3)"),
    ],
)
def test_check_choice_explains_bad_input(qid: str, typed: list[str], message: str) -> None:
    shown = present(LIB.questions[qid], random.Random(0))
    with pytest.raises(EcsprepError) as caught:
        check_choice(shown, typed)
    assert caught.value.message == message


def test_check_choice_normalises_case() -> None:
    shown = present(LIB.questions["fargate-two"], random.Random(0))
    assert check_choice(shown, ["a", " c "]) == frozenset({"A", "C"})


def test_skip_is_its_own_outcome() -> None:
    shown = present(LIB.questions["spread-az"], random.Random(0))
    result = grade(shown, None, 2.0)
    assert result.outcome is Outcome.SKIPPED
    assert result.chosen == frozenset()


# --- scoring -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "total", "scaled"),
    [(0, 10, 100), (10, 10, 1000), (5, 10, 550), (7, 10, 730), (0, 0, 100), (2, 3, 700)],
)
def test_scaled_score(correct: int, total: int, scaled: int) -> None:
    assert scaled_score(correct, total) == scaled


def test_score_counts_unanswered_as_wrong_and_breaks_down_by_topic() -> None:
    rng = random.Random(0)
    shown = [present(LIB.questions[q], rng) for q in ("spread-az", "binpack-fewest", "ecr-login")]
    results = [
        grade(shown[0], shown[0].answer, 1),
        grade(shown[1], None, 1),
        grade(shown[2], shown[2].answer, 1),
    ]
    result = score(results, 720, total=4)
    assert (result.total, result.correct, result.wrong, result.skipped) == (4, 2, 0, 2)
    assert result.scaled == 550
    assert not result.passed
    assert [(t.topic, t.correct, t.total) for t in result.topics] == [
        ("placement-strategies", 1, 2),
        ("ecr", 1, 1),
    ]
    assert score(results[:1], 720).passed


# --- FSRS wiring ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "seconds", "self_rating", "expected"),
    [
        (False, 3, None, Rating.Again),
        (False, 3, schedule.SelfRating.EASY, Rating.Again),
        (True, 5, None, Rating.Good),
        (True, 120, None, Rating.Hard),
        (True, 120, schedule.SelfRating.EASY, Rating.Easy),
        (True, 5, schedule.SelfRating.HARD, Rating.Hard),
    ],
)
def test_rating(correct: bool, seconds: float, self_rating: Any, expected: Rating) -> None:
    assert schedule.rating(correct, seconds, self_rating) == expected


def test_fsrs_intervals_grow_with_right_answers_and_reset_on_a_wrong_one() -> None:
    sched = schedule.scheduler(schedule.Settings(desired_retention=0.9), fuzz=False)
    card = schedule.new_card("spread-az", T0)
    now = T0
    dues = []
    for _ in range(4):
        card, _log = schedule.review(sched, card, Rating.Good, now, 5)
        dues.append(card.due - now)
        now = card.due
    assert card.state is State.Review
    assert dues[-1] > dues[-2] > timedelta(days=1)
    card, _log = schedule.review(sched, card, Rating.Again, now, 5)
    assert card.state is State.Relearning
    assert card.due - now < timedelta(hours=1)


def test_higher_retention_means_shorter_intervals() -> None:
    def first_review_interval(retention: float) -> timedelta:
        sched = schedule.scheduler(schedule.Settings(desired_retention=retention), fuzz=False)
        card = schedule.new_card("q", T0)
        card, _ = schedule.review(sched, card, Rating.Easy, T0, 5)
        return card.due - T0

    assert first_review_interval(0.95) < first_review_interval(0.8)


def test_card_ids_are_stable() -> None:
    assert schedule.card_id("spread-az") == schedule.card_id("spread-az")
    assert schedule.card_id("spread-az") != schedule.card_id("spread-ax")
    assert schedule.card_id("x") < 2**53


def test_due_queue_puts_overdue_first_then_limits_new_cards() -> None:
    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    reviewed = {}
    for qid, offset in (("late", 10), ("later", 5), ("future", -100)):
        card, _ = schedule.review(sched, schedule.new_card(qid, T0), Rating.Good, T0, 5)
        card.due = T0 - timedelta(minutes=offset)  # force the due date for the test
        reviewed[qid] = card
    ids = ["n1", "future", "later", "n2", "late", "n3"]
    assert schedule.due_queue(reviewed, ids, T0, new_allowed=2) == ("late", "later", "n1", "n2")
    assert schedule.due_queue(reviewed, ids, T0, new_allowed=-3) == ("late", "later")


def test_retrievability_of_an_unseen_card_is_zero() -> None:
    sched = schedule.scheduler(schedule.Settings(), fuzz=False)
    card = schedule.new_card("q", T0)
    assert schedule.retrievability(sched, card, T0) == 0.0
    card, _ = schedule.review(sched, card, Rating.Good, T0, 5)
    assert schedule.retrievability(sched, card, T0 + timedelta(days=30)) < 1.0


def test_retention_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="desired retention"):
        schedule.scheduler(schedule.Settings(desired_retention=0.5))


def test_clean_blueprints_are_cached_and_a_change_is_read_again(
    tmp_path: Path, isolated_home: Path
) -> None:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    path = folder / "drill.yaml"
    path.write_text("format: 1\nid: drill\ntitle: Drill\ncount: 3\n")
    first = load_blueprints([folder])
    cache = isolated_home / "cache" / "blueprints.cache"
    assert cache.is_file()
    stamp = path.stat().st_mtime_ns
    path.write_text("format: 1\nid: drill\ntitle: Drill\ncount: 7\n")  # same size...
    os.utime(path, ns=(stamp, stamp))  # ...and time: the cache can't tell, so it answers
    assert load_blueprints([folder]) == first
    path.write_text("format: 1\nid: drill\ntitle: Drill again\ncount: 5\n")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 1_000_000_000))
    again = load_blueprints([folder])
    assert (again.items[0].title, again.items[0].count) == ("Drill again", 5)
    cache.write_text("{not json")
    assert load_blueprints([folder]) == again  # a corrupt cache is rebuilt
    path.write_text("format: 1\nid: drill\ntitle: Drill\nmode: cram\n")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 2_000_000_000))
    assert load_blueprints([folder]).problems  # problems are never served from the cache


def test_no_cache_when_asked(tmp_path: Path, isolated_home: Path) -> None:
    (tmp_path / "d.yaml").write_text("format: 1\nid: d\ntitle: D\n")
    load_blueprints([tmp_path], environ={"ECSPREP_NO_CACHE": "1"})
    assert not (isolated_home / "cache" / "blueprints.cache").exists()


# --- exams weighted by domain ----------------------------------------------------


@given(st.integers(1, 200), st.lists(st.integers(1, 60), min_size=1, max_size=6))
def test_shares_follow_the_weights_when_every_domain_has_enough(
    count: int, weights: list[int]
) -> None:
    got = shares(count, weights, [count] * len(weights))
    total = sum(weights)
    for share, weight in zip(got, weights, strict=True):
        assert abs(share - count * weight / total) < 1  # largest remainder: within one


def test_shares_of_the_dva_guide() -> None:
    assert shares(65, [32, 26, 24, 18], [99] * 4) == [21, 17, 15, 12]
    # A domain short of questions gives its share to the others, by weight.
    assert shares(65, [32, 26, 24, 18], [5, 99, 99, 99]) == [5, 23, 21, 16]


def _shipped_library() -> Any:
    from ecsprep.packs.load import load_library

    return load_library(include_user=False, cache=False).library


@pytest.mark.parametrize("exam", ["dva", "saa", "soa"])
def test_exam_blueprints_cover_every_topic_their_questions_are_on(exam: str) -> None:
    library = _shipped_library()
    blueprint = {b.id: b for b in load_blueprints([shipped_quizzes_dir()]).items}[exam]
    assert blueprint.exams == (exam,)
    in_domains = [t for d in blueprint.domains for t in d.topics]
    assert set(in_domains) <= set(library.topics), set(in_domains) - set(library.topics)
    marked = pool(library, blueprint)
    assert marked
    assert all(exam in {e.value for e in q.exams} for q in marked)
    # No question marked for the exam is left out of the draw because of its topic.
    assert {q.topics[0] for q in marked} <= set(in_domains)


@pytest.mark.parametrize("exam", ["dva", "saa", "soa"])
def test_an_exam_draw_splits_by_the_domain_weights(exam: str) -> None:
    library = _shipped_library()
    blueprint = {b.id: b for b in load_blueprints([shipped_quizzes_dir()]).items}[exam]
    candidates = pool(library, blueprint)
    drawn = select_by_domains(candidates, blueprint.domains, 65, random.Random(7))
    assert len(drawn) == len({q.id for q in drawn}) == 65
    per_domain = [sum(q.topics[0] in d.topics for q in drawn) for d in blueprint.domains]
    available = [sum(q.topics[0] in d.topics for q in candidates) for d in blueprint.domains]
    assert per_domain == shares(65, [d.weight for d in blueprint.domains], available)


def test_pool_keeps_the_questions_marked_for_the_exam() -> None:
    library = _shipped_library()
    only_saa = pool(library, Blueprint(id="x", title="x", exams=("saa",)))
    assert only_saa
    assert len(only_saa) < len(library.questions)
    assert all(any(e.value == "saa" for e in q.exams) for q in only_saa)
