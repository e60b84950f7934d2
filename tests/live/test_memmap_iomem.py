"""/sys/firmware/memmap and /proc/iomem readers."""

from __future__ import annotations

from pathlib import Path

from e820scope.live.iomem import addresses_hidden, parse_iomem, system_ram_bytes
from e820scope.live.memmap import memmap_source, read_memmap
from e820scope.live.module_files import read_module
from e820scope.model.kversion import KernelVersion


def test_memmap_is_firmware_table_on_6_1(gen2_root: Path) -> None:
    memmap = read_memmap(gen2_root / "sys/firmware/memmap")
    view = read_module(gen2_root)
    assert view is not None
    fw = view.tables["e820_table_firmware"].entries
    assert len(memmap) == len(fw) == 18
    # sysfs prints type 128 as "System RAM" on <= 6.14; everything else is the same
    assert [(e.addr, e.size, 1 if e.type == 128 else e.type) for e in fw] == [
        (e.addr, e.size, e.type) for e in memmap
    ]
    assert memmap[6].raw_type == "System RAM"


def test_memmap_source_by_version() -> None:
    assert memmap_source(KernelVersion.parse("6.1.0-56-amd64")) == "e820_table_firmware"
    assert memmap_source(KernelVersion.parse("6.15.2")) == "e820_table_kexec"
    assert memmap_source(KernelVersion.parse("4.12.0")).startswith("e820_table_firmware (<=")
    assert memmap_source(None).startswith("unknown")


def test_memmap_numeric_order_and_unknown_type(tmp_path: Path) -> None:
    for n, (s, e, t) in enumerate(
        [("0x0", "0x9ffff", "System RAM"), ("0xa0000", "0xfffff", "Unknown E820 type")] * 6
    ):
        d = tmp_path / str(n)
        d.mkdir()
        (d / "start").write_text(s + "\n")
        (d / "end").write_text(e + "\n")
        (d / "type").write_text(t + "\n")
    got = read_memmap(tmp_path)
    assert len(got) == 12
    assert [e.type for e in got[:3]] == [1, 2, 1]  # 10 sorts after 9, not after 1


def test_iomem_real_dump(gen2_root: Path) -> None:
    res = parse_iomem((gen2_root / "proc/iomem").read_text())
    assert not addresses_hidden(res)
    assert (res[0].start, res[0].last, res[0].name, res[0].depth) == (0, 0xFFF, "Reserved", 0)
    assert any(r.depth > 0 for r in res)
    # RAM under 4 GiB minus holes plus the 1 GiB above 4 GiB: a little under 4 GiB in a -m 4G VM
    assert 3 << 30 < system_ram_bytes(res) < 4 << 30


def test_iomem_hidden_for_non_root() -> None:
    res = parse_iomem("00000000-00000000 : Reserved\n  00000000-00000000 : System RAM\n")
    assert addresses_hidden(res)
    assert not addresses_hidden(())
