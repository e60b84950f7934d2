"""Human-readable ``e820scope diff`` report.

Sections: the two boots and which map was compared; the changes (unchanged entries are
counted, not listed); bytes per type; boot-level numbers side by side; the verdict and
its evidence. Ranges print ``first-last`` with the inclusive last address.
"""

from __future__ import annotations

from ..analysis.align import Change, ChangeKind
from ..analysis.diff import BootDiff
from ..analysis.units import describe, human_size
from ..model.records import Boot
from ..model.types import short_name

#: Pieces of one change listed before "... N more".
MAX_PIECES = 12


def _boot_line(tag: str, boot: Boot, n: int, who: str, ref: object) -> str:
    kernel = str(boot.kernel) if boot.kernel else "kernel ?"
    return (
        f"  {tag}  {boot.label}  {kernel}  started: {boot.start.method.value}  {n} entries  "
        f"({who} block at {ref or '?'})"
    )


def _change_lines(c: Change) -> list[str]:
    kind = c.kind.value.replace("_", " ")
    out: list[str] = []
    if c.kind is ChangeKind.ADDED:
        out.append(f"  {kind:<15} " + "; ".join(describe(e) for e in c.after))
    elif len(c.before) == 1 and len(c.after) <= 1:
        tail = f"  ->  {describe(c.after[0])}" if c.after else ""
        out.append(f"  {kind:<15} {describe(c.before[0])}{tail}")
    else:
        src = describe(c.before[0]) if len(c.before) == 1 else f"{len(c.before)} entries"
        dst = describe(c.after[0]) if len(c.after) == 1 else f"{len(c.after)} entries"
        out.append(f"  {kind:<15} {src}  ->  {dst}")
        if len(c.before) > 1:
            out.extend(f"{'':18}- {describe(e)}" for e in c.before[:MAX_PIECES])
            if len(c.before) > MAX_PIECES:
                out.append(f"{'':18}  ... {len(c.before) - MAX_PIECES} more")
        if len(c.after) > 1:
            out.extend(f"{'':18}+ {describe(e)}" for e in c.after[:MAX_PIECES])
            if len(c.after) > MAX_PIECES:
                out.append(f"{'':18}  ... {len(c.after) - MAX_PIECES} more")
    notes = list(c.notes)
    for note in notes[:MAX_PIECES]:
        out.append(f"{'':18}note: {note}")
    if len(notes) > MAX_PIECES:
        out.append(f"{'':18}note: ... {len(notes) - MAX_PIECES} more like these")
    return out


def _side(label: str, a: str, b: str) -> str:
    return f"  {label:<20} {a:<40} {b}"


def _facts(d: BootDiff) -> list[str]:
    a, b = d.a, d.b
    lines = [_side("", "A", "B")]
    lines.append(_side("entries", str(len(d.a_entries)), str(len(d.b_entries))))
    lines.append(
        _side(
            "hidden type 128",
            f"{len(d.a_hidden.carried)} received, {len(d.a_hidden.own)} own",
            f"{len(d.b_hidden.carried)} received, {len(d.b_hidden.own)} own",
        )
    )
    lines.append(
        _side(
            "last_pfn",
            ", ".join(f"{p.last_pfn:#x}" for p in a.last_pfn) or "-",
            ", ".join(f"{p.last_pfn:#x}" for p in b.last_pfn) or "-",
        )
    )
    nodes = sorted({n.node for n in (*a.initmem, *b.initmem)})
    for node in nodes:

        def rng(boot: Boot, node: int = node) -> str:
            got = [n for n in boot.initmem if n.node == node]
            if not got:
                return "-"
            n = got[0]
            return "memoryless" if n.memoryless else f"[mem {n.addr:#x}-{n.end - 1:#x}]"

        lines.append(_side(f"Initmem node {node}", rng(a), rng(b)))

    def mem(boot: Boot) -> str:
        m = boot.memory
        return f"{m.available_kb}K/{m.total_kb}K" if m else "-"

    lines.append(_side("Memory: avail/total", mem(a), mem(b)))
    return lines


def _machine(d: BootDiff) -> str:
    m = d.machine
    if m.same is False:
        return "no, different machines (" + "; ".join(m.differ) + ")"
    if m.same:
        return "yes (" + "; ".join(m.agree) + ")"
    told = "; ".join((*m.differ, *m.agree))
    return "cannot tell" + (f" ({told})" if told else " (no identity lines in the logs)")


def render_diff(d: BootDiff) -> str:
    out: list[str] = [f"e820scope diff: {d.a.label} -> {d.b.label}"]
    out.append(f"compared: {d.map_note}")
    out.append(_boot_line("A", d.a, len(d.a_entries), d.a_table.who, d.a_table.first_ref))
    out.append(_boot_line("B", d.b, len(d.b_entries), d.b_table.who, d.b_table.first_ref))
    out.append(f"  same machine: {_machine(d)}")
    if d.twice:
        out.append(f"  printed twice: {d.twice}")
    out.extend(f"  cut: {c}" for c in d.cuts)
    out.append("")
    changed = [c for c in d.changes if c.kind is not ChangeKind.UNCHANGED]
    unchanged = len(d.changes) - len(changed)
    out.append(f"Changes ({len(changed)}; {unchanged} entries unchanged, not listed):")
    for c in changed:
        out.extend(_change_lines(c))
    if not changed:
        out.append("  none")
    out.append("")
    out.append(f"  {'bytes per type':<26} {'A':>16} {'B':>16} {'delta':>16}")
    for t in d.bytes_by_type:
        delta = f"{t.delta:+d}" if t.delta else "0"
        out.append(f"  {short_name(t.type):<26} {t.before:>16} {t.after:>16} {delta:>16}")
    lost = f"{d.usable_lost} bytes ({human_size(d.usable_lost)})" if d.usable_lost else "none"
    if d.machine.same is False:
        lost = "none (two machines)"
    where = " (where both maps show them)" if d.cuts else ""
    out.append(f"  usable RAM{where}: {d.usable_before} -> {d.usable_after} bytes; lost: {lost}")
    out.append("")
    out.extend(_facts(d))
    out.append("")
    out.append("Verdict:")
    out.extend(f"  {s}" for s in d.verdict.summary)
    out.append("Evidence:")
    out.extend(f"  - {s}" for s in d.verdict.evidence)
    return "\n".join(out) + "\n"
