"""Entries of the maps a guest's firmware prints before the kernel: SeaBIOS's
``dump_map()`` and Xen hvmloader's ``dump_e820_table()`` (grammars/e820.lark,
``seabios_map_*`` and ``hvmloader_map_*``). :class:`~e820scope.parse.rules.RuleReader`
calls these; the formats are in :data:`e820scope.formats.HYPERVISOR_MAPS`.
"""

from __future__ import annotations

import re

from ..formats import HVMLOADER_TYPES, HYPERVISOR_MAPS
from .facts import EntryFact
from .tree_values import Bits

SEABIOS = "SeaBIOS"
HVMLOADER = "hvmloader"
#: the header word of each (the whole header text before its count, if any)
SEABIOS_WORD = next(w for h in HYPERVISOR_MAPS if h.who == SEABIOS for w in h.words)
HVMLOADER_WORD = next(w for h in HYPERVISOR_MAPS if h.who == HVMLOADER for w in h.words)

#: " [04]: 00000001:00000000 - 00000001:00000000: RAM"
_HVMLOADER_ENTRY = re.compile(
    r"\[\d+\]:\s*([0-9a-f]{8}):([0-9a-f]{8}) - ([0-9a-f]{8}):([0-9a-f]{8}):\s*(.*)"
)
_UNKNOWN = re.compile(r"UNKNOWN \(([0-9a-f]{8})\)")
_BELOW = "end address below start address"


def seabios_entry(b: Bits) -> EntryFact:
    """``  6: 00000000fdffd000 - 00000000fe000000 = 4 NVS``: end exclusive; the type is
    the number, the name after it only repeats it."""
    addr, size = b.range16(exclusive=True)
    code = b.nums[0]
    raw = f"{code} {b.text or ''}".strip()
    problem = _BELOW if size <= 0 else ""
    return EntryFact(addr, size, SEABIOS, code, raw, problem=problem)


def hvmloader_entry(line: str) -> EntryFact:
    """`` [02]: 00000000:00100000 - 00000000:7f800000: RAM``: end exclusive, each address
    as its high:low halves; ``UNKNOWN (%08x)`` for another type. An empty entry (start =
    end, as hvmloader printed before xen commit 3840e98f3e72) is kept, with a note."""
    m = _HVMLOADER_ENTRY.search(line)
    assert m is not None  # the grammar matched the same shape
    addr, end = int(m[1] + m[2], 16), int(m[3] + m[4], 16)
    raw = m[5].strip()
    unknown = _UNKNOWN.fullmatch(raw)
    code = int(unknown[1], 16) if unknown is not None else HVMLOADER_TYPES.get(raw)
    problem = _BELOW if end < addr else ""
    if code is None and not problem:
        problem = f"unknown type text {raw!r}" if raw else "no type after the range (line cut?)"
    note = "hvmloader printed an empty entry (start = end): it holds no memory"
    return EntryFact(
        addr, end - addr, HVMLOADER, code, raw, problem=problem, note=note if end == addr else ""
    )
