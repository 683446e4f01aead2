"""CPU and memory amounts (sim/resources.py): the table in tests/cases/amounts.yaml, and
properties that work the amount out from its parts."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.resources import read_cpu, read_memory

CASES = Path(__file__).parent / "cases" / "amounts.yaml"
READ = {"cpu": read_cpu, "memory": read_memory}


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=f"{case['read']} {case['value']!r}")
        for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    read = READ[case["read"]]
    if "error" in case:
        with pytest.raises(InputError) as caught:
            read(case["value"], Where("td.json", "cpu"))
        assert str(caught.value) == case["error"]
        if "hint" in case:
            assert caught.value.hint == case["hint"]
        return
    assert read(case["value"], Where("td.json", "cpu")) == case["gives"]


CPU_SUFFIXES = {"": 1, "vCPU": 1024, "vcpu": 1024, "VCPUS": 1024}
MEMORY_SUFFIXES = {"": 1, "MiB": 1, "mb": 1, "GB": 1024, "gib": 1024}


@given(
    st.integers(0, 10**6),
    st.integers(0, 3),
    st.sampled_from(["cpu", "memory"]),
    st.data(),
)
def test_an_amount_is_its_number_times_its_unit(
    whole: int, places: int, read: str, data: st.DataObject
) -> None:
    """`12.25 GB` is 12.25 × 1024 MiB when that is whole, refused otherwise."""
    suffixes = CPU_SUFFIXES if read == "cpu" else MEMORY_SUFFIXES
    suffix = data.draw(st.sampled_from(sorted(suffixes)))
    number = Fraction(whole, 10**places)
    text = f"{whole // 10**places}.{whole % 10**places:0{places}d}" if places else str(whole)
    space = data.draw(st.sampled_from(["", " ", "  "]))
    value = number * suffixes[suffix]
    where = Where("td.json", "cpu")
    if value.denominator == 1:
        assert READ[read](f"{text}{space}{suffix}", where) == value
    else:
        with pytest.raises(InputError, match="is not a whole number"):
            READ[read](f"{text}{space}{suffix}", where)


@given(st.integers(-(10**22), 10**22))
def test_a_number_reads_as_itself_below_the_limit_and_is_refused_beyond(number: int) -> None:
    for value in (number, str(number)):
        if 0 <= number < 10**20:
            assert read_memory(value, Where("t")) == number
        else:
            with pytest.raises(InputError, match=r"negative|far larger"):
                read_memory(value, Where("t"))
