"""kexec budget arithmetic, checked against a step-by-step simulation and the lab chain."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from e820scope.live.budget import kexec_budget
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry

V57 = KernelVersion.parse("5.7.14")  # reserves SETUP_EFI in its kexec table (before 8efbc518b884)


def table(n: int) -> tuple[E820Entry, ...]:
    return tuple(E820Entry(i << 20, 1 << 20, 1) for i in range(n))


def simulate(n: int, growth: int) -> int:
    """Count kexec reboots that pass every entry, one generation at a time."""
    safe = 0
    while n <= 128:
        safe += 1
        n += growth
    return safe


@given(st.integers(1, 140))
def test_reboots_left_matches_simulation(n: int) -> None:
    b = kexec_budget(table(n), V57, efi=True)
    assert b.growth == 2
    assert b.reboots_left == simulate(n, 2)
    assert len(b.passed) == min(n, 128)
    assert len(b.dropped) == max(0, n - 128)


def test_lab_chain_numbers() -> None:
    """samples/lab/patched-6.1-ovmf-4g-chain.log: the kexec table holds BIOS-e820 + 2."""
    # generation 57 printed 128 BIOS-e820 entries, so its kexec table held 130: lossy now
    b = kexec_budget(table(130), V57, efi=True)
    assert (b.reboots_left, len(b.dropped), b.dropped_bytes) == (0, 2, 2 << 20)
    # generation 56 (126 printed, 128 in its kexec table): one more safe reboot
    assert kexec_budget(table(128), V57, efi=True).reboots_left == 1


def test_no_growth_on_fixed_kernels() -> None:
    b = kexec_budget(table(18), KernelVersion.parse("6.1.192"), efi=True)
    assert (b.growth, b.reboots_left) == (0, None)
    assert kexec_budget(table(18), V57, efi=False).reboots_left is None
    # 6.1.0 (no patch level known) predates the RNG-seed backport (6.1.81): it grows
    assert kexec_budget(table(18), KernelVersion.parse("6.1.0"), efi=False).growth == 2


def test_rng_seed_growth_in_6_0_to_6_7() -> None:
    b = kexec_budget(table(20), KernelVersion.parse("6.5.0"), efi=False)
    assert b.next_setup_data == ("SETUP_RNG_SEED",)
    assert b.reboots_left == (128 - 20) // 2 + 1
