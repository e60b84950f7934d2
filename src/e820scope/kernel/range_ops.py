"""``__e820__range_update()`` and ``e820__range_remove()``, slot for slot as the kernel.

Same case analysis in 3.4 ... 7.1.3 (``e820_update_range``/``e820_remove_range`` before
4.12). For each entry of the old type (any entry for a type-less remove):

* entry inside ``[start, end)``: retyped in place (remove: zeroed in place);
* range strictly inside the entry: the head stays in place, the middle (update only)
  and the tail are appended at the end of the array;
* partial overlap: the overlapping piece is appended with the new type (update only)
  and the entry is shrunk from the head or the tail.

The loop bound is re-read every iteration, so appended pieces are visited too (they
never match again). When an append fails because the table is full, the entry has
already been shrunk: that memory silently becomes a hole — the mechanism behind
"losing usable memory" in 7fd817c90650's message. Nothing is sorted here; callers
sanitize afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model.records import OpKind, RangeOp
from ..model.types import E820Type
from .sanitize import U64_MAX
from .table import KernelTable


def _clamp(start: int, size: int) -> tuple[int, int]:
    """``if (size > ULLONG_MAX - start) size = ULLONG_MAX - start;`` -> (size, end)."""
    if size > U64_MAX - start:
        size = U64_MAX - start
    return size, start + size


def e820__range_update(
    table: KernelTable, start: int, size: int, old_type: int, new_type: int
) -> int:
    """``__e820__range_update(table, ...)``; returns the bytes retyped (real_updated_size).

    Also used for ``e820__range_update_table()`` / ``e820__range_update_kexec()``.
    """
    if old_type == new_type:
        raise ValueError("old_type == new_type (the kernel BUG()s)")
    size, end = _clamp(start, size)
    updated = 0
    i = 0
    while i < len(table.slots):
        entry = table.slots[i]
        i += 1
        if entry.type != old_type:
            continue
        entry_end = entry.addr + entry.size
        if entry.addr >= start and entry_end <= end:
            entry.type = new_type
            updated += entry.size
            continue
        if entry.addr < start and entry_end > end:
            table.range_add(start, size, new_type)
            table.range_add(end, entry_end - end, entry.type)
            entry.size = start - entry.addr
            updated += size
            continue
        final_start = max(start, entry.addr)
        final_end = min(end, entry_end)
        if final_start >= final_end:
            continue
        table.range_add(final_start, final_end - final_start, new_type)
        updated += final_end - final_start
        entry.size -= final_end - final_start
        if entry.addr < final_start:
            continue
        entry.addr = final_end
    return updated


#: 6.9+ exports the generic helper under this name; same function.
e820__range_update_table = e820__range_update


def e820__range_remove(table: KernelTable, start: int, size: int, old_type: int | None) -> int:
    """``e820__range_remove(start, size, old_type, check_type)``; ``old_type=None`` = no check.

    Returns the bytes removed (real_removed_size; 7.0 dropped the return value).
    """
    size, end = _clamp(start, size)
    removed = 0
    i = 0
    while i < len(table.slots):
        entry = table.slots[i]
        i += 1
        if old_type is not None and entry.type != old_type:
            continue
        entry_end = entry.addr + entry.size
        if entry.addr >= start and entry_end <= end:
            removed += entry.size
            entry.addr = entry.size = entry.type = 0
            continue
        if entry.addr < start and entry_end > end:
            table.range_add(end, entry_end - end, entry.type)
            entry.size = start - entry.addr
            removed += size
            continue
        final_start = max(start, entry.addr)
        final_end = min(end, entry_end)
        if final_start >= final_end:
            continue
        removed += final_end - final_start
        entry.size -= final_end - final_start
        if entry.addr < final_start:
            continue
        entry.addr = final_end
    return removed


def apply_range_ops(table: KernelTable, ops: Iterable[RangeOp]) -> None:
    """Replay logged ``e820: update`` / ``e820: remove`` lines on ``table`` (no sanitize).

    ``TABLE_FULL`` records are consequences, not operations, and are skipped. An update
    printed ``usable ==> usable`` can only be RAM -> RESERVED_KERN (e820_print_type()
    prints 128 as ``usable`` up to 6.14; nothing converts 128 back to RAM), so it is
    replayed as 1 -> 128. Any other update with equal types is skipped.
    """
    for op in ops:
        if op.kind is OpKind.UPDATE:
            if op.old_type is None or op.new_type is None:
                raise ValueError(f"update without types: {op}")
            old, new = op.old_type, op.new_type
            if old == new == E820Type.RAM:
                new = E820Type.RESERVED_KERN
            elif old == new:
                continue
            e820__range_update(table, op.addr, op.size, old, new)
        elif op.kind is OpKind.REMOVE:
            e820__range_remove(table, op.addr, op.size, op.old_type)
