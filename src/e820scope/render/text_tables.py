"""Readable tables of parsed e820 maps (``e820scope parse``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from operator import itemgetter

from ..analysis.units import human_size as _human_size
from ..model.kversion import KernelVersion, ram_types
from ..model.records import Boot, E820Table, ParsedLog, TableKind
from ..model.types import short_name
from .names import boot_label

_TITLE = {
    TableKind.FIRMWARE: "BIOS-provided physical RAM map",
    TableKind.EXTENDED: "e820_table with SETUP_E820_EXT entries",
    TableKind.SETUP_DATA: "e820_table after setup_data reservations",
    TableKind.USER: "user-defined physical RAM map",
    TableKind.MODIFIED: "modified physical RAM map",
    TableKind.FIXED: "fixed physical RAM map",
    TableKind.KEXEC_FILE_MEMMAP: "kexec_file_load hand-off memmap (kexec-bzImage64)",
    TableKind.KEXEC_TOOLS_MEMMAP: "kexec_load hand-off memmap (kexec-tools -d)",
    TableKind.LIVE: "live table",
    TableKind.HYPERVISOR: "hypervisor's map, printed before it started this kernel",
}


def human_size(n: int) -> str:
    """Binary units, exact when possible: ``639 KiB``, ``254 GiB``, ``1.5 GiB``, ``112 B``.

    An inexact value below 10 of a unit is shown in the next smaller unit
    (``3071.9 MiB``, not ``3.0 GiB``), so one decimal always tells sizes apart.
    """
    return _human_size(n, spill_below=10)


@dataclass(frozen=True)
class TableSummary:
    """Counts of one table. ``reserved_bytes`` counts every non-usable type; holes are
    the uncovered ranges between the lowest and highest entry (bytes, exclusive ends)."""

    entries: int
    usable_bytes: int
    reserved_bytes: int
    holes: int
    hole_bytes: int


def table_summary(t: E820Table, kver: KernelVersion | None) -> TableSummary:
    """The counts of ``t`` as the kernel ``kver`` reads it (usable: its RAM types)."""
    return _summary(tuple(map(_SPAN_TYPE, t.entries)), ram_types(kver))


#: (addr, size, type) of an E820Entry
_SPAN_TYPE = itemgetter(0, 1, 2)


@functools.lru_cache(maxsize=256)
def _summary(entries: tuple[tuple[int, int, int], ...], ram: frozenset[int]) -> TableSummary:
    """:func:`table_summary` of a table's (addr, size, type) values. Memoised: a kexec
    chain prints the same tables in every generation."""
    usable = sum(size for _, size, type in entries if type in ram)
    other = sum(size for _, size, _ in entries) - usable
    holes = 0
    hole_bytes = 0
    reach: int | None = None
    for addr, size, _ in sorted(entries):
        if reach is not None and addr > reach:
            holes += 1
            hole_bytes += addr - reach
        reach = addr + size if reach is None else max(reach, addr + size)
    return TableSummary(len(entries), usable, other, holes, hole_bytes)


@functools.lru_cache(maxsize=1 << 16)
def _entry_row(addr: int, size: int, type: int, raw_type: str) -> str:
    """One entry's row. Memoised: a kexec chain prints the same entries in every
    generation, so a large capture renders each distinct row once."""
    raw = (
        f"  [{raw_type.strip()}]"
        if raw_type.strip().strip("()") not in ("", short_name(type))
        else ""
    )
    last = addr + max(size, 1) - 1  # an empty entry (hvmloader prints them) shows its start
    return f"    {addr:#018x}  {last:#018x}  {human_size(size):>10}  {short_name(type)}{raw}"


def render_table(t: E820Table, kver: KernelVersion | None) -> list[str]:
    title = _TITLE.get(t.kind, t.kind.value)
    if t.kind is TableKind.HYPERVISOR and t.header:  # which of the hypervisor's maps
        title = f"{title}: {t.header!r}"
    era = f", era {t.era.value}" if t.era else ""
    where = f"  [lines {t.first_ref.line}-{t.last_ref.line}]" if t.first_ref and t.last_ref else ""
    out = [f"  {title} ({t.who}, {len(t.entries)} entries{era}){where}"]
    out.append(f"    {'start':<18}  {'end (incl.)':<18}  {'size':>10}  type")
    out.extend([_entry_row(e.addr, e.size, e.type, e.raw_type) for e in t.entries])
    for a, b in t.gaps:
        out.append(f"    gap {a:#x}-{b:#x} ({human_size(b - a + 1)}) printed by the kernel")
    s = table_summary(t, kver)
    out.append(
        f"    summary: {s.entries} entries, usable {human_size(s.usable_bytes)}, "
        f"reserved {human_size(s.reserved_bytes)}, {s.holes} hole{'s' if s.holes != 1 else ''}"
        + (f" ({human_size(s.hole_bytes)})" if s.holes else "")
    )
    if not t.complete:
        out.append("    INCOMPLETE: " + "; ".join(t.notes))
    return out


def render_boot(b: Boot, spec: str) -> list[str]:
    kernel = str(b.kernel) if b.kernel else "unknown kernel"
    out = [
        f"{boot_label(spec, b.index)}  lines {b.first_line}-{b.last_line}  Linux {kernel}  "
        f"started: {b.start.method.value}  ended by: {b.ended_by}"
    ]
    if b.source.startswith(f"{spec}@"):  # one machine's console of several (ingest.demux)
        out.append(f"  console of machine: {b.source[len(spec) + 1 :]}")
    if b.start.evidence:
        out.append(f"  start evidence: {b.start.evidence}")
    if b.cmdline:
        out.append(f"  command line: {b.cmdline}")
    comp = b.completeness
    out.append(f"  map: {comp.status.value}" + (f" ({comp.reason})" if comp.reason else ""))
    for t in b.tables:
        out.extend(render_table(t, b.kernel))
    for p in b.last_pfn:
        out.append(f"  last_pfn = {p.last_pfn:#x} ({human_size(p.last_pfn << 12)})")
    if b.memory is not None:
        out.append(
            f"  Memory: {b.memory.available_kb}K/{b.memory.total_kb}K available "
            f"(present {human_size(b.memory.total_kb * 1024)})"
        )
    return out


def render_parsed(logs: list[ParsedLog]) -> str:
    """Every boot of every input, one block each, separated by blank lines."""
    blocks = ["\n".join(render_boot(b, p.source)) for p in logs for b in p.boots]
    return "\n\n".join(blocks) + ("\n" if blocks else "")
