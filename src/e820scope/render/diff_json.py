"""``e820scope diff --json``: schema ``e820scope.diff/3`` (documented in docs/diff.md).

Ranges follow :mod:`.json_common` (integers, ``end`` exclusive, hex beside them); every
change lists 1-based slots into the compared tables. Version 2: ranges as in every other
document (version 1 gave addresses as hex strings and an inclusive ``last``). Version 3:
the ``unknown`` change kind (past a side's cut), each side's ``cut``, ``agree``,
``both_show``, ``same_machine`` and ``printed_twice``.
"""

from __future__ import annotations

from typing import Any

from ..analysis.diff import BootDiff
from ..analysis.hidden import HiddenReport
from ..analysis.known import both
from ..model.records import Boot, E820Entry, E820Table
from ..model.types import short_name
from .json_common import entry_range, hex_of, range_json

SCHEMA = "e820scope.diff/3"


def entry_json(e: E820Entry) -> dict[str, Any]:
    return {
        **entry_range(e),
        "printed": e.raw_type.strip() or None,
        "ref": str(e.ref) if e.ref else None,
    }


def boot_json(
    boot: Boot, table: E820Table, entries: int, hidden: HiddenReport, cut: str | None = None
) -> dict[str, Any]:
    mem = boot.memory
    return {
        "label": boot.label,
        "source": boot.source,
        "boot": boot.index,
        "lines": [boot.first_line, boot.last_line],
        "kernel": str(boot.kernel) if boot.kernel else None,
        "start": boot.start.method.value,
        "start_evidence": boot.start.evidence or None,
        "ended_by": boot.ended_by,
        "table": {
            "who": table.who,
            "kind": table.kind.value,
            "ref": str(table.first_ref) if table.first_ref else None,
            "complete": table.complete,
        },
        "completeness": boot.completeness.status.value,
        "cut": cut,
        "entries": entries,
        "last_pfn": [
            {"last_pfn": p.last_pfn, "last_pfn_hex": hex_of(p.last_pfn)} for p in boot.last_pfn
        ],
        "initmem": [
            {"node": n.node, **range_json(n.addr, n.size), "memoryless": n.memoryless}
            for n in boot.initmem
        ],
        "memory": {"available_kb": mem.available_kb, "total_kb": mem.total_kb} if mem else None,
        "hidden_type128": {
            "carried": len(hidden.carried),
            "carried_bytes": sum(p.entry.size for p in hidden.carried),
            "own": [entry_json(p.entry) | {"guess": p.kind} for p in hidden.own],
        },
    }


def diff_json(d: BootDiff) -> dict[str, Any]:
    h = d.handoff
    common = both(d.a_known, d.b_known)
    return {
        "schema": SCHEMA,
        "map": d.map_kind.value,
        "map_note": d.map_note,
        "a": boot_json(d.a, d.a_table, len(d.a_entries), d.a_hidden, d.a_known.cut),
        "b": boot_json(d.b, d.b_table, len(d.b_entries), d.b_hidden, d.b_known.cut),
        "same_machine": {
            "same": d.machine.same,
            "differ": list(d.machine.differ),
            "agree": list(d.machine.agree),
        },
        "printed_twice": d.twice,
        "identical": d.identical,
        "agree": d.agree,
        "both_show": None
        if common.spans is None
        else [range_json(a, b - a) for a, b in common.spans],
        "consecutive": d.consecutive,
        "changes": [
            {
                "kind": c.kind.value,
                "a_slots": [i + 1 for i in c.a_idx],
                "b_slots": [j + 1 for j in c.b_idx],
                "before": [entry_json(e) for e in c.before],
                "after": [entry_json(e) for e in c.after],
                "notes": list(c.notes),
            }
            for c in d.changes
        ],
        "bytes_by_type": [
            {
                "type": t.type,
                "type_name": short_name(t.type),
                "before": t.before,
                "after": t.after,
                "delta": t.delta,
            }
            for t in d.bytes_by_type
        ],
        "usable": {"before": d.usable_before, "after": d.usable_after, "lost": d.usable_lost},
        "handoff": None
        if h is None
        else {
            "model_basis": h.model.basis,
            "model_entries": len(h.model.entries),
            "matches_received": h.matches,
            "policy_agrees": h.policy_agrees,
            "passed": len(h.passed),
            "dropped": [entry_json(e) for e in h.dropped],
        },
        "verdict": {"summary": list(d.verdict.summary), "evidence": list(d.verdict.evidence)},
    }
