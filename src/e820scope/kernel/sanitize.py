"""``e820__update_table()`` (``sanitize_e820_map()`` before 4.12): the e820 sanitizer.

Same algorithm in every tree checked (3.4 ... 7.1.3): build the list of change points
(start and exclusive end of every non-empty entry), sort them by address with starts
before ends at equal addresses, sweep, and at each point take the numerically highest
type among the entries covering it (type 0 = no memory). A new output entry starts
whenever that type changes, or at every change point for a *nomerge* type; runs of
zero length are discarded. The result is sorted, non-overlapping, and abutting runs of
the same (mergeable) type are merged.

Refusals (the C function returns -1 and leaves the table untouched): fewer than 2
entries, or any entry whose ``addr + size`` wraps past 2**64. The output is cut silently
at ``capacity`` entries (``if (++new_nr_entries >= max_nr_entries) break;``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from ..model.records import E820Entry

U64_MAX = (1 << 64) - 1


class EntryLike(Protocol):
    """Anything with ``addr``/``size``/``type`` (E820Entry, a KernelTable slot)."""

    @property
    def addr(self) -> int: ...

    @property
    def size(self) -> int: ...

    @property
    def type(self) -> int: ...


def e820__update_table(
    entries: Iterable[EntryLike], *, capacity: int, nomerge: frozenset[int] = frozenset()
) -> tuple[E820Entry, ...] | None:
    """Sanitize ``entries`` exactly as the kernel does.

    Returns the new table, or ``None`` where the kernel returns -1 (table unchanged).
    Raises ``ValueError`` when more entries than ``capacity`` are passed (the kernel
    BUG()s) or an address/size does not fit in a u64.
    """
    table = [(e.addr, e.size, int(e.type)) for e in entries]
    if len(table) > capacity:
        raise ValueError(f"{len(table)} entries exceed the table capacity {capacity}")
    for addr, size, _type in table:
        if not (0 <= addr <= U64_MAX and 0 <= size <= U64_MAX):
            raise ValueError(f"entry [{addr:#x}, +{size:#x}) does not fit in u64")
    if len(table) < 2:
        return None
    if any(addr + size > U64_MAX for addr, size, _type in table):
        return None

    # Change points: (address, is_end, index). cpcompare orders by address, then a
    # start point (address == entry start) before an end point.
    points: list[tuple[int, int, int]] = []
    for idx, (addr, size, _type) in enumerate(table):
        if size != 0:
            points.append((addr, 0, idx))
            points.append((addr + size, 1, idx))
    points.sort(key=lambda p: (p[0], p[1]))

    out: list[E820Entry] = []
    active: dict[int, int] = {}  # index -> type of the entries covering the sweep point
    last_type = 0
    last_addr = 0
    for addr, is_end, idx in points:
        if is_end:
            del active[idx]
        else:
            active[idx] = table[idx][2]
        current_type = max(active.values(), default=0)
        if current_type != last_type or current_type in nomerge:
            if last_type != 0:
                size = addr - last_addr
                if size != 0:
                    out.append(E820Entry(last_addr, size, last_type))
                    if len(out) >= capacity:
                        break
            if current_type != 0:
                last_addr = addr
            last_type = current_type
    return tuple(out)


def merge_abutting(entries: Iterable[E820Entry]) -> tuple[E820Entry, ...]:
    """Join abutting entries of one type, in the given order; nothing else.

    On a sorted, non-overlapping table without nomerge types this is what
    :func:`e820__update_table` does, but it never refuses (< 2 entries), never cuts at a
    capacity, does not resolve overlaps and keeps provenance: a joined entry keeps the
    ``raw_type``/``ref`` of its first piece. For models that rebuild a table the kernel
    already sanitized (entries in bytes, ``end`` exclusive).
    """
    out: list[E820Entry] = []
    for e in entries:
        if out and out[-1].type == e.type and out[-1].end == e.addr:
            prev = out[-1]
            out[-1] = E820Entry(prev.addr, e.end - prev.addr, prev.type, prev.raw_type, prev.ref)
        else:
            out.append(e)
    return tuple(out)
