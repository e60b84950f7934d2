"""The exact text the kernel prints for e820 tables and operations, era by era.

Lines are returned without the printk timestamp and without a trailing newline; a line
the kernel ends with a space before ``pr_cont("\\n")`` keeps that space (``e820: remove``
without a type). Formats (kernel-facts §1.1, §1.4):

* era A (<= 3.4): `` %s: %016Lx - %016Lx `` + ``(usable)``..., end EXCLUSIVE;
* era B (3.5 - 4.17): ``%s: [mem %#018Lx-%#018Lx] `` + ``usable``..., end inclusive,
  ``e820: `` in front of most headers;
* era C (4.18 - 6.19): as B without the header prefix;
* era D (7.0+): the type carries its own leading space (two spaces after ``]``), RAM is
  `` System RAM``, type 2 `` device reserved``, and ``%s: [gap %#018Lx-%#018Lx]`` lines
  precede an entry that starts above the previous entry's end (the first against 0).

Type 128 prints as ``usable`` (era A ``(usable)``) while the kernel knows
RESERVED_KERN (<= 6.14, ``has_reserved_kern=True``), else ``type 128``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..formats import WHO
from ..model.records import E820Entry, OpKind, RangeOp
from ..model.types import Era, type_name

#: who-prefix -> the header printed before its block (formats.py)
_HEADERS = {w.text: w.header for w in WHO if w.header is not None}


def print_type(code: int, era: Era, *, has_reserved_kern: bool = True) -> str:
    """e820_print_type(): the type text as printed after the range (era D: leading space)."""
    name = type_name(code, era, kernel_has_reserved_kern=has_reserved_kern)
    return f" {name}" if era is Era.D else name


def table_header(who: str, era: Era) -> str:
    """The header line printed before a table block for ``who``."""
    header = _HEADERS.get(who, f"{who} physical RAM map:")
    if era is Era.B and who != "reserve setup_data":
        return f"e820: {header}"
    return header


def format_entry(entry: E820Entry, who: str, era: Era, *, has_reserved_kern: bool = True) -> str:
    """One table line (e820__print_table / e820_print_map)."""
    t = print_type(entry.type, era, has_reserved_kern=has_reserved_kern)
    if era is Era.A:
        return f" {who}: {entry.addr:016x} - {entry.end:016x} {t}"
    return f"{who}: [mem {entry.addr:#018x}-{entry.last:#018x}] {t}"


def format_table(
    entries: Iterable[E820Entry],
    who: str,
    era: Era,
    *,
    has_reserved_kern: bool = True,
    header: bool = True,
) -> list[str]:
    """Header + entry lines exactly as the kernel prints them (era D with ``[gap]`` lines)."""
    lines = [table_header(who, era)] if header else []
    prev_end = 0
    for e in entries:
        if era is Era.D and e.addr > prev_end:
            lines.append(f"{who}: [gap {prev_end:#018x}-{e.addr - 1:#018x}]")
        lines.append(format_entry(e, who, era, has_reserved_kern=has_reserved_kern))
        prev_end = e.end
    return lines


def format_update(
    start: int, size: int, old_type: int, new_type: int, era: Era, *, has_reserved_kern: bool = True
) -> str:
    """``e820: update [mem a-b] old ==> new`` (KERN_DEBUG) after the kernel's size clamp."""
    size = min(size, (1 << 64) - 1 - start)
    old = print_type(old_type, era, has_reserved_kern=has_reserved_kern)
    new = print_type(new_type, era, has_reserved_kern=has_reserved_kern)
    if era is Era.A:
        return f"e820 update range: {start:016x} - {start + size:016x} {old} ==> {new}"
    if era is Era.D:
        return f"e820: update [mem {start:#010x}-{start + size - 1:#010x}]{old} ==>{new}"
    return f"e820: update [mem {start:#010x}-{start + size - 1:#010x}] {old} ==> {new}"


def format_remove(
    start: int, size: int, old_type: int | None, era: Era, *, has_reserved_kern: bool = True
) -> str:
    """``e820: remove [mem a-b] [type]`` (KERN_DEBUG); without a type the line ends in a space."""
    size = min(size, (1 << 64) - 1 - start)
    t = "" if old_type is None else print_type(old_type, era, has_reserved_kern=has_reserved_kern)
    if era is Era.A:
        return f"e820 remove range: {start:016x} - {start + size:016x} {t}"
    if era is Era.D:
        return f"e820: remove [mem {start:#010x}-{start + size - 1:#010x}]{t}"
    return f"e820: remove [mem {start:#010x}-{start + size - 1:#010x}] {t}"


def format_op(op: RangeOp, era: Era, *, has_reserved_kern: bool = True) -> str:
    """The log line of a :class:`RangeOp`."""
    if op.kind is OpKind.UPDATE:
        if op.old_type is None or op.new_type is None:
            raise ValueError(f"update without types: {op}")
        return format_update(
            op.addr, op.size, op.old_type, op.new_type, era, has_reserved_kern=has_reserved_kern
        )
    if op.kind is OpKind.REMOVE:
        return format_remove(
            op.addr, op.size, op.old_type, era, has_reserved_kern=has_reserved_kern
        )
    return format_table_full(op.addr, op.size, era)


def format_table_full(start: int, size: int, era: Era) -> str:
    """The message of a refused __e820__range_add()."""
    rng = f"[mem {start:#010x}-{start + size - 1:#010x}]"
    if era is Era.A:
        return "Ooops! Too many entries in the memory map!"
    if era is Era.B:
        return f"e820: too many entries; ignoring {rng}"
    if era is Era.C:
        return f"too many entries; ignoring {rng}"
    return f"E820 table full; ignoring {rng}"


def format_last_pfn(last_pfn: int, max_arch_pfn: int, era: Era) -> str:
    """``last_pfn = %#lx max_arch_pfn = %#lx`` (``e820: `` prefix in era B)."""
    line = f"last_pfn = {last_pfn:#x} max_arch_pfn = {max_arch_pfn:#x}"
    return f"e820: {line}" if era is Era.B else line


def end_of_ram_pfn(
    entries: Sequence[E820Entry], limit_pfn: int, max_arch_pfn: int = 0x400000000
) -> int:
    """e820__end_ram_pfn(): highest end PFN of RAM/ACPI-data entries below ``limit_pfn``.

    Entries are scanned in table order; an entry crossing ``limit_pfn`` returns
    ``limit_pfn``. Only type 1 and type 3 count (not 128). ``max_arch_pfn`` is
    0x400000000 with 4-level paging.
    """
    last_pfn = 0
    for e in entries:
        if e.type not in (1, 3):
            continue
        start_pfn = e.addr >> 12
        end_pfn = e.end >> 12
        if start_pfn >= limit_pfn:
            continue
        if end_pfn > limit_pfn:
            last_pfn = limit_pfn
            break
        last_pfn = max(last_pfn, end_pfn)
    return min(last_pfn, max_arch_pfn)


def format_kexec_file_memmap(entries: Iterable[E820Entry]) -> list[str]:
    """kexec_file_load debug output (6.8+ kexec_dprintk): ``kexec-bzImage64: E820 memmap:``."""
    lines = ["kexec-bzImage64: E820 memmap:"]
    lines.extend(f"kexec-bzImage64: {e.addr:016x}-{e.last:016x} ({e.type})" for e in entries)
    return lines
