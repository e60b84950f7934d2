"""``e820scope timeline``'s text table: 120 columns, exact deltas, boots that did not come
up marked (issue 17). The full tables are goldens in tests/golden/timeline/."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.analysis.units import exact_size
from e820scope.cli.main import cli
from e820scope.parse import parse_input
from e820scope.render.timeline_text import WIDTH

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "samples" / "lab").glob("*.log")) + sorted(
    (REPO / "samples" / "public").glob("*.log")
)
PATCHED = REPO / "samples" / "lab" / "patched-6.1-ovmf-4g-chain.log"


def timeline(*args: str) -> str:
    r = CliRunner().invoke(cli, ["timeline", *args])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_every_sample_fits_120_columns() -> None:
    out = timeline(*map(str, SAMPLES))
    widest = max(len(line) for line in out.splitlines())
    assert WIDTH == 120 and widest <= 120, widest
    # one header per source with boots: a file of several machines' consoles is several
    sources = sum(len({b.source for b in parse_input(p).boots}) for p in SAMPLES)
    assert sources > len(SAMPLES) and out.count("\n== ") == sources


def test_wide_shows_every_column() -> None:
    out = timeline("--wide", str(PATCHED))
    head = out.splitlines()[0]
    for col in ("ended by", "own setup_data", "last_pfn", "Initmem end", "Memory: total K"):
        assert col in head
    row58 = next(ln for ln in out.splitlines() if ln.startswith("58 "))
    # exact usable bytes, Initmem end as the kernel prints it (inclusive)
    assert "3214467072" in row58 and "0xbfef3fff" in row58 and "3139124" in row58


def _rows(out: str) -> dict[int, str]:
    return {int(ln.split()[0]): ln for ln in out.splitlines() if ln[:3].strip().isdigit()}


def test_exact_deltas_and_mib() -> None:
    rows = _rows(timeline(str(PATCHED)))
    assert len(rows) == 64
    # the losses the real chain shows, exactly (0.1 GiB rounding hid the last three)
    for n, delta in ((58, "-1 GiB"), (60, "-7128 KiB"), (62, "-9512 KiB"), (63, "-14688232 B")):
        assert f" {delta} " in rows[n], rows[n]
    assert " 4089.55 " in rows[57] and " 3058.59 " in rows[60] and " 3035.30 " in rows[63]
    assert exact_size(-7299072) == "-7128 KiB"


def test_panicked_generation_is_marked() -> None:
    out = timeline(str(PATCHED))
    rows = _rows(out)
    assert rows[64].endswith("PANIC, 2 dropped")
    assert not any("PANIC" in rows[n] for n in range(1, 64))
    notes = out.split("\nnotes:\n", 1)[1]
    assert "  #64: panic: Kernel panic - not syncing: __populate_section_memmap" in notes


@pytest.mark.parametrize("wide", [False, True])
def test_stdin_and_files_agree(wide: bool) -> None:
    args = ["--wide"] if wide else []
    text = PATCHED.read_text(encoding="utf-8")
    r = CliRunner().invoke(cli, ["timeline", *args, "-"], input=text)
    from_file = timeline(*args, str(PATCHED))
    assert r.stdout == from_file.replace(f"== {PATCHED}", "== <stdin>")
