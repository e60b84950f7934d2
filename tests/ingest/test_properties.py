"""Property tests: any mixture of real lines, any bytes — no crash, fast == slow."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import read_all

from e820scope.errors import InputError
from e820scope.ingest.anchors import DEFAULT_ANCHORS

_SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: every physical line of the public samples and two lab captures (raw bytes)
LINES: list[bytes] = [
    ln
    for p in [
        *sorted((_SAMPLES / "public").glob("*.log")),
        _SAMPLES / "lab" / "stock-6.1-seabios-2g-boot.log",
        _SAMPLES / "lab" / "stock-6.1-ovmf-2g-boot.log",
    ]
    for ln in p.read_bytes().split(b"\n")
]


def _write(data: bytes) -> Path:
    fd, name = tempfile.mkstemp(suffix=".log")
    os.close(fd)
    Path(name).write_bytes(data)
    return Path(name)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, len(LINES) - 1), min_size=1, max_size=300))
def test_shuffled_real_lines_fast_equals_slow(picks: list[int]) -> None:
    path = _write(b"\n".join(LINES[i] for i in picks) + b"\n")
    try:
        slow = {ln.ref.line: ln for ln in read_all(path)}
        fast = read_all(path, anchors=DEFAULT_ANCHORS)
        assert all(slow.get(ln.ref.line) == ln for ln in fast)
        assert all(1 <= n <= len(picks) for n in slow)
    finally:
        path.unlink()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    path = _write(data)
    try:
        try:
            lines = read_all(path)
        except InputError as exc:
            assert exc.ref is not None and exc.ref.line >= 1
            return
        assert all(ln.ref.line <= data.count(b"\n") + data.count(b"\r") + 1 for ln in lines)
    finally:
        path.unlink()
