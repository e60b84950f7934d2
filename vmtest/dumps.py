"""Reading a test-bed generation's dumps, and comparing tables (for vmtest.oracle)."""

from __future__ import annotations

from pathlib import Path

from e820scope.kernel import policy
from e820scope.kernel.table import KernelTable
from e820scope.live.module_files import ModuleTable, parse_module_table
from e820scope.live.snapshot import running_version
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import Boot, E820Entry
from e820scope.parse import parse_input

from .console import Generation

MOD = "/sys/kernel/e820scope/"


def triples(
    entries: tuple[E820Entry, ...], *, fold_128: bool = False
) -> list[tuple[int, int, int]]:
    """(addr, last, type) rows; ``fold_128`` maps RESERVED_KERN to RAM as <= 6.14 prints it."""
    return [(e.addr, e.last, 1 if fold_128 and e.type == 128 else e.type) for e in entries]


def fmt_row(t: tuple[int, int, int] | None) -> str:
    return "-" if t is None else f"[{t[0]:#x}-{t[1]:#x}] {t[2]}"


def diff_rows(
    what: str, got: list[tuple[int, int, int]], want: list[tuple[int, int, int]]
) -> list[str]:
    if got == want:
        return []
    lines = [f"{what}: {len(got)} vs {len(want)} entries"]
    for i in range(max(len(got), len(want))):
        a = got[i] if i < len(got) else None
        b = want[i] if i < len(want) else None
        if a != b:
            lines.append(f"  #{i}: {fmt_row(a)} != {fmt_row(b)}")
    return lines


def module_table(g: Generation, name: str) -> ModuleTable:
    return parse_module_table(g.text(MOD + name), f"gen{g.gen}:{MOD}{name}")


def kernel_version(g: Generation) -> KernelVersion:
    kv = running_version(
        g.text("/proc/sys/kernel/osrelease"), g.files.get("/proc/version", b"").decode()
    )
    assert kv is not None
    return kv


def parse_text(text: str, name: str, workdir: Path) -> list[Boot]:
    """Parse ``text`` with e820scope's own reader and parser (as a user would)."""
    path = workdir / name
    path.write_text(text)
    return list(parse_input(str(path)).boots)


def sanitized(entries: tuple[E820Entry, ...], kver: KernelVersion) -> tuple[E820Entry, ...]:
    table = KernelTable.from_entries(entries, capacity=max(128, len(entries)))
    table.update_table(policy.nomerge_types(kver))
    return table.to_entries()
