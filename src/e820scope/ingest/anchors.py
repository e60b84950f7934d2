"""The key strings of a boot log: the one list the parser, the fast path and the bench share.

A physical line that contains none of :data:`DEFAULT_ANCHORS` carries nothing e820scope
reads, so :func:`e820scope.ingest.log_lines` may skip it when given these anchors. The
bench (``bench/run.py``) greps for exactly the same strings, so its throughput ratio
compares like with like.

The strings are bytes (they are searched in the raw, undecoded input) and are matched
case-sensitively as plain substrings.
"""

from __future__ import annotations

import re

#: Every line the parser reads contains at least one of these.
DEFAULT_ANCHORS: tuple[bytes, ...] = (
    b"BIOS-e820",
    b"BIOS-88",
    b"BIOS-e801",
    b"Xen: [mem",
    b"extended",
    b"reserve setup_data",
    b"user:",
    b"modified:",
    b"bad_ppro",
    b"e820",
    b"physical RAM map",
    b"Linux version",
    b"Command line",
    b"last_pfn",
    b"Memory:",
    b"Initmem",
    b"NODE_DATA",
    b"Early memory",
    b"Zone",
    b"node",
    b"efi: mem",
    b"efi: Remove",
    b"kexec",
    b"Starting new kernel",
    b"crashkernel",
    b"Crash kernel",
    b"Out of memory",
    b"oom",
    b"Kernel panic",
    b"available for PCI",
    b"total RAM covered",
    b"RAM buffer",
    b"too many entries",
    b"E820 table full",
    b"Firmware Bug",
    b"LAB-",
)

#: Lines the container layer itself must see even when the caller's anchors do not
#: name them: boot separators, encoding headers, console hand-over lines, and the first
#: line of every hard-wrap join (see :mod:`e820scope.ingest.rejoin`).
STRUCTURAL_ANCHORS: tuple[bytes, ...] = (
    b"-- Reboot --",
    b"-- Boot ",
    b"New boot:",
    b"Content-Transfer-Encoding",
    b"console [",
    b"[mem ",
    b" - 0",
    b"Memory:",
    b"Linux version",
)


def grep_pattern(anchors: tuple[bytes, ...] = DEFAULT_ANCHORS) -> str:
    """The anchors as one POSIX ERE alternation (for ``grep -E``)."""
    return "|".join(re.sub(r"([][.^$*+?(){}|\\])", r"\\\1", a.decode("ascii")) for a in anchors)


def compile_anchors(anchors: tuple[bytes, ...] | list[bytes]) -> re.Pattern[bytes]:
    """One bytes regex matching any of ``anchors`` (longest first)."""
    uniq = sorted(set(anchors), key=len, reverse=True)
    return re.compile(b"|".join(re.escape(a) for a in uniq))
