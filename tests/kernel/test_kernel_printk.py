"""Exact print lines per era, checked against real log lines (samples/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from e820scope.kernel import printk
from e820scope.model.records import E820Entry, OpKind, RangeOp
from e820scope.model.types import Era, parse_type_name

_TS = re.compile(r"^\[\s*\d+\.\d+\] ")
_BRACKET = re.compile(
    r"^(?P<who>[^:]+): \[mem 0x(?P<a>[0-9a-f]+)-0x(?P<b>[0-9a-f]+)\]\s+(?P<t>.+)$"
)
_ERA_A = re.compile(r"^ (?P<who>[^:]+): (?P<a>[0-9a-f]{16}) - (?P<b>[0-9a-f]{16}) (?P<t>.+)$")


def lines(path: Path, first: int, last: int) -> list[str]:
    """Lines first..last (1-based, inclusive) with the printk timestamp removed."""
    text = path.read_text(errors="replace").splitlines()[first - 1 : last]
    return [_TS.sub("", line) for line in text]


def entries_of(block: list[str]) -> list[E820Entry]:
    out = []
    for line in block:
        m = _BRACKET.match(line)
        if m:
            code = parse_type_name(m.group("t"))
            assert code is not None
            out.append(E820Entry.from_inclusive(int(m["a"], 16), int(m["b"], 16), code))
            continue
        m = _ERA_A.match(line)
        if m:
            code = parse_type_name(m.group("t"))
            assert code is not None
            out.append(E820Entry(int(m["a"], 16), int(m["b"], 16) - int(m["a"], 16), code))
    return out


@pytest.mark.parametrize(
    ("rel", "first", "last", "era"),
    [
        ("public/lkml-11.log", 43, 51, Era.A),  # 2.6.9: leading space, exclusive end
        ("public/blog-13.log", 29, 35, Era.B),  # 4.9: "e820: " header prefix
        ("lab/patched-6.1-ovmf-4g-chain.log", 4, 20, Era.C),
        ("public/lkml-15-newfmt.log", 181, 207, Era.D),  # 7.0: double space, [gap] lines
    ],
)
def test_table_block_round_trip(samples: Path, rel: str, first: int, last: int, era: Era) -> None:
    block = lines(samples / rel, first, last)
    entries = entries_of(block)
    assert len(entries) >= 6
    assert printk.format_table(entries, "BIOS-e820", era) == block


def test_reserve_setup_data_header_has_no_prefix_in_era_b() -> None:
    assert printk.table_header("reserve setup_data", Era.B) == "extended physical RAM map:"
    assert printk.table_header("extended", Era.B) == "e820: extended physical RAM map:"
    assert printk.table_header("user", Era.C) == "user-defined physical RAM map:"


def test_type_128_printed_per_version() -> None:
    e = E820Entry(0x1000, 0x10, 128)
    assert printk.format_entry(e, "x", Era.C).endswith("] usable")
    assert printk.format_entry(e, "x", Era.C, has_reserved_kern=False).endswith("] type 128")
    assert printk.format_entry(e, "x", Era.D, has_reserved_kern=False).endswith("]  type 128")
    assert printk.format_entry(e, "x", Era.A).endswith(" (usable)")


@pytest.mark.parametrize(
    ("rel", "line", "op", "era"),
    [
        ("public/linuxhw-14.log", 38, RangeOp(OpKind.UPDATE, 0, 0x1000, 1, 2), Era.C),
        ("public/linuxhw-14.log", 39, RangeOp(OpKind.REMOVE, 0xA0000, 0x60000, 1), Era.C),
        ("public/notes-03.log", 57, RangeOp(OpKind.UPDATE, 0x7F54C018, 0x1FC40, 1, 128), Era.B),
        ("public/lkml-15-newfmt.log", 227, RangeOp(OpKind.UPDATE, 0, 0x1000, 1, 2), Era.D),
        (
            "public/lkml-15-newfmt.log",
            214,
            RangeOp(OpKind.REMOVE, 0xE0000000, 0x10000000, 2),
            Era.D,
        ),
    ],
)
def test_op_lines(samples: Path, rel: str, line: int, op: RangeOp, era: Era) -> None:
    assert printk.format_op(op, era) == lines(samples / rel, line, line)[0]


def test_mem_limit_remove_line_lkml_06(samples: Path) -> None:
    want = lines(samples / "public/lkml-06.log", 157, 157)[0]
    got = printk.format_remove(0x100000000, (1 << 64) - 1 - 0x100000000, 1, Era.C)
    assert got == want


def test_untyped_remove_keeps_trailing_space() -> None:
    assert (
        printk.format_remove(0x1000, 0x1000, None, Era.C)
        == "e820: remove [mem 0x00001000-0x00001fff] "
    )


def test_last_pfn(samples: Path) -> None:
    assert (
        printk.format_last_pfn(0x3FDC, 0x400000000, Era.B)
        == lines(samples / "public/blog-13.log", 38, 38)[0]
    )
    assert (
        printk.format_last_pfn(0x10C0000, 0x400000000, Era.C)
        == lines(samples / "public/linuxhw-14.log", 40, 40)[0]
    )


def test_end_of_ram_pfn_lab_gen1(samples: Path) -> None:
    """Lab gen 1: last_pfn = 0x140000 (all RAM) then 0xbfef4 (below 4 GiB)."""
    block = lines(samples / "lab/patched-6.1-ovmf-4g-chain.log", 5, 20)
    entries = entries_of(block)
    assert printk.end_of_ram_pfn(entries, 0x400000000) == 0x140000
    assert printk.end_of_ram_pfn(entries, 1 << 20) == 0xBFEF4


def test_table_full_messages() -> None:
    assert printk.format_table_full(0x1000, 0x10, Era.C) == (
        "too many entries; ignoring [mem 0x00001000-0x0000100f]"
    )
    assert printk.format_table_full(0x1000, 0x10, Era.D).startswith("E820 table full; ignoring")
