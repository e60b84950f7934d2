"""Boot splitting, start methods and completeness on the real samples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from e820scope.model.records import MapStatus, OpKind, StartMethod, TableKind
from e820scope.model.types import Era
from e820scope.parse import parse_input

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

LAB = sorted((SAMPLES / "lab").glob("*.log"))
_SUMMARY = re.compile(r"LAB-SUMMARY gen=(\d+) .*?bios_e820_lines=(\d+)")


def _lab_summaries(path: Path) -> list[tuple[int, int, int]]:
    """(line number, generation, bios_e820_lines) of every LAB-SUMMARY line."""
    out = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            m = _SUMMARY.search(line)
            if m:
                out.append((n, int(m.group(1)), int(m.group(2))))
    return out


@pytest.mark.parametrize("log", LAB, ids=lambda p: p.name)
def test_lab_chain_one_boot_per_generation(log: Path) -> None:
    summaries = _lab_summaries(log)
    parsed = parse_input(str(log))
    gens = len(summaries)
    # patched chain: generation 64 panics before userspace, so it has no LAB-SUMMARY
    extra = 1 if log.name.startswith("patched") else 0
    assert len(parsed.boots) == gens + extra
    for line, gen, bios_lines in summaries:
        boot = parsed.boots[gen - 1]
        assert boot.first_line <= line <= boot.last_line, (gen, boot.first_line, boot.last_line)
        fw = boot.firmware_map
        assert fw is not None and fw.complete
        assert len(fw) == bios_lines, f"gen {gen}"
        assert boot.completeness.status is MapStatus.PRESENT
    first, rest = parsed.boots[0], parsed.boots[1:]
    assert first.start.method is StartMethod.COLD
    assert all(b.start.method in (StartMethod.KEXEC, StartMethod.KEXEC_FILE_LOAD) for b in rest)
    assert all(b.ended_by == "kexec" for b in parsed.boots[:-1])


def test_patched_chain_ends_in_panic_at_the_cap() -> None:
    parsed = parse_input(str(SAMPLES / "lab" / "patched-6.1-ovmf-4g-chain.log"))
    counts = [len(b.firmware_map or ()) for b in parsed.boots]
    assert counts[:56] == list(range(16, 128, 2))
    assert counts[56:] == [128] * 8
    last = parsed.boots[-1]
    assert last.index == 64 and last.ended_by == "panic"
    assert last.events_of("panic")
    # OVMF chains: the previous kernel's SETUP_EFI node (112 bytes) identifies kexec_file_load
    assert last.start.method is StartMethod.KEXEC_FILE_LOAD


def test_seabios_chain_syscall_not_identifiable() -> None:
    parsed = parse_input(str(SAMPLES / "lab" / "stock-6.1-seabios-6g-chain.log"))
    assert [b.start.method for b in parsed.boots[1:]] == [StartMethod.KEXEC] * 4


def test_lkml_10_kexec_load_then_cold() -> None:
    parsed = parse_input(str(SAMPLES / "public" / "lkml-10-kexec.log"))
    assert len(parsed.boots) == 2
    kexeced, cold = parsed.boots
    assert kexeced.start.method is StartMethod.KEXEC_LOAD
    fw = kexeced.firmware_map
    assert fw is not None and fw.era is Era.A and len(fw) == 12
    assert (fw.entries[0].addr, fw.entries[0].end) == (0x100, 0x9B800)  # era A end exclusive
    assert kexeced.ended_by == "panic"
    assert cold.start.method is StartMethod.COLD
    cfw = cold.firmware_map
    assert cfw is not None and len(cfw) == 13 and cfw.entries[0].addr == 0
    assert cfw.entries[-1].end == 0x130000000


def test_linuxmm_20_kdump_user_map() -> None:
    # the crashed kernel's BUG and oops (no map: the console shows only its end), then
    # the capture kernel's console: two boots
    crashed, boot = parse_input(str(SAMPLES / "public" / "linuxmm-20-kdump.log")).boots
    assert [e.text for e in crashed.events if e.kind == "crash"] == [
        "kernel BUG at mm/slab.c:3002!",
        "invalid opcode: 0000 [#1] SMP",
    ]
    assert crashed.tables == () and boot.first_line == 123  # the capture kernel's banner
    assert boot.start.method is StartMethod.KDUMP
    assert boot.firmware_map is not None and len(boot.firmware_map) == 12
    assert boot.firmware_map.entries[0].addr == 0x100
    assert boot.firmware_map.entries[0].end == 0x9F400  # non page aligned, exclusive end
    (user,) = boot.tables_of(TableKind.USER)
    assert [(e.addr, e.end) for e in user] == [
        (0, 0xA0000),
        (0x10A0000, 0x8FFB000),
        (0x7FE4E000, 0x7FE56000),
    ]
    assert [p.last_pfn for p in boot.last_pfn] == [0x207FFFF, 0x8FFB]


def test_forum_24_bios_e801() -> None:
    (boot,) = parse_input(str(SAMPLES / "public" / "forum-24-e801.log")).boots
    fw = boot.firmware_map
    assert fw is not None and fw.who == "BIOS-e801"
    assert [(e.addr, e.end, e.type) for e in fw] == [(0, 0x9F000, 1), (0x100000, 0x8000000, 1)]


def test_xen_pv_map() -> None:
    (boot,) = parse_input(str(SAMPLES / "public" / "xen-25-pv.log")).boots
    fw = boot.firmware_map
    assert fw is not None and fw.who == "Xen" and len(fw) == 19
    assert sum(1 for e in fw if e.type == 5) == 3  # three "unusable" entries


def test_lkml_15_era_d() -> None:
    (boot,) = parse_input(str(SAMPLES / "public" / "lkml-15-newfmt.log")).boots
    fw = boot.firmware_map
    assert fw is not None and fw.era is Era.D
    # 21 "[mem" lines and 5 "[gap" lines in the file (MANIFEST.tsv says 20 + 5)
    assert len(fw) == 21 and len(fw.gaps) == 5
    assert fw.entries[0].raw_type == " System RAM"
    assert len(boot.events_of("efi_remove")) == 4
    assert sum(1 for o in boot.ops if o.kind is OpKind.REMOVE) == 5


def test_jailhouse_byte_granular_split() -> None:
    (boot,) = parse_input(str(SAMPLES / "public" / "blog-23-jailhouse.log")).boots
    (sd,) = boot.tables_of(TableKind.SETUP_DATA)
    assert sd.complete
    assert [(e.addr, e.end) for e in sd][:3] == [(0, 0x2000), (0x2000, 0x212C), (0x212C, 0x100000)]


def test_notes_09_truncated_entries_are_not_entries() -> None:
    parsed = parse_input(str(SAMPLES / "public" / "notes-09.log"))
    (boot,) = parsed.boots
    fw = boot.firmware_map
    assert fw is not None and not fw.complete and len(fw) == 0
    assert boot.completeness.status is MapStatus.CUT_OFF
    assert parsed.partial
    assert {w.ref.line for w in boot.warnings if w.ref} == {74, 75, 76, 77}


def test_notes_03_setup_data_block_cut() -> None:
    (boot,) = parse_input(str(SAMPLES / "public" / "notes-03.log")).boots
    fw = boot.firmware_map
    assert fw is not None and fw.complete and len(fw) == 21
    (sd,) = boot.tables_of(TableKind.SETUP_DATA)
    assert not sd.complete and len(sd) == 11
    assert boot.completeness.status is MapStatus.CUT_OFF


def test_notes_05_journal_boots() -> None:
    parsed = parse_input(str(SAMPLES / "public" / "notes-05.log"))
    # the "-- Reboot --" separators are in a unit's journal that holds no kernel line,
    # and the document goes on in plain text after the last one: no boot of its own
    (first,) = parsed.boots
    assert first.kernel is not None and str(first.kernel) == "5.8.8-200.fc32.x86_64"
    assert first.firmware_map is not None and len(first.firmware_map) == 3
    assert first.completeness.status is MapStatus.CUT_OFF  # pager cut the map


@pytest.mark.parametrize(
    "log", sorted((SAMPLES / "public").glob("*.log")) + LAB, ids=lambda p: p.name
)
def test_every_sample_parses_with_a_map(log: Path) -> None:
    parsed = parse_input(str(log))
    assert parsed.boots
    no_map = ("notes-09.log", "lkml-30-wrapped-cmdline.log")  # cut map; grep for a cmdline
    assert any(t.entries for b in parsed.boots for t in b.tables) or log.name in no_map
    assert [b.index for b in parsed.boots] == list(range(1, len(parsed.boots) + 1))


_FW_LINE = re.compile(r"(BIOS-e820|BIOS-e801|BIOS-88|Xen): (\[mem |[0-9a-f]{16})")
#: samples whose firmware-map lines are partly unusable on purpose (wdiff markers, cut lines)
_CUT_ON_PURPOSE = {"lkml-07-wdiff.log": 19, "notes-09.log": 0}


@pytest.mark.parametrize("log", sorted((SAMPLES / "public").glob("*.log")), ids=lambda p: p.name)
def test_firmware_entries_match_a_plain_grep(log: Path) -> None:
    """An independent count: every firmware-map entry line of the file becomes one entry."""
    with log.open(encoding="utf-8", errors="replace") as fh:
        grep_count = sum(1 for line in fh if _FW_LINE.search(line))
    parsed = parse_input(str(log))
    got = sum(len(b.firmware_map) for b in parsed.boots if b.firmware_map is not None)
    assert got == _CUT_ON_PURPOSE.get(log.name, grep_count)


def test_xen_hypervisor_maps_beside_the_dom0_map() -> None:
    # xen-28-pvh lines 3-10 "(XEN) Xen-e820 RAM map:" (7 entries, inclusive ends), lines
    # 23-32 "(XEN) Dom0 memory map:" (9), lines 34-41 the PVH dom0's own BIOS-e820 map (8)
    first, second = parse_input(str(SAMPLES / "public" / "xen-28-pvh.log")).boots
    xen, dom0_built = first.tables_of(TableKind.HYPERVISOR)
    assert (xen.header, len(xen), dom0_built.header, len(dom0_built)) == (
        "(XEN) Xen-e820 RAM map:",
        7,
        "(XEN) Dom0 memory map:",
        9,
    )
    assert (xen.entries[0].addr, xen.entries[0].end) == (0, 0x9FC00)  # [0, 9fbff]
    assert xen.entries[-1].end == 0x10000000000 and xen.era is None
    assert (dom0_built.entries[4].addr, dom0_built.entries[4].size) == (0x40060F1E, 0x8A)
    fw = first.firmware_map
    assert fw is not None and len(fw) == 8 and fw.who == "BIOS-e820"
    assert first.final_map is fw  # a hypervisor's map is never this kernel's final map
    assert first.start.method is StartMethod.COLD and "Xen hypervisor" in first.start.evidence
    # the second excerpt: the dom0 banner (line 78) without a map
    assert second.first_line == 78 and second.tables == ()


def test_xen_41_hypervisor_map_alone() -> None:
    # forum-29-xen41: "xm dmesg" of Xen 4.1.1, old "(XEN) START - END (type)" lines with
    # one space (the forum collapsed two), end exclusive; no dom0 kernel lines
    (boot,) = parse_input(str(SAMPLES / "public" / "forum-29-xen41.log")).boots
    (xen,) = boot.tables
    assert xen.kind is TableKind.HYPERVISOR and len(xen) == 18
    assert (xen.entries[0].end, xen.entries[-1].addr, xen.entries[-1].end) == (
        0x9F800,
        0x100000000,
        0x220000000,
    )
    assert [e.type for e in xen.entries[4:7]] == [4, 1, 4]
    assert boot.firmware_map is None and boot.final_map is None
    assert "'(XEN) Bootloader: GRUB 1.99-12ubuntu5' at" in boot.start.evidence


def test_hypervisor_map_after_a_dom0_kernel_starts_a_boot() -> None:
    from e820scope.ingest import LogLine
    from e820scope.model.records import SourceRef
    from e820scope.parse import parse_lines

    text = (SAMPLES / "public" / "xen-28-pvh.log").read_text(encoding="utf-8").splitlines()
    twice = [*text[77:79], *text[2:10]]  # a dom0 banner, then Xen restarting
    lines = [LogLine(SourceRef("x.log", n), t) for n, t in enumerate(twice, 1)]
    dom0, xen = parse_lines(lines, "x.log").boots
    assert dom0.tables == () and xen.first_line == 3
    assert [t.kind for t in xen.tables] == [TableKind.HYPERVISOR]


def test_wrapped_command_line_is_rejoined() -> None:
    # lkml-30 lines 19-20 and 24-25: a mail client wrapped the journal's "Command line:"
    # and "Kernel command line:" lines; the continuation (no prefix of its own, quoted
    # ">> ") holds "memmap=12M$20M quiet"
    (boot,) = parse_input(str(SAMPLES / "public" / "lkml-30-wrapped-cmdline.log")).boots
    assert boot.cmdline == (
        "ro root=/dev/nvme0n1p2 resume=/dev/nvme1n1p1 zram.num_devices=2 memmap=12M$20M quiet"
    )
    assert boot.kernel is not None and str(boot.kernel) == "5.10.0-rc2"
