"""kexec_file_load cap, kexec_load (kexec-tools) mapping and 0x100/0x400, kdump command line."""

from __future__ import annotations

from e820scope.kernel.handoff import (
    kdump_file_load_handoff,
    kdump_handoff,
    kexec_file_load_handoff,
    kexec_load_handoff,
)
from e820scope.kernel.sanitize import e820__update_table
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry


def ram_split_table(n: int) -> list[E820Entry]:
    """n entries alternating RAM / type 128, sorted, the last one a big RAM range at 4 GiB."""
    out = [E820Entry(i * 0x1000, 0x1000, 1 if i % 2 == 0 else 128) for i in range(n - 1)]
    out.append(E820Entry(0x100000000, 0x3F00000000, 1))
    return out


def test_kexec_file_load_passes_verbatim_up_to_128() -> None:
    table = ram_split_table(128)
    h = kexec_file_load_handoff(table)
    assert h.passed == tuple(table) and h.dropped == ()
    assert any(e.type == 128 for e in h.passed)  # types verbatim


def test_kexec_file_load_drops_beyond_128_silently() -> None:
    table = ram_split_table(130)
    h = kexec_file_load_handoff(table)
    assert len(h.passed) == 128
    assert h.dropped == tuple(table[128:])
    assert h.dropped[-1] == E820Entry(0x100000000, 0x3F00000000, 1)  # the top range
    assert h.dropped_bytes == 0x1000 + 0x3F00000000
    assert h.extended == ()


def test_kexec_load_maps_types_and_moves_first_ram() -> None:
    fw = [
        E820Entry(0, 0x9FC00, 1),
        E820Entry(0x9FC00, 0x400, 2),
        E820Entry(0x100000, 0x1000, 1),
        E820Entry(0x101000, 0x70, 128),
        E820Entry(0x101070, 0x7FEF90, 1),
        E820Entry(0x900000, 0x1000, 5),
        E820Entry(0x901000, 0x1000, 0xEFFFFFFF),
        E820Entry(0x902000, 0x1000, 7),
        E820Entry(0x903000, 0x1000, 20),
    ]
    h = kexec_load_handoff(fw, KernelVersion.parse("6.1"), "2.0.21")
    assert h.passed[0] == E820Entry(0x100, 0x9FC00 - 0x100, 1)
    assert [e.type for e in h.passed] == [1, 2, 1, 1, 1, 2, 2, 7, 2]
    # the next kernel's sanitizer merges the former 1/128/1 split back into one entry
    merged = e820__update_table(h.passed, capacity=131)
    assert merged is not None and E820Entry(0x100000, 0x800000, 1) in merged
    new = kexec_load_handoff(fw, KernelVersion.parse("6.1"), "2.0.22")
    assert new.passed[0].addr == 0x400
    # 6.15+: type 128 shows as "Unknown E820 type" and comes back as reserved
    h615 = kexec_load_handoff(fw, KernelVersion.parse("6.15"))
    assert h615.passed[3] == E820Entry(0x101000, 0x70, 2)


def test_kexec_load_only_first_ram_range_moves() -> None:
    fw = [E820Entry(0x0, 0x9F000, 1), E820Entry(0x0F0000, 0x10000, 2), E820Entry(0x0, 0x0, 1)]
    fw = [fw[0], fw[1], E820Entry(0x100000, 0x100000, 1)]
    h = kexec_load_handoff(fw, KernelVersion.parse("5.4"))
    assert [e.addr for e in h.passed] == [0x400, 0xF0000, 0x100000]
    assert h.passed[0].end == 0x9F000  # only the start moves


def test_kexec_load_more_than_128_goes_to_setup_e820_ext() -> None:
    fw = [E820Entry(0x1000 + i * 0x2000, 0x1000, 1 + i % 2) for i in range(150)]
    h = kexec_load_handoff(fw, KernelVersion.parse("5.4"))
    assert len(h.passed) == 128 and len(h.extended) == 22 and h.dropped == ()
    assert h.received == tuple(fw)


def test_kdump_cmdline_reproduces_linuxmm_20() -> None:
    """linuxmm-20-kdump.log line 124: the capture kernel's memmap= parameters."""
    fw = [
        E820Entry(0x0, 0x9F400, 1),
        E820Entry(0x9F400, 0xC00, 2),
        E820Entry(0xF0000, 0x10000, 2),
        E820Entry(0x100000, 0x7FE4E000 - 0x100000, 1),
        E820Entry(0x7FE4E000, 0x8000, 3),
        E820Entry(0x7FE56000, 0x1000, 1),
        E820Entry(0x7FE57000, 0x80000000 - 0x7FE57000, 2),
    ]
    h = kdump_handoff(
        fw,
        KernelVersion.parse("2.6.29"),
        crash_ram=[(0x10A0000, 0x8FFB000 - 0x10A0000)],
        elfcorehdr=0x8FFB000,
        kexec_tools_version="2.0.0",
    )
    assert h.cmdline == (
        "memmap=exactmap memmap=640K@0K memmap=130412K@17024K "
        "elfcorehdr=147436K memmap=32K#2095416K"
    )
    assert h.passed[0] == E820Entry(0x100, 0x9F300, 1)  # BIOS-e820 line 130 starts at 0x100


def test_kdump_file_load_builds_map_from_resources() -> None:
    running = [
        E820Entry(0x0, 0x9F000, 1),
        E820Entry(0x9F000, 0x61000, 2),
        E820Entry(0x100000, 0x7FE00000, 1),
        E820Entry(0x7FF00000, 0x80000, 3),
        E820Entry(0x7FF80000, 0x80000, 4),
    ]
    crash = (0x30000000, 0x10000000)
    elf = (0x30000000, 0x1000)
    h = kdump_file_load_handoff(running, KernelVersion.parse("6.1"), crash, elf)
    # low memory: the System RAM resources inside the first MiB, not the whole MiB (as the
    # real 6.1.192 and 7.2.12 capture kernels of tests/vm show)
    assert h.passed == (
        E820Entry(0, 0x9F000, 1),
        E820Entry(0x7FF00000, 0x80000, 3),
        E820Entry(0x7FF80000, 0x80000, 4),
        E820Entry(0x9F000, 0x61000, 2),
        E820Entry(0x30001000, 0x10000000 - 0x1000, 1),
    )
    old = kdump_file_load_handoff(running, KernelVersion.parse("4.19"), crash, elf)
    assert old.passed[0] == E820Entry(0, 0x9F000, 1)  # the backup region: first RAM < 640K
    assert all(e.type != 2 for e in old.passed)


def test_kdump_file_load_cap_is_silent() -> None:
    running = [E820Entry(i * 0x2000, 0x1000, 2) for i in range(200)]
    h = kdump_file_load_handoff(
        running, KernelVersion.parse("6.1"), (0x10000000, 0x1000000), (0x10000000, 0x1000)
    )
    assert len(h.passed) == 128 and h.dropped[-1].type == 1  # the crash RAM itself is lost
