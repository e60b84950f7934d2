"""Compression, stdin, errors, truncation — on copies of real samples in tmp_path."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard
from ingest_helpers import read_all

from e820scope.errors import InputError
from e820scope.ingest import log_lines, open_inputs
from e820scope.ingest.decompress import ChunkReader

SAMPLE = "stock-6.1-ovmf-6g-chain.log"

COMPRESSORS = {
    "gz": gzip.compress,
    "xz": lzma.compress,
    "bz2": bz2.compress,
    "zst": lambda b: zstandard.ZstdCompressor().compress(b),
}


@pytest.mark.parametrize("ext", sorted(COMPRESSORS))
def test_compressed_round_trip(tmp_path: Path, lab: Path, ext: str) -> None:
    raw = (lab / SAMPLE).read_bytes()
    p = tmp_path / f"dmesg.{ext}"
    p.write_bytes(COMPRESSORS[ext](raw))
    src = open_inputs(str(p))[0]
    assert read_all(p) == [
        ln.__class__(ln.ref.__class__(str(p), ln.ref.line), ln.text, ln.timestamp, ln.boot_hint)
        for ln in read_all(lab / SAMPLE)
    ]
    assert not src.partial and not src.warnings


def test_magic_not_suffix(tmp_path: Path, lab: Path) -> None:
    p = tmp_path / "looks-plain.log"
    p.write_bytes(lzma.compress((lab / SAMPLE).read_bytes()))
    assert len(read_all(p)) == len(read_all(lab / SAMPLE))


def test_multi_member_gzip(tmp_path: Path, lab: Path) -> None:
    raw = (lab / SAMPLE).read_bytes()
    p = tmp_path / "two.gz"
    p.write_bytes(gzip.compress(raw) + gzip.compress(raw))
    assert len(read_all(p)) == 2 * len(read_all(lab / SAMPLE))


@pytest.mark.parametrize("ext", sorted(COMPRESSORS))
def test_truncated_stream_is_partial_with_warning(tmp_path: Path, lab: Path, ext: str) -> None:
    raw = (lab / SAMPLE).read_bytes()
    comp = COMPRESSORS[ext](raw)
    p = tmp_path / f"cut.{ext}"
    p.write_bytes(comp[: len(comp) * 2 // 3])
    src = open_inputs(str(p))[0]
    if ext in ("bz2", "zst"):
        # they decode whole blocks (bzip2 900 kB, zstd 128 KiB): a cut inside the first
        # block decodes nothing, which is an unreadable input (exit 2), not a log
        # without a map (exit 3)
        with pytest.raises(InputError) as ei:
            list(log_lines(src))
        assert str(p) in str(ei.value) and "before any data was decoded" in str(ei.value)
        raw *= (2 << 20) // len(raw)  # several blocks: a cut near the end leaves some whole
        comp = COMPRESSORS[ext](raw)
        p.write_bytes(comp[:-16])
        src = open_inputs(str(p))[0]
    lines = list(log_lines(src))
    whole = tmp_path / "whole.log"
    whole.write_bytes(raw)
    full = read_all(whole)
    assert src.partial
    assert len(src.warnings) == 1
    w = src.warnings[0]
    assert "results are partial" in w.message
    assert w.ref is not None and w.ref.path == str(p)
    assert w.ref.line >= (lines[-1].ref.line if lines else 1)
    # what was read is good: a prefix of the full read (bz2 decodes whole blocks only)
    assert [ln.text for ln in lines] == [ln.text for ln in full[: len(lines)]]
    if ext == "gz":
        assert "gzip stream" in w.message and len(lines) > 100


def test_chunk_boundaries_do_not_change_lines(lab: Path) -> None:
    raw = (lab / SAMPLE).read_bytes()
    import io

    for size in (1, 7, 4096):
        got = b"".join(ChunkReader(io.BytesIO(raw), None, chunk_size=size))
        assert got == raw


def test_small_chunks_same_lines(lab: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from e820scope.ingest import decompress, reader

    whole = read_all(lab / SAMPLE)
    monkeypatch.setattr(decompress, "CHUNK_SIZE", 997)
    monkeypatch.setattr(reader, "SNIFF_SIZE", 997)
    monkeypatch.setattr(ChunkReader.__init__, "__defaults__", (997,))
    assert read_all(lab / SAMPLE) == whole


def test_binary_input_is_an_input_error(tmp_path: Path, lab: Path) -> None:
    p = tmp_path / "vmcore"
    p.write_bytes(b"ELF\x02\x01\x01" + b"\x00" * 4096 + (lab / SAMPLE).read_bytes()[:1000])
    src = open_inputs(str(p))[0]
    with pytest.raises(InputError) as ei:
        list(log_lines(src))
    assert ei.value.ref is not None and ei.value.ref.line == 1
    assert "binary" in str(ei.value) and ei.value.hint


def test_nul_on_a_later_line_is_reported_there(tmp_path: Path) -> None:
    p = tmp_path / "bin.log"
    p.write_bytes(b"line one\nline two\n" + bytes(range(0, 32)) * 400)
    with pytest.raises(InputError) as ei:
        read_all(p)
    assert ei.value.ref is not None and ei.value.ref.line == 3


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as ei:
        open_inputs(str(tmp_path / "nope.log"))
    assert "no such file" in str(ei.value)


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    p = tmp_path / "secret.log"
    p.write_text("x\n")
    p.chmod(0)
    with pytest.raises(InputError):
        read_all(p)


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.log"
    p.write_bytes(b"")
    assert read_all(p) == []


def test_input_never_modified(tmp_path: Path, lab: Path) -> None:
    p = tmp_path / "d.gz"
    p.write_bytes(gzip.compress((lab / SAMPLE).read_bytes()))
    before = (p.read_bytes(), p.stat().st_mtime_ns)
    read_all(p)
    assert (p.read_bytes(), p.stat().st_mtime_ns) == before


def test_stdin(lab: Path) -> None:
    code = (
        "import sys\n"
        "from e820scope.ingest import open_inputs, log_lines\n"
        "src, = open_inputs('-')\n"
        "ls = list(log_lines(src))\n"
        "print(len(ls), ls[0].ref, ls[1].text[:13])\n"
    )
    data = gzip.compress((lab / SAMPLE).read_bytes())
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], input=data, capture_output=True, check=True, env=env
    )
    n, ref, text = out.stdout.decode().split(maxsplit=2)
    assert int(n) == len(read_all(lab / SAMPLE))
    assert ref == "<stdin>:1"
    assert text.strip() == "Linux version"
