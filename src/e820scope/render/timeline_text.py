"""Human-readable ``e820scope timeline`` table (one line per boot), from the DataFrame."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..analysis.units import human_size

#: Columns shown in the human table, with their headers.
SHOWN = (
    ("index", "#"),
    ("boot", "boot"),
    ("kernel", "kernel"),
    ("start", "start"),
    ("entries", "entries"),
    ("usable_bytes", "usable"),
    ("type128", "t128"),
    ("splits", "splits (new type-128 at)"),
    ("setup_data", "own setup_data"),
    ("last_pfn", "last_pfn"),
    ("initmem_end", "Initmem end"),
    ("memory_total_kb", "Memory: total K"),
    ("warnings", "warnings"),
)


def _cell(col: str, v: Any) -> str:
    if isinstance(v, list):
        return ",".join(str(x) for x in v) if v else "-"
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "-"
    if col == "usable_bytes":
        return human_size(int(v))
    return str(v)


def render_timeline(df: pd.DataFrame) -> str:
    """Fixed-width table; sources are listed once above the rows they start."""
    headers = [h for _, h in SHOWN]
    rows: list[list[str]] = []
    sources: list[tuple[int, str]] = []
    last_src = None
    for rec in df.to_dict(orient="records"):
        if rec["source"] != last_src:
            sources.append((len(rows), str(rec["source"])))
            last_src = rec["source"]
        cells = [_cell(col, rec[col]) for col, _ in SHOWN]
        if rec["dropped_at_cap"]:
            cells[-1] = (
                ("" if cells[-1] == "-" else cells[-1] + "; ")
                + "dropped "
                + ",".join(rec["dropped_at_cap"])
            )
        rows.append(cells)
    widths = [len(h) for h in headers]
    for r in rows:
        for k, c in enumerate(r[:-1]):
            widths[k] = max(widths[k], len(c))

    def fmt(cells: list[str]) -> str:
        parts = [c.ljust(widths[k]) for k, c in enumerate(cells[:-1])]
        return "  ".join([*parts, cells[-1]]).rstrip()

    out = [fmt(headers)]
    starts = dict(sources)
    for k, r in enumerate(rows):
        if k in starts:
            out.append(f"== {starts[k]}")
        out.append(fmt(r))
    return "\n".join(out) + "\n"
