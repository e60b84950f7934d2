"""format_table -> e820scope.parse reads back the same entries (every era).

This is what lets other developers generate synthetic console logs from the model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e820scope.kernel.boot import simulate_boot
from e820scope.kernel.printk import format_kexec_file_memmap, format_op, format_table
from e820scope.kernel.setup_data import SetupDataBlob, SetupDataType
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry, OpKind, RangeOp, TableKind
from e820scope.parse import parse_input

ENTRIES = [
    E820Entry(0x0, 0x9FC00, 1),
    E820Entry(0x9FC00, 0x400, 2),
    E820Entry(0xF0000, 0x10000, 2),
    E820Entry(0x100000, 0x7FE00000, 1),
    E820Entry(0x7FF00000, 0x80000, 3),
    E820Entry(0x7FF80000, 0x80000, 4),
    E820Entry(0xFEC00000, 0x1000, 5),
    E820Entry(0x100000000, 0x40000000, 1),
    E820Entry(0x140000000, 0x40000000, 12),
    E820Entry(0x180000000, 0x40000000, 7),
    E820Entry(0x1C0000000, 0x1000, 20),
]


@pytest.mark.parametrize("release", ["2.6.32", "3.10.0", "4.9.18", "6.1.0", "7.0.0"])
def test_firmware_block_round_trip(tmp_path: Path, release: str) -> None:
    kver = KernelVersion.parse(release)
    entries = ENTRIES if kver.at_least(3, 5) else [e for e in ENTRIES if e.type in (1, 2, 3, 4, 5)]
    lines = [f"Linux version {release} (lab@test) #1 SMP", "Command line: console=ttyS0"]
    lines += format_table(entries, "BIOS-e820", kver.print_era)
    lines.append(format_op(RangeOp(OpKind.UPDATE, 0, 0x1000, 1, 2), kver.print_era))
    log = tmp_path / "synthetic.log"
    log.write_text("\n".join(lines) + "\n")
    parsed = parse_input(str(log))
    assert len(parsed.boots) == 1
    boot = parsed.boots[0]
    assert boot.firmware_map is not None
    assert list(boot.firmware_map.entries) == entries
    assert [(o.kind, o.addr, o.size, o.old_type, o.new_type) for o in boot.ops] == [
        (OpKind.UPDATE, 0, 0x1000, 1, 2)
    ]


def test_simulated_boot_blocks_round_trip(tmp_path: Path) -> None:
    """A modelled 6.1 boot with one setup_data node: both printed blocks read back."""
    kver = KernelVersion.parse("6.1.0")
    blob = SetupDataBlob(0x1000000, 96, SetupDataType.SETUP_EFI)
    tables = simulate_boot(ENTRIES, kver, (blob,))
    lines = [f"Linux version {kver} (lab@test) #1 SMP", "Command line: console=ttyS0"]
    for block in tables.printed:
        lines += format_table(block.entries, block.who, kver.print_era)
    lines += format_kexec_file_memmap(tables.e820_table_kexec)
    log = tmp_path / "synthetic.log"
    log.write_text("\n".join(lines) + "\n")
    boot = parse_input(str(log)).boots[0]
    setup = boot.tables_of(TableKind.SETUP_DATA)
    assert len(setup) == 1
    # 128 prints as "usable" in 6.1: it reads back as 1, at the same boundaries
    want = [E820Entry(e.addr, e.size, 1 if e.type == 128 else e.type) for e in tables.printed[1]]
    assert list(setup[0].entries) == want
    kexec = boot.tables_of(TableKind.KEXEC_FILE_MEMMAP)
    assert kexec and list(kexec[0].entries) == list(tables.e820_table_kexec)
