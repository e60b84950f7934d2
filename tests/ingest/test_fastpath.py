"""The anchored fast path gives the same LogLines as the full path, on every sample."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ingest_helpers import read_all

from e820scope.ingest.anchors import DEFAULT_ANCHORS, compile_anchors, grep_pattern

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*/*.log"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_fast_equals_slow(path: Path) -> None:
    slow = read_all(path)
    fast = read_all(path, anchors=DEFAULT_ANCHORS)
    # (a file of several machines' consoles is several sources: lines are keyed by both)
    by_line = {ln.ref: ln for ln in slow}
    # every fast line is exactly the slow line of the same number
    assert all(by_line.get(ln.ref) == ln for ln in fast)
    # and every slow line that starts on an anchored physical line is there
    raw = path.read_bytes().split(b"\n")
    rx = compile_anchors(DEFAULT_ANCHORS)
    fast_set = {ln.ref for ln in fast}
    missing = [
        ln for ln in slow if ln.text and rx.search(raw[ln.ref.line - 1]) and ln.ref not in fast_set
    ]
    assert not missing


def test_fast_path_skips_lines(samples: Path) -> None:
    path = samples / "lab" / "stock-6.1-seabios-6g-chain.log"
    assert len(read_all(path, anchors=DEFAULT_ANCHORS)) < len(read_all(path)) / 2


def test_caller_anchors_narrow_the_output(samples: Path) -> None:
    path = samples / "lab" / "stock-6.1-ovmf-6g-chain.log"
    lines = read_all(path, anchors=[b"BIOS-e820"])
    assert sum("BIOS-e820" in ln.text for ln in lines) == 16 + 18 * 4
    # structural lines ("[mem ", console, "Linux version") are still read
    assert len(lines) < len(read_all(path)) / 4


def test_grep_pattern_is_the_same_strings() -> None:
    rx = re.compile(grep_pattern())  # POSIX ERE escapes are valid Python regex too
    for a in DEFAULT_ANCHORS:
        assert rx.fullmatch(a.decode())
    assert not rx.search("nothing to see here")


def test_fast_equals_slow_with_a_tiny_cache(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine forgets its messages every few lines; the lines must not change."""
    from e820scope.ingest import machine

    monkeypatch.setattr(machine, "MAX_MESSAGES", 37)
    path = samples / "lab" / "patched-6.1-ovmf-4g-chain.log"
    slow = {ln.ref.line: ln for ln in read_all(path)}
    fast = read_all(path, anchors=DEFAULT_ANCHORS)
    assert len(fast) > 10_000
    assert all(slow.get(ln.ref.line) == ln for ln in fast)
