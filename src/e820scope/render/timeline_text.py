"""Human-readable ``e820scope timeline`` table (one line per boot), from the DataFrame.

The default table fits :data:`WIDTH` columns: usable RAM in MiB with two decimals, the
change against the previous row exact (:func:`exact_size`), short flags, and the long
texts (dropped ranges, panic messages, warnings) as numbered notes under the table.
``wide=True`` shows every column on one line per boot (no width limit).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pandas as pd

from ..analysis.units import exact_and_human, exact_size
from .timeline_json import Table, chains, records

#: The default table's width (columns of text).
WIDTH = 120
#: Longest kernel release shown in the narrow table (longer ones end in "…").
KERNEL_MAX = 16

#: (column, header) of the narrow table; "notes" is the row's flags.
NARROW = (
    ("index", "#"),
    ("boot", "boot"),
    ("kernel", "kernel"),
    ("start", "start"),
    ("entries", "entries"),
    ("usable_bytes", "usable MiB"),
    ("usable_delta_bytes", "Δ usable"),
    ("type128", "t128"),
    ("splits", "new type-128 at"),
    ("notes", "notes"),
)
#: (column, header) of ``--wide``.
WIDE = (
    ("index", "#"),
    ("boot", "boot"),
    ("kernel", "kernel"),
    ("start", "start"),
    ("ended_by", "ended by"),
    ("entries", "entries"),
    ("usable_bytes", "usable bytes"),
    ("usable_delta_bytes", "Δ usable"),
    ("type128", "t128"),
    ("splits", "splits (new type-128 at)"),
    ("setup_data", "own setup_data"),
    ("last_pfn", "last_pfn"),
    ("initmem_end", "Initmem end"),
    ("memory_total_kb", "Memory: total K"),
    ("notes", "notes"),
)
_RIGHT = {"index", "boot", "entries", "usable_bytes", "usable_delta_bytes", "type128"}


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))


def cell(col: str, v: Any, wide: bool) -> str:
    if isinstance(v, list):
        if not v:
            return "-"
        if col == "setup_data":
            return ",".join(f"{a:#x}+{s:#x}" for a, s in v)
        shown = [f"{a:#x}" for a in v]
        return ",".join(shown) if wide or len(shown) == 1 else f"{shown[0]} +{len(shown) - 1}"
    if _missing(v):
        return "-"
    if col == "usable_bytes":
        return str(int(v)) if wide else f"{int(v) / (1 << 20):.2f}"
    if col == "usable_delta_bytes":
        return "0" if int(v) == 0 else ("+" if v > 0 else "") + exact_size(int(v))
    if col in ("last_pfn", "initmem_end"):
        return f"{int(v) - (col == 'initmem_end'):#x}"  # Initmem end: inclusive, as printed
    return str(v)


def row_notes(rec: dict[Any, Any]) -> tuple[list[str], list[str]]:
    """(short flags, long texts) of a timeline row: how it ended, cap losses, warnings."""
    flags: list[str] = []
    texts: list[str] = []
    fate = rec.get("fate")
    if isinstance(fate, str) and fate:
        flags.append(
            fate.split(":", 1)[0].upper() if fate.startswith(("panic", "oom")) else "no Memory:"
        )
        texts.append(fate)
    entries = rec.get("entries")
    if (
        entries is not None
        and not _missing(entries)
        and int(entries) >= 128
        and not rec["dropped_at_cap"]
    ):
        flags.append("at cap")
    if rec["dropped_at_cap"]:
        flags.append(f"{len(rec['dropped_at_cap'])} dropped")
        texts.append(
            "dropped at the zeropage cap: "
            + ", ".join(
                f"{a:#x}-{a + s - 1:#x} ({exact_and_human(s)})" for a, s in rec["dropped_at_cap"]
            )
            + (
                f"; usable RAM lost: {exact_and_human(lost)}"
                if (lost := int(rec["usable_lost_bytes"]))
                else "; no usable RAM among them"
            )
        )
    others = [w for w in rec["warnings"] if "zeropage" not in w]
    if others:
        flags.append("warning")
        texts.extend(others)
    return flags, texts


def _cells(rec: dict[str, Any], shown: tuple[tuple[str, str], ...], wide: bool) -> list[str]:
    flags, _ = row_notes(rec)
    cells = []
    for col, _h in shown:
        if col == "notes":
            cells.append(", ".join(flags) or "-")
        elif col == "kernel" and not wide and len(str(rec[col])) > KERNEL_MAX:
            cells.append(str(rec[col])[: KERNEL_MAX - 1] + "…")
        else:
            cells.append(cell(col, rec[col], wide))
    return cells


def _widths(df: Table, shown: tuple[tuple[str, str], ...], wide: bool) -> list[int]:
    """Column widths (first pass over the rows); without ``wide``, the last column
    (notes) is cut to fit :data:`WIDTH`."""
    widths = [len(h) for _, h in shown]
    for rec in records(df):
        for k, c in enumerate(_cells(rec, shown, wide)):
            if len(c) > widths[k]:
                widths[k] = len(c)
    if not wide:
        room = WIDTH - sum(widths[:-1]) - 2 * (len(widths) - 1)
        widths[-1] = max(room, 5)
    return widths


def timeline_lines(df: Table, *, wide: bool = False) -> Iterator[str]:
    """The table a line at a time (two passes over the rows, none kept); sources are
    listed once above the rows they start, and so is each chain when there are several,
    with why it starts (``-- chain N: FILE#K: cold boot: started by the firmware``,
    ``another machine (...): DMI: ...``, ``cut: ...``); notes under it."""
    shown = WIDE if wide else NARROW
    width = None if wide else WIDTH
    widths = _widths(df, shown, wide)

    def fmt(cells: list[str]) -> str:
        parts = []
        for k, (col, _) in enumerate(shown):
            c = cells[k]
            if len(c) > widths[k]:
                c = c[: widths[k] - 1] + "…"
            parts.append(c.rjust(widths[k]) if col in _RIGHT else c.ljust(widths[k]))
        return "  ".join(parts).rstrip()

    yield fmt([h for _, h in shown])
    notes: list[str] = []
    last_src = None
    several = chains(df) > 1
    for rec in records(df):
        if rec["source"] != last_src:
            yield _source_line(str(rec["source"]), width)
            last_src = rec["source"]
        if several and rec["generation"] == 1:
            head = f"-- chain {rec['chain']}: {rec['label']}: {rec['chain_start_why']}"
            if wide:
                yield head
            else:
                yield from textwrap.wrap(head, WIDTH, subsequent_indent="     ")
        yield fmt(_cells(rec, shown, wide))
        notes.extend(f"#{rec['index']}: {t}" for t in row_notes(rec)[1])
    if notes:
        yield ""
        yield "notes:"
        for n in notes:
            if wide:
                yield "  " + n
            else:
                yield from textwrap.wrap(n, WIDTH, initial_indent="  ", subsequent_indent="      ")


def render_timeline(df: Table, *, wide: bool = False) -> str:
    """:func:`timeline_lines` as one text."""
    return "\n".join(timeline_lines(df, wide=wide)) + "\n"


def _source_line(source: str, width: int | None) -> str:
    line = f"== {source}"
    if width is not None and len(line) > width:
        line = "== …" + source[-(width - 4) :]
    return line
