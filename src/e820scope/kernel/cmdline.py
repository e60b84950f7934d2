"""``mem=`` and ``memmap=`` early parameters and the ``user:`` table they produce.

x86 e820.c (4.12+ names; setup.c/e820.c of 2.6.27 - 4.11 the same logic):

* ``mem=nn[KMG]`` — parse_memopt(): remove RAM from ``nn`` to the end of the address
  space, ``e820__range_remove(nn, ULLONG_MAX - nn, E820_TYPE_RAM, 1)`` (which logs
  ``e820: remove [mem 0x100000000-0xfffffffffffffffe] usable`` for ``mem=4G``).
  ``mem=nopentium`` is 32-bit only; ``mem=0`` is rejected after marking the map user-defined.
* ``memmap=exactmap`` empties e820_table; ``nn@ss`` adds RAM, ``nn#ss`` ACPI data,
  ``nn$ss`` reserved, ``nn!ss`` PRAM (type 12), ``nn%ss-old+new`` updates/adds/removes by
  type, a plain ``memmap=nn`` acts like ``mem=nn``. A value may hold several
  comma-separated items.
* e820__finish_early_params() sanitizes the table once if any of these was seen and
  prints ``user-defined physical RAM map:`` + ``user:`` lines, or panics "Invalid user
  supplied memory map" when the sanitizer refuses (e.g. only one entry).

Kernels before the x86 e820 unification (2.6.27, UNVERIFIED boundary: the test bed's
oldest real kernel is 5.10, so none decides it; verified on the 2.6.9 log lkml-11)
handled ``mem=`` with i386 limit_regions(): the first RAM entry that
reaches the limit is cut at it and every later entry is dropped from the table, and the
``user`` table is printed without sanitizing.

Sizes follow memparse(): a C integer (``0x`` hex, leading ``0`` octal, else decimal)
with an optional K/M/G/T/P/E suffix (any case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.kversion import KernelVersion
from ..model.types import E820Type
from .range_ops import e820__range_remove, e820__range_update
from .sanitize import U64_MAX
from .table import KernelTable

_SUFFIX_SHIFT = {"k": 10, "m": 20, "g": 30, "t": 40, "p": 50, "e": 60}
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")


class InvalidUserMemoryMap(Exception):
    """The kernel would ``early_panic("Invalid user supplied memory map")``."""


def memparse(text: str) -> tuple[int, str] | None:
    """``memparse()``: ``(value, rest)``, or None when no number is at the start of ``text``."""
    m = _NUMBER.match(text)
    if not m:
        return None
    digits = m.group(0)
    if digits[:2].lower() == "0x":
        value = int(digits, 16)
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits, 8)
    else:
        value = int(digits)
    rest = text[m.end() :]
    if rest and rest[0].lower() in _SUFFIX_SHIFT:
        value <<= _SUFFIX_SHIFT[rest[0].lower()]
        rest = rest[1:]
    return value & U64_MAX, rest


def _strtoull(text: str) -> tuple[int, str]:
    m = _NUMBER.match(text)
    if not m:
        return 0, text
    digits = m.group(0)
    if digits[:2].lower() == "0x":
        base = 16
    else:
        base = 8 if digits.startswith("0") and len(digits) > 1 else 10
    return int(digits, base), text[m.end() :]


@dataclass(frozen=True, slots=True)
class MemParam:
    """One early parameter item, in command-line order.

    ``kind``: ``mem`` (limit), ``exactmap``, ``add`` (``@ # $ !`` and ``%ss+new``),
    ``update`` (``%ss-old+new``), ``remove`` (``%ss-old`` / ``%ss``), ``invalid``.
    ``type`` is the added type or the new type; ``old_type`` for update/remove (None =
    any type). ``text`` is the item as written.
    """

    kind: str
    text: str
    size: int = 0
    start: int = 0
    type: int = 0
    old_type: int | None = None


_ADD_TYPES = {"@": E820Type.RAM, "#": E820Type.ACPI, "$": E820Type.RESERVED, "!": E820Type.PRAM}


def _parse_memmap_item(item: str) -> MemParam:
    if item.startswith("exactmap"):
        return MemParam("exactmap", item)
    parsed = memparse(item)
    if parsed is None:
        return MemParam("invalid", item)
    size, rest = parsed
    if not rest:
        return MemParam("mem", item, size=size)
    sep = rest[0]
    if sep in _ADD_TYPES:
        start_p = memparse(rest[1:]) or (0, rest[1:])
        return MemParam("add", item, size, start_p[0], int(_ADD_TYPES[sep]))
    if sep == "%":
        start_p = memparse(rest[1:]) or (0, rest[1:])
        start, tail = start_p
        old = new = 0
        if tail.startswith("-"):
            old, tail = _strtoull(tail[1:])
        if tail.startswith("+"):
            new, tail = _strtoull(tail[1:])
        if tail:
            return MemParam("invalid", item)
        if old and new:
            return MemParam("update", item, size, start, new, old)
        if new:
            return MemParam("add", item, size, start, new)
        return MemParam("remove", item, size, start, 0, old or None)
    return MemParam("invalid", item)


def parse_cmdline(cmdline: str) -> list[MemParam]:
    """All ``mem=`` / ``memmap=`` items of ``cmdline`` in the order the kernel applies them."""
    params: list[MemParam] = []
    for word in cmdline.split():
        key, eq, value = word.partition("=")
        if not eq:
            continue
        if key == "mem":
            if value == "nopentium":
                continue  # 32-bit only; x86_64 warns and ignores it
            parsed = memparse(value)
            params.append(MemParam("mem", value, size=parsed[0] if parsed else 0))
        elif key == "memmap":
            params.extend(_parse_memmap_item(v) for v in value.split(",") if v)
    return params


def _limit_regions(table: KernelTable, limit: int) -> None:
    """i386 limit_regions() (<= 2.6.26): cut at the first RAM entry reaching ``limit``."""
    for i, slot in enumerate(table.slots):
        if slot.type == E820Type.RAM and slot.end >= limit:
            slot.size -= slot.end - limit
            del table.slots[i + 1 :]
            return


def parse_early_params(table: KernelTable, params: list[MemParam], kver: KernelVersion) -> bool:
    """Apply ``params`` to e820_table as parse_early_param() does (no sanitize).

    Returns ``userdef``: True when some item marked the map user-defined (even ``mem=0``).
    """
    legacy = not kver.at_least(2, 6, 27)
    userdef = False
    for p in params:
        if p.kind == "invalid":
            continue
        userdef = True
        if p.kind == "exactmap":
            table.slots.clear()
        elif p.kind == "mem":
            if p.size == 0:
                continue
            if legacy:
                _limit_regions(table, p.size)
            else:
                e820__range_remove(table, p.size, U64_MAX - p.size, E820Type.RAM)
        elif p.kind == "add":
            table.range_add(p.start, p.size, p.type)
        elif p.kind == "update" and p.old_type is not None:
            e820__range_update(table, p.start, p.size, p.old_type, p.type)
        elif p.kind == "remove":
            e820__range_remove(table, p.start, p.size, p.old_type)
    return userdef


def e820__finish_early_params(
    table: KernelTable, userdef: bool, kver: KernelVersion, nomerge: frozenset[int]
) -> bool:
    """Sanitize a user-defined map; True when the ``user`` table is printed.

    Raises :class:`InvalidUserMemoryMap` where the kernel panics. Pre-2.6.27 kernels
    print the table unsanitized.
    """
    if not userdef:
        return False
    if kver.at_least(2, 6, 27) and not table.update_table(nomerge):
        raise InvalidUserMemoryMap("Invalid user supplied memory map")
    return True


def apply_early_params(
    table: KernelTable, params: list[MemParam], kver: KernelVersion, nomerge: frozenset[int]
) -> bool:
    """parse_early_params() then e820__finish_early_params(); True when ``user`` is printed."""
    return e820__finish_early_params(table, parse_early_params(table, params, kver), kver, nomerge)


def crash_kernel_mark(cmdline: str) -> str | None:
    """The item of ``cmdline`` that marks a crash capture kernel, or None.

    ``elfcorehdr=`` (the address of the crashed kernel's ELF core header, the
    ``elfcorehdr`` early parameter of kernel/crash_dump.c: only a capture kernel is
    given one) first, then ``memmap=exactmap`` (kexec-tools' x86 crash kernels get their
    memory as ``memmap=exactmap memmap=640K@0K ...``, kexec/arch/i386/crashdump-x86.c;
    a hand-made exact map is possible, so the caller says what else it saw). An item of
    a comma-separated ``memmap=`` value counts (``memmap=exactmap,640K@0K``).

    >>> crash_kernel_mark("ro memmap=exactmap,640K@0K elfcorehdr=147436K")
    'elfcorehdr='
    >>> crash_kernel_mark("ro memmap=exactmap,640K@0K")
    'memmap=exactmap'
    >>> crash_kernel_mark("ro memmap=12M$20M") is None
    True
    """
    if "elfcorehdr=" in cmdline and any(w.startswith("elfcorehdr=") for w in cmdline.split()):
        return "elfcorehdr="
    if "exactmap" in cmdline and any(p.kind == "exactmap" for p in parse_cmdline(cmdline)):
        return "memmap=exactmap"
    return None
