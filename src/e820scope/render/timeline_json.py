"""``e820scope timeline --json`` (schema ``e820scope.timeline/4``) and ``--csv``.

JSON follows :mod:`.json_common`: addresses and sizes are integers with hex beside them
(``splits`` items are ``{"addr", "addr_hex"}``, ``dropped_at_cap`` and ``setup_data``
items are ranges, ``last_pfn``/``initmem_end`` come with ``*_hex``; ``initmem_end`` is
exclusive). Version 2: version 1 gave addresses as hex strings and ranges as text.
CSV keeps one cell per column: addresses in hex, lists joined with ``;``, ranges as
``0xFIRST-0xLAST`` (inclusive), missing values empty. Columns: docs/diff.md and
:mod:`e820scope.analysis.timeline`.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from typing import Any

import pandas as pd

from ..analysis.timeline import TimelineRows
from .json_common import hex_of, range_json

SCHEMA = "e820scope.timeline/4"


def _clean(v: Any) -> Any:
    if v is pd.NA or v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def _json_cell(col: str, v: Any) -> dict[str, Any]:
    """``{col: value}`` plus the hex twin of an address column."""
    v = _clean(v)
    if col == "splits":
        return {col: [{"addr": a, "addr_hex": hex_of(a)} for a in v]}
    if col in ("dropped_at_cap", "setup_data"):
        return {col: [range_json(a, s) for a, s in v]}
    if col in ("last_pfn", "initmem_end"):
        return {col: v, f"{col}_hex": None if v is None else hex_of(v)}
    return {col: v}


#: A timeline: the DataFrame, or the rows as the CLI streams them (flat memory).
Table = pd.DataFrame | TimelineRows


def records(df: Table) -> Iterator[dict[str, Any]]:
    """The rows of ``df`` as dicts, one at a time (``to_dict(orient="records")`` would
    hold them all: a capture of tens of thousands of boots)."""
    if isinstance(df, TimelineRows):
        yield from df.records()
        return
    cols = [str(c) for c in df.columns]
    for values in df.itertuples(index=False, name=None):
        yield dict(zip(cols, values, strict=True))


def chains(df: Table) -> int:
    """How many chains the timeline holds."""
    if isinstance(df, TimelineRows):
        return df.chain
    return int(df["chain"].max()) if len(df) else 0


def _json_row(rec: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for k, v in rec.items():
        row.update(_json_cell(k, v))
    return row


def timeline_json(df: Table) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "columns": list(df.columns),
        "rows": list(map(_json_row, records(df))),
    }


def timeline_json_text(df: Table) -> Iterator[str]:
    """``json.dumps(timeline_json(df), indent=2)`` in pieces, a row at a time."""
    head = json.dumps({"schema": SCHEMA, "columns": list(df.columns), "rows": []}, indent=2)
    cut = head.rindex("[]")
    sep = head[:cut] + "[\n    "
    empty = True
    for rec in records(df):
        # a JSON string holds no raw newline: every newline is the indentation's
        yield sep + json.dumps(_json_row(rec), indent=2).replace("\n", "\n    ")
        sep = ",\n    "
        empty = False
    yield head[cut:] if empty else "\n  ]" + head[cut + 2 :]


def _csv_cell(col: str, v: Any) -> Any:
    v = _clean(v)
    if col in ("dropped_at_cap", "setup_data"):
        return ";".join(f"{a:#x}-{a + s - 1:#x}" for a, s in v)
    if col == "splits":
        return ";".join(f"{a:#x}" for a in v)
    if isinstance(v, list):
        return ";".join(map(str, v))
    if col in ("last_pfn", "initmem_end") and v is not None:
        return hex_of(v)
    return v


def timeline_csv_lines(df: Table) -> Iterator[str]:
    """The CSV, a line at a time (as ``DataFrame.to_csv``: minimal quoting)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(list(df.columns))
    yield buf.getvalue()
    for rec in records(df):
        buf.seek(0)
        buf.truncate()
        out.writerow([_csv_cell(k, v) for k, v in rec.items()])
        yield buf.getvalue()


def timeline_csv(df: Table) -> str:
    return "".join(timeline_csv_lines(df))
