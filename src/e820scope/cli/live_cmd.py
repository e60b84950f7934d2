"""``e820scope live``: the running machine's e820 tables side by side, and the kexec budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..boundary import Boundary
from ..errors import UnavailableError
from ..live.budget import KexecBudget, kexec_budget
from ..live.dump import Dump
from ..live.iomem import system_ram_bytes
from ..live.load import build_and_load, default_kmod_dir
from ..live.prometheus import metrics, render, write_atomically
from ..live.snapshot import LiveSnapshot, take_snapshot
from ..model.records import E820Entry
from ..model.types import short_name
from ..render.json_common import entry_range, hex_of, range_json
from .common import check_output, echo, handle_errors, writing


def _columns(snap: LiveSnapshot) -> list[tuple[str, tuple[E820Entry, ...]]]:
    cols: list[tuple[str, tuple[E820Entry, ...]]] = []
    if snap.module:
        for name, t in snap.module.tables.items():
            cols.append((name, t.entries))
    if snap.memmap is not None:
        cols.append(("sysfs memmap", snap.memmap))
    if snap.boot_params is not None:
        cols.append(("boot_params", snap.boot_params.e820_table))
    return cols


def side_by_side(cols: list[tuple[str, tuple[E820Entry, ...]]]) -> list[str]:
    """One row per distinct ``[first-last]`` range; each column shows its type or blank."""
    ranges = sorted({(e.addr, e.last) for _, entries in cols for e in entries})
    lookup = [{(e.addr, e.last): e.type for e in entries} for _, entries in cols]
    labels = [short_name(e.type) for _, entries in cols for e in entries]
    width = max([len(x) for x in labels] + [len(name) for name, _ in cols] + [10])
    head = f"{'range (inclusive)':<38}" + "".join(f" {name:<{width}}" for name, _ in cols)
    count = f"{'entries':<38}" + "".join(f" {len(e):<{width}}" for _, e in cols)
    lines = [head.rstrip(), count.rstrip()]
    for first, last in ranges:
        cells = []
        for lk in lookup:
            t = lk.get((first, last))
            cells.append(f" {short_name(t) if t is not None else '-':<{width}}")
        lines.append((f"{first:#018x}-{last:#018x} " + "".join(cells)).rstrip())
    return lines


#: ``live --json`` document (schemas/live-1.json, docs/json.md).
SCHEMA = "e820scope.live/1"


def _entry_json(e: E820Entry) -> dict[str, Any]:
    return entry_range(e)


def _budget_json(b: KexecBudget, source: str) -> dict[str, Any]:
    return {
        "source": source,
        "kexec_entries": b.kexec_entries,
        "passed": len(b.passed),
        "dropped": [_entry_json(e) for e in b.dropped],
        "dropped_bytes": b.dropped_bytes,
        "growth_per_generation": b.growth,
        "reboots_left": b.reboots_left,
        "next_setup_data_reserved": list(b.next_setup_data),
        "notes": list(b.notes),
    }


def _budget(snap: LiveSnapshot) -> tuple[KexecBudget, str] | None:
    kt = snap.kexec_table()
    if kt is None or snap.kernel is None:
        return None
    return kexec_budget(kt[0], snap.kernel, efi=snap.efi), kt[1]


def snapshot_json(snap: LiveSnapshot) -> dict[str, Any]:
    bp = snap.boot_params
    budget = _budget(snap)
    return {
        "schema": SCHEMA,
        "root": str(snap.root),
        "kernel": str(snap.kernel) if snap.kernel else None,
        "efi": snap.efi,
        "sysfs_memmap": {
            "table": snap.memmap_table,
            "entries": [_entry_json(e) for e in snap.memmap],
        }
        if snap.memmap is not None
        else None,
        "iomem_top_level": [
            {**range_json(r.start, r.last - r.start + 1), "name": r.name}
            for r in snap.iomem
            if r.depth == 0
        ]
        if snap.iomem is not None
        else None,
        "boot_params": {
            "version": snap.boot_params_version,
            "e820_entries": bp.e820_entries,
            "setup_data": bp.setup_data,
            "setup_data_hex": hex_of(bp.setup_data),
            "e820_table": [_entry_json(e) for e in bp.e820_table],
            "setup_data_nodes": [
                {"index": n.index, "type": n.type, "data_len": n.data_len} for n in snap.setup_data
            ],
        }
        if bp
        else None,
        "module": {
            "status": snap.module.status,
            "tables": {
                name: {
                    "nr_entries": t.nr_entries,
                    "capacity": t.capacity,
                    "zeropage_max": t.zeropage_max,
                    "entries": [_entry_json(e) for e in t.entries],
                }
                for name, t in snap.module.tables.items()
            },
        }
        if snap.module
        else None,
        "kexec_budget": _budget_json(*budget) if budget else None,
        "missing": snap.missing,
        "warnings": snap.warnings,
    }


def render_text(snap: LiveSnapshot) -> list[str]:
    out = [f"kernel: {snap.kernel or 'unknown'}  efi: {'yes' if snap.efi else 'no'}"]
    if snap.memmap is not None:
        out.append(f"/sys/firmware/memmap shows {snap.memmap_table} on this kernel")
    if snap.iomem is not None:
        ram = system_ram_bytes(snap.iomem)
        top = sum(r.depth == 0 for r in snap.iomem)
        out.append(
            f"/proc/iomem: {top} top-level resources, System RAM {ram} bytes ({ram >> 20} MiB)"
        )
    if snap.boot_params:
        bp = snap.boot_params
        out.append(
            f"boot_params: version {snap.boot_params_version} e820_entries={bp.e820_entries} "
            f"setup_data={bp.setup_data:#x} nodes="
            + (",".join(f"{n.type:#x}" for n in snap.setup_data) or "none")
        )
    if snap.module:
        st = snap.module.status
        out.append(
            "module: "
            + ", ".join(
                f"{k} via {st[k]}"
                for k in ("e820_table", "e820_table_kexec", "e820_table_firmware")
                if k in st
            )
        )
    cols = _columns(snap)
    if cols:
        out.append("")
        out.extend(side_by_side(cols))
    budget = _budget(snap)
    out.append("")
    if budget:
        b, src = budget
        left = "never (no growth)" if b.reboots_left is None else str(b.reboots_left)
        out.append(f"kexec budget (from {src}):")
        out.append(f"  e820_table_kexec entries: {b.kexec_entries} (zero page holds 128)")
        out.append(
            f"  next kexec_file_load passes {len(b.passed)}, drops {len(b.dropped)}"
            + (f" ({b.dropped_bytes:#x} bytes)" if b.dropped else "")
        )
        out.append(
            f"  growth per generation: +{b.growth} ({', '.join(b.next_setup_data) or 'none'})"
        )
        out.append(f"  kexec reboots left before loss: {left}")
    else:
        out.append("kexec budget: unavailable (needs the module's e820_table_kexec, or 6.15+)")
    return out


@click.command("live")
@click.option("--json", "as_json", is_flag=True, help=f"JSON output (schema {SCHEMA}).")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/"),
    show_default=True,
    help="Filesystem root to read /sys and /proc under (for dumps of another machine).",
)
@click.option(
    "--prometheus",
    "prom_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="Also write the kexec budget as node_exporter textfile-collector metrics to FILE "
    "(replaced atomically; docs/metrics.md).",
)
@click.option("--load", is_flag=True, help="Build and load kmod/ first if not loaded (root).")
@click.option(
    "--kmod-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the module sources are (default: the copy shipped in the package, "
    "e820scope/kmod; it is built in a temporary copy).",
)
@handle_errors
def live(
    as_json: bool, root: Path, prom_file: str | None, load: bool, kmod_dir: Path | None
) -> None:
    """Read the running machine: module tables, /sys/firmware/memmap, /proc/iomem, boot_params.

    Prints the tables side by side (one row per range) and the kexec budget. Without
    root or without the module it shows what it can and lists what is missing on stderr.
    """
    if load:
        release = Dump(Boundary(root)).text("proc/sys/kernel/osrelease")
        if not release or not release.strip():
            raise UnavailableError(
                f"--load: no kernel release in {root / 'proc/sys/kernel/osrelease'}",
                hint="--load builds the module for the running kernel; run it on that machine",
            )
        echo(build_and_load(kmod_dir or default_kmod_dir(), release=release.strip()), err=True)
    prom = check_output(prom_file) if prom_file else None
    snap = take_snapshot(root)
    if prom is not None:
        with writing(prom):
            write_atomically(prom, render(metrics(snap, _budget(snap))))
    if as_json:
        echo(json.dumps(snapshot_json(snap), indent=1))
    else:
        echo("\n".join(render_text(snap)))
    for m in snap.missing:
        echo(f"e820scope live: missing: {m}", err=True)
    for w in snap.warnings:
        echo(f"e820scope live: warning: {w}", err=True)
