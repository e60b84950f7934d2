"""The native seam and its pure-Python twin give the same answers, byte for byte.

``e820scope.ingest.scan`` is the specification (:func:`scan_py`, :class:`Interner`);
``e820scope._native._scan`` must agree on every input: random bytes, real log lines cut
anywhere, printk time prefixes of every width, any newline byte. CI also runs this file
with the seam built under AddressSanitizer and UBSan (it reads untrusted input).
"""

from __future__ import annotations

import importlib.util
import math
import os
import struct
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from e820scope.ingest.scan import Interner, ids_of, scan_py, stamps_of, starts_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _compiled() -> ModuleType | None:
    """The installed seam, or the one built at ``$E820SCOPE_SCAN_MODULE`` (CI points it
    at a build with AddressSanitizer and UBSan: tools/asan_seam.sh)."""
    path = os.environ.get("E820SCOPE_SCAN_MODULE")
    if path:
        spec = importlib.util.spec_from_file_location("e820scope._native._scan", path)
        assert spec is not None and spec.loader is not None, path
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    try:
        import e820scope._native._scan as mod
    except ImportError:
        return None
    return mod


EXT = _compiled()
needs_ext = pytest.mark.skipif(EXT is None, reason="the native seam is not built")

#: real lines to build inputs from (prefixed, bare, CRLF, long)
REAL = [
    ln
    for name in ("lab/stock-6.1-ovmf-6g-chain.log", "public/syslog-17.log", "public/lkml-18-qp.log")
    for ln in (SAMPLES / name).read_bytes().splitlines()[:400]
]
PIECES = st.one_of(
    st.sampled_from(REAL),
    st.binary(max_size=60),
    st.builds(
        lambda w, s, u, rest: b"[" + str(s).rjust(w).encode() + b"." + u + b"] " + rest,
        st.integers(0, 24),
        st.integers(0, 10**21),
        st.sampled_from([b"000000", b"123456", b"999999", b"12345", b"1234567"]),
        st.sampled_from([b"BIOS-e820: x", b"", b"e820: update", b"]"]),
    ),
)


def _both(buf: bytes, pos: int, end: int, newline: int, max_len: int) -> None:
    assert EXT is not None
    a, b = EXT.Interner(max_len), Interner(max_len)
    fast = EXT.scan(a, buf, pos, end, newline)
    slow = scan_py(b, buf, pos, end, newline)
    assert fast[0] == slow[0]
    assert ids_of(fast[1]) == ids_of(slow[1])
    assert starts_of(fast[3]) == starts_of(slow[3])
    # NaN compares unequal: compare the bytes (one NaN bit pattern on both sides)
    assert fast[2] == slow[2], (stamps_of(fast[2]), stamps_of(slow[2]))
    assert a.messages == b.messages and len(a) == len(b)


@needs_ext
@settings(max_examples=400, deadline=None)
@given(
    st.lists(PIECES, max_size=40),
    st.sampled_from([b"\n", b"\r", b"\r\n"]),
    st.integers(0, 2000),
    st.integers(0, 5000),
    st.sampled_from([0, 5, 40, 400]),
)
def test_native_scan_is_the_twin(
    pieces: list[bytes], sep: bytes, pos: int, end: int, max_len: int
) -> None:
    buf = sep.join(pieces)
    newline = sep[-1]
    _both(buf, min(pos, len(buf)), min(end, len(buf)), newline, max_len)


@needs_ext
def test_native_scan_on_a_real_chain_in_pieces() -> None:
    """One interner over a whole lab chain read in uneven pieces, as the machine does."""
    assert EXT is not None
    buf = (SAMPLES / "lab" / "patched-6.1-ovmf-4g-chain.log").read_bytes()
    a, b = EXT.Interner(400), Interner(400)
    pos = 0
    for step in (1, 97, 4096, 65536, 1 << 20):
        fast = EXT.scan(a, buf, pos, min(pos + step, len(buf)), 10)
        slow = scan_py(b, buf, pos, min(pos + step, len(buf)), 10)
        assert fast == slow
        pos = fast[0]
    assert a.messages == b.messages and len(a) > 1000


@given(st.integers(0, 10**15), st.integers(0, 999_999), st.integers(0, 9))
def test_prefix_stamp_is_what_float_reads(sec: int, usec: int, pad: int) -> None:
    """The stamp of ``[ SEC.USEC] `` is float("SEC.USEC") exactly, in both twins."""
    text = f"{sec}.{usec:06d}"
    line = b"[" + b" " * pad + text.encode() + b"] Memory: 1K/2K available\n"
    for scan, it in ((scan_py, Interner()), *(((EXT.scan, EXT.Interner()),) if EXT else ())):
        _, ids, stamps, _ = scan(it, line, 0, len(line), 10)
        assert stamps_of(stamps) == [float(text)]
        assert it.messages[ids_of(ids)[0]] == b"Memory: 1K/2K available"


def test_the_seam_under_test_is_the_one_asked_for() -> None:
    path = os.environ.get("E820SCOPE_SCAN_MODULE")
    if path:
        assert EXT is not None and EXT.__file__ == path


def test_interner_bounds() -> None:
    it = Interner(max_len=4)
    assert [it.intern(b"abc"), it.intern(b"abcde"), it.intern(b"abc"), it.intern(b"")] == [
        0,
        -1,
        0,
        1,
    ]
    it.clear()
    assert len(it) == 0 and it.intern(b"x") == 0


def test_a_line_without_newline_is_left() -> None:
    buf = b"[    1.000000] a\nno newline"
    nxt, ids, stamps, starts = scan_py(Interner(), buf, 0, len(buf), 10)
    assert nxt == 17 and ids_of(ids) == [0] and starts_of(starts) == [0]
    assert struct.unpack("d", stamps) == (1.0,)
    assert math.isnan(stamps_of(scan_py(Interner(), b"x\n", 0, 2, 10)[2])[0])
