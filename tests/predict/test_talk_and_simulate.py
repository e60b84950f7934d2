"""The talk's numbers from the synthetic seed, and simulate's round trip through the reader."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from e820scope.analysis.chain_input import load_boots
from e820scope.analysis.growth import (
    Assumptions,
    Blob,
    HandoffPath,
    generations,
    infer_mechanism,
    split_for,
)
from e820scope.analysis.predict import predict
from e820scope.analysis.simulate import SYNTHETIC_TAG, simulate_logs
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry, usable_bytes
from e820scope.model.types import Era

from .conftest import PATCHED

BUGGY = Assumptions(KernelVersion.parse("5.7"), HandoffPath.KEXEC_FILE_LOAD, ("SETUP_EFI",))


def test_talk_numbers_from_the_seed(samples: Path) -> None:
    """15 entries, +2 per kexec reboot: 129 entries after the 57th kexec reboot."""
    gens = generations(load_boots([str(samples / "synthetic" / "talk-seed-15.map")]))
    assert len(gens[0].received) == 15
    p = predict(gens, infer_mechanism(gens, BUGGY))
    for k in range(0, 58):  # after k kexec reboots the kernel is generation k + 1
        assert p.state(k + 1).handoff_entries == 15 + 2 * k
    assert p.state(58).handoff_entries == 129
    assert p.first_overflow == 58
    assert p.first_truncated == 59  # the 58th kexec reboot passes 128 of 129


def test_synthetic_chain_files_predict_the_same(samples: Path) -> None:
    chain = samples / "synthetic" / "talk-chain-5.7"
    files = [str(chain / f"gen{i:02d}.log") for i in (1, 2, 3)]
    gens = generations(load_boots(files))
    # gen01 is a reprint with no firmware output before the banner: nothing shows a cold
    # boot, so the parser says unknown; the later generations carry SETUP_EFI evidence.
    assert [g.start.value for g in gens] == ["unknown", "kexec_file_load", "kexec_file_load"]
    p = predict(gens, infer_mechanism(gens, Assumptions()))
    assert p.mechanism.source == "observed"
    assert p.first_overflow == 58 and p.state(58).handoff_entries == 129
    assert SYNTHETIC_TAG in (chain / "gen01.log").read_text()


@pytest.mark.parametrize("era", [Era.A, Era.B, Era.C, Era.D])
def test_simulate_round_trip(samples: Path, tmp_path: Path, era: Era) -> None:
    boots = load_boots([str(samples / "lab" / PATCHED)])[:3]
    gens = generations(boots)
    pred = predict(gens, infer_mechanism(gens, Assumptions()), at_least=60)
    kver = KernelVersion.parse({Era.A: "3.4", Era.B: "4.10", Era.C: "5.7", Era.D: "5.7"}[era])
    # the whole chain past the cap in era C; a shorter one in the other eras
    count = 58 if era is Era.C else 12
    logs = simulate_logs(pred, kver, era, count, source="test")
    assert len(logs) == count + 1  # gen 3 of the lab is gen01
    for log in logs:
        (tmp_path / log.filename).write_text(log.text)
    back = load_boots([str(tmp_path / log.filename) for log in logs])
    assert len(back) == len(logs)
    for log, boot in zip(logs, back, strict=True):
        fw = boot.firmware_map
        assert fw is not None
        # type 128 prints as usable (<= 6.14): compare ranges and usable bytes
        assert [(e.addr, e.size) for e in fw.entries] == [
            (e.addr, e.size) for e in log.state.received
        ], log.filename
        assert fw.usable_bytes(boot.kernel) == usable_bytes(log.state.received, None)
    # the reread chain predicts the same truncation as the original
    regen = generations(back)
    again = predict(regen, infer_mechanism(regen, Assumptions()))
    assert again.first_truncated == 58 - 2  # gen 58 of the lab is gen 56 of the files
    assert again.mechanism.source == "observed"


_ram = st.tuples(
    st.integers(min_value=0x1000, max_value=1 << 20),
    st.integers(min_value=0x200, max_value=1 << 16),
)


@settings(max_examples=200, deadline=None)
@given(_ram, st.integers(min_value=1, max_value=0x1F0), st.integers(min_value=1, max_value=0x100))
def test_split_adds_two_entries_and_keeps_usable_bytes(
    ram: tuple[int, int], offset: int, size: int
) -> None:
    addr, length = ram
    table = (
        E820Entry(0, 0x1000, 2),
        E820Entry(0x1000 + addr, length, 1),
        E820Entry(0x1000 + addr + length + 0x1000, 0x1000, 2),
    )
    blob_at = table[1].addr + offset
    inside = blob_at + size < table[1].end
    out = split_for(table, [Blob(blob_at, size, "SETUP_EFI")])
    assert usable_bytes(out, None) == usable_bytes(table, None)
    assert all(a.end <= b.addr for a, b in itertools.pairwise(out))
    if inside:
        assert len(out) == len(table) + 2
        assert E820Entry(blob_at, size, 128) in out
