"""Where a printed table hides E820_TYPE_RESERVED_KERN (type 128).

Up to 6.14 e820_print_type() prints 128 as ``usable``, yet the sanitizer never merges
type 1 with type 128. So in any table the sanitizer produced (every printed block, the
kexec_file_load hand-off), two abutting entries printed with the same mergeable type
can only be a 1/128 boundary: one of them really is type 128. From 6.15 type 128
prints as ``type 128`` and the signature disappears; nomerge types (PRAM, soft
reserved) abut legitimately and are not reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from ..model.kversion import KernelVersion
from ..model.records import E820Entry
from .policy import nomerge_types
from .printk import print_type


@dataclass(frozen=True, slots=True)
class MergeBoundary:
    """Abutting ``left``/``right`` entries printed alike; ``addr`` = left.end = right.addr."""

    addr: int
    left: E820Entry
    right: E820Entry


def merge_candidates(table: Sequence[E820Entry], kver: KernelVersion) -> tuple[MergeBoundary, ...]:
    """Boundaries the sanitizer of ``kver`` would have merged if the printed types were real.

    ``table`` is in print order with types as parsed (``usable`` -> 1). Entries abut
    when ``left.end == right.addr``.
    """
    era = kver.print_era
    nomerge = nomerge_types(kver)
    kern = kver.has_reserved_kern
    out: list[MergeBoundary] = []
    for left, right in itertools.pairwise(table):
        if left.end != right.addr or left.size == 0 or right.size == 0:
            continue
        if left.type in nomerge or right.type in nomerge:
            continue
        if left.type == right.type or print_type(
            left.type, era, has_reserved_kern=kern
        ) == print_type(right.type, era, has_reserved_kern=kern):
            out.append(MergeBoundary(right.addr, left, right))
    return tuple(out)


def reserved_kern_runs(
    table: Sequence[E820Entry], kver: KernelVersion | None
) -> tuple[tuple[int, ...], ...]:
    """Index runs (>= 2 entries) of abutting entries printed ``usable`` that the
    sanitizer would have merged: inside one the real types alternate 1/128.

    With ``kver`` the boundaries are :func:`merge_candidates` whose left entry is type
    1 or 128; with ``kver=None`` (version unknown) any two consecutive abutting type-1
    entries. A run is extended only while the next entry starts at the previous end.
    """
    if kver is not None:
        bounds = {b.addr for b in merge_candidates(table, kver) if b.left.type in (1, 128)}
    else:
        bounds = {
            b.addr
            for a, b in itertools.pairwise(table)
            if a.type == b.type == 1 and a.end == b.addr
        }
    runs: list[tuple[int, ...]] = []
    i = 0
    while i < len(table):
        j = i
        while (
            j + 1 < len(table) and table[j + 1].addr in bounds and table[j].end == table[j + 1].addr
        ):
            j += 1
        if j > i:
            runs.append(tuple(range(i, j + 1)))
        i = j + 1
    return tuple(runs)


def reserved_kern_of_run(
    table: Sequence[E820Entry], run: Sequence[int], *, odd_run_interior: bool = False
) -> tuple[int, ...]:
    """Which indices of ``run`` (from :func:`reserved_kern_runs`) really are type 128.

    Of the two alternations the one giving type 128 fewer bytes (ties: the 2nd, 4th...
    entries), as setup_data nodes are small. ``odd_run_interior``: in a run of odd length
    always the 2nd, 4th... (a node split out of the middle of RAM: ``big | node | big``),
    the growth model's reading of kexec chains.
    """
    even, odd = tuple(run[0::2]), tuple(run[1::2])
    if odd_run_interior and len(run) % 2 == 1:
        return odd
    even_bytes = sum(table[i].size for i in even)
    odd_bytes = sum(table[i].size for i in odd)
    return even if even_bytes < odd_bytes else odd


def restore_reserved_kern(table: Sequence[E820Entry], kver: KernelVersion) -> tuple[E820Entry, ...]:
    """Best guess of the real types of a printed <= 6.14 table: which ``usable`` is 128.

    Inside a run of abutting entries printed ``usable`` the real types must alternate
    (1/128/1... — equal neighbours would have been merged). Of the two alternations the
    one giving type 128 fewer bytes is chosen (setup_data nodes are small). Other entries
    and >= 6.15 tables are returned unchanged. A heuristic: it cannot tell a 1/128 pair
    whose 128 side is the larger one.
    """
    out = [E820Entry(e.addr, e.size, e.type) for e in table]
    if not kver.has_reserved_kern:
        return tuple(out)
    for run in reserved_kern_runs(out, kver):
        kern = set(reserved_kern_of_run(out, run))
        for k in run:
            out[k] = E820Entry(out[k].addr, out[k].size, 128 if k in kern else 1)
    return tuple(out)
