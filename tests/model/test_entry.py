"""E820Entry is a tuple underneath; it behaves as the record the rest of the code reads."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from e820scope.model.records import E820Entry, SourceRef

U64 = st.integers(0, 2**64 - 1)


@given(U64, U64, st.sampled_from([1, 2, 3, 4, 5, 7, 12, 128, 0xEFFFFFFF]), st.text(max_size=8))
def test_equality_and_hash_are_addr_size_type_only(addr: int, size: int, t: int, raw: str) -> None:
    a = E820Entry(addr, size, t, raw, SourceRef("a.log", 3))
    b = E820Entry(addr, size, t, "other", None)
    assert a == b and hash(a) == hash(b)
    assert a.__ne__(b) is False  # != is the negation of ==
    assert a != E820Entry(addr, size + 1, t) and a != E820Entry(addr, size, t + 1)
    assert a != (addr, size, t, raw, "a.log", 3)  # not equal to a bare tuple
    assert (a.addr, a.size, a.type, a.raw_type) == (addr, size, t, raw)
    assert a.end == addr + size and a.last == addr + size - 1


def test_ref_is_made_on_demand_and_survives_copies() -> None:
    e = E820Entry(0x1000, 0x9F000, 1, "usable", SourceRef("x.log", 42))
    assert e.ref == SourceRef("x.log", 42) and E820Entry(0, 1, 1).ref is None
    back = pickle.loads(pickle.dumps(e))
    assert back == e and back.ref == e.ref and back.raw_type == "usable"
    r = e.retyped(128)
    assert (r.type, r.raw_type, r.ref) == (128, "usable", e.ref)
    w = e.with_type(2)
    assert (w.type, w.raw_type, w.ref) == (2, "", e.ref)
    assert "ref=SourceRef(path='x.log', line=42)" in repr(e)
