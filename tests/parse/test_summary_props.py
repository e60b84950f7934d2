"""Arithmetic of the table summary and human sizes (property tests)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from e820scope.model.records import E820Entry, E820Table, TableKind
from e820scope.render.text_tables import human_size, table_summary


def test_human_size_examples() -> None:
    assert human_size(0x9FC00) == "639 KiB"
    assert human_size(254 << 30) == "254 GiB"
    assert human_size(112) == "112 B"
    assert human_size(3 << 29) == "1536 MiB"
    assert human_size(0xBFEE0000) == "3070.9 MiB"


@given(st.integers(min_value=0, max_value=1 << 50))
def test_human_size_exact_units_are_integers(n: int) -> None:
    s = human_size(n)
    num, unit = s.split()
    shift = {"B": 0, "KiB": 10, "MiB": 20, "GiB": 30, "TiB": 40}[unit]
    if "." not in num:
        assert int(num) << shift == n
    else:
        assert abs(float(num) * (1 << shift) - n) <= (1 << shift) * 0.05 + 1


ranges = st.lists(
    st.tuples(st.integers(0, 1 << 20), st.integers(1, 1 << 16), st.sampled_from([1, 2, 3, 4, 128])),
    min_size=1,
    max_size=12,
)


@given(ranges)
def test_summary_accounts_for_every_byte(spec: list[tuple[int, int, int]]) -> None:
    # non-overlapping entries laid out with the given gaps
    entries = []
    pos = 0
    for gap, size, typ in spec:
        pos += gap
        entries.append(E820Entry(pos, size, typ))
        pos += size
    s = table_summary(E820Table(TableKind.FIRMWARE, "BIOS-e820", tuple(entries)), None)
    span = entries[-1].end - entries[0].addr
    assert s.usable_bytes + s.reserved_bytes + s.hole_bytes == span
    assert s.holes == sum(1 for gap, _, _ in spec[1:] if gap > 0)
    assert s.entries == len(spec)
