"""Whether a boot's e820 maps are whole, as far as the log shows (docs/completeness.md).

The rule: a map is ``present`` only when the log shows that the kernel went on past
it, i.e. a later line of the same boot that the kernel prints after the map (another
table block, ``e820: update``, ``last_pfn``, ``DMI:``, ``Memory:``, ``Starting new
kernel``...). Otherwise the map is ``cut_off`` (the input, a ``head`` or the paste ends
there; lines that are no kernel lines follow; the next boot starts) or, when the log is
``grep`` output, ``filtered``: every line of the boot's part holds an anchor and none of
the kernel lines printed between them is there. A filtered log keeps what its filter
word matched: a block whose every line carries the word (``BIOS-e820`` for ``e820``) is
still whole, the others are not, and the reason says which is which.

Blocks visibly shorter than the kernel prints them are cut whatever follows: a
``reserve setup_data`` / ``extended`` block reprints the whole table, so it reaches the
firmware map's top, and it only splits the firmware map's ranges, so a firmware map
that lacks some of its addresses lost lines.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import compress
from operator import add, itemgetter

from ..model.records import Completeness, E820Table, MapStatus, TableKind
from ..model.types import USABLE_TYPES_UP_TO_6_14
from .builder import BootBuilder
from .coverage import Seen

_HANDOFF_KINDS = (TableKind.KEXEC_FILE_MEMMAP, TableKind.KEXEC_TOOLS_MEMMAP)
_FIRMWARE = TableKind.FIRMWARE
_SETUP_DATA = TableKind.SETUP_DATA
_HYPERVISOR = TableKind.HYPERVISOR
#: Blocks that reprint the whole working table (setup_data splits or SETUP_E820_EXT
#: additions), so they reach at least as high as the firmware map.
_WHOLE_TABLE_KINDS = (_SETUP_DATA, TableKind.EXTENDED)
_ABSENT, _CUT_OFF, _PRESENT, _FILTERED = (
    MapStatus.ABSENT,
    MapStatus.CUT_OFF,
    MapStatus.PRESENT,
    MapStatus.FILTERED,
)
#: The words a filtered e820 log is most often grepped for, most specific first.
FILTER_WORDS = ("bios-e820", "setup_data", "e820", "[mem", "usable", "reserved", "ram", "mem")
#: Fewest physical lines a boot's part needs before it is judged grep output.
FILTER_MIN_LINES = 3

_ADDR = itemgetter(0)  # E820Entry is a tuple (addr, size, type, ...)
_SIZE = itemgetter(1)
_TYPE = itemgetter(2)
_SPACES = re.compile(r"\s+")

#: bounds of tables already measured while one boot is finished, by ``id(t.entries)``
#: (a table cut by :func:`mark_cut` keeps its entries tuple, and it stays alive)
Memo = dict[int, tuple[int, "int | None", int]]


def bounds(t: E820Table, memo: Memo | None = None) -> tuple[int, int | None, int]:
    """(top, first RAM address, RAM top) of ``t``: the largest ``addr + size`` (0 for no
    entries), the lowest ``addr`` of a RAM entry (types 1 and 128; None for no RAM)
    and the largest ``addr + size`` of a RAM entry (0 for no RAM)."""
    entries = t.entries
    if memo is not None:
        got = memo.get(id(entries))
        if got is None:
            got = memo[id(entries)] = bounds(t)
        return got
    ends = list(map(add, map(_ADDR, entries), map(_SIZE, entries)))
    ram = list(map(USABLE_TYPES_UP_TO_6_14.__contains__, map(_TYPE, entries)))
    return (
        max(ends, default=0),
        min(compress(map(_ADDR, entries), ram), default=None),
        max(compress(ends, ram), default=0),
    )


def mark_cut(t: E820Table, note: str) -> E820Table:
    """``t`` marked incomplete, with ``note`` saying where and why."""
    return replace(t, complete=False, notes=(*t.notes, note))


def _spans(t: E820Table) -> list[tuple[int, int]]:
    """The addresses ``t``'s entries cover, as sorted, merged ``[lo, hi)`` spans."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(
        zip(
            map(_ADDR, t.entries),
            map(add, map(_ADDR, t.entries), map(_SIZE, t.entries)),
            strict=True,
        )
    ):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        elif hi > lo:
            out.append((lo, hi))
    return out


def _uncovered(t: E820Table, by: E820Table) -> int:
    """Bytes that ``t``'s entries cover and ``by``'s do not (a sweep over both maps'
    merged spans; equal spans, the usual case, cost one comparison)."""
    ours, other = t.entries, by.entries
    if ours[0][0] == other[0][0] and sum(map(_SIZE, ours)) == sum(map(_SIZE, other)):
        return 0  # the usual case: the same bytes from the same start, split finer
    mine, theirs = _spans(t), _spans(by)
    if mine == theirs:
        return 0
    missing, k = 0, 0
    for lo, hi in mine:
        while k < len(theirs) and theirs[k][1] <= lo:
            k += 1
        j = k
        while lo < hi:
            if j >= len(theirs) or theirs[j][0] >= hi:
                missing += hi - lo
                break
            a, b = theirs[j]
            if a > lo:
                missing += a - lo
            lo = max(lo, b)
            j += 1
    return missing


def _visible_cuts(tables: list[E820Table], memo: Memo) -> list[E820Table]:
    """Mark blocks that are visibly shorter than the kernel prints them (see the module
    docstring)."""
    fw_at = next((i for i, t in enumerate(tables) if t.kind is _FIRMWARE and t.entries), None)
    if fw_at is None:
        return tables
    fw = tables[fw_at]
    fw_top = bounds(fw, memo)[0]
    out = list(tables)
    for i, t in enumerate(tables):
        if not (t.complete and t.kind in _WHOLE_TABLE_KINDS and t.entries):
            continue
        tail = t.entries[-1]
        if tail.addr + tail.size < fw_top and (top := bounds(t)[0]) < fw_top:
            out[i] = mark_cut(
                t,
                f"{t.last_ref}: ends at {top:#x} but the firmware map reaches {fw_top:#x}; "
                "this block reprints the whole table, so its end is missing",
            )
        elif t.kind is _SETUP_DATA and out[fw_at].complete:
            lost = _uncovered(t, fw)
            if lost:
                out[fw_at] = mark_cut(
                    out[fw_at],
                    f"{fw.first_ref}: the '{t.who}' block at {t.first_ref} covers {lost:#x} "
                    f"bytes that this map lacks, and it only splits the firmware map's "
                    f"ranges: lines of the firmware map are missing ({len(t)} entries "
                    f"there, {len(fw)} here); read that block instead",
                )
    return out


def _short_of_last_pfn(b: BootBuilder, tables: list[E820Table], memo: Memo) -> list[E820Table]:
    """In a filtered log, mark the firmware map cut when the first ``last_pfn`` (the end
    of RAM, from e820__end_of_ram_pfn()) lies above every RAM entry of every map: RAM
    lines are missing. (Not in a whole log: a kernel whose image is not in an E820 RAM
    range adds it unprinted, ``.text .data .bss are not marked as E820_TYPE_RAM!``, and
    a cut-off kexec hand-off shows the same.)"""
    if not b.last_pfn:
        return tables
    ram_top = max((bounds(t, memo)[2] for t in tables if t.kind not in _HANDOFF_KINDS), default=0)
    end = b.last_pfn[0].last_pfn << 12
    fw_at = next((i for i, t in enumerate(tables) if t.kind is _FIRMWARE and t.entries), None)
    if fw_at is None or end <= ram_top or b.last_pfn[0].last_pfn >= b.last_pfn[0].max_arch_pfn:
        return tables
    out = list(tables)
    out[fw_at] = mark_cut(
        tables[fw_at],
        f"{b.last_pfn[0].ref}: last_pfn says RAM ends at {end:#x}, but the map's RAM ends at "
        f"{ram_top:#x}: RAM lines of the map are missing",
    )
    return out


#: words of the notes of a block cut at its end (:func:`_why_cut`, :func:`_visible_cuts`)
_END_CUT_MARKS = ("no kernel line after the", "so its end is missing")


def cut_at_end(t: E820Table) -> bool:
    """Whether ``t`` is incomplete only because its end is missing (everything below its
    last entry's end is shown), not because lines inside it are gone."""
    return not t.complete and all(any(m in n for m in _END_CUT_MARKS) for n in t.notes)


#: A map the kernel prints starts at the bottom of memory: the BIOS map at 0, a kexec
#: hand-off at 0x100 or 0x1000, setup_data and user maps reprint the whole table. A first
#: entry this high (at or above the 640 KiB legacy hole, where no map starts), with no
#: header in front of it, is an excerpt that starts inside it (nixpkgs#509254: at 0xf0000).
START_CUT_FLOOR = 0xA0000


def _start_cut(b: BootBuilder, tables: list[E820Table], e820: list[int]) -> list[E820Table]:
    """Mark the first map of a boot whose part of the log has no banner and no map header
    when its lowest entry lies at or above :data:`START_CUT_FLOOR`: the lines before it
    are not in the log."""
    if b.linux_version is not None or not e820:
        return tables
    t = tables[e820[0]]
    if t.header is not None or not t.entries or t.kind is TableKind.HYPERVISOR:
        return tables
    low = min(e.addr for e in t.entries)
    if low < START_CUT_FLOOR:
        return tables
    out = list(tables)
    out[e820[0]] = mark_cut(
        t,
        f"{t.first_ref}: the '{t.who}' map starts at {low:#x} with no header before it: "
        "the log starts inside the map (an excerpt), so the entries below are not shown",
    )
    return out


#: a header that announces its entry count: SeaBIOS "e820 map has 8 items:"
_ANNOUNCED = re.compile(r"\bhas (\d+) items:")


def _short_of_count(tables: list[E820Table]) -> list[E820Table]:
    """Mark a block whose header announced more entries than the log holds."""
    out = list(tables)
    for i, t in enumerate(tables):
        m = _ANNOUNCED.search(t.header or "")
        if m and t.complete and len(t.entries) < int(m.group(1)):
            n = m.group(1)
            out[i] = mark_cut(t, f"{t.last_ref}: {len(t.entries)} of the {n} entries it announces")
    return out


def _went_on(b: BootBuilder, tables: list[E820Table], i: int, seen: Seen) -> bool:
    """The kernel printed a line after table ``i``: another block, a recognised line of
    another kind after the last block, or a line with a printk time. Xen's own console
    has no printk times: after a hypervisor map any later line of its part of the log
    (``(XEN) ACPI: ...``) counts."""
    if i < len(tables) - 1 or b.lines_after_last_block > 0:
        return True
    last = tables[i].last_ref
    if tables[i].kind is _HYPERVISOR and last is not None:
        return b.last_line > last.line or seen.bare_after(last.line) > 0
    return last is not None and seen.stamped_after(last.line) > 0


def _why_cut(b: BootBuilder, t: E820Table, ended_by: str, seen: Seen) -> str:
    """Where and why the last map of a boot is not known to be whole."""
    end = t.last_ref.line if t.last_ref is not None else b.last_line
    head = f"{t.last_ref}: no kernel line after the '{t.who}' map"
    if ended_by == "next_boot":
        return (
            f"{head}: the next boot starts after line {b.last_line}, so this boot's part of "
            "the log stops at or inside its map (the map may go on)"
        )
    if b.last_line <= end and seen.bare_after(end) == 0:
        return (
            f"{head}: the input ends on its last line ({end}): the end of the file, of a "
            "'head' or of a pasted excerpt, so the map may go on"
        )
    if b.last_line <= end:
        return (
            f"{head}: only lines the kernel does not print after a map follow it (the "
            "paste's own text, another command's output), so the map may go on"
        )
    return (
        f"{head}: lines {end + 1}-{b.last_line} hold none the kernel prints after a map "
        "(another command's output, a shell prompt or the paste's own text), so the map may "
        "go on"
    )


def _texts(b: BootBuilder, tables: list[E820Table]) -> list[str]:
    """The lines of a boot whose whole text is known (lower-case, spaces squeezed):
    headers, table entries (who, range form and printed type), the banner."""
    out: list[str] = []
    for t in tables:
        if t.header:
            out.append(t.header)
        mem = "[mem " if t.era is not None and t.era.value != "A" else ""
        out.extend({f"{t.who}: {mem}{e.raw_type}" for e in t.entries})
    if b.linux_version:
        out.append(b.linux_version)
    return [_SPACES.sub(" ", s.lower()) for s in out]


def _line_start(t: E820Table) -> str:
    """What every entry line of ``t`` starts with (lower-case): its who-prefix, and the
    ``[mem`` of the bracket eras."""
    mem = " [mem" if t.era is not None and t.era.value != "A" else ""
    return f"{t.who}:{mem}".lower()


def filter_word(texts: list[str]) -> str | None:
    """The first of :data:`FILTER_WORDS` that every text holds (None: none does).

    >>> filter_word(["bios-e820: [mem usable", "e820: bios-provided physical ram map:"])
    'e820'
    >>> filter_word(["bios-e820: [mem usable", "linux version 6.1.0"]) is None
    True
    """
    if not texts:
        return None
    return next((w for w in FILTER_WORDS if all(w in s for s in texts)), None)


def _survivors(b: BootBuilder, tables: list[E820Table]) -> list[str]:
    """What a filtered boot's part still holds, line kind by line kind."""
    out = [f"{len(t)} '{t.who}' entries" for t in tables]
    for label, n in (
        ("e820 update/remove", len(b.ops)),
        ("last_pfn", len(b.last_pfn)),
        ("Memory:", int(b.memory is not None)),
        ("Linux version", int(b.linux_version is not None)),
    ):
        if n:
            out.append(f"{n} {label} line{'s' if n != 1 else ''}")
    kinds = sorted({e.kind for e in b.events})
    out.extend(f"{sum(e.kind == k for e in b.events)} {k} line(s)" for k in kinds)
    return out


def _filtered(
    b: BootBuilder, tables: list[E820Table], bare: int | None, memo: Memo
) -> tuple[list[E820Table], str] | None:
    """The tables and the reason when the boot's part of the log is grep output: no bare
    kernel line among at least :data:`FILTER_MIN_LINES` lines, lines of more than one
    kind (a bare map excerpt is judged by the usual rule), and a filter word that every
    line whose text is known carries (a ``head`` of a dmesg keeps the banner and the
    map header, which share none). None: not filtered."""
    if bare != 0 or b.last_line - b.first_line + 1 < FILTER_MIN_LINES:
        return None
    survive = _survivors(b, tables)
    word = filter_word(_texts(b, tables))
    if len(survive) < 2 or word is None:
        return None
    tables = _short_of_last_pfn(b, tables, memo)
    out: list[E820Table] = []
    derived: list[str] = []
    for t in tables:
        if word in _line_start(t) and t.complete:
            derived.append(f"the '{t.who}' map is whole (each of its lines carries {word!r})")
        elif t.complete:
            why = f"only lines with {word!r} are left" if word else "the filter word is not known"
            t = mark_cut(
                t,
                f"{t.first_ref}: the log is filtered and {why}: entries of this block without "
                "it are gone",
            )
        out.append(t)
    reason = (
        f"the log is filtered (grep output): lines {b.first_line}-{b.last_line} all hold "
        f"e820scope's anchors and none of the kernel lines printed between them is there; "
        f"every line read carries {word!r}. Left: {', '.join(survive)}"
    )
    if derived:
        reason += "; " + "; ".join(derived)
    cut = [t for t in out if not t.complete and t.kind not in _HANDOFF_KINDS]
    if cut:
        reason += "; cut: " + "; ".join(t.notes[-1] for t in cut)
    return out, reason


def judge(
    b: BootBuilder, tables: list[E820Table], ended_by: str, seen: Seen, memo: Memo
) -> tuple[list[E820Table], Completeness]:
    """The tables of a boot (cut ones marked) and its completeness; ``seen``: what the
    container layer saw of the boot's lines beyond the anchored ones."""
    mid = b.linux_version is None
    e820 = [i for i, t in enumerate(tables) if t.kind not in _HANDOFF_KINDS]
    if not e820:
        return tables, Completeness(_ABSENT, _absent_reason(b, mid), mid)
    tables = _short_of_count(_start_cut(b, _visible_cuts(tables, memo), e820))
    got = _filtered(b, tables, seen.bare, memo)
    if got is not None:
        # (no "went on" test: the filter took the kernel's later lines away; a block
        # every line of which carries the filter word is whole as far as grep kept it)
        return got[0], Completeness(_FILTERED, got[1], mid)
    last = e820[-1]
    if tables[last].complete and not _went_on(b, tables, last, seen):
        tables[last] = mark_cut(tables[last], _why_cut(b, tables[last], ended_by, seen))
    cut = [tables[i] for i in e820 if not tables[i].complete]
    if cut:
        t = cut[0]
        why = t.notes[0] if t.notes else "block visibly incomplete"
        return tables, Completeness(_CUT_OFF, f"{t.who} block cut off: {why}", mid)
    if not any(tables[i].kind is _FIRMWARE for i in e820):
        kinds = ", ".join(sorted({tables[i].who for i in e820}))
        if b.linux_version is not None and all(tables[i].kind is _HYPERVISOR for i in e820):
            return tables, Completeness(
                _CUT_OFF,
                f"the kernel's own map is missing: only what started it printed one ({kinds}); "
                "this boot's part of the log has the kernel's banner but none of its map lines",
                mid,
            )
        return tables, Completeness(
            _PRESENT, f"no BIOS-provided map, only later tables ({kinds})", mid
        )
    return tables, Completeness(_PRESENT, "", mid)


def _absent_reason(b: BootBuilder, mid: bool) -> str:
    if mid and b.explicit_start:
        return (
            "no e820 map: the container marks a new boot here, but this part of the log "
            "holds no boot-time kernel lines (an excerpt or a filtered journal)"
        )
    if mid:
        return (
            "no e820 map: this part of the log starts after the map was printed "
            "(ring buffer wrapped, or an excerpt)"
        )
    return "no e820 map lines in this boot (an excerpt, or a console with a quiet loglevel)"
