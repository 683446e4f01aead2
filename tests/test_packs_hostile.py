"""Packs, blueprints and scenarios from strangers: bounded, and never a traceback.

The exact messages for each hostile pack are case files (tests/cases/broken_packs,
see test_packs_broken.py); here are the bounds themselves (memory and time, in a
subprocess with a memory limit, so a regression fails instead of eating the
machine), the packs folder's odd entries, and a property over any YAML document.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep import plain_yaml
from ecsprep.packs.load import PackFile, load_files
from ecsprep.packs.model import Origin
from ecsprep.ui.app import app

BROKEN = Path(__file__).parent / "cases" / "broken_packs"
VALID = Path(__file__).parent / "cases" / "valid_packs"
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space: ecsprep needs about a quarter of it
TIME_LIMIT = 60  # seconds; each bounded run takes about one


def pack_text(pack_id: str, check: str = "", notes: str = "Some notes.") -> str:
    return textwrap.dedent(f"""\
        format: 1
        pack: {{id: {pack_id}, title: A pack, version: 1.0.0}}
        topics:
          - id: {pack_id}-topic
            title: A topic
            notes: {notes}
        questions:
          - id: {pack_id}-question
            topics: [{pack_id}-topic]
            type: single
            stem: Which one?
            options:
              A: {{text: one, why: yes}}
              B: {{text: two, why: no}}
            answer: A
            explanation: Because.
            refs: [{{url: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/Welcome.html"}}]
        """) + textwrap.indent(check, "    ")


def wide_alias_pack() -> str:
    """216 KB: one 200 KB value aliased 5,000 times (a 1 GB cache, unbounded)."""
    value = "x" * 200_000
    copies = ", ".join(["*big"] * 5_000)
    check = f"check:\n  scenario: {{big: &big {value}, copies: [{copies}]}}\n"
    check += "  options:\n    A: {expect: {placed: 1}, shows: It fits.}\n"
    return pack_text("wide-alias", check)


def run_bounded(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """`ecsprep ARGS` in a child limited to MEMORY_LIMIT of memory and TIME_LIMIT seconds."""
    resource = pytest.importorskip("resource")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    env = {**os.environ, "ECSPREP_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "ecsprep", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIME_LIMIT,
        preexec_fn=limit,
        check=False,
    )


@pytest.mark.parametrize("args", [["packs", "list"], ["explain", "binpack"], ["packs", "validate"]])
def test_alias_bombs_in_user_packs_are_bounded(args: list[str], isolated_home: Path) -> None:
    packs = isolated_home / "packs"
    packs.mkdir()
    (packs / "bomb.yaml").write_text((BROKEN / "alias-bomb.yaml").read_text("utf-8"), "utf-8")
    (packs / "wide.yaml").write_text(wide_alias_pack(), "utf-8")
    result = run_bounded(args, isolated_home)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "MemoryError" not in result.stderr
    if args[1] == "validate":
        assert result.returncode == 1
        assert "wide.yaml:" in result.stdout
        assert "aliases (*name) repeat more" in result.stdout
    else:
        assert result.returncode == 0, result.stderr
        assert "bomb.yaml left out" in result.stderr
        assert "wide.yaml left out" in result.stderr
    cache = isolated_home / "cache" / "library.cache"
    assert not cache.exists() or cache.stat().st_size < 10_000_000


def test_alias_bomb_in_a_scenario_file_is_bounded(isolated_home: Path, tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    scenario = tmp_path / "bomb.yaml"
    scenario.write_text("\n".join(lines) + "\n", "utf-8")
    result = run_bounded(["simulate", "placement", str(scenario)], isolated_home)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "bomb.yaml:6:20: aliases (*name) repeat more than 1,000,000" in result.stderr


def test_a_document_just_inside_the_alias_bound_loads_quickly() -> None:
    # 10 aliases of a ~90,000-character value: 900,000 units, under the bound.
    text = "a: &a " + "y" * 89_990 + "\nb: [" + ", ".join(["*a"] * 10) + "]\n"
    node = plain_yaml.compose(text)
    assert node is not None
    data = plain_yaml.to_plain(node, "", lambda *_: pytest.fail("no problem expected"))
    assert len(data["b"]) == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 101 + "]" * 101, "nested more than 100 levels deep"),
        ("a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 50 + "*a" + "]" * 50, "*a nests"),
        ("a: &a [*a]", "*a is used inside its own anchor"),
    ],
)
def test_nesting_and_loops_are_refused_before_anything_is_built(text: str, message: str) -> None:
    with pytest.raises(plain_yaml.LimitError) as caught:
        plain_yaml.compose(text)
    assert message in str(caught.value.problem)


def test_nesting_at_the_bound_is_fine() -> None:
    assert plain_yaml.compose("[" * 99 + "1" + "]" * 99) is not None


# --- blueprints -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("count: 1:30", "count: 1:30 is a base-60 number in YAML 1.1"),
        ("count: 010", "count: 010 is an octal number"),
        ("count: " + "9" * 5000, "count: a number with 5,000 digits is too long"),
        ("count: !!binary aGVsbG8=", "count: the tag !!binary is not allowed"),
        ("tags: " + "[" * 200 + "]" * 200, "nested more than 100 levels deep"),
    ],
)
def test_blueprint_yaml_surprises_are_problems(line: str, message: str, tmp_path: Path) -> None:
    from ecsprep.study.blueprint import load_blueprint

    path = tmp_path / "odd.yaml"
    path.write_text(f"format: 1\nid: odd\ntitle: Odd\n{line}\n", "utf-8")
    blueprint, problems = load_blueprint(path)
    assert blueprint is None
    assert message in " ".join(str(p) for p in problems)
    assert all(p.line == 4 for p in problems)


# --- the packs folder ------------------------------------------------------------


@pytest.fixture
def packs_cli(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> Any:
    import ecsprep.data

    monkeypatch.setattr(ecsprep.data, "shipped_content_dir", lambda: VALID)
    monkeypatch.chdir(isolated_home)

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(app, list(args))

    return invoke


def test_odd_entries_in_the_packs_folder_are_named(packs_cli: Any, isolated_home: Path) -> None:
    packs = isolated_home / "packs"
    packs.mkdir()
    (packs / "folder.yaml").mkdir()
    (packs / "dangling.yaml").symlink_to("nowhere.yaml")
    (packs / "loop.yaml").symlink_to("loop.yaml")
    (packs / "good.yaml").write_text(pack_text("good"), "utf-8")
    (packs / "notes.txt").write_text("not a pack", "utf-8")
    for args in (["packs", "list"], ["packs", "validate"]):
        result = packs_cli(*args)
        assert result.exit_code == 0, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert warnings == [
            "warning: packs/dangling.yaml: a symbolic link to nowhere.yaml, which does not "
            "exist; skipped: remove it or fix the link",
            "warning: packs/folder.yaml: a folder, not a pack file; skipped (packs are YAML files)",
            "warning: packs/loop.yaml: a symbolic link that loops (to loop.yaml); skipped: "
            "remove it or fix the link",
        ]
    assert "good" in packs_cli("packs", "list").stdout
    # Served from the cache the second time, and still said.
    assert "folder.yaml" in packs_cli("explain", "binpack").stderr


def test_an_unreadable_packs_folder_is_a_warning(
    packs_cli: Any, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packs = isolated_home / "packs"
    packs.mkdir()
    real_iterdir = Path.iterdir

    def iterdir(self: Path) -> Any:
        if self == packs:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    result = packs_cli("packs", "list")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: packs: cannot read the folder (permission denied); the packs in it are left out\n"
    )


def test_a_packs_path_that_is_a_file_is_a_warning(packs_cli: Any, isolated_home: Path) -> None:
    (isolated_home / "packs").write_text("oops", "utf-8")
    result = packs_cli("packs", "list")
    assert result.exit_code == 0, result.output
    assert "cannot read your packs folder (not a folder)" in result.stderr


# --- any document --------------------------------------------------------------------

FRAGMENTS = [
    "format: 1\n",
    "pack: {id: p, title: T, version: '1'}\n",
    "topics:\n",
    "questions:\n",
    "  - ",
    "id: q",
    "check: ",
    "scenario: ",
    "options: ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "\n",
    "  ",
    "- ",
    "&x ",
    "*x",
    "<<: ",
    "? ",
    "!!binary aGVsbG8=",
    "!!timestamp 2024-01-01",
    "!!set ",
    "!!omap ",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "010",
    "1:30",
    "1:30.5",
    "0x1f",
    "0b101",
    ".nan",
    "-.inf",
    "1.0e+999",
    "9" * 30,
    "yes",
    "~",
    "'quoted'",
    '"\\e[2J"',
    '"\\u202e"',
    "A",
    "text",
    "choose: ",
    "answer: ",
    "2",
    "-1",
]


@settings(
    max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_any_document_the_safe_loader_accepts_gives_a_clean_result(text: str) -> None:
    try:
        yaml.safe_load(text)
    except Exception:  # PyYAML itself fails on some (`!!int ""`)
        assume(False)
    check_loads_cleanly(text)


PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=8)
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(PLAIN, st.text(max_size=30))
def test_any_safe_data_in_a_check_or_text_field_gives_a_clean_result(data: Any, notes: str) -> None:
    dumped = yaml.safe_dump({"scenario": data, "options": {"A": {"shows": "x"}}})
    check = "check:\n" + textwrap.indent(dumped, "  ")
    check_loads_cleanly(pack_text("prop", check, notes=yaml.safe_dump(notes).strip()))


def check_loads_cleanly(text: str) -> None:
    path = Path(os.environ["ECSPREP_HOME"]) / "prop.yaml"
    path.write_text(text, "utf-8")
    loaded = load_files([PackFile(path, Origin.OPTION)])  # never raises
    for problem in loaded.problems:
        assert plain_yaml.check_text(str(problem)) is None, str(problem)  # nothing raw
    if not loaded.problems:
        assert len(loaded.library.packs) == 1
        import json

        from ecsprep.packs.export import library_to_data

        json.dumps(library_to_data(loaded.library), allow_nan=False)  # the cache can hold it
