"""``/proc/iomem``: the resource tree, which mirrors e820_table after sanitizing.

Lines look like ``  00100000-7ffdbfff : System RAM`` (inclusive end, hex without 0x,
two spaces of indent per nesting level). Without root every address reads as 0, which
:func:`addresses_hidden` detects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"^(?P<indent> *)(?P<start>[0-9a-fA-F]+)-(?P<last>[0-9a-fA-F]+) : (?P<name>.*)$")


@dataclass(frozen=True, slots=True)
class IomemResource:
    """One resource: ``[start, last]`` inclusive, nesting ``depth`` (0 = top level)."""

    start: int
    last: int
    name: str
    depth: int


def parse_iomem(text: str) -> tuple[IomemResource, ...]:
    """Parse the whole file; lines that do not match, or whose range ends below its
    start, are skipped."""
    out = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            start, last = int(m["start"], 16), int(m["last"], 16)
            if last >= start:
                out.append(IomemResource(start, last, m["name"], len(m["indent"]) // 2))
    return tuple(out)


def addresses_hidden(resources: tuple[IomemResource, ...]) -> bool:
    """True when every range reads 0-0 (non-root reader, kernel.kptr_restrict policy)."""
    return bool(resources) and all(r.start == 0 and r.last == 0 for r in resources)


def system_ram_bytes(resources: tuple[IomemResource, ...]) -> int:
    """Bytes of top-level ``System RAM`` resources."""
    return sum(r.last - r.start + 1 for r in resources if r.depth == 0 and r.name == "System RAM")
