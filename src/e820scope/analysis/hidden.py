"""Hidden ``E820_TYPE_RESERVED_KERN`` (128) entries in kernels <= 6.14.

Up to v6.14 the kernel prints type 128 as ``usable`` (``e820_print_type()`` falls
through to the RAM case; the type was dropped in v6.15 by efe659ac0146). Every printed
table is sanitized first (``e820__update_table()`` merges abutting entries of the same
type), so two *adjacent* entries that both print ``usable`` can only be a type-1 /
type-128 boundary: a setup_data node reserved by ``e820__reserve_setup_data()`` in this
boot, or one received as type 128 from the previous kernel's ``e820_table_kexec``
through ``kexec_file_load`` (``setup_e820_entries()`` copies types verbatim).

In a run of k adjacent ``usable`` entries the true types alternate 1/128 (two pieces of
the same type would have been merged). Which parity is 128 cannot be read from the
line; we pick the parity whose type-128 pieces add up to fewer bytes (setup_data blobs
are small), which is always right for the split signature ``big | tiny | big``.

Addresses are bytes; entries keep the records' convention (``end`` exclusive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..kernel.hidden import reserved_kern_of_run, reserved_kern_runs
from ..model.kversion import KernelVersion
from ..model.records import Boot, E820Entry, E820Table, TableKind
from ..model.types import E820Type
from .memo import recent_by_identity

#: SETUP_EFI node: 16-byte ``struct setup_data`` header + 96-byte ``struct efi_setup_data``.
SETUP_EFI_NODE_BYTES = 0x70
#: SETUP_RNG_SEED node as reserved from v6.0 on: parse_setup_data() zeroes its ``len``
#: before e820__reserve_setup_data() runs, so only the 16-byte header is reserved
#: (commit message of 7fd817c90650).
SETUP_RNG_SEED_HEADER_BYTES = 0x10


def guess_setup_data(size: int) -> str:
    """Name the setup_data node a type-128 piece of ``size`` bytes most likely is.

    Returns a short phrase for reports (kernel-facts §8). Only the two fixed sizes are
    certain fingerprints; anything else is named by size.
    """
    if size == SETUP_EFI_NODE_BYTES:
        return "SETUP_EFI node (16-byte setup_data header + struct efi_setup_data)"
    if size == SETUP_RNG_SEED_HEADER_BYTES:
        return "SETUP_RNG_SEED node header (len zeroed by parse_setup_data, 6.0+)"
    return (
        f"setup_data blob of {size} bytes (not SETUP_EFI or SETUP_RNG_SEED by size; "
        "e.g. SETUP_PCI option ROMs from the EFI stub, SETUP_E820_EXT, a bootloader blob)"
    )


def setup_data_kind(size: int) -> str:
    """``SETUP_EFI``, ``SETUP_RNG_SEED`` or ``other``, guessed from the reserved size."""
    if size == SETUP_EFI_NODE_BYTES:
        return "SETUP_EFI"
    if size == SETUP_RNG_SEED_HEADER_BYTES:
        return "SETUP_RNG_SEED"
    return "other"


def prints_reserved_kern_as_usable(kver: KernelVersion | None) -> bool:
    """True when ``kver`` prints type 128 as ``usable`` (<= 6.14, or unknown version)."""
    return kver is None or kver.has_reserved_kern


@recent_by_identity()
def hidden_indices(entries: Sequence[E820Entry], kver: KernelVersion | None) -> tuple[int, ...]:
    """Indices of entries printed ``usable`` that really are type 128.

    Runs and parity come from :mod:`e820scope.kernel.hidden` (boundaries by
    ``merge_candidates`` when the kernel version is known, abutting type-1 entries for an
    unknown version); only runs of type-1 entries are considered. Empty for 6.15+
    kernels (they print ``type 128``, so the parser already has 128).
    """
    if not prints_reserved_kern_as_usable(kver):
        return ()
    out: list[int] = []
    for run in reserved_kern_runs(entries, kver):
        if any(entries[i].type != E820Type.RAM for i in run):
            continue  # only 'usable' can hide type 128
        out.extend(reserved_kern_of_run(entries, run))
    return tuple(sorted(out))


def resolve(entries: Sequence[E820Entry], kver: KernelVersion | None) -> tuple[E820Entry, ...]:
    """``entries`` with every hidden type-128 piece given its true type (128).

    ``raw_type`` and ``ref`` are kept, so reports can still show what was printed.
    """
    hidden = set(hidden_indices(entries, kver))
    return tuple(
        e.retyped(int(E820Type.RESERVED_KERN)) if i in hidden else e for i, e in enumerate(entries)
    )


@dataclass(frozen=True)
class HiddenPiece:
    """One type-128 piece found in a printed table.

    ``origin`` is ``carried`` when the piece is already in the map this kernel received
    (a previous kernel's kexec table passed it on), ``own`` when this boot's
    ``e820__reserve_setup_data()`` created it (it appears only in the ``reserve
    setup_data`` block).
    """

    entry: E820Entry
    origin: str
    table: TableKind
    guess: str

    @property
    def kind(self) -> str:
        return setup_data_kind(self.entry.size)


@dataclass(frozen=True)
class HiddenReport:
    """Hidden type-128 pieces of one boot: received ones and this boot's setup_data."""

    carried: tuple[HiddenPiece, ...]
    own: tuple[HiddenPiece, ...]

    @property
    def all(self) -> tuple[HiddenPiece, ...]:
        return self.carried + self.own


def setup_data_table(boot: Boot) -> E820Table | None:
    """The boot's ``reserve setup_data`` block (e820_table right after the setup_data pass)."""
    blocks = boot.tables_of(TableKind.SETUP_DATA)
    return blocks[-1] if blocks else None


def received_table(boot: Boot) -> E820Table | None:
    """The map the kernel received, with SETUP_E820_EXT entries when printed (``extended``)."""
    ext = boot.tables_of(TableKind.EXTENDED)
    return ext[-1] if ext else boot.firmware_map


@recent_by_identity()
def boot_hidden(boot: Boot) -> HiddenReport:
    """Find the hidden type-128 pieces of ``boot``'s received map and setup_data block."""
    kver = boot.kernel
    fw = received_table(boot)
    carried: list[HiddenPiece] = []
    seen: set[tuple[int, int]] = set()
    if fw is not None:
        for i in hidden_indices(fw.entries, kver):
            e = fw.entries[i]
            seen.add((e.addr, e.size))
            carried.append(HiddenPiece(_as_128(e), "carried", fw.kind, guess_setup_data(e.size)))
    own: list[HiddenPiece] = []
    sd = setup_data_table(boot)
    if sd is not None:
        for i in hidden_indices(sd.entries, kver):
            e = sd.entries[i]
            if (e.addr, e.size) in seen:
                continue
            own.append(HiddenPiece(_as_128(e), "own", sd.kind, guess_setup_data(e.size)))
    return HiddenReport(tuple(carried), tuple(own))


def _as_128(e: E820Entry) -> E820Entry:
    return e.retyped(int(E820Type.RESERVED_KERN))
