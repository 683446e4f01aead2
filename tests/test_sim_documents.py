"""Reading simulator input: JSON or YAML, bounded, with errors that point (sim/documents.py).

Case file: tests/cases/documents/read.yaml. The value checks (as_int, as_str, kind_of, the
placeholders) are tables here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsprep.errors import InputError
from ecsprep.sim.documents import (
    Where,
    as_int,
    as_list,
    as_mapping,
    as_str,
    check_values,
    kind_of,
    parse_text,
    placeholders,
    read_document,
)

CASES = Path(__file__).parent / "cases" / "documents" / "read.yaml"
KEYS = {"name", "doc", "file", "text", "data", "refused", "more", "hint", "depth"}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


def _text(text: str) -> str:
    text = re.sub(r"\{DIGITS:(\d+)\}", lambda m: "9" * int(m.group(1)), text)
    text = re.sub(r"\{OPEN:(\d+)\}", lambda m: "[" * int(m.group(1)), text)
    return re.sub(r"\{CLOSE:(\d+)\}", lambda m: "]" * int(m.group(1)), text)


def _depth(value: object) -> int:
    return 1 + max(map(_depth, value), default=0) if isinstance(value, list) else 0


@pytest.mark.parametrize("case", _cases())
def test_read(case: dict[str, Any], tmp_path: Path) -> None:
    assert not set(case) - KEYS, f"unknown keys {sorted(set(case) - KEYS)}"
    file = tmp_path / case["file"]
    file.write_text(_text(case["text"]), encoding="utf-8")
    if "refused" in case:
        with pytest.raises(InputError) as raised:
            read_document(file)
        more = f" (and {case['more']} more)" if "more" in case else ""
        assert raised.value.message == case["refused"].replace("{FILE}", str(file)) + more
        assert raised.value.hint == case["hint"]
    elif "depth" in case:
        assert _depth(read_document(file)) == case["depth"]
    else:
        assert read_document(file) == case["data"]


def test_no_such_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        read_document(tmp_path / "nope.json")
    assert raised.value.message == f"{tmp_path / 'nope.json'}: no such file"
    assert raised.value.hint == "check the path"


def test_a_folder_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        read_document(tmp_path)
    assert raised.value.message == f"{tmp_path}: cannot read the file (Is a directory)"
    assert raised.value.hint is None


def test_not_utf8(tmp_path: Path) -> None:
    file = tmp_path / "s.json"
    file.write_bytes(b'{"a": "caf\xe9"}')
    with pytest.raises(InputError) as raised:
        read_document(file)
    assert raised.value.message == f"{file}: not UTF-8 text (byte 10)"
    assert raised.value.hint == "save the file as UTF-8"


def test_a_file_bigger_than_the_bound_is_refused_unread(tmp_path: Path) -> None:
    file = tmp_path / "big.json"
    with file.open("wb") as stream:  # sparse: nothing is written
        stream.truncate(128 * 1024 * 1024 + 1)
    with pytest.raises(InputError) as raised:
        read_document(file)
    assert raised.value.message == f"{file}: the file is bigger than 128 MiB"
    assert raised.value.hint == (
        "give a describe-container-instances output or a scenario file, not a device "
        "or a whole disk"
    )


def test_a_file_of_exactly_the_bound_is_read(tmp_path: Path) -> None:
    file = tmp_path / "big.json"
    with file.open("wb") as stream:  # sparse: 128 MiB of NUL bytes
        stream.truncate(128 * 1024 * 1024)
    with pytest.raises(InputError) as raised:
        read_document(file)
    assert raised.value.message == (
        f"{file}: the file holds NUL bytes, so it is not JSON or YAML text"
    )


def test_parse_text_names_its_source() -> None:
    assert parse_text("a: 1", "--fleet") == {"a": 1}
    with pytest.raises(InputError) as raised:
        parse_text("[1, NaN]", "--fleet")
    assert raised.value.message == "--fleet [1]: NaN is not a number AWS accepts (JSON has no NaN)"


# --- values built in Python (scenarios assembled by code, not parsed) ----------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": (1, float("nan"))}, "f a[1]: NaN is not a number AWS accepts (JSON has no NaN)"),
        (
            [{"b": frozenset([float("inf")])}],
            "f [0].b[0]: an infinite number (Infinity, or one too big for a double such as 1e999)",
        ),
        (
            {"n": 10**25},
            "f n: a number with about 26 digits is longer than any AWS field allows",
        ),
        (
            {"n": -(10**20)},
            "f n: a number with about 21 digits is longer than any AWS field allows",
        ),
    ],
)
def test_check_values_of_python_values(value: object, message: str) -> None:
    with pytest.raises(InputError) as raised:
        check_values(value, Where("f"))
    assert raised.value.message == message


def test_check_values_of_other_containers() -> None:
    from types import MappingProxyType

    with pytest.raises(InputError) as raised:
        check_values(MappingProxyType({"a": 1, "b": [float("nan")]}), Where("f"))
    assert raised.value.message == "f b[0]: NaN is not a number AWS accepts (JSON has no NaN)"
    with pytest.raises(InputError) as raised:
        check_values({"s": {1, float("inf")}}, Where("f"))
    assert "an infinite number" in raised.value.message


@pytest.mark.parametrize(("depth", "refused"), [(64, False), (65, True)])
@pytest.mark.parametrize("kind", ["tuple", "mapping"])
def test_check_values_depth_of_other_containers(depth: int, refused: bool, kind: str) -> None:
    from types import MappingProxyType

    value: object = 1
    for _ in range(depth):
        value = (value, 2) if kind == "tuple" else MappingProxyType({"k": value})
    if refused:
        with pytest.raises(InputError, match="nested more than 64 levels deep"):
            check_values(value, Where("f"))
    else:
        check_values(value, Where("f"))


def test_check_values_accepts_plain_values() -> None:
    check_values(
        {"a": [True, False, None, "x", 10**20 - 1, -(10**20) + 1, 2.5, (1, 2), {3}]}, Where("f")
    )


@pytest.mark.parametrize(("depth", "refused"), [(64, False), (65, True)])
def test_check_values_depth(depth: int, refused: bool) -> None:
    value: object = "leaf"
    for _ in range(depth):
        value = {"k": value}
    if refused:
        with pytest.raises(InputError) as raised:
            check_values(value, Where("f"))
        assert raised.value.message == "f " + ".".join(["k"] * 64) + (
            ": nested more than 64 levels deep"
        )
    else:
        check_values(value, Where("f"))


# --- value checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "minimum", "expected"),
    [
        (12, 0, 12),
        ("12", 0, 12),
        (" 7 ", 0, 7),
        (4.0, 0, 4),
        (5, 5, 5),
        ("-3", -5, -3),
        ("99999999999999999999", 0, 99999999999999999999),
    ],
)
def test_as_int(value: object, minimum: int, expected: int) -> None:
    assert as_int(value, Where("f", "n"), minimum=minimum) == expected


@pytest.mark.parametrize(
    ("value", "minimum", "message"),
    [
        (True, 0, "f n: expected a number, found a boolean (true)"),
        ("abc", 0, "f n: expected a whole number, found the string 'abc'"),
        ("1.5", 0, "f n: expected a whole number, found the string '1.5'"),
        ("X5", 0, "f n: expected a whole number, found the string 'X5'"),
        ("١٢", 0, "f n: expected a whole number, found the string '١٢'"),
        (
            "100000000000000000000",
            0,
            "f n: expected a whole number, found the string '100000000000000000000'",
        ),
        (2.5, 0, "f n: expected a whole number, found float 2.5"),
        (None, 0, "f n: expected a whole number, found nothing (null)"),
        (-1, 0, "f n: must be at least 0, found -1"),
        ("4", 5, "f n: must be at least 5, found 4"),
        ("${Count}", 0, "f n: template placeholder ${Count} was never filled in"),
    ],
)
def test_as_int_refusals(value: object, minimum: int, message: str) -> None:
    with pytest.raises(InputError) as raised:
        as_int(value, Where("f", "n"), minimum=minimum)
    assert raised.value.message == message


def test_as_int_default_minimum_is_zero() -> None:
    assert as_int(0, Where("f")) == 0
    with pytest.raises(InputError, match="must be at least 0, found -1"):
        as_int(-1, Where("f"))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "nothing (null)"),
        (True, "a boolean (true)"),
        (False, "a boolean (false)"),
        ({}, "an object"),
        ([], "a list"),
        ("x" * 60, "the string '" + "x" * 60 + "'"),
        ("y" * 61, "the string '" + "y" * 60 + "'…"),
        (10**20, "a number longer than any AWS field allows"),
        (-(10**20), "a number longer than any AWS field allows"),
        (10**20 - 1, "int 99999999999999999999"),
        (1.5, "float 1.5"),
        ("é" * 100, "the string '" + "é" * 60 + "'…"),
        (b"z" * 100, ("bytes " + repr(b"z" * 100))[:80]),
    ],
)
def test_kind_of(value: object, words: str) -> None:
    assert kind_of(value) == words


def test_shapes_name_what_was_expected() -> None:
    with pytest.raises(InputError) as raised:
        as_mapping([], Where("f", "a"), "a task definition")
    assert raised.value.message == "f a: expected a task definition, found a list"
    with pytest.raises(InputError) as raised:
        as_mapping("x", Where("f"))
    assert raised.value.message == "f: expected an object, found the string 'x'"
    with pytest.raises(InputError) as raised:
        as_list({}, Where("f", "a"), "a list of ports")
    assert raised.value.message == "f a: expected a list of ports, found an object"
    with pytest.raises(InputError) as raised:
        as_list(1, Where("f"))
    assert raised.value.message == "f: expected a list, found int 1"
    with pytest.raises(InputError) as raised:
        as_str(1, Where("f"))
    assert raised.value.message == "f: expected a string, found int 1"
    assert as_mapping({"a": 1}, Where("f")) == {"a": 1}
    assert as_list([1], Where("f")) == [1]
    assert as_str("ok", Where("f")) == "ok"


@pytest.mark.parametrize("placeholder", ["${Image}", "{{ image }}", "$$$IMAGE_1$$$"])
def test_placeholders_are_refused_with_the_fix(placeholder: str) -> None:
    with pytest.raises(InputError) as raised:
        as_str(f"repo/{placeholder}:1", Where("f", "image"))
    assert raised.value.message == (
        f"f image: template placeholder {placeholder} was never filled in"
    )
    assert raised.value.hint == (
        "render the template first (CloudFormation, Terraform, envsubst…): "
        "ECS would receive the placeholder literally"
    )


def test_placeholders_are_found_anywhere_with_their_place() -> None:
    document = {
        "a": "${A} and {{b}}",
        "list": [1, "$$$C$$$", {"d": "${D}"}],
        "plain": "$5 {x} $$$ {{",
    }
    found = [(w.source, w.path, text) for w, text in placeholders(document, Where("f"))]
    assert found == [
        ("f", "a", "${A}"),
        ("f", "a", "{{b}}"),
        ("f", "list[1]", "$$$C$$$"),
        ("f", "list[2].d", "${D}"),
    ]


def test_places_are_written_as_json_paths() -> None:
    where = Where("f.json").key("a").index(2).key("b")
    assert where == Where("f.json", "a[2].b")
    assert Where("f").index(0).path == "[0]"
    assert str(Where("", "a").refuse("bad")) == "a: bad"
    assert str(Where("f").refuse("bad")) == "f: bad"
    assert Where("f").refuse("bad", "fix it").hint == "fix it"
