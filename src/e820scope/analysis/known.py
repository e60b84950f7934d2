"""What a compared map shows for sure, so that a cut never reads as a loss.

A whole map (``complete``) shows the whole address space: an address it does not cover
is a hole. A map cut at its end (the input, a ``head`` or the next boot stops after its
last line; a ``reserve setup_data`` block that stops below the firmware map's top)
shows everything below the end of its last entry: nothing above it is known. A map of
a filtered log, or one with lines lost inside it, shows only the ranges of its own
entries. :func:`known_of` says which; :func:`relabel` makes every change that needs an
address one side does not show ``unknown``; :func:`clip_sum` counts bytes only where
both sides are known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..model.records import Boot, E820Entry, E820Table, MapStatus
from ..parse.completeness import cut_at_end
from .align import Change, ChangeKind

Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Known:
    """The addresses one side shows (``spans``, sorted, ``[lo, hi)``; None: all)."""

    spans: Spans | None
    #: where and why the side is cut, in words (None: whole)
    cut: str | None = None

    def covers(self, lo: int, hi: int) -> bool:
        """Whether every address of ``[lo, hi)`` is known."""
        if self.spans is None:
            return True
        for a, b in self.spans:
            if a <= lo < b:
                if hi <= b:
                    return True
                lo = b
        return lo >= hi


ALL = Known(None)


def _merge(spans: Iterable[tuple[int, int]]) -> Spans:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if hi <= lo:
            continue
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def known_of(boot: Boot, table: E820Table, side: str) -> Known:
    """What ``table`` (the map compared for ``boot``, side ``"A"`` or ``"B"``) shows."""
    if table.complete:
        return ALL
    why = table.notes[-1] if table.notes else "the block is incomplete"
    who = f"{side} ({boot.label})"
    if boot.completeness.status is not MapStatus.FILTERED and cut_at_end(table):
        top = max(e.addr + e.size for e in table.entries)
        return Known(
            ((0, top),),
            f"{who} is cut off above {top:#x}: {why}; what lies above is unknown, not removed",
        )
    return Known(
        _merge((e.addr, e.addr + e.size) for e in table.entries),
        f"{who} shows only the ranges of its own lines: {why}; the rest is unknown",
    )


def stops_before(boot: Boot, table: E820Table, side: str) -> Known:
    """Nothing known of the final map of a side whose log stops before the kernel's
    last table (its last table printed is ``table``, of another kind than the other
    side's)."""
    return Known(
        (),
        f"{side} ({boot.label}) stops before its final map: the last table its log shows is "
        f"the '{table.who}' block ({boot.completeness.status.value}), so its final map is "
        "unknown",
    )


def both(a: Known, b: Known) -> Known:
    """What both sides show."""
    if a.spans is None:
        return b
    if b.spans is None:
        return a
    out: list[tuple[int, int]] = []
    for lo, hi in a.spans:
        for c, d in b.spans:
            x, y = max(lo, c), min(hi, d)
            if x < y:
                out.append((x, y))
    return Known(_merge(out))


def relabel(changes: tuple[Change, ...], a: Known, b: Known) -> tuple[Change, ...]:
    """Changes that rest on an address one side does not show become ``unknown``: a
    segment covered by one side only, outside what the other side shows."""
    if a.spans is None and b.spans is None:
        return changes
    out: list[Change] = []
    nothing = a.spans == () or b.spans == ()
    for c in changes:
        blind = [
            s
            for s in c.segments
            if nothing
            or (s.b is None and not b.covers(s.addr, s.end))
            or (s.a is None and not a.covers(s.addr, s.end))
        ]
        if not blind or c.kind is ChangeKind.UNCHANGED:
            out.append(c)
            continue
        lo, hi = blind[0].addr, blind[-1].end
        side = "B" if blind[0].b is None or b.spans == () else "A"
        note = (
            f"{lo:#x}-{hi - 1:#x} is past {side}'s cut: {side} does not show it, so this is "
            f"not a change (read as a whole map it would be "
            f"{c.kind.value.replace('_', ' ')})"
        )
        out.append(replace(c, kind=ChangeKind.UNKNOWN, notes=(*c.notes, note)))
    return tuple(out)


def clip_sum(entries: Iterable[E820Entry], types: Iterable[int], known: Known) -> int:
    """Bytes of ``entries`` of ``types`` inside what ``known`` shows."""
    wanted = frozenset(types)
    total = 0
    for e in entries:
        if e.type not in wanted:
            continue
        if known.spans is None:
            total += e.size
            continue
        for lo, hi in known.spans:
            total += max(0, min(hi, e.addr + e.size) - max(lo, e.addr))
    return total
