"""Infer the per-generation growth mechanism of a kexec chain from its boots.

Vocabulary (used by predict, plot and simulate):

* generation *g*: the *g*-th boot of the chain as given (1-based).
* ``received`` (R_g): the ``BIOS-provided physical RAM map`` of g, i.e. what the previous
  kernel (or the firmware) handed over.
* ``reserved`` blobs of g: the setup_data nodes g's kernel reserved as
  E820_TYPE_RESERVED_KERN (128) in ``e820__reserve_setup_data()`` (<= 6.14), visible as the
  extra pieces of the ``reserve setup_data`` block compared with R_g. A 0x70-byte blob is
  SETUP_EFI (16-byte header + 96-byte ``efi_setup_data``), 0x10 bytes an RNG seed node
  whose ``len`` was zeroed (6.0+).
* ``carried``: the blobs of g that appear, split out, in R_{g+1}; those went into
  ``e820_table_kexec`` and were handed over by kexec_file_load (``setup_e820_entries()``
  copies that table verbatim, capped at 128 entries).

A blob inside a usable entry turns it into three entries (usable, 128, usable): +2 per
carried blob per generation. Addresses are ints, ends exclusive.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..kernel.policy import setup_data_reserved
from ..kernel.range_ops import e820__range_update
from ..kernel.sanitize import merge_abutting
from ..kernel.table import KernelTable
from ..model.kversion import KernelVersion
from ..model.records import E820Entry
from . import growth_reasons
from .generation import (
    BLOB_SIZE,
    RAM,
    RESERVED_KERN,
    USABLE,
    Blob,
    Generation,
    blob_kind,
    find_reserved,
    generations,
)
from .handoff_path import (
    Assumptions,
    HandoffPath,
    choose_path,
    future_kinds,
    is_kexec,
    no_file_load,
)

__all__ = [
    "BLOB_SIZE",
    "RESERVED_KERN",
    "Assumptions",
    "Blob",
    "Generation",
    "HandoffPath",
    "blob_kind",
    "find_reserved",
    "generations",
]


def usable_above(entries: Sequence[E820Entry], floor: int) -> int:
    """Usable bytes at or above ``floor`` (an address)."""
    return sum(max(0, e.end - max(e.addr, floor)) for e in entries if e.type in USABLE)


def split_for(entries: Sequence[E820Entry], blobs: Sequence[Blob]) -> tuple[E820Entry, ...]:
    """Apply ``e820__range_update(RAM -> RESERVED_KERN)`` for each blob, then sort and merge.

    The split is :func:`e820scope.kernel.range_ops.e820__range_update` on an unbounded
    :class:`~e820scope.kernel.table.KernelTable` (only type-1 parts of a blob's range
    change type). The clean-up is :func:`sanitize`, not the kernel's sanitizer: the model
    has no kernel version (nomerge types), no capacity and wants provenance kept. Pieces
    equal to an input entry keep that entry's ``raw_type``/``ref``.
    """
    table = KernelTable.from_entries(entries, capacity=sys.maxsize, name="e820_table_kexec")
    for b in blobs:
        e820__range_update(table, b.addr, b.size, RAM, RESERVED_KERN)
    given = {(e.addr, e.size, e.type): e for e in entries}
    return sanitize(given.get((s.addr, s.size, s.type), s) for s in table.to_entries())


def sanitize(entries: Iterable[E820Entry]) -> tuple[E820Entry, ...]:
    """Sort, drop empty entries and merge abutting same-type ones (inputs never overlap).

    :func:`e820scope.kernel.sanitize.merge_abutting` on the sorted table.
    """
    return merge_abutting(e for e in sorted(entries, key=lambda x: (x.addr, x.size)) if e.size)


@dataclass(frozen=True)
class Placement:
    """Where the next generation's blobs are assumed to land.

    ``stride``: next address = last observed address + stride (the observed pattern),
    when that spot is strictly inside a usable entry; otherwise (and for ``low-ram``)
    the middle of the highest usable entry below 1 MiB (where kexec_file_load put the
    boot_params segment in every chain seen), else the largest usable entry below 4 GiB.
    """

    strategy: str
    last_addr: int | None = None
    stride: int | None = None

    def describe(self) -> str:
        if self.strategy == "stride" and self.last_addr is not None and self.stride is not None:
            sign = "-" if self.stride < 0 else "+"
            return (
                f"each new blob lands {sign}{abs(self.stride):#x} from the previous one "
                f"(observed; last at {self.last_addr:#x}); when that spot is not inside a "
                "usable entry, inside the highest usable entry below 1 MiB"
            )
        return "each new blob lands inside the highest usable entry below 1 MiB (assumed)"


def place(
    placement: Placement, received: Sequence[E820Entry], sizes: Sequence[int], step: int
) -> tuple[Blob, ...]:
    """Addresses for the blobs of the ``step``-th predicted generation (1-based)."""
    blobs: list[Blob] = []
    table = tuple(received)
    for k, size in enumerate(sizes):
        addr: int | None = None
        if placement.strategy == "stride" and placement.last_addr is not None:
            cand = placement.last_addr + (placement.stride or 0) * step + k * 0x1000
            if _strictly_inside(table, cand, size):
                addr = cand
        if addr is None:
            addr = _fallback_spot(table, size, k)
        if addr is None:
            continue
        b = Blob(addr, size, blob_kind(size))
        blobs.append(b)
        table = split_for(table, [b])
    return tuple(blobs)


def _strictly_inside(table: Sequence[E820Entry], addr: int, size: int) -> bool:
    return any(e.type == RAM and e.addr < addr and addr + size < e.end for e in table)


def _fallback_spot(table: Sequence[E820Entry], size: int, k: int) -> int | None:
    low = [e for e in table if e.type == RAM and e.end <= 0x100000 and e.size > size + 0x40]
    if low:
        e = max(low, key=lambda x: x.addr)
    else:
        below4g = [e for e in table if e.type == RAM and e.end <= 1 << 32 and e.size > size + 0x40]
        if not below4g:
            return None
        e = max(below4g, key=lambda x: x.size)
    addr = (e.addr + (e.size - size) // 2 + k * 0x20) & ~0xF
    return addr if e.addr < addr and addr + size < e.end else None


@dataclass(frozen=True)
class Mechanism:
    """What makes the hand-off grow, per generation, and how it was established.

    ``blob_sizes``: sizes of the blobs each future generation adds to its kexec table
    (empty: no growth). ``source`` is ``observed`` (seen carried from one kexec'd
    generation to the next) or ``assumed`` (from the kernel version, path and the
    user's ``--assume-setup-data``).
    """

    path: HandoffPath
    kernel: KernelVersion | None
    blob_sizes: tuple[int, ...]
    placement: Placement
    source: str
    entries_per_generation: float
    measured_growth: tuple[int, ...] = ()
    never_reason: str | None = None
    assumptions: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    carried_kinds: tuple[str, ...] = field(default=())


def reserved_in_kexec(kver: KernelVersion, kind: str) -> bool:
    """True when ``kver`` reserves a setup_data node of ``kind`` in e820_table_kexec.

    Delegates to :func:`e820scope.kernel.policy.setup_data_reserved` (commits cited
    there); an unknown kind counts as SETUP_PCI (reserved wherever any type is).
    """
    return setup_data_reserved(kver, growth_reasons.setup_type(kind))[1]


def infer_mechanism(gens: Sequence[Generation], assume: Assumptions) -> Mechanism:
    """Establish the per-generation growth from the observed generations.

    Preferred evidence: a kexec'd generation g followed by g+1; the blobs g reserved that
    reappear in R_{g+1} are what every later generation will add to its kexec table.
    The cold boot's blobs (bootloader/EFI-stub setup_data such as SETUP_PCI) are carried
    once and do not recur, so transitions out of a cold boot are not used for the rate.
    Without such a transition the kernel version and path (from the log or the user)
    decide with :func:`reserved_in_kexec`, and the result says which facts were assumed.
    """
    last = gens[-1]
    kver = assume.kernel or last.kernel
    evidence: list[str] = []
    assumptions: list[str] = []
    path = choose_path(gens, assume, kver, evidence, assumptions)
    if assume.kernel is not None:
        assumptions.append(f"every future generation runs kernel {assume.kernel}")

    transitions = [
        (a, b)
        for a, b in itertools.pairwise(gens)
        if is_kexec(a.start) and is_kexec(b.start) and b.number == a.number + 1
    ]
    # entries each kexec'd generation added to its own kexec table (not the received
    # count, which stops growing at the cap)
    measured = tuple(len(_kexec_table(a, b)) - len(a.received) for a, b in transitions)
    placement = _observed_placement(gens)

    if path is HandoffPath.KEXEC_LOAD:
        return Mechanism(
            path,
            kver,
            (),
            placement,
            "observed" if transitions else "assumed",
            0.0,
            measured,
            never_reason=(
                "kexec_load: kexec-tools builds the map from /sys/firmware/memmap (no "
                "setup_data reservations before 6.15) and passes entries beyond 128 in a "
                "SETUP_E820_EXT node" + (f"; {no_file_load(kver)}" if no_file_load(kver) else "")
            ),
            assumptions=tuple(assumptions),
            evidence=tuple(evidence),
        )
    if transitions and assume.setup_data is None:
        return _observed(gens, transitions, measured, path, kver, evidence, assumptions)
    # Not enough generations: decide from the kernel version and the setup_data kinds.
    return _assumed(gens, assume, path, measured, evidence, assumptions)


def _observed(
    gens: Sequence[Generation],
    transitions: Sequence[tuple[Generation, Generation]],
    measured: tuple[int, ...],
    path: HandoffPath,
    kver: KernelVersion | None,
    evidence: list[str],
    assumptions: list[str],
) -> Mechanism:
    """The growth measured between kexec'd generations in a row (``measured``: what each
    such step added); the last step's blobs are what every later generation adds."""
    placement = _observed_placement(gens)
    a, b = transitions[-1]
    have = {(e.addr, e.size) for e in b.received}
    carried = tuple(x for x in a.reserved if (x.addr, x.size) in have)
    dropped = tuple(x for x in a.reserved if (x.addr, x.size) not in have)
    for x in carried:
        evidence.append(
            f"gen {a.number} reserved a {x.size:#x}-byte {x.kind} blob at {x.addr:#x} and "
            f"gen {b.number} received it as its own entry: carried in e820_table_kexec"
        )
    for x in dropped:
        evidence.append(
            f"gen {a.number}'s {x.size:#x}-byte {x.kind} blob at {x.addr:#x} is not in gen "
            f"{b.number}'s map: reserved in e820_table only (the kernel has "
            f"{growth_reasons.fix_for(x.kind, a.kernel)})"
        )
    first, kept, later, capped = growth_reasons.constant_blobs(gens)
    if kept:
        evidence.append(growth_reasons.constant_text(first, kept, later, capped))
    rate = sum(measured) / len(measured)
    if len(set(measured)) > 1:
        evidence.append(
            "the generations disagree on the growth ("
            + ", ".join(f"{m:+d} x{measured.count(m)}" for m in sorted(set(measured)))
            + f"); measured rate {rate:+.2f} entries/generation"
        )
    sizes = tuple(x.size for x in carried)
    never = None
    if not sizes:
        never = (
            growth_reasons.not_carried(dropped, a.kernel)
            if dropped
            else "no setup_data is reserved in the kexec'd generations: the hand-off does not grow"
        )
        if kept:
            never += growth_reasons.constant_clause(kept)
    return Mechanism(
        path,
        kver,
        sizes,
        placement,
        "observed",
        float(measured[-1]),
        measured,
        never_reason=never,
        assumptions=tuple(assumptions),
        evidence=tuple(evidence),
        carried_kinds=tuple(x.kind for x in carried),
    )


def _assumed(
    gens: Sequence[Generation],
    assume: Assumptions,
    path: HandoffPath,
    measured: tuple[int, ...],
    evidence: list[str],
    assumptions: list[str],
) -> Mechanism:
    """The growth from the kernel model, for a chain without two kexec'd generations in
    a row (:func:`.handoff_path.future_kinds` says what the hand-offs carry)."""
    placement = _observed_placement(gens)
    kver, kinds = future_kinds(gens, assume, evidence, assumptions)
    reserved = tuple(k for k in kinds if reserved_in_kexec(kver, k))
    assumptions.append(
        f"kernel {kver} reserves "
        + (",".join(reserved) if reserved else "none of them")
        + " in e820_table_kexec (e820scope.kernel.policy; a patched kernel may differ)"
    )
    sizes = tuple(BLOB_SIZE.get(k, 0x70) for k in reserved)
    never = None
    if not kinds:
        never = "no setup_data: nothing is reserved, the hand-off does not grow"
    elif not sizes:
        never = (
            f"kernel {kver} does not reserve "
            + ",".join(kinds)
            + " in e820_table_kexec (it has "
            + "; ".join(f"{growth_reasons.fix_for(k, kver)} for {k}" for k in kinds)
            + ")"
        )
    if placement.strategy != "stride":
        assumptions.append(placement.describe())
    return Mechanism(
        path,
        kver,
        sizes,
        placement,
        "assumed",
        2.0 * len(sizes),
        measured,
        never_reason=never,
        assumptions=tuple(assumptions),
        evidence=tuple(evidence),
        carried_kinds=reserved,
    )


def _kexec_table(a: Generation, b: Generation) -> tuple[E820Entry, ...]:
    """a's e820_table_kexec as b shows it: R_a plus the blobs of a that b received."""
    have = {(e.addr, e.size) for e in b.received}
    return split_for(a.received, [x for x in a.reserved if (x.addr, x.size) in have])


def _observed_placement(gens: Sequence[Generation]) -> Placement:
    addrs = [g.reserved[0].addr for g in gens if is_kexec(g.start) and g.reserved]
    if len(addrs) >= 2:
        return Placement("stride", addrs[-1], addrs[-1] - addrs[-2])
    if addrs:
        return Placement("stride", addrs[-1], 0)
    return Placement("low-ram")


def kexec_table_of(
    gen: Generation, mech: Mechanism, nxt: Generation | None
) -> tuple[E820Entry, ...]:
    """e820_table_kexec of an observed generation: from the next one if seen, else the model."""
    if nxt is not None and nxt.number == gen.number + 1:
        return _kexec_table(gen, nxt)
    sizes = list(mech.blob_sizes)
    carried = []
    for x in gen.reserved:
        if x.size in sizes:
            sizes.remove(x.size)
            carried.append(x)
    if not is_kexec(gen.start) and gen.reserved and mech.path is HandoffPath.KEXEC_FILE_LOAD:
        # a cold boot's bootloader blobs: carried only when the kernel reserves them
        kver = mech.kernel
        carried = [x for x in gen.reserved if kver is None or reserved_in_kexec(kver, x.kind)]
    return split_for(gen.received, carried)
