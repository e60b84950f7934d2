"""Random interleavings of real log lines: the fast reading equals the reference reading.

The fast paths (``_linescan`` serving cache hits from the chunk buffer, the splitter's
batch reading of plain runs, ``_records`` building entries; and the C fold reading the
hits in place of the batch reading) must give the boots of the
reference (the pure-Python container layer, every line read on its own by
``_Splitter._line``, the pure record builder) for any input, not only for the samples
as they are. Hypothesis builds inputs
from real lines of the samples: shuffled, repeated, with printk times moved or removed,
with journal separators and plain text between them, in LF, CRLF or CR, read in small
chunks so that lines and look-ahead windows straddle chunk borders. Boots are compared
by ``repr`` (every record's file:line included). ``E820SCOPE_FUZZ_EXAMPLES=N`` runs N
examples instead of 60 (600 passed when this was written).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from e820scope._speedups import load
from e820scope.ingest import decompress, log_batches, open_inputs, reader
from e820scope.parse import api
from e820scope.parse.anchors import ANCHORS

from .reference import use_reference_reading

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
_TS = re.compile(rb"^\[ *(\d+)\.(\d{6})\] ")


def _vocabulary() -> list[bytes]:
    """Distinct lines of a few real logs (kexec chains, a journal, a syslog excerpt)."""
    seen: dict[bytes, None] = {}
    for rel in (
        "lab/stock-6.1-seabios-6g-chain.log",
        "lab/patched-6.1-ovmf-4g-chain/gen02.log",
        "public/notes-05.log",
        "public/syslog-17.log",
        "public/lkml-10-kexec.log",
    ):
        for line in (SAMPLES / rel).read_bytes().splitlines():
            seen.setdefault(line.rstrip(b"\r"), None)
    return list(seen)


VOCAB = _vocabulary()
EXTRA = [b"-- Reboot --", b"", b"some text of a mail, not a log line", b"----- New boot -----"]


def _retime(line: bytes, how: int) -> bytes:
    """The line with its printk time kept (0), zeroed (1), moved later (2) or removed (3)."""
    m = _TS.match(line)
    if m is None or how == 0:
        return line
    if how == 3:
        return line[m.end() :]
    us = 0 if how == 1 else int(m.group(1)) * 1_000_000 + int(m.group(2)) + 123_457
    stamp = f"{us // 1_000_000}.{us % 1_000_000:06d}".rjust(12).encode()
    return b"[" + stamp + b"] " + line[m.end() :]


#: pieces of real logs: (first line in VOCAB, how many lines, retime mode, what follows:
#: an EXTRA line or nothing); runs of consecutive real lines keep e820 blocks, banners
#: and their neighbours together, and the pieces come in any order, any number of times
pieces_st = st.lists(
    st.tuples(
        st.integers(0, len(VOCAB) - 1),
        st.integers(1, 150),
        st.integers(0, 3),
        st.one_of(st.none(), st.sampled_from(EXTRA)),
    ),
    min_size=2,
    max_size=25,
)


def _body(pieces: list[tuple[int, int, int, bytes | None]]) -> list[bytes]:
    out: list[bytes] = []
    for start, n, how, extra in pieces:
        out.extend(_retime(line, how) for line in VOCAB[start : start + n])
        if extra is not None:
            out.append(extra)
    return out


def _boots(
    path: Path, *, pure: bool, monkeypatch: pytest.MonkeyPatch, fold: bool = False
) -> list[str]:
    with monkeypatch.context() as m:
        if pure:
            m.setenv("E820SCOPE_PURE", "1")
            use_reference_reading(m)
        out: list[str] = []
        for src in open_inputs(str(path)):
            sp = api._Splitter()
            fd = api._make_fold(sp) if fold else None
            assert fd is not None or not fold
            boots = sp.run_batches(log_batches(src, anchors=ANCHORS, fold=fd), fd)
            out.extend(repr(b) for b in chain(boots, sp.close()))
        return out


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(reader, "SNIFF_SIZE", 1)
    monkeypatch.setattr(decompress, "CHUNK_SIZE", 1500)
    yield


@pytest.mark.skipif(
    load("_linescan") is None or load("_records") is None or os.environ.get("E820SCOPE_PURE"),
    reason="the C accelerators are not in use: nothing to compare",
)
@pytest.mark.usefixtures("small_chunks")
@settings(
    max_examples=int(os.environ.get("E820SCOPE_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pieces=pieces_st, newline=st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_random_mixes_read_the_same(
    pieces: list[tuple[int, int, int, bytes | None]],
    newline: bytes,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path_factory.mktemp("mix") / "mix.log"
    path.write_bytes(newline.join(_body(pieces)) + newline)
    want = _boots(path, pure=True, monkeypatch=monkeypatch)
    assert _boots(path, pure=False, monkeypatch=monkeypatch) == want
    assert _boots(path, pure=False, monkeypatch=monkeypatch, fold=True) == want
