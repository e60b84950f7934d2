"""Decode ``struct boot_params`` (the x86 zero page) as exported by the kernel.

``/sys/kernel/boot_params/data`` (arch/x86/kernel/ksysfs.c) is a raw copy of what THIS
kernel received from its boot loader, EFI stub or previous kernel: the input of the
``BIOS-e820`` printout, not the sanitized tables (kernel-facts §4.3). Offsets are those
of Documentation/arch/x86/zero-page.rst (kernel-facts §4.4):

========  ====  ==============================================================
offset    size  field
========  ====  ==============================================================
0x1e8     1     ``e820_entries`` (u8)
0x206     2     ``hdr.version`` (u16, boot protocol)
0x250     8     ``hdr.setup_data`` (u64 physical address of the first node)
0x2d0     0xa00 ``e820_table[128]``: packed ``{u64 addr; u64 size; u32 type}``
========  ====  ==============================================================

All integers are little endian. Entries are returned with exclusive ``end`` semantics
(:class:`~e820scope.model.entry.E820Entry`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from ..model.records import E820Entry
from .dump import Dump

E820_ENTRIES_OFFSET = 0x1E8
HDR_VERSION_OFFSET = 0x206
HDR_SETUP_DATA_OFFSET = 0x250
E820_TABLE_OFFSET = 0x2D0
#: E820_MAX_ENTRIES_ZEROPAGE: slots in boot_params.e820_table.
E820_MAX_ENTRIES_ZEROPAGE = 128
#: sizeof(struct e820_entry): packed u64 addr, u64 size, u32 type.
E820_ENTRY_SIZE = 20
_ENTRY = struct.Struct("<QQI")
#: The zero page must reach the end of e820_table (0x2d0 + 128 * 20 = 0xcd0).
BOOT_PARAMS_MIN_SIZE = E820_TABLE_OFFSET + E820_MAX_ENTRIES_ZEROPAGE * E820_ENTRY_SIZE


@dataclass(frozen=True)
class BootParams:
    """The fields of the zero page e820scope uses.

    ``e820_entries`` is the count byte as stored (it can exceed 128 only if corrupt);
    ``e820_table`` holds ``min(e820_entries, 128)`` entries. ``setup_data`` is the
    physical address of the first setup_data node (0 = none). ``version`` is the boot
    protocol, e.g. ``0x020f``; an EFI-stub first boot leaves it 0.
    """

    e820_entries: int
    e820_table: tuple[E820Entry, ...]
    setup_data: int
    version: int


def decode_e820_entries(blob: bytes, count: int | None = None) -> tuple[E820Entry, ...]:
    """Decode packed 20-byte ``struct e820_entry`` records (``count`` of them, else all)."""
    n = len(blob) // E820_ENTRY_SIZE if count is None else count
    if n * E820_ENTRY_SIZE > len(blob):
        raise ValueError(f"{n} e820 entries need {n * E820_ENTRY_SIZE} bytes, have {len(blob)}")
    return tuple(E820Entry(*_ENTRY.unpack_from(blob, i * E820_ENTRY_SIZE)) for i in range(n))


def decode_boot_params(data: bytes) -> BootParams:
    """Decode the zero page; raises ``ValueError`` if ``data`` is too short."""
    if len(data) < BOOT_PARAMS_MIN_SIZE:
        raise ValueError(
            f"boot_params is {len(data)} bytes, need at least {BOOT_PARAMS_MIN_SIZE:#x}"
        )
    count = data[E820_ENTRIES_OFFSET]
    (version,) = struct.unpack_from("<H", data, HDR_VERSION_OFFSET)
    (setup_data,) = struct.unpack_from("<Q", data, HDR_SETUP_DATA_OFFSET)
    table = data[E820_TABLE_OFFSET:BOOT_PARAMS_MIN_SIZE]
    entries = decode_e820_entries(table, min(count, E820_MAX_ENTRIES_ZEROPAGE))
    return BootParams(count, entries, setup_data, version)


@dataclass(frozen=True)
class SetupDataNode:
    """``/sys/kernel/boot_params/setup_data/N``: list position, type, payload size (bytes).

    ``data_len`` is None when the ``data`` file could not be read.
    """

    index: int
    type: int
    data_len: int | None


#: the most read of a setup_data payload to measure it (sysfs may report size 0)
MAX_SETUP_DATA = 16 << 20


def read_setup_data(boot_params_dir: Path | Dump) -> tuple[SetupDataNode, ...]:
    """Read ``setup_data/N/{type,data}`` in list order (N ascending).

    A node whose ``type`` is unreadable or not a number is left out with a warning.
    """
    dump = Dump.at(boot_params_dir).sub("setup_data")
    if not dump.is_dir(""):
        return ()
    nodes = []
    for d in dump.numbered_dirs():
        node_type = dump.number(f"{d}/type", 0)
        if node_type is None:
            continue
        data = Dump(dump.tree.sub(d))  # an absent or damaged payload is just unknown
        payload = data.data("data", limit=MAX_SETUP_DATA)
        nodes.append(SetupDataNode(int(d), node_type, None if payload is None else len(payload)))
    return tuple(nodes)
