"""Reading a pack file: what each kind of unreadable file reports, and how values read in
messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ecsprep import plain_yaml
from ecsprep.packs.source import SyntaxProblem, compose, describe


def _compose(tmp_path: Path, data: bytes) -> object:
    path = tmp_path / "pack.yaml"
    path.write_bytes(data)
    return compose(path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", None),
        (b"# only a comment\n", None),
        (
            b"a: caf\xe9\n",
            SyntaxProblem(None, "not UTF-8 text (invalid continuation byte at byte 6)"),
        ),
        (
            b"a: [1, 2\n",
            SyntaxProblem(
                2,
                "YAML syntax error: did not find expected ',' or ']' (column 1), "
                "while parsing a flow sequence at line 1, column 4",
            ),
        ),
        (
            b"a: b\n c: d: e\n",
            SyntaxProblem(
                2, "YAML syntax error: mapping values are not allowed in this context (column 3)"
            ),
        ),
        (
            b"format: 1\n\ttitle: x\n",
            SyntaxProblem(
                2,
                "YAML syntax error: found a tab character that violates indentation (column 1), "
                "while scanning a plain scalar at line 1, column 9",
            ),
        ),
    ],
)
def test_what_an_unreadable_file_reports(tmp_path: Path, data: bytes, expected: object) -> None:
    assert _compose(tmp_path, data) == expected


def _control(line: int, column: int) -> SyntaxProblem:
    return SyntaxProblem(
        line,
        f"contains the character U+0007 (\\x07) at column {column}, which YAML does not "
        "allow; remove it",
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x07title: x\n", _control(1, 1)),  # the very first character
        (b"title: x\x07", _control(1, 9)),  # the very last, with no newline after it
        (b"\n\x07\n", _control(2, 1)),  # after a newline that starts the file
        (b"a: b\nc: \x07d\n", _control(2, 4)),
    ],
)
def test_a_character_yaml_refuses_is_named_at_its_line_and_column(
    tmp_path: Path, data: bytes, expected: SyntaxProblem
) -> None:
    assert _compose(tmp_path, data) == expected


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    assert compose(tmp_path) == SyntaxProblem(None, "cannot read the file: Is a directory")


def test_a_readable_file_gives_its_node_tree(tmp_path: Path) -> None:
    root = _compose(tmp_path, b"format: 1\npack: {id: p}\n")
    assert isinstance(root, yaml.MappingNode)
    assert [k.value for k, _ in root.value] == ["format", "pack"]


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("[1]", "a list"),
        ("{a: 1}", "a mapping"),
        ("~", "nothing"),
        ("null", "nothing"),
        ("placement", "'placement'"),
        ("'~'", "'~'"),  # quoted: text, not nothing
        ("x" * 40, repr("x" * 40)),
        ("x" * 41, repr("x" * 37 + "...")),
    ],
)
def test_how_a_value_reads_in_a_message(text: str, reads: str) -> None:
    assert describe(yaml.compose(text)) == reads


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # PyYAML's own scanner gives this error a context ("while scanning for the next
        # token") but no place for it: only the problem's place is named
        (
            b"a: @b\n",
            SyntaxProblem(
                1, "YAML syntax error: found character '@' that cannot start any token (column 4)"
            ),
        ),
        (
            b"a: [1, 2\n",
            SyntaxProblem(
                2,
                "YAML syntax error: expected ',' or ']', but got '<stream end>' (column 1), "
                "while parsing a flow sequence at line 1, column 4",
            ),
        ),
        (b"a: *x\n", SyntaxProblem(1, "YAML syntax error: found undefined alias 'x' (column 4)")),
        (b"a: \x07\n", _control(1, 4)),
    ],
)
def test_without_libyaml_the_pure_python_parser_reports_as_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, expected: SyntaxProblem
) -> None:
    # PyYAML installed without libyaml (no wheel for the platform) parses in Python, and
    # words and places some errors differently
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    monkeypatch.setattr(plain_yaml, "_Loader", plain_yaml._loader_class())
    assert _compose(tmp_path, data) == expected
