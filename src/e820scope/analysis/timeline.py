"""One row per boot / kexec generation, built in one place as a pandas DataFrame.

Each boot that was not cold-booted is compared with the row before it (rows from several
files are taken as successive generations, in argument order; :func:`.diff.diff_boots`): splits it
introduced (address of each new type-128 piece, or of the split entry), entries dropped
at the zeropage cap, and the usable bytes it lost. Columns (units in the name where it
matters):

``index`` 1-based row, ``source``/``boot`` where it came from, ``kernel``, ``start``
(how it was started), ``entries`` (map length), ``usable_bytes``, ``type128`` (hidden
type-128 pieces received), ``splits`` (list of hex addresses), ``dropped_at_cap`` (list
of ``first-last`` ranges), ``usable_lost_bytes`` (vs previous row), ``setup_data``
(this boot's own setup_data pieces as ``addr+size``), ``last_pfn`` (hex, the first
``last_pfn`` line: end of all RAM), ``initmem_end`` (hex, inclusive end of the highest
node), ``memory_total_kb``/``memory_available_kb`` (the ``Memory:`` line), ``warnings``
(list of short texts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import NoMapError
from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
from ..model.records import Boot, Severity, StartMethod
from ..model.types import E820Type
from .align import ChangeKind
from .diff import BootDiff, MapKind, diff_boots, pick_map
from .hidden import boot_hidden, resolve
from .units import fmt_range

COLUMNS = (
    "index",
    "source",
    "boot",
    "kernel",
    "start",
    "entries",
    "usable_bytes",
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

INT_COLUMNS = (
    "index",
    "boot",
    "entries",
    "usable_bytes",
    "type128",
    "usable_lost_bytes",
    "memory_total_kb",
    "memory_available_kb",
)


def _split_addrs(d: BootDiff) -> list[str]:
    out: list[str] = []
    for c in d.of_kind(ChangeKind.SPLIT):
        new128 = [e for e in c.after if e.type == E820Type.RESERVED_KERN]
        if new128:
            out.extend(f"{e.addr:#x}" for e in new128)
        else:
            out.append(f"{c.addr:#x}")
    return out


def _row(i: int, boot: Boot, prev: Boot | None, map_kind: MapKind) -> dict[str, Any]:
    warnings: list[str] = [w.message for w in boot.warnings if w.severity is not Severity.INFO]
    try:
        table = pick_map(boot, map_kind)
        entries = resolve(table.entries, boot.kernel)
    except NoMapError:
        table, entries = None, ()
        warnings.append("no e820 map")
    hidden = boot_hidden(boot)
    row: dict[str, Any] = {
        "index": i,
        "source": boot.source,
        "boot": boot.index,
        "kernel": str(boot.kernel) if boot.kernel else None,
        "start": boot.start.method.value,
        "entries": len(entries) if table is not None else None,
        "usable_bytes": sum(
            e.size for e in entries if e.type in (E820Type.RAM, E820Type.RESERVED_KERN)
        )
        if table is not None
        else None,
        "type128": len(hidden.carried),
        "splits": [],
        "dropped_at_cap": [],
        "usable_lost_bytes": 0,
        "setup_data": [f"{p.entry.addr:#x}+{p.entry.size:#x}" for p in hidden.own],
        "last_pfn": f"{boot.last_pfn[0].last_pfn:#x}" if boot.last_pfn else None,
        "initmem_end": f"{max(n.end for n in boot.initmem) - 1:#x}" if boot.initmem else None,
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
    # A cold boot starts a new chain: comparing it with the row before says nothing.
    if prev is not None and table is not None and boot.start.method is not StartMethod.COLD:
        try:
            d = diff_boots(prev, boot, map_kind=map_kind)
        except NoMapError:
            return row
        row["splits"] = _split_addrs(d)
        dropped = [e for c in d.of_kind(ChangeKind.DROPPED_AT_CAP) for e in c.before]
        row["dropped_at_cap"] = [fmt_range(e) for e in dropped]
        row["usable_lost_bytes"] = d.usable_lost
        if dropped:
            warnings.append(f"{len(dropped)} entries dropped at the zeropage cap")
    return row


def timeline_frame(boots: Sequence[Boot], *, map_kind: MapKind = MapKind.FIRMWARE) -> pd.DataFrame:
    """The timeline table: one row per boot, in the order given."""
    rows = []
    prev: Boot | None = None
    for i, boot in enumerate(boots, 1):
        rows.append(_row(i, boot, prev, map_kind))
        prev = boot
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    # Nullable integers: a boot without a map or a Memory: line stays an integer column.
    typed: pd.DataFrame = df.astype({c: "Int64" for c in INT_COLUMNS})
    return typed
