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
    out: list[MergeBoundary] = []
    for left, right in itertools.pairwise(table):
        if left.end != right.addr or left.size == 0 or right.size == 0:
            continue
        if left.type in nomerge or right.type in nomerge:
            continue
        printed_l = print_type(left.type, era, has_reserved_kern=kver.has_reserved_kern)
        printed_r = print_type(right.type, era, has_reserved_kern=kver.has_reserved_kern)
        if printed_l == printed_r:
            out.append(MergeBoundary(right.addr, left, right))
    return tuple(out)


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
    bounds = {b.addr for b in merge_candidates(out, kver) if b.left.type in (1, 128)}
    i = 0
    while i < len(out):
        j = i
        while j + 1 < len(out) and out[j + 1].addr in bounds and out[j].end == out[j + 1].addr:
            j += 1
        if j > i:
            run = out[i : j + 1]
            even = sum(e.size for e in run[0::2])
            odd = sum(e.size for e in run[1::2])
            first_kern = 0 if even < odd else 1
            for k in range(len(run)):
                code = 128 if k % 2 == first_kern else 1
                out[i + k] = E820Entry(run[k].addr, run[k].size, code)
        i = j + 1
    return tuple(out)
