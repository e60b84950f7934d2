"""Small formatting helpers shared by the diff/timeline reports (bytes, ranges)."""

from __future__ import annotations

from ..model.records import E820Entry
from ..model.types import short_name


def human_size(n: int) -> str:
    """Bytes in the largest binary unit not above them: a whole number, else one decimal.

    >>> human_size(0x40000000), human_size(0x70), human_size(40000), human_size(0x6f6000)
    ('1 GiB', '112 B', '39.1 KiB', '7.0 MiB')
    >>> human_size(0x80000), human_size(-1105469440)
    ('512 KiB', '-1.0 GiB')
    """
    sign = "-" if n < 0 else ""
    n = abs(n)
    units = (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))
    for name, scale in units:
        if n >= scale:
            if n % scale == 0:
                return f"{sign}{n // scale} {name}"
            return f"{sign}{n / scale:.1f} {name}"
    return f"{sign}{n} B"


def fmt_range(e: E820Entry) -> str:
    """``0xADDR-0xLAST`` with the inclusive last address, as eras B-D print it."""
    return f"{e.addr:#x}-{e.last:#x}"


def describe(e: E820Entry) -> str:
    """``0x100000000-0x13fffffff usable (1 GiB)``."""
    return f"{fmt_range(e)} {short_name(e.type)} ({human_size(e.size)})"
