"""One file per generation (samples/lab/patched-6.1-ovmf-4g-chain/genNN.log).

Two separate files are consecutive generations only when the content says so: B received
exactly the first 128 entries of A's modelled e820_table_kexec.
"""

from __future__ import annotations

from pathlib import Path

from e820scope.analysis.diff import diff_boots
from e820scope.parse import select_boot


def _gens(samples: Path) -> Path:
    return samples / "lab" / "patched-6.1-ovmf-4g-chain"


def test_gen57_gen58_files_diagnose_the_cap_drop(samples: Path) -> None:
    d = diff_boots(
        select_boot(str(_gens(samples) / "gen57.log")),
        select_boot(str(_gens(samples) / "gen58.log")),
    )
    assert d.consecutive and d.handoff is not None and d.handoff.matches
    dropped = [(e.addr, e.size, e.type) for e in d.handoff.dropped]
    assert dropped == [(0xFFC00000, 0x400000, 2), (0x100000000, 0x40000000, 1)]
    assert d.usable_before - d.usable_after == 1 << 30


def test_gen01_gen58_files_are_not_taken_for_consecutive(samples: Path) -> None:
    d = diff_boots(
        select_boot(str(_gens(samples) / "gen01.log")),
        select_boot(str(_gens(samples) / "gen58.log")),
    )
    assert not d.consecutive and d.handoff is None


def test_split_files_are_the_capture_lines(samples: Path) -> None:
    whole = (samples / "lab" / "patched-6.1-ovmf-4g-chain.log").read_bytes()
    for name in ("gen01.log", "gen02.log", "gen03.log", "gen57.log", "gen58.log"):
        part = (_gens(samples) / name).read_bytes()
        assert part.rstrip(b"\n") in whole, name
