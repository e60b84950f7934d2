"""One row per boot / kexec generation, built in one place as a pandas DataFrame.

Each boot that was not cold-booted is compared with the row before it (rows from several
files are taken as successive generations, in argument order; :func:`.diff.diff_boots`): splits it
introduced (address of each new type-128 piece, or of the split entry), entries dropped
at the zeropage cap, and the usable bytes it lost. Values are typed (addresses and sizes
are ints; renderers format them). Columns:

``index`` 1-based row, ``source``/``boot``/``label`` where it came from (``label`` is
``FILE#N``), ``chain`` (1-based: a cold boot or a change of machine starts a new
chain, :func:`.stream.chain_start`) and ``generation`` (1-based within the chain),
``chain_start`` (None when the row continues a chain, else why it starts one:
``first``, ``cold_boot``, ``other_machine`` or ``cut``, :class:`.stream.ChainStart`)
and ``chain_start_why`` (the same in words, with the evidence of another machine),
``kernel``, ``start`` (how it was started), ``ended_by`` (``kexec``,
``panic``, ...), ``fate`` (``panic: <message>``, ``oom: ...``, ``no Memory: line`` or
None: how far the boot got), ``entries`` (map length), ``usable_bytes`` (the boot's kernel's
RAM types), ``usable_delta_bytes`` (vs the previous row; None for the first row and a cold boot),
``type128`` (hidden type-128 pieces received), ``splits`` (list of addresses),
``dropped_at_cap`` (list of ``(addr, size)``), ``usable_lost_bytes`` (dropped usable
bytes, vs the previous row), ``setup_data`` (this boot's own setup_data pieces as
``(addr, size)``), ``last_pfn`` (the first ``last_pfn`` line: end of all RAM in pages),
``initmem_end`` (exclusive end of the highest node), ``memory_total_kb``/
``memory_available_kb`` (the ``Memory:`` line), ``warnings`` (list of short texts).
"""

from __future__ import annotations

import io
import marshal
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd

from ..errors import NoMapError
from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
from ..model.records import Boot, Severity, usable_bytes
from ..model.types import E820Type
from .align import ChangeKind
from .diff import BootDiff, MapKind, diff_boots, pick_map
from .hidden import boot_hidden, resolve
from .stream import BootInfo, chain_start, continues

COLUMNS = (
    "index",
    "source",
    "boot",
    "label",
    "chain",
    "generation",
    "chain_start",
    "chain_start_why",
    "kernel",
    "start",
    "ended_by",
    "fate",
    "entries",
    "usable_bytes",
    "usable_delta_bytes",
    "type128",
    "splits",
    "dropped_at_cap",
    "usable_lost_bytes",
    "setup_data",
    "last_pfn",
    "initmem_end",
    "memory_total_kb",
    "memory_available_kb",
    "warnings",
)

_CHAIN, _GENERATION = COLUMNS.index("chain"), COLUMNS.index("generation")

#: Bytes of marshalled rows :class:`TimelineRows` keeps in memory before a temporary file.
SPOOL_IN_MEMORY = 8 << 20

INT_COLUMNS = (
    "index",
    "boot",
    "chain",
    "generation",
    "entries",
    "usable_bytes",
    "usable_delta_bytes",
    "type128",
    "usable_lost_bytes",
    "last_pfn",
    "initmem_end",
    "memory_total_kb",
    "memory_available_kb",
)


def _split_addrs(d: BootDiff) -> list[int]:
    out: list[int] = []
    for c in d.of_kind(ChangeKind.SPLIT):
        new128 = [e.addr for e in c.after if e.type == E820Type.RESERVED_KERN]
        out.extend(new128 or [c.addr])
    return out


def fate(boot: Boot) -> str | None:
    """How far the boot got when it did not get far: its panic or OOM message, or that it
    printed no ``Memory:`` line though its log goes past the map (None: it booted)."""
    for kind in ("panic", "oom"):
        ev = boot.events_of(kind)
        if ev:
            return f"{kind}: {ev[0].text}"
    if boot.memory is None and boot.firmware_map is not None and boot.ended_by != "eof":
        return "no Memory: line (memory init did not finish)"
    return None


def _row(i: int, boot: Boot, prev: Boot | None, map_kind: MapKind) -> dict[str, Any]:
    """Row ``i``: ``boot``, compared with ``prev``, the boot whose chain it continues
    (None: it starts a chain)."""
    warnings: list[str] = [w.message for w in boot.warnings if w.severity is not Severity.INFO]
    try:
        table = pick_map(boot, map_kind)
        entries = resolve(table.entries, boot.kernel)
    except NoMapError:
        table, entries = None, ()
        warnings.append("no e820 map")
    if table is not None and not table.complete:
        warnings.append(
            f"{table.who} map not whole in the log: entries and usable count only its lines shown"
        )
    hidden = boot_hidden(boot)
    row: dict[str, Any] = {
        "index": i,
        "source": boot.source,
        "boot": boot.index,
        "label": boot.label,
        "kernel": str(boot.kernel) if boot.kernel else None,
        "start": boot.start.method.value,
        "ended_by": boot.ended_by,
        "fate": fate(boot),
        "entries": len(entries) if table is not None else None,
        "usable_bytes": usable_bytes(entries, boot.kernel) if table is not None else None,
        "usable_delta_bytes": None,
        "type128": len(hidden.carried),
        "splits": [],
        "dropped_at_cap": [],
        "usable_lost_bytes": 0,
        "setup_data": [(p.entry.addr, p.entry.size) for p in hidden.own],
        "last_pfn": boot.last_pfn[0].last_pfn if boot.last_pfn else None,
        "initmem_end": max(n.end for n in boot.initmem) if boot.initmem else None,
        "memory_total_kb": boot.memory.total_kb if boot.memory else None,
        "memory_available_kb": boot.memory.available_kb if boot.memory else None,
        "warnings": warnings,
    }
    if (
        table is not None
        and len(entries) >= E820_MAX_ENTRIES_ZEROPAGE
        and map_kind is MapKind.FIRMWARE
    ):
        warnings.append(f"received {len(entries)} entries: at the zeropage limit")
    if prev is not None and table is not None:
        try:
            d = diff_boots(prev, boot, map_kind=map_kind, explained=False)
        except NoMapError:
            return row
        row["splits"] = _split_addrs(d)
        dropped = [e for c in d.of_kind(ChangeKind.DROPPED_AT_CAP) for e in c.before]
        row["dropped_at_cap"] = [(e.addr, e.size) for e in dropped]
        row["usable_lost_bytes"] = d.usable_lost
        row["usable_delta_bytes"] = d.usable_after - d.usable_before
        if dropped:
            warnings.append(f"{len(dropped)} entries dropped at the zeropage cap")
    return row


def follows(prev: Boot, boot: Boot) -> bool:
    """Whether ``boot`` continues the chain of the row before it
    (:func:`.stream.continues`: not after a cold boot, nor across two machines)."""
    return continues(BootInfo.of(prev), BootInfo.of(boot))


class TimelineRows:
    """The timeline built one boot at a time, in flat memory.

    Of the boots only the one before is kept (the next row is compared with it); each
    row is written, marshalled, to a spool (in memory up to :data:`SPOOL_IN_MEMORY`
    bytes, then a temporary file), so a capture of tens of thousands of boots costs a
    few hundred bytes a row, in one block. :meth:`records` reads the rows back, as
    often as needed (the text table reads them twice); :meth:`frame` makes the
    DataFrame. Close it (or use it in a ``with``) to drop the spool.
    """

    def __init__(self, map_kind: MapKind = MapKind.FIRMWARE) -> None:
        self.map_kind = map_kind
        self.count = 0
        self.prev: Boot | None = None
        #: what the chain rule reads of ``prev`` (:func:`.stream.continues`), made once
        self._prev_info: BootInfo | None = None
        self.chain = 0
        self.generation = 0
        self.columns = list(COLUMNS)
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by close())

    def __enter__(self) -> TimelineRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._spool.close()

    def after(self, prev: Boot | None) -> None:
        """Take ``prev`` as the boot before the first one added (a part's warm-up boot)."""
        self.prev = prev
        self._prev_info = None if prev is None else BootInfo.of(prev)

    def add(self, boot: Boot) -> None:
        info = BootInfo.of(boot)
        prev = self.prev
        start = chain_start(self._prev_info, info)
        if start is not None:
            prev = None
            self.chain += 1
            self.generation = 0
        self.generation += 1
        self.count += 1
        row = _row(self.count, boot, prev, self.map_kind)
        row["chain"], row["generation"] = self.chain, self.generation
        row["chain_start"] = start.kind.value if start else None
        row["chain_start_why"] = start.why if start else None
        marshal.dump(tuple(row[c] for c in COLUMNS), self._spool)
        self.prev, self._prev_info = boot, info

    def add_row(self, values: tuple[Any, ...]) -> None:
        """A row made elsewhere (:mod:`.parallel_run`), its numbers already counted."""
        self.count += 1
        self.chain, self.generation = values[_CHAIN], values[_GENERATION]
        marshal.dump(values, self._spool)

    def records(self) -> Iterator[dict[str, Any]]:
        """The rows in order, as ``{column: value}`` (None for a missing value)."""
        spool = self._spool
        spool.seek(0)
        for _ in range(self.count):
            yield dict(zip(COLUMNS, marshal.load(spool), strict=True))
        spool.seek(0, io.SEEK_END)

    def frame(self) -> pd.DataFrame:
        rows = [tuple(r.values()) for r in self.records()]
        df = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
        # Nullable integers: a boot without a map or a Memory: line stays an integer column.
        typed: pd.DataFrame = df.astype({c: "Int64" for c in INT_COLUMNS})
        return typed


def timeline_frame(boots: Iterable[Boot], *, map_kind: MapKind = MapKind.FIRMWARE) -> pd.DataFrame:
    """The timeline table: one row per boot, in the order given."""
    with TimelineRows(map_kind) as rows:
        for boot in boots:
            rows.add(boot)
        return rows.frame()
