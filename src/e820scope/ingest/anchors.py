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

#: Every line the parser reads contains at least one of these (the grammar families of
#: grammars/*.lark; e820scope.parse.anchors.PARSER_ANCHORS is the parser's own copy and
#: adds nothing to this list). No entry contains another (that would be a no-op).
DEFAULT_ANCHORS: tuple[bytes, ...] = (
    # e820 tables, range ops, setup_data, PCI gap, last_pfn, kexec-tools -d memmaps
    b"BIOS-",  # BIOS-e820, BIOS-88, BIOS-e801, BIOS-provided physical RAM map
    b"e820",
    b"E820",  # "E820 table full", kmod headers
    b"Xen:",
    b"extended",
    b"setup_data",  # "reserve setup_data: [mem ...]"
    b"user:",
    b"user-defined",
    b"modified",
    b"fixed physical",
    b"bad_ppro",
    b"[mem",
    b"[gap",
    b"Ooops!",
    b"Allocating PCI",
    b"available for PCI",
    b"-0000",  # kexec-tools -d: "0000000000001000-000000000009ffff (1)"
    b"physical RAM map",
    b"last_pfn",
    b"RAM buffer",
    b"too many entries",
    b"Firmware Bug",
    # memory summary, NUMA, zones
    b"Memory:",
    b"total RAM",
    b"Initmem",
    b"NODE_DATA",
    b"Early memory",
    b"Zone",
    b"node",
    b"empty",
    b"-> 0x",
    # EFI memory map
    b"efi:",
    # boot, kexec, crash, OOM
    b"Linux version",
    b"ommand line",  # "Command line", "Kernel command line"
    b"Booting Linux",
    b"Machine model:",
    b"Determined physical",
    b"kexec",
    b"Starting new kernel",
    b"crashkernel",
    b"Crash kernel",
    b"Out of memory",
    b"oom",  # oom-killer, oom_reaper
    b"Kernel panic",
    b"-- Reboot --",
    # firmware / boot loader output before a kernel banner (a boot started)
    b"EFI stub:",
    b"Probing EDD",
    b"SeaBIOS (version",
    b"BdsDxe:",
    b"Welcome to GRUB!",
    b"LAB-",  # samples/lab markers
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
