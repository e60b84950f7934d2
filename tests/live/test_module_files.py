"""The module's text and binary files (kmod/ABI.md), from a real guest dump."""

from __future__ import annotations

from pathlib import Path

import pytest

from e820scope.live.boot_params import decode_boot_params
from e820scope.live.module_files import (
    ModuleFormatError,
    parse_module_table,
    parse_status,
    read_module,
    read_module_bin,
)

MOD = Path("sys/kernel/e820scope")


def test_text_equals_binary(gen2_root: Path) -> None:
    view = read_module(gen2_root)
    assert view is not None
    for name, table in view.tables.items():
        assert table.entries == read_module_bin(gen2_root / MOD / f"{name}.bin"), name
        assert (table.capacity, table.zeropage_max, table.kernel) == (3200, 128, "6.1.0-56-amd64")


def test_kexec_table_shows_type_128_distinctly(gen2_root: Path) -> None:
    view = read_module(gen2_root)
    assert view is not None
    kexec = view.tables["e820_table_kexec"]
    assert kexec.nr_entries == 18
    t128 = [e for e in kexec.entries if e.type == 128]
    # generation 2 received the SETUP_PCI piece from generation 1 and keeps it
    assert [(e.addr, e.last, e.raw_type) for e in t128] == [(0xBD0B2018, 0xBD0BBC57, "type 128")]


def test_firmware_table_is_what_this_kernel_received(gen2_root: Path) -> None:
    """4.13-6.14: e820_table_firmware = the received map (sorted), i.e. boot_params."""
    view = read_module(gen2_root)
    assert view is not None
    bp = decode_boot_params((gen2_root / "sys/kernel/boot_params/data").read_bytes())
    assert view.tables["e820_table_firmware"].entries == bp.e820_table


def test_status(gen2_root: Path) -> None:
    st = parse_status((gen2_root / MOD / "status").read_text())
    assert st["e820_table_kexec"] == "param"
    assert st["capacity"] == "3200"
    st = parse_status(
        "module=e820scope version=0.1.0 kernel=4.12.0\n"
        "e820_table resolved=kprobe:kallsyms_lookup_name verified=sprint_symbol\n"
        'e820_table_kexec resolved=absent reason="no e820_table_kexec before 4.13"\n'
    )
    assert st["e820_table"] == "kprobe:kallsyms_lookup_name"
    assert st["e820_table_kexec"] == "absent"


HEADER = "# e820_table nr_entries=2 capacity=131 zeropage_max=128 kernel=7.0.1\n"


def test_era_d_names_parse() -> None:
    t = parse_module_table(
        HEADER + "e820_table: [mem 0x0000000000000000-0x000000000009ffff]  System RAM\n"
        "e820_table: [mem 0x00000000000a0000-0x00000000000fffff]  device reserved\n"
    )
    assert [(e.addr, e.size, e.type) for e in t.entries] == [(0, 0xA0000, 1), (0xA0000, 0x60000, 2)]


@pytest.mark.parametrize(
    ("body", "line", "what"),
    [
        ("", 1, "header says nr_entries=2"),
        ("e820_table: [mem 0x0-0x1] usable\nxx\n", 3, "expected 'e820_table:"),
        ("e820_table_kexec: [mem 0x0-0x1] usable\n", 2, "expected 'e820_table:"),
        ("e820_table: [mem 0x0-0x1] bogus\ne820_table: [mem 0x2-0x3] usable\n", 2, "unknown"),
    ],
)
def test_format_errors_name_the_line(body: str, line: int, what: str) -> None:
    with pytest.raises(ModuleFormatError, match=what) as exc:
        parse_module_table(HEADER + body, "f")
    assert exc.value.line == line


def test_not_loaded(tmp_path: Path) -> None:
    assert read_module(tmp_path) is None


def test_bin_size_checked(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\0" * 21)
    with pytest.raises(ValueError, match="multiple of 20"):
        read_module_bin(tmp_path / "x.bin")
