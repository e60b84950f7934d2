"""``/sys/firmware/memmap/N/{start,end,type}`` (drivers/firmware/memmap.c).

``start``/``end`` are printed ``0x%llx`` with an **inclusive** end; numbering follows
the source table's order. Which e820 table the directory shows depends on the kernel
(kernel-facts §2.3):

* <= 4.12: e820_saved / e820_table_firmware, a copy that may include setup_data
  reservations (RESERVED_KERN shown as ``System RAM``);
* 4.13 - 6.14: e820_table_firmware (the pristine firmware map, 12df216c61c8);
* >= 6.15: e820_table_kexec (a2498e5c453b "x86/kexec: Export e820_table_kexec[] to sysfs").
"""

from __future__ import annotations

from pathlib import Path

from ..model.kversion import KernelVersion
from ..model.records import E820Entry
from ..model.types import SYSFS_NAMES
from .dump import Dump


def memmap_source(kver: KernelVersion | None) -> str:
    """Name of the kernel table /sys/firmware/memmap shows on ``kver``."""
    if kver is None:
        return "unknown (kernel version unknown)"
    if not kver.at_least(4, 13):
        return "e820_table_firmware (<= 4.12: firmware map plus setup_data reservations)"
    if not kver.at_least(6, 15):
        return "e820_table_firmware"
    return "e820_table_kexec"


def sysfs_type(text: str) -> int:
    """Map a memmap ``type`` string to an e820 code; unknown strings give 2 (reserved).

    ``Unknown E820 type`` is what the kernel prints for any code it has no name for, so
    the original code is lost; 2 is what kexec-tools maps it to too.
    """
    return SYSFS_NAMES.get(text.strip(), 2)


def read_memmap(memmap_dir: Path | Dump) -> tuple[E820Entry, ...]:
    """Read every ``N/`` directory in numeric order; raw_type keeps the sysfs string.

    An entry with an unreadable or malformed file, or whose end is below its start, is
    left out with a warning in ``memmap_dir``'s :class:`Dump`.
    """
    dump = Dump.at(memmap_dir)
    entries = []
    for d in dump.numbered_dirs():
        start = dump.number(f"{d}/start", 16)
        last = dump.number(f"{d}/end", 16)
        raw = dump.text(f"{d}/type")
        if start is None or last is None or raw is None:
            continue
        if last < start:
            dump.warn(d, f"end {last:#x} is below start {start:#x}; entry left out")
            continue
        raw = raw.strip()
        entries.append(E820Entry.from_inclusive(start, last, sysfs_type(raw), raw))
    return tuple(entries)
