"""Assemble :class:`LineFact` readings into the parts of one boot.

One :class:`BootBuilder` per boot collects table blocks (in print order), range
operations and the mm/EFI/boot lines; :class:`~e820scope.parse.splitter.Splitter`
decides where one boot ends and the next begins (``Linux version``, ``Starting new
kernel``, timestamps restarting at 0, the container's own boot separators) and
:func:`~e820scope.parse.finish.finish` turns a builder into a Boot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from ..formats import HANDOFF_WHO, HYPERVISOR_MAPS, MAP_HEADERS, WHO
from ..model.kversion import KernelVersion
from ..model.records import (
    E820Entry,
    E820Table,
    EfiMemDesc,
    LastPfn,
    LogEvent,
    MemoryLine,
    NodeRange,
    OpKind,
    ParseWarning,
    RangeOp,
    Severity,
    SourceRef,
    TableKind,
)
from ..model.types import Era
from .facts import LineFact
from .line_records import RECORD_KINDS, first_of, header_of, may_cut_any_block, record_of
from .requote import merge_requoted, rising

#: e820 "who" prefix -> the table block it belongs to (formats.py; kernel-facts §1.1-1.2).
WHO_KIND: dict[str, TableKind] = {
    **{w.text: TableKind(w.kind) for w in WHO},
    **{who: TableKind(kind) for who, kind in HANDOFF_WHO.items()},
    **{h.who: TableKind(h.kind) for h in HYPERVISOR_MAPS},
}
#: Header word -> the block kinds it can introduce ("extended" heads two blocks).
HEADER_KINDS: dict[str, tuple[TableKind, ...]] = {
    **{m.word: tuple(TableKind(k) for k in m.kinds) for m in MAP_HEADERS},
    **{word: (TableKind(h.kind),) for h in HYPERVISOR_MAPS for word in h.words},
}
_ENTRY_KINDS = frozenset({"entry", "gap", "fw_bug_order", "memmap_entry"})
#: Kinds whose line may open or extend a table block: the entry kinds and the headers
#: that open a block themselves. The lines of :data:`BLOCK_NEUTRAL_KINDS` leave an open
#: block as it is (the splitter reads them without :meth:`BootBuilder.add`); every other
#: kind closes it.
BLOCK_OPENING_KINDS = _ENTRY_KINDS | {"memmap_header", "live_header"}
BLOCK_NEUTRAL_KINDS = frozenset({"kexec_cmd", "firmware", "none", "unparsed"})


_tnew = tuple.__new__


def fast_entry(addr: int, size: int, type: int, raw_type: str, ref: SourceRef) -> E820Entry:
    """``E820Entry(addr, size, type, raw_type, ref)`` without the checks of ``__new__``."""
    return _tnew(E820Entry, (addr, size, type, raw_type, ref.path, ref.line))


#: enum members read for every block, as plain globals (an Enum class attribute costs
#: ~0.1 us a read on Python 3.11)
_ERA_A, _ERA_B, _ERA_C, _ERA_D = Era.A, Era.B, Era.C, Era.D
#: blocks that are no kernel's e820 printout: no print era
_MEMMAP_KINDS = (TableKind.KEXEC_FILE_MEMMAP, TableKind.KEXEC_TOOLS_MEMMAP, TableKind.HYPERVISOR)


@dataclass(slots=True)
class BlockAcc:
    """A table block being read."""

    kind: TableKind
    who: str
    header: str | None
    first_ref: SourceRef
    last_ref: SourceRef
    prefixed: bool = False
    entries: list[E820Entry] = field(default_factory=list)
    gaps: list[tuple[int, int]] = field(default_factory=list)
    eras: set[Era] = field(default_factory=set)
    complete: bool = True
    notes: list[str] = field(default_factory=list)

    def cut(self, note: str) -> None:
        self.complete = False
        if note not in self.notes:
            self.notes.append(note)

    def freeze(self, kver: KernelVersion | None) -> E820Table:
        eras = self.eras
        if _ERA_A in eras:
            era: Era | None = _ERA_A
        elif _ERA_D in eras or self.gaps:
            era = _ERA_D
        elif self.kind in _MEMMAP_KINDS:
            era = None
        elif self.prefixed:
            era = _ERA_B
        elif kver is not None:
            era = kver.print_era
        else:
            era = _ERA_C if self.entries else None
        return E820Table(  # its fields, in order
            self.kind,
            self.who,
            tuple(self.entries),
            era,
            self.header,
            self.first_ref,
            self.last_ref,
            self.complete,
            tuple(self.notes),
            tuple(self.gaps),
        )


@dataclass(slots=True)
class BootBuilder:
    """Everything read so far for one boot."""

    source: str
    first_line: int
    last_line: int
    after_kexec: bool = False
    #: the boot was started by an explicit marker (journal reboot separator, kexec):
    #: it is a Boot of its own even when none of its lines is recognised.
    explicit_start: bool = False
    #: the kexec command line seen on the console before this boot (``kexec -s -l ...``)
    prev_kexec_cmd: str | None = None
    #: firmware / boot loader output seen before this boot's banner (grammars/boot.lark
    #: firmware_marker): (what printed it, the line, where) for each line, in order
    firmware: tuple[tuple[str, str, SourceRef], ...] | None = None
    linux_version: str | None = None
    release: str | None = None
    arch_cmdline: str | None = None
    kernel_cmdline: str | None = None
    tables: list[E820Table] = field(default_factory=list)
    block: BlockAcc | None = None
    pending_header: tuple[str, bool, SourceRef, str] | None = None
    ops: list[RangeOp] = field(default_factory=list)
    last_pfn: list[LastPfn] = field(default_factory=list)
    memory: MemoryLine | None = None
    initmem: list[NodeRange] = field(default_factory=list)
    node_data: list[NodeRange] = field(default_factory=list)
    early_node_ranges: list[NodeRange] = field(default_factory=list)
    zones: list[NodeRange] = field(default_factory=list)
    efi_mem: list[EfiMemDesc] = field(default_factory=list)
    events: list[LogEvent] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    #: recognised non-entry lines seen since the last table block opened
    lines_after_last_block: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    not_x86: str | None = None
    _kernel: KernelVersion | None = None
    _kernel_for: str | None = None

    @property
    def has_content(self) -> bool:
        """True once the boot holds something worth a Boot record of its own."""
        return bool(
            self.linux_version
            or self.tables
            or self.block
            or self.last_pfn
            or self.memory
            or any(e.kind in ("panic", "oom", "crash") for e in self.events)
        )

    @property
    def kernel(self) -> KernelVersion | None:
        if self._kernel_for != self.release:
            self._kernel = KernelVersion.try_parse(self.release)
            self._kernel_for = self.release
        return self._kernel

    # -- blocks --------------------------------------------------------------------
    def close_block(self) -> None:
        blk = self.block
        if blk is not None:
            if not rising(blk.entries, 0):  # a paste that repeats entries (.requote)
                merge_requoted(blk.who, blk.entries, self.warnings)
            self.tables.append(blk.freeze(self.kernel))
            self.block = None

    def _open_block(self, who: str, ref: SourceRef) -> BlockAcc:
        kind = WHO_KIND[who]
        header = None
        prefixed = False
        if self.pending_header is not None:
            word, prefixed, _href, text = self.pending_header
            if kind in HEADER_KINDS.get(word, ()):
                header = text
            self.pending_header = None
        self.block = BlockAcc(kind, who, header, ref, ref, prefixed, [], [], set(), True, [])
        self.lines_after_last_block = 0
        return self.block

    def _block_for(self, who: str, ref: SourceRef) -> BlockAcc:
        if self.block is not None and self.block.who == who:
            self.block.last_ref = ref
            return self.block
        self.close_block()
        return self._open_block(who, ref)

    # -- facts ---------------------------------------------------------------------
    def add_records(self, records: Iterable[tuple[int, object]]) -> None:
        """Lines of :data:`RECORD_KINDS` (their :func:`record_of`, in line order)."""
        self.close_block()
        lists = self.record_lists()
        n = 0
        for k, rec in records:
            lists[k].append(rec)
            n += 1
        self.lines_after_last_block += n

    def add_entries(
        self,
        who: str,
        entries: Iterable[E820Entry],
        first: SourceRef,
        last: SourceRef,
        eras: Iterable[Era],
    ) -> None:
        """Plain entry lines of ``who``'s block, printed from ``first`` to ``last``: the
        open block when it is ``who``'s, else a new one."""
        blk = self._block_for(who, first)
        blk.entries.extend(entries)
        blk.eras.update(eras)
        blk.last_ref = last

    def add(self, fact: LineFact, ref: SourceRef, text: str) -> None:
        kind = fact.kind
        if kind in RECORD_KINDS:
            self.add_records((cast(tuple[int, object], record_of(fact, ref, text)),))
            return
        if kind not in _ENTRY_KINDS:
            self.close_block()
            if kind != "header":
                self.lines_after_last_block += 1
        if kind == "header":
            self.pending_header = cast(tuple[str, bool, SourceRef, str], header_of(fact, ref, text))
        elif kind == "entry":
            self._entry(fact, ref)
        elif kind == "gap":
            blk = self._block_for(fact.who, ref)
            blk.gaps.append((fact.addr, fact.addr + fact.size - 1))
            blk.eras.add(Era.D)
        elif kind == "fw_bug_order":
            self.events.append(LogEvent("out_of_order", fact.raw, (), ref))
            if self.block is not None:
                self.block.notes.append(f"{ref}: [Firmware Bug]: out of order E820 entry!")
        elif kind == "memmap_header":
            self.pending_header = None
            self._open_block(fact.who, ref).header = text.strip()
        elif kind == "memmap_entry":
            if fact.who == "kexec-tools" and (
                self.block is None or self.block.kind is not TableKind.KEXEC_TOOLS_MEMMAP
            ):
                return  # a bare "start-end (type)" line outside a kexec-tools -d map
            blk = self._block_for(fact.who, ref)
            blk.entries.append(
                E820Entry(fact.addr, fact.size, fact.type or 0, f"({fact.type})", ref)
            )
        elif kind == "live_header":
            self.close_block()
            self.pending_header = None
            blk = self._open_block(fact.who, ref)
            blk.header = text.strip()
        else:
            self._other(fact, ref, text)

    def _entry(self, fact: LineFact, ref: SourceRef) -> None:
        if fact.problem:
            blk = self._block_for(fact.who, ref)
            if fact.era is not None:
                blk.eras.add(fact.era)
            blk.cut(f"{ref}: {fact.problem}")
            self.warnings.append(
                ParseWarning(
                    ref,
                    f"{fact.who} entry not usable: {fact.problem}; the map is marked cut off",
                    "get the log from the machine itself (journalctl -k, /var/log/dmesg)",
                )
            )
            return
        if fact.note:
            self.warnings.append(ParseWarning(ref, fact.note, severity=Severity.INFO))
        assert fact.type is not None
        entry = fast_entry(fact.addr, fact.size, fact.type, fact.raw, ref)
        self.add_entries(fact.who, (entry,), ref, ref, () if fact.era is None else (fact.era,))

    def unparsed(self, ref: SourceRef, text: str) -> None:
        """A line with an anchor that the grammar did not accept: it cuts the open block
        when it looks like one of its entries (:func:`may_cut_a_block` says whether it
        can cut any block at all)."""
        blk = self.block
        if blk is None:
            return
        s = text.strip()
        if not (s.startswith(blk.who) or may_cut_any_block(s)):
            return
        blk.cut(f"{ref}: unreadable line inside the block")
        self.warnings.append(
            ParseWarning(
                ref,
                f"unreadable line inside the {blk.who} block: {s[:80]!r}; "
                "the block is marked incomplete",
                "check the capture for line wrapping or editing",
            )
        )

    def record_lists(self) -> tuple[list[Any], ...]:
        """The lists :func:`record_of` indexes: ops, last_pfn, initmem, node_data,
        early_node_ranges, zones, efi_mem, events."""
        return (
            self.ops,
            self.last_pfn,
            self.initmem,
            self.node_data,
            self.early_node_ranges,
            self.zones,
            self.efi_mem,
            self.events,
        )

    def _other(self, fact: LineFact, ref: SourceRef, text: str) -> None:
        kind = fact.kind
        if kind == "table_full":
            self.ops.append(RangeOp(OpKind.TABLE_FULL, fact.addr, fact.size, None, None, ref))
            self.events.append(LogEvent("table_full", fact.raw, (fact.addr, fact.size), ref))
        elif kind in ("memory", "command_line"):
            name, value = cast(tuple[str, object], first_of(fact, ref))
            if getattr(self, name) is None:
                setattr(self, name, value)
        elif kind == "linux_version":
            self.linux_version = fact.raw
            self.release = fact.who
        elif kind in ("kexec_start", "oom", "panic"):
            self.events.append(LogEvent(kind, fact.raw, fact.nums, ref))
        elif kind == "not_x86":
            self.not_x86 = self.not_x86 or f"{ref}: {fact.raw}"


def may_cut_a_block(text: str) -> bool:
    """Whether an unparsed line could cut some block (see :meth:`BootBuilder.unparsed`)."""
    s = text.strip()
    return may_cut_any_block(s) or s.startswith(_WHO_TEXTS)


#: every block's "who", longest first
_WHO_TEXTS = tuple(sorted(WHO_KIND, key=len, reverse=True))


def new_builder(
    source: str,
    line: int,
    after_kexec: bool,
    explicit_start: bool,
    prev_kexec_cmd: str | None,
    firmware: tuple[tuple[str, str, SourceRef], ...] | None,
) -> BootBuilder:
    """``BootBuilder(source, line, line, after_kexec, explicit_start, prev_kexec_cmd,
    firmware)``, every other field at its default (one per boot of a capture)."""
    b = BootBuilder(
        source,
        line,
        line,
        after_kexec,
        explicit_start,
        prev_kexec_cmd,
        firmware,
        None,  # linux_version
        None,  # release
        None,  # arch_cmdline
        None,  # kernel_cmdline
        [],  # tables
        None,  # block
        None,  # pending_header
        [],  # ops
        [],  # last_pfn
        None,  # memory
        [],  # initmem
        [],  # node_data
        [],  # early_node_ranges
        [],  # zones
        [],  # efi_mem
        [],  # events
        [],  # warnings
        0,  # lines_after_last_block
        None,  # first_ts
        None,  # last_ts
        None,  # not_x86
        None,  # _kernel
        None,  # _kernel_for
    )
    return b
