"""mem= / memmap= against the user-defined maps printed in real logs (values read by eye)."""

from __future__ import annotations

import pytest

from e820scope.kernel.cmdline import (
    InvalidUserMemoryMap,
    MemParam,
    apply_early_params,
    memparse,
    parse_cmdline,
)
from e820scope.kernel.policy import nomerge_types, table_capacity
from e820scope.kernel.table import KernelTable
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry


def run(received: list[E820Entry], cmdline: str, release: str) -> list[E820Entry]:
    kver = KernelVersion.parse(release)
    t = KernelTable.from_entries(received, capacity=table_capacity())
    assert apply_early_params(t, parse_cmdline(cmdline), kver, nomerge_types(kver))
    return list(t.to_entries())


def test_memparse() -> None:
    assert memparse("640K@0K") == (640 * 1024, "@0K")
    assert memparse("4G") == (4 << 30, "")
    assert memparse("0x1000$0x2000") == (0x1000, "$0x2000")
    assert memparse("010") == (8, "")  # leading 0 = octal, as simple_strtoull(.., 0)
    assert memparse("x") is None


def test_parse_items() -> None:
    items = parse_cmdline("ro mem=nopentium memmap=1G$4G,exactmap memmap=4K%0x1000-1+2 quiet")
    assert [i.kind for i in items] == ["add", "exactmap", "update"]
    assert items[0] == MemParam("add", "1G$4G", 1 << 30, 4 << 30, 2)
    assert (items[2].old_type, items[2].type) == (1, 2)


def test_lkml_02_exactmap_2_6_12() -> None:
    """lkml-02.log lines 79-82 (kdump capture kernel, 2.6.12-rc2-mm3)."""
    received = [E820Entry(0x100, 0x9FB00, 1), E820Entry(0x100000, 0x3FEF0000, 1)]
    got = run(
        received,
        "root=/dev/hda9 memmap=exactmap memmap=640K@0K memmap=4404K@16384K "
        "memmap=60491K@21429K elfcorehdr=21428K",
        "2.6.12-rc2-mm3",
    )
    assert got == [
        E820Entry(0x0, 0xA0000, 1),
        E820Entry(0x1000000, 0x144D000 - 0x1000000, 1),
        E820Entry(0x14ED400, 0x5000000 - 0x14ED400, 1),
    ]


def test_linuxmm_20_exactmap_acpi_2_6_29() -> None:
    """linuxmm-20-kdump.log lines 143-146."""
    received = [E820Entry(0x100, 0x9F300, 1), E820Entry(0x100000, 0x7FD4E000, 1)]
    got = run(
        received,
        "memmap=exactmap memmap=640K@0K memmap=130412K@17024K elfcorehdr=147436K "
        "memmap=32K#2095416K",
        "2.6.29-rc7",
    )
    assert got == [
        E820Entry(0x0, 0xA0000, 1),
        E820Entry(0x10A0000, 0x8FFB000 - 0x10A0000, 1),
        E820Entry(0x7FE4E000, 0x8000, 3),
    ]


def test_lkml_11_mem_limit_regions_2_6_9() -> None:
    """lkml-11.log lines 44-56: i386 limit_regions() cuts the table at 512M."""
    received = [
        E820Entry(0x0, 0x9DC00, 1),
        E820Entry(0x9DC00, 0x2400, 2),
        E820Entry(0xE0000, 0x20000, 2),
        E820Entry(0x100000, 0xE7FF9380 - 0x100000, 1),
        E820Entry(0xE7FF9380, 0xE8000000 - 0xE7FF9380, 3),
        E820Entry(0xFEC00000, 0x1000, 2),
        E820Entry(0xFEE00000, 0x1000, 2),
        E820Entry(0xFFF80000, 0x80000, 2),
    ]
    got = run(received, "root=/dev/sda2 profile=2 mem=512M debug", "2.6.9-rc3-mm3")
    assert got == [*received[:3], E820Entry(0x100000, 0x20000000 - 0x100000, 1)]


def test_lkml_06_mem_4g_5_16() -> None:
    """lkml-06.log lines 133-170: mem=4G removes RAM above 4 GiB, reserved entries stay."""
    received = [
        E820Entry.from_inclusive(0x0, 0x9ABFF, 1),
        E820Entry.from_inclusive(0x9AC00, 0x9FFFF, 2),
        E820Entry.from_inclusive(0xE0000, 0xFFFFF, 2),
        E820Entry.from_inclusive(0x100000, 0x7DD3AFFF, 1),
        E820Entry.from_inclusive(0x7DD3B000, 0x7DEEFFFF, 2),
        E820Entry.from_inclusive(0x7DEF0000, 0x7E0D3FFF, 4),
        E820Entry.from_inclusive(0x7E0D4000, 0x7F367FFF, 2),
        E820Entry.from_inclusive(0x7F368000, 0x7F7FFFFF, 4),
        E820Entry.from_inclusive(0x80000000, 0x8FFFFFFF, 2),
        E820Entry.from_inclusive(0xFED1C000, 0xFED3FFFF, 2),
        E820Entry.from_inclusive(0xFF000000, 0xFFFFFFFF, 2),
        E820Entry.from_inclusive(0x100000000, 0x207FFFFFFF, 1),
    ]
    got = run(received, "ro net.ifnames=0 crashkernel=128M mem=4G", "5.16.0-rc4+")
    assert got == received[:-1]


def test_single_entry_user_map_panics() -> None:
    kver = KernelVersion.parse("6.1")
    t = KernelTable.from_entries([E820Entry(0, 0x1000, 1)], capacity=131)
    with pytest.raises(InvalidUserMemoryMap):
        apply_early_params(t, parse_cmdline("memmap=exactmap memmap=1M@0"), kver, frozenset())


def test_no_params_no_user_map() -> None:
    t = KernelTable.from_entries([E820Entry(0, 0x1000, 1)], capacity=131)
    assert not apply_early_params(
        t, parse_cmdline("quiet"), KernelVersion.parse("6.1"), frozenset()
    )
