"""A scenario names a document by file name: a name no file system takes is refused cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.scenario import Overrides, build_scenario


@pytest.mark.parametrize("name", ["a" * 300, "b/" * 3000 + "c.json"])
def test_a_file_name_too_long_is_refused_at_its_place(name: str, tmp_path: Path) -> None:
    document = {"containerInstances": name, "runTask": {"count": 1}}
    with pytest.raises(InputError) as raised:
        build_scenario(document, Where("s.yaml"), tmp_path, Overrides())
    assert raised.value.message.startswith(f"s.yaml containerInstances: {name!r} names no file")
