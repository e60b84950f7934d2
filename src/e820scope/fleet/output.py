"""The fleet report as a text table (by risk), CSV, JSON (``e820scope.fleet/1``) and
Parquet. Every format has the same columns (:data:`COLUMNS`, docs/fleet.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UnavailableError
from .row import HostRow

SCHEMA = "e820scope.fleet/1"

#: every field of a row, in the order CSV and Parquet give them
COLUMNS = (
    "host",
    "identified_by",
    "kernel",
    "start_method",
    "boots",
    "generations",
    "duplicates_dropped",
    "entries_received",
    "kexec_table_entries",
    "growth_per_generation",
    "mechanism",
    "mechanism_source",
    "handoff_path",
    "last_seen_generation",
    "first_loss_generation",
    "reboots_left",
    "bytes_lost",
    "bytes_lost_hex",
    "will_not_boot_generation",
    "will_not_boot_in",
    "partial",
    "inputs",
    "input_bytes",
    "warnings",
    "error",
)


def by_risk(rows: Sequence[HostRow]) -> list[HostRow]:
    """Most urgent first (:meth:`HostRow.risk_key`)."""
    return sorted(rows, key=HostRow.risk_key)


def _cell(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:+g}"
    return str(v)


def _bytes(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f}G"
    return f"{n / (1 << 20):.0f}M"


def text_table(rows: Sequence[HostRow]) -> str:
    """One line per host, most urgent first, then a summary line."""
    head = (
        "host",
        "kernel",
        "start",
        "gens",
        "recv",
        "kexec",
        "growth",
        "left",
        "lost",
        "no-boot in",
        "mechanism / note",
    )
    body = []
    for r in by_risk(rows):
        note = f"ERROR: {r.error}" if r.error else (r.mechanism or "")
        if not r.error and r.warnings:
            note += f" [{len(r.warnings)} warning{'s' if len(r.warnings) > 1 else ''}]"
        body.append(
            (
                r.host,
                _cell(r.kernel),
                _cell(r.start_method),
                str(r.generations),
                _cell(r.entries_received),
                _cell(r.kexec_table_entries),
                _cell(r.growth_per_generation),
                _cell(r.reboots_left),
                _bytes(r.bytes_lost),
                _cell(r.no_boot_in),
                note,
            )
        )
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in [head, *body]
    ]
    return "\n".join(ln.rstrip() for ln in lines) + "\n" + summary_line(rows) + "\n"


def summary_line(rows: Sequence[HostRow]) -> str:
    s = summary(rows)
    return (
        f"{s['hosts']} host(s): {s['losing']} lose memory ({s['lost_in_log']} already in the "
        f"log), {s['no_loss']} without a predicted loss, {s['errors']} unreadable"
    )


def summary(rows: Sequence[HostRow]) -> dict[str, int]:
    ok = [r for r in rows if r.error is None]
    losing = [r for r in ok if r.first_loss_generation is not None]
    return {
        "hosts": len(rows),
        "losing": len(losing),
        "lost_in_log": sum(1 for r in losing if (r.loss_in or 0) <= 0),
        "no_loss": len(ok) - len(losing),
        "errors": len(rows) - len(ok),
    }


def to_csv(rows: Sequence[HostRow]) -> str:
    """RFC 4180, header first; list cells (inputs, warnings) joined with ``; ``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in by_risk(rows):
        d = r.to_dict()
        w.writerow(
            "; ".join(d[c]) if isinstance(d[c], list) else ("" if d[c] is None else d[c])
            for c in COLUMNS
        )
    return buf.getvalue()


def to_json(rows: Sequence[HostRow], args: Sequence[str]) -> dict[str, Any]:
    """The ``e820scope.fleet/1`` document (schemas/fleet-1.json)."""
    hosts = [{c: d[c] for c in COLUMNS} for d in (r.to_dict() for r in by_risk(rows))]
    return {"schema": SCHEMA, "arguments": list(args), "summary": summary(rows), "hosts": hosts}


def require_pyarrow() -> None:
    """Fail before the scan when ``--parquet`` cannot be written."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise UnavailableError(
            "--parquet needs pyarrow, which is not installed",
            hint="pip install 'e820scope[fleet]' (or: pip install pyarrow)",
        ) from exc


def write_parquet(rows: Sequence[HostRow], path: Path) -> None:
    """One Parquet row per host (pyarrow), the columns of :data:`COLUMNS` with their
    types; written to a temporary file beside ``path`` and renamed into place."""
    require_pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, _ARROW[c](pa) if c in _ARROW else pa.string()) for c in COLUMNS])
    data = [r.to_dict() for r in by_risk(rows)]
    table = pa.Table.from_pylist([{c: d[c] for c in COLUMNS} for d in data], schema=schema)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


_INTS = (
    "boots",
    "generations",
    "duplicates_dropped",
    "entries_received",
    "kexec_table_entries",
    "last_seen_generation",
    "first_loss_generation",
    "reboots_left",
    "bytes_lost",
    "will_not_boot_generation",
    "will_not_boot_in",
    "input_bytes",
)
_ARROW: dict[str, Any] = {
    **{c: (lambda pa: pa.int64()) for c in _INTS},
    "growth_per_generation": lambda pa: pa.float64(),
    "partial": lambda pa: pa.bool_(),
    "inputs": lambda pa: pa.list_(pa.string()),
    "warnings": lambda pa: pa.list_(pa.string()),
}
