"""Lab bookkeeping read as test oracles (never as inputs to predict).

``LAB-SUMMARY gen=N ... memtotal_kb=M`` and ``LAB-NR gen=N table=T kexec=K firmware=F``
lines were printed by the lab's init and its kernel module (true nr_entries of the three
tables); samples/lab/MANIFEST.tsv summarises them per chain. The project parser ignores
``LAB-*`` lines on purpose, so these plain readers are their only readers (also used by
tests/kernel as ``predict.oracles``); the e820 blocks come from ``e820scope.parse``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

_NR = re.compile(r"^LAB-NR gen=(\d+) table=(\d+) kexec=(\d+) firmware=(\d+)")


def manifest(samples: Path) -> dict[str, dict[str, str]]:
    with (samples / "lab" / "MANIFEST.tsv").open() as fh:
        return {row["filename"]: row for row in csv.DictReader(fh, delimiter="\t")}


def memtotal_kb(samples: Path, name: str) -> list[int]:
    """MemTotal per generation (index 0 = gen 1)."""
    return [int(x) for x in manifest(samples)[name]["memtotal_kb_per_generation"].split(",")]


def bios_lines(samples: Path, name: str) -> list[int]:
    return [int(x) for x in manifest(samples)[name]["bios_e820_per_generation"].split(",")]


def lab_nr(path: Path) -> dict[int, tuple[int, int, int]]:
    """gen -> (nr_entries of e820_table, e820_table_kexec, e820_table_firmware)."""
    out: dict[int, tuple[int, int, int]] = {}
    for line in path.read_text(errors="replace").splitlines():
        m = _NR.match(line)
        if m:
            out[int(m.group(1))] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return out
