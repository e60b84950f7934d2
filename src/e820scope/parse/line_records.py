"""What one recognised line adds to its boot, by kind: a record, a header, an attribute.

:class:`~e820scope.parse.builder.BootBuilder` keeps a boot's lists of records
(:meth:`~e820scope.parse.builder.BootBuilder.record_lists`); :func:`record_of` says which
list a line of a kind goes to and what it adds there.
"""

from __future__ import annotations

from ..model.records import (
    EfiMemDesc,
    LastPfn,
    LogEvent,
    MemoryLine,
    NodeRange,
    OpKind,
    RangeOp,
    SourceRef,
)
from .facts import LineFact

#: indexes into :meth:`BootBuilder.record_lists` (what :func:`record_of` returns)
_OPS, _LAST_PFN, _INITMEM, _NODE_DATA, _EARLY, _ZONES, _EFI_MEM, _EVENTS = range(8)


def header_of(
    fact: LineFact, ref: SourceRef | None, text: str
) -> tuple[str, bool, SourceRef | None, str]:
    """The pending header a map header line leaves (:attr:`BootBuilder.pending_header`)."""
    return fact.who, fact.prefixed, ref, text.strip()


def may_cut_any_block(stripped: str) -> bool:
    """An unparsed line (``text.strip()``) that looks like an entry of any block; it
    also looks like one of a block whose "who" it starts with
    (:meth:`BootBuilder.unparsed`)."""
    return "[mem" in stripped or " - " in stripped


#: Kinds whose line only closes the open block and adds the one record :func:`record_of`
#: returns (the splitter hands runs of them to :meth:`BootBuilder.add_records` at once).
RECORD_KINDS = frozenset(
    {
        "update",
        "remove",
        "ram_buffer",
        "pci_gap",
        "last_pfn",
        "total_ram",
        "initmem",
        "node_data",
        "early_node",
        "zone",
        "efi_mem",
        "efi_remove",
        "crashkernel",
        "dmi",
        "cpu_model",
        "crash",
    }
)


def record_of(fact: LineFact, ref: SourceRef | None, text: str) -> tuple[int, object] | None:
    """The one record a line of ``fact`` adds to its boot and the index in
    :meth:`BootBuilder.record_lists` of the list it goes to, for the kinds whose only effect is that
    (None for every other kind)."""
    kind = fact.kind
    if kind in ("update", "remove"):
        ok = OpKind.UPDATE if kind == "update" else OpKind.REMOVE
        return _OPS, RangeOp(ok, fact.addr, fact.size, fact.type, fact.new_type, ref)
    if kind in ("ram_buffer", "pci_gap"):
        return _EVENTS, LogEvent(kind, fact.raw, (fact.addr, fact.size), ref)
    if kind == "last_pfn":
        return _LAST_PFN, LastPfn(fact.nums[0], fact.nums[1], ref)
    if kind == "total_ram":
        return _EVENTS, LogEvent("total_ram_covered", text.strip(), fact.nums, ref)
    if kind == "initmem":
        memoryless = fact.note == "memoryless"
        return _INITMEM, NodeRange(fact.nums[0], fact.addr, fact.size, "", memoryless, ref)
    if kind == "node_data":
        return _NODE_DATA, NodeRange(fact.nums[0], fact.addr, fact.size, "", False, ref)
    if kind == "early_node":
        return _EARLY, NodeRange(fact.nums[0], fact.addr, fact.size, "", False, ref)
    if kind == "zone":
        return _ZONES, NodeRange(-1, fact.addr, fact.size, fact.who, False, ref)
    if kind == "efi_mem":
        return _EFI_MEM, EfiMemDesc(fact.nums[0], fact.who, fact.raw, fact.addr, fact.size, ref)
    if kind == "efi_remove":
        ek = "efi_remove" if not fact.note else "efi_not_removed"
        return _EVENTS, LogEvent(ek, fact.raw, (fact.addr, fact.size), ref)
    if kind in ("crashkernel", "dmi", "cpu_model", "crash"):
        return _EVENTS, LogEvent(kind, fact.raw, fact.nums, ref)
    return None


def first_of(fact: LineFact, ref: SourceRef | None) -> tuple[str, object] | None:
    """(BootBuilder attribute, value) for the kinds whose line sets an attribute of its
    boot unless an earlier line set it (the first ``Memory:`` line, the first command
    line of each kind); None for every other kind."""
    kind = fact.kind
    if kind == "memory":
        return "memory", MemoryLine(fact.nums[0], fact.nums[1], fact.raw, ref)
    if kind == "command_line":
        name = "arch_cmdline" if fact.who == "arch_command_line" else "kernel_cmdline"
        return name, fact.raw
    return None
