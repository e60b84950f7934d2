"""What the next kernel receives in ``boot_params.e820_table``, per hand-off path.

* kexec_file_load — setup_e820_entries() (arch/x86/kernel/kexec-bzimage64.c, 3.17+)
  copies e820_table_kexec (e820_saved before 4.13) verbatim into the zero page, capped at
  E820_MAX_ENTRIES_ZEROPAGE = 128; entries after the 128th (the highest addresses) are
  dropped without a message (the TODO is still there in 7.1.3). No SETUP_E820_EXT.
* kexec_load — kexec-tools reads /sys/firmware/memmap (kexec/firmware_memmap.c), maps
  the type strings back to codes, drops same-type overlaps (fixup_memory_ranges), moves
  the first RAM range's start up to 0x100 (< v2.0.22) or 0x400 (774a16b, v2.0.22), and
  passes the first 128 ranges in the zero page and the rest in a SETUP_E820_EXT node
  (setup_e820_ext, 39643ab, v2.0.7).
* kdump via kexec-tools — the capture kernel gets the same zero-page map plus a
  ``memmap=exactmap`` command line that describes the crash region
  (kexec/arch/i386/crashdump-x86.c: cmdline_add_memmap, cmdline_add_elfcorehdr,
  cmdline_add_memmap_acpi).

Entries are :class:`E820Entry` (``end`` exclusive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model.kversion import KernelVersion
from ..model.records import E820Entry
from ..model.types import E820Type
from .policy import (
    E820_MAX_ENTRIES_ZEROPAGE,
    kexec_tools_low_ram_floor,
    kexec_tools_type,
    sysfs_type_name,
)

#: kexec-tools MAX_MEMORY_RANGES (kexec/arch/i386/kexec-x86.h, 2048 in current trees).
KEXEC_TOOLS_MAX_MEMORY_RANGES = 2048


@dataclass(frozen=True)
class Handoff:
    """The map given to the next kernel.

    ``passed``: boot_params.e820_table (at most 128 entries). ``extended``: entries sent
    in a SETUP_E820_EXT node (kexec-tools only). ``dropped``: entries that were in the
    source but reach the next kernel by no route (silently lost). ``cmdline``: parameters
    added to the next kernel's command line (kdump ``memmap=``), else empty.
    """

    passed: tuple[E820Entry, ...]
    dropped: tuple[E820Entry, ...] = ()
    extended: tuple[E820Entry, ...] = ()
    cmdline: str = ""

    @property
    def received(self) -> tuple[E820Entry, ...]:
        """Everything the next kernel appends (zero page, then SETUP_E820_EXT)."""
        return self.passed + self.extended

    @property
    def dropped_bytes(self) -> int:
        return sum(e.size for e in self.dropped)


def zeropage_split(
    kexec_table: Sequence[E820Entry],
) -> tuple[tuple[E820Entry, ...], tuple[E820Entry, ...]]:
    """setup_e820_entries()'s cut: (slots 1..128, everything after), entries as given."""
    table = tuple(kexec_table)
    return table[:E820_MAX_ENTRIES_ZEROPAGE], table[E820_MAX_ENTRIES_ZEROPAGE:]


def kexec_file_load_handoff(kexec_table: Sequence[E820Entry]) -> Handoff:
    """setup_e820_entries(): the first 128 entries of e820_table_kexec, types verbatim."""
    passed, dropped = zeropage_split([E820Entry(e.addr, e.size, e.type) for e in kexec_table])
    return Handoff(passed=passed, dropped=dropped)


def _fixup_memory_ranges(ranges: list[list[int]]) -> list[list[int]]:
    """kexec-tools fixup_memory_ranges() on sorted ``[start, end_inclusive, type]`` lists.

    Only neighbours of the same type are touched: identical starts keep the longer one,
    an overlapping successor is trimmed to start at the predecessor's (inclusive) end or
    removed when contained. Repeats until nothing changes.
    """
    rp = [list(r) for r in ranges]
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(rp) - 1:
            a, b = rp[i], rp[i + 1]
            if a[0] > b[0]:
                raise ValueError("memory out of order")
            if a[2] == b[2]:
                if a[0] == b[0]:
                    del rp[i + 1 if a[1] >= b[1] else i]
                    changed = True
                elif a[1] > b[0]:
                    if a[1] < b[1]:
                        b[0] = a[1]
                    else:
                        del rp[i + 1]
                    changed = True
            i += 1
    return rp


def kexec_tools_memory_ranges(
    sysfs: Sequence[tuple[int, int, str]], kexec_tools_version: str | None = None
) -> list[tuple[int, int, int]]:
    """get_memory_ranges() from /sys/firmware/memmap ``(start, end_inclusive, type string)``.

    Returns ``(start, end_inclusive, e820 type)`` after type mapping, sorting,
    fixup_memory_ranges() and the first-RAM-range move to 0x100/0x400.
    """
    ranges = sorted(
        ([start, end, int(kexec_tools_type(name))] for start, end, name in sysfs),
        key=lambda r: r[0],
    )
    ranges = _fixup_memory_ranges(ranges[:KEXEC_TOOLS_MAX_MEMORY_RANGES])
    floor = kexec_tools_low_ram_floor(kexec_tools_version)
    for r in ranges:
        if r[2] == E820Type.RAM and r[0] < floor:
            r[0] = floor
            break
    return [(r[0], r[1], r[2]) for r in ranges]


def sysfs_memmap(table: Sequence[E820Entry], kver: KernelVersion) -> list[tuple[int, int, str]]:
    """/sys/firmware/memmap of a ``kver`` kernel built from ``table``: (start, end incl., type)."""
    return [(e.addr, e.last, sysfs_type_name(e.type, kver)) for e in table if e.size]


def kexec_load_handoff(
    firmware_or_sysfs_table: Sequence[E820Entry],
    kver: KernelVersion,
    kexec_tools_version: str | None = None,
) -> Handoff:
    """kexec_load through kexec-tools from a ``kver`` kernel.

    ``firmware_or_sysfs_table`` is the table behind /sys/firmware/memmap of the running
    kernel (see :func:`e820scope.kernel.policy.firmware_memmap_source`). Type 128 shows
    as ``System RAM`` up to 6.14 and so comes back as 1; unusable (5), soft reserved and
    unknown types come back as 2.
    """
    src = sysfs_memmap(firmware_or_sysfs_table, kver)
    ranges = kexec_tools_memory_ranges(src, kexec_tools_version)
    entries = tuple(E820Entry(s, e - s + 1, t) for s, e, t in ranges)
    dropped = tuple(
        E820Entry(s, e - s + 1, kexec_tools_type(n))
        for s, e, n in sorted(src)[KEXEC_TOOLS_MAX_MEMORY_RANGES:]
    )
    return Handoff(
        passed=entries[:E820_MAX_ENTRIES_ZEROPAGE],
        extended=entries[E820_MAX_ENTRIES_ZEROPAGE:],
        dropped=dropped,
    )


def _kib(value: int) -> int:
    return value // 1024


def kdump_handoff(
    firmware_or_sysfs_table: Sequence[E820Entry],
    kver: KernelVersion,
    crash_ram: Sequence[tuple[int, int]],
    elfcorehdr: int,
    *,
    backup_region: tuple[int, int] | None = (0, 640 * 1024),
    include_acpi: bool = True,
    kexec_tools_version: str | None = None,
) -> Handoff:
    """kdump capture kernel loaded by kexec-tools (kexec_load, KEXEC_ON_CRASH).

    ``crash_ram`` are the ``(start, size)`` RAM pieces of the crash region the capture
    kernel may use (crashkernel= minus elf headers/backup), ``elfcorehdr`` the physical
    address of the ELF core headers. The returned ``cmdline`` is
    ``memmap=exactmap memmap=<K>K@<K>K ... elfcorehdr=<K>K memmap=<K>K#<K>K ...`` (ACPI
    data and NVS ranges of the source table, when ``include_acpi``). Older kexec-tools
    (2005) did not add the ACPI items. ``passed`` is the normal kexec_load map.
    """
    base = kexec_load_handoff(firmware_or_sysfs_table, kver, kexec_tools_version)
    parts = ["memmap=exactmap"]
    ram = list(crash_ram)
    if backup_region is not None:
        ram.insert(0, backup_region)
    for start, size in ram:
        parts.append(f"memmap={_kib(start + size) - _kib(start)}K@{_kib(start)}K")
    parts.append(f"elfcorehdr={_kib(elfcorehdr)}K")
    if include_acpi:
        for e in firmware_or_sysfs_table:
            if e.type in (E820Type.ACPI, E820Type.NVS):
                parts.append(f"memmap={_kib(e.end) - _kib(e.addr)}K#{_kib(e.addr)}K")
    return Handoff(base.passed, base.dropped, base.extended, " ".join(parts))


def _exclude(ranges: list[tuple[int, int]], start: int, size: int) -> list[tuple[int, int]]:
    """crash_exclude_mem_range() on ``(start, size)`` pieces (may split one in two)."""
    out: list[tuple[int, int]] = []
    end = start + size
    for s, n in ranges:
        e = s + n
        if end <= s or start >= e:
            out.append((s, n))
            continue
        if s < start:
            out.append((s, start - s))
        if end < e:
            out.append((end, e - end))
    return out


def kdump_file_load_handoff(
    running_table: Sequence[E820Entry],
    kver: KernelVersion,
    crashk_res: tuple[int, int],
    elf_headers: tuple[int, int],
    crashk_low_res: tuple[int, int] | None = None,
) -> Handoff:
    """kdump capture kernel loaded with kexec_file_load: crash_setup_memmap_entries().

    The zero-page map is built from resources, not copied (arch/x86/kernel/crash.c):
    the running kernel's System RAM resources inside the first 1 MiB, clipped to it (since
    the backup region was dropped in 5.8; before, only the first System RAM resource below
    640 KiB, the backup region — release boundary UNVERIFIED: the oldest kernel of the
    test bed is 5.10, so no real pre-5.8 kernel decides it), then the ACPI tables and ACPI
    NVS ranges and (from 5.2, Lianbo Jiang's "Add e820 reserved ranges to kdump kernel's
    e820 table", release UNVERIFIED for the same reason) the reserved ranges of the
    running kernel, then crashk_low_res and crashk_res minus the ELF headers as RAM.
    add_e820_entry() stops silently at 128 entries. ``crashk_res``, ``elf_headers`` and
    ``crashk_low_res`` are ``(start, size)``; ``running_table`` is the running kernel's
    e820_table (its resources). The next kernel sorts and sanitizes the map before it
    prints it.

    Checked against real kernels (tests/vm, scenario seabios-kdump-file): the capture
    kernels of Debian 5.10.223, 6.1.192, 6.12.117 and 7.2.12 receive exactly this map (zero
    page, and printed after sorting), e.g. low RAM ``[0x1000-0x9fbff]`` (page 0 is a
    reserved resource), never the whole first MiB; 5.10 already has both the 5.2 and the
    5.8 behaviour.
    """
    entries: list[E820Entry] = []
    low_end = 0x100000 if kver.at_least(5, 8) else 640 * 1024
    ram = kver.ram_types
    low = [
        E820Entry(e.addr, min(e.end, low_end) - e.addr, int(E820Type.RAM))
        for e in running_table
        if e.type in ram and e.addr < low_end and e.size
    ]
    entries.extend(low if kver.at_least(5, 8) else low[:1])
    kinds = [E820Type.ACPI, E820Type.NVS]
    if kver.at_least(5, 2):
        kinds.append(E820Type.RESERVED)
    for kind in kinds:
        entries.extend(
            E820Entry(e.addr, e.size, int(kind)) for e in running_table if e.type == kind
        )
    if crashk_low_res is not None:
        entries.append(E820Entry(crashk_low_res[0], crashk_low_res[1], int(E820Type.RAM)))
    for s, n in _exclude([crashk_res], *elf_headers):
        entries.append(E820Entry(s, n, int(E820Type.RAM)))
    table = tuple(entries)
    return Handoff(
        passed=table[:E820_MAX_ENTRIES_ZEROPAGE], dropped=table[E820_MAX_ENTRIES_ZEROPAGE:]
    )
