"""Version rules with their boundary versions (kernel-facts §2.3, §3.1, §3.4, §4.2)."""

from __future__ import annotations

import pytest

from e820scope.kernel import policy
from e820scope.kernel.setup_data import SetupDataBlob, SetupDataType
from e820scope.model.kversion import KernelVersion

EFI = SetupDataType.SETUP_EFI
IMA = SetupDataType.SETUP_IMA
RNG = SetupDataType.SETUP_RNG_SEED
PCI = SetupDataType.SETUP_PCI


def kv(s: str) -> KernelVersion:
    return KernelVersion.parse(s)


@pytest.mark.parametrize(
    ("release", "setup_type", "expected"),
    [
        ("4.12.0", EFI, (True, True)),
        ("5.7.14", EFI, (True, True)),  # 5.7.14 still lacks 8efbc518b884
        ("5.8.0", EFI, (True, False)),
        ("5.8.0", PCI, (True, True)),
        ("5.19.0", IMA, (True, True)),
        ("6.0.0", IMA, (True, False)),
        ("6.0.0", RNG, (True, True)),
        ("6.7.0", RNG, (True, True)),
        ("6.8.0", RNG, (True, False)),
        ("6.8.0", PCI, (True, True)),
        ("6.9.0", PCI, (True, False)),
        ("6.14.0", SetupDataType.SETUP_E820_EXT, (True, False)),
        ("6.15.0", PCI, (False, False)),
        ("7.1.3", EFI, (False, False)),
    ],
)
def test_setup_data_reserved_boundaries(
    release: str, setup_type: int, expected: tuple[bool, bool]
) -> None:
    assert policy.setup_data_reserved(kv(release), setup_type) == expected


def test_rng_seed_stable_backport() -> None:
    # Debian 6.1.192 (lab): backport present; 6.1.80 before it; opt-out gives mainline rule
    assert policy.setup_data_reserved(kv("6.1.192"), RNG) == (True, False)
    assert policy.setup_data_reserved(kv("6.1.80"), RNG) == (True, True)
    assert policy.setup_data_reserved(kv("6.7.9"), RNG) == (True, False)
    assert policy.setup_data_reserved(kv("6.1.192"), RNG, stable_backports=False) == (True, True)


def test_capacity_and_zeropage() -> None:
    assert policy.E820_MAX_ENTRIES_ZEROPAGE == 128
    assert policy.table_capacity(max_numnodes=1) == 131  # NUMA=n, lab LAB-NR table=131
    assert policy.table_capacity(max_numnodes=1024) == 3200  # NODES_SHIFT=10
    with pytest.raises(ValueError):
        policy.table_capacity(max_numnodes=0)


def test_nomerge_types_per_version() -> None:
    assert policy.nomerge_types(kv("3.6")) == frozenset()
    assert policy.nomerge_types(kv("4.10")) == {12}
    assert policy.nomerge_types(kv("5.7.14")) == {12}
    assert policy.nomerge_types(kv("6.9")) == {12, 0xEFFFFFFF}


def test_memmap_source_and_sysfs_names() -> None:
    assert policy.firmware_memmap_source(kv("4.12")) is policy.MemmapSource.SAVED
    assert policy.firmware_memmap_source(kv("4.13")) is policy.MemmapSource.FIRMWARE
    assert policy.firmware_memmap_source(kv("6.14")) is policy.MemmapSource.FIRMWARE
    assert policy.firmware_memmap_source(kv("6.15")) is policy.MemmapSource.KEXEC
    assert policy.sysfs_type_name(128, kv("6.14")) == "System RAM"
    assert policy.sysfs_type_name(128, kv("6.15")) == "Unknown E820 type"
    assert policy.sysfs_type_name(2, kv("4.10")) == "reserved"
    assert policy.sysfs_type_name(20, kv("4.10")) == "reserved"
    assert policy.sysfs_type_name(20, kv("5.10")) == "Unknown E820 type"
    # what kexec-tools makes of them
    assert policy.kexec_tools_type("System RAM") == 1
    assert policy.kexec_tools_type("Unusable memory") == 2
    assert policy.kexec_tools_type("Soft Reserved") == 2
    assert policy.kexec_tools_type("Persistent Memory (legacy)") == 12


def test_ram_types() -> None:
    assert kv("6.14").ram_types == {1, 128}
    assert kv("6.15").ram_types == {1}


def test_low_ram_floor_by_kexec_tools_version() -> None:
    assert policy.kexec_tools_low_ram_floor("2.0.21") == 0x100
    assert policy.kexec_tools_low_ram_floor("v2.0.22") == 0x400
    assert policy.kexec_tools_low_ram_floor("2.0.32-24-g29898e1") == 0x400
    assert policy.kexec_tools_low_ram_floor(None) == 0x400


def test_setup_data_ranges() -> None:
    rng = SetupDataBlob(0x1000, 32, RNG)
    assert rng.node_range(kv("5.19")) == (0x1000, 48)
    assert rng.node_range(kv("6.0")) == (0x1000, 16)  # len zeroed by parse_setup_data
    ind = SetupDataBlob(0x2000, 24, SetupDataType.SETUP_INDIRECT, 0x80000001, 0x9000, 0x500)
    assert ind.indirect_range(kv("5.7")) == (0x9000, 0x500)
    assert ind.indirect_range(kv("4.19")) is None
    self_ind = SetupDataBlob(0x2000, 24, SetupDataType.SETUP_INDIRECT, 1 << 31, 0x9000, 5)
    assert self_ind.indirect_range(kv("6.1")) is None


@pytest.mark.parametrize(
    ("release", "created"),
    [
        ("2.6.17.11", ()),  # lkml-01: no kexec_file_load at all
        ("3.16.0", ()),
        ("3.17.0", (EFI,)),  # kexec_file_load (kexec-bzimage64.c) with setup_efi_state()
        ("5.7.14", (EFI,)),
        ("6.0.0", (EFI, RNG)),  # 68b8e9713c8e
        ("7.1.3", (EFI, RNG)),
    ],
)
def test_kexec_file_setup_data_per_release(release: str, created: tuple[int, ...]) -> None:
    assert policy.has_kexec_file_load(kv(release)) == bool(created)
    assert policy.kexec_file_setup_data(kv(release)) == created
    assert policy.kexec_file_setup_data(kv(release), efi=False) == tuple(
        t for t in created if t != EFI
    )


@pytest.mark.parametrize(
    ("release", "setup_type", "label"),
    [
        ("5.7.14", EFI, None),
        ("5.8.0", EFI, "8efbc518b884 (v5.8)"),
        ("6.8.0", EFI, "8efbc518b884 (v5.8)"),  # the latest fix the kernel has for the type
        ("6.12.117", EFI, "fc7f27cda843 (v6.9)"),  # from 6.9 the all-types fix decides
        ("6.1.192", RNG, "7fd817c90650 (v6.8)"),  # stable backport 6.1.81
        ("6.1.80", RNG, None),
        ("6.9.0", PCI, "fc7f27cda843 (v6.9)"),
        ("6.8.0", PCI, None),
    ],
)
def test_kexec_table_fix_is_the_one_table(release: str, setup_type: int, label: str | None) -> None:
    """setup_data_reserved's kexec answer and the fix named in predict's reasons are the
    same table's (KEXEC_TABLE_FIXES)."""
    fix = policy.kexec_table_fix(kv(release), setup_type)
    assert (fix.label if fix else None) == label
    assert policy.setup_data_reserved(kv(release), setup_type)[1] == (fix is None)
