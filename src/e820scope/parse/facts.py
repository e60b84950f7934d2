"""What one kernel log line says, independent of where it was found: one class per rule
family of the grammars.

A fact is the parser's reading of one line's text. It carries no
:class:`~e820scope.model.records.SourceRef`, so identical lines (which recur across
kexec generations) share one cached fact; the boot builder adds the reference. The
parser dispatches on a fact's class (:mod:`.session` gives each class a role once per
message; :mod:`.line_records` maps each record-adding class to what it adds).

Ranges are normalised to ``addr`` + ``size`` (bytes, end exclusive) whatever the printed
convention. ``era`` is set when the line's own format fixes the print era (A:
``start - end`` lines; D: ``System RAM`` / double space / gap). ``text`` is the line as
printed (stripped) unless a class says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import ClassVar, Literal

from ..model.records import OpKind
from ..model.types import Era


class Fact:
    """Any recognised line (and the two sentinels :class:`Unparsed`, :class:`Nothing`).

    The classes are frozen slotted dataclasses (or field-less subclasses of one) that
    compare by identity (each distinct line is read once and its fact shared) and print as
    a dataclass does; ``eq``/``repr`` are not generated per class, which would cost ~0.5 ms
    of import time per class.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        names: list[str] = [f.name for f in fields(self)] if is_dataclass(self) else []
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{type(self).__name__}({inner})"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RangeFact(Fact):
    """A line that names one physical range."""

    addr: int
    size: int

    @property
    def end(self) -> int:
        return self.addr + self.size


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TextFact(Fact):
    """A line whose reading is its text; ``event`` names the
    :class:`~e820scope.model.records.LogEvent` it becomes, where it becomes one."""

    text: str
    event: ClassVar[str] = ""


# -- what is not a reading ----------------------------------------------------------------
class Unparsed(Fact):
    """A line with an anchor that the grammar does not accept."""

    __slots__ = ()


class Nothing(Fact):
    """A line without any anchor: nothing the parser reads."""

    __slots__ = ()


#: the fact of a line that has an anchor but does not parse
UNPARSED = Unparsed()
#: the fact of a line without any anchor
NOTHING = Nothing()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class KexecCmdFact(TextFact):
    """A ``kexec`` command line on the console (``kexec -s -l ...``, read by
    :func:`~e820scope.parse.finish.kexec_syscall_flag`); ``unparsed``: it also held an
    anchor the grammar did not accept."""

    unparsed: bool = False


# -- e820.lark ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class HeaderFact(Fact):
    """A map header (``BIOS-provided physical RAM map:``): its ``word`` (formats.py
    MAP_HEADERS, or a hypervisor map's header word); ``prefixed``: era B's ``e820: ``."""

    word: str
    prefixed: bool = False


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class EntryFact(RangeFact):
    """An entry of an e820 table block. ``who`` is the e820 "who" prefix
    (``BIOS-e820``...), ``type`` the e820 type code (None when not recognised),
    ``raw_type`` the type text as printed (era D's with a leading space). ``problem`` is
    non-empty when the line looks cut or garbled and must not be trusted as an entry;
    ``note`` records harmless oddities (text after the type)."""

    who: str
    type: int | None
    raw_type: str
    era: Era | None = None
    problem: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class GapFact(RangeFact):
    """``BIOS-e820: [gap ...]`` (7.0+, era D) of the block of ``who``."""

    who: str


class FwBugOrderFact(TextFact):
    """``[Firmware Bug]: out of order E820 entry!`` (7.0+, era D)."""

    __slots__ = ()

    event: ClassVar[str] = "out_of_order"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RangeOpFact(RangeFact):
    """``e820: update [mem ...] old ==> new`` or ``e820: remove [mem ...] old``
    (``old_type`` None: any type)."""

    op: OpKind
    old_type: int | None
    new_type: int | None
    era: Era | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TableFullFact(RangeFact):
    """``e820: too many entries; ignoring [mem ...]`` (addr = size = 0 where era A
    names no range)."""

    text: str
    era: Era | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RamBufferFact(RangeFact):
    """``e820: reserve RAM buffer [mem ...]``."""

    text: str
    event: ClassVar[str] = "ram_buffer"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PciGapFact(RangeFact):
    """The gap handed to PCI (``[mem ...] available for PCI devices``)."""

    text: str
    era: Era | None = None
    prefixed: bool = False
    event: ClassVar[str] = "pci_gap"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class LastPfnFact(Fact):
    """``last_pfn = 0x140000 max_arch_pfn = 0x400000000``."""

    last_pfn: int
    max_arch_pfn: int
    prefixed: bool = False


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MemmapHeaderFact(Fact):
    """``E820 memmap:`` of a kexec hand-off, by ``who`` printed it (formats.HANDOFF_WHO)."""

    who: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MemmapEntryFact(RangeFact):
    """An entry of a kexec hand-off memmap (``type``: the printed number)."""

    who: str
    type: int | None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class LiveHeaderFact(Fact):
    """``# e820_table_kexec ...`` of the companion module (``text``: after the table name)."""

    who: str
    text: str


# -- mm.lark ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TotalRamFact(Fact):
    """``total RAM covered: 3072M`` (MTRR sanitizer)."""

    mib: int
    event: ClassVar[str] = "total_ram_covered"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MemoryFact(TextFact):
    """``Memory: 3977716K/4193784K available (...)``."""

    available_kb: int
    total_kb: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NodeRangeFact(RangeFact):
    """A NUMA node's range (``node`` -1: not printed)."""

    node: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class InitmemFact(NodeRangeFact):
    """``Initmem setup node 0 [mem ...]`` (``memoryless``: ``as memoryless``, no range)."""

    memoryless: bool = False


class NodeDataFact(NodeRangeFact):
    """``NODE_DATA(0) allocated [mem ...]``."""

    __slots__ = ()


class EarlyNodeFact(NodeRangeFact):
    """``  node   0: [mem ...]`` under ``Early memory node ranges``."""

    __slots__ = ()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ZoneFact(RangeFact):
    """``  DMA32    [mem ...]`` under ``Zone ranges:`` (``empty``: no range)."""

    zone: str
    empty: bool = False


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MmHeaderFact(Fact):
    """``Early memory node ranges`` or ``Zone ranges:``: closes any open block."""

    what: Literal["early_node_ranges", "zones"]


# -- efi.lark -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class EfiMemFact(RangeFact):
    """``efi: mem03: [Conventional|...] range=[...]``: the descriptor's ``index``, its
    ``type_name`` and attribute columns (``type=7`` / ``attr=0xf`` of the old format)."""

    index: int
    type_name: str
    attrs: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class EfiRemoveFact(RangeFact):
    """``efi: Remove mem115: MMIO range=[...] from e820 map`` (``kept``: ``Not removing``)."""

    index: int
    text: str
    kept: bool = False


# -- boot.lark ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class BannerFact(TextFact):
    """``Linux version 6.1.0-56-amd64 (...)``: the ``release``."""

    release: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CmdlineFact(TextFact):
    """``Command line:`` (``printer`` ``arch``: setup_arch) or ``Kernel command line:``
    (``kernel``: start_kernel); ``text`` is the command line."""

    printer: Literal["arch", "kernel"]


class DmiFact(TextFact):
    """``DMI: <ids>`` (``text``: the machine's DMI ids)."""

    __slots__ = ()

    event: ClassVar[str] = "dmi"


class CpuModelFact(TextFact):
    """``smpboot: CPU0: <model> (family: ...)`` (``text``: the model name)."""

    __slots__ = ()

    event: ClassVar[str] = "cpu_model"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CrashkernelFact(TextFact):
    """``Reserving 256MB of memory at 3808MB for crashkernel ...`` (``size_mb``,
    ``at_mb``) or ``crashkernel reserved: 0x... - 0x...`` (``start``, ``last``: the
    first two hex numbers printed, None where absent)."""

    size_mb: int | None = None
    at_mb: int | None = None
    start: int | None = None
    last: int | None = None
    event: ClassVar[str] = "crashkernel"

    @property
    def values(self) -> tuple[int, ...]:
        """The numbers printed: ``(size_mb, at_mb)`` or ``(start, last)``."""
        if self.size_mb is not None and self.at_mb is not None:
            return (self.size_mb, self.at_mb)
        return tuple(n for n in (self.start, self.last) if n is not None)


class KexecStartFact(TextFact):
    """``kexec_core: Starting new kernel``."""

    __slots__ = ()

    event: ClassVar[str] = "kexec_start"


class OomFact(TextFact):
    """``stress invoked oom-killer: ...`` / ``Out of memory: Killed process ...``."""

    __slots__ = ()

    event: ClassVar[str] = "oom"


class PanicFact(TextFact):
    """``Kernel panic - not syncing: ...``."""

    __slots__ = ()

    event: ClassVar[str] = "panic"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CrashFact(TextFact):
    """An oops, ``kernel BUG at`` or a SysRq crash (``trigger``: the grammar alias)."""

    trigger: str
    event: ClassVar[str] = "crash"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class FirmwareFact(TextFact):
    """Firmware / boot loader output (``SeaBIOS``, ``EFI stub:``...): ``starter`` says
    what started the kernel."""

    starter: str


class RebootSepFact(Fact):
    """``-- Reboot --`` (journalctl)."""

    __slots__ = ()


class NotX86Fact(TextFact):
    """A MIPS or ARM boot log's own lines."""

    __slots__ = ()
