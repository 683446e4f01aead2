"""The load cache: a stale, corrupt or unwritable cache is never served and never an error.

Each test changes what a cached library depends on (a file's content, size, place or
origin, ecsprep's version, the pack format) in a way that leaves everything else as it
was, and checks that the next load shows the change.
"""

from __future__ import annotations

import json
import marshal
import os
from pathlib import Path
from typing import Any

import pytest

import ecsprep.data
import ecsprep.packs.export
from ecsprep.errors import StorageError
from ecsprep.packs import cache
from ecsprep.packs.load import PackFile, cached_notes, load_library
from ecsprep.packs.model import Origin

VALID = Path(__file__).parent / "cases" / "valid_packs"
SAMPLE = (VALID / "sample.yaml").read_text("utf-8")


@pytest.fixture
def shipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A shipped content folder of one pack the test may rewrite."""
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "sample.yaml").write_text(SAMPLE, encoding="utf-8")
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: folder)
    return folder / "sample.yaml"


def _rewrite_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text("utf-8").replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def _title(path: Path) -> str:
    return next(p.title for p in load_library(include_user=False).library.packs)


def test_a_file_of_another_size_with_the_same_mtime_is_checked_again(shipped: Path) -> None:
    assert _title(shipped) == "Sample placement pack"
    before = shipped.stat()
    shipped.write_text(SAMPLE.replace("Sample placement pack", "Sample pack"), encoding="utf-8")
    os.utime(shipped, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _title(shipped) == "Sample pack"


def test_a_new_ecsprep_version_checks_the_packs_again(
    shipped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _title(shipped) == "Sample placement pack"
    _rewrite_keeping_size_and_mtime(shipped, "Sample placement", "Example placemen")
    assert _title(shipped) == "Sample placement pack"  # same size and mtime: served
    monkeypatch.setattr(cache, "__version__", "999.0")
    assert _title(shipped) == "Example placemen pack"


def test_a_new_pack_format_checks_the_packs_again(
    shipped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ecsprep.packs

    assert _title(shipped) == "Sample placement pack"
    _rewrite_keeping_size_and_mtime(shipped, "Sample placement", "Example placemen")
    monkeypatch.setattr(ecsprep.packs, "FORMAT_VERSION", ecsprep.packs.FORMAT_VERSION + 1)
    assert _title(shipped) == "Example placemen pack"


def test_the_same_name_in_another_folder_is_another_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--pack mine.yaml` from two folders: same name, size and mtime, different packs."""
    (tmp_path / "no-shipped").mkdir()
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: tmp_path / "no-shipped")
    first, second = tmp_path / "one", tmp_path / "two"
    for folder, title in ((first, "Pack number one"), (second, "Pack number two")):
        folder.mkdir()
        text = SAMPLE.replace("Sample placement pack", title)
        (folder / "mine.yaml").write_text(text, encoding="utf-8")
    os.utime(second / "mine.yaml", ns=(0, (first / "mine.yaml").stat().st_mtime_ns))

    def title() -> str:
        loaded = load_library([Path("mine.yaml")], include_user=False)
        assert loaded.problems == (), loaded.problems
        return next(p.title for p in loaded.library.packs)

    monkeypatch.chdir(first)
    assert title() == "Pack number one"
    monkeypatch.chdir(second)
    assert title() == "Pack number two"


def test_a_pack_cached_as_a_pack_option_is_the_learners_when_found_in_their_folder(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: tmp_path)
    (isolated_home / "packs").mkdir()
    mine = isolated_home / "packs" / "sample.yaml"
    mine.write_text(SAMPLE, encoding="utf-8")
    as_option = load_library([mine], include_user=False).library
    assert [p.origin for p in as_option.packs] == [Origin.OPTION]
    as_users = load_library().library
    assert [p.origin for p in as_users.packs] == [Origin.USER]


def test_a_cache_whose_data_is_damaged_under_the_right_key_is_rebuilt(
    shipped: Path, isolated_home: Path
) -> None:
    expected = load_library(cache=False).library
    load_library()
    store = isolated_home / "cache" / "library.cache"
    good = marshal.loads(store.read_bytes())
    data = good["data"]
    first, *others = data["questions"]  # each [id, pack, the question's own blob]
    entry, *entries = data["entries"]
    damaged = [
        {},  # no packs at all
        {**data, "packs": 1},  # not a list
        {**data, "topics": [1]},  # a topic that isn't a mapping
        {**data, "packs": [{**data["packs"][0], "origin": "stolen"}]},  # no such origin
        {**data, "questions": [first[:2], *others]},  # a question without its blob
        {**data, "questions": [[*first[:2], "text"], *others]},  # a blob that isn't bytes
        {**data, "entries": entries},  # entries that don't list every question
        {**data, "entries": [[*entry[:5], ["dva-c99"]], *entries]},  # no such exam
        {**data, "glossary": [{"term": "x"}]},  # a term without its fields
    ]
    for bad in damaged:
        store.write_bytes(marshal.dumps({"key": good["key"], "data": bad}))
        assert load_library().library == expected
        assert marshal.loads(store.read_bytes()) == good  # and the cache is written again


def test_a_question_damaged_inside_a_readable_cache_is_a_clear_error_then_rebuilt(
    shipped: Path, isolated_home: Path
) -> None:
    """Questions are built when first read, so a damaged one is found then, not at load."""
    expected = load_library(cache=False).library
    load_library()
    store = isolated_home / "cache" / "library.cache"
    good = marshal.loads(store.read_bytes())
    (qid, pack, blob), *others = good["data"]["questions"]
    bad = marshal.dumps({**marshal.loads(blob), "type": "several"})  # no such type
    data = {**good["data"], "questions": [[qid, pack, bad], *others]}
    store.write_bytes(marshal.dumps({"key": good["key"], "data": data}))
    library = load_library().library
    assert library.topics == expected.topics  # the rest reads fine
    with pytest.raises(StorageError, match=r"content cache .* is damaged") as caught:
        library.questions[qid]
    assert caught.value.hint == "run the command again: ecsprep rebuilds the cache from the packs"
    assert not store.exists()  # removed, so the next run rebuilds it
    assert load_library().library == expected
    assert marshal.loads(store.read_bytes()) == good
    # A second terminal may have removed it first: the same clear error, never an OSError.
    store.write_bytes(marshal.dumps({"key": good["key"], "data": data}))
    library = load_library().library
    store.unlink()
    with pytest.raises(StorageError, match=r"content cache .* is damaged"):
        library.questions[qid]


def test_a_pack_without_terms_or_questions_reads_back_from_the_cache_equal(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "sample.yaml").write_text(SAMPLE, encoding="utf-8")
    (folder / "topics-only.yaml").write_text(
        "format: 1\npack: {id: topics-only, title: Topics only, version: '1'}\n"
        "topics:\n  - {id: own-topic, title: Own, notes: Notes of its own.}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: folder)
    expected = load_library(cache=False).library
    load_library()
    cached = load_library().library
    assert cached == expected
    only = next(p for p in cached.packs if p.id == "topics-only")
    assert (only.glossary, only.questions) == ((), ())


def test_explain_on_a_warm_cache_reads_the_notes_alone(
    shipped: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notes are a quarter of the bytes: a warm `explain` never opens library.cache."""
    load_library()
    expected = load_library().library.notes()

    def refuse(path: Path, key: list[Any]) -> None:
        raise AssertionError(f"read {path}")

    monkeypatch.setattr(cache, "read_cache", refuse)
    found = cached_notes()
    assert found is not None
    assert found[0] == expected


def test_a_cached_library_builds_each_question_when_first_read(
    shipped: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = load_library(cache=False).library
    load_library()
    built: list[str] = []
    real = ecsprep.packs.export.question_from_data

    def counted(data: Any) -> Any:
        built.append(data["id"])
        return real(data)

    monkeypatch.setattr(ecsprep.packs.export, "question_from_data", counted)
    library = load_library().library
    assert built == []
    assert [e.id for e in library.entries] == list(expected.questions)  # listed, not built
    assert list(library.questions) == list(expected.questions)
    assert "no-such-question" not in library.questions
    assert built == []
    last = list(expected.questions)[-1]
    assert library.questions[last] == expected.questions[last]
    assert library.questions[last] is library.questions[last]  # built once, then kept
    assert built == [last]
    assert list(library.packs) == list(expected.packs)  # the packs need every question
    assert sorted(built) == sorted(expected.questions)
    assert library == expected


def test_a_home_where_no_cache_can_be_written_only_costs_speed(
    shipped: Path, isolated_home: Path
) -> None:
    expected = load_library(cache=False).library
    (isolated_home / "cache").write_text("a file where the folder should be")
    assert load_library().library == expected
    (isolated_home / "cache").unlink()
    (isolated_home / "cache" / "library.cache").mkdir(parents=True)  # a folder in the way
    assert load_library().library == expected
    # The notes are cached beside it; no temporary file is left.
    assert sorted(os.listdir(isolated_home / "cache")) == ["library.cache", "notes.cache"]


def test_the_cache_folder_is_made_with_its_parents(
    shipped: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("ECSPREP_HOME", str(home))
    load_library()
    assert sorted(os.listdir(home / "cache")) == ["library.cache", "notes.cache"]


def test_the_cache_lives_in_ecsprep_home_or_the_platforms_cache_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_path({"ECSPREP_HOME": "~/study"}) == tmp_path / "study/cache/library.cache"
    assert cache.cache_path({"ECSPREP_HOME": "/x"}, "other.cache") == Path("/x/cache/other.cache")
    assert cache.cache_path({"ECSPREP_HOME": "/x", "ECSPREP_NO_CACHE": "1"}) is None
    assert cache.cache_path({"ECSPREP_HOME": "/x", "ECSPREP_NO_CACHE": "0"}) is not None
    if os.name == "posix" and not (tmp_path / "Library").exists():
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        import sys

        if sys.platform.startswith("linux"):
            assert cache.cache_path({}) == tmp_path / "xdg" / "ecsprep" / "library.cache"


def test_a_file_that_cannot_be_examined_means_no_cache(tmp_path: Path) -> None:
    assert cache.cache_key([PackFile(tmp_path / "gone.yaml", Origin.OPTION)]) is None


def test_data_marshal_cannot_store_is_not_stored(tmp_path: Path) -> None:
    store = tmp_path / "x.cache"
    cache.write_stored(store, ["k"], {"value": object()})
    assert not store.exists()
    assert os.listdir(tmp_path) == []
    cache.write_stored(store, ["k"], {"value": [1, "two"]})
    assert cache.read_stored(store, ["k"]) == {"value": [1, "two"]}
    assert cache.read_stored(store, ["other"]) is None


# --- the notes cache: what `explain` and completion read --------------------------------


def test_a_clean_load_caches_the_notes_and_they_read_back_equal(
    shipped: Path, isolated_home: Path
) -> None:
    assert cached_notes() is None  # nothing stored yet: the caller loads the library
    library = load_library().library
    found = cached_notes()
    assert found is not None
    notes, skipped = found
    assert notes == library.notes()
    assert skipped == ()
    assert [q.id for q in notes.questions] == list(library.questions)
    checked = {q.id for q in notes.questions if q.checked}
    assert checked == {q.id for q in library.questions.values() if q.check} != set()


def test_a_changed_pack_makes_the_cached_notes_a_miss(shipped: Path, isolated_home: Path) -> None:
    load_library()
    assert cached_notes() is not None
    shipped.write_text(SAMPLE.replace("Sample placement pack", "Sample pack"), encoding="utf-8")
    assert cached_notes() is None
    load_library()  # the checked load stores the new notes
    assert cached_notes() is not None


def test_damaged_or_missing_notes_are_never_served(shipped: Path, isolated_home: Path) -> None:
    """They are taken from a good library cache and stored again; with no good library
    cache either, it is a miss (the caller loads the packs), never an error."""
    expected = load_library().library.notes()
    store = isolated_home / "cache" / "notes.cache"
    good = marshal.loads(store.read_bytes())
    data = good["data"]
    damaged = [
        {},  # nothing at all
        {**data, "topics": [1]},  # a topic that isn't a mapping
        {**data, "questions": [["an-id"]]},  # a question without its topics
        {**data, "glossary": [{"term": "x"}]},  # a term without its fields
    ]
    spoils = [
        lambda bad=bad: store.write_bytes(marshal.dumps({**good, "data": bad})) for bad in damaged
    ]
    spoils += [lambda: store.write_bytes(b"half a fi"), store.unlink]
    for spoil in spoils:
        spoil()
        found = cached_notes()
        assert found is not None
        assert found[0] == expected
        assert marshal.loads(store.read_bytes()) == good  # stored again
    (isolated_home / "cache" / "library.cache").write_bytes(b"\x00 not marshal")
    store.write_bytes(b"\x00 not marshal")
    assert cached_notes() is None


def test_packs_with_problems_cache_no_notes(shipped: Path, isolated_home: Path) -> None:
    packs = isolated_home / "packs"
    packs.mkdir()
    (packs / "broken.yaml").write_text("id: broken\n", encoding="utf-8")
    assert load_library().problems
    assert cached_notes() is None
    assert not (isolated_home / "cache" / "notes.cache").exists()


def test_a_quiz_from_the_cache_builds_only_the_questions_it_draws(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bank is hundreds of questions; a ten-question drill reads ten (issue 9's
    start-up goal). The same seed draws the same questions from a cold load."""
    from typer.testing import CliRunner

    from ecsprep.ui.app import app

    args = ["quiz", "quick", "--seed", "5", "--count", "4", "--json"]
    cold = CliRunner().invoke(app, args, input="skip\n" * 4)  # loads the packs, caches them
    assert cold.exit_code == 0, cold.output
    built: list[str] = []
    real = ecsprep.packs.export.question_from_data

    def counted(data: Any) -> Any:
        built.append(data["id"])
        return real(data)

    monkeypatch.setattr(ecsprep.packs.export, "question_from_data", counted)
    warm = CliRunner().invoke(app, args, input="skip\n" * 4)
    assert warm.exit_code == 0, warm.output
    drawn = [q["id"] for q in json.loads(warm.stdout)["questions"]]
    assert drawn == [q["id"] for q in json.loads(cold.stdout)["questions"]]
    assert len(drawn) == 4
    assert sorted(built) == sorted(drawn)
