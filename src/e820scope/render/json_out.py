"""``e820scope parse --json``: schema ``e820scope.parse/2`` (documented in docs/json-schema.md).

Addresses and sizes are JSON integers (bytes); each range also carries hex strings
(``0x`` + lower-case digits) for people reading the file. Ends are given both ways:
``end`` is exclusive (``addr + size``), ``last_hex`` is inclusive (what eras B-D print).
"""

from __future__ import annotations

import functools
import json
from operator import itemgetter
from typing import Any

from ..model.kversion import KernelVersion
from ..model.records import (
    Boot,
    E820Entry,
    E820Table,
    NodeRange,
    ParsedLog,
    ParseWarning,
    SourceRef,
)
from .json_common import range_json, typed_range
from .names import boot_label
from .text_tables import table_summary

SCHEMA = "e820scope.parse/2"


def _line(ref: SourceRef | None) -> int | None:
    return ref.line if ref is not None else None


def entry_json(e: E820Entry) -> dict[str, Any]:
    return {**_entry_fields(e.addr, e.size, e.type, e.raw_type), "line": _line(e.ref)}


@functools.lru_cache(maxsize=1 << 16)
def _entry_fields(addr: int, size: int, type: int, raw_type: str) -> dict[str, Any]:
    """An entry's fields but its line. Memoised (the same entries recur in every kexec
    generation); callers copy it, never change it."""
    return {**typed_range(addr, size, type), "raw_type": raw_type}


def table_json(t: E820Table, kver: KernelVersion | None, *, entries: bool = True) -> dict[str, Any]:
    """A table's object; ``entries=False`` leaves its ``entries`` list empty (for
    :func:`boot_text`, which writes them from memoised text)."""
    s = table_summary(t, kver)
    return {
        "kind": t.kind.value,
        "who": t.who,
        "era": t.era.value if t.era else None,
        "header": t.header,
        "first_line": _line(t.first_ref),
        "last_line": _line(t.last_ref),
        "complete": t.complete,
        "notes": list(t.notes),
        "entries": [entry_json(e) for e in t.entries] if entries else [],
        "gaps": [
            {"first": a, "last": b, "first_hex": f"{a:#x}", "last_hex": f"{b:#x}"}
            for a, b in t.gaps
        ],
        "summary": {
            "entries": s.entries,
            "usable_bytes": s.usable_bytes,
            "reserved_bytes": s.reserved_bytes,
            "holes": s.holes,
            "hole_bytes": s.hole_bytes,
        },
    }


def _node(n: NodeRange) -> dict[str, Any]:
    return {
        "node": n.node,
        "name": n.name,
        "memoryless": n.memoryless,
        **range_json(n.addr, n.size),
        "line": _line(n.ref),
    }


def warning_json(w: ParseWarning) -> dict[str, Any]:
    return {
        "where": str(w.ref) if w.ref else None,
        "severity": w.severity.value,
        "message": w.message,
        "hint": w.hint,
    }


def boot_json(b: Boot, input_spec: str, *, tables: bool = True) -> dict[str, Any]:
    """A boot's object; ``tables=False`` leaves its ``tables`` list empty (for
    :func:`boot_text`)."""
    return {
        "input": input_spec,
        "index": b.index,
        "label": boot_label(input_spec, b.index),
        "source": b.source,
        "first_line": b.first_line,
        "last_line": b.last_line,
        "kernel": str(b.kernel) if b.kernel else None,
        "linux_version": b.linux_version,
        "cmdline": b.cmdline,
        "start": {"method": b.start.method.value, "evidence": b.start.evidence},
        "completeness": {
            "status": b.completeness.status.value,
            "reason": b.completeness.reason,
            "starts_mid_boot": b.completeness.starts_mid_boot,
        },
        "ended_by": b.ended_by,
        "tables": [table_json(t, b.kernel) for t in b.tables] if tables else [],
        "ops": [
            {
                "kind": o.kind.value,
                **range_json(o.addr, o.size),
                "old_type": o.old_type,
                "new_type": o.new_type,
                "line": _line(o.ref),
            }
            for o in b.ops
        ],
        "last_pfn": [
            {
                "last_pfn": p.last_pfn,
                "max_arch_pfn": p.max_arch_pfn,
                "last_pfn_hex": f"{p.last_pfn:#x}",
                "max_arch_pfn_hex": f"{p.max_arch_pfn:#x}",
                "line": _line(p.ref),
            }
            for p in b.last_pfn
        ],
        "memory": None
        if b.memory is None
        else {
            "available_kb": b.memory.available_kb,
            "total_kb": b.memory.total_kb,
            "line": _line(b.memory.ref),
        },
        "initmem": [_node(n) for n in b.initmem],
        "node_data": [_node(n) for n in b.node_data],
        "early_node_ranges": [_node(n) for n in b.early_node_ranges],
        "zones": [_node(n) for n in b.zones],
        "efi_mem": [
            {
                "index": d.index,
                "type": d.type_name,
                "attrs": d.attrs,
                **range_json(d.addr, d.size),
                "line": _line(d.ref),
            }
            for d in b.efi_mem
        ],
        "events": [
            {"kind": e.kind, "text": e.text, "values": list(e.values), "line": _line(e.ref)}
            for e in b.events
        ],
        "warnings": [warning_json(w) for w in b.warnings],
    }


#: where :func:`boot_text` and :func:`table_text` splice their lists in. A key of the
#: object itself: inside a string value json.dumps escapes every ``"``, so the first
#: match is the key's (no object before it in key order has a ``tables``/``entries`` key)
_TABLES_SLOT = '"tables": []'
_ENTRIES_SLOT = '"entries": []'
_VALUES = itemgetter(0, 1, 2, 3)


def boot_text(b: Boot, input_spec: str) -> str:
    """``json.dumps(boot_json(b, input_spec))``, made faster: every entry's text but its
    line number is memoised (a kexec chain prints the same entries in every generation),
    so a big capture's ``parse --json`` encodes each distinct entry once.
    ``tests/parse/test_golden_parse.py`` checks the two are equal on every sample."""
    text = json.dumps(boot_json(b, input_spec, tables=False))
    at = text.index(_TABLES_SLOT)
    tables = ", ".join([table_text(t, b.kernel) for t in b.tables])
    return f'{text[:at]}"tables": [{tables}]{text[at + len(_TABLES_SLOT) :]}'


def table_text(t: E820Table, kver: KernelVersion | None) -> str:
    """``json.dumps(table_json(t, kver))`` (see :func:`boot_text`)."""
    text = json.dumps(table_json(t, kver, entries=False))
    at = text.index(_ENTRIES_SLOT)
    # e[4], e[5]: the entry's path and line (E820Entry.ref without building a SourceRef)
    items = [
        _entry_head(*_VALUES(e)) + (f"{e[5]}}}" if e[4] is not None else "null}") for e in t.entries
    ]
    return f'{text[:at]}"entries": [{", ".join(items)}]{text[at + len(_ENTRIES_SLOT) :]}'


@functools.lru_cache(maxsize=1 << 16)
def _entry_head(addr: int, size: int, type: int, raw_type: str) -> str:
    """An entry's JSON text up to its line number: ``{"addr": ..., "line": ``."""
    text = json.dumps({**_entry_fields(addr, size, type, raw_type), "line": 0})
    return text[: -len("0}")]


def parse_json(logs: list[ParsedLog]) -> dict[str, Any]:
    """The whole ``parse --json`` document for one or more inputs."""
    return {
        "schema": SCHEMA,
        "partial": any(p.partial for p in logs),
        "inputs": [
            {
                "spec": p.source,
                "files": list(p.inputs_used),
                "boots": len(p.boots),
                "partial": p.partial,
                "not_x86_reason": p.not_x86_reason,
                "warnings": [warning_json(w) for w in p.warnings],
            }
            for p in logs
        ],
        "boots": [boot_json(b, p.source) for p in logs for b in p.boots],
    }
