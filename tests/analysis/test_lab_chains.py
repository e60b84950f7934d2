"""The lab kexec chains: one split per generation, the cap drop, the oracles.

LAB-NR / LAB-SUMMARY lines and samples/lab/MANIFEST.tsv are test oracles only: the code
under test never reads them.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from e820scope.analysis.align import ChangeKind
from e820scope.analysis.diff import diff_boots
from e820scope.analysis.handoff_model import check_kexec_file_handoff
from e820scope.model.records import Boot

PATCHED = "lab/patched-6.1-ovmf-4g-chain.log"
Boots = Callable[[str], tuple[Boot, ...]]


def lab_nr(samples: Path) -> dict[int, tuple[int, int, int]]:
    text = (samples / PATCHED).read_text(errors="replace")
    return {
        int(m[1]): (int(m[2]), int(m[3]), int(m[4]))
        for m in re.finditer(
            r"^LAB-NR gen=(\d+) table=(\d+) kexec=(\d+) firmware=(\d+)", text, re.M
        )
    }


def manifest_memtotal(samples: Path, name: str) -> list[int]:
    with (samples / "lab" / "MANIFEST.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["filename"] == name:
                return [int(x) for x in row["memtotal_kb_per_generation"].split(",")]
    raise AssertionError(name)


def test_kexec_table_model_matches_lab_nr(boots: Boots, samples: Path) -> None:
    chain = boots(PATCHED)
    nr = lab_nr(samples)
    assert len(nr) == 63
    for g in range(1, 64):
        check = check_kexec_file_handoff(chain[g - 1], chain[g])
        assert check is not None and check.matches, g
        assert len(check.model.entries) == nr[g][1], g  # e820_table_kexec nr_entries
        assert len(chain[g - 1].firmware_map or ()) == nr[g][2], g  # firmware table


def test_one_split_per_generation_at_the_setup_data_blob(boots: Boots) -> None:
    chain = boots(PATCHED)
    for g in range(1, 63):
        d = diff_boots(chain[g - 1], chain[g])
        splits = d.of_kind(ChangeKind.SPLIT)
        assert len(splits) == 1, g
        (c,) = splits
        assert len(c.after) == 3 and c.after[1].type == 128
        own = [p.entry for p in d.a_hidden.own]
        assert own == [c.after[1]], g  # the piece is A's own setup_data node
        size = c.after[1].size
        # gen 1 -> 2: the EFI stub's 40000-byte blob (cold boot); afterwards SETUP_EFI nodes
        assert size == (40000 if g == 1 else 0x70), g


def test_first_shrink_is_a_zeropage_cap_drop(boots: Boots, samples: Path) -> None:
    memtotal = manifest_memtotal(samples, "patched-6.1-ovmf-4g-chain.log")
    first = next(g for g in range(2, len(memtotal) + 1) if memtotal[g - 1] < memtotal[g - 2] - 1024)
    assert first == 58 and (memtotal[56], memtotal[57]) == (4046628, 3078696)
    chain = boots(PATCHED)
    d = diff_boots(chain[first - 2], chain[first - 1])
    dropped = [e for c in d.of_kind(ChangeKind.DROPPED_AT_CAP) for e in c.before]
    # lines 20595-20596: the last two lines of gen 57's 130-line reserve setup_data block
    assert [(e.addr, e.size, e.type) for e in dropped] == [
        (0xFFC00000, 0x400000, 2),
        (0x100000000, 0x40000000, 1),
    ]
    assert d.usable_lost == 0x40000000
    assert d.of_kind(ChangeKind.REMOVED) == ()
    text = " ".join(d.verdict.summary)
    assert "0x100000000-0x13fffffff usable (1 GiB) was not passed on" in text
    assert "kexec table had 130 entries and kexec_file_load passes 128" in text
    assert "setup_e820_entries()" in text and "8efbc518b884" in text and "(v5.8)" in text
    # the Memory: line confirms it: present pages fell by exactly 1 GiB
    assert d.a.memory and d.b.memory
    assert d.a.memory.total_kb - d.b.memory.total_kb == 1024 * 1024


def test_no_drop_before_the_cap(boots: Boots) -> None:
    chain = boots(PATCHED)
    for g in range(1, 57):
        d = diff_boots(chain[g - 1], chain[g])
        assert not d.of_kind(ChangeKind.DROPPED_AT_CAP), g
        assert d.usable_lost == 0, g


def test_patched_build_is_recognised(boots: Boots) -> None:
    chain = boots(PATCHED)
    d = diff_boots(chain[1], chain[2])
    assert d.handoff is not None and d.handoff.matches and not d.handoff.policy_agrees
    assert d.handoff.model.basis == "all setup_data"
    assert any("lacks or reverts the fix" in s for s in d.verdict.summary)
    # prediction from gen 3 (20 entries): the hop into gen 58 is the first to drop
    assert any("hop into boot #58" in s for s in d.verdict.summary)


def test_slow_waste_explained(boots: Boots, samples: Path) -> None:
    memtotal = manifest_memtotal(samples, "patched-6.1-ovmf-4g-chain.log")
    assert memtotal[9] == memtotal[8] - 4  # gen 10 lost a page of MemTotal
    chain = boots(PATCHED)
    d = diff_boots(chain[8], chain[9])
    text = " ".join(d.verdict.summary)
    assert "available 4035672K -> 4035668K (-4K)" in text
    assert "e820__reserve_resources()" in text


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        # +2 once (the EFI stub's SETUP_PCI-sized blob), then flat: SETUP_EFI stays out
        # of the kexec table (8efbc518b884)
        ("lab/stock-6.1-ovmf-6g-chain.log", [False, True, True, True]),
        ("lab/stock-5.10-ovmf-6g-chain.log", [False, True, True]),
        ("lab/stock-6.1-seabios-6g-chain.log", [True, True, True, True]),
    ],
)
def test_stock_chains(boots: Boots, name: str, expect: list[bool]) -> None:
    chain = boots(name)
    got = []
    for a, b in itertools.pairwise(chain):
        d = diff_boots(a, b)
        assert d.handoff is not None and d.handoff.matches and d.handoff.policy_agrees
        got.append(d.identical)
    assert got == expect
    first = diff_boots(chain[0], chain[1])
    if not first.identical:
        (split,) = first.of_kind(ChangeKind.SPLIT)
        assert split.after[1].size == 40000
        later = diff_boots(chain[1], chain[2])
        assert any("stayed out of its e820_table_kexec" in s for s in later.verdict.summary)


def test_lkml10_kexec_load_vs_cold(boots: Boots) -> None:
    b1, b2 = boots("public/lkml-10-kexec.log")
    d = diff_boots(b1, b2)
    kinds = [c.kind for c in d.changes if c.kind is not ChangeKind.UNCHANGED]
    assert kinds == [ChangeKind.GROWN, ChangeKind.ADDED]
    (added,) = d.of_kind(ChangeKind.ADDED)
    assert (added.after[0].addr, added.after[0].end) == (0xE4000, 0x100000)
    assert d.handoff is None
    text = " ".join(d.verdict.summary)
    assert "started by kexec_load" in text and "0x100" in text
