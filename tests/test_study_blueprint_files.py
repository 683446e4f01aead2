"""Blueprint files as a learner writes them: folders, duplicates, broken files, paths, names.

What the documents themselves may hold is in tests/cases/blueprints.yaml; this is
what the loader and `quiz BLUEPRINT` say about whole files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsprep.errors import InputError, NotFoundError
from ecsprep.packs.problems import Problem
from ecsprep.study.blueprint import (
    DEFAULT,
    Blueprint,
    Domain,
    find_blueprint,
    load_blueprint,
    load_blueprints,
    problems_error,
    unknown_names,
)

NO_CACHE = {"ECSPREP_NO_CACHE": "1"}


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_first_definition_of_an_id_wins_and_the_second_is_named(tmp_path: Path) -> None:
    mine = _write(tmp_path / "mine", "drill.yaml", "format: 1\nid: drill\ntitle: Mine\n")
    shipped = _write(tmp_path / "shipped", "a.yaml", "format: 1\nid: drill\ntitle: Shipped\n")
    _write(tmp_path / "shipped", "b.yaml", "format: 1\nid: other\ntitle: Other\n")
    _write(tmp_path / "shipped", "notes.txt", "not a blueprint")
    found = load_blueprints([tmp_path / "mine", tmp_path / "shipped", tmp_path / "none"], NO_CACHE)
    assert [(b.id, b.title, b.source) for b in found.items] == [
        ("drill", "Mine", mine),
        ("other", "Other", tmp_path / "shipped" / "b.yaml"),
    ]
    assert [str(p) for p in found.problems] == [f"{shipped} id: 'drill' is already defined"]


def test_a_file_that_is_not_a_mapping_is_one_problem_on_line_1(tmp_path: Path) -> None:
    path = _write(tmp_path, "list.yaml", "- format: 1\n- id: x\n")
    assert load_blueprint(path) == (
        None,
        (Problem(path, 1, "", "a blueprint is a mapping of keys (id, title, ...)"),),
    )


def test_yaml_that_does_not_parse_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.yaml", "format: 1\nid: x\ntitle: [unclosed\ncount: 3\n")
    blueprint, problems = load_blueprint(path)
    assert blueprint is None
    assert len(problems) == 1
    assert problems[0].line == 4
    assert problems[0].where == ""
    assert problems[0].message.startswith("not valid YAML: ")
    assert problems[0].path == path
    control = _write(tmp_path, "bell.yaml", "format: 1\nid: x\ntitle: Ring \x07\n")
    (problem,) = load_blueprint(control)[1]  # the reader's error has no mark
    assert (problem.path, problem.line, problem.where) == (control, None, "")
    assert problem.message.startswith("not valid YAML: ")


def test_a_file_that_is_not_utf8_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("format: 1\nid: x\ntitle: Caf\xe9\n".encode("latin-1"))
    blueprint, problems = load_blueprint(path)
    assert blueprint is None
    assert [(p.path, p.line, p.where) for p in problems] == [(path, None, "")]
    assert problems[0].message.startswith("cannot read: ")
    assert "utf-8" in problems[0].message


def test_problems_name_the_line_of_their_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "lines.yaml", "format: 1\n\nid: x\ntitle: T\n# note\nshuffle: maybe\n")
    assert [str(p) for p in load_blueprint(path)[1]] == [f"{path}:6 shuffle: must be true or false"]
    good = _write(tmp_path, "good.yaml", "format: 1\nid: good\ntitle: Good\n")
    blueprint, problems = load_blueprint(good)
    assert problems == ()
    assert blueprint is not None
    assert (blueprint.id, blueprint.source) == ("good", good)


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_a_blueprint_file_can_be_given_by_path(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path, f"mine{suffix}", "format: 1\nid: mine\ntitle: Mine\ncount: 4\n")
    found = find_blueprint([DEFAULT], str(path))
    assert (found.id, found.count, found.source) == ("mine", 4, path)
    assert find_blueprint([DEFAULT, found], "mine") is found  # by id, before any file


def test_a_broken_blueprint_file_given_by_path_is_one_error_with_the_fix(tmp_path: Path) -> None:
    one = _write(tmp_path, "one.yaml", "format: 1\nid: one\ntitle: One\ncount: 0\n")
    with pytest.raises(InputError) as caught:
        find_blueprint([DEFAULT], str(one))
    assert caught.value.message == f"{one}:4 count: must be a whole number of 1 or more (or null)"
    assert caught.value.hint == f"fix it in {one} (see docs/blueprint-format.md)"
    two = _write(tmp_path, "two.yaml", "format: 1\nid: Two\ntitle: Two\ncount: 0\n")
    with pytest.raises(InputError) as caught:
        find_blueprint([DEFAULT], str(two))
    assert caught.value.message == (
        f"2 problems in blueprint {two}:\n"
        f"  {two}:2 id: required: a lowercase slug such as 'quick'\n"
        f"  {two}:4 count: must be a whole number of 1 or more (or null)"
    )
    assert caught.value.hint == f"fix them in {two} (see docs/blueprint-format.md)"


def test_an_unknown_name_lists_every_blueprint_when_none_is_close(tmp_path: Path) -> None:
    items = [
        Blueprint(id="quick", title="Q"),
        Blueprint(id="exam", title="E"),
        Blueprint(id="placement", title="P"),
    ]
    with pytest.raises(NotFoundError) as caught:
        find_blueprint(items, "zzzz")
    assert caught.value.message == "no blueprint matches 'zzzz'"
    assert caught.value.hint == (
        "the blueprints are exam, placement, quick (ecsprep quiz --list), "
        "or give a blueprint .yaml file"
    )
    missing = tmp_path / "missing.yaml"  # a path that isn't a file is a name like any other
    with pytest.raises(NotFoundError):
        find_blueprint(items, str(missing))
    text = _write(tmp_path, "quick.txt", "format: 1\nid: quick\ntitle: Q\n")
    with pytest.raises(NotFoundError) as caught:
        find_blueprint(items, str(text))  # only .yaml and .yml files are read
    close = [Blueprint(id=f"drill-{n}", title="D") for n in range(5)]
    with pytest.raises(NotFoundError) as caught:
        find_blueprint(close, "drill")
    assert len(caught.value.suggestions) == 3


def test_problems_error_counts_and_indents_every_problem() -> None:
    path = Path("q.yaml")
    problems = [Problem(path, n, "id", f"problem {n}") for n in (1, 2, 3)]
    error = problems_error(path, problems)
    assert error.message == (
        "3 problems in blueprint q.yaml:\n  q.yaml:1 id: problem 1\n"
        "  q.yaml:2 id: problem 2\n  q.yaml:3 id: problem 3"
    )


def test_unknown_names_checks_topics_tags_and_domain_topics() -> None:
    blueprint = Blueprint(
        id="mine",
        title="M",
        topics=("ecr", "fargte"),
        tags=("seed", "zzzzzz"),
        domains=(
            Domain("A", 50, ("ecr",)),
            Domain("B", 50, ("fargate", "placemnt-strategies")),
        ),
    )
    topics = {"ecr", "fargate", "placement-strategies"}
    found = unknown_names(blueprint, topics, {"seed", "core"})
    assert [str(p) for p in found] == [
        "mine topics[1]: unknown topic 'fargte'; did you mean 'fargate'?",
        "mine tags[1]: unknown tag 'zzzzzz'",
        "mine domains[1].topics[1]: unknown topic 'placemnt-strategies'; "
        "did you mean 'placement-strategies'?",
    ]
    from_file = Blueprint(id="mine", title="M", topics=("nope",), source=Path("q/mine.yaml"))
    assert [p.path for p in unknown_names(from_file, topics, set())] == [Path("q/mine.yaml")]
    assert unknown_names(DEFAULT, topics, set()) == ()


def test_yaml_outside_the_plain_subset_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "odd.yaml", "format: 1\nid: odd\ntitle: Odd\ncount: 1:30\n")
    (problem,) = load_blueprint(path)[1]
    assert (problem.path, problem.line, problem.where) == (path, 4, "count")
    assert problem.message.startswith("1:30 is a base-60 number in YAML 1.1")
    deep = "tags: " + "[" * 200 + "]" * 200
    nested = _write(tmp_path, "deep.yaml", f"format: 1\nid: odd\ntitle: Odd\n{deep}\n")
    assert load_blueprint(nested) == (
        None,
        (Problem(nested, 4, "", "nested more than 100 levels deep; flatten the document"),),
    )


def test_a_broken_file_does_not_hide_the_files_after_it(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "format: 1\nid: a\ntitle: A\nmode: cram\n")
    _write(tmp_path, "b.yaml", "format: 1\nid: b\ntitle: B\n")
    found = load_blueprints([tmp_path], NO_CACHE)
    assert [b.id for b in found.items] == ["b"]
    assert len(found.problems) == 1


def test_the_cache_tells_two_folders_apart(tmp_path: Path, isolated_home: Path) -> None:
    import os

    one = _write(tmp_path / "one", "d.yaml", "format: 1\nid: d\ntitle: One\n")
    two = _write(tmp_path / "two", "d.yaml", "format: 1\nid: d\ntitle: Two\n")
    for path in (one, two):  # same name, size and time: only the place differs
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert [b.title for b in load_blueprints([tmp_path / "one"]).items] == ["One"]
    assert [b.title for b in load_blueprints([tmp_path / "two"]).items] == ["Two"]
