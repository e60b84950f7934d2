"""The kexec budget: how many kexec_file_load reboots are left before memory is lost.

kexec_file_load copies e820_table_kexec into the next kernel's zero page, capped at
E820_MAX_ENTRIES_ZEROPAGE = 128 entries; everything after entry 128 (the highest
addresses) is silently dropped (setup_e820_entries(), kernel-facts §2.4). Each setup_data
node that the next kernel reserves as RESERVED_KERN in its kexec table and that falls
inside a RAM entry splits it in three: +2 entries per node per generation
(kernel-facts §4.2, §5.1). Which nodes are reserved is
:func:`e820scope.kernel.policy.setup_data_reserved`.

Counting convention: ``n`` entries in the running kernel's kexec table. The k-th next
kexec (k = 1, 2, ...) hands off from a kernel whose table holds ``n + (k-1)*g`` entries,
and loses memory when that exceeds 128. So ``reboots_left`` = number of kexec reboots
that still pass every entry = ``floor((128 - n) / g) + 1`` (0 when ``n > 128`` already).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..kernel.handoff import zeropage_split
from ..kernel.policy import (
    E820_MAX_ENTRIES_ZEROPAGE,
    kexec_file_setup_data,
    setup_data_reserved,
)
from ..model.kversion import KernelVersion
from ..model.records import E820Entry


@dataclass(frozen=True)
class KexecBudget:
    """``passed``/``dropped``: the next kexec_file_load hand-off split at entry 128.

    ``growth`` is entries added per generation (None if unknown), ``reboots_left`` None
    when growth is 0 (never lost by this mechanism) or unknown; ``next_setup_data`` the
    node types a kexec_file_load from this kernel creates and the next kernel (assumed
    the same release) reserves in its kexec table.
    """

    kexec_entries: int
    passed: tuple[E820Entry, ...]
    dropped: tuple[E820Entry, ...]
    growth: int | None
    reboots_left: int | None
    next_setup_data: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def dropped_bytes(self) -> int:
        return sum(e.size for e in self.dropped)


def kexec_budget(
    kexec_table: tuple[E820Entry, ...], kver: KernelVersion, *, efi: bool
) -> KexecBudget:
    """Budget for the running kernel ``kver`` with ``kexec_table`` (its e820_table_kexec)."""
    n = len(kexec_table)
    passed, dropped = zeropage_split(kexec_table)
    created = kexec_file_setup_data(kver, efi=efi)
    reserved = tuple(t for t in created if setup_data_reserved(kver, t)[1])
    growth = 2 * len(reserved)
    notes = ["assumes the next kernel is the same release and every node lands inside a RAM entry"]
    left: int | None
    if n > E820_MAX_ENTRIES_ZEROPAGE:
        left = 0
    elif growth == 0:
        left = None
        notes.append(f"{kver} reserves no kexec-created setup_data in its kexec table: no growth")
    else:
        left = (E820_MAX_ENTRIES_ZEROPAGE - n) // growth + 1
    return KexecBudget(
        n, passed, dropped, growth, left, tuple(t.name for t in reserved), tuple(notes)
    )
