"""Every regular expression run on input lines is linear in the line's length.

Pathological lines of growing length are timed and the growth is asserted as a ratio:
8x longer may cost at most :data:`MAX_GROWTH` times more (linear: ~8; quadratic: ~64).
Before the rewrite, one line of ``'e820' * 100000`` (400 KB) took 18.7 s in ``parse``.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from e820scope.errors import E820ScopeError
from e820scope.ingest import qp, rejoin, sniff
from e820scope.live import iomem, module_files, snapshot
from e820scope.parse.api import parse_input

#: growth factor of the line length
GROW = 8
#: the most the cost may grow for GROW times longer lines (3x slack over linear)
MAX_GROWTH = 24

#: name -> line of about ``n`` characters
LINES: dict[str, Callable[[int], str]] = {
    "e820": lambda n: "e820" * (n // 4),
    "bios": lambda n: "BIOS-e820: " * (n // 11),
    "mem": lambda n: "[mem 0x" * (n // 7),
    "user": lambda n: "user: " * (n // 6) + "x=",
    "soft-break": lambda n: "e820" + "=" * n + "x",
    "wdiff": lambda n: "BIOS-e820: " + "[-" * (n // 2) + "x",
    "wdiff-end": lambda n: "[-" * (n // 2) + "]-]",
    "border": lambda n: "BIOS-e820:" + " " * n + "x |",
    "memory": lambda n: "Memory: " * (n // 8),
    "memory-digits": lambda n: "Memory: " + "1" * n,
    "brackets": lambda n: "[" * n,
    "stamps": lambda n: "[    0.0" * (n // 8),
    "blanks": lambda n: " " * n + "x",
    "hex": lambda n: "BIOS-e820: [mem 0x" + "0" * n,
    "levels": lambda n: "<6>" * (n // 3),
    "colons": lambda n: "Jan  1 00:00:00 host kernel: " + ": " * (n // 2),
    "qp-escapes": lambda n: "=3D" * (n // 3),
    "ubuntu": lambda n: "Ubuntu " * (n // 7),
    "hyphen-hex": lambda n: "0-" * (n // 2),
    "ansi": lambda n: "\x1b[1;" * (n // 4),
    "quoting": lambda n: "> " * (n // 2) + "BIOS-e820: x",
    "carriage-returns": lambda n: "\r" * n + "x",
    "kmsg": lambda n: "6,1,0,-;" * (n // 8),
    "dmesg-T": lambda n: "[Mon Jan  1 00:00:00 2024] " * (n // 27),
}


def _cost(fn: Callable[[str], object], arg: str) -> float:
    """Seconds per call: the best of 5 rounds, each at least 20 ms long."""
    reps = 1
    while True:
        t = time.perf_counter()
        for _ in range(reps):
            fn(arg)
        took = time.perf_counter() - t
        if took >= 0.02:
            break
        reps *= 2
    best = took / reps
    for _ in range(4):
        t = time.perf_counter()
        for _ in range(reps):
            fn(arg)
        best = min(best, (time.perf_counter() - t) / reps)
    return best


def assert_linear(fn: Callable[[str], object], make: Callable[[int], str], n: int) -> None:
    small, big = make(n), make(n * GROW)
    ratio = _cost(fn, big) / _cost(fn, small)
    assert ratio < MAX_GROWTH, f"{GROW}x longer cost {ratio:.1f}x more"


def _container(line: str) -> None:
    """Everything the container layer's own patterns do with one line."""
    b = line.encode()
    qp.SOFT_BREAK_E820.search(b)
    qp.SOFT_BREAK_E820_LINES.search(b)
    qp.decode(b)
    qp.header_encoding(line)
    sniff.sniff(b)
    rejoin.may_continue(line)
    rejoin.join(line, [line, line])
    rejoin.tidy_screen(line)
    rejoin.screen_truncated(line)
    rejoin.pager_truncated(line, "syslog")


_MODULE_HEADER = "# t nr_entries=1 capacity=1 zeropage_max=1 kernel=x"


def _live(line: str) -> None:
    iomem.parse_iomem(line)
    module_files.parse_status(line)
    snapshot.running_version("6.1.0-1-amd64", line)
    with contextlib.suppress(module_files.ModuleFormatError):
        module_files.parse_module_table(f"{_MODULE_HEADER}\n{line}")


@pytest.mark.parametrize("name", sorted(LINES))
def test_container_patterns_are_linear(name: str) -> None:
    assert_linear(_container, LINES[name], 4000)


@pytest.mark.parametrize("name", sorted(LINES))
def test_live_patterns_are_linear(name: str) -> None:
    assert_linear(_live, LINES[name], 4000)


@pytest.mark.parametrize(
    "name",
    ["e820", "bios", "mem", "wdiff", "border", "blanks", "stamps", "ansi", "quoting", "kmsg"],
)
@pytest.mark.parametrize("prefix", ["", "[    0.000000] ", "Jan  1 00:00:00 host kernel: "])
def test_parse_is_linear_in_a_line(tmp_path: Path, name: str, prefix: str) -> None:
    """The whole parser on one pathological line in a real-looking log."""
    p = tmp_path / "x.log"

    def parse(line: str) -> None:
        p.write_text(f"{prefix}Linux version 6.1.0 (x@y) #1 SMP\n{prefix}{line}\n")
        with contextlib.suppress(E820ScopeError):
            parse_input(p)

    assert_linear(parse, LINES[name], 25_000)


# ---- the rewrites mean what the quadratic originals meant ---------------------------

_ALPHABET = st.sampled_from(
    ["e820", "BIOS-e8", "user: ", "[mem ", "=", "\r", " ", "x", "[-", "]-]", "]", "|", "\t"]
)
_TEXT = st.lists(_ALPHABET, max_size=12).map("".join)

_OLD_SOFT_BREAK = re.compile(rb"(?:BIOS-e8|e820|user: |\[mem ).*=\r?$")
_OLD_WDIFF = re.compile(r"\[-[^\]]*\]-\]\s*$")
_OLD_BORDER = re.compile(r"\s{3,}\|\s*$")


@given(_TEXT)
def test_soft_break_pattern_is_unchanged(text: str) -> None:
    b = text.encode()
    old = bool(_OLD_SOFT_BREAK.search(b))
    assert bool(qp.SOFT_BREAK_E820.search(b)) == old
    assert bool(qp.SOFT_BREAK_E820_LINES.search(b"x\n" + b + b"\ny")) == old


@given(_TEXT)
def test_wdiff_and_border_rewrites_are_unchanged(text: str) -> None:
    assert rejoin._wdiff_open(text) == bool(_OLD_WDIFF.search(text))
    if text.endswith(("|", "| ")):
        assert rejoin._strip_border(text) == _OLD_BORDER.sub("", text)
