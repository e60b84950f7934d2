"""bench/fleet.py runs end to end on a small fleet and writes what bench/README.md uses.

No speed is asserted (the figures are ratios measured in the bench's own run); this
keeps the bench working: the generated fleet is scanned whole, every host is a row, the
binary hosts are error rows and the others are read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_fleet_bench_small(tmp_path: Path) -> None:
    out = tmp_path / "fleet.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "fleet.py"),
            "--hosts",
            "100",
            "--no-dask",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(out.read_text())
    assert res["hosts"] == 100 and res["bytes"] > 1 << 20
    for name in ("local_1", "local_2"):
        run = res["runs"][name]
        # every 100th host is a binary file: one error row, the scan goes on
        assert (run["hosts"], run["errors"]) == (100, 1)
        assert run["losing"] > 0 and run["client_peak_rss_kib"] > 0
    assert res["runs"]["local_2"]["losing"] == res["runs"]["local_1"]["losing"]
    assert res["runs"]["local_1"]["ratio_to_local_1"] == 1.0
