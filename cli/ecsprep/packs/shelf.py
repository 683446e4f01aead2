"""Content kept as stored data until it is first read: the cached library's questions.

A quiz of ten questions needs ten built questions, not the whole bank: building all
of them is most of what reading the load cache costs (packs.cache). A `Shelf` is a
mapping whose values are built from their stored form on first access and kept; a
`Deferred` is a sequence made in full the first time anything asks for it. Both
compare equal to the plain dict or tuple they stand for, so a library read from the
cache equals the one that was stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

V = TypeVar("V")
T = TypeVar("T")


class Shelf(Mapping[str, V]):
    """`stored[key]` built by `build` when the key is first read, then kept.

    Membership, iteration and length use the stored keys alone: nothing is built
    until a value is read.
    """

    __slots__ = ("_build", "_built", "_stored")

    def __init__(self, stored: Mapping[str, Any], build: Callable[[Any], V]) -> None:
        self._stored = stored
        self._build = build
        self._built: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        try:
            return self._built[key]
        except KeyError:
            value = self._built[key] = self._build(self._stored[key])
            return value

    def __contains__(self, key: object) -> bool:
        return key in self._stored

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)

    def __repr__(self) -> str:
        return f"Shelf({len(self._built)} of {len(self._stored)} built)"


class Deferred(Sequence[T]):
    """The tuple `make()` returns, made the first time it is read."""

    __slots__ = ("_items", "_make")

    def __init__(self, make: Callable[[], tuple[T, ...]]) -> None:
        self._make = make
        self._items: tuple[T, ...] | None = None

    def _all(self) -> tuple[T, ...]:
        if self._items is None:
            self._items = self._make()
        return self._items

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[T]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Deferred):
            return self._all() == other._all()
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._all() == tuple(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Deferred({'made' if self._items is not None else 'not made'})"
