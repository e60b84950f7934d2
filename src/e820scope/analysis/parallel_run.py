"""``timeline`` and ``predict`` of one big capture on many cores (:mod:`e820scope.parse.parallel`).

Each worker does the per-boot work for the boots it owns, and hands back little: the
timeline rows (marshalled, as :class:`.timeline.TimelineRows` keeps them), or what a
generation reads of each boot (:func:`.generation.parts_of`, as plain tuples). The
caller numbers the boots (1..n in file order) and the chains: a part's first rows
continue the chain the part before it ended in unless a cold boot starts a new one
(the worker knows: it compares its first boot with the warm-up boot before it, which
is checked to be the serial parse's). The result is the serial run's, byte for byte.
"""

from __future__ import annotations

import marshal
import pickle
from functools import partial
from pathlib import Path
from typing import Any

from ..model.records import Boot, E820Entry, StartMethod
from ..parse.parallel import run_parts
from ..parse.parallel_spool import Spool, discard, read_back
from .chains import ChainPredictor
from .diff import MapKind
from .generation import parts_of
from .stream import BootInfo
from .timeline import COLUMNS, TimelineRows

_INDEX, _BOOT, _LABEL = COLUMNS.index("index"), COLUMNS.index("boot"), COLUMNS.index("label")
_CHAIN, _GEN = COLUMNS.index("chain"), COLUMNS.index("generation")


class RowsTask:
    """Timeline rows of the owned boots (chain 0: the chain of the part before),
    marshalled to a :class:`~e820scope.parse.parallel_spool.Spool`."""

    def __init__(self, map_kind: MapKind) -> None:
        self.rows = TimelineRows(map_kind)
        self.spool = Spool(marshal.dump)

    def add(self, boot: Boot, prev: Boot | None) -> None:
        if not self.rows.count:
            self.rows.after(prev)
        self.rows.add(boot)

    def result(self) -> tuple[str, int]:
        with self.rows:
            for r in self.rows.records():
                self.spool.put(tuple(r.values()))
        return self.spool.done()


def timeline_rows(path: str, jobs: int, map_kind: MapKind, rows: TimelineRows, **how: Any) -> bool:
    """Add the rows of ``path`` (the only input) to ``rows`` from ``jobs`` workers
    (False: not cut; the caller reads it serially). ``how``: see
    :func:`~e820scope.parse.parallel.run_parts`."""
    done = run_parts(path, jobs, partial(RowsTask, map_kind), **how)
    if done is None:
        return False
    source = COLUMNS.index("source")
    try:
        for out in done[1]:
            chain, generation = rows.chain, rows.generation
            for values in read_back(out.result, marshal.load):
                row = list(values)
                n = rows.count + 1
                row[_INDEX] = row[_BOOT] = n
                row[_LABEL] = f"{row[source]}#{n}"
                if row[_CHAIN] == 0:  # continues the chain the part before ended in
                    row[_GEN] += generation
                row[_CHAIN] += chain
                rows.add_row(tuple(row))
    finally:
        discard(done[1])
    return True


class GenTask:
    """What each owned boot with a firmware map gives a generation, as plain data (in a
    :class:`~e820scope.parse.parallel_spool.Spool`): BootInfo's fields (the start as its
    value) and the two maps' entries as tuples (None: no such map); and the worker's
    number of its first owned boot."""

    def __init__(self) -> None:
        self.first = 0
        self.spool = Spool(partial(pickle.dump, protocol=pickle.HIGHEST_PROTOCOL))

    def add(self, boot: Boot, prev: Boot | None) -> None:
        if not self.first:
            self.first = boot.index
        if boot.firmware_map is None:
            return
        fw, sd = parts_of(boot)
        i = BootInfo.of(boot)
        info = (i.index, i.source, i.first_line, i.start.value, i.kernel, i.memory_total_kb)
        self.spool.put(
            (
                (*info, i.ended_by, i.identity, i.map_cut),
                [tuple(e) for e in fw] if fw is not None else None,
                [tuple(e) for e in sd] if sd is not None else None,
            )
        )

    def result(self) -> tuple[int, tuple[str, int]]:
        return self.first, self.spool.done()


def _entries(rows: list[tuple[Any, ...]] | None) -> tuple[E820Entry, ...] | None:
    if rows is None:
        return None
    new = tuple.__new__
    return tuple(new(E820Entry, r) for r in rows)


def predict_parts(path: str, jobs: int, chains: ChainPredictor, **how: Any) -> bool:
    """Feed ``chains`` the generations of ``path`` (the only input) read by ``jobs``
    workers (False: not cut; the caller reads it serially)."""
    done = run_parts(path, jobs, GenTask, **how)
    if done is None:
        return False
    base = 1  # the number of the part's first owned boot
    try:
        for out in done[1]:
            first, spooled = out.result
            for info, fw, sd in read_back(spooled):
                index, source, first_line, start, kernel, mem, ended, ident, cut = info
                number = base + index - first
                chains.add_parts(
                    BootInfo(
                        number,
                        source,
                        first_line,
                        StartMethod(start),
                        kernel,
                        mem,
                        ended,
                        ident,
                        cut,
                    ),
                    _entries(fw),
                    _entries(sd),
                )
            base += out.tally.count
    finally:
        for out in done[1]:
            if out.result[1][0]:
                Path(out.result[1][0]).unlink(missing_ok=True)
    return True
