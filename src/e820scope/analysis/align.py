"""Align two e820 maps by address-range set algebra, not by line.

The address space covered by either map is cut into *segments* at every entry boundary
of both maps; each segment is covered by at most one entry of each map (where a map has
overlapping entries, the one the sanitizer would keep wins: the highest type code, as
in ``e820__update_table()``). Entries of A and B that share a segment are linked; each
connected group of linked entries is one :class:`Change`, classified by its shape:

* ``unchanged`` — one entry each side, same ``(addr, size, type)``;
* ``type_change`` — one entry each side, same range, other type;
* ``grown`` / ``shrunk`` — one entry each side, same type, the range grew / shrank
  (``resized`` when it moved without growing or shrinking);
* ``split`` — one A entry became several B entries (1 → n);
* ``merged`` — several A entries became one B entry (n → 1);
* ``rearranged`` — n → m, both above 1;
* ``removed`` / ``added`` — entries with no counterpart at all.

The diff layer may relabel ``removed`` as ``dropped_at_cap`` (see :mod:`.handoff_model`),
and any change that rests on addresses one side does not show as ``unknown``
(:mod:`.known`).
Every entry of A and of B is in exactly one change; every byte covered by A or B is in
exactly one segment. All ranges are ``[addr, end)`` with ``end`` exclusive.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from ..model.records import E820Entry


class ChangeKind(str, enum.Enum):
    UNCHANGED = "unchanged"
    SPLIT = "split"
    MERGED = "merged"
    TYPE_CHANGE = "type_change"
    GROWN = "grown"
    SHRUNK = "shrunk"
    RESIZED = "resized"
    REARRANGED = "rearranged"
    ADDED = "added"
    REMOVED = "removed"
    DROPPED_AT_CAP = "dropped_at_cap"
    #: rests on addresses one side does not show (past its cut): no change is known
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Segment:
    """``[addr, end)`` covered by A entry ``a`` and/or B entry ``b`` (indices, or None)."""

    addr: int
    end: int
    a: int | None
    b: int | None

    @property
    def size(self) -> int:
        return self.end - self.addr


@dataclass(frozen=True)
class Change:
    """A group of A entries and the B entries that cover the same addresses.

    ``a_idx``/``b_idx`` are 0-based positions in the compared tables (slot numbers are
    these + 1). ``notes`` holds explanations added by the diff layer.
    """

    kind: ChangeKind
    a_idx: tuple[int, ...]
    b_idx: tuple[int, ...]
    before: tuple[E820Entry, ...]
    after: tuple[E820Entry, ...]
    segments: tuple[Segment, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def addr(self) -> int:
        return min(e.addr for e in self.before + self.after)

    @property
    def end(self) -> int:
        return max(e.end for e in self.before + self.after)


def _cover(entries: Sequence[E820Entry], points: list[int]) -> list[int | None]:
    """For each elementary segment [points[k], points[k+1]), the covering entry index."""
    out: list[int | None] = [None] * (len(points) - 1)
    pos = {p: k for k, p in enumerate(points)}
    for i, e in enumerate(entries):
        if e.size <= 0:
            continue
        for k in range(pos[e.addr], pos[e.end]):
            cur = out[k]
            if cur is None or entries[cur].type < e.type:
                out[k] = i
    return out


def segments(a: Sequence[E820Entry], b: Sequence[E820Entry]) -> list[Segment]:
    """Cut the union of both maps at every boundary; holes (no entry either side) are left out."""
    points = sorted({p for e in (*a, *b) if e.size > 0 for p in (e.addr, e.end)})
    if len(points) < 2:
        return []
    ca = _cover(a, points)
    cb = _cover(b, points)
    segs: list[Segment] = []
    for k in range(len(points) - 1):
        if ca[k] is None and cb[k] is None:
            continue
        segs.append(Segment(points[k], points[k + 1], ca[k], cb[k]))
    return segs


def _classify(before: Sequence[E820Entry], after: Sequence[E820Entry]) -> ChangeKind:
    if not after:
        return ChangeKind.REMOVED
    if not before:
        return ChangeKind.ADDED
    if len(before) == 1 and len(after) == 1:
        x, y = before[0], after[0]
        if (x.addr, x.size) == (y.addr, y.size):
            return ChangeKind.UNCHANGED if x.type == y.type else ChangeKind.TYPE_CHANGE
        if x.type != y.type:
            return ChangeKind.TYPE_CHANGE
        if y.addr <= x.addr and y.end >= x.end:
            return ChangeKind.GROWN
        if x.addr <= y.addr and x.end >= y.end:
            return ChangeKind.SHRUNK
        return ChangeKind.RESIZED
    if len(before) == 1:
        return ChangeKind.SPLIT
    if len(after) == 1:
        return ChangeKind.MERGED
    return ChangeKind.REARRANGED


def align(a: Sequence[E820Entry], b: Sequence[E820Entry]) -> tuple[Change, ...]:
    """Group the entries of ``a`` and ``b`` into changes, in address order.

    Zero-size entries cover nothing; each becomes its own ``removed``/``added`` change so
    that every entry is still accounted for.
    """
    segs = segments(a, b)
    # Union-find over the entries: a[i] is node i, b[j] is node len(a) + j.
    na = len(a)
    parent = list(range(na + len(b)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in segs:
        if s.a is not None and s.b is not None:
            rx, ry = find(s.a), find(na + s.b)
            if rx != ry:
                parent[ry] = rx

    groups: dict[int, list[int]] = {}
    for node in range(len(parent)):
        groups.setdefault(find(node), []).append(node)
    seg_of: dict[int, list[Segment]] = {}
    for s in segs:
        node = s.a if s.a is not None else na + cast(int, s.b)  # segments() keeps covered ones
        seg_of.setdefault(find(node), []).append(s)

    changes: list[Change] = []
    for root, members in groups.items():  # members ascend: a's indices, then b's
        k = bisect_left(members, na)
        ai = tuple(members[:k])
        bi = tuple(m - na for m in members[k:])
        before = tuple(a[i] for i in ai)
        after = tuple(b[j] for j in bi)
        changes.append(
            Change(
                kind=_classify(before, after),
                a_idx=ai,
                b_idx=bi,
                before=before,
                after=after,
                segments=tuple(seg_of.get(root, ())),
            )
        )
    changes.sort(key=lambda c: (c.addr, c.end, c.a_idx, c.b_idx))
    return tuple(changes)
