"""setup_data nodes: the linked list a boot loader (or the previous kernel) hands over.

Layout (arch/x86/include/uapi/asm/setup_data.h, bootparam.h before the split): every
node starts with a 16-byte header ``struct setup_data {u64 next; u32 type; u32 len;}``
followed by ``len`` payload bytes; the list head is ``boot_params.hdr.setup_data``. A
``SETUP_INDIRECT`` node carries ``struct setup_indirect {u32 type; u32 reserved; u64 len;
u64 addr;}`` and the real data lives at ``[addr, addr + len)``.

All ranges here are ``(start, size)`` pairs with an exclusive end ``start + size``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..model.kversion import KernelVersion

#: sizeof(struct setup_data): the node header in front of the payload.
SETUP_DATA_HEADER_SIZE = 16


class SetupDataType(enum.IntEnum):
    """``SETUP_*`` node types (values as in the uapi header)."""

    SETUP_NONE = 0
    SETUP_E820_EXT = 1
    SETUP_DTB = 2
    SETUP_PCI = 3
    SETUP_EFI = 4
    SETUP_APPLE_PROPERTIES = 5
    SETUP_JAILHOUSE = 6
    SETUP_CC_BLOB = 7
    SETUP_IMA = 8  # v6.0, b69a2afd5afc
    SETUP_RNG_SEED = 9  # v6.0, 68b8e9713c8e
    SETUP_KEXEC_KHO = 10
    SETUP_INDIRECT = 1 << 31  # b3c72fc9a78e (boot protocol 2.15)


@dataclass(frozen=True, slots=True)
class SetupDataBlob:
    """One setup_data list node as the receiving kernel sees it.

    ``addr`` is the physical address of the node header, ``len`` the payload length
    (bytes, header excluded), ``type`` the node's ``SETUP_*`` value. For a
    ``SETUP_INDIRECT`` node, ``indirect_type``/``indirect_addr``/``indirect_len`` describe
    the ``struct setup_indirect`` payload (``indirect_type`` includes the
    ``SETUP_INDIRECT`` bit, e.g. ``0x80000001``).
    """

    addr: int
    len: int
    type: int
    indirect_type: int | None = None
    indirect_addr: int = 0
    indirect_len: int = 0

    @property
    def node_size(self) -> int:
        """Bytes covered by the node: header + payload."""
        return SETUP_DATA_HEADER_SIZE + self.len

    def reserved_len(self, kver: KernelVersion) -> int:
        """Payload length at the time e820__reserve_setup_data() runs.

        From v6.0 (68b8e9713c8e) parse_setup_data() consumes an RNG seed and zeroes its
        ``len`` before the reservation, so only the 16-byte header is reserved (as the
        message of 7fd817c90650 says).
        """
        if self.type == SetupDataType.SETUP_RNG_SEED and kver.at_least(6, 0):
            return 0
        return self.len

    def node_range(self, kver: KernelVersion) -> tuple[int, int]:
        """``(start, size)`` that e820__reserve_setup_data() marks: ``[addr, addr+16+len)``."""
        return self.addr, SETUP_DATA_HEADER_SIZE + self.reserved_len(kver)

    def indirect_range(self, kver: KernelVersion) -> tuple[int, int] | None:
        """``(start, size)`` of an indirect node's target, or None.

        Reserved only by kernels that know SETUP_INDIRECT (5.7 is the first tree checked
        that has it; b3c72fc9a78e) and only when the indirect type is not itself
        SETUP_INDIRECT.
        """
        if self.type != SetupDataType.SETUP_INDIRECT or self.indirect_type is None:
            return None
        if not kver.at_least(5, 7):
            return None
        if self.indirect_type == SetupDataType.SETUP_INDIRECT:
            return None
        return self.indirect_addr, self.indirect_len
