"""The parse engine gives one answer whatever the chunking, the seam and the cache sizes.

There is one line machine (``ingest.machine``) and one splitter (``parse.splitter``);
what may vary is only how the input reaches them: chunk sizes (lines and look-ahead
windows straddle chunks), the native seam or its pure twin, how many distinct messages
the machine remembers, how long a line may be and still be remembered. Each of those
must leave every Boot exactly as it is (compared as the JSON the CLI prints).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from e820scope import _native
from e820scope.errors import InputError
from e820scope.ingest import decompress, machine, reader
from e820scope.parse import parse_input
from e820scope.render.json_out import parse_json

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EDGE = [
    SAMPLES / "lab" / "stock-6.1-ovmf-6g-chain.log",
    SAMPLES / "lab" / "patched-6.1-ovmf-4g-chain" / "gen02.log",
    SAMPLES / "public" / "lkml-18-qp.log",
    SAMPLES / "public" / "lkml-07-wdiff.log",
    SAMPLES / "public" / "lkml-06.log",
    SAMPLES / "public" / "syslog-17.log",
    SAMPLES / "public" / "notes-05.log",
    SAMPLES / "synthetic" / "talk-seed-15.map",
]


def _read(path: Path) -> str:
    """The whole parse of ``path`` as JSON (or the error it raises)."""
    try:
        return json.dumps(parse_json([parse_input(path)]), sort_keys=True)
    except InputError as exc:
        return f"InputError: {exc}"


@pytest.mark.parametrize("size", [1, 7, 97, 4096])
@pytest.mark.parametrize("path", EDGE, ids=lambda p: p.name)
def test_chunk_borders_anywhere(path: Path, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _read(path)
    monkeypatch.setattr(decompress, "CHUNK_SIZE", size)
    assert _read(path) == whole


def _variants(blob: bytes) -> dict[str, bytes]:
    """The same text with other newlines, cut mid-line, with NUL bytes, or joined."""
    return {
        "crlf": blob.replace(b"\n", b"\r\n"),
        "cr": blob.replace(b"\n", b"\r"),
        "no-final-newline": blob.rstrip(b"\n"),
        "cut-mid-line": blob[: len(blob) * 2 // 3],
        "nul-bytes": blob.replace(b"e820: ", b"e820:\x00 ", 40),
        "lone-cr": blob.replace(b"] e820", b"] junk\re820", 30),
        "escapes": blob.replace(b"] BIOS-e820", b"] \x1b[0mBIOS-e820", 30),
        "mixed": blob[:30000] + blob[:30000].replace(b"\n", b"\r\n") + blob[30000:60000],
    }


@pytest.mark.parametrize("kind", sorted(_variants(b"")))
def test_odd_bytes_read_alike_in_any_chunking_and_either_seam(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = (SAMPLES / "lab" / "stock-6.1-seabios-6g-chain.log").read_bytes()
    path = tmp_path / f"{kind}.log"
    path.write_bytes(_variants(blob)[kind])
    whole = _read(path)
    monkeypatch.setattr(decompress, "CHUNK_SIZE", 53)
    assert _read(path) == whole
    monkeypatch.setenv("E820SCOPE_PURE", "1")
    assert _native.load() is None
    assert _read(path) == whole


@pytest.mark.parametrize(
    "path", sorted(p for p in SAMPLES.rglob("*.log*") if p.is_file()), ids=lambda p: p.name
)
def test_pure_seam_reads_every_sample_alike(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without a compiler gets the same answers (only slower)."""
    native = _read(path)
    monkeypatch.setenv("E820SCOPE_PURE", "1")
    assert _read(path) == native


@pytest.mark.parametrize(("most", "longest"), [(1, 400), (7, 400), (60, 40), (1000, 0)])
def test_forgetful_machine_reads_alike(
    most: int, longest: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages forgotten every few lines, or too long to be remembered, change nothing."""
    path = SAMPLES / "lab" / "stock-5.10-ovmf-6g-chain.log"
    whole = _read(path)
    monkeypatch.setattr(machine, "MAX_MESSAGES", most)
    monkeypatch.setattr(machine, "MESSAGE_MAX", longest)
    monkeypatch.setattr(decompress, "CHUNK_SIZE", 4096)
    assert _read(path) == whole


@pytest.mark.parametrize("size", [13, 500, 4096])
def test_endless_lines_are_cut(tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_LINE", 300)
    blob = (SAMPLES / "lab" / "stock-6.1-ovmf-2g-boot.log").read_bytes()
    long = b"[    0.000000] e820: " + b"x" * 5000
    path = tmp_path / "long.log"
    path.write_bytes(blob[:20000] + long + b"\n" + blob[20000:] + long)
    whole = _read(path)
    assert '"boots"' in whole
    monkeypatch.setattr(decompress, "CHUNK_SIZE", size)
    assert _read(path) == whole


@pytest.mark.parametrize("size", [211, 8192])
def test_cut_short_gzip_is_partial(
    tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = gzip.compress((SAMPLES / "lab" / "stock-6.1-ovmf-6g-chain.log").read_bytes())
    path = tmp_path / "cut.gz"
    path.write_bytes(blob[: len(blob) * 2 // 3])
    whole = _read(path)
    monkeypatch.setattr(decompress, "CHUNK_SIZE", size)
    assert _read(path) == whole
    parsed = parse_input(path)
    assert parsed.partial and parsed.warnings and "cut short" in parsed.warnings[0].hint


def test_clock_restart_inside_a_run_of_quiet_lines(tmp_path: Path) -> None:
    """A printk time back at 0 starts a boot even on a line that has nothing to say."""
    lines = [
        "[    0.000000] Linux version 6.1.0 (x@y) (gcc) #1 SMP",
        "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable",
        "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable",
        "[    2.000000] e820: nothing the grammar reads",
        "[    3.000000] e820: nothing the grammar reads",
        "[    0.000100] e820: nothing the grammar reads",
        "[    0.000200] BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable",
        "[    0.000300] BIOS-e820: [mem 0x0000000000100000-0x00000000bfffffff] usable",
    ]
    path = tmp_path / "restart.log"
    path.write_text("\n".join(lines) + "\n")
    boots = parse_input(path).boots
    assert [(b.first_line, b.last_line) for b in boots] == [(1, 5), (6, 8)]
    assert boots[1].firmware_map is not None
    assert boots[1].firmware_map.entries[-1].end == 0xC0000000


def test_nul_bytes_cost_their_line(tmp_path: Path) -> None:
    """A line with NUL bytes is an unreadable line (a NUL costs at most its line):
    inside a map block it marks the block incomplete, the rest is still read."""
    path = tmp_path / "bin.log"
    good = [  # four entries (identical ones would be merged as a re-quoted paste)
        b"[    0.000000] BIOS-e820: [mem 0x00000000000%d0000-0x00000000000%dffff] usable\n" % (i, i)
        for i in range(4)
    ]
    bad = b"[    0.000000] BIOS-e820: [mem 0x0\x00\x00] usable\n"
    path.write_bytes(b"".join(good[:3]) + bad + good[3])
    (boot,) = parse_input(path).boots
    assert boot.firmware_map is not None and len(boot.firmware_map.entries) == 4
    (w,) = boot.warnings
    assert w.ref is not None and w.ref.line == 4 and "unreadable line" in w.message
