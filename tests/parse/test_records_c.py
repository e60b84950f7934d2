"""The table helpers and the record maker of ``_speedups._records``.

* ``bounds``, ``finish()``'s table bounds, equals its Python twin (``finish._bounds_py``,
  plain ``max``/``min`` over the entries): property test over random tables, including
  values that do not fit in 64 bits (the C reader must step aside, not wrap around),
  plus the refusals.
* ``seal``, the entries tuple of a frozen block: equal to ``tuple()``, and left out of
  the cyclic collector's walks only when that cannot hide anything from it.
* ``Maker``, the positional constructor of the records built for every boot: the same
  object the class builds, field for field, and refusals of what it cannot build.
"""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from e820scope._speedups import maker
from e820scope.model import records as records_mod
from e820scope.model.records import E820Entry, SourceRef
from e820scope.parse import builder as builder_mod
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


# -- Maker: the positional constructor of the records built for every boot ------------

_ANY = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.booleans())


@pytest.mark.parametrize(
    "cls",
    [
        records_mod.Boot,
        records_mod.E820Table,
        records_mod.BootStart,
        records_mod.Completeness,
        builder_mod.BlockAcc,
        builder_mod.BootBuilder,
    ],
    ids=lambda c: c.__name__,
)
@given(data=st.data())
def test_maker_builds_what_the_class_builds(cls: type, data: st.DataObject) -> None:
    _compiled()
    mk = maker(cls)
    assert type(mk).__name__ == "Maker" and mk.cls is cls  # type: ignore[attr-defined]
    values = [data.draw(_ANY) for _ in dataclasses.fields(cls)]
    made, plain = mk(*values), cls(*values)
    assert type(made) is cls
    assert all(
        getattr(made, f.name) is v for f, v in zip(dataclasses.fields(cls), values, strict=True)
    )
    assert [getattr(made, f.name) for f in dataclasses.fields(cls)] == [
        getattr(plain, f.name) for f in dataclasses.fields(cls)
    ]
    assert gc.is_tracked(made) == gc.is_tracked(plain)


def test_maker_refuses_what_it_cannot_build() -> None:
    records = _compiled()
    mk = maker(records_mod.BootStart)
    with pytest.raises(TypeError):
        mk(records_mod.StartMethod.COLD)  # every field must be given
    with pytest.raises(TypeError):
        mk(records_mod.StartMethod.COLD, evidence="x")
    Maker = records.Maker  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        Maker(records_mod.BootStart, ("method",))  # not every slot
    with pytest.raises(TypeError):
        Maker(records_mod.BootStart, ("method", "method"))
    with pytest.raises(TypeError):
        Maker(records_mod.BootStart, ("method", "nope"))

    class Plain:
        def __init__(self, a: int) -> None:
            self.a = a

    with pytest.raises(TypeError):
        Maker(Plain, ("a",))  # instances have a __dict__
    assert maker(Plain) is Plain  # not a dataclass: the class itself

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError

    assert maker(Checked) is Checked  # __post_init__ must run


def test_new_builder_is_the_class_with_its_defaults() -> None:
    fw = ("SeaBIOS", "SeaBIOS (version 1.16)", SourceRef("f", 1))
    got = builder_mod.new_builder("f", 7, True, False, "kexec -s", fw)
    want = builder_mod.BootBuilder(
        "f", 7, 7, after_kexec=True, explicit_start=False, prev_kexec_cmd="kexec -s", firmware=fw
    )
    assert got == want
    got.tables.append(None)  # type: ignore[arg-type]
    assert builder_mod.new_builder("f", 7, True, False, "kexec -s", fw).tables == []


@given(
    st.lists(
        st.builds(
            E820Entry,
            st.one_of(st.integers(0, 2**20), _NUM),
            st.sampled_from([112, 4096, 2**65]),
            st.sampled_from([1, 2, 2**64]),
            st.just(""),
            st.just(SourceRef("t", 1)),
        ),
        max_size=20,
    ),
    st.sampled_from([1, 4096, 2**12 * 3 + 1]),
)
def test_unaligned_equals_python_twin(entries: list[E820Entry], align: int) -> None:
    records = _compiled()
    t = tuple(entries)
    if align & (align - 1):
        with pytest.raises(TypeError):
            records.unaligned(E820Entry, t, 112, 1, align)  # type: ignore[attr-defined]
        return
    want = finish._unaligned_py(t, 112, 1, align)
    got = records.unaligned(E820Entry, t, 112, 1, align)  # type: ignore[attr-defined]
    fits = all(max(e.addr, e.size, e.type) < 2**64 for e in t)
    if fits:
        assert got is want
    else:
        assert got in (None, want)  # None: the caller asks the twin
    assert finish._unaligned(t, 112, 1, align) is want
