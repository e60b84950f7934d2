"""Version-dependent kernel behaviour that decides how the e820 tables evolve.

Every rule cites the commit (or the trees checked, see docs kernel-facts §0) that
introduced it. Boundaries marked *UNVERIFIED* are the best known release for a change
whose exact commit was not identified.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ..model.kversion import KernelVersion
from ..model.types import E820Type
from .setup_data import SetupDataType

#: E820_MAX_ENTRIES_ZEROPAGE: slots in boot_params.e820_table (E820MAX before 4.12).
E820_MAX_ENTRIES_ZEROPAGE = 128

#: CONFIG_NODES_SHIFT=6 (the x86_64 default without MAXSMP) gives MAX_NUMNODES = 64.
#: NUMA=n kernels have 1 (capacity 131), MAXSMP kernels 1024 (capacity 3200).
DEFAULT_MAX_NUMNODES = 64

#: Stable releases that carry the backport of 7fd817c90650 ("x86/e820: Don't reserve
#: SETUP_RNG_SEED in e820", Cc stable). 6.7.9 is verified from its release announcement
#: (2024-03-06, e820.c in the diffstat); 6.6.21 and 6.1.81 were released the same day
#: with the same shortlog entry (UNVERIFIED per branch). The lab's Debian 6.1.192 chain
#: grows by exactly one blob per generation, consistent with the backport. The test bed's
#: real kernels cannot decide it: none of Debian's 5.10.223, 6.1.192, 6.12.117 or 7.2.12
#: hands a SETUP_RNG_SEED node to the next kernel through kexec_file_load under QEMU
#: (every kexec'd generation of tests/vm receives exactly one node, SETUP_EFI), so no
#: RNG-seed reservation was ever there to observe.
RNG_SEED_STABLE_BACKPORTS: dict[tuple[int, int], int] = {(6, 7): 9, (6, 6): 21, (6, 1): 81}


def table_capacity(max_numnodes: int = DEFAULT_MAX_NUMNODES) -> int:
    """Slots in e820_table / e820_table_kexec / e820_table_firmware.

    ``E820_MAX_ENTRIES = E820_MAX_ENTRIES_ZEROPAGE + 3 * MAX_NUMNODES`` (4.12+ name;
    E820_X_MAX before). ``max_numnodes`` is ``1 << CONFIG_NODES_SHIFT`` (1 without NUMA).
    """
    if max_numnodes < 1:
        raise ValueError(f"MAX_NUMNODES must be >= 1, got {max_numnodes}")
    return E820_MAX_ENTRIES_ZEROPAGE + 3 * max_numnodes


def nomerge_types(kver: KernelVersion) -> frozenset[int]:
    """Types the sanitizer never merges (every change point closes the run).

    * none in 3.4/3.6;
    * {PRAM} from "x86/e820: Don't merge consecutive E820_PRAM ranges" (Dan Williams,
      2016; present in 4.10; release 4.6 UNVERIFIED: the oldest kernel of the test bed is
      5.10, which cannot decide a 4.x boundary);
    * {PRAM, SOFT_RESERVED} from Dan Williams' e820_nomerge() (absent in 5.7.14, present
      in 6.9); renamed e820_type_mergeable() in 7.0 (db0d69c5700b), same set. Real
      kernels confirm SOFT_RESERVED kept apart on Debian 5.10.223, 6.1.192, 6.12.117 and
      7.2.12 (tests/vm/test_matrix.py::test_soft_reserved_pieces_never_merge: two
      abutting soft-reserved ranges made with memmap= stay two entries). The release is
      thus 5.8, 5.9 or 5.10; 5.10 stays the boundary (UNVERIFIED between 5.8 and 5.10: no
      5.8/5.9 kernel is in Debian's registry).
    """
    if kver.at_least(5, 10):
        return frozenset({E820Type.PRAM, E820Type.SOFT_RESERVED})
    if kver.at_least(4, 6):
        return frozenset({E820Type.PRAM})
    return frozenset()


def has_kexec_table(kver: KernelVersion) -> bool:
    """e820_table_kexec exists (12df216c61c8, v4.13); before, kexec used e820_saved/firmware."""
    return kver.at_least(4, 13)


def append_min_entries(kver: KernelVersion) -> int:
    """Fewest boot_params entries append_e820_table() accepts before faking a BIOS-88 map.

    <= 6.19 ignores a table with fewer than 2 entries; 7.0 (Ingo Molnar's e820 series)
    dropped that check and 7.1 only refuses an empty table.
    """
    if not kver.at_least(7, 0):
        return 2
    if kver.at_least(7, 1):
        return 1
    return 0


def early_params_before_setup_data(kver: KernelVersion) -> bool:
    """Whether mem=/memmap= are parsed before e820__reserve_setup_data() runs.

    3.6 reserves setup_data (and copies the table to e820_saved) before
    parse_early_param(); 4.10 and later after it. The moving commit is not identified;
    4.0 is used as the boundary (UNVERIFIED: every kernel of the test bed is >= 5.10).
    """
    return kver.at_least(4, 0)


#: First release with kexec_file_load on x86 (arch/x86/kernel/kexec-bzimage64.c; its
#: setup_e820_entries() copies e820_saved in 3.17 - 4.12, kernel-facts §2.4). Older kernels
#: only have kexec_load.
KEXEC_FILE_LOAD_SINCE = (3, 17)


def has_kexec_file_load(kver: KernelVersion) -> bool:
    """Whether ``kver`` has the kexec_file_load syscall (v3.17)."""
    return kver.at_least(*KEXEC_FILE_LOAD_SINCE)


@dataclass(frozen=True)
class KexecTableFix:
    """A release from which setup_data stops being reserved in e820_table_kexec.

    ``types``: the ``SETUP_*`` values it keeps out (None: every type). ``stable``: stable
    branches (major, minor) -> first patch level with the backport.
    """

    since: tuple[int, int]
    types: frozenset[int] | None
    commit: str
    stable: dict[tuple[int, int], int] = field(default_factory=dict)

    def applies(self, kver: KernelVersion, stable_backports: bool = True) -> bool:
        if kver.at_least(*self.since):
            return True
        level = self.stable.get((kver.major, kver.minor)) if stable_backports else None
        return level is not None and kver.patch >= level

    def keeps_out(self, setup_type: int) -> bool:
        return self.types is None or setup_type in self.types

    @property
    def label(self) -> str:
        """``commit (vX.Y)``."""
        return f"{self.commit} (v{self.since[0]}.{self.since[1]})"

    @property
    def long_label(self) -> str:
        """The label with the stable releases that carry the backport."""
        if not self.stable:
            return self.label
        levels = ", ".join(f"{a}.{b}.{c}" for (a, b), c in sorted(self.stable.items()))
        return f"{self.commit} (v{self.since[0]}.{self.since[1]}; stable {levels})"


#: The one table of which setup_data e820_table_kexec stops holding, release by release
#: (<= 5.7: every type; 4.13 created the kexec table, 12df216c61c8). ``predict``,
#: ``fleet``, ``live`` and the hand-off model read it through :func:`setup_data_reserved`,
#: :func:`kexec_table_fix` and :func:`kexec_file_setup_data`.
KEXEC_TABLE_FIXES: tuple[KexecTableFix, ...] = (
    # "x86/kexec: Do not reserve EFI setup_data in the kexec e820 table"
    KexecTableFix((5, 8), frozenset({SetupDataType.SETUP_EFI}), "8efbc518b884"),
    KexecTableFix((6, 0), frozenset({SetupDataType.SETUP_IMA}), "b69a2afd5afc"),
    # "x86/e820: Don't reserve SETUP_RNG_SEED in e820"
    KexecTableFix(
        (6, 8),
        frozenset({SetupDataType.SETUP_RNG_SEED}),
        "7fd817c90650",
        RNG_SEED_STABLE_BACKPORTS,
    ),
    # "x86/kexec: Do not update E820 kexec table for setup_data"
    KexecTableFix((6, 9), None, "fc7f27cda843"),
)


def kexec_table_fix(
    kver: KernelVersion, setup_type: int, *, stable_backports: bool = True
) -> KexecTableFix | None:
    """The latest fix ``kver`` has that keeps ``setup_type`` out of e820_table_kexec
    (from 6.9 the all-types one, fc7f27cda843; None: the kernel reserves it there; 6.15+
    reserves nothing, see :func:`setup_data_reserved`)."""
    for fix in reversed(KEXEC_TABLE_FIXES):
        if fix.keeps_out(setup_type) and fix.applies(kver, stable_backports):
            return fix
    return None


def setup_data_reserved(
    kver: KernelVersion, setup_type: int, *, stable_backports: bool = True
) -> tuple[bool, bool]:
    """Whether a setup_data node of ``setup_type`` is reserved as RESERVED_KERN.

    Returns ``(into e820_table, into e820_table_kexec)``. For kernels <= 4.12, which have
    no separate kexec table, the second value says whether the node ends up in the copy
    used by kexec (e820_saved / e820_table_firmware, via the full memcpy).

    * <= 5.7: every type, both tables (12df216c61c8 for the kexec table in 4.13).
    * from then on, :data:`KEXEC_TABLE_FIXES` keeps types out of the kexec table: 5.8
      SETUP_EFI (8efbc518b884), 6.0 SETUP_IMA (b69a2afd5afc), 6.8 and stable backports
      SETUP_RNG_SEED (7fd817c90650, see RNG_SEED_STABLE_BACKPORTS), 6.9 every type
      (fc7f27cda843).
    * 6.15: nothing at all — efe659ac0146 removed E820_TYPE_RESERVED_KERN and
      e820__reserve_setup_data() (memblock reservation only).

    Confirmed on real kernels (tests/vm/test_matrix.py::test_setup_data_policy_per_kernel,
    the module's tables after an OVMF boot and after kexec_file_load): Debian 5.10.223 and
    6.1.192 reserve SETUP_PCI in both tables and SETUP_EFI in e820_table only; 6.12.117
    reserves both in e820_table only (6.9 rule); 7.2.12 reserves neither (6.15 rule), and
    prints a received RESERVED_KERN entry as ``type 128`` and leaves it out of RAM
    (test_7_2_prints_type_128_from_6_1). The 6.0 (SETUP_IMA) and 6.8 (SETUP_RNG_SEED)
    steps are not observable there: no such node reaches these kernels under QEMU.
    """
    if kver.at_least(6, 15):
        return False, False
    fix = kexec_table_fix(kver, setup_type, stable_backports=stable_backports)
    return True, fix is None


#: setup_data nodes kexec_file_load creates for the next kernel without special options
#: (arch/x86/kernel/kexec-bzimage64.c, kernel-facts §2.4), with the first release:
#: SETUP_EFI (setup_efi_state(), when the current boot has EFI runtime services) since
#: kexec_file_load exists; SETUP_RNG_SEED (32 bytes, when the RNG is initialised, which
#: it is on any machine that got that far) since v6.0 (68b8e9713c8e). SETUP_IMA
#: (CONFIG_IMA_KEXEC), SETUP_DTB (force-DTB flag) and SETUP_KEXEC_KHO (KHO images) need
#: options a log does not show and are left out.
KEXEC_FILE_CREATES: tuple[tuple[SetupDataType, tuple[int, int]], ...] = (
    (SetupDataType.SETUP_EFI, KEXEC_FILE_LOAD_SINCE),
    (SetupDataType.SETUP_RNG_SEED, (6, 0)),
)


def kexec_file_setup_data(kver: KernelVersion, *, efi: bool = True) -> tuple[SetupDataType, ...]:
    """setup_data nodes a kexec_file_load from ``kver`` creates (none before v3.17: no
    kexec_file_load). ``efi``: the current boot has EFI runtime services."""
    return tuple(
        t
        for t, since in KEXEC_FILE_CREATES
        if kver.at_least(*since) and (efi or t is not SetupDataType.SETUP_EFI)
    )


def prints_reserve_setup_data(kver: KernelVersion) -> bool:
    """The ``reserve setup_data`` block exists up to 6.14 (removed by efe659ac0146)."""
    return not kver.at_least(6, 15)


class MemmapSource(str, enum.Enum):
    """Which table /sys/firmware/memmap is built from (kernel-facts §2.3)."""

    #: <= 4.12: e820_saved / e820_table_firmware, i.e. the working table copied in
    #: e820_reserve_setup_data() (setup_data reservations included, shown as System RAM).
    SAVED = "e820_saved"
    #: 4.13 - 6.14: e820_table_firmware, the pristine firmware map (+ SETUP_E820_EXT).
    FIRMWARE = "e820_table_firmware"
    #: 6.15+: e820_table_kexec — a2498e5c453b "x86/kexec: Export e820_table_kexec[] to sysfs".
    KEXEC = "e820_table_kexec"


def firmware_memmap_source(kver: KernelVersion) -> MemmapSource:
    """The table behind /sys/firmware/memmap for ``kver``."""
    if kver.at_least(6, 15):
        return MemmapSource.KEXEC
    if kver.at_least(4, 13):
        return MemmapSource.FIRMWARE
    return MemmapSource.SAVED


def sysfs_type_name(code: int, kver: KernelVersion) -> str:
    """The /sys/firmware/memmap/N/type string a ``kver`` kernel shows for ``code``.

    e820_type_to_string(): RESERVED_KERN is ``System RAM`` up to 6.14; unknown codes are
    ``Unknown E820 type`` (``reserved`` in 3.x - 4.11, where type 2 is ``reserved`` too).
    """
    legacy = not kver.at_least(4, 12)
    names: dict[int, str] = {
        E820Type.RAM: "System RAM",
        E820Type.RESERVED: "reserved" if legacy else "Reserved",
        E820Type.ACPI: "ACPI Tables",
        E820Type.NVS: "ACPI Non-volatile Storage",
        E820Type.UNUSABLE: "Unusable memory",
        E820Type.PMEM: "Persistent Memory",
        E820Type.PRAM: "Persistent Memory (legacy)",
        E820Type.SOFT_RESERVED: "Soft Reserved",
    }
    if code == E820Type.RESERVED_KERN and kver.has_reserved_kern:
        return "System RAM"
    if code in names:
        return names[code]
    return "reserved" if legacy else "Unknown E820 type"


#: kexec-tools kexec/firmware_memmap.c: /sys/firmware/memmap type string -> e820 type.
#: Anything not listed becomes reserved (with a "please report" warning).
KEXEC_TOOLS_SYSFS_TYPES: dict[str, int] = {
    "System RAM": E820Type.RAM,
    "ACPI Tables": E820Type.ACPI,
    "ACPI Non-volatile Storage": E820Type.NVS,
    "Persistent Memory (legacy)": E820Type.PRAM,
    "Persistent Memory": E820Type.PMEM,
    "reserved": E820Type.RESERVED,
    "Reserved": E820Type.RESERVED,
    "Unusable memory": E820Type.RESERVED,
    "Unknown E820 type": E820Type.RESERVED,
}


def kexec_tools_type(sysfs_name: str) -> int:
    """The e820 type kexec-tools passes for a /sys/firmware/memmap type string."""
    return KEXEC_TOOLS_SYSFS_TYPES.get(sysfs_name, E820Type.RESERVED)


def kexec_tools_low_ram_floor(kexec_tools_version: str | None) -> int:
    """Where kexec-tools moves the start of the first RAM range ("interrupt table").

    0x100 before v2.0.22; 0x400 from 774a16b "Fix where the real mode interrupt vector
    ends" (2021-04-06, v2.0.22). ``None`` means a current kexec-tools (0x400).
    """
    if kexec_tools_version is None:
        return 0x400
    parts = []
    for p in kexec_tools_version.lstrip("v").split("."):
        digits = "".join(ch for ch in p if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return 0x400 if tuple(parts[:3]) >= (2, 0, 22) else 0x100
