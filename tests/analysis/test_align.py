"""Address-range alignment: shapes on real map lines, and properties on random tables."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from e820scope.analysis.align import ChangeKind, align, segments
from e820scope.model.records import E820Entry


def mem(first: int, last: int, t: int = 1) -> E820Entry:
    return E820Entry.from_inclusive(first, last, t)


# patched-6.1-ovmf-4g-chain.log lines 10 (gen 1) and 259-261 (gen 2).
GEN1_BIG = mem(0x900000, 0xBEA9FFFF)
GEN2_PIECES = (
    mem(0x900000, 0xBDC9E017),
    mem(0xBDC9E018, 0xBDCA7C57, 128),
    mem(0xBDCA7C58, 0xBEA9FFFF),
)


def test_split_one_into_three() -> None:
    (c,) = align([GEN1_BIG], GEN2_PIECES)
    assert c.kind is ChangeKind.SPLIT
    assert c.after == GEN2_PIECES and c.a_idx == (0,) and c.b_idx == (0, 1, 2)


def test_merge_is_the_reverse() -> None:
    (c,) = align(GEN2_PIECES, [GEN1_BIG])
    assert c.kind is ChangeKind.MERGED


def test_unchanged_type_change_grown_shrunk_added_removed() -> None:
    # lkml-10-kexec.log lines 88/366 (0x100 vs 0 start) and 368 (e4000 only in the cold boot).
    a = [E820Entry(0x100, 0x9B800 - 0x100, 1), E820Entry(0x100000, 0xCFF70000 - 0x100000, 1)]
    b = [
        E820Entry(0, 0x9B800, 1),
        E820Entry(0xE4000, 0x1C000, 2),
        E820Entry(0x100000, 0xCFF70000 - 0x100000, 1),
    ]
    kinds = [c.kind for c in align(a, b)]
    assert kinds == [ChangeKind.GROWN, ChangeKind.ADDED, ChangeKind.UNCHANGED]
    kinds = [c.kind for c in align(b, a)]
    assert kinds == [ChangeKind.SHRUNK, ChangeKind.REMOVED, ChangeKind.UNCHANGED]
    (c,) = align([mem(0x1000, 0x1FFF, 1)], [mem(0x1000, 0x1FFF, 2)])
    assert c.kind is ChangeKind.TYPE_CHANGE


def test_rearranged_and_resized() -> None:
    a = [mem(0, 0xFFF), mem(0x1000, 0x1FFF, 2)]
    b = [mem(0, 0x7FF), mem(0x800, 0x1FFF, 2)]
    (c,) = align(a, b)
    assert c.kind is ChangeKind.REARRANGED
    (c,) = align([mem(0, 0xFFF)], [mem(0x800, 0x17FF)])
    assert c.kind is ChangeKind.RESIZED


def test_overlap_inside_one_map_highest_type_wins() -> None:
    a = [mem(0, 0xFFF, 1), mem(0x800, 0x8FF, 2)]
    segs = segments(a, [])
    assert [(s.addr, s.end, s.a) for s in segs] == [
        (0, 0x800, 0),
        (0x800, 0x900, 1),
        (0x900, 0x1000, 0),
    ]


# --- properties ---------------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> list[E820Entry]:
    """Sorted, non-overlapping tables with holes, like a sanitized e820 table."""
    n = draw(st.integers(0, 12))
    out: list[E820Entry] = []
    pos = draw(st.integers(0, 0x10)) * 0x100
    for _ in range(n):
        pos += draw(st.integers(0, 3)) * 0x100
        size = draw(st.integers(1, 8)) * 0x100
        out.append(E820Entry(pos, size, draw(st.sampled_from([1, 2, 3, 4, 128]))))
        pos += size
    return out


@given(tables())
@settings(max_examples=200, deadline=None)
def test_diff_with_itself_is_unchanged(t: list[E820Entry]) -> None:
    changes = align(t, t)
    assert all(c.kind is ChangeKind.UNCHANGED for c in changes)
    assert len(changes) == len(t)


@given(tables(), tables())
@settings(max_examples=300, deadline=None)
def test_every_entry_and_byte_accounted_once(a: list[E820Entry], b: list[E820Entry]) -> None:
    changes = align(a, b)
    assert sorted(i for c in changes for i in c.a_idx) == list(range(len(a)))
    assert sorted(j for c in changes for j in c.b_idx) == list(range(len(b)))
    segs = [s for c in changes for s in c.segments]
    # segments do not overlap and cover exactly the union of A and B
    segs.sort(key=lambda s: s.addr)
    assert all(x.end <= y.addr for x, y in itertools.pairwise(segs))
    covered = {p for e in (*a, *b) for p in range(e.addr, e.end, 0x100)}
    assert {p for s in segs for p in range(s.addr, s.end, 0x100)} == covered
    # bytes per type before/after match the tables
    for side, table in (("a", a), ("b", b)):
        per_type: dict[int, int] = {}
        for s in segs:
            idx = s.a if side == "a" else s.b
            if idx is not None:
                per_type[table[idx].type] = per_type.get(table[idx].type, 0) + s.size
        expect: dict[int, int] = {}
        for e in table:
            expect[e.type] = expect.get(e.type, 0) + e.size
        assert per_type == expect
