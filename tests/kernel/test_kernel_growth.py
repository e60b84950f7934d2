"""The talk's numbers: +2 entries per kexec_file_load generation on a <= 5.7 kernel.

Seed: a 15-entry firmware map. Every kexec_file_load boot carries one new SETUP_EFI node
(16-byte header + 96-byte efi_setup_data) inside a usable entry; a 5.4 kernel reserves it
as RESERVED_KERN in e820_table_kexec (8efbc518b884 is v5.8), so each hand-off grows the
kexec table by 2. After the 57th kexec reboot the kernel's kexec table has 129 entries;
the 58th kexec reboot passes only 128 and the top range (RAM above 4 GiB) is gone.
"""

from __future__ import annotations

from e820scope.kernel.boot import simulate_boot
from e820scope.kernel.handoff import kexec_file_load_handoff
from e820scope.kernel.setup_data import SetupDataBlob, SetupDataType
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry

GiB = 1 << 30

SEED = [
    E820Entry(0x0, 0x9D000, 1),
    E820Entry(0x9D000, 0x3000, 2),
    E820Entry(0xE0000, 0x20000, 2),
    E820Entry(0x100000, 0x6FF00000, 1),
    E820Entry(0x70000000, 0x100000, 2),
    E820Entry(0x70100000, 0x8C00000, 1),
    E820Entry(0x78D00000, 0x200000, 4),
    E820Entry(0x78F00000, 0x100000, 3),
    E820Entry(0x79000000, 0x6000000, 1),
    E820Entry(0x7F000000, 0x800000, 2),
    E820Entry(0x80000000, 0x10000000, 2),
    E820Entry(0xFED1C000, 0x4000, 2),
    E820Entry(0xFEE00000, 0x1000, 2),
    E820Entry(0xFF000000, 0x1000000, 2),
    E820Entry(0x100000000, 254 * GiB, 1),
]
KVER = KernelVersion.parse("5.4.0")
EFI_NODE_LEN = 96


def test_seed_is_sanitized_and_has_15_entries() -> None:
    tables = simulate_boot(SEED, KVER, ())
    assert tables.e820_table_kexec == tuple(SEED)


def test_growth_reaches_129_at_the_57th_reboot_and_58th_loses_the_top_range() -> None:
    received = tuple(SEED)
    sizes = []
    drops = []
    for reboot in range(0, 60):
        blobs = (
            ()
            if reboot == 0
            else (
                SetupDataBlob(
                    0x10000000 + reboot * 0x100000, EFI_NODE_LEN, SetupDataType.SETUP_EFI
                ),
            )
        )
        tables = simulate_boot(received, KVER, blobs)
        assert not tables.full_events
        sizes.append(len(tables.e820_table_kexec))
        handoff = kexec_file_load_handoff(tables.e820_table_kexec)
        drops.append(handoff.dropped)
        received = handoff.passed

    assert sizes[:58] == [15 + 2 * k for k in range(58)]
    assert sizes.index(129) == 57  # kexec table after the 57th kexec reboot
    assert all(d == () for d in drops[:57])
    assert drops[57] == (E820Entry(0x100000000, 254 * GiB, 1),)  # 58th reboot hand-off
    # the 58th kexec'd kernel has no RAM above 4 GiB any more
    after = simulate_boot(
        kexec_file_load_handoff(simulate_boot(received, KVER, ()).e820_table_kexec).passed, KVER, ()
    )
    assert max(e.end for e in after.e820_table if e.type in (1, 128)) < 0x100000000


def test_fixed_kernel_does_not_grow() -> None:
    kver = KernelVersion.parse("5.8.0")
    received = tuple(SEED)
    for reboot in range(1, 5):
        blob = SetupDataBlob(0x10000000 + reboot * 0x100000, EFI_NODE_LEN, SetupDataType.SETUP_EFI)
        tables = simulate_boot(received, kver, (blob,))
        assert len(tables.e820_table) == 17  # still split in e820_table
        assert len(tables.e820_table_kexec) == 15
        received = kexec_file_load_handoff(tables.e820_table_kexec).passed
