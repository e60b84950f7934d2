"""A NUL byte costs at most its line; a stream cut before anything decoded is exit 2."""

from __future__ import annotations

import bz2
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli

from .conftest import write

REPO = Path(__file__).resolve().parents[2]
LOG = (REPO / "samples/lab/stock-6.1-seabios-2g-boot.log").read_bytes()


def _parse(p: Path) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, ["parse", str(p)])
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("where", [b"Memory:", b"Linux version", b"SeaBIOS"])
def test_a_nul_costs_its_line_only(tmp_path: Path, where: bytes) -> None:
    """Used to be exit 2 and no output (the first line is within the first 512 bytes)."""
    at = LOG.index(where) + 3
    p = write(tmp_path / "nul.log", LOG[:at] + b"\x00" + LOG[at:])
    rc, stdout, stderr = _parse(p)
    assert rc == 0, stderr
    assert "BIOS-provided physical RAM map (BIOS-e820, 7 entries" in stdout


def test_a_nul_inside_a_map_line_marks_the_map_incomplete(tmp_path: Path) -> None:
    at = LOG.index(b"BIOS-e820: [mem 0x000000000009fc00") + 20
    p = write(tmp_path / "nul.log", LOG[:at] + b"\x00" + LOG[at:])
    rc, stdout, stderr = _parse(p)
    assert rc == 0, stderr
    assert "unreadable line inside the BIOS-e820 block" in stderr and "\\x00" in stderr
    assert "INCOMPLETE" in stdout


def test_mostly_nul_is_still_binary(tmp_path: Path) -> None:
    p = write(tmp_path / "vmcore", b"\x7fELF\x02\x01\x01" + b"\x00" * 4096 + LOG[:2000])
    rc, _, stderr = _parse(p)
    assert rc == 2 and "binary data" in stderr


def test_bzip2_cut_before_its_first_block_is_truncated_not_wrapped(tmp_path: Path) -> None:
    """Used to say "ring buffer wrapped" (exit 3): nothing was decoded at all."""
    p = write(tmp_path / "dmesg.bz2", bz2.compress(LOG)[:500])
    rc, _, stderr = _parse(p)
    assert rc == 2, stderr
    assert "input ends inside a bzip2 stream before any data was decoded" in stderr
