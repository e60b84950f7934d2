"""One kernel's early boot as it shapes e820_table, e820_table_kexec and e820_table_firmware.

Order modelled (setup_arch(), 4.13 - 6.14 unless noted):

1. e820__memory_setup(): append boot_params.e820_table (<= 6.19: fewer than 2 entries,
   or a wrapping entry, falls back to a faked BIOS-88/BIOS-e801 map), sanitize, print
   ``BIOS-e820``; copy to e820_table_kexec and e820_table_firmware (4.13+; before,
   e820_saved gets the copy).
2. e820__memory_setup_extended(): SETUP_E820_EXT entries appended without the 2-entry
   check, sanitize, copy to both other tables (4.13+), print ``extended``.
3. parse_early_param(): mem=/memmap= edit e820_table (before step 4 from 4.x; after it
   in 3.x, see :func:`policy.early_params_before_setup_data`).
4. e820__reserve_setup_data() (<= 6.14, only when setup_data exists): every node
   ``[addr, addr + 16 + len)`` (and a SETUP_INDIRECT target) goes RAM -> RESERVED_KERN in
   e820_table and, per :func:`policy.setup_data_reserved`, in e820_table_kexec (4.13 -
   6.8); both sanitized; <= 4.12 copies the whole working table to e820_saved. Prints
   ``reserve setup_data``.
5. e820__finish_early_params(): sanitize + print ``user`` if mem=/memmap= was given.
6. Later range operations logged as ``e820: update`` / ``e820: remove`` (e820_table only),
   then a sanitize.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model.kversion import KernelVersion
from ..model.records import E820Entry, E820Table, RangeOp, TableKind, usable_bytes
from ..model.types import E820Type, Era
from . import policy
from .cmdline import MemParam, e820__finish_early_params, parse_cmdline, parse_early_params
from .printk import table_header
from .range_ops import apply_range_ops, e820__range_update
from .sanitize import U64_MAX
from .setup_data import SetupDataBlob, SetupDataType
from .table import KernelTable, TableFull

#: LOWMEMSIZE() and HIGH_MEMORY of the faked map (e820__memory_setup_default).
LOWMEMSIZE = 0x9F000
HIGH_MEMORY = 0x100000

_KIND_OF_WHO = {
    "BIOS-e820": TableKind.FIRMWARE,
    "BIOS-88": TableKind.FIRMWARE,
    "BIOS-e801": TableKind.FIRMWARE,
    "extended": TableKind.EXTENDED,
    "reserve setup_data": TableKind.SETUP_DATA,
    "user": TableKind.USER,
    "modified": TableKind.MODIFIED,
}

#: ``(kver, setup_type) -> (into e820_table, into kexec table)``;
#: the default is policy.setup_data_reserved.
ReservePolicy = Callable[[KernelVersion, int], tuple[bool, bool]]


@dataclass(frozen=True)
class KernelTables:
    """The three tables at the end of early boot, and the blocks printed on the way.

    ``printed`` blocks hold the entries in print order with ``kind``, ``who``, ``era``
    and ``header`` set; use :func:`e820scope.kernel.printk.format_table` for the text.
    For <= 4.12 kernels ``e820_table_kexec`` and ``e820_table_firmware`` are both
    e820_saved (the table kexec_file_load and /sys/firmware/memmap use).
    """

    kver: KernelVersion
    e820_table: tuple[E820Entry, ...]
    e820_table_kexec: tuple[E820Entry, ...]
    e820_table_firmware: tuple[E820Entry, ...]
    printed: tuple[E820Table, ...]
    full_events: tuple[TableFull, ...] = ()
    capacity: int = policy.table_capacity()

    def block(self, who: str) -> E820Table | None:
        """The printed block of ``who`` (``BIOS-e820``, ``reserve setup_data``, ``user``...)."""
        for t in self.printed:
            if t.who == who:
                return t
        return None

    @property
    def bytes_usable(self) -> int:
        """Bytes of e820_table the kernel hands to memblock as RAM."""
        return usable_bytes(self.e820_table, self.kver)

    @property
    def sysfs_source(self) -> tuple[E820Entry, ...]:
        """The table /sys/firmware/memmap shows (kernel-facts §2.3)."""
        src = policy.firmware_memmap_source(self.kver)
        if src is policy.MemmapSource.KEXEC:
            return self.e820_table_kexec
        return self.e820_table_firmware


def _append_boot_table(
    t: KernelTable, entries: Sequence[E820Entry], kver: KernelVersion, alt_mem_k: int
) -> str:
    """e820__memory_setup_default(): append or fake; returns ``who``."""
    wraps = any(e.size and e.addr + e.size - 1 > U64_MAX for e in entries)
    if len(entries) >= policy.append_min_entries(kver) and not wraps and entries:
        for e in entries:
            t.range_add(e.addr, e.size, e.type)
        return "BIOS-e820"
    if len(entries) == 0 and policy.append_min_entries(kver) == 0:
        return "BIOS-e820"
    t.slots.clear()
    t.range_add(0, LOWMEMSIZE, E820Type.RAM)
    t.range_add(HIGH_MEMORY, alt_mem_k << 10, E820Type.RAM)
    return "BIOS-e801"


def simulate_boot(
    received: Sequence[E820Entry],
    kver: KernelVersion,
    setup_data: Sequence[SetupDataBlob] = (),
    ops: Sequence[RangeOp] = (),
    max_numnodes: int = policy.DEFAULT_MAX_NUMNODES,
    user_map: str | Sequence[MemParam] | None = None,
    *,
    extended: Sequence[E820Entry] = (),
    reserve_policy: ReservePolicy | None = None,
    alt_mem_k: int = 0,
) -> KernelTables:
    """Model the early boot of a ``kver`` kernel that received ``received``.

    ``setup_data`` is the node list (in list order); ``extended`` the SETUP_E820_EXT
    entries (pass the SETUP_E820_EXT node in ``setup_data`` too: it is reserved like
    any node). ``user_map`` is a command line (only mem=/memmap= are used) or parsed
    items. ``reserve_policy`` overrides :func:`policy.setup_data_reserved` (e.g. a kernel
    with 8efbc518b884 reverted). Raises
    :class:`e820scope.kernel.cmdline.InvalidUserMemoryMap` where the kernel panics.
    """
    cap = policy.table_capacity(max_numnodes)
    nomerge = policy.nomerge_types(kver)
    era = kver.print_era
    reserve = reserve_policy or policy.setup_data_reserved
    with_kexec = policy.has_kexec_table(kver)
    printed: list[E820Table] = []

    def emit(t: KernelTable, who: str) -> None:
        printed.append(_printed(t, who, era))

    table = KernelTable("e820_table", cap)
    who = _append_boot_table(table, received, kver, alt_mem_k)
    table.update_table(nomerge)
    emit(table, who)
    kexec = table.copy("e820_table_kexec")
    firmware = table.copy("e820_table_firmware")

    if extended:
        _add_extended(table, extended, nomerge)
        if with_kexec:
            kexec = table.copy("e820_table_kexec")
            firmware = table.copy("e820_table_firmware")
        emit(table, "extended")

    params = _mem_params(user_map)
    early_first = policy.early_params_before_setup_data(kver)
    userdef = False
    if early_first:
        userdef = parse_early_params(table, params, kver)

    if setup_data and policy.prints_reserve_setup_data(kver):
        _reserve_setup_data(table, kexec if with_kexec else None, setup_data, kver, reserve)
        table.update_table(nomerge)
        if with_kexec and not kver.at_least(6, 9):
            kexec.update_table(nomerge)
        if not with_kexec:
            kexec = table.copy("e820_saved")
            firmware = kexec.copy()
        emit(table, "reserve setup_data")

    if not early_first:
        userdef = parse_early_params(table, params, kver)
    if e820__finish_early_params(table, userdef, kver, nomerge):
        emit(table, "user")

    apply_range_ops(table, ops)
    table.update_table(nomerge)

    return KernelTables(
        kver=kver,
        e820_table=table.to_entries(),
        e820_table_kexec=kexec.to_entries(),
        e820_table_firmware=firmware.to_entries(),
        printed=tuple(printed),
        full_events=tuple(table.full_events + kexec.full_events + firmware.full_events),
        capacity=cap,
    )


def _printed(t: KernelTable, who: str, era: Era) -> E820Table:
    """The block the kernel prints of ``t`` under ``who``'s header."""
    return E820Table(
        kind=_KIND_OF_WHO.get(who, TableKind.MODIFIED),
        who=who,
        entries=t.to_entries(),
        era=era,
        header=table_header(who, era),
    )


def _add_extended(
    table: KernelTable, extended: Sequence[E820Entry], nomerge: frozenset[int]
) -> None:
    """Append the SETUP_E820_EXT entries (up to the first that passes 2^64) and sanitize."""
    for e in extended:
        if e.size and e.addr + e.size - 1 > U64_MAX:
            break
        table.range_add(e.addr, e.size, e.type)
    table.update_table(nomerge)


def _mem_params(user_map: str | Sequence[MemParam] | None) -> list[MemParam]:
    """The mem=/memmap= items of a command line, or the items given."""
    if isinstance(user_map, str):
        return parse_cmdline(user_map)
    return [] if user_map is None else list(user_map)


def _reserve_setup_data(
    table: KernelTable,
    kexec: KernelTable | None,
    setup_data: Sequence[SetupDataBlob],
    kver: KernelVersion,
    reserve: ReservePolicy,
) -> None:
    """e820__reserve_setup_data(): each node (and a SETUP_INDIRECT's payload) turned
    from RAM to RESERVED_KERN in ``table`` and, where the policy says, in ``kexec``
    (None: the kernel has no kexec table)."""
    for blob in setup_data:
        in_e820, in_kexec = reserve(kver, blob.type)
        targets = [(blob.node_range(kver), in_e820, in_kexec)]
        ind = blob.indirect_range(kver)
        if ind is not None:
            i_e820, i_kexec = reserve(kver, SetupDataType.SETUP_INDIRECT)
            targets.append((ind, i_e820, i_kexec))
        for (start, size), to_e820, to_kexec in targets:
            if to_e820:
                e820__range_update(table, start, size, E820Type.RAM, E820Type.RESERVED_KERN)
            if kexec is not None and to_kexec:
                e820__range_update(kexec, start, size, E820Type.RAM, E820Type.RESERVED_KERN)
