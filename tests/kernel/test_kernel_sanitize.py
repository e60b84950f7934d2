"""e820__update_table(): properties against a brute-force per-byte oracle, and kernel cases."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from e820scope.kernel.sanitize import U64_MAX, e820__update_table
from e820scope.model.records import E820Entry

TYPES = [1, 2, 3, 4, 5, 7, 12, 128, 0xEFFFFFFF]
NOMERGE = frozenset({12, 0xEFFFFFFF})

entry_st = st.builds(
    E820Entry,
    addr=st.integers(0, 120),
    size=st.integers(0, 40),
    type=st.sampled_from(TYPES),
)
tables = st.lists(entry_st, min_size=2, max_size=12)


def oracle(entries: list[E820Entry], nomerge: frozenset[int]) -> list[E820Entry]:
    """Per-byte: highest covering type; a run breaks where the type changes, and for a
    nomerge type also at every input start/end. Written independently of the sweep."""
    top = max(e.end for e in entries)
    per_byte = [0] * top
    for e in entries:
        for x in range(e.addr, e.end):
            per_byte[x] = max(per_byte[x], e.type)
    cuts = {e.addr for e in entries if e.size} | {e.end for e in entries if e.size}
    out: list[E820Entry] = []
    start = 0
    for x in range(1, top + 1):
        prev = per_byte[x - 1]
        cur = per_byte[x] if x < top else 0
        if cur != prev or (prev in nomerge and x in cuts):
            if prev:
                out.append(E820Entry(start, x - start, prev))
            start = x
    return out


@settings(max_examples=300)
@given(tables, st.booleans())
def test_matches_per_byte_oracle(entries: list[E820Entry], with_nomerge: bool) -> None:
    nomerge = NOMERGE if with_nomerge else frozenset()
    got = e820__update_table(entries, capacity=64, nomerge=nomerge)
    assert got is not None
    assert list(got) == oracle(entries, nomerge)


@settings(max_examples=200)
@given(tables)
def test_sorted_disjoint_merged_idempotent(entries: list[E820Entry]) -> None:
    got = e820__update_table(entries, capacity=64, nomerge=NOMERGE)
    assert got is not None
    for a, b in itertools.pairwise(got):
        assert a.end <= b.addr  # sorted, non-overlapping
        if a.end == b.addr and a.type == b.type:
            assert a.type in NOMERGE  # same-type neighbours are merged otherwise
    assert all(e.size > 0 and e.type != 0 for e in got)
    if len(got) >= 2:
        assert e820__update_table(got, capacity=64, nomerge=NOMERGE) == got


@settings(max_examples=200)
@given(tables)
def test_bytes_per_type_highest_wins(entries: list[E820Entry]) -> None:
    got = e820__update_table(entries, capacity=64, nomerge=NOMERGE)
    assert got is not None
    for t in TYPES:
        covered = set()
        for e in entries:
            covered.update(range(e.addr, e.end))
        want = sum(1 for x in covered if max(e.type for e in entries if e.addr <= x < e.end) == t)
        assert sum(e.size for e in got if e.type == t) == want


@settings(max_examples=100)
@given(tables, st.integers(1, 6))
def test_capacity_drops_the_tail_silently(entries: list[E820Entry], cap: int) -> None:
    entries = entries[:cap] if len(entries) > cap else entries
    if len(entries) < 2:
        return
    full = e820__update_table(entries, capacity=10_000, nomerge=NOMERGE)
    got = e820__update_table(entries, capacity=cap, nomerge=NOMERGE)
    assert full is not None and got is not None
    assert got == full[:cap]


def test_refusals_leave_table_untouched() -> None:
    one = [E820Entry(0, 0x1000, 1)]
    assert e820__update_table(one, capacity=128) is None
    assert e820__update_table([], capacity=128) is None
    wrap = [E820Entry(0, 0x1000, 1), E820Entry(U64_MAX - 0xFFF, 0x1000, 2)]
    assert e820__update_table(wrap, capacity=128) is None
    # ends exactly at 2**64 - 1 inclusive does not wrap
    ok = [E820Entry(0, 0x1000, 1), E820Entry(U64_MAX - 0xFFF, 0xFFF, 2)]
    assert e820__update_table(ok, capacity=128) is not None


def test_reserved_kern_splits_and_does_not_merge_with_ram() -> None:
    ram = E820Entry(0x100000, 0x100000, 1)
    blob = E820Entry(0x150000, 0x70, 128)
    got = e820__update_table([ram, blob], capacity=128)
    assert got == (
        E820Entry(0x100000, 0x50000, 1),
        E820Entry(0x150000, 0x70, 128),
        E820Entry(0x150070, 0x100000 - 0x50070, 1),
    )


def test_pram_abutting_stays_split_only_with_nomerge() -> None:
    a, b = E820Entry(0, 0x1000, 12), E820Entry(0x1000, 0x1000, 12)
    assert e820__update_table([a, b], capacity=128, nomerge=frozenset({12})) == (a, b)
    assert e820__update_table([a, b], capacity=128) == (E820Entry(0, 0x2000, 12),)


def test_empty_entries_vanish_and_overlap_highest_wins() -> None:
    got = e820__update_table(
        [E820Entry(0, 0x10000, 1), E820Entry(0x5000, 0, 2), E820Entry(0x8000, 0x10000, 4)],
        capacity=128,
    )
    assert got == (E820Entry(0, 0x8000, 1), E820Entry(0x8000, 0x10000, 4))


def test_more_entries_than_capacity_is_a_bug() -> None:
    import pytest

    with pytest.raises(ValueError):
        e820__update_table([E820Entry(i, 1, 1) for i in range(5)], capacity=4)
