"""__e820__range_update / e820__range_remove: array-level behaviour, oracle, table-full loss."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from e820scope.kernel.range_ops import apply_range_ops, e820__range_remove, e820__range_update
from e820scope.kernel.sanitize import U64_MAX, e820__update_table
from e820scope.kernel.table import KernelTable, Slot
from e820scope.model.records import E820Entry, OpKind, RangeOp


def table_of(*entries: tuple[int, int, int], capacity: int = 128) -> KernelTable:
    return KernelTable.from_entries((E820Entry(*e) for e in entries), capacity=capacity)


def test_update_inside_entry_keeps_head_and_appends_middle_and_tail() -> None:
    t = table_of((0x1000, 0x9000, 1), (0x100000, 0x100000, 2))
    assert e820__range_update(t, 0x3000, 0x1000, 1, 128) == 0x1000
    assert t.slots == [
        Slot(0x1000, 0x2000, 1),
        Slot(0x100000, 0x100000, 2),
        Slot(0x3000, 0x1000, 128),
        Slot(0x4000, 0x6000, 1),
    ]


def test_update_partial_overlap_head_and_tail() -> None:
    t = table_of((0x1000, 0x4000, 1))
    e820__range_update(t, 0x0, 0x2000, 1, 2)  # covers the head
    assert t.slots == [Slot(0x2000, 0x3000, 1), Slot(0x1000, 0x1000, 2)]
    e820__range_update(t, 0x4000, 0x10000, 1, 2)  # covers the tail
    assert t.slots == [Slot(0x2000, 0x2000, 1), Slot(0x1000, 0x1000, 2), Slot(0x4000, 0x1000, 2)]


def test_update_only_touches_old_type() -> None:
    t = table_of((0, 0x1000, 2), (0x1000, 0x1000, 1))
    e820__range_update(t, 0, 0x2000, 1, 4)
    assert t.slots == [Slot(0, 0x1000, 2), Slot(0x1000, 0x1000, 4)]


def test_update_on_full_table_loses_the_memory_after_start() -> None:
    """Range strictly inside an entry of a full table: the head is shrunk first, both
    appends fail, so [start, entry_end) silently becomes a hole (7fd817c90650 message)."""
    entries = [(i * 0x10000, 0x8000, 1 if i % 2 else 2) for i in range(4)]
    t = table_of(*entries, capacity=4)
    victim = t.slots[1]  # [0x10000, 0x18000) RAM
    e820__range_update(t, 0x12000, 0x10, 1, 128)
    assert [ev.addr for ev in t.full_events] == [0x12000, 0x12010]
    assert victim == Slot(0x10000, 0x2000, 1)
    after = e820__update_table(t.slots, capacity=4)
    assert after is not None
    lost = 0x8000 - 0x2000
    assert sum(e.size for e in after if e.type == 1) == 2 * 0x8000 - lost
    assert not any(e.type == 128 for e in after)


def test_update_partial_on_full_table_loses_the_piece() -> None:
    t = table_of((0, 0x1000, 2), (0x1000, 0x3000, 1), capacity=2)
    e820__range_update(t, 0x3000, 0x2000, 1, 2)
    assert t.slots == [Slot(0, 0x1000, 2), Slot(0x1000, 0x2000, 1)]
    assert len(t.full_events) == 1 and t.full_events[0].size == 0x1000


def test_remove_cases() -> None:
    t = table_of((0, 0x1000, 1), (0x1000, 0x9000, 1), (0x10000, 0x1000, 2))
    assert e820__range_remove(t, 0, 0x1000, 1) == 0x1000  # fully covered: zeroed in place
    assert t.slots[0] == Slot(0, 0, 0)
    e820__range_remove(t, 0x3000, 0x1000, None)  # inside: tail appended
    assert t.slots[1] == Slot(0x1000, 0x2000, 1) and t.slots[-1] == Slot(0x4000, 0x6000, 1)
    e820__range_remove(t, 0x10000, 0x1000, 1)  # type filter: reserved kept
    assert Slot(0x10000, 0x1000, 2) in t.slots


def test_mem_limit_clamps_size_to_u64() -> None:
    """mem=4G: e820__range_remove(4G, ULLONG_MAX - 4G, RAM) as printed in lkml-06."""
    t = table_of((0, 0x9AC00, 1), (0x100000000, 0x1F80000000, 1))
    e820__range_remove(t, 0x100000000, U64_MAX - 0x100000000, 1)
    assert t.slots[1] == Slot(0, 0, 0)


def _per_byte(entries: list[E820Entry], top: int) -> list[int]:
    out = [0] * top
    for e in entries:
        for x in range(e.addr, e.end):
            out[x] = max(out[x], e.type)
    return out


table_st = st.lists(
    st.builds(
        E820Entry,
        addr=st.integers(0, 100),
        size=st.integers(1, 30),
        type=st.sampled_from([1, 2, 3, 4]),
    ),
    min_size=2,
    max_size=8,
).map(lambda es: list(e820__update_table(es, capacity=64) or ()))


@settings(max_examples=300)
@given(table_st, st.integers(0, 140), st.integers(0, 60), st.sampled_from([1, 2]))
def test_update_matches_per_byte_retype(
    entries: list[E820Entry], start: int, size: int, old: int
) -> None:
    t = KernelTable.from_entries(entries, capacity=64)
    e820__range_update(t, start, size, old, 128)
    assert not t.full_events
    top = 200
    before = _per_byte(entries, top)
    want = [128 if (t0 == old and start <= x < start + size) else t0 for x, t0 in enumerate(before)]
    assert _per_byte([E820Entry(s.addr, s.size, s.type) for s in t.slots], top) == want


@settings(max_examples=300)
@given(table_st, st.integers(0, 140), st.integers(0, 60), st.sampled_from([None, 1, 2]))
def test_remove_matches_per_byte(
    entries: list[E820Entry], start: int, size: int, old: int | None
) -> None:
    t = KernelTable.from_entries(entries, capacity=64)
    e820__range_remove(t, start, size, old)
    top = 200
    before = _per_byte(entries, top)
    want = [
        0 if (start <= x < start + size and (old is None or t0 == old)) else t0
        for x, t0 in enumerate(before)
    ]
    assert _per_byte([E820Entry(s.addr, s.size, s.type) for s in t.slots], top) == want


def test_apply_logged_ops_usable_to_usable_is_reserved_kern() -> None:
    t = table_of((0, 0x10000, 1))
    apply_range_ops(
        t,
        [
            RangeOp(OpKind.UPDATE, 0x2000, 0x100, 1, 1),
            RangeOp(OpKind.REMOVE, 0x8000, 0x8000, None),
            RangeOp(OpKind.TABLE_FULL, 0x9000, 0x10),
        ],
    )
    assert sorted((s.addr, s.size, s.type) for s in t.slots if s.size) == [
        (0, 0x2000, 1),
        (0x2000, 0x100, 128),
        (0x2100, 0x5F00, 1),
    ]
