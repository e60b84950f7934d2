"""The one table of what the kernel prints: who-prefixes, map headers, type strings, anchors.

Every stage reads its format knowledge from here: the container layer (anchors), the
grammar side (``parse.classify`` maps grammar rule aliases to these texts), the builder
(which table block a who-prefix belongs to), the joins of wrapped lines, the printk
model that writes synthetic logs, and the type-name tables of ``model.types``. Adding a
who-prefix or a type string means: the grammar (grammars/*.lark), one row here, and a
test line (tests/parse/test_formats_table.py checks that every row is reachable).

Sources: kernel-facts.md §1 (printk formats by era, type strings), each row cites where
the kernel prints it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Who:
    """One "who" prefix of an e820 table line (the ``%s`` of e820_print_table())."""

    #: as printed, before the colon
    text: str
    #: the grammar's alias for it (grammars/e820.lark, rule ``who``)
    rule: str
    #: the value of :class:`~e820scope.model.records.TableKind` of its block
    kind: str
    #: the header line printed before its block (None: none is printed)
    header: str | None
    #: where and when the kernel prints it
    origin: str


WHO: tuple[Who, ...] = (
    Who("BIOS-e820", "who_bios_e820", "firmware", "BIOS-provided physical RAM map:",
        "e820__memory_setup_default(); all eras, also in kexec'd kernels"),
    Who("BIOS-88", "who_bios_88", "firmware", "BIOS-provided physical RAM map:",
        "2.6/3.x fallback (INT15 AH=88)"),
    Who("BIOS-e801", "who_bios_e801", "firmware", "BIOS-provided physical RAM map:",
        "fallback (INT15 E801), e.g. 2.6.12"),
    Who("Xen", "who_xen", "firmware", "BIOS-provided physical RAM map:",
        "xen_memory_setup(), PV guests"),
    Who("extended", "who_extended", "extended", "extended physical RAM map:",
        "e820__memory_setup_extended(), SETUP_E820_EXT"),
    Who("reserve setup_data", "who_reserve_setup_data", "setup_data",
        "extended physical RAM map:",
        "e820__reserve_setup_data(), 3.5 - 6.14 (gone in efe659ac0146, 6.15)"),
    Who("user", "who_user", "user", "user-defined physical RAM map:",
        "e820__finish_early_params(), mem=/memmap="),
    Who("modified", "who_modified", "modified", "modified physical RAM map:",
        "e820__update_table_print() (MTRR trim, GART, ACPI)"),
    Who("bad_ppro", "who_bad_ppro", "fixed", "fixed physical RAM map:",
        "32-bit PPro quirk, <= 6.19"),
    Who("e820_table", "who_e820_table", "live", None, "e820scope kmod table files"),
    Who("e820_table_kexec", "who_e820_table_kexec", "live", None, "e820scope kmod table files"),
    Who("e820_table_firmware", "who_e820_table_firmware", "live", None,
        "e820scope kmod table files"),
)  # fmt: skip

#: the prefixes of the kexec hand-off memmaps (``kexec-bzImage64: E820 memmap:`` of
#: kexec_file_load 6.8+ kexec_dprintk, kexec-tools ``-d``): who -> TableKind value
HANDOFF_WHO: dict[str, str] = {
    "kexec-bzImage64": "kexec_file_memmap",
    "kexec-tools": "kexec_tools_memmap",
}


@dataclass(frozen=True, slots=True)
class HypervisorMap:
    """A hypervisor's own RAM map, printed on its console before it starts the kernel
    (not a kernel line: its lines carry the hypervisor's prefix, not a who-prefix)."""

    #: the prefix of every line of the hypervisor's console
    prefix: str
    #: the "who" of its entries (no line starts with it: an unreadable line of the
    #: hypervisor's console never looks like one of its entries)
    who: str
    #: header word (the ``%s`` of ``%s RAM map:``, or ``Dom0`` of ``Dom0 memory map:``) ->
    #: the grammar's alias for it
    words: dict[str, str]
    #: the value of :class:`~e820scope.model.records.TableKind` of its block
    kind: str
    origin: str


HYPERVISOR_MAPS: tuple[HypervisorMap, ...] = (
    HypervisorMap(
        "(XEN)",
        "Xen hypervisor",
        {
            "Xen-e820": "xen_map_e820",
            "Multiboot-e820": "xen_map_multiboot",
            "EFI": "xen_map_efi",
            "Dom0": "xen_map_dom0",  # "Dom0 memory map:", the map Xen built for a PVH dom0
        },
        "hypervisor",
        "xen/arch/x86/setup.c __start_xen() '%s RAM map:', e820.c print_e820_memory_map()",
    ),
    # SeaBIOS has no prefix of its own: it prints on its debug console; a hypervisor that
    # relays that console adds its own (Xen's "(XEN) HVM4: ", "(d4) "), which the
    # container layer peels (ingest/prefixes.py).
    HypervisorMap(
        "",
        "SeaBIOS",
        {"e820 map has": "seabios_map_header"},
        "hypervisor",
        "SeaBIOS src/e820map.c dump_map() 'e820 map has %d items:' (the guest firmware's "
        "map, e.g. under Xen HVM relayed by hvmloader, or on QEMU's debugcon)",
    ),
    # Xen's hvmloader, the loader of an HVM guest's firmware: like SeaBIOS, no prefix of
    # its own ("(d2) " / "(XEN) HVM2: " are the hypervisor's, peeled by ingest/prefixes.py)
    HypervisorMap(
        "",
        "hvmloader",
        {"E820 table:": "hvmloader_map_header"},
        "hypervisor",
        "xen tools/firmware/hvmloader/e820.c dump_e820_table() 'E820 table:' (the map "
        "hvmloader builds for the guest's firmware and kernel)",
    ),
)

#: hvmloader's type names (dump_e820_table(); any other type prints "UNKNOWN (%08x)")
HVMLOADER_TYPES: dict[str, int] = {"RAM": 1, "RESERVED": 2, "ACPI": 3, "NVS": 4}


@dataclass(frozen=True, slots=True)
class MapHeader:
    """A ``<word> physical RAM map:`` header line and the blocks it introduces."""

    word: str
    rule: str
    #: TableKind values of the blocks it heads ("extended" heads two kinds of block)
    kinds: tuple[str, ...]


MAP_HEADERS: tuple[MapHeader, ...] = (
    MapHeader("BIOS-provided", "map_firmware", ("firmware",)),
    MapHeader("extended", "map_extended", ("extended", "setup_data")),
    MapHeader("user-defined", "map_user", ("user",)),
    MapHeader("modified", "map_modified", ("modified",)),
    MapHeader("fixed", "map_fixed", ("fixed",)),
)

# -- type strings (kernel-facts §1.3), by print era -----------------------------------
#: era A (<= 3.4) prints them in parentheses: ``(usable)``
TYPE_NAMES_A: dict[str, int] = {
    "usable": 1,
    "reserved": 2,
    "ACPI data": 3,
    "ACPI NVS": 4,
    "unusable": 5,
}
#: eras B and C (3.5 - 6.19)
TYPE_NAMES_BC: dict[str, int] = {
    **TYPE_NAMES_A,
    "persistent (type 7)": 7,
    "persistent (type 12)": 12,
    "soft reserved": 0xEFFFFFFF,
}
#: era D (7.0+, fa06d58805c8 / 4a7a13e04c05), printed after two spaces
TYPE_NAMES_D: dict[str, int] = {
    "System RAM": 1,
    "device reserved": 2,
    "ACPI data": 3,
    "ACPI NVS": 4,
    "unusable": 5,
    "persistent RAM (type 7)": 7,
    "persistent RAM (type 12)": 12,
    "soft reserved": 0xEFFFFFFF,
}
#: type strings that only era D prints (a line with one is era D whatever its spacing)
ERA_D_ONLY: tuple[str, ...] = ("System RAM", "device reserved", "persistent RAM")
#: /sys/firmware/memmap/N/type strings (drivers/firmware/memmap.c callers in e820.c)
SYSFS_NAMES: dict[str, int] = {
    "System RAM": 1,
    "Reserved": 2,
    "reserved": 2,  # 3.x - 4.11
    "ACPI Tables": 3,
    "ACPI Non-volatile Storage": 4,
    "Unusable memory": 5,
    "Persistent Memory": 7,
    "Persistent Memory (legacy)": 12,
    "Soft Reserved": 0xEFFFFFFF,
}

# -- anchors --------------------------------------------------------------------------
#: Every line the parser reads contains at least one of these byte strings (the grammar
#: families of grammars/*.lark); the container layer skips other lines while no state is
#: pending, and the bench greps for exactly these. Plain case-sensitive substrings; no
#: entry contains another. tests/parse/test_formats_table.py checks that every
#: who-prefix, map header and type-bearing line of the table above holds one.
DEFAULT_ANCHORS: tuple[bytes, ...] = (
    # e820 tables, range ops, setup_data, PCI gap, last_pfn, kexec-tools -d memmaps
    b"BIOS-",  # BIOS-e820, BIOS-88, BIOS-e801, BIOS-provided physical RAM map
    b"e820",
    b"E820",  # "E820 table full", kmod headers
    b"Xen:",
    b"extended",
    b"setup_data",  # "reserve setup_data: [mem ...]"
    b"user:",
    b"user-defined",
    b"modified",
    b"fixed physical",
    b"bad_ppro",
    # the Xen hypervisor's map: "(XEN) Xen-e820 RAM map:", "(XEN)  [0000000000000000,
    # 000000000009fbff] (usable)", "(XEN)  0000000000000000 - 000000000009fc00 (usable)"
    # (a paste may keep one space)
    b"RAM map:",
    b"Dom0 memory map:",
    b"(XEN)  [",
    b"(XEN) [",
    b"(XEN)  0",
    b"(XEN) 0",
    b"[mem",
    b"[gap",
    b"Ooops!",
    b"Allocating PCI",
    b"available for PCI",
    b"-0000",  # kexec-tools -d: "0000000000001000-000000000009ffff (1)"
    b"0 - 0",  # SeaBIOS's map: "  0: 0000000000000000 - 000000000009fc00 = 1 RAM"
    b"physical RAM map",
    b"last_pfn",
    b"RAM buffer",
    b"too many entries",
    b"Firmware Bug",
    # memory summary, NUMA, zones
    b"Memory:",
    b"total RAM",
    b"Initmem",
    b"NODE_DATA",
    b"Early memory",
    b"Zone",
    b"node",
    b"empty",
    b"-> 0x",
    # EFI memory map
    b"efi:",
    # boot, kexec, crash, OOM
    b"Linux version",
    b"ommand line",  # "Command line", "Kernel command line"
    b"Booting Linux",
    b"Machine model:",
    b"Determined physical",
    b"kexec",
    b"Starting new kernel",
    b"crashkernel",
    b"Crash kernel",
    b"Out of memory",
    b"oom",  # oom-killer, oom_reaper
    b"Kernel panic",
    # machine identity (analysis/identity.py)
    b"DMI:",
    b"CPU0:",
    b"-- Reboot --",
    # firmware / boot loader output before a kernel banner (a boot started)
    b"EFI stub:",
    b"Probing EDD",
    b"SeaBIOS (version",
    b"BdsDxe:",
    b"Welcome to GRUB!",
    b"Booting from",  # SeaBIOS "Booting from Hard Disk..."
    b"Loading Linux",  # GRUB "Loading Linux 6.1.0-56-amd64 ..."
    b"Loading initial ramdisk",
    b"Booting `",  # GRUB "Booting `Debian GNU/Linux'"
    b"iPXE",
    b"ISOLINUX",  # the Syslinux family's banners
    b"SYSLINUX",
    b"PXELINUX",
    b"EXTLINUX",
    b"Bootloader:",  # "(XEN) Bootloader: GRUB 2.06"
    # a crash that may hand over to a kdump capture kernel
    b" [#",  # x86 die(): "Oops: 0002 [#1] SMP", "invalid opcode: 0000 [#1] SMP"
    b"kernel BUG at",
    b"Trigger a crash",  # SysRq-c
    b"LAB-",  # samples/lab markers
)

#: Lines the container layer itself must see even when the caller's anchors do not name
#: them: boot separators, encoding headers, console hand-over lines, and the first line
#: of every hard-wrap join (see :mod:`e820scope.ingest.rejoin`).
STRUCTURAL_ANCHORS: tuple[bytes, ...] = (
    b"-- Reboot --",
    b"-- Boot ",
    b"New boot:",
    b"Content-Transfer-Encoding",
    b"console [",
    b"[mem ",
    b" - 0",
    b"Memory:",
    b"Linux version",
)


def who_alternation() -> str:
    """A regex alternation of every table who-prefix, longest first."""
    import re

    texts = sorted({w.text for w in WHO}, key=len, reverse=True)
    return "|".join(re.escape(t) for t in texts)
