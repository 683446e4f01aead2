"""CPU and memory amounts as AWS writes them, read into CPU units and MiB.

RegisterTaskDefinition takes task-level sizes as strings: `"512"` (units or
MiB), `"1 vCPU"`, `".25 vcpu"`, `"2 GB"`, `".5 gb"`. 1 vCPU = 1024 CPU units
and 1 GB here means 1024 MiB, as the ECS API documents.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext

from ecsprep.sim.documents import MAX_DIGITS, Where, kind_of, refuse_placeholder

UNITS_PER_VCPU = 1024
MIB_PER_GB = 1024

_AMOUNT = re.compile(r"\s*(-?(?:\d+(?:\.\d*)?|\.\d+))\s*([A-Za-z]*)\s*")
_CPU_SUFFIXES = {"": 1, "vcpu": UNITS_PER_VCPU, "vcpus": UNITS_PER_VCPU}
_MEMORY_SUFFIXES = {"": 1, "mb": 1, "mib": 1, "gb": MIB_PER_GB, "gib": MIB_PER_GB}


def read_cpu(value: object, where: Where) -> int:
    """CPU units from 256, "256", "1 vCPU" or ".25 vcpu"."""
    return _read(value, where, _CPU_SUFFIXES, "CPU", 'write CPU units ("512") or vCPUs ("1 vCPU")')


def read_memory(value: object, where: Where) -> int:
    """MiB from 512, "512", "2 GB" or ".5 gb"."""
    return _read(value, where, _MEMORY_SUFFIXES, "memory", 'write MiB ("2048") or GB ("2 GB")')


def _read(value: object, where: Where, suffixes: dict[str, int], what: str, how: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise where.refuse(f"expected a {what} amount, found {kind_of(value)}", how)
    if isinstance(value, float) and not math.isfinite(value):
        raise where.refuse(f"{value} is not a {what} amount", how)
    if isinstance(value, (int, float)) and abs(value) >= 10**MAX_DIGITS:
        raise where.refuse(f"the {what} amount is far larger than any instance has", how)
    if isinstance(value, (int, float)):
        text = str(value)
    else:
        refuse_placeholder(value, where)
        text = value
    found = _AMOUNT.fullmatch(text) if len(text) <= 2 * MAX_DIGITS else None
    if found is None or found.group(2).lower() not in suffixes:
        raise where.refuse(f"{text!r} is not a {what} amount", how)
    with localcontext() as exact:  # at most 2 × MAX_DIGITS digits times a suffix: no rounding
        exact.prec = 4 * MAX_DIGITS
        amount = Decimal(found.group(1)) * suffixes[found.group(2).lower()]
    if amount < 0:
        raise where.refuse(f"{what} cannot be negative", how)
    if amount >= 10**MAX_DIGITS:
        raise where.refuse(f"the {what} amount is far larger than any instance has", how)
    if amount != amount.to_integral_value():
        raise where.refuse(f"{text!r} is not a whole number of {what} units", how)
    return int(amount)
