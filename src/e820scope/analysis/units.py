"""Small formatting helpers shared by the reports (bytes, ranges).

:func:`human_size` is the one implementation of human-readable byte sizes for the
analysis and render layers; its keyword parameters reproduce each report's format
(``render.text_tables.human_size`` is ``human_size(n, spill_below=10)`` for ``n >= 0``,
checked by tests/analysis/test_units.py).
"""

from __future__ import annotations

from ..model.records import E820Entry
from ..model.types import short_name

#: Binary units, largest first: (name, log2 of its size in bytes).
_UNITS = (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10))


def human_size(
    n: int, *, largest: str = "TiB", always_decimal: bool = False, spill_below: int = 1
) -> str:
    """Bytes in the largest binary unit (at most ``largest``) not above them.

    A whole number of the unit prints as an integer (``1 GiB``), anything else with one
    decimal (``39.1 KiB``); ``always_decimal`` prints one decimal even then (``1.0 GiB``).
    An inexact value below ``spill_below`` of a unit moves to the next smaller unit
    (``spill_below=10``: ``3070.9 MiB`` rather than ``3.0 GiB``; KiB is never left).
    Negative sizes keep their sign.

    >>> human_size(0x40000000), human_size(0x70), human_size(40000), human_size(0x6f6000)
    ('1 GiB', '112 B', '39.1 KiB', '7.0 MiB')
    >>> human_size(0x80000), human_size(-1105469440)
    ('512 KiB', '-1.0 GiB')
    >>> human_size(0xBFEE0000, spill_below=10), human_size(3 << 40, largest="GiB")
    ('3070.9 MiB', '3072 GiB')
    >>> human_size(1 << 30, largest="GiB", always_decimal=True)
    '1.0 GiB'
    """
    sign = "-" if n < 0 else ""
    mag = abs(n)
    names = [name for name, _ in _UNITS]
    units = _UNITS[names.index(largest) :]
    for k, (name, shift) in enumerate(units):
        scale = 1 << shift
        if mag < scale:
            continue
        if mag % scale == 0 and not always_decimal:
            return f"{sign}{mag >> shift} {name}"
        if mag >= spill_below * scale or k == len(units) - 1:
            return f"{sign}{mag / scale:.1f} {name}"
    return f"{sign}{mag} B"


def exact_size(n: int) -> str:
    """Bytes exactly, in the largest binary unit that divides them (sign kept).

    >>> exact_size(1 << 30), exact_size(-0x6F6000), exact_size(40000), exact_size(-9748480)
    ('1 GiB', '-7128 KiB', '40000 B', '-9520 KiB')
    >>> exact_size(0), exact_size(14 << 20)
    ('0 B', '14 MiB')
    """
    sign = "-" if n < 0 else ""
    mag = abs(n)
    for name, shift in _UNITS:
        if mag and mag % (1 << shift) == 0:
            return f"{sign}{mag >> shift} {name}"
    return f"{sign}{mag} B"


def exact_and_human(n: int) -> str:
    """:func:`exact_size`, followed by :func:`human_size` when the exact form is in bytes
    and at least a MiB (``14648232 B ≈ 14.0 MiB``)."""
    exact = exact_size(n)
    if exact.endswith(" B") and abs(n) >= 1 << 20:
        return f"{exact} ≈ {human_size(n)}"
    return exact


def fmt_range(e: E820Entry) -> str:
    """``0xADDR-0xLAST`` with the inclusive last address, as eras B-D print it."""
    return f"{e.addr:#x}-{e.last:#x}"


def describe(e: E820Entry) -> str:
    """``0x100000000-0x13fffffff usable (1 GiB)``."""
    return f"{fmt_range(e)} {short_name(e.type)} ({human_size(e.size)})"
