"""Per-era grammar tests: exact kernel lines (kernel-facts §1 and the samples) -> facts."""

from __future__ import annotations

from typing import TypeVar

import pytest

from e820scope.model.records import OpKind
from e820scope.model.types import E820Type, Era
from e820scope.parse.classify import UNPARSED, classify
from e820scope.parse.facts import (
    BannerFact,
    CmdlineFact,
    CrashkernelFact,
    EarlyNodeFact,
    EfiMemFact,
    EfiRemoveFact,
    EntryFact,
    Fact,
    FwBugOrderFact,
    GapFact,
    HeaderFact,
    InitmemFact,
    KexecStartFact,
    LastPfnFact,
    LiveHeaderFact,
    MemmapEntryFact,
    MemmapHeaderFact,
    MemoryFact,
    MmHeaderFact,
    NodeDataFact,
    NotX86Fact,
    OomFact,
    PanicFact,
    PciGapFact,
    RamBufferFact,
    RangeOpFact,
    TableFullFact,
    TotalRamFact,
    ZoneFact,
)

F = TypeVar("F", bound=Fact)


def fact(line: str, cls: type[F]) -> F:
    """The fact of ``line``, which must be a ``cls``."""
    f = classify(line)
    assert isinstance(f, cls), (line, f)
    return f


# ---- e820 entries, era by era -------------------------------------------------------


def test_era_a_end_is_exclusive() -> None:
    f = fact(" BIOS-e820: 0000000000000000 - 000000000009f000 (usable)", EntryFact)
    assert (f.who, f.addr, f.size, f.type, f.era) == ("BIOS-e820", 0, 0x9F000, 1, Era.A)
    assert f.raw_type == "(usable)"


def test_era_a_types() -> None:
    acpi = fact(" BIOS-e820: 00000000cff70000 - 00000000cff78000 (ACPI data)", EntryFact)
    assert acpi.type == E820Type.ACPI
    nvs = fact(" BIOS-e820: 00000000cff78000 - 00000000cff80000 (ACPI NVS)", EntryFact)
    assert nvs.type == E820Type.NVS
    assert fact(" BIOS-e820: 00000000cff78000 - 00000000cff80000 type 12", EntryFact).type == 12


def test_era_b_c_inclusive() -> None:
    f = fact("BIOS-e820: [mem 0x0000000000000000-0x000000000009efff] usable", EntryFact)
    assert (f.addr, f.size, f.type, f.era) == (0, 0x9F000, 1, None)


def test_era_d_double_space_and_names() -> None:
    f = fact("BIOS-e820: [mem 0x0000000000100000-0x000000007ffdbfff]  System RAM", EntryFact)
    assert (f.type, f.era, f.raw_type) == (1, Era.D, " System RAM")
    f = fact("BIOS-e820: [mem 0x000000009690f000-0x0000000096989fff]  ACPI data", EntryFact)
    assert (f.type, f.era) == (E820Type.ACPI, Era.D)  # only the double space says era D
    f = fact("BIOS-e820: [mem 0x00000000000a0000-0x00000000000fffff]  device reserved", EntryFact)
    assert f.type == 2


def test_era_d_gap_line_is_not_an_entry() -> None:
    f = fact("BIOS-e820: [gap 0x00000000000a0000-0x00000000000effff]", GapFact)
    assert (f.who, f.addr, f.size) == ("BIOS-e820", 0xA0000, 0x50000)


def test_era_d_out_of_order() -> None:
    f = fact("[Firmware Bug]: out of order E820 entry!", FwBugOrderFact)
    assert f.text == "[Firmware Bug]: out of order E820 entry!"


@pytest.mark.parametrize(
    ("line", "who"),
    [
        ("BIOS-88: 0000000000000000 - 000000000009f000 (usable)", "BIOS-88"),
        ("BIOS-e801: 0000000000100000 - 0000000008000000 (usable)", "BIOS-e801"),
        ("Xen: [mem 0x0000000000000000-0x000000000009ffff] usable", "Xen"),
        ("extended: [mem 0x0000000100000000-0x000000013fffffff] usable", "extended"),
        (
            "reserve setup_data: [mem 0x000000000000212c-0x00000000000fffff] usable",
            "reserve setup_data",
        ),
        ("user: [mem 0x0000000040000000-0x0000000041ffffff] reserved", "user"),
        (" user: 0000000000000000 - 00000000000a0000 (usable)", "user"),
        ("modified: [mem 0x0000000040000000-0x00000000ffffffff] reserved", "modified"),
        ("bad_ppro: [mem 0x0000000070000000-0x000000007003ffff] reserved", "bad_ppro"),
        (
            "e820_table_kexec: [mem 0x0000000000000000-0x000000000009ffff] usable",
            "e820_table_kexec",
        ),
        ("e820_table: [mem 0x00000000bd100018-0x00000000bd109c57] type 128", "e820_table"),
    ],
)
def test_every_who_prefix(line: str, who: str) -> None:
    f = fact(line, EntryFact)
    assert (f.who, f.problem) == (who, "")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("persistent (type 12)", 12),
        ("persistent (type 7)", 7),
        ("soft reserved", 0xEFFFFFFF),
        ("type 20", 20),
        ("type 128", 128),
        ("unusable", 5),
    ],
)
def test_type_strings(text: str, code: int) -> None:
    line = f"BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] {text}"
    assert fact(line, EntryFact).type == code


def test_era_d_persistent_ram() -> None:
    f = fact(
        "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff]  persistent RAM (type 12)",
        EntryFact,
    )
    assert (f.type, f.era) == (12, Era.D)


def test_byte_granular_setup_data_split() -> None:
    f = fact("reserve setup_data: [mem 0x0000000000002000-0x000000000000212b] usable", EntryFact)
    assert (f.addr, f.size) == (0x2000, 300)


def test_headers_share_extended() -> None:
    assert fact("extended physical RAM map:", HeaderFact).word == "extended"
    h = fact("e820: BIOS-provided physical RAM map:", HeaderFact)
    assert (h.word, h.prefixed) == ("BIOS-provided", True)
    assert fact("user-defined physical RAM map:", HeaderFact).word == "user-defined"
    assert fact("modified physical RAM map:", HeaderFact).word == "modified"


def test_cut_lines_are_flagged_not_trusted() -> None:
    # notes-09: screen-truncated (15 hex digits, no type)
    f = fact("BIOS-e820: [mem 0x0000000000000000-0x000000000009fbf]", EntryFact)
    assert f.problem and "16 hex digits" in f.problem
    f = fact("BIOS-e820: [mem 0x0000000000100000-0x000000026a6fffff]", EntryFact)
    assert "no type" in f.problem
    assert (
        classify("reserve setup_data: [mem [-0x0000000065a7e000-0x000000006a5acfff]-]") is UNPARSED
    )


def test_console_garbage_after_type_is_noted() -> None:
    f = fact(
        " BIOS-e820: 0000000000000000 - 000000000009b000 (usable)pi=off pci=conf1   |", EntryFact
    )
    assert (f.type, f.raw_type, f.problem) == (1, "(usable)", "")
    assert "ignored text" in f.note


# ---- range operations and other e820.c lines -----------------------------------------


def test_update_and_remove() -> None:
    f = fact("e820: update [mem 0x00000000-0x00000fff] usable ==> reserved", RangeOpFact)
    assert (f.op, f.addr, f.size, f.old_type, f.new_type) == (OpKind.UPDATE, 0, 0x1000, 1, 2)
    f = fact("e820: update [mem 0x90802000-0x90802fff] System RAM ==> device reserved", RangeOpFact)
    assert (f.old_type, f.new_type, f.era) == (1, 2, Era.D)
    f = fact("e820: remove [mem 0x100000000-0xfffffffffffffffe] usable", RangeOpFact)
    assert (f.op, f.addr, f.old_type) == (OpKind.REMOVE, 1 << 32, 1)
    assert fact("e820: remove [mem 0x000a0000-0x000fffff]", RangeOpFact).old_type is None
    f = fact(
        "e820 update range: 0000000000000000 - 0000000000010000 (usable) ==> (reserved)",
        RangeOpFact,
    )
    assert (f.size, f.old_type, f.new_type, f.era) == (0x10000, 1, 2, Era.A)


def test_table_full_all_eras() -> None:
    f = fact("e820: too many entries; ignoring [mem 0x1c0000000-0x1ffffffff]", TableFullFact)
    assert (f.addr, f.size, f.era) == (0x1C0000000, 0x40000000, None)
    fact("too many entries; ignoring [mem 0x1c0000000-0x1ffffffff]", TableFullFact)
    fact("E820 table full; ignoring [mem 0x1c0000000-0x1ffffffff]", TableFullFact)
    f = fact("Ooops! Too many entries in the memory map!", TableFullFact)
    assert (f.addr, f.size, f.era) == (0, 0, Era.A)


def test_ram_buffer_and_pci_gap() -> None:
    assert fact("e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]", RamBufferFact).size == 0x400
    fact("e820: register RAM buffer resource [mem 0x0009fc00-0x0009ffff]", RamBufferFact)
    f = fact("[mem 0x80400000-0xfdffffff] available for PCI devices", PciGapFact)
    assert (f.addr, f.end) == (0x80400000, 0xFE000000)
    assert fact("e820: [mem 0x04000000-0xfffbffff] available for PCI devices", PciGapFact).prefixed
    assert fact("[gap 0xa0000000-0xdfffffff] available for PCI devices", PciGapFact).era is Era.D
    f = fact("Allocating PCI resources starting at d1000000 (gap: d0000000:10000000)", PciGapFact)
    assert (f.addr, f.size) == (0xD0000000, 0x10000000)


def test_last_pfn_both_styles() -> None:
    f = fact("last_pfn = 0x55e300 max_arch_pfn = 0x400000000", LastPfnFact)
    assert (f.last_pfn, f.max_arch_pfn, f.prefixed) == (0x55E300, 0x400000000, False)
    f = fact("e820: last_pfn = 0x3fdc max_arch_pfn = 0x400000000", LastPfnFact)
    assert (f.last_pfn, f.prefixed) == (0x3FDC, True)


# ---- hand-off memmaps -------------------------------------------------------------


def test_kexec_bzimage64_memmap() -> None:
    assert fact("kexec-bzImage64: E820 memmap:", MemmapHeaderFact).who == "kexec-bzImage64"
    f = fact("kexec-bzImage64: 0000000000100000-00000000bffdffff (1)", MemmapEntryFact)
    assert (f.who, f.addr, f.size, f.type) == ("kexec-bzImage64", 0x100000, 0xBFEE0000, 1)


def test_kexec_tools_memmap() -> None:
    assert fact("E820 memmap:", MemmapHeaderFact).who == "kexec-tools"
    f = fact("0000000000000400-000000000009ffff (1)", MemmapEntryFact)
    assert (f.who, f.addr, f.size, f.type) == ("kexec-tools", 0x400, 0x9FC00, 1)


def test_module_table_header() -> None:
    f = fact(
        "# e820_table_kexec nr_entries=130 capacity=3200 zeropage_max=128 kernel=6.1.0-56-amd64",
        LiveHeaderFact,
    )
    assert f.who == "e820_table_kexec"
    assert "nr_entries=130" in f.text


# ---- mm / NUMA ----------------------------------------------------------------------


def test_memory_both_styles() -> None:
    f = fact("Memory: 3985264k/4980736k available (2867k kernel code)", MemoryFact)
    assert (f.available_kb, f.total_kb) == (3985264, 4980736)
    f = fact("Memory: 1762976K/2061136K available (16394K kernel", MemoryFact)
    assert (f.available_kb, f.total_kb) == (1762976, 2061136)
    assert f.text == "Memory: 1762976K/2061136K available (16394K kernel"


def test_initmem_three_formats_and_memoryless() -> None:
    f = fact("Initmem setup node 0 0000000000000000-0000000130000000", InitmemFact)
    assert (f.addr, f.size, f.node, f.memoryless) == (0, 0x130000000, 0, False)
    f = fact("Initmem setup node 0 [mem 0x00000000-0x651effff]", InitmemFact)
    assert f.size == 0x651F0000
    f = fact("Initmem setup node 1 [mem 0x00000008c0000000-0x00000010bfffffff]", InitmemFact)
    assert (f.node, f.addr) == (1, 0x8C0000000)
    f = fact("Initmem setup node 2 as memoryless", InitmemFact)
    assert (f.node, f.memoryless, f.size) == (2, True, 0)


def test_node_data_zones_early_ranges() -> None:
    f = fact("NODE_DATA(1) allocated [mem 0x10bffd4000-0x10bfffefff]", NodeDataFact)
    assert (f.node, f.addr) == (1, 0x10BFFD4000)
    assert fact("NODE_DATA [mem 0x651eb000-0x651effff]", NodeDataFact).node == -1
    assert fact("Zone ranges:", MmHeaderFact).what == "zones"
    z = fact("  DMA32    [mem 0x0000000000001000-0x00000000ffffffff]", ZoneFact)
    assert (z.zone, z.addr, z.empty) == ("DMA32", 0x1000, False)
    z = fact("  Normal   empty", ZoneFact)
    assert (z.zone, z.empty) == ("Normal", True)
    assert fact("Early memory node ranges", MmHeaderFact).what == "early_node_ranges"
    n = fact("  node   0: [mem 0x0000000000001000-0x000000000009ffff]", EarlyNodeFact)
    assert (n.node, n.size) == (0, 0x9F000)
    p = fact("    0: 0x00000000 -> 0x0000009f", EarlyNodeFact)
    assert (p.node, p.addr, p.size) == (0, 0, 0x9F000)
    assert fact("total RAM covered: 16382M", TotalRamFact).mib == 16382


# ---- EFI -----------------------------------------------------------------------------


def test_efi_mem_4x_and_3x() -> None:
    f = fact(
        "efi: mem07: [Conventional|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] "
        "range=[0x0000000000100000-0x00000000007fffff] (7MB)",
        EfiMemFact,
    )
    assert (f.index, f.type_name, f.addr, f.size) == (7, "Conventional", 0x100000, 0x700000)
    assert f.attrs == "   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC"
    f = fact(
        "efi: mem00: type=7, attr=0xf, range=[0x0000000000000000-0x000000000009f000) (0MB)",
        EfiMemFact,
    )
    assert (f.index, f.addr, f.size, f.type_name, f.attrs) == (0, 0, 0x9F000, "type=7", "attr=0xf")


def test_efi_remove_lines() -> None:
    f = fact(
        "efi: Remove mem55: MMIO range=[0xe0000000-0xefffffff] (256MB) from e820 map",
        EfiRemoveFact,
    )
    assert (f.index, f.addr, f.size, f.kept) == (55, 0xE0000000, 0x10000000, False)
    f = fact(
        "efi: Not removing mem57: MMIO range=[0xfee00000-0xfee00fff] (4KB) from e820 map",
        EfiRemoveFact,
    )
    assert (f.index, f.kept) == (57, True)


# ---- boot markers -----------------------------------------------------------------


def test_boot_markers() -> None:
    f = fact("Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP", BannerFact)
    assert f.release == "6.1.0-56-amd64"
    c = fact("Command line: console=ttyS0 lab.max=5", CmdlineFact)
    assert (c.printer, c.text) == ("arch", "console=ttyS0 lab.max=5")
    assert fact("Kernel command line: root=/dev/hda2 ro", CmdlineFact).printer == "kernel"
    fact("kexec_core: Starting new kernel", KexecStartFact)
    fact("Starting new kernel", KexecStartFact)
    fact("Kernel panic - not syncing: VFS: Unable to mount root fs", PanicFact)
    fact("Out of memory: Killed process 812 (stress)", OomFact)
    fact("stress invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE)", OomFact)
    k = fact(
        "Reserving 256MB of memory at 848MB for crashkernel (System RAM: 16383MB)", CrashkernelFact
    )
    assert (k.size_mb, k.at_mb, k.start, k.values) == (256, 848, None, (256, 848))
    k = fact(
        "crashkernel reserved: 0x000000009f000000 - 0x00000000af000000 (256 MB)", CrashkernelFact
    )
    assert (k.size_mb, k.start, k.last) == (None, 0x9F000000, 0xAF000000)
    assert k.values == (0x9F000000, 0xAF000000)


def test_not_a_boot_line() -> None:
    assert classify("---[ end Kernel panic - not syncing: x ]---") is UNPARSED
    assert classify("ACPI: Core revision 20220331") is None


def test_non_x86_markers() -> None:
    fact("Determined physical RAM map:", NotX86Fact)
    fact("Machine model: Raspberry Pi 4 Model B", NotX86Fact)


# 2.4.0 - 2.4.2 print_memory_map(): " %s: %016Lx @ %016Lx " SIZE @ START, then the type
# in parentheses. Lines from LKML mails of 2000-2001 (2.4.0-test10, 2.4.0, 2.4.1-pre11,
# 2.4.2-pre3; samples/public/lkml-27-size-at.log is one of them).
@pytest.mark.parametrize(
    ("line", "addr", "size", "type_"),
    [
        (" BIOS-e820: 000000000009fc00 @ 0000000000000000 (usable)", 0, 0x9FC00, 1),
        (" BIOS-e820: 0000000000000400 @ 000000000009fc00 (reserved)", 0x9FC00, 0x400, 2),
        (" BIOS-e820: 000000000bf00000 @ 0000000000100000 (usable)", 0x100000, 0xBF00000, 1),
        (" BIOS-e820: 000000000000d000 @ 0000000007ff3000 (ACPI data)", 0x7FF3000, 0xD000, 3),
        (" BIOS-e820: 0000000000003000 @ 0000000007ff0000 (ACPI NVS)", 0x7FF0000, 0x3000, 4),
        (">  BIOS-e820: 0000000000100000 @ 00000000fec00000 (reserved)", 0xFEC00000, 0x100000, 2),
    ],
)
def test_size_at_start_lines(line: str, addr: int, size: int, type_: int) -> None:
    f = fact(line.lstrip("> "), EntryFact)
    assert (f.who, f.addr, f.size, f.type, f.era) == ("BIOS-e820", addr, size, type_, Era.A)
