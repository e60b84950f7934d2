"""predict against the real QEMU chains in samples/lab.

The patched chain (6.1.192 with 8efbc518b884 reverted, kexec_file_load under OVMF) is
the validation: predict reads only its first three generations, and every claim is
checked against what the later generations of the real log show.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e820scope.analysis.chain_input import load_boots
from e820scope.analysis.growth import (
    Assumptions,
    Generation,
    HandoffPath,
    generations,
    infer_mechanism,
)
from e820scope.analysis.predict import Prediction, predict
from e820scope.errors import InputError
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry, usable_bytes

from . import oracles
from .conftest import PATCHED

GiB = 1 << 30


@pytest.fixture(scope="module")
def from_three(patched_gens: list[Generation]) -> Prediction:
    gens = patched_gens[:3]
    return predict(gens, infer_mechanism(gens, Assumptions()))


def test_mechanism_is_observed_setup_efi(from_three: Prediction) -> None:
    m = from_three.mechanism
    assert m.source == "observed"
    assert m.path is HandoffPath.KEXEC_FILE_LOAD
    assert m.blob_sizes == (0x70,)
    assert m.carried_kinds == ("SETUP_EFI",)
    assert m.entries_per_generation == 2
    # gen 2's blob at 0x9a1e0 (log line 278) is an entry of gen 3's BIOS map (line 514)
    assert any("0x9a1e0" in e and "carried" in e for e in m.evidence)


def test_first_truncation_generation_matches_real_log(
    from_three: Prediction, samples: Path
) -> None:
    mem = oracles.memtotal_kb(samples, PATCHED)
    # the first generation whose MemTotal falls by more than a few pages
    real_first = next(g for g in range(2, len(mem) + 1) if mem[g - 2] - mem[g - 1] > 1024)
    assert real_first == 58
    assert from_three.first_overflow == 57
    assert from_three.first_truncated == real_first
    assert from_three.first_loss is not None
    assert from_three.first_loss.generation == real_first
    assert from_three.reboots_until_truncation == 55


def test_dropped_ranges_and_bytes_exact(
    from_three: Prediction, patched_gens: list[Generation]
) -> None:
    loss = from_three.first_loss
    assert loss is not None
    assert loss.dropped == (
        E820Entry.from_inclusive(0xFFC00000, 0xFFFFFFFF, 2),
        E820Entry.from_inclusive(0x100000000, 0x13FFFFFFF, 1),
    )
    assert loss.usable_lost == 1 * GiB
    real57, real58 = patched_gens[56].received, patched_gens[57].received
    assert loss.usable_before == usable_bytes(real57, None)
    assert loss.usable_after == usable_bytes(real58, None)
    # the dropped entries are exactly those gen 57 had and gen 58 did not receive
    gone = [e for e in real57 if e not in real58 and e.addr >= 0x100000]
    assert tuple(gone) == loss.dropped


def test_following_losses_match_memtotal_steps(from_three: Prediction, samples: Path) -> None:
    mem = oracles.memtotal_kb(samples, PATCHED)
    by_gen = {x.generation: x for x in from_three.losses}
    assert sorted(by_gen) == [58, 59, 60, 61, 62, 63, 64]
    for g in range(59, 64):
        drop_kb = mem[g - 2] - mem[g - 1]
        lost_kb = by_gen[g].usable_lost / 1024
        if by_gen[g].usable_lost == 0:
            assert drop_kb == 0, g
        else:
            # MemTotal also loses the struct pages of the dropped RAM: within 1%
            assert drop_kb > 0 and abs(drop_kb - lost_kb) <= 0.01 * lost_kb + 40, g


def test_death_generation_is_the_one_that_panics(
    from_three: Prediction, patched_boots: list
) -> None:
    assert from_three.death == 64
    assert patched_boots[63].events_of("panic")
    assert not any(b.events_of("panic") for b in patched_boots[:63])
    assert from_three.state(64).usable_above_floor == 0
    assert from_three.state(63).usable_above_floor > 3 * GiB - 64 * (1 << 20)


def test_predicted_maps_match_every_real_generation(
    from_three: Prediction, patched_gens: list[Generation]
) -> None:
    """Counts exact for gens 4-64; entries above 1 MiB exact (blob addresses below drift)."""
    for real in patched_gens[3:]:
        pred = from_three.state(real.number)
        assert len(pred.received) == len(real.received), real.number
        hi = [(e.addr, e.size, e.type) for e in pred.received if e.addr >= 0x100000]
        rhi = [(e.addr, e.size, e.type) for e in real.received if e.addr >= 0x100000]
        assert hi == rhi, real.number
    # the observed stride (-0x5000) reproduces the low blobs exactly while it fits
    for real in patched_gens[3:33]:
        assert from_three.state(real.number).received == real.received, real.number


def test_handoff_counts_match_lab_nr(from_three: Prediction, samples: Path) -> None:
    nr = oracles.lab_nr(samples / "lab" / PATCHED)
    assert len(nr) == 63
    for gen, (_table, kexec, firmware) in nr.items():
        st = from_three.state(gen)
        assert st.handoff_entries == kexec, gen
        assert len(st.received) == firmware, gen


def test_slow_waste_model_reproduces_memtotal(
    patched_gens: list[Generation], samples: Path
) -> None:
    """MemTotal falls 4 KiB every ~10.7 generations before the cap (gens 2-57).

    Model: 64 bytes per e820_table entry + 128 per firmware entry of never-freed memblock
    metadata; +2 entries in each table per generation = 384 bytes. Some page phase must
    reproduce every step; 320 or 448 bytes per generation must not.
    """
    from e820scope.analysis.predict import metadata_bytes

    mem = oracles.memtotal_kb(samples, PATCHED)
    gens = patched_gens[1:57]
    meta = [metadata_bytes(len(g.setup_table or ()), len(g.received)) for g in gens]
    assert meta[1] - meta[0] == 384

    def fits(scale: float) -> bool:
        for phase in range(0, 4096, 8):
            ok = all(
                mem[1] - mem[g.number - 1] == 4 * ((phase + int((m - meta[0]) * scale)) // 4096)
                for g, m in zip(gens, meta, strict=True)
            )
            if ok:
                return True
        return False

    assert fits(1.0)
    assert not fits(320 / 384)
    assert not fits(448 / 384)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("stock-5.10-ovmf-6g-chain.log", "the kernel has 8efbc518b884 (v5.8) for SETUP_EFI"),
        ("stock-6.1-ovmf-6g-chain.log", "the kernel has 8efbc518b884 (v5.8) for SETUP_EFI"),
        ("stock-6.1-seabios-6g-chain.log", "no setup_data"),
    ],
)
def test_stock_chains_never_lose(samples: Path, name: str, reason: str) -> None:
    gens = generations(load_boots([str(samples / "lab" / name)]))
    p = predict(gens, infer_mechanism(gens, Assumptions()))
    assert p.first_truncated is None and p.first_loss is None and p.death is None
    assert p.never_reason is not None and reason in p.never_reason
    # neither kernel has fc7f27cda843 (v6.9): their chains carry the cold boot's blob
    assert "fc7f27cda843" not in p.never_reason
    assert p.mechanism.source == "observed"
    counts = oracles.bios_lines(samples, name)
    assert [len(g.received) for g in gens] == counts
    assert {s.handoff_entries for s in p.states if not s.observed} == {counts[-1]}


def test_one_boot_needs_the_kernel(samples: Path) -> None:
    gens = generations(load_boots([str(samples / "lab" / "stock-6.1-ovmf-2g-boot.log")]))
    with pytest.raises(InputError, match="kernel version"):
        infer_mechanism(gens, Assumptions())


def test_one_boot_with_assumptions_states_them(samples: Path) -> None:
    gens = generations(load_boots([str(samples / "lab" / "stock-6.1-ovmf-2g-boot.log")]))
    assert len(gens) == 1 and len(gens[0].received) == 15
    buggy = Assumptions(KernelVersion.parse("5.7"), HandoffPath.KEXEC_FILE_LOAD, ("SETUP_EFI",))
    p = predict(gens, infer_mechanism(gens, buggy))
    assert p.mechanism.source == "assumed"
    assert any("5.7" in a for a in p.mechanism.assumptions)
    assert any("SETUP_EFI" in a for a in p.mechanism.assumptions)
    # the cold boot's EFI-stub blob (SETUP_PCI, 0x9c40 bytes) is reserved on 5.7: 17 entries
    assert p.states[0].handoff_entries == 17
    assert p.first_overflow == 57 and p.first_truncated == 58
    fixed = Assumptions(
        KernelVersion.parse("6.1.192"), HandoffPath.KEXEC_FILE_LOAD, ("SETUP_EFI", "SETUP_RNG_SEED")
    )
    q = predict(gens, infer_mechanism(gens, fixed))
    assert q.first_truncated is None
    assert q.never_reason is not None and "does not reserve" in q.never_reason
    via_load = Assumptions(KernelVersion.parse("5.7"), HandoffPath.KEXEC_LOAD, ("SETUP_EFI",))
    r = predict(gens, infer_mechanism(gens, via_load))
    assert r.first_truncated is None and r.never_reason and "SETUP_E820_EXT" in r.never_reason


def test_one_kexecd_boot_of_patched_chain_with_kernel(patched_gens: list[Generation]) -> None:
    """Gen 3 alone + "behaves like 5.7": its own SETUP_EFI blob gives the same answer."""
    gen3 = [patched_gens[2]]
    p = predict(gen3, infer_mechanism(gen3, Assumptions(KernelVersion.parse("5.7"))))
    assert p.first_truncated == 58 and p.first_loss is not None
    assert p.first_loss.usable_lost == GiB
    assert p.death == 64


@pytest.mark.parametrize(
    ("name", "blob"),
    [
        ("stock-5.10-ovmf-6g-chain.log", (0xBC814018, 0x9C40)),
        ("stock-6.1-ovmf-6g-chain.log", (0xBD100018, 0x9C40)),
        ("patched-6.1-ovmf-4g-chain.log", (0xBDC9E018, 0x9C40)),
    ],
)
def test_cold_boot_blob_is_a_constant_not_growth(
    samples: Path, name: str, blob: tuple[int, int]
) -> None:
    """The OVMF chains' first boot reserved the EFI stub's setup_data (0x9c40 bytes) and
    every kexec'd generation received it as a type-128 entry of its own (the timeline's
    t128 column is 1 from gen 2 on, until a map is cut at 128 entries): carried once,
    named as a constant in the evidence;
    the growth (patched chain only) is the kexec'd kernels' own SETUP_EFI blobs."""
    gens = generations(load_boots([str(samples / "lab" / name)]))
    assert (gens[0].reserved[0].addr, gens[0].reserved[0].size) == blob
    for g in gens[1:]:
        if len(g.received) < 128:  # the patched chain's last maps are cut at the cap
            assert any((e.addr, e.size, e.type) == (*blob, 128) for e in g.received), g.number
    mech = infer_mechanism(gens, Assumptions())
    constant = [e for e in mech.evidence if "a constant, not growth" in e]
    assert len(constant) == 1 and f"blob at {blob[0]:#x}" in constant[0]
    growing = name.startswith("patched")
    assert mech.blob_sizes == ((0x70,) if growing else ())
