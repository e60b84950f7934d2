"""Same machine or not: the identity evidence two boots' logs carry.

``diff`` weighs it before comparing maps, and the chain builders of ``timeline`` and
``predict`` can call :func:`same_machine` before they link two boots into one chain:
two machines' maps differ in ways that are no generation change.

The evidence, strongest first:

* ``DMI:`` (drivers/firmware/dmi_scan.c): ``<vendor> <product>/<board>, BIOS <version>
  <date>``. Another system name is another machine; the same system with another BIOS
  version or date is the same model with its firmware updated (or another unit of it).
* The boot CPU's model name (``smpboot: CPU0: ...``, 2.6 ``CPU0: ...``).
* The shape of the firmware's reserved ranges (not RAM, and not ``unusable``, which a
  hypervisor or the kernel marks): the entries that are not RAM below
  1 MiB (the BIOS data and ROM areas) and where low RAM ends (the EBDA) rarely change
  on one machine, and kexec hands the firmware's reserved ranges on unchanged; two
  machines seldom share three quarters of them.
* The RAM of two whole firmware maps differing by more than half (memory is rarely
  added to or taken from one machine between two boots of a capture; a kexec hand-off
  cut at the zeropage cap is not whole).
* The ``Linux version`` banner's builder (``user@host``): the same release built on
  two hosts is two builds (weak: it says nothing about the machine that ran it).

Ranges are only compared where both maps show them (below the lower top of the two:
a cut map, or a kexec hand-off cut at the zeropage cap, shows nothing above it), and a
map that holds the other's low reserved ranges and more (old kexec-tools left some
out) agrees with it. A kexec'd or kdump kernel's received map keeps the firmware's
reserved ranges (kexec_file_load copies e820_table_kexec, kexec-tools reads them from
/sys/firmware/memmap or /proc/iomem), so it compares with its parent's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
from ..model.records import Boot, E820Entry
from ..model.types import USABLE_TYPES_UP_TO_6_14, E820Type
from .units import describe, human_size

_ONE_MIB = 0x100000
_RAM = USABLE_TYPES_UP_TO_6_14
#: not the firmware's shape: 'unusable' is what a hypervisor or the kernel marks (a Xen PV
#: guest's RAM above its target, xen commit 364fab04a6; bad RAM cut out by memmap=)
_NOT_SHAPE = frozenset({*_RAM, E820Type.UNUSABLE.value})
_BUILDER = re.compile(r"\(([^()\s]+@[^()\s]+)\)")
#: below this share of common reserved ranges two firmware maps are two machines'
SHARED_MIN = 0.75
#: fewest reserved ranges in common view for their agreement to say "one machine": the
#: low reserved ranges of a QEMU/SeaBIOS guest (0x9fc00, 0xf0000) are every such guest's
#: (nixpkgs#509254's server map, cut at 640 KiB, 'agreed' with blog-13's)
AGREE_MIN = 3
#: whole firmware maps whose RAM differs by more than this factor are two machines'
RAM_FACTOR = 1.5

Range = tuple[int, int, int]


@dataclass(frozen=True)
class Identity:
    """What one boot's log says about its machine (None: not in the log)."""

    builder: str | None
    dmi: str | None
    cpu: str | None
    #: the firmware map's entries that are not RAM, as (addr, size, type)
    reserved: frozenset[Range] | None
    #: the end of the firmware map's highest entry (0: no map)
    top: int
    #: the end of RAM below 1 MiB (the EBDA's start, set by the firmware; None: no RAM)
    low_ram_end: int | None = None
    #: RAM bytes of the firmware map, when it is whole and not a kexec hand-off cut at
    #: the zeropage cap (fewer than 128 entries); else None
    ram: int | None = None
    #: the kernel release of the banner
    release: str | None = None

    @property
    def system(self) -> str | None:
        """The DMI system name (vendor, product, board), without the BIOS part."""
        return None if self.dmi is None else self.dmi.split(", BIOS ")[0].strip()

    @property
    def bios(self) -> str | None:
        """The DMI ``BIOS <version> <date>`` part."""
        if self.dmi is None or ", BIOS " not in self.dmi:
            return None
        return self.dmi.split(", BIOS ", 1)[1].strip()


def identity_of(boot: Boot) -> Identity:
    """The identity evidence of ``boot``."""
    builder = None
    if boot.linux_version:
        m = _BUILDER.search(boot.linux_version)
        builder = m.group(1) if m else None
    release = str(boot.kernel) if boot.kernel is not None else None
    dmi = next((e.text for e in boot.events if e.kind == "dmi"), None)
    cpu = next((e.text for e in boot.events if e.kind == "cpu_model"), None)
    fw = boot.firmware_map
    reserved = None
    top = 0
    if fw is not None and fw.entries:
        reserved = frozenset(
            (e.addr, e.size, e.type) for e in fw.entries if e.type not in _NOT_SHAPE
        )
        top = max(e.addr + e.size for e in fw.entries)
        low = [
            e.addr + e.size for e in fw.entries if e.type in _RAM and e.addr + e.size <= _ONE_MIB
        ]
        ram = None
        if fw.complete and len(fw.entries) < E820_MAX_ENTRIES_ZEROPAGE:
            ram = sum(e.size for e in fw.entries if e.type in _RAM)
        return Identity(builder, dmi, cpu, reserved, top, max(low, default=None), ram, release)
    return Identity(builder, dmi, cpu, reserved, top, release=release)


@dataclass(frozen=True)
class MachineVerdict:
    """``same``: False for two machines, True when the evidence agrees, None when the
    logs cannot tell; ``differ`` and ``agree`` hold the evidence, in words."""

    same: bool | None
    differ: tuple[str, ...]
    agree: tuple[str, ...]


#: no identity evidence either way
UNTOLD = MachineVerdict(None, (), ())


def _below(rs: frozenset[Range], top: int) -> set[Range]:
    return {r for r in rs if r[0] + r[1] <= top}


def _ranges(rs: set[Range]) -> str:
    shown = sorted(rs)[:4]
    more = f" and {len(rs) - 4} more" if len(rs) > 4 else ""
    return ", ".join(describe(E820Entry(*r)) for r in shown) + more


def _shape(a: Identity, b: Identity, la: str, lb: str) -> tuple[list[str], list[str]]:
    """Differences and agreements of the two firmware maps' reserved ranges."""
    if a.reserved is None or b.reserved is None:
        return [], []
    # below the lower top: a cut map, or a kexec hand-off cut at the zeropage cap,
    # shows nothing of what lies above its last entry
    top = min(a.top, b.top)
    ra, rb = _below(a.reserved, top), _below(b.reserved, top)
    low_a, low_b = _below(frozenset(ra), _ONE_MIB), _below(frozenset(rb), _ONE_MIB)
    differ: list[str] = []
    if low_a and low_b and not (low_a <= low_b or low_b <= low_a):
        differ.append(
            f"the firmware's reserved ranges below 1 MiB differ, neither holding the other's "
            f"({la}: {_ranges(low_a)}; "
            f"{lb}: {_ranges(low_b)}), and they rarely change on one machine"
        )
    if a.low_ram_end and b.low_ram_end and a.low_ram_end != b.low_ram_end:
        differ.append(
            f"low RAM ends at {a.low_ram_end:#x} in {la} and at {b.low_ram_end:#x} in {lb} "
            "(the firmware puts its EBDA there; kexec keeps it)"
        )
    if a.ram and b.ram and max(a.ram, b.ram) > RAM_FACTOR * min(a.ram, b.ram):
        differ.append(
            f"the firmware maps hold {human_size(a.ram)} of RAM in {la} and "
            f"{human_size(b.ram)} in {lb} (both whole)"
        )
    union = ra | rb
    shared = len(ra & rb) / len(union) if union else 1.0
    if len(union) >= 3 and shared < SHARED_MIN:
        differ.append(
            f"only {len(ra & rb)} of {len(union)} firmware reserved ranges are common to both "
            f"maps (ACPI tables, NVS and reserved areas sit elsewhere)"
        )
    if differ or len(union) < AGREE_MIN or shared < SHARED_MIN:
        return differ, []
    return [], [f"the firmware's reserved ranges agree ({len(ra & rb)} of {len(union)})"]


def same_machine(a: Boot, b: Boot) -> MachineVerdict:
    """Whether boots ``a`` and ``b`` ran on one machine, as far as their logs show."""
    return machine_verdict(identity_of(a), identity_of(b), a.label, b.label)


def machine_verdict(ia: Identity, ib: Identity, la: str, lb: str) -> MachineVerdict:
    """:func:`same_machine` from the two boots' identities and labels (what the chain
    builders keep of a boot)."""
    strong: list[str] = []
    agree: list[str] = []
    if ia.system and ib.system:
        if ia.system != ib.system:
            strong.append(f"DMI: {la} is {ia.system!r}, {lb} is {ib.system!r}")
        elif ia.bios != ib.bios:
            agree.append(
                f"same DMI system {ia.system!r}, firmware {ia.bios!r} -> {ib.bios!r} "
                "(an update, or another unit of the model)"
            )
        else:
            agree.append(f"same DMI system and firmware ({ia.dmi!r})")
    if ia.cpu and ib.cpu:
        if ia.cpu != ib.cpu:
            strong.append(f"CPU: {la} has {ia.cpu!r}, {lb} has {ib.cpu!r}")
        else:
            agree.append(f"same CPU ({ia.cpu!r})")
    weak: list[str] = []
    if ia.builder and ib.builder and ia.builder != ib.builder and ia.release == ib.release:
        weak.append(
            f"the same release {ia.release} was built by {ia.builder} for {la} and by "
            f"{ib.builder} for {lb}"
        )
    shape_differ, shape_agree = _shape(ia, ib, la, lb)
    agree.extend(shape_agree)
    same_system = bool(ia.system and ia.system == ib.system)
    if strong or (shape_differ and not same_system):
        return MachineVerdict(False, tuple(strong + shape_differ + weak), tuple(agree))
    if shape_differ or weak:
        return MachineVerdict(None, tuple(shape_differ + weak), tuple(agree))
    return MachineVerdict(True if agree else None, (), tuple(agree))


def printed_twice(a: Boot, b: Boot, *, agree: bool, consecutive: bool) -> str | None:
    """Why ``a`` and ``b`` are one boot printed twice (a dmesg and a journal copy, a
    paste quoted twice), or None.

    They must agree everywhere both show something: the banner (release, builder, build
    number and date; with no banner on either side the map alone, and the sentence says
    it cannot be told from two boots that printed the same), the command line,
    ``Memory:``, ``last_pfn`` and the map where both show it (``agree``); and B must not
    be the boot A kexec'd into (``consecutive``: a kernel that kexecs itself prints the
    same banner and, fixed, the same map). The same last printk time settles it;
    without it two cold boots of one build on one machine could print the same, and
    the sentence says so.
    """
    if a.source == b.source and a.index == b.index:
        return f"{a.label} is compared with itself"
    if consecutive or not agree or a.linux_version != b.linux_version:
        return None
    if a.cmdline and b.cmdline and a.cmdline != b.cmdline:
        return None
    ma, mb = a.memory, b.memory
    if ma and mb and (ma.available_kb, ma.total_kb) != (mb.available_kb, mb.total_kb):
        return None
    if a.last_pfn and b.last_pfn and a.last_pfn[0].last_pfn != b.last_pfn[0].last_pfn:
        return None
    if not a.linux_version:
        return (
            f"{a.label} and {b.label} look like one boot printed twice: the same map where "
            "both show it (neither part of the log holds a banner to tell it from two boots "
            "that printed the same map)"
        )
    said = "banner, command line" if a.cmdline and b.cmdline else "banner"
    head = (
        f"{a.label} and {b.label} are one boot printed twice: the same {said} and map "
        "where both show it"
    )
    ta, tb = a.times, b.times
    if ta and tb and ta[1] == tb[1] and ta[1] > 0:
        return f"{head}, and both end at printk time {ta[1]:.6f}"
    whole = all(x.completeness.status.value == "present" for x in (a, b))
    if ta and tb and whole:
        return (
            f"{head} (or two boots of one build that printed the same: their last printk "
            f"times differ, {ta[1]:.6f} and {tb[1]:.6f})"
        )
    return head
