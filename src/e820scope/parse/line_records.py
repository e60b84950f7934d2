"""What one recognised line adds to its boot, by the class of its fact: a record, a
header, an attribute.

:class:`~e820scope.parse.builder.BootBuilder` keeps a boot's lists of records
(:meth:`~e820scope.parse.builder.BootBuilder.record_lists`); :data:`RECORDS` says which
list a line of each class goes to and what it adds there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.records import (
    EfiMemDesc,
    LastPfn,
    LogEvent,
    MemoryLine,
    NodeRange,
    RangeOp,
    SourceRef,
)
from .facts import (
    CmdlineFact,
    CpuModelFact,
    CrashFact,
    CrashkernelFact,
    DmiFact,
    EarlyNodeFact,
    EfiMemFact,
    EfiRemoveFact,
    Fact,
    HeaderFact,
    InitmemFact,
    LastPfnFact,
    MemoryFact,
    NodeDataFact,
    PciGapFact,
    RamBufferFact,
    RangeOpFact,
    TotalRamFact,
    ZoneFact,
)

#: indexes into :meth:`BootBuilder.record_lists` (what :data:`RECORDS` returns)
_OPS, _LAST_PFN, _INITMEM, _NODE_DATA, _EARLY, _ZONES, _EFI_MEM, _EVENTS = range(8)


def header_of(fact: HeaderFact, ref: SourceRef, text: str) -> tuple[str, bool, SourceRef, str]:
    """The pending header a map header line leaves (:attr:`BootBuilder.pending_header`)."""
    return fact.word, fact.prefixed, ref, text.strip()


def may_cut_any_block(stripped: str) -> bool:
    """An unparsed line (``text.strip()``) that looks like an entry of any block; it
    also looks like one of a block whose "who" it starts with
    (:meth:`BootBuilder.unparsed`)."""
    return "[mem" in stripped or " - " in stripped


# -- what each record-adding fact adds (``text``: its line as the log holds it) -----------
def _op(f: RangeOpFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _OPS, RangeOp(f.op, f.addr, f.size, f.old_type, f.new_type, ref)


def _range_event(
    f: RamBufferFact | PciGapFact, ref: SourceRef | None, text: str
) -> tuple[int, object]:
    return _EVENTS, LogEvent(f.event, f.text, (f.addr, f.size), ref)


def _last_pfn(f: LastPfnFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _LAST_PFN, LastPfn(f.last_pfn, f.max_arch_pfn, ref)


def _total_ram(f: TotalRamFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _EVENTS, LogEvent(f.event, text.strip(), (f.mib,), ref)


def _initmem(f: InitmemFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _INITMEM, NodeRange(f.node, f.addr, f.size, "", f.memoryless, ref)


def _node_data(f: NodeDataFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _NODE_DATA, NodeRange(f.node, f.addr, f.size, "", False, ref)


def _early_node(f: EarlyNodeFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _EARLY, NodeRange(f.node, f.addr, f.size, "", False, ref)


def _zone(f: ZoneFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _ZONES, NodeRange(-1, f.addr, f.size, f.zone, False, ref)


def _efi_mem(f: EfiMemFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _EFI_MEM, EfiMemDesc(f.index, f.type_name, f.attrs, f.addr, f.size, ref)


def _efi_remove(f: EfiRemoveFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    kind = "efi_not_removed" if f.kept else "efi_remove"
    return _EVENTS, LogEvent(kind, f.text, (f.addr, f.size), ref)


def _crashkernel(f: CrashkernelFact, ref: SourceRef | None, text: str) -> tuple[int, object]:
    return _EVENTS, LogEvent(f.event, f.text, f.values, ref)


def _text_event(
    f: DmiFact | CpuModelFact | CrashFact, ref: SourceRef | None, text: str
) -> tuple[int, object]:
    return _EVENTS, LogEvent(f.event, f.text, (), ref)


#: The classes of fact whose line only closes the open block and adds one record, and
#: what it adds: ``RECORDS[type(fact)](fact, ref, text)`` is the record and the index in
#: :meth:`BootBuilder.record_lists` of the list it goes to (the splitter hands runs of
#: such lines to :meth:`BootBuilder.add_records` at once).
RECORDS: dict[type[Fact], Callable[[Any, SourceRef | None, str], tuple[int, object]]] = {
    RangeOpFact: _op,
    RamBufferFact: _range_event,
    PciGapFact: _range_event,
    LastPfnFact: _last_pfn,
    TotalRamFact: _total_ram,
    InitmemFact: _initmem,
    NodeDataFact: _node_data,
    EarlyNodeFact: _early_node,
    ZoneFact: _zone,
    EfiMemFact: _efi_mem,
    EfiRemoveFact: _efi_remove,
    CrashkernelFact: _crashkernel,
    DmiFact: _text_event,
    CpuModelFact: _text_event,
    CrashFact: _text_event,
}


def first_of(fact: MemoryFact | CmdlineFact, ref: SourceRef | None) -> tuple[str, object]:
    """(BootBuilder attribute, value) of a line that sets an attribute of its boot unless
    an earlier line set it (the first ``Memory:`` line, the first command line of each
    kind)."""
    if isinstance(fact, MemoryFact):
        return "memory", MemoryLine(fact.available_kb, fact.total_kb, fact.text, ref)
    return ("arch_cmdline" if fact.printer == "arch" else "kernel_cmdline"), fact.text
