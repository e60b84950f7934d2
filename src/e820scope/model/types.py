"""E820 type codes and the names the kernel prints for them, era by era.

The numeric codes are those of ``enum e820_type`` (arch/x86/include/asm/e820/types.h).
Two of them never come from firmware: ``E820_TYPE_RESERVED_KERN`` (128, setup_data
reservations, removed in v6.15 by efe659ac0146) and ``E820_TYPE_SOFT_RESERVED``
(0xefffffff, EFI_MEMORY_SP, v5.5+).

Printed names (``e820_print_type()``), see kernel-facts §1.3. Per code: era A (<= 3.4),
eras B/C (3.5 - 6.19), era D (7.0+), /sys/firmware/memmap:

* 1: ``(usable)``, ``usable``, `` System RAM``, ``System RAM``
* 2: ``(reserved)``, ``reserved``, `` device reserved``, ``Reserved``
* 3: ``(ACPI data)``, ``ACPI data``, `` ACPI data``, ``ACPI Tables``
* 4: ``(ACPI NVS)``, ``ACPI NVS``, `` ACPI NVS``, ``ACPI Non-volatile Storage``
* 5: ``(unusable)``, ``unusable``, `` unusable``, ``Unusable memory``
* 7: ``type 7``, ``persistent (type 7)``, `` persistent RAM (type 7)``, ``Persistent Memory``
* 12: ``type 12``, ``persistent (type 12)``, `` persistent RAM (type 12)``,
  ``Persistent Memory (legacy)``
* 128: ``(usable)``, ``usable`` up to 6.14 then ``type 128``, `` type 128``,
  ``System RAM`` up to 6.14 then ``Unknown E820 type``
"""

from __future__ import annotations

import enum
import functools
import re

from ..formats import SYSFS_NAMES, TYPE_NAMES_A, TYPE_NAMES_BC, TYPE_NAMES_D


class E820Type(enum.IntEnum):
    """``enum e820_type``; members are named as in the kernel (``E820_TYPE_<NAME>``)."""

    RAM = 1
    RESERVED = 2
    ACPI = 3
    NVS = 4
    UNUSABLE = 5
    PMEM = 7
    PRAM = 12
    RESERVED_KERN = 128
    SOFT_RESERVED = 0xEFFFFFFF

    @property
    def kernel_name(self) -> str:
        """The C enumerator, e.g. ``E820_TYPE_RESERVED_KERN``."""
        return f"E820_TYPE_{self.name}"


#: Codes whose memory the kernel hands to memblock as RAM (``e820__memblock_setup``
#: adds type 1 only; RESERVED_KERN was added too up to v6.14). Plain ints: a test of an
#: entry's type against them is a C-level hit. The first is also every type a table
#: prints as RAM (128 prints ``usable`` up to 6.14).
USABLE_TYPES_UP_TO_6_14: frozenset[int] = frozenset(
    {int(E820Type.RAM), int(E820Type.RESERVED_KERN)}
)
USABLE_TYPES_FROM_6_15: frozenset[int] = frozenset({int(E820Type.RAM)})


class Era(enum.Enum):
    """Print format era of e820 table lines (kernel-facts §1.1)."""

    A = "A"  #: <= 3.4: ``BIOS-e820: 0000000000000000 - 000000000009f000 (usable)``, end exclusive
    B = "B"  #: 3.5 - 4.17: ``[mem %#018Lx-%#018Lx] usable``, ``e820: `` header prefix
    C = "C"  #: 4.18 - 6.19: as B, header prefix dropped
    D = "D"  #: 7.0+: two spaces before the type, ``System RAM``, ``[gap ...]`` lines

    # Members compare by identity (a plain Enum), so the identity hash keeps the
    # contract; Enum's own __hash__ is Python code (hash of the name), and the parser
    # puts eras in sets for every table block it reads.
    __hash__ = object.__hash__


#: the type strings of each print era and of sysfs (formats.py)
_ERA_A_NAMES, _ERA_BC_NAMES, _ERA_D_NAMES = TYPE_NAMES_A, TYPE_NAMES_BC, TYPE_NAMES_D
__all__ = [
    "SYSFS_NAMES",
    "E820Type",
    "Era",
    "parse_type_name",
    "short_name",
    "sysfs_name",
    "type_name",
]

_TYPE_N = re.compile(r"^(?:persistent (?:RAM )?\()?type (\d+)\)?$")


def parse_type_name(text: str) -> int | None:
    """Map a printed e820 type (any era, parentheses and padding stripped or not) to its code.

    Returns ``None`` for text that is not a type the kernel prints. ``usable`` maps to
    1 even though it may hide RESERVED_KERN (128) in kernels <= 6.14: that cannot be
    told from one line (see :mod:`e820scope.analysis.hidden`).

    >>> parse_type_name("usable"), parse_type_name(" System RAM"), parse_type_name("(ACPI NVS)")
    (1, 1, 4)
    >>> parse_type_name("type 20"), parse_type_name("persistent (type 12)"), parse_type_name("x")
    (20, 12, None)
    """
    t = text.strip()
    if t.startswith("(") and t.endswith(")") and not t.startswith("(type"):
        t = t[1:-1].strip()
    for table in (_ERA_BC_NAMES, _ERA_D_NAMES, _ERA_A_NAMES, SYSFS_NAMES):
        if t in table:
            return table[t]
    m = _TYPE_N.match(t)
    if m:
        return int(m.group(1))
    return None


@functools.lru_cache(maxsize=1024)
def type_name(code: int, era: Era = Era.C, *, kernel_has_reserved_kern: bool = True) -> str:
    """The string a kernel of ``era`` prints for ``code`` (without era D's leading space).

    ``kernel_has_reserved_kern`` is False for 6.15+ kernels of era C, which print
    ``type 128`` instead of ``usable``. Memoised (the analyses ask it for every entry).

    >>> type_name(1, Era.D), type_name(12, Era.C), type_name(128, Era.C), type_name(4, Era.A)
    ('System RAM', 'persistent (type 12)', 'usable', '(ACPI NVS)')
    """
    if code == E820Type.RESERVED_KERN and era is not Era.D and kernel_has_reserved_kern:
        code = E820Type.RAM
    if era is Era.A:
        for name, c in _ERA_A_NAMES.items():
            if c == code:
                return f"({name})"
        return f"type {code}"
    table = _ERA_D_NAMES if era is Era.D else _ERA_BC_NAMES
    for name, c in table.items():
        if c == code:
            return name
    return f"type {code}"


def sysfs_name(code: int, *, kernel_has_reserved_kern: bool = True) -> str:
    """The /sys/firmware/memmap ``type`` string (4.12+ spelling)."""
    if code == E820Type.RESERVED_KERN:
        return "System RAM" if kernel_has_reserved_kern else "Unknown E820 type"
    for name, c in SYSFS_NAMES.items():
        if c == code and name != "reserved":
            return name
    return "Unknown E820 type"


def short_name(code: int) -> str:
    """A stable, era-independent label for reports and JSON (``usable``, ``reserved``, ...)."""
    return {
        1: "usable",
        2: "reserved",
        3: "ACPI data",
        4: "ACPI NVS",
        5: "unusable",
        7: "persistent (type 7)",
        12: "persistent (type 12)",
        128: "reserved-kern (type 128)",
        0xEFFFFFFF: "soft reserved",
    }.get(code, f"type {code}")
