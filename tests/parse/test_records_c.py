"""The two table helpers of ``_speedups._records``.

* ``bounds``, ``finish()``'s table bounds, equals its Python twin (``finish._bounds_py``,
  plain ``max``/``min`` over the entries): property test over random tables, including
  values that do not fit in 64 bits (the C reader must step aside, not wrap around),
  plus the refusals.
* ``seal``, the entries tuple of a frozen block: equal to ``tuple()``, and left out of
  the cyclic collector's walks only when that cannot hide anything from it.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from e820scope.model.records import E820Entry, SourceRef
from e820scope.parse import finish, iter_boots
from e820scope.parse.builder import fast_entry

_U64 = 2**64 - 1
# addresses and sizes near the 64-bit edge as well as small ones, so sums may overflow
_NUM = st.one_of(st.integers(0, 2**40), st.integers(_U64 - 2**40, _U64), st.integers(0, 2**66))
_TYPE = st.sampled_from([1, 2, 3, 4, 5, 7, 12, 13, 128, 20])
_ENTRY = st.builds(E820Entry, _NUM, _NUM, _TYPE, st.just(""), st.just(SourceRef("t", 1)))


def _compiled() -> object:
    records = finish._records
    if records is None:
        pytest.skip("the _records accelerator is not built (pure Python in use)")
    return records


@given(st.lists(_ENTRY, max_size=40))
def test_bounds_equal_python_twin(entries: list[E820Entry]) -> None:
    records = _compiled()
    t = tuple(entries)
    want = finish._bounds_py(t)
    got = records.bounds(E820Entry, t, 1, 128)  # type: ignore[attr-defined]
    fits = all(e.addr + e.size <= _U64 and e.size <= _U64 for e in t)
    if fits:
        assert got == want
    else:
        assert got is None  # the caller falls back to the twin
    table = finish.E820Table(finish.TableKind.FIRMWARE, "BIOS-e820", t)
    assert finish._bounds(table) == want


def test_bounds_by_hand() -> None:
    ref = SourceRef("t", 1)
    t = (
        E820Entry(0x100000, 0x1000, 2, "", ref),
        E820Entry(0x1000, 0x9F000, 1, "", ref),
        E820Entry(0x200000, 0x100000, 128, "", ref),
        E820Entry(0xFEC00000, 0x1000, 2, "", ref),
    )
    table = finish.E820Table(finish.TableKind.FIRMWARE, "BIOS-e820", t)
    assert finish._bounds(table) == (0xFEC01000, 0x1000, 0x300000)
    assert finish._bounds_py(()) == (0, None, 0)
    no_ram = finish.E820Table(finish.TableKind.FIRMWARE, "BIOS-e820", t[:1])
    assert finish._bounds(no_ram) == (0x101000, None, 0)


def test_bounds_refuses_what_it_cannot_read() -> None:
    records = _compiled()
    bounds = records.bounds  # type: ignore[attr-defined]
    ref = SourceRef("t", 1)
    with pytest.raises(TypeError):
        bounds(E820Entry, (ref,), 1, 128)  # not an entry
    with pytest.raises(TypeError):
        bounds(SourceRef, (), 1, 128)  # no addr/size/type slots
    with pytest.raises(TypeError):
        bounds(E820Entry, [E820Entry(0, 1, 1)], 1, 128)  # a list, not a tuple
    odd = E820Entry(-5, 1, 1, "", ref)  # not an unsigned 64-bit value: the twin decides
    assert bounds(E820Entry, (odd,), 1, 128) is None


def test_seal_is_tuple_and_untracked_only_when_safe(samples: Path) -> None:
    records = _compiled()
    seal = records.seal  # type: ignore[attr-defined]
    boots = list(iter_boots(samples / "lab" / "stock-6.1-ovmf-6g-chain.log"))
    tables = [t for b in boots for t in b.tables]
    assert len(tables) == 10
    # what freeze() keeps: every entry built in C (by the fold, by entries() or by
    # entry() for a block's first line), so no table is walked by the collector
    assert not any(gc.is_tracked(e) for t in tables for e in t.entries)
    assert not any(gc.is_tracked(t.entries) for t in tables)
    entries = list(tables[-1].entries)
    sealed = seal(entries)
    assert type(sealed) is tuple and sealed == tuple(entries)
    assert not gc.is_tracked(sealed)
    for odd in ([], [1, "a"]):
        assert seal(odd) == tuple(odd)
    tracked: list[object] = [*entries, [1]]  # a tracked container among the items
    assert gc.is_tracked(seal(tracked))
    assert gc.is_tracked(seal([*entries, {}]))  # a dict may be tracked later
    assert gc.is_tracked(seal([E820Entry(0, 1, 1)]))  # built in Python: tracked
    with pytest.raises(TypeError):
        seal((1, 2))


def test_entry_equals_python_twin() -> None:
    records = _compiled()
    ref = SourceRef("x.log", 7)
    got = records.entry(E820Entry, 0x1000, 0x9F000, 1, "usable", ref)  # type: ignore[attr-defined]
    want = fast_entry(0x1000, 0x9F000, 1, "usable", ref)
    assert type(got) is E820Entry and repr(got) == repr(want) and got.ref is ref
    assert not gc.is_tracked(got) and gc.is_tracked(want)
    with pytest.raises(AttributeError):  # no such slots (as entries() says)
        records.entry(SourceRef, 1, 2, 3, "", ref)  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        records.entry(E820Entry, 1, 2, 3, "")  # type: ignore[attr-defined]
