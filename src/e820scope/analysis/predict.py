"""Simulate a kexec chain forward with the growth mechanism and find where memory is lost.

Each generation g (kexec_file_load path) receives ``K_{g-1}[:128]`` — the previous
kernel's e820_table_kexec cut at E820_MAX_ENTRIES_ZEROPAGE by ``setup_e820_entries()``
(arch/x86/kernel/kexec-bzimage64.c; the TODO about passing more is still in 7.1.3) —
and builds ``K_g`` by reserving its own setup_data blobs (+2 entries per blob that
splits a usable entry). The table is sorted, so the cut always removes the
highest-addressed entries; which ones, and how many usable bytes, follows from the entry
count and the sorted table alone, independent of where exactly the low blobs land.

Units: bytes and physical addresses as ints, ends exclusive; generations 1-based in
the order the boots were given.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..kernel.handoff import kexec_file_load_handoff, zeropage_split
from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE, KEXEC_TABLE_FIXES
from ..model.records import E820Entry, usable_bytes
from .growth import (
    Blob,
    Generation,
    HandoffPath,
    Mechanism,
    kexec_table_of,
    place,
    split_for,
    usable_above,
)
from .growth_reasons import setup_type

MiB = 1 << 20
#: The x86-64 kernel runs at CONFIG_PHYSICAL_START (16 MiB) and early allocations such
#: as the memmap come from above MAX_DMA_ADDRESS (16 MiB): RAM below does not count.
KERNEL_FLOOR = 16 * MiB
#: Default ``--min-ram``: usable bytes above 16 MiB a generation needs to boot (kernel
#: image + initrd + early allocations). The lab's 6.1 kernel died with 0 bytes there.
DEFAULT_MIN_RAM = 64 * MiB
#: Hard stop for the forward simulation (generations after the last one seen).
MAX_STEPS = 1000

#: Boot-time metadata per e820 entry that memblock allocates and never frees, making
#: MemTotal fall slowly while the map grows (measured on the lab's 6.1 chain: 4 KiB
#: every 10-11 generations, i.e. 384 bytes per generation of +2 entries):
#: one ``struct resource`` (64 bytes on x86-64) per e820_table entry in
#: ``e820__reserve_resources()``, and one ``struct firmware_map_entry`` (104 bytes,
#: SMP_CACHE_BYTES-aligned slot of 128) per e820_table_firmware entry in
#: ``firmware_map_add_early()``.
RESOURCE_BYTES = 64
FIRMWARE_MAP_ENTRY_BYTES = 128
PAGE = 4096


def metadata_bytes(nr_table: int, nr_firmware: int) -> int:
    """memblock bytes a boot spends on per-entry e820 metadata (see the constants)."""
    return RESOURCE_BYTES * nr_table + FIRMWARE_MAP_ENTRY_BYTES * nr_firmware


@dataclass(frozen=True)
class GenState:
    """One generation, observed or predicted.

    ``kexec_table``: its e820_table_kexec (before the 128 cap). ``dropped``: the entries
    of the previous generation's table that did not fit in the 128 slots, i.e. what this
    generation lost on arrival.
    """

    generation: int
    observed: bool
    received: tuple[E820Entry, ...]
    kexec_table: tuple[E820Entry, ...]
    dropped: tuple[E820Entry, ...] = ()
    blobs: tuple[Blob, ...] = ()
    memory_total_kb: int | None = None

    @property
    def usable(self) -> int:
        return usable_bytes(self.received, None)  # growth is modelled for <= 6.14

    @property
    def usable_above_floor(self) -> int:
        return usable_above(self.received, KERNEL_FLOOR)

    @property
    def handoff_entries(self) -> int:
        """Entries this generation's kexec_file_load hand-off would need (uncapped)."""
        return len(self.kexec_table)


@dataclass(frozen=True)
class Loss:
    """A generation that received a truncated map."""

    generation: int
    dropped: tuple[E820Entry, ...]
    usable_before: int
    usable_after: int

    @property
    def usable_lost(self) -> int:
        return self.usable_before - self.usable_after


@dataclass(frozen=True)
class SlowWaste:
    """MemTotal drift while the map grows (see :func:`metadata_bytes`)."""

    bytes_per_generation: int
    generations_per_page: float | None
    bytes_until_overflow: int


@dataclass(frozen=True)
class Prediction:
    mechanism: Mechanism
    states: tuple[GenState, ...]
    last_seen: int
    min_ram: int
    first_overflow: int | None = None
    first_truncated: int | None = None
    losses: tuple[Loss, ...] = ()
    death: int | None = None
    never_reason: str | None = None
    remedies: tuple[str, ...] = ()
    slow_waste: SlowWaste | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def first_loss(self) -> Loss | None:
        """The first generation whose usable RAM falls because of the cap."""
        for loss in self.losses:
            if loss.usable_lost > 0:
                return loss
        return None

    @property
    def reboots_until_truncation(self) -> int | None:
        if self.first_truncated is None:
            return None
        return self.first_truncated - self.last_seen

    def state(self, generation: int) -> GenState:
        for s in self.states:
            if s.generation == generation:
                return s
        raise KeyError(generation)


def predict(
    gens: Sequence[Generation],
    mech: Mechanism,
    *,
    min_ram: int = DEFAULT_MIN_RAM,
    flat_steps: int = 8,
    at_least: int = 0,
) -> Prediction:
    """Run the model forward from the last observed generation.

    Stops at the first generation that cannot boot (usable RAM above 16 MiB below
    ``min_ram``), or ``max(flat_steps, at_least)`` generations after the last seen when
    nothing grows.
    """
    states = _observed_states(gens, mech)
    last = states[-1]
    step = 0
    growing = bool(mech.blob_sizes) and mech.path is HandoffPath.KEXEC_FILE_LOAD
    death = None
    for s in states:
        if s.observed and s.generation > 1 and s.usable_above_floor < min_ram:
            death = s.generation
    cur = last
    while death is None and step < MAX_STEPS:
        step += 1
        if not growing and step > max(flat_steps, at_least):
            break
        table = cur.kexec_table
        if mech.path is HandoffPath.KEXEC_FILE_LOAD:
            handoff = kexec_file_load_handoff(table)
            received, dropped = handoff.passed, handoff.dropped
        else:
            # kexec_load: the whole map arrives (SETUP_E820_EXT beyond 128), no growth
            received, dropped = table, ()
        blobs = place(mech.placement, received, mech.blob_sizes, step) if growing else ()
        nxt = GenState(
            cur.generation + 1, False, received, split_for(received, blobs), dropped, blobs
        )
        states.append(nxt)
        cur = nxt
        if nxt.usable_above_floor < min_ram:
            death = nxt.generation
    return _summarise(gens, mech, states, min_ram, death)


def _observed_states(gens: Sequence[Generation], mech: Mechanism) -> list[GenState]:
    out: list[GenState] = []
    for i, g in enumerate(gens):
        nxt = gens[i + 1] if i + 1 < len(gens) else None
        k = kexec_table_of(g, mech, nxt)
        dropped: tuple[E820Entry, ...] = ()
        if out and out[-1].generation == g.number - 1:
            dropped = zeropage_split(out[-1].kexec_table)[1]
        mem = g.info.memory_total_kb
        out.append(GenState(g.number, True, g.received, k, dropped, g.reserved, mem))
    return out


def _summarise(
    gens: Sequence[Generation],
    mech: Mechanism,
    states: list[GenState],
    min_ram: int,
    death: int | None,
) -> Prediction:
    last_seen = gens[-1].number
    first_overflow = next(
        (s.generation for s in states if s.handoff_entries > E820_MAX_ENTRIES_ZEROPAGE), None
    )
    if mech.path is not HandoffPath.KEXEC_FILE_LOAD:
        first_overflow = None
    losses: list[Loss] = []
    for prev, s in itertools.pairwise(states):
        if s.dropped:
            losses.append(Loss(s.generation, s.dropped, prev.usable, s.usable))
    first_truncated = losses[0].generation if losses else None
    never = None
    if first_truncated is None:
        never = mech.never_reason or (
            f"the hand-off stays at {states[-1].handoff_entries} entries (<= 128)"
        )
    per_gen = 2 * len(mech.blob_sizes) if mech.blob_sizes else 0
    waste_per_gen = metadata_bytes(per_gen, per_gen)
    until = 0
    if first_overflow is not None and first_overflow > last_seen:
        until = waste_per_gen * (first_overflow - last_seen)
    waste = SlowWaste(waste_per_gen, PAGE / waste_per_gen if waste_per_gen else None, until)
    return Prediction(
        mechanism=mech,
        states=tuple(states),
        last_seen=last_seen,
        min_ram=min_ram,
        first_overflow=first_overflow,
        first_truncated=first_truncated,
        losses=tuple(losses),
        death=death,
        never_reason=never,
        remedies=remedies(mech, gens),
        slow_waste=waste,
    )


#: The recorded run behind the kexec_load remedy (vmtest/lab.py --switch-to-load; checked
#: by tests/vm/test_recorded.py::test_lab_kexec_load_at_130_keeps_the_memory).
KEXEC_LOAD_REMEDY_EVIDENCE = "samples/lab/patched-6.1-ovmf-4g-kmod-switch-load.log.xz"


def remedies(mech: Mechanism, gens: Sequence[Generation]) -> tuple[str, ...]:
    """What stops the growth or undoes it, for this mechanism."""
    if not mech.blob_sizes or mech.path is not HandoffPath.KEXEC_FILE_LOAD:
        return ()
    fixes = []
    for fix in KEXEC_TABLE_FIXES:  # the kernel model's fixes, oldest first
        if fix.types is None:
            fixes.append(f"{fix.label} for every setup_data type")
            continue
        kinds = [k for k in dict.fromkeys(mech.carried_kinds) if fix.keeps_out(setup_type(k))]
        if kinds:
            fixes.append(f"{fix.long_label} for {','.join(kinds)}")
    cold = next((g for g in gens if not g.start.value.startswith("kexec")), None)
    cold_text = (
        f" (back to the firmware's {len(cold.received)} entries, gen {cold.number})"
        if cold is not None
        else ""
    )
    return (
        "boot a kernel with the fix: "
        + "; ".join(fixes)
        + " (type-128 pieces already carried stay until a cold boot or a kexec_load hop)",
        "reboot with kexec_load instead (kexec -c ...): kexec-tools builds the map from "
        "/sys/firmware/memmap and hands type-128 pieces on as RAM (entries beyond 128 go in "
        "SETUP_E820_EXT); tried on the lab's 6.1 when its e820_table_kexec held 130 entries: "
        "the next kernel got all 128, printed 16 and kept its RAM "
        f"({KEXEC_LOAD_REMEDY_EVIDENCE})",
        "a cold (firmware) reboot clears the carried type-128 entries" + cold_text,
    )
