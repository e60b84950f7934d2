"""The generations of a kexec chain: what the growth model reads from each boot.

Vocabulary: see :mod:`.growth`. A :class:`Generation` keeps the received map, the blobs
the boot reserved and a :class:`~.stream.BootInfo`, never the boot itself, so a chain of
thousands of generations stays small (entries that recur from generation to generation
are kept once: :class:`GenerationMaker` shares equal entries).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter

from ..kernel.hidden import reserved_kern_of_run, reserved_kern_runs
from ..model.kversion import KernelVersion
from ..model.records import Boot, E820Entry, StartMethod, TableKind
from ..model.types import USABLE_TYPES_UP_TO_6_14, E820Type
from .hidden import SETUP_EFI_NODE_BYTES, SETUP_RNG_SEED_HEADER_BYTES
from .stream import BootInfo

#: Sizes of setup_data nodes as reserved (header + payload), by kind.
BLOB_SIZE = {"SETUP_EFI": SETUP_EFI_NODE_BYTES, "SETUP_RNG_SEED": SETUP_RNG_SEED_HEADER_BYTES}
_KIND_BY_SIZE = {v: k for k, v in BLOB_SIZE.items()}

RAM = int(E820Type.RAM)
RESERVED_KERN = int(E820Type.RESERVED_KERN)
#: Types the kernel hands to memblock as RAM (``e820__memblock_setup``): growth is
#: modelled for kernels that reserve setup_data, all of them <= 6.14.
USABLE = USABLE_TYPES_UP_TO_6_14


@dataclass(frozen=True, slots=True)
class Blob:
    """A setup_data node reserved as type 128: ``[addr, addr + size)``."""

    addr: int
    size: int
    kind: str

    @property
    def end(self) -> int:
        return self.addr + self.size


def blob_kind(size: int) -> str:
    """Guess the setup_data type of a reservation from its size (see module docstring)."""
    return _KIND_BY_SIZE.get(size, "setup_data")


@dataclass(frozen=True)
class Generation:
    """One observed boot of the chain with what the growth model reads from it."""

    number: int
    info: BootInfo
    received: tuple[E820Entry, ...]
    reserved: tuple[Blob, ...]
    setup_table: tuple[E820Entry, ...] | None
    kernel: KernelVersion | None
    start: StartMethod

    @property
    def label(self) -> str:
        return f"gen {self.number} ({self.info.source}:{self.info.first_line})"


_ADDR = itemgetter(0)


def find_reserved(received: Sequence[E820Entry], setup: Sequence[E820Entry]) -> tuple[Blob, ...]:
    """The blobs the ``reserve setup_data`` block split out of ``received``.

    Each received usable entry that appears cut into pieces in ``setup`` gives its
    type-128 pieces: the odd-numbered pieces of an odd split (usable, 128, usable...), and
    for an even split the alternating set with the smaller total (a blob at an edge).
    """
    have = {(e.addr, e.size) for e in received}
    by_addr = sorted((e for e in setup if e.type in USABLE), key=_ADDR)  # stable
    starts = [e.addr for e in by_addr]
    blobs: list[Blob] = []
    for r in received:
        if r.type not in USABLE:
            continue
        pieces = []  # the usable setup entries inside r, by address
        for k in range(bisect_left(starts, r.addr), len(by_addr)):
            e = by_addr[k]
            if e.addr > r.end:
                break
            if e.end <= r.end:
                pieces.append(e)
        if len(pieces) < 2 or all((p.addr, p.size) in have for p in pieces):
            continue
        odd = pieces[1::2]
        even = pieces[0::2]
        if len(pieces) % 2 == 1:
            chosen = odd
        else:
            chosen = odd if sum(p.size for p in odd) <= sum(p.size for p in even) else even
        blobs.extend(Blob(p.addr, p.size, blob_kind(p.size)) for p in chosen)
    return tuple(blobs)


class GenerationMaker:
    """Makes the generations of one chain from its boots, in order.

    Restores type 128 on the carried pieces of earlier generations' blobs (printed as
    ``usable`` by kernels <= 6.14), and keeps each distinct entry once.
    """

    def __init__(self) -> None:
        self.known: set[tuple[int, int]] = set()
        self.count = 0
        self._entries: dict[tuple[int, int, int, str], E820Entry] = {}

    def _shared(self, entries: Iterable[E820Entry]) -> tuple[E820Entry, ...]:
        keep = self._entries
        return tuple(keep.setdefault((e[0], e[1], e[2], e[3]), e) for e in entries)

    def add(self, b: Boot) -> Generation | None:
        """The next generation (None: ``b`` has no firmware map and is not one)."""
        return self.add_parts(BootInfo.of(b), *parts_of(b))

    def add_parts(
        self,
        info: BootInfo,
        firmware: Sequence[E820Entry] | None,
        setup_data: Sequence[E820Entry] | None,
    ) -> Generation | None:
        """:meth:`add` from what it reads of a boot (:func:`parts_of`)."""
        self.count += 1
        if firmware is None:
            return None
        hidden = self.known | _hidden_reserved_kern(firmware)
        received = self._shared(
            e.with_type(RESERVED_KERN) if (e.addr, e.size) in hidden and e.type == RAM else e
            for e in firmware
        )
        setup = self._shared(setup_data) if setup_data else None
        reserved = find_reserved(received, setup) if setup else ()
        self.known.update((x.addr, x.size) for x in reserved)
        return Generation(self.count, info, received, reserved, setup, info.kernel, info.start)


def parts_of(b: Boot) -> tuple[tuple[E820Entry, ...] | None, tuple[E820Entry, ...] | None]:
    """What a generation reads of a boot: its firmware map and its last ``reserve
    setup_data`` map (None when it has none)."""
    fw = b.firmware_map
    sd_tables = b.tables_of(TableKind.SETUP_DATA)
    return (
        fw.entries if fw is not None else None,
        sd_tables[-1].entries if sd_tables else None,
    )


def generations(boots: Iterable[Boot]) -> list[Generation]:
    """Turn boots into generations (numbered by position), as :class:`GenerationMaker`."""
    maker = GenerationMaker()
    return [g for g in map(maker.add, boots) if g is not None]


def _hidden_reserved_kern(entries: Sequence[E820Entry]) -> set[tuple[int, int]]:
    """Type-128 pieces a <= 6.14 printout shows as ``usable`` (``(addr, size)`` keys).

    :mod:`e820scope.kernel.hidden` finds the runs of abutting type-1 entries; in an odd
    run the 2nd, 4th... are 128 (a node split out of RAM), in an even run the
    alternating set with the smaller total.
    """
    return {
        (entries[i].addr, entries[i].size)
        for run in reserved_kern_runs(entries, None)
        for i in reserved_kern_of_run(entries, run, odd_run_interior=True)
    }
