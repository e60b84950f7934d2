"""Assemble the facts of lines (:mod:`.facts`) into the parts of one boot.

One :class:`BootBuilder` per boot collects table blocks (in print order), range
operations and the mm/EFI/boot lines; :class:`~e820scope.parse.splitter.Splitter`
decides where one boot ends and the next begins (``Linux version``, ``Starting new
kernel``, timestamps restarting at 0, the container's own boot separators) and
:func:`~e820scope.parse.finish.finish` turns a builder into a Boot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

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
from .block import BlockAcc, fast_entry
from .facts import (
    BannerFact,
    CmdlineFact,
    EntryFact,
    Fact,
    FirmwareFact,
    FwBugOrderFact,
    GapFact,
    HeaderFact,
    KexecCmdFact,
    KexecStartFact,
    LiveHeaderFact,
    MemmapEntryFact,
    MemmapHeaderFact,
    MemoryFact,
    Nothing,
    NotX86Fact,
    OomFact,
    PanicFact,
    TableFullFact,
    Unparsed,
)
from .line_records import RECORDS, first_of, header_of, may_cut_any_block
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
_ENTRY_FACTS: frozenset[type[Fact]] = frozenset(
    {EntryFact, GapFact, FwBugOrderFact, MemmapEntryFact}
)
#: Classes of fact whose line may open or extend a table block: the entries and the
#: headers that open a block themselves. The lines of :data:`BLOCK_NEUTRAL_FACTS` leave
#: an open block as it is (the splitter reads them without :meth:`BootBuilder.add`);
#: every other line closes it.
BLOCK_OPENING_FACTS = _ENTRY_FACTS | {MemmapHeaderFact, LiveHeaderFact}
BLOCK_NEUTRAL_FACTS: frozenset[type[Fact]] = frozenset(
    {KexecCmdFact, FirmwareFact, Nothing, Unparsed}
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
        """Lines whose fact adds one record (:data:`~.line_records.RECORDS`: what each
        adds, in line order)."""
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

    def add(self, fact: Fact, ref: SourceRef, text: str) -> None:
        """A line read on its own (:meth:`~.splitter.Splitter.line`): a record
        (:data:`~.line_records.RECORDS`), else what :data:`_ACTS` says for its class."""
        cls = type(fact)
        record = RECORDS.get(cls)
        if record is not None:
            self.add_records((record(fact, ref, text),))
            return
        if cls not in _ENTRY_FACTS:
            self.close_block()
            if cls is not HeaderFact:
                self.lines_after_last_block += 1
        act = _ACTS.get(cls)
        if act is not None:
            act(self, fact, ref, text)

    # -- what a line of each class does (``text``: the line as the log holds it) ----------
    def _header(self, fact: HeaderFact, ref: SourceRef, text: str) -> None:
        self.pending_header = header_of(fact, ref, text)

    def _gap(self, fact: GapFact, ref: SourceRef, text: str) -> None:
        blk = self._block_for(fact.who, ref)
        blk.gaps.append((fact.addr, fact.addr + fact.size - 1))
        blk.eras.add(Era.D)

    def _fw_bug_order(self, fact: FwBugOrderFact, ref: SourceRef, text: str) -> None:
        self.events.append(LogEvent(fact.event, fact.text, (), ref))
        if self.block is not None:
            self.block.notes.append(f"{ref}: [Firmware Bug]: out of order E820 entry!")

    def _memmap_header(self, fact: MemmapHeaderFact, ref: SourceRef, text: str) -> None:
        self.pending_header = None
        self._open_block(fact.who, ref).header = text.strip()

    def _memmap_entry(self, fact: MemmapEntryFact, ref: SourceRef, text: str) -> None:
        if fact.who == "kexec-tools" and (
            self.block is None or self.block.kind is not TableKind.KEXEC_TOOLS_MEMMAP
        ):
            return  # a bare "start-end (type)" line outside a kexec-tools -d map
        blk = self._block_for(fact.who, ref)
        blk.entries.append(E820Entry(fact.addr, fact.size, fact.type or 0, f"({fact.type})", ref))

    def _live_header(self, fact: LiveHeaderFact, ref: SourceRef, text: str) -> None:
        self.close_block()
        self.pending_header = None
        self._open_block(fact.who, ref).header = text.strip()

    def _table_full(self, fact: TableFullFact, ref: SourceRef, text: str) -> None:
        self.ops.append(RangeOp(OpKind.TABLE_FULL, fact.addr, fact.size, None, None, ref))
        self.events.append(LogEvent("table_full", fact.text, (fact.addr, fact.size), ref))

    def _first(self, fact: MemoryFact | CmdlineFact, ref: SourceRef, text: str) -> None:
        name, value = first_of(fact, ref)
        if getattr(self, name) is None:
            setattr(self, name, value)

    def _banner(self, fact: BannerFact, ref: SourceRef, text: str) -> None:
        self.linux_version = fact.text
        self.release = fact.release

    def _event(self, fact: KexecStartFact | OomFact | PanicFact, ref: SourceRef, text: str) -> None:
        self.events.append(LogEvent(fact.event, fact.text, (), ref))

    def _not_x86(self, fact: NotX86Fact, ref: SourceRef, text: str) -> None:
        self.not_x86 = self.not_x86 or f"{ref}: {fact.text}"

    def _entry(self, fact: EntryFact, ref: SourceRef, text: str) -> None:
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
        entry = fast_entry(fact.addr, fact.size, fact.type, fact.raw_type, ref)
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
        """The lists :data:`~.line_records.RECORDS` indexes: ops, last_pfn, initmem, node_data,
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


#: What a line of each class that adds no record does to its boot, after the open block
#: was closed (any but an entry's), for :meth:`BootBuilder.add`; a class without a row
#: (``Zone ranges:``...) only closes the block.
_ACTS: dict[type[Fact], Callable[[BootBuilder, Any, SourceRef, str], None]] = {
    HeaderFact: BootBuilder._header,
    EntryFact: BootBuilder._entry,
    GapFact: BootBuilder._gap,
    FwBugOrderFact: BootBuilder._fw_bug_order,
    MemmapHeaderFact: BootBuilder._memmap_header,
    MemmapEntryFact: BootBuilder._memmap_entry,
    LiveHeaderFact: BootBuilder._live_header,
    TableFullFact: BootBuilder._table_full,
    MemoryFact: BootBuilder._first,
    CmdlineFact: BootBuilder._first,
    BannerFact: BootBuilder._banner,
    KexecStartFact: BootBuilder._event,
    OomFact: BootBuilder._event,
    PanicFact: BootBuilder._event,
    NotX86Fact: BootBuilder._not_x86,
}


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
