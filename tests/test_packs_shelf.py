"""packs.shelf: values built on first read, equal to the plain dict or tuple they stand for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.packs.shelf import Deferred, Shelf

STORED = st.dictionaries(st.text(max_size=5), st.integers(), max_size=8)


@given(STORED, st.lists(st.text(max_size=5), max_size=6))
def test_a_shelf_is_the_dict_of_its_built_values_and_builds_only_what_is_read(
    stored: dict[str, int], reads: list[str]
) -> None:
    built: list[str] = []

    def build(value: int) -> str:
        built.append(str(value))
        return f"<{value}>"

    shelf = Shelf(stored, build)
    assert list(shelf) == list(stored)
    assert len(shelf) == len(stored)
    for key in reads:
        assert (key in shelf) == (key in stored)
    assert built == []  # membership, order and size need nothing built
    for key in reads:
        if key in stored:
            assert shelf[key] == f"<{stored[key]}>"
            assert shelf.get(key) is shelf[key]  # built once, then kept
        else:
            with pytest.raises(KeyError):
                shelf[key]
    assert sorted(built) == sorted(str(stored[k]) for k in set(reads) if k in stored)
    expected = {key: f"<{value}>" for key, value in stored.items()}
    assert shelf == expected
    assert expected == shelf
    assert shelf != {**expected, "another": "<0>"}
    assert repr(shelf) == f"Shelf({len(stored)} of {len(stored)} built)"


@given(st.lists(st.integers(), max_size=6))
def test_deferred_is_its_tuple_made_once_when_first_read(items: list[int]) -> None:
    made: list[int] = []

    def make() -> tuple[int, ...]:
        made.append(1)
        return tuple(items)

    deferred = Deferred(make)
    assert repr(deferred) == "Deferred(not made)"
    assert made == []
    assert deferred == tuple(items)
    assert tuple(items) == deferred
    assert deferred == list(items)  # any sequence of the same items
    assert deferred == Deferred(lambda: tuple(items))
    assert deferred != (*items, 0)
    assert len(deferred) == len(items)
    assert list(deferred) == items
    assert deferred[:2] == tuple(items[:2])
    if items:
        assert deferred[-1] == items[-1]
    assert made == [1]
    assert repr(deferred) == "Deferred(made)"


def test_deferred_is_not_equal_to_what_is_not_a_sequence() -> None:
    deferred = Deferred(lambda: ("a",))
    assert deferred != "a"  # a string is a sequence of its letters, not of items
    assert deferred != {"a"}
    assert deferred != 1
    with pytest.raises(TypeError):
        hash(deferred)
