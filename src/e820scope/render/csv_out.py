"""``e820scope parse --csv``: one row per table entry (RFC 4180, header row first).

Columns: input, boot, table (0-based position in the boot), kind, who, era, entry
(0-based), start_hex, last_hex (inclusive end), size (bytes), type (code), type_name,
raw_type, line.
"""

from __future__ import annotations

import csv
import io

from ..model.records import ParsedLog
from ..model.types import short_name
from .names import input_name

COLUMNS = (
    "input",
    "boot",
    "table",
    "kind",
    "who",
    "era",
    "entry",
    "start_hex",
    "last_hex",
    "size",
    "type",
    "type_name",
    "raw_type",
    "line",
)


def parse_csv(logs: list[ParsedLog]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for p in logs:
        for b in p.boots:
            for ti, t in enumerate(b.tables):
                for ei, e in enumerate(t.entries):
                    w.writerow(
                        (
                            input_name(p.source),
                            b.index,
                            ti,
                            t.kind.value,
                            t.who,
                            t.era.value if t.era else "",
                            ei,
                            f"{e.addr:#x}",
                            f"{e.last:#x}",
                            e.size,
                            e.type,
                            short_name(e.type),
                            e.raw_type,
                            e.ref.line if e.ref else "",
                        )
                    )
    return buf.getvalue()
