"""Every row of the formats table (e820scope.formats) is reachable end to end.

A who-prefix, a map header or a type string added to formats.py without the grammar
(or the other way round) fails here with the row that is missing.
"""

from __future__ import annotations

import pytest

from e820scope.formats import (
    DEFAULT_ANCHORS,
    HYPERVISOR_MAPS,
    MAP_HEADERS,
    TYPE_NAMES_A,
    TYPE_NAMES_BC,
    TYPE_NAMES_D,
    WHO,
    HypervisorMap,
    MapHeader,
    Who,
)
from e820scope.kernel.printk import table_header
from e820scope.model.records import TableKind
from e820scope.model.types import Era, parse_type_name
from e820scope.parse.builder import HEADER_KINDS, WHO_KIND
from e820scope.parse.classify import classify
from e820scope.parse.facts import NOTHING, EntryFact, HeaderFact


def _anchored(text: str) -> bool:
    return any(a.decode() in text for a in DEFAULT_ANCHORS)


@pytest.mark.parametrize("who", WHO, ids=lambda w: w.text)
def test_every_who_prefix_is_read(who: Who) -> None:
    for line in (
        f"{who.text}: [mem 0x0000000000100000-0x000000007fffffff] usable",
        f"{who.text}: [mem 0x0000000000100000-0x000000007fffffff]  System RAM",
    ):
        assert _anchored(line), f"no anchor finds {line!r}"
        fact = classify(line)
        assert isinstance(fact, EntryFact), line
        assert (fact.who, fact.addr, fact.size, fact.type) == (who.text, 0x100000, 0x7FF00000, 1)
    assert WHO_KIND[who.text] is TableKind(who.kind)


@pytest.mark.parametrize("who", [w for w in WHO if w.header], ids=lambda w: w.text)
def test_every_header_heads_its_block(who: Who) -> None:
    assert who.header is not None
    fact = classify(table_header(who.text, Era.C))
    assert isinstance(fact, HeaderFact)
    heads = next(m for m in MAP_HEADERS if m.word == fact.word)
    assert who.kind in heads.kinds


@pytest.mark.parametrize("header", MAP_HEADERS, ids=lambda m: m.word)
def test_every_map_header_is_read_in_eras_b_and_c(header: MapHeader) -> None:
    for prefix in ("", "e820: "):
        line = f"{prefix}{header.word} physical RAM map:"
        assert _anchored(line)
        fact = classify(line)
        assert isinstance(fact, HeaderFact)
        assert fact.word == header.word


@pytest.mark.parametrize(
    ("names", "fmt"),
    [
        (TYPE_NAMES_A, " BIOS-e820: 0000000000100000 - 0000000080000000 ({})"),
        (TYPE_NAMES_BC, "BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] {}"),
        (TYPE_NAMES_D, "BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff]  {}"),
    ],
    ids=["era-A", "era-BC", "era-D"],
)
def test_every_type_string_is_read(names: dict[str, int], fmt: str) -> None:
    for name, code in names.items():
        assert parse_type_name(name) == code
        fact = classify(fmt.format(name))
        assert isinstance(fact, EntryFact) and fact.type == code, name
        assert fact.size == 0x7FF00000


@pytest.mark.parametrize("hv", [h for h in HYPERVISOR_MAPS if h.prefix], ids=lambda h: h.prefix)
def test_every_hypervisor_map_is_read(hv: HypervisorMap) -> None:
    for word in hv.words:
        line = f"{hv.prefix} {word} {'memory' if word == 'Dom0' else 'RAM'} map:"
        assert _anchored(line), line
        fact = classify(line)
        assert isinstance(fact, HeaderFact) and fact.word == word, line
        assert HEADER_KINDS[word] == (TableKind(hv.kind),)
    for line, end in (
        (f"{hv.prefix}  [0000000000100000, 000000007fffffff] (usable)", 0x80000000),
        (f"{hv.prefix}  0000000000100000 - 0000000080000000 (usable)", 0x80000000),
        (f"{hv.prefix} 0000000000100000 - 0000000080000000 (ACPI NVS)", 0x80000000),
    ):
        assert _anchored(line), line
        fact = classify(line)
        assert isinstance(fact, EntryFact), line
        assert (fact.who, fact.addr, fact.end, fact.era) == (hv.who, 0x100000, end, None)
    assert WHO_KIND[hv.who] is TableKind(hv.kind)


def test_seabios_map_is_read() -> None:
    """SeaBIOS's dump_map(), as relayed by Xen 4.4 hvmloader (XenGT-Preview-kernel#7)."""
    (hv,) = [h for h in HYPERVISOR_MAPS if h.who == "SeaBIOS"]
    ((word, _rule),) = hv.words.items()
    line = f"{word} 8 items:"
    assert _anchored(line)
    fact = classify(line)
    assert isinstance(fact, HeaderFact) and fact.word == word
    assert HEADER_KINDS[word] == (TableKind(hv.kind),)
    line = "  5: 00000000fc000000 - 00000000fdffd000 = 2 RESERVED"
    assert _anchored(line)
    fact = classify(line)
    assert isinstance(fact, EntryFact)
    assert (fact.who, fact.addr, fact.end, fact.type) == (hv.who, 0xFC000000, 0xFDFFD000, 2)
    assert WHO_KIND[hv.who] is TableKind(hv.kind)


def test_hvmloader_map_is_read() -> None:
    """Xen hvmloader's dump_e820_table(), as in xen commit 3840e98f3e72 ('(d2) ' peeled)."""
    (hv,) = [h for h in HYPERVISOR_MAPS if h.who == "hvmloader"]
    ((word, _rule),) = hv.words.items()
    assert _anchored(word)
    fact = classify(word)
    assert isinstance(fact, HeaderFact) and fact.word == word
    assert HEADER_KINDS[word] == (TableKind(hv.kind),)
    for line, end, code in (
        (" [03]: 00000000:fc000000 - 00000001:00000000: RESERVED", 0x100000000, 2),
        (" [03]: 00000000:fc000000 - 00000001:00000000: UNKNOWN (0000000c)", 0x100000000, 12),
    ):
        assert _anchored(line)
        fact = classify(line)
        assert isinstance(fact, EntryFact) and not fact.problem
        assert (fact.who, fact.addr, fact.end, fact.type) == (hv.who, 0xFC000000, end, code)
    hole = " HOLE: 00000000:7f800000 - 00000000:fc000000"
    assert _anchored(hole)
    fact = classify(hole)
    assert fact is NOTHING
    assert WHO_KIND[hv.who] is TableKind(hv.kind)
