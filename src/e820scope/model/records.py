"""Immutable records for what a boot log says about the e820 memory map.

Conventions used everywhere in e820scope:

* Addresses are Python ``int`` physical addresses. Formatting to hex happens only in
  renderers.
* An entry is ``(addr, size, type)`` exactly like ``struct e820_entry``. ``end`` is
  **exclusive** (``addr + size``), ``last`` is **inclusive** (``addr + size - 1``, what
  eras B-D and /sys/firmware/memmap print). Era A logs print the exclusive end; the
  parser converts, so records never depend on the era.
* ``type`` is the numeric ``enum e820_type`` code; ``raw_type`` keeps the text exactly as
  printed (``usable``, `` System RAM``, ``persistent (type 12)``...).
* Every record that came from a log line carries a :class:`SourceRef` (file:line), used
  in warnings and evidence.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# E820Entry and SourceRef are defined in .entry; e820scope imports them from here
from .entry import E820Entry as E820Entry
from .entry import SourceRef as SourceRef
from .kversion import KernelVersion, ram_types
from .types import Era


class TableKind(str, enum.Enum):
    """Which e820 printout a table comes from (kernel-facts §1.2)."""

    #: ``BIOS-provided physical RAM map:`` — what this kernel received (boot_params
    #: e820_table, or BIOS-88/BIOS-e801/Xen fallbacks). In a kexec'd kernel this is the
    #: previous kernel's hand-off.
    FIRMWARE = "firmware"
    #: ``extended:`` lines — e820__memory_setup_extended(), SETUP_E820_EXT appended.
    EXTENDED = "extended"
    #: ``reserve setup_data:`` lines — e820__reserve_setup_data() result (<= 6.14).
    SETUP_DATA = "setup_data"
    #: ``user:`` lines — mem=/memmap= (e820__finish_early_params).
    USER = "user"
    #: ``modified:`` lines — e820__update_table_print() after MTRR trim, GART, ACPI.
    MODIFIED = "modified"
    #: ``bad_ppro:`` lines — 32-bit PPro quirk.
    FIXED = "fixed"
    #: ``kexec-bzImage64: E820 memmap:`` — what kexec_file_load passed to the next kernel.
    KEXEC_FILE_MEMMAP = "kexec_file_memmap"
    #: kexec-tools ``-d`` ``E820 memmap:`` — what kexec_load passed to the next kernel.
    KEXEC_TOOLS_MEMMAP = "kexec_tools_memmap"
    #: A live table (sysfs, the companion module, boot_params).
    LIVE = "live"
    #: ``(XEN) Xen-e820 RAM map:`` — the Xen hypervisor's own map of the machine, printed
    #: before it builds dom0 (whose kernel then prints its own ``Xen:`` firmware map).
    HYPERVISOR = "hypervisor"


@dataclass(frozen=True, slots=True)
class E820Table:
    """One printed e820 table block, in print order.

    ``complete`` is False when the block was visibly cut (end of input, an elided or
    garbled line inside it); ``notes`` says why.
    """

    kind: TableKind
    who: str
    entries: tuple[E820Entry, ...]
    era: Era | None = None
    header: str | None = None
    first_ref: SourceRef | None = None
    last_ref: SourceRef | None = None
    complete: bool = True
    notes: tuple[str, ...] = ()
    #: era D ``[gap first-last]`` lines (inclusive), which are not entries.
    gaps: tuple[tuple[int, int], ...] = ()

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[E820Entry]:
        return iter(self.entries)

    def bytes_of(self, *types: int) -> int:
        """Total size of entries of the given types."""
        return sum(e.size for e in self.entries if e.type in types)

    def usable_bytes(self, kver: KernelVersion | None) -> int:
        """Bytes the kernel ``kver`` uses as RAM (:func:`usable_bytes`)."""
        return usable_bytes(self.entries, kver)


class OpKind(str, enum.Enum):
    UPDATE = "update"  #: ``e820: update [mem a-b] old ==> new`` (__e820__range_update)
    REMOVE = "remove"  #: ``e820: remove [mem a-b] [old]`` (e820__range_remove)
    TABLE_FULL = "table_full"  #: ``too many entries; ignoring`` / ``E820 table full; ignoring``


@dataclass(frozen=True, slots=True)
class RangeOp:
    """A logged change to ``e820_table`` (KERN_DEBUG lines, in dmesg but rarely on consoles).

    ``old_type`` is None for a ``remove`` printed without a type (remove regardless of
    type); ``new_type`` is None except for updates.
    """

    kind: OpKind
    addr: int
    size: int
    old_type: int | None = None
    new_type: int | None = None
    ref: SourceRef | None = field(default=None, compare=False)

    @property
    def end(self) -> int:
        return self.addr + self.size


@dataclass(frozen=True, slots=True)
class LastPfn:
    """``last_pfn = %#lx max_arch_pfn = %#lx`` (printed twice on x86-64: all RAM, then < 4 GiB)."""

    last_pfn: int
    max_arch_pfn: int
    ref: SourceRef | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class MemoryLine:
    """``Memory: %luK/%luK available (...)``; 3.x prints lower-case ``k``.

    ``available_kb`` is free pages after boot allocations, ``total_kb`` the present
    pages (from memblock, i.e. e820 RAM).
    """

    available_kb: int
    total_kb: int
    raw: str = field(default="", compare=False)
    ref: SourceRef | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class NodeRange:
    """``Initmem setup node N [mem a-b]`` / ``Early memory node ranges`` / zones.

    ``addr``/``size`` as for entries (``size`` 0 and ``memoryless`` for ``as memoryless``).
    ``name`` is the zone name for zone ranges, else empty.
    """

    node: int
    addr: int
    size: int
    name: str = ""
    memoryless: bool = False
    ref: SourceRef | None = field(default=None, compare=False)

    @property
    def end(self) -> int:
        return self.addr + self.size


@dataclass(frozen=True, slots=True)
class EfiMemDesc:
    """``efi: memNN: [type|attrs] range=[a-b] (NMB)``, end normalised to exclusive."""

    index: int
    type_name: str
    attrs: str
    addr: int
    size: int
    ref: SourceRef | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class LogEvent:
    """A notable single line: panic, OOM, crashkernel, ``Starting new kernel``, PCI gap...

    ``kind`` is a short stable identifier (``panic``, ``oom``, ``crashkernel``,
    ``kexec_start``, ``pci_gap``, ``total_ram_covered``, ``setup_data_memremap_failed``,
    ``out_of_order``...). ``values`` holds parsed numbers where there are any.
    """

    kind: str
    text: str
    values: tuple[int, ...] = ()
    ref: SourceRef | None = field(default=None, compare=False)


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """A diagnostic tied to a place in the input, with what to do about it."""

    ref: SourceRef | None
    message: str
    hint: str = ""
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        where = f"{self.ref}: " if self.ref else ""
        tail = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.severity.value}: {self.message}{tail}"


class StartMethod(str, enum.Enum):
    """How a boot was started, as far as the log shows."""

    COLD = "cold"  #: firmware boot (no sign of kexec)
    KEXEC_FILE_LOAD = "kexec_file_load"
    KEXEC_LOAD = "kexec_load"  #: kexec-tools built the map (first RAM at 0x100 / 0x400)
    KEXEC = "kexec"  #: kexec'd, syscall not identifiable
    KDUMP = "kdump"  #: crash capture kernel (``elfcorehdr=``)
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class BootStart:
    method: StartMethod
    evidence: str = ""


class MapStatus(str, enum.Enum):
    """How much of a boot's e820 maps the log shows (the rule: docs/completeness.md)."""

    PRESENT = "present"  #: the maps are whole: the kernel printed lines after them
    ABSENT = "absent"  #: no e820 map in this boot's part of the log
    CUT_OFF = "cut_off"  #: a map starts but is cut (end of input, next boot, elision...)
    FILTERED = "filtered"  #: the log is filtered output (grep): other lines are gone


@dataclass(frozen=True, slots=True)
class Completeness:
    status: MapStatus
    reason: str = ""
    #: True when the beginning of the boot is missing (ring buffer wrapped, excerpt).
    starts_mid_boot: bool = False


@dataclass(frozen=True, slots=True)
class Boot:
    """One boot of one kernel as found in one input, with everything e820scope reads.

    ``index`` is 1-based within its input. ``tables`` holds every e820 table block in
    print order; :attr:`firmware_map` is what this kernel received, :attr:`final_map` the
    last table it printed.
    """

    index: int
    source: str
    first_line: int
    last_line: int
    kernel: KernelVersion | None = None
    linux_version: str | None = None
    cmdline: str | None = None
    start: BootStart = BootStart(StartMethod.UNKNOWN)
    completeness: Completeness = Completeness(MapStatus.ABSENT)
    tables: tuple[E820Table, ...] = ()
    ops: tuple[RangeOp, ...] = ()
    last_pfn: tuple[LastPfn, ...] = ()
    memory: MemoryLine | None = None
    initmem: tuple[NodeRange, ...] = ()
    node_data: tuple[NodeRange, ...] = ()
    early_node_ranges: tuple[NodeRange, ...] = ()
    zones: tuple[NodeRange, ...] = ()
    efi_mem: tuple[EfiMemDesc, ...] = ()
    events: tuple[LogEvent, ...] = ()
    warnings: tuple[ParseWarning, ...] = ()
    #: why the boot's part of the log ends: ``kexec`` (Starting new kernel), ``panic``,
    #: ``next_boot``, ``eof``.
    ended_by: str = "eof"
    #: printk times of the boot's first and last line read (None: no times); two boots
    #: that end at the same time to the microsecond are one boot printed twice
    times: tuple[float, float] | None = None

    @property
    def label(self) -> str:
        return f"{self.source}#{self.index}"

    def tables_of(self, kind: TableKind) -> tuple[E820Table, ...]:
        return tuple(t for t in self.tables if t.kind is kind)

    @property
    def firmware_map(self) -> E820Table | None:
        """The ``BIOS-provided physical RAM map`` block (what this kernel was handed)."""
        fw = self.tables_of(TableKind.FIRMWARE)
        return fw[0] if fw else None

    @property
    def final_map(self) -> E820Table | None:
        """The last e820_table printout (setup_data/user/modified/extended, else firmware).

        Hand-off memmap debug tables (kexec-bzImage64, kexec-tools) and a hypervisor's
        own map are not e820_table printouts and are skipped.
        """
        for t in reversed(self.tables):
            if t.kind not in _NOT_E820_TABLE:
                return t
        return None

    def events_of(self, kind: str) -> tuple[LogEvent, ...]:
        return tuple(e for e in self.events if e.kind == kind)


#: table kinds that are not a printout of this kernel's e820_table
_NOT_E820_TABLE = (TableKind.KEXEC_FILE_MEMMAP, TableKind.KEXEC_TOOLS_MEMMAP, TableKind.HYPERVISOR)


@dataclass(frozen=True)
class ParsedLog:
    """Everything read from one input (a file, stdin, or a sosreport).

    ``inputs_used`` lists the files actually read (for a sosreport: which of its files).
    ``partial`` is True when something could not be read whole; ``warnings`` says what.
    """

    source: str
    boots: tuple[Boot, ...]
    inputs_used: tuple[str, ...] = ()
    warnings: tuple[ParseWarning, ...] = ()
    partial: bool = False
    #: Set when the input is recognisably not an x86 e820 log (MIPS/arm64 RAM maps).
    not_x86_reason: str | None = None

    def boots_with_map(self) -> Iterable[Boot]:
        return (b for b in self.boots if b.firmware_map is not None)


def usable_bytes(entries: Iterable[E820Entry], kver: KernelVersion | None) -> int:
    """Bytes of ``entries`` that the kernel ``kver`` uses as RAM
    (:attr:`KernelVersion.ram_types`: type 128 counts up to 6.14 only; for an unknown
    kernel it counts)."""
    types = ram_types(kver)
    return sum(e.size for e in entries if e.type in types)
