"""Decompression bombs are refused (exit 2) in bounded memory; the limit can be lifted.

The bombs are multi-member streams of one compressed 16 MiB block of newlines (text,
so the binary-data check does not stop them first), 24 blocks = 384 MiB decoded from a
few KiB (gzip: ~390 KiB, deflate's best is 1030x). Before the limit existed, a 4 GiB
bzip2 bomb grew the process to 4.2 GB and ended in MemoryError (exit 70).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard

from e820scope.errors import InputError
from e820scope.ingest import decompress
from e820scope.ingest.decompress import CHUNK_SIZE, ChunkReader, ExpansionError
from e820scope.ingest.reader import log_lines, open_inputs

from .conftest import drain, run_cli, write

BLOCK = b"\n" * (16 << 20)
MEMBERS = 24
COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "gz": lambda b: gzip.compress(b, 9),
    "bz2": lambda b: bz2.compress(b, 9),
    "xz": lzma.compress,
    "zst": lambda b: zstandard.ZstdCompressor(level=19).compress(b),
}
#: peak RSS allowed for a process that decodes hundreds of MiB (the interpreter,
#: pandas-free CLI imports and one chunk at a time need ~40 MiB)
RSS_MIB = 150


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    return {ext: write(d / f"bomb.{ext}", f(BLOCK) * MEMBERS) for ext, f in COMPRESS.items()}


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_bomb_is_refused_with_exit_2_in_bounded_memory(bombs: dict[str, Path], ext: str) -> None:
    p = bombs[ext]
    r = run_cli("parse", str(p))
    assert r.rc == 2, r.err
    assert str(p) in r.err and "expands more than 1000x" in r.err
    assert "E820SCOPE_MAX_EXPANSION=0" in r.err and "Traceback" not in r.err
    assert r.rss_mib < RSS_MIB, r.rss_mib


def test_override_reads_the_whole_bomb_in_bounded_memory(bombs: dict[str, Path]) -> None:
    r = run_cli("parse", str(bombs["bz2"]), env={decompress.EXPANSION_ENV: "0"})
    assert r.rc == 3, r.err  # read to the end: only blank lines, no e820 map
    assert "expands" not in r.err
    assert r.rss_mib < RSS_MIB, r.rss_mib


def test_bad_override_is_an_input_error(bombs: dict[str, Path]) -> None:
    r = run_cli("parse", str(bombs["xz"]), env={decompress.EXPANSION_ENV: "lots"})
    assert r.rc == 2 and "E820SCOPE_MAX_EXPANSION='lots' is not a whole number" in r.err


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_every_decoder_step_is_bounded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ext: str
) -> None:
    """With no expansion limit, no single chunk exceeds the chunk size."""
    monkeypatch.setenv(decompress.EXPANSION_ENV, "0")
    data = COMPRESS[ext](BLOCK) * 2
    fmt = decompress.sniff_compression(data[:8])
    sizes = [len(c) for c in ChunkReader(io.BytesIO(data), fmt)]
    assert sum(sizes) == 2 * len(BLOCK)
    assert max(sizes) <= CHUNK_SIZE


def test_nested_bomb_in_a_plain_tarball_is_refused(tmp_path: Path) -> None:
    """A compressed member is measured against the archive's bytes on disk."""
    member = COMPRESS["bz2"](BLOCK) * MEMBERS
    p = tmp_path / "sosreport-host.tar"
    with tarfile.open(p, "w") as tf:
        for name, data in (("sos_commands/kernel/dmesg", b"x\n"), ("var/log/dmesg.1.bz2", member)):
            info = tarfile.TarInfo(f"sosreport-host/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    srcs = open_inputs(str(p))
    with pytest.raises(ExpansionError) as ei:
        drain(log_lines(srcs[0], anchors=[b"e820"]))
    assert "dmesg.1.bz2" in str(ei.value)


def test_bomb_inside_a_compressed_tarball_is_refused(tmp_path: Path) -> None:
    """The tar stream itself is decoded with the same bound."""
    p = tmp_path / "sosreport-host.tar.zst"
    with (
        p.open("wb") as fh,
        zstandard.ZstdCompressor().stream_writer(fh) as zw,
        tarfile.open(fileobj=zw, mode="w|") as tf,  # type: ignore[call-overload]
    ):
        info = tarfile.TarInfo("sosreport-host/sos_commands/kernel/dmesg")
        info.size = len(BLOCK) * MEMBERS
        tf.addfile(info, _Newlines(info.size))
    with pytest.raises(InputError) as ei:
        srcs = open_inputs(str(p))
        drain(log_lines(srcs[0], anchors=[b"e820"]))
    assert "expands more than" in str(ei.value)


class _Newlines(io.RawIOBase):
    """``n`` newlines as a stream, never held whole."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left = n

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        k = self.left if size is None or size < 0 else min(size, self.left)
        self.left -= k
        return b"\n" * k


def test_a_real_log_compressed_hard_is_read(samples: Path, tmp_path: Path) -> None:
    """The limit leaves real logs alone: 200 identical copies of a chain log (xz: 1430x)
    decode to 24 MB, under the 256 MiB floor."""
    log = (samples / "lab/stock-6.1-seabios-6g-chain.log").read_bytes() * 200
    p = write(tmp_path / "rep.log.xz", lzma.compress(log))
    assert len(log) / p.stat().st_size > 1000
    assert len(list(log_lines(open_inputs(str(p))[0]))) > 1000
