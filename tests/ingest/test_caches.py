"""The caches and the C-level batch path give exactly what the uncached full path gives.

The reference is :meth:`LineMachine.general` on every line (no cache at all:
``CACHE_LINE_MAX = 0``). Inputs: every sample, and lab chains whose printk times are
shifted per repetition (so results come from the time-prefix cache, not the raw one),
cut into small chunks so chunk borders fall everywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import kept_machines, read_all

from e820scope.ingest import LogLine, decompress, lineproc
from e820scope.ingest.anchors import DEFAULT_ANCHORS
from timeshift import PRINTK_TIME as _TS
from timeshift import shift_printk_times as _shift

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*/*.log"))


def _uncached(path: Path, monkeypatch: pytest.MonkeyPatch, **kw: object) -> list[LogLine]:
    with monkeypatch.context() as m:
        m.setattr(lineproc, "CACHE_LINE_MAX", 0)
        return read_all(path, **kw)


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory, samples: Path) -> Path:
    """Three repetitions of two lab chains, each repetition at other printk times."""
    blobs = [
        (samples / "lab" / n).read_bytes()
        for n in ("stock-6.1-ovmf-6g-chain.log", "stock-5.10-ovmf-6g-chain.log")
    ]
    path = tmp_path_factory.mktemp("varied") / "varied.log"
    path.write_bytes(b"".join(_shift(b, k * 13) for k in range(3) for b in blobs))
    return path


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_cached_equals_uncached(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_all(path) == _uncached(path, monkeypatch)
    fast = read_all(path, anchors=DEFAULT_ANCHORS)
    ref = {ln.ref.line: ln for ln in _uncached(path, monkeypatch, anchors=DEFAULT_ANCHORS)}
    assert all(ref.get(ln.ref.line) == ln for ln in fast)
    assert len(fast) == len(ref)


def test_shifted_times_hit_the_time_prefix_cache(
    varied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the pure-Python path (the C scanner serves these lines itself and never calls the
    # methods spied on here: tests/ingest/test_linescan.py covers it)
    monkeypatch.setenv("E820SCOPE_PURE", "1")
    # 4 KiB chunks (after the first 64 KiB): chunk borders fall inside every map
    monkeypatch.setattr(decompress, "CHUNK_SIZE", 4 << 10)
    looked: list[int] = []
    fill, lookup = lineproc.LineMachine._ts_fill, lineproc.LineMachine._lookup

    def spy_fill(self: lineproc.LineMachine, lines: list[bytes], vals: list[object]) -> None:
        before = vals.count(None)
        fill(self, lines, vals)
        looked.append(before - vals.count(None))

    def spy_lookup(self: lineproc.LineMachine, raw: bytes) -> object:
        fresh = raw not in self.cache
        c = lookup(self, raw)
        looked.append(int(fresh and c is not None))
        return c

    monkeypatch.setattr(lineproc.LineMachine, "_ts_fill", spy_fill)
    monkeypatch.setattr(lineproc.LineMachine, "_lookup", spy_lookup)
    fast = read_all(varied, anchors=DEFAULT_ANCHORS)
    slow = _uncached(varied, monkeypatch, anchors=DEFAULT_ANCHORS)
    assert fast == slow
    assert read_all(varied) == _uncached(varied, monkeypatch)
    # the second and third repetitions were served from the time-prefix cache
    assert sum(looked) > 1000
    # the times are each line's own, not the cached line's
    raw = varied.read_bytes().split(b"\n")
    for ln in fast:
        m = _TS.match(raw[ln.ref.line - 1])
        if m and ln.timestamp is not None:
            assert ln.timestamp == float(m.group(2) + b"." + m.group(3))


def test_tiny_caches_bound_memory_and_agree(varied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lineproc, "CACHE_MAX", 11)
    sizes: list[int] = []
    real = lineproc.LineMachine._put

    def put(cache: dict[bytes, tuple[object, ...]], key: bytes, value: tuple[object, ...]) -> None:
        real(cache, key, value)
        sizes.append(len(cache))

    monkeypatch.setattr(lineproc.LineMachine, "_put", staticmethod(put))
    fast = read_all(varied, anchors=DEFAULT_ANCHORS)
    assert sizes and max(sizes) <= 11
    monkeypatch.undo()
    assert fast == read_all(varied, anchors=DEFAULT_ANCHORS)


@pytest.mark.parametrize("which", ["samples", "varied"])
def test_a_line_reads_the_same_from_either_cache(
    which: str, varied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the raw cache holds a line and the time cache holds the rest after its
    printk time, both give the same reading (the time being the prefix's). The C scanner
    relies on this to look in the time cache first (lookup_line)."""
    monkeypatch.setenv("E820SCOPE_PURE", "1")
    made = kept_machines(monkeypatch)
    for path in SAMPLES if which == "samples" else [varied]:
        read_all(path, anchors=DEFAULT_ANCHORS)
        read_all(path)
    pairs = 0
    for m in made:
        for raw_cache, ts_cache in ((m.cache, m.ts_cache), (m.parsed, m.ts_parsed)):
            for key in list(raw_cache):  # type: ignore[call-overload]
                hit = lineproc._TS_PREFIX.match(key)
                if hit is None:
                    continue
                rest = ts_cache.get(key[hit.end() :])
                if rest is None:
                    continue
                pairs += 1
                want = (rest[0], float(hit.group(1)), False, rest[1]) if rest else ()
                assert raw_cache.get(key) == want, key
    assert pairs > 100
