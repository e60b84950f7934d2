"""Decode real zero pages captured from the OVMF test bed (tests/live/data/README.md)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from e820scope.live.boot_params import (
    BOOT_PARAMS_MIN_SIZE,
    E820_TABLE_OFFSET,
    decode_boot_params,
    decode_e820_entries,
    read_setup_data,
)
from e820scope.model.records import E820Entry


def test_gen1_ovmf_stub_zero_page(live_data: Path) -> None:
    bp = decode_boot_params((live_data / "ovmf-6.1-gen1-boot_params.bin").read_bytes())
    # The console of that boot prints 16 BIOS-e820 lines; the stub leaves version 0.
    assert bp.e820_entries == 16
    assert bp.version == 0
    # SETUP_PCI node: the range generation 1 later reserves as type 128 starts here.
    assert bp.setup_data == 0xBD0B2018
    first, second = bp.e820_table[0], bp.e820_table[1]
    assert (first.addr, first.last, first.type) == (0, 0x9FFFF, 1)
    assert (second.addr, second.last, second.type) == (0x100000, 0x805FFF, 1)
    # the stub's order is not sorted: RAM above 4 GiB comes before the flash at 0xffc00000
    tail = [(e.addr, e.last, e.type) for e in bp.e820_table[-2:]]
    assert tail == [(0x100000000, 0x13FFFFFFF, 1), (0xFFC00000, 0xFFFFFFFF, 2)]
    assert sum(e.size for e in bp.e820_table if e.type == 1) < 4 << 30


def test_gen2_after_kexec_file_load(live_data: Path) -> None:
    bp = decode_boot_params((live_data / "ovmf-6.1-gen2-boot_params.bin").read_bytes())
    assert (bp.e820_entries, bp.version) == (18, 0x020F)
    assert bp.setup_data == 0x99200  # SETUP_EFI node built by kexec_file_load
    types = [e.type for e in bp.e820_table]
    assert types.count(128) == 1
    split = bp.e820_table[5:8]
    assert [(e.addr, e.last, e.type) for e in split] == [
        (0x900000, 0xBD0B2017, 1),
        (0xBD0B2018, 0xBD0BBC57, 128),
        (0xBD0BBC58, 0xBEA9FFFF, 1),
    ]
    # sorted and non-overlapping after the previous kernel's sanitizer
    assert all(a.end <= b.addr for a, b in zip(bp.e820_table, bp.e820_table[1:], strict=False))


def test_short_blob_is_refused() -> None:
    with pytest.raises(ValueError, match="need at least"):
        decode_boot_params(bytes(0x2D0))


@given(
    st.lists(
        st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(0, 2**32 - 1)),
        max_size=140,
    )
)
def test_roundtrip_entries_capped_at_128(entries: list[tuple[int, int, int]]) -> None:
    blob = bytearray(4096)
    blob[0x1E8] = min(len(entries), 255)
    for i, (a, s, t) in enumerate(entries[:128]):
        struct.pack_into("<QQI", blob, E820_TABLE_OFFSET + 20 * i, a, s, t)
    bp = decode_boot_params(bytes(blob))
    assert len(blob) >= BOOT_PARAMS_MIN_SIZE
    assert [(e.addr, e.size, e.type) for e in bp.e820_table] == entries[:128]


def test_decode_entries_rejects_short_input() -> None:
    with pytest.raises(ValueError):
        decode_e820_entries(b"\0" * 30, 2)
    assert decode_e820_entries(struct.pack("<QQI", 1, 2, 3)) == (E820Entry(1, 2, 3),)


def test_setup_data_nodes(gen2_root: Path, tmp_path: Path) -> None:
    nodes = read_setup_data(gen2_root / "sys/kernel/boot_params")
    assert [(n.index, n.type) for n in nodes] == [(0, 4)]
    d = tmp_path / "setup_data"
    for i, (t, payload) in enumerate([("0x3", b"x" * 7), ("0x80000001", b"")]):
        (d / str(i)).mkdir(parents=True)
        (d / str(i) / "type").write_text(t + "\n")
        (d / str(i) / "data").write_bytes(payload)
    (d / "10").mkdir()
    (d / "10" / "type").write_text("0x9\n")
    nodes = read_setup_data(tmp_path)
    assert [(n.index, n.type, n.data_len) for n in nodes] == [
        (0, 3, 7),
        (1, 0x80000001, 0),
        (10, 9, None),
    ]
