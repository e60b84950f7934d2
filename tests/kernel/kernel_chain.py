"""Replay a kexec_file_load chain through the kernel model (test helper).

Input per generation: the printed ``BIOS-e820`` and ``reserve setup_data`` blocks (types
as parsed, so a hidden type 128 reads as 1) and optionally the lab's measured
``(e820_table, e820_table_kexec, e820_table_firmware)`` entry counts. The setup_data
blobs are inferred as the pieces that split a printed entry between the two blocks
(middle piece of a three-way split, smaller piece of a two-way split).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from e820scope.kernel.boot import KernelTables, ReservePolicy, simulate_boot
from e820scope.kernel.handoff import kexec_file_load_handoff
from e820scope.kernel.setup_data import SETUP_DATA_HEADER_SIZE, SetupDataBlob
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import E820Entry, OpKind, RangeOp

#: trim_bios_range() (KERN_DEBUG, not on the lab's serial console): page 0 -> reserved,
#: RAM in the legacy hole 0xa0000-0x100000 removed. e820_table only.
TRIM_BIOS_RANGE = (
    RangeOp(OpKind.UPDATE, 0x0, 0x1000, 1, 2),
    RangeOp(OpKind.REMOVE, 0xA0000, 0x60000, 1),
)


def printed(entries: Sequence[E820Entry], kver: KernelVersion) -> list[tuple[int, int, int]]:
    """Entries as a log shows them: type 128 reads as usable (1) up to 6.14."""
    hide = kver.has_reserved_kern
    return [(e.addr, e.size, 1 if (hide and e.type == 128) else int(e.type)) for e in entries]


def infer_blob_ranges(
    before: Sequence[E820Entry], after: Sequence[E820Entry]
) -> list[tuple[int, int]]:
    """``(start, size)`` of setup_data nodes that split entries of ``before`` in ``after``."""
    out = []
    for e in before:
        pieces = [p for p in after if e.addr <= p.addr and p.end <= e.end]
        if len(pieces) == 3:
            out.append((pieces[1].addr, pieces[1].size))
        elif len(pieces) == 2:
            small = min(pieces, key=lambda p: p.size)
            out.append((small.addr, small.size))
        elif len(pieces) > 3:
            raise AssertionError(f"{len(pieces)} pieces in {e}: more than one blob per entry")
    return out


@dataclass
class GenResult:
    gen: int
    tables: KernelTables
    dropped: tuple[E820Entry, ...]


def replay(
    gens: Sequence[tuple[list[E820Entry], list[E820Entry] | None, tuple[int, int, int] | None]],
    kver: KernelVersion,
    blob_types: Sequence[int],
    reserve_policy: ReservePolicy | None,
    max_numnodes: int,
) -> list[GenResult]:
    """Model every generation from the first one's printed map; assert each printed block.

    ``blob_types[g]`` is the SETUP_* type of generation g's setup_data nodes; a
    generation without a ``reserve setup_data`` block passes ``None``.
    """
    results: list[GenResult] = []
    received: tuple[E820Entry, ...] = tuple(gens[0][0])
    for g, (bios, setup, nr) in enumerate(gens):
        assert printed(received, kver) == printed(bios, kver), f"gen {g + 1}: BIOS-e820"
        blobs = [
            SetupDataBlob(start, size - SETUP_DATA_HEADER_SIZE, blob_types[g])
            for start, size in (infer_blob_ranges(bios, setup) if setup is not None else [])
        ]
        tables = simulate_boot(
            received,
            kver,
            blobs,
            ops=TRIM_BIOS_RANGE,
            max_numnodes=max_numnodes,
            reserve_policy=reserve_policy,
        )
        block = tables.block("reserve setup_data")
        if setup is None:
            assert block is None, f"gen {g + 1}: no setup_data printed"
        else:
            assert block is not None
            assert printed(block.entries, kver) == printed(setup, kver), f"gen {g + 1}"
        if nr is not None:
            got = (
                len(tables.e820_table),
                len(tables.e820_table_kexec),
                len(tables.e820_table_firmware),
            )
            assert got == nr, f"gen {g + 1}: LAB-NR"
        handoff = kexec_file_load_handoff(tables.e820_table_kexec)
        results.append(GenResult(g + 1, tables, handoff.dropped))
        received = handoff.passed
    return results
