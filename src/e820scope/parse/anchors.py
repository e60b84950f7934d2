"""Byte strings that every line the parser cares about contains (a speed hint).

:func:`e820scope.ingest.log_lines` may skip physical lines containing none of these;
:func:`e820scope.parse.lines.classify` applies the same test to logical lines before
handing them to the Lark parser. The list lives in one place: the container layer's
``e820scope.ingest.anchors.DEFAULT_ANCHORS`` when it exists, else the fallback below
(kept in step with grammars/*.lark: every rule's first keyword, or a fixed piece of it).
"""

from __future__ import annotations

import re

#: Fallback anchors: one per grammar rule family (see grammars/*.lark).
PARSER_ANCHORS: tuple[bytes, ...] = (
    # e820.lark: headers, entries, ops, PCI gap, last_pfn, kexec memmaps, kmod tables
    b"BIOS-",
    b"Xen:",
    b"extended",
    b"setup_data",
    b"user:",
    b"user-defined",
    b"modified",
    b"fixed physical",
    b"bad_ppro",
    b"e820",
    b"E820",
    b"[gap",
    b"[mem",
    b"Firmware Bug",
    b"last_pfn",
    b"Ooops!",
    b"RAM buffer",
    b"Allocating PCI",
    b"-0000",
    # mm.lark
    b"total RAM",
    b"Memory:",
    b"Initmem",
    b"NODE_DATA",
    b"Early memory",
    b"Zone",
    b"empty",
    b"-> 0x",
    # efi.lark
    b"efi:",
    # boot.lark
    b"Linux version",
    b"ommand line",
    b"Starting new kernel",
    b"crashkernel",
    b"oom-killer",
    b"Out of memory",
    b"Kernel panic",
    b"-- Reboot --",
    b"Determined physical",
    b"Machine model:",
    b"Booting Linux",
    # boot.lark firmware_marker (firmware / boot loader output before a banner)
    b"EFI stub:",
    b"Probing EDD",
    b"SeaBIOS (version",
    b"BdsDxe:",
    b"Welcome to GRUB!",
)


def _load() -> tuple[bytes, ...]:
    try:  # the container layer's list, once it exists (same purpose, one list)
        from ..ingest.anchors import DEFAULT_ANCHORS  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return PARSER_ANCHORS
    merged = tuple(DEFAULT_ANCHORS)
    missing = tuple(a for a in PARSER_ANCHORS if a not in merged)
    return merged + missing


#: The anchors passed to :func:`e820scope.ingest.log_lines`.
ANCHORS: tuple[bytes, ...] = _load()

#: The same test on decoded text: ``ANCHOR_RE.search(text)`` is None for a line the
#: grammar cannot match.
ANCHOR_RE: re.Pattern[str] = re.compile(
    "|".join(re.escape(a.decode("ascii")) for a in sorted(ANCHORS, key=len, reverse=True))
)
