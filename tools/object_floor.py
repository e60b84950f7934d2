"""What building one boot's line-bearing records costs in Python, with no parsing at all.

Usage (from the repository root)::

    python tools/object_floor.py [CAPTURE]

It counts, over CAPTURE (default ``bench/out/capture-64MiB.log``, written by
``bench/run.py --quick``), the entries and records of an average boot, then times the
cheapest way this code base builds that many of them: entries through C-level ``map``
(``runs._entries``), records as frozen dataclasses with their :class:`SourceRef`. The
sum is a floor under any parser whose records each carry their own line number,
however its logic is arranged (bench/README.md, "the floor of eager records").
"""

from __future__ import annotations

import sys
import timeit
from itertools import repeat
from pathlib import Path

from e820scope.model.records import E820Entry, NodeRange, SourceRef
from e820scope.parse import iter_boots

_tnew = tuple.__new__
_tadd = tuple.__add__


def averages(capture: str) -> tuple[int, float, float]:
    """(boots, entries per boot, records per boot) of ``capture``."""
    n = ent = rec = 0
    for b in iter_boots(capture):
        n += 1
        ent += sum(len(t.entries) for t in b.tables)
        rec += (
            sum(map(len, (b.ops, b.last_pfn, b.initmem, b.node_data, b.early_node_ranges)))
            + len(b.zones)
            + len(b.efi_mem)
            + len(b.events)
        )
    return n, ent / max(n, 1), rec / max(n, 1)


def entry_cost(k: int) -> float:
    """Seconds to build ``k`` entries the way runs._entries does."""
    protos = [(i * 4096, 4096, 1, "usable") for i in range(k)]
    nums = list(range(1000, 1000 + k))

    def build() -> tuple[E820Entry, ...]:
        fields = map(_tadd, protos, zip(repeat("capture.log"), nums))
        return tuple(map(_tnew, repeat(E820Entry), fields))

    return min(timeit.repeat(build, number=2000, repeat=5)) / 2000


def record_cost(k: int) -> float:
    """Seconds to build ``k`` records with their SourceRef."""

    def build() -> list[NodeRange]:
        return [NodeRange(0, i, 4096, "DMA", False, SourceRef("capture.log", i)) for i in range(k)]

    return min(timeit.repeat(build, number=2000, repeat=5)) / 2000


def main() -> None:
    capture = sys.argv[1] if len(sys.argv) > 1 else "bench/out/capture-64MiB.log"
    if not Path(capture).is_file():
        sys.exit(f"{capture}: no such capture (run: python bench/run.py --quick)")
    n, ent, rec = averages(capture)
    e_us = entry_cost(round(ent)) * 1e6
    r_us = record_cost(round(rec)) * 1e6
    print(f"{capture}: {n} boots, {ent:.1f} entries and {rec:.1f} records a boot")
    print(f"  entries {e_us:.1f} us + records {r_us:.1f} us = {e_us + r_us:.1f} us a boot")


if __name__ == "__main__":
    main()
