"""Compare the e820 maps of two boots the way a kernel engineer would.

:func:`diff_boots` picks the map of each boot (``firmware``: what the kernel received,
``BIOS-provided physical RAM map`` plus ``extended`` entries; ``final``: the last
e820_table printout), gives hidden type-128 pieces their true type
(:mod:`.hidden`), aligns the maps by address ranges (:mod:`.align`), relabels entries
lost past slot 128 of the previous kernel's kexec table (:mod:`.handoff_model`), sums
bytes per type, and puts the boot-level numbers (``last_pfn``, ``Initmem``, ``Memory:``)
side by side. :mod:`.verdict` then explains the result in words.

Bytes are ``int``; ranges ``[addr, end)``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from ..errors import NoMapError
from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
from ..model.kversion import ram_types
from ..model.records import Boot, E820Entry, E820Table, MapStatus, StartMethod
from ..model.types import E820Type
from .align import Change, ChangeKind, align
from .handoff_model import HandoffCheck, check_kexec_file_handoff
from .hidden import HiddenReport, boot_hidden, received_table, resolve
from .identity import UNTOLD, MachineVerdict, printed_twice, same_machine
from .known import ALL, Known, both, clip_sum, known_of, relabel, stops_before
from .units import describe, human_size


class MapKind(str, enum.Enum):
    FIRMWARE = "firmware"
    FINAL = "final"


MAP_NOTES = {
    MapKind.FIRMWARE: (
        "firmware map: the 'BIOS-provided physical RAM map' (with 'extended' entries), i.e. "
        "what each kernel received; for a kexec boot that is the previous kernel's kexec table"
    ),
    MapKind.FINAL: (
        "final map: the last e820_table printout of each boot ('reserve setup_data', "
        "'user', 'modified'...), i.e. e820_table after this kernel's own changes"
    ),
}

#: Start methods after which the received map is a previous kernel's kexec table.
KEXEC_FILE_STARTS = frozenset({StartMethod.KEXEC_FILE_LOAD, StartMethod.KEXEC})


@dataclass(frozen=True)
class TypeBytes:
    type: int
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class Verdict:
    """Plain-words conclusion (``summary`` sentences) and the facts behind it."""

    summary: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class BootDiff:
    """Everything ``e820scope diff`` reports about boot ``a`` → boot ``b``."""

    a: Boot
    b: Boot
    map_kind: MapKind
    a_table: E820Table
    b_table: E820Table
    a_entries: tuple[E820Entry, ...]
    b_entries: tuple[E820Entry, ...]
    changes: tuple[Change, ...]
    bytes_by_type: tuple[TypeBytes, ...]
    usable_before: int
    usable_after: int
    a_hidden: HiddenReport
    b_hidden: HiddenReport
    consecutive: bool
    handoff: HandoffCheck | None
    verdict: Verdict = field(default=Verdict((), ()))
    #: what each side's map shows (a cut side shows nothing past its cut)
    a_known: Known = ALL
    b_known: Known = ALL
    #: identity evidence: one machine or two (:mod:`.identity`)
    machine: MachineVerdict = UNTOLD
    #: why A and B are one boot printed twice (None: they are not)
    twice: str | None = None

    @property
    def identical(self) -> bool:
        """Every entry of both maps is unchanged (nothing unknown either)."""
        return all(c.kind is ChangeKind.UNCHANGED for c in self.changes)

    @property
    def agree(self) -> bool:
        """No change is known: every entry is unchanged or past a side's cut."""
        return all(c.kind in (ChangeKind.UNCHANGED, ChangeKind.UNKNOWN) for c in self.changes)

    @property
    def cuts(self) -> tuple[str, ...]:
        """Where and why each cut side is cut, in words."""
        return tuple(k.cut for k in (self.a_known, self.b_known) if k.cut)

    @property
    def usable_lost(self) -> int:
        """Usable bytes (RAM the kernel hands to memblock) in A but not in B, where both
        maps show them; 0 if B has more, and 0 for two machines (nothing was lost)."""
        if self.machine.same is False:
            return 0
        return max(0, self.usable_before - self.usable_after)

    def of_kind(self, kind: ChangeKind) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind is kind)

    @property
    def map_note(self) -> str:
        return MAP_NOTES[self.map_kind]


def pick_map(boot: Boot, kind: MapKind) -> E820Table:
    """The table compared for ``boot``; raises NoMapError when the log has none."""
    table = received_table(boot) if kind is MapKind.FIRMWARE else boot.final_map
    if table is None or not table.entries:
        raise NoMapError(
            f"{boot.label}: no e820 map in this boot (lines {boot.first_line}-{boot.last_line})",
            hint="pick another boot with FILE#N (see 'e820scope timeline FILE')",
        )
    return table


def is_consecutive(a: Boot, b: Boot) -> bool:
    """B is the boot that A kexec'd into (same capture, next boot, A ended by kexec).

    :func:`diff_boots` also accepts two separate files as consecutive when B's received
    map is exactly A's modelled kexec_file_load hand-off.
    """
    return a.source == b.source and b.index == a.index + 1 and a.ended_by == "kexec"


def _usable(entries: tuple[E820Entry, ...], boot: Boot, known: Known) -> int:
    """Usable bytes of ``entries`` (the RAM types of ``boot``'s kernel) where both sides
    are ``known``."""
    return clip_sum(entries, ram_types(boot.kernel), known)


def _bytes_by_type(
    a: tuple[E820Entry, ...], b: tuple[E820Entry, ...], known: Known
) -> tuple[TypeBytes, ...]:
    """Bytes per type of each side, where both sides are ``known``."""
    types = sorted({e.type for e in (*a, *b)})
    return tuple(TypeBytes(t, clip_sum(a, (t,), known), clip_sum(b, (t,), known)) for t in types)


def _annotate(
    changes: tuple[Change, ...],
    handoff: HandoffCheck | None,
    a_hidden: HiddenReport,
    b_hidden: HiddenReport,
) -> tuple[Change, ...]:
    dropped = (
        {(e.addr, e.size, e.type): i for i, e in enumerate(handoff.dropped)} if handoff else {}
    )
    a_own = {(p.entry.addr, p.entry.size): p for p in a_hidden.own}
    b_hidden_keys = {(p.entry.addr, p.entry.size): p for p in b_hidden.all}
    out: list[Change] = []
    for c in changes:
        notes: list[str] = list(c.notes)
        kind = c.kind
        if kind is ChangeKind.REMOVED and handoff is not None:
            slots = [dropped.get((e.addr, e.size, e.type)) for e in c.before]
            if slots and all(s is not None for s in slots):
                kind = ChangeKind.DROPPED_AT_CAP
                for e, s in zip(c.before, slots, strict=True):
                    assert s is not None
                    notes.append(
                        f"{describe(e)} was slot {E820_MAX_ENTRIES_ZEROPAGE + 1 + s} of "
                        f"{len(handoff.model.entries)} in the previous kernel's kexec table; "
                        f"kexec_file_load passes only {E820_MAX_ENTRIES_ZEROPAGE}"
                    )
        for e in c.after:
            if e.type != E820Type.RESERVED_KERN:
                continue
            p = b_hidden_keys.get((e.addr, e.size))
            own = a_own.get((e.addr, e.size))
            where = f" (printed at {e.ref})" if e.ref else ""
            if own is not None:
                src = (
                    f" printed in A's 'reserve setup_data' block at {own.entry.ref}"
                    if own.entry.ref
                    else ""
                )
                notes.append(
                    f"{describe(e)} is A's own setup_data node{src}: {own.guess}; A reserved it as "
                    "E820_TYPE_RESERVED_KERN in its kexec table and kexec_file_load passed it on"
                )
            elif p is not None:
                notes.append(
                    f"{describe(e)}{where} prints as 'usable' but was not merged with its "
                    f"'usable' neighbour: hidden type 128, {p.guess}"
                )
        changed = kind is not c.kind or len(notes) != len(c.notes)
        out.append(replace(c, kind=kind, notes=tuple(notes)) if changed else c)
    return tuple(out)


def diff_boots(
    a: Boot, b: Boot, *, map_kind: MapKind = MapKind.FIRMWARE, explained: bool = True
) -> BootDiff:
    """Diff boot ``a`` (before) against boot ``b`` (after); ``explained=False`` leaves
    the verdict (the sentences for people) empty, for callers that read only numbers.

    Raises NoMapError if either boot has no map of ``map_kind``.
    """
    from .verdict import explain  # verdict reads BootDiff; import here to keep modules acyclic

    a_table = pick_map(a, map_kind)
    b_table = pick_map(b, map_kind)
    a_entries = resolve(a_table.entries, a.kernel)
    b_entries = resolve(b_table.entries, b.kernel)
    a_hidden = boot_hidden(a)
    b_hidden = boot_hidden(b)
    machine = same_machine(a, b)
    consecutive = is_consecutive(a, b) and machine.same is not False
    handoff = None
    if machine.same is False:
        pass  # two machines: no hand-off from A to B to model
    elif map_kind is MapKind.FIRMWARE and b.start.method not in (
        StartMethod.KEXEC_LOAD,
        StartMethod.KDUMP,
        StartMethod.COLD,
    ):
        if consecutive:
            handoff = check_kexec_file_handoff(a, b)
        elif b.start.method in (StartMethod.KEXEC_FILE_LOAD, StartMethod.KEXEC):
            # Separate files (one per generation): B is A's child when B received exactly
            # the first 128 entries of A's modelled e820_table_kexec.
            check = check_kexec_file_handoff(a, b)
            if check is not None and check.matches:
                handoff, consecutive = check, True
    a_known, b_known = known_of(a, a_table, "A"), known_of(b, b_table, "B")
    if map_kind is MapKind.FINAL and a_table.kind is not b_table.kind:
        # a cut log's last table is not its final map
        if a.completeness.status is not MapStatus.PRESENT:
            a_known = stops_before(a, a_table, "A")
        if b.completeness.status is not MapStatus.PRESENT:
            b_known = stops_before(b, b_table, "B")
    common = both(a_known, b_known)
    changes = _annotate(align(a_entries, b_entries), handoff, a_hidden, b_hidden)
    changes = relabel(changes, a_known, b_known)
    agree = all(c.kind in (ChangeKind.UNCHANGED, ChangeKind.UNKNOWN) for c in changes)
    d = BootDiff(
        a=a,
        b=b,
        map_kind=map_kind,
        a_table=a_table,
        b_table=b_table,
        a_entries=a_entries,
        b_entries=b_entries,
        changes=changes,
        bytes_by_type=_bytes_by_type(a_entries, b_entries, common),
        usable_before=_usable(a_entries, a, common),
        usable_after=_usable(b_entries, b, common),
        a_hidden=a_hidden,
        b_hidden=b_hidden,
        consecutive=consecutive,
        handoff=handoff,
        a_known=a_known,
        b_known=b_known,
        machine=machine,
        twice=printed_twice(a, b, agree=agree, consecutive=consecutive),
    )
    return replace(d, verdict=explain(d)) if explained else d


__all__ = ["BootDiff", "MapKind", "TypeBytes", "Verdict", "diff_boots", "human_size"]
