"""simulate_boot(): the three tables and printed blocks across versions."""

from __future__ import annotations

import pytest

from e820scope.kernel.boot import simulate_boot
from e820scope.kernel.cmdline import InvalidUserMemoryMap
from e820scope.kernel.hidden import merge_candidates
from e820scope.kernel.setup_data import SetupDataBlob, SetupDataType
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry, TableKind

MAP = [
    E820Entry(0x0, 0x9FC00, 1),
    E820Entry(0x9FC00, 0x400, 2),
    E820Entry(0xF0000, 0x10000, 2),
    E820Entry(0x100000, 0x7FE00000, 1),
    E820Entry(0xFFFC0000, 0x40000, 2),
    E820Entry(0x100000000, 0x40000000, 1),
]
EFI = SetupDataBlob(0x1000000, 96, SetupDataType.SETUP_EFI)  # node 0x1000000-0x100006f
PCI = SetupDataBlob(0x2000000, 0x1000 - 16, SetupDataType.SETUP_PCI)


def kv(s: str) -> KernelVersion:
    return KernelVersion.parse(s)


def has_range(entries: tuple[E820Entry, ...], addr: int, size: int, type: int) -> bool:
    return E820Entry(addr, size, type) in entries


def test_no_setup_data_no_block_and_tables_equal() -> None:
    t = simulate_boot(MAP, kv("6.1"), ())
    assert [b.who for b in t.printed] == ["BIOS-e820"]
    assert t.printed[0].kind is TableKind.FIRMWARE
    assert t.e820_table == t.e820_table_kexec == t.e820_table_firmware == tuple(MAP)


@pytest.mark.parametrize(
    ("release", "efi_in_kexec", "pci_in_kexec", "block"),
    [
        ("5.7.14", True, True, True),
        ("5.8.0", False, True, True),
        ("6.8.0", False, True, True),
        ("6.9.0", False, False, True),
        ("6.14.0", False, False, True),
        ("6.15.0", False, False, False),
    ],
)
def test_setup_data_reservation_per_version(
    release: str, efi_in_kexec: bool, pci_in_kexec: bool, block: bool
) -> None:
    t = simulate_boot(MAP, kv(release), (EFI, PCI))
    in_e820 = not kv(release).at_least(6, 15)
    assert has_range(t.e820_table, 0x1000000, 0x70, 128) is in_e820
    assert has_range(t.e820_table, 0x2000000, 0x1000, 128) is in_e820
    assert has_range(t.e820_table_kexec, 0x1000000, 0x70, 128) is efi_in_kexec
    assert has_range(t.e820_table_kexec, 0x2000000, 0x1000, 128) is pci_in_kexec
    assert t.e820_table_firmware == tuple(MAP)  # 4.13+: never touched
    assert (t.block("reserve setup_data") is not None) is block


def test_4_12_saved_table_is_a_full_copy_of_the_working_table() -> None:
    t = simulate_boot(MAP, kv("4.12.0"), (EFI,), user_map="mem=2G")
    assert t.e820_table_kexec == t.e820_table_firmware
    assert has_range(t.e820_table_firmware, 0x1000000, 0x70, 128)
    # 4.x parses mem= before e820_reserve_setup_data(): the copy already lacks > 2G RAM
    assert not any(e.addr >= 0x100000000 and e.type == 1 for e in t.e820_table_firmware)
    assert [b.who for b in t.printed] == ["BIOS-e820", "reserve setup_data", "user"]


def test_3_6_saved_copy_is_taken_before_mem() -> None:
    t = simulate_boot(MAP, kv("3.6.0"), (EFI,), user_map="mem=2G")
    assert any(e.addr == 0x100000000 for e in t.e820_table_firmware)
    assert not any(e.addr == 0x100000000 for e in t.e820_table)


def test_rng_seed_header_only_from_6_0() -> None:
    rng = SetupDataBlob(0x3000000, 32, SetupDataType.SETUP_RNG_SEED)
    assert has_range(simulate_boot(MAP, kv("6.0"), (rng,)).e820_table_kexec, 0x3000000, 16, 128)
    assert has_range(simulate_boot(MAP, kv("5.19"), (rng,)).e820_table, 0x3000000, 48, 128)
    assert not has_range(simulate_boot(MAP, kv("6.8"), (rng,)).e820_table_kexec, 0x3000000, 16, 128)


def test_setup_e820_ext_goes_into_all_tables() -> None:
    ext = [E820Entry(0x200000000, 0x1000000, 7)]
    node = SetupDataBlob(0x4000000, 20, SetupDataType.SETUP_E820_EXT)
    t = simulate_boot(MAP, kv("6.1"), (node,), extended=ext)
    assert [b.who for b in t.printed] == ["BIOS-e820", "extended", "reserve setup_data"]
    assert t.printed[1].kind is TableKind.EXTENDED
    for table in (t.e820_table, t.e820_table_kexec, t.e820_table_firmware):
        assert ext[0] in table
    assert has_range(t.e820_table_kexec, 0x4000000, 36, 128)  # 6.1 reserves the node too
    assert not has_range(t.e820_table_firmware, 0x4000000, 36, 128)


def test_fewer_than_two_entries_fake_a_map_until_6_19() -> None:
    one = [E820Entry(0x0, 0x80000000, 1)]
    old = simulate_boot(one, kv("6.19"), (), alt_mem_k=0x3FC00)
    assert old.printed[0].who == "BIOS-e801"
    assert old.e820_table == (E820Entry(0, 0x9F000, 1), E820Entry(0x100000, 0x3FC00 << 10, 1))
    new = simulate_boot(one, kv("7.0"), ())
    assert new.printed[0].who == "BIOS-e820" and new.e820_table == tuple(one)


def test_ops_apply_to_e820_table_only_and_sanitize() -> None:
    from e820scope.model.records import OpKind, RangeOp

    ops = (RangeOp(OpKind.UPDATE, 0, 0x1000, 1, 2), RangeOp(OpKind.REMOVE, 0xA0000, 0x60000, 1))
    t = simulate_boot(MAP, kv("6.1"), (), ops=ops)
    assert t.e820_table[:2] == (E820Entry(0, 0x1000, 2), E820Entry(0x1000, 0x9EC00, 1))
    assert t.e820_table_kexec == tuple(MAP)


def test_invalid_user_map_panics() -> None:
    with pytest.raises(InvalidUserMemoryMap):
        simulate_boot(MAP, kv("6.1"), (), user_map="memmap=exactmap memmap=1G@0")


def test_merge_candidates_find_the_hidden_128() -> None:
    t = simulate_boot(MAP, kv("5.4"), (EFI,))
    block = t.block("reserve setup_data")
    assert block is not None
    as_parsed = [E820Entry(e.addr, e.size, 1 if e.type == 128 else e.type) for e in block.entries]
    bounds = merge_candidates(as_parsed, kv("5.4"))
    assert [b.addr for b in bounds] == [0x1000000, 0x1000070]
    # 6.15 prints 128 as "type 128": an abutting pair printed alike is not a signature
    assert merge_candidates(list(block.entries), kv("6.15")) == ()
    pram = [E820Entry(0, 0x1000, 12), E820Entry(0x1000, 0x1000, 12)]
    assert merge_candidates(pram, kv("6.1")) == ()
