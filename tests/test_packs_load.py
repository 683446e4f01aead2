"""Loading packs: the model built from YAML, discovery, the cache, shipped content."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

import ecsprep.data
from ecsprep.errors import InputError
from ecsprep.packs.load import load_library, validate_files
from ecsprep.packs.model import Difficulty, Origin, QuestionType

VALID = Path(__file__).parent / "cases" / "valid_packs"
BROKEN = Path(__file__).parent / "cases" / "broken_packs"
SHIPPED = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture
def fixture_shipped(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the valid fixture packs the 'shipped' content."""
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: VALID)
    return VALID


def test_fixture_packs_build_the_model(fixture_shipped: Path) -> None:
    loaded = load_library(cache=False)
    assert loaded.problems == ()
    lib = loaded.library
    assert [p.id for p in lib.packs] == ["extra", "sample"]
    sample = lib.packs[1]
    assert (sample.title, sample.version, sample.origin) == (
        "Sample placement pack",
        "2.1",
        Origin.SHIPPED,
    )
    topic = lib.topics["placement-strategies"]
    assert topic.tags == ("placement", "ec2")
    assert topic.notes.startswith("ECS applies **binpack**")
    assert topic.refs[0].title == "Amazon ECS task placement strategies"
    binpack = lib.terms["binpack"]
    assert binpack.aliases == ("bin packing",)
    assert binpack.see == ("spread",)  # written `Spread`: stored as the glossary writes it
    assert binpack.try_command.startswith("ecsprep simulate placement")
    assert lib.terms["random"].pack == "extra"
    q = lib.questions["cheapest-strategy"]
    assert q.type is QuestionType.SINGLE
    assert q.difficulty is Difficulty.EASY
    assert q.answer == frozenset({"A"})
    assert q.choose == 1
    assert q.terms == ("binpack",)  # written `BIN PACKING`, an alias
    assert q.option("B").why == "Balances tasks:\tkeeps more instances busy."
    assert q.check is not None
    assert q.check["scenario"] == {"fleet": ["2xm5.large"], "runTask": {"count": 2}}
    assert q.check["options"]["B"]["change"]["runTask"] is None  # null: a merge patch removal
    assert q.check["options"]["A"]["expect"]["instances"] == ["ci-0001", "ci-0002"]
    assert q.refs[0].title == ""
    multi = lib.questions["two-strategies"]
    assert (multi.type, multi.choose, multi.answer) == (
        QuestionType.MULTIPLE,
        2,
        frozenset({"A", "C"}),
    )
    assert lib.questions["random-strategy"].difficulty is Difficulty.HARD
    assert {q.id for q in lib.questions_on("port-mapping")} == {"two-strategies"}


def test_user_and_option_packs_are_found(
    fixture_shipped: Path, isolated_home: Path, tmp_path: Path
) -> None:
    user_dir = isolated_home / "packs"
    user_dir.mkdir()
    text = (BROKEN / "across-first.yaml").read_text("utf-8")
    (user_dir / "mine.yml").write_text(text, encoding="utf-8")
    (user_dir / "notes.txt").write_text("not a pack", encoding="utf-8")
    option = tmp_path / "option.yaml"
    option.write_text(text.replace("id: across", "id: other").replace("shared-topic", "t2"))
    loaded = load_library([option], cache=False)
    assert loaded.problems == ()
    origins = {p.id: p.origin for p in loaded.library.packs}
    assert origins == {
        "extra": Origin.SHIPPED,
        "sample": Origin.SHIPPED,
        "across": Origin.USER,
        "other": Origin.OPTION,
    }
    assert "across" not in {p.id for p in load_library(include_user=False).library.packs}


def test_broken_user_pack_is_left_out_with_its_problems(
    fixture_shipped: Path, isolated_home: Path
) -> None:
    user_dir = isolated_home / "packs"
    user_dir.mkdir()
    (user_dir / "bad.yaml").write_text((BROKEN / "wrong-type.yaml").read_text("utf-8"))
    loaded = load_library()
    assert [p.id for p in loaded.library.packs] == ["extra", "sample"]
    assert loaded.broken == (user_dir / "bad.yaml",)
    assert [p.where for p in loaded.problems] == ["topics[0].tags"]


def test_subfolders_of_the_shipped_content_are_not_packs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "s.yaml").write_text("not: a pack\n")
    (tmp_path / "sample.yaml").write_text((VALID / "sample.yaml").read_text("utf-8"))
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: tmp_path)
    loaded = load_library(cache=False)
    assert loaded.problems == ()
    assert [p.id for p in loaded.library.packs] == ["sample"]


def test_a_missing_pack_path_is_an_input_error(fixture_shipped: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such pack file or folder"):
        load_library([tmp_path / "nope.yaml"])


def test_the_same_file_twice_is_loaded_once(fixture_shipped: Path) -> None:
    loaded = validate_files([VALID / "sample.yaml", VALID])
    assert loaded.problems == ()
    assert [p.id for p in loaded.library.packs] == ["extra", "sample"]


def test_validate_files_checks_against_the_shipped_packs(
    fixture_shipped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    loaded = validate_files([BROKEN / "across-first.yaml", BROKEN / "unknown-references.yaml"])
    messages = [p.message for p in loaded.problems]
    assert (
        "duplicate glossary term 'binpack'; first defined at "
        f"{Path('tests/cases/valid_packs/sample.yaml')}:24"
    ) in messages
    assert all("unknown-references.yaml" in str(p.path) for p in loaded.problems)
    assert [p.id for p in loaded.library.packs] == ["extra", "sample", "across"]


class TestCache:
    def test_a_cached_load_equals_a_checked_load(
        self, fixture_shipped: Path, isolated_home: Path
    ) -> None:
        cold = load_library()
        assert (isolated_home / "cache" / "library.cache").is_file()
        warm = load_library()
        assert warm.library == cold.library == load_library(cache=False).library

    def test_a_corrupt_cache_is_ignored_and_rebuilt(
        self, fixture_shipped: Path, isolated_home: Path
    ) -> None:
        expected = load_library(cache=False).library
        cache = isolated_home / "cache" / "library.cache"
        cache.parent.mkdir()
        load_library()
        good = cache.read_bytes()
        stored = marshal.loads(good)
        other_python = {**stored, "key": [marshal.version, 2, 7, *stored["key"][3:]]}
        junk = [
            b"{not marshal",
            good[: len(good) // 2],  # a write cut short
            marshal.dumps({"key": 1}),
            marshal.dumps([]),
            marshal.dumps(other_python),
            b"",
        ]
        for blob in junk:
            cache.write_bytes(blob)
            assert load_library().library == expected
            assert marshal.loads(cache.read_bytes())["data"]["packs"]

    def test_a_changed_file_is_checked_again(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        pack = tmp_path / "sample.yaml"
        pack.write_text((VALID / "sample.yaml").read_text("utf-8"))
        monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: tmp_path)
        assert load_library().problems == ()
        pack.write_text(pack.read_text().replace("type: multiple", "type: several"))
        stat = pack.stat()
        os.utime(pack, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        loaded = load_library()
        assert [p.where for p in loaded.problems] == ["questions[1].type"]
        assert loaded.library.packs == ()

    def test_no_cache_is_written_for_packs_with_problems(
        self, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
    ) -> None:
        monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: BROKEN)
        assert load_library().problems
        assert not (isolated_home / "cache" / "library.cache").exists()

    def test_ecsprep_no_cache_turns_it_off(
        self, fixture_shipped: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("ECSPREP_NO_CACHE", "1")
        assert load_library().problems == ()
        assert not (isolated_home / "cache").exists()


shipped_present = pytest.mark.skipif(
    not any(SHIPPED.glob("*.yaml")), reason="the shipped packs in content/ are not written yet"
)


@shipped_present
def test_shipped_packs_load_with_zero_problems() -> None:
    loaded = load_library(include_user=False, cache=False)
    assert [str(p) for p in loaded.problems] == []
    assert {"ecs-core", "ecs-platform"} <= {p.id for p in loaded.library.packs}


@shipped_present
def test_shipped_packs_define_the_planned_topics_and_terms() -> None:
    lib = load_library(include_user=False, cache=False).library
    for topic in (
        "task-placement",
        "placement-strategies",
        "ecs-iam-roles",
        "ecr-login",
        "fargate",
    ):
        assert topic in lib.topics
    for term in ("binpack", "spread", "task role", "task execution role", "awsvpc", "FARGATE_SPOT"):
        assert term in lib.terms
