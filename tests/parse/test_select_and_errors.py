"""select_boot, FILE#N, and the documented errors for bad inputs."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from e820scope.errors import EXIT_INPUT_ERROR, EXIT_NO_MAP, InputError, NoMapError
from e820scope.ingest import LogLine
from e820scope.model.records import MapStatus, SourceRef, StartMethod
from e820scope.parse import parse_input, parse_lines, select_boot

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CHAIN = str(SAMPLES / "lab" / "stock-6.1-ovmf-6g-chain.log")


def test_select_boot_numbers() -> None:
    b = select_boot(CHAIN + "#2")
    assert b.index == 2 and b.cmdline is not None and "lab.gen=2" in b.cmdline
    last = select_boot(CHAIN)
    assert last.index == 5


def test_select_boot_out_of_range() -> None:
    with pytest.raises(InputError) as ei:
        select_boot(CHAIN + "#9")
    assert ei.value.exit_code == EXIT_INPUT_ERROR
    assert "has 5 boot" in str(ei.value)


def test_wrapped_ring_buffer_is_no_map(tmp_path: Path) -> None:
    log = tmp_path / "wrapped.log"
    log.write_text("[ 9000.1] usb 1-1: new high-speed USB device\n[ 9001.2] eth0: link up\n")
    with pytest.raises(NoMapError) as ei:
        select_boot(str(log))
    assert ei.value.exit_code == EXIT_NO_MAP
    assert "journalctl -k -b" in ei.value.hint and "log_buf_len=" in ei.value.hint
    assert "/sys/firmware/memmap" in ei.value.hint


def test_binary_input_names_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "bin.log"
    log.write_bytes(b"Linux version 6.1\n\x00\x01\x02\xff\xfe binary\n")
    with pytest.raises(InputError) as ei:
        parse_input(str(log))
    assert ei.value.ref is not None and ei.value.ref.path == str(log)


def test_missing_file() -> None:
    with pytest.raises(InputError):
        parse_input("/nonexistent/e820scope/log")


def test_gzip_input(tmp_path: Path) -> None:
    src = (SAMPLES / "lab" / "stock-6.1-seabios-2g-boot.log").read_bytes()
    gz = tmp_path / "boot.log.gz"
    gz.write_bytes(gzip.compress(src))
    (boot,) = parse_input(str(gz)).boots
    assert boot.firmware_map is not None and len(boot.firmware_map) == 7


def _lines(*texts: str, ts: float | None = None) -> list[LogLine]:
    return [LogLine(SourceRef("t.log", n), t, ts) for n, t in enumerate(texts, 1)]


def test_timestamp_restart_splits_boots() -> None:
    lines = [
        LogLine(SourceRef("t", 1), "Linux version 6.1.0 (x)", 0.0),
        LogLine(
            SourceRef("t", 2), "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable", 0.0
        ),
        LogLine(SourceRef("t", 3), "something later", 12.5),
        LogLine(
            SourceRef("t", 4), "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable", 0.0
        ),
    ]
    parsed = parse_lines(lines, "t")
    assert [(b.first_line, b.last_line) for b in parsed.boots] == [(1, 3), (4, 4)]
    assert parsed.boots[0].ended_by == "next_boot"


def test_kexec_file_memmap_then_next_boot() -> None:
    parsed = parse_lines(
        _lines(
            "Linux version 6.9.0 (x)",
            "BIOS-provided physical RAM map:",
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable",
            "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
            "last_pfn = 0xbffe0 max_arch_pfn = 0x400000000",
            "kexec-bzImage64: E820 memmap:",
            "kexec-bzImage64: 0000000000000000-000000000009ffff (1)",
            "kexec-bzImage64: 0000000000100000-00000000bffdffff (1)",
            "kexec_core: Starting new kernel",
            "Linux version 6.9.0 (x)",
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable",
            "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
            "last_pfn = 0xbffe0 max_arch_pfn = 0x400000000",
        ),
        "t.log",
    )
    first, second = parsed.boots
    assert first.ended_by == "kexec"
    (memmap,) = [t for t in first.tables if t.who == "kexec-bzImage64"]
    assert [(e.addr, e.end) for e in memmap] == [(0, 0xA0000), (0x100000, 0xBFFE0000)]
    assert first.final_map is not None and first.final_map.who == "BIOS-e820"
    assert second.start.method is StartMethod.KEXEC_FILE_LOAD


def test_kexec_tools_map_0x400() -> None:
    (boot,) = parse_lines(
        _lines(
            "Linux version 5.10.0 (x)",
            "BIOS-e820: [mem 0x0000000000000400-0x000000000009ffff] usable",
            "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
            "last_pfn = 0xbffe0 max_arch_pfn = 0x400000000",
        ),
        "t.log",
    ).boots
    assert boot.start.method is StartMethod.KEXEC_LOAD
    assert "0x400" in boot.start.evidence


def test_garbled_line_inside_block_marks_it_incomplete() -> None:
    (boot,) = parse_lines(
        _lines(
            "Linux version 6.1.0 (x)",
            "BIOS-provided physical RAM map:",
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable",
            "BIOS-e820: [mem 0x00000000001000 garbage",
            "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
            "last_pfn = 0xbffe0 max_arch_pfn = 0x400000000",
        ),
        "t.log",
    ).boots
    fw = boot.firmware_map
    assert fw is not None and not fw.complete and len(fw) == 2
    assert boot.completeness.status is MapStatus.CUT_OFF
    assert any(w.ref is not None and w.ref.line == 4 for w in boot.warnings)


def test_non_x86_log_is_said_so() -> None:
    parsed = parse_lines(
        _lines(
            "Linux version 5.4.0 (x)", "Determined physical RAM map:", " memory: 0 @ 0 (usable)"
        ),
        "mips.log",
    )
    assert parsed.not_x86_reason is not None
    with pytest.raises(NoMapError):
        from e820scope.parse import no_map_error

        raise no_map_error(parsed)


def test_module_table_files_parse_as_live_tables() -> None:
    parsed = parse_lines(
        _lines(
            "# e820_table nr_entries=3 capacity=3200 zeropage_max=128 kernel=6.1.0-56-amd64",
            "e820_table: [mem 0x0000000000000000-0x000000000009ffff] usable",
            "e820_table: [mem 0x00000000bd100018-0x00000000bd109c57] type 128",
            "e820_table: [mem 0x0000000100000000-0x00000001bfffffff] usable",
            "# e820_table_kexec nr_entries=1 capacity=3200 zeropage_max=128 kernel=6.1.0-56-amd64",
            "e820_table_kexec: [mem 0x0000000000000000-0x000000000009ffff] usable",
        ),
        "e820scope-tables",
    )
    (boot,) = parsed.boots
    t, k = boot.tables
    assert (t.kind.value, t.who, len(t)) == ("live", "e820_table", 3)
    assert t.entries[1].type == 128 and t.entries[1].size == 0x9C40
    assert t.header is not None and "nr_entries=3" in t.header
    assert (k.who, len(k)) == ("e820_table_kexec", 1)


def test_two_machines_in_one_mail() -> None:
    # the first banner is repeated (quoted, then pasted): one boot, not two
    parsed = parse_lines(
        _lines(
            "> Linux version 2.6.18 (a) #1",
            "Linux version 2.6.18 (a) #1",
            " BIOS-e820: 0000000000000000 - 000000000009f000 (usable)",
            "some prose between the two logs",
            "Linux version 3.10.0 (b) #1",
            "e820: BIOS-provided physical RAM map:",
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009efff] usable",
        ),
        "mail",
    )
    assert [str(b.kernel) for b in parsed.boots] == ["2.6.18", "3.10.0"]
    fw1, fw2 = (b.firmware_map for b in parsed.boots)
    assert fw1 is not None and fw1.era is not None and fw1.era.value == "A"
    assert fw2 is not None and fw2.era is not None and fw2.era.value == "B"
    assert fw2.header == "e820: BIOS-provided physical RAM map:"


def test_console_kexec_command_identifies_the_syscall() -> None:
    boots = parse_lines(
        _lines(
            "Linux version 6.1.0 (x)",
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
            "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
            "last_pfn = 0xbffe0 max_arch_pfn = 0x400000000",
            "root@vm:~# kexec -s -l /boot/vmlinuz --reuse-cmdline && kexec -e",
            "kexec_core: Starting new kernel",
            "Linux version 6.1.0 (x)",
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
            "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable",
            "last_pfn = 0xbffe0 max_arch_pfn = 0x400000000",
        ),
        "console.log",
    ).boots
    # boot 1: nothing before its banner shows a firmware start (see test_start_method.py)
    assert [b.start.method for b in boots] == [StartMethod.UNKNOWN, StartMethod.KEXEC_FILE_LOAD]
    assert "kexec -s -l" in boots[1].start.evidence
    assert boots[0].events_of("kexec_cmd")
