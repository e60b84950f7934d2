"""The lab's patched-6.1 kexec_file_load chain replayed through the model, 63 generations.

patched-6.1-ovmf-4g-chain.log: 6.1.192 with 8efbc518b884's condition reverted, so the
SETUP_EFI node of every kexec_file_load boot is reserved in e820_table_kexec again.
Generation 1 is an OVMF cold boot whose EFI stub passes one setup_data node (modelled as
SETUP_PCI, reserved in both tables by 6.1). NUMA=n: capacity 131 (LAB-NR table=131).
"""

from __future__ import annotations

from pathlib import Path

from kernel_chain import replay

from e820scope.kernel.policy import setup_data_reserved
from e820scope.kernel.setup_data import SetupDataType
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry, TableKind
from e820scope.parse import parse_input
from predict.oracles import lab_nr

KVER = KernelVersion.parse("6.1.192")


def patched_policy(kver: KernelVersion, setup_type: int) -> tuple[bool, bool]:
    if setup_type == SetupDataType.SETUP_EFI:
        return True, True  # the lab's revert of 8efbc518b884
    return setup_data_reserved(kver, setup_type)


def test_patched_chain_every_generation(samples: Path) -> None:
    path = samples / "lab/patched-6.1-ovmf-4g-chain.log"
    gens = parse_input(str(path)).boots
    assert len(gens) == 64
    nr = lab_nr(path)
    blocks: list[tuple[list[E820Entry], list[E820Entry] | None, tuple[int, int, int] | None]] = []
    for n, g in enumerate(gens, 1):
        assert g.firmware_map is not None
        (setup,) = g.tables_of(TableKind.SETUP_DATA)
        blocks.append((list(g.firmware_map.entries), list(setup.entries), nr.get(n)))
    types = [SetupDataType.SETUP_PCI] + [SetupDataType.SETUP_EFI] * (len(gens) - 1)
    results = replay(blocks, KVER, types, patched_policy, max_numnodes=1)

    kexec_sizes = [len(r.tables.e820_table_kexec) for r in results]
    assert kexec_sizes[:4] == [18, 20, 22, 24]
    assert kexec_sizes[55] == 128 and kexec_sizes[56] == 130  # gens 56, 57
    dropped = {r.gen: r.dropped for r in results if r.dropped}
    # the first hand-off with entries past 128 is gen 57 -> 58; its top 2 entries vanish
    assert min(dropped) == 57
    top = dropped[57]
    assert len(top) == 2 and top[-1].addr == 0x100000000 and top[-1].type == 1
    # from then on every hand-off drops the two highest entries (kexec table stays 130;
    # gen 64 panicked, its modelled hand-off is never used)
    assert sorted(dropped) == list(range(57, 65))
    usable_kib = [r.tables.bytes_usable // 1024 for r in results]
    # MANIFEST memtotal_kb: flat through gen 57, -967932 KiB at gen 58 (model: the 1 GiB
    # above 4 GiB), then small steps; gen 64 panics: the model leaves it < 8 MiB of RAM
    assert usable_kib[56] - usable_kib[57] == 1 << 20
    assert usable_kib[63] < 8 << 10
