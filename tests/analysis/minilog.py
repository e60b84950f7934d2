"""A tiny stand-in reader that turns real sample logs into ``Boot`` records.

Only for the analysis unit tests: it knows the handful of line shapes the lab captures
and lkml-10 use (eras A and C, printk timestamps, no containers). The real parser
(``e820scope.parse``) is used by the CLI and golden tests.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from e820scope.model.kversion import KernelVersion
from e820scope.model.records import (
    Boot,
    BootStart,
    Completeness,
    E820Entry,
    E820Table,
    LastPfn,
    MapStatus,
    MemoryLine,
    NodeRange,
    SourceRef,
    StartMethod,
    TableKind,
)
from e820scope.model.types import Era, parse_type_name

_TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
_C = re.compile(r"^\s*([A-Za-z0-9 _-]+?): \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]\s+(.+?)\s*$")
_A = re.compile(r"^\s*([A-Za-z0-9 _-]+?): ([0-9a-f]{16}) - ([0-9a-f]{16}) \((.+)\)\s*$")
_WHO = {
    "BIOS-e820": TableKind.FIRMWARE,
    "reserve setup_data": TableKind.SETUP_DATA,
    "extended": TableKind.EXTENDED,
    "user": TableKind.USER,
    "modified": TableKind.MODIFIED,
}


def read_boots(path: Path) -> list[Boot]:
    text = path.read_text(errors="replace").split("\n")
    boots: list[dict[str, object]] = []
    cur: dict[str, object] | None = None
    ended_prev = "eof"
    for n, raw in enumerate(text, 1):
        line = _TS.sub("", raw.replace("\x1b", ""))
        ref = SourceRef(str(path), n)
        if re.search(r"(?:^|\]\s?)Linux version \d", line):
            if cur is not None:
                cur["ended_by"] = cur.get("ended_by", "next_boot")
            line = line[line.index("Linux version") :]
            release = line.split("Linux version ", 1)[1].split()[0]
            cur = {
                "first": n,
                "kernel": KernelVersion.try_parse(release),
                "lv": line.strip(),
                "tables": [],
                "last_pfn": [],
                "initmem": [],
                "memory": None,
                "prev_end": ended_prev,
            }
            ended_prev = "none"
            boots.append(cur)
            continue
        if "Starting new kernel" in line:
            if cur is not None:
                cur["ended_by"] = "kexec"
                cur["last"] = n
            ended_prev = "kexec"
            continue
        if cur is None:
            continue
        cur["last"] = n
        m = _C.match(line) or _A.match(line)
        if m and m.group(1).strip() in _WHO:
            kind = _WHO[m.group(1).strip()]
            a, b = int(m.group(2), 16), int(m.group(3), 16)
            t = parse_type_name(m.group(4)) or 0
            e = (
                E820Entry.from_inclusive(a, b, t, m.group(4), ref)
                if m.re is _C
                else E820Entry(a, b - a, t, m.group(4), ref)
            )
            tables: list[E820Table] = cur["tables"]  # type: ignore[assignment]
            era = Era.A if m.re is _A else Era.C
            if (
                tables
                and tables[-1].kind is kind
                and tables[-1].last_ref
                and tables[-1].last_ref.line >= n - 3
            ):
                t0 = tables[-1]
                tables[-1] = replace(t0, entries=(*t0.entries, e), last_ref=ref)
            else:
                tables.append(E820Table(kind, m.group(1).strip(), (e,), era, None, ref, ref))
            continue
        m2 = re.search(r"last_pfn = (0x[0-9a-f]+) max_arch_pfn = (0x[0-9a-f]+)", line)
        if m2:
            cur["last_pfn"].append(LastPfn(int(m2.group(1), 16), int(m2.group(2), 16), ref))  # type: ignore[attr-defined]
            continue
        m3 = re.search(r"Initmem setup node (\d+) \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]", line)
        if m3:
            a, b = int(m3.group(2), 16), int(m3.group(3), 16)
            cur["initmem"].append(NodeRange(int(m3.group(1)), a, b - a + 1, ref=ref))  # type: ignore[attr-defined]
            continue
        m4 = re.search(r"Memory: (\d+)[kK]/(\d+)[kK] available", line)
        if m4 and cur["memory"] is None:
            cur["memory"] = MemoryLine(int(m4.group(1)), int(m4.group(2)), line.strip(), ref)
    out: list[Boot] = []
    for i, c in enumerate(boots, 1):
        tables = tuple(c["tables"])  # type: ignore[call-overload]
        fw = next((t for t in tables if t.kind is TableKind.FIRMWARE), None)
        first = fw.entries[0].addr if fw and fw.entries else 0
        if first in (0x100, 0x400):
            start = BootStart(StartMethod.KEXEC_LOAD, f"first RAM entry starts at {first:#x}")
        elif c["prev_end"] == "kexec":
            start = BootStart(StartMethod.KEXEC_FILE_LOAD, "previous boot ended with kexec")
        else:
            start = BootStart(StartMethod.COLD)
        out.append(
            Boot(
                index=i,
                source=str(path),
                first_line=c["first"],  # type: ignore[arg-type]
                last_line=c.get("last", c["first"]),  # type: ignore[arg-type]
                kernel=c["kernel"],  # type: ignore[arg-type]
                linux_version=c["lv"],  # type: ignore[arg-type]
                start=start,
                completeness=Completeness(MapStatus.PRESENT if fw else MapStatus.ABSENT),
                tables=tables,
                last_pfn=tuple(c["last_pfn"]),  # type: ignore[call-overload]
                memory=c["memory"],  # type: ignore[arg-type]
                initmem=tuple(c["initmem"]),  # type: ignore[call-overload]
                ended_by=str(c.get("ended_by", "eof")),
            )
        )
    return out
