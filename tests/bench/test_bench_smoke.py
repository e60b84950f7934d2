"""bench/run.py runs end to end on a small capture and writes what its README says.

No timing is asserted here (speed targets live in bench/, measured against grep in the
same run); this only keeps the benchmark working: every stage runs, the stages agree on
what they read, and the figures the README relies on are in results.json.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("grep") is None, reason="bench/run.py compares with grep")
def test_bench_runs_on_a_small_capture(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
            "--size-mib",
            "2",
            "--vary-timestamps",
            "--repeat",
            "2",
            "--workdir",
            str(tmp_path),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(out.read_text())
    runs = res["runs"]
    assert set(runs) == {"grep", "ingest", "parse", "cli"}
    assert res["headline"] == "parse" and res["capture_mib"] >= 2
    assert Path(res["capture"]).parent == tmp_path
    # the container layer keeps at least every line grep matches (plus structural lines)
    assert runs["ingest"]["items"] >= runs["grep"]["items"] > 1000
    assert runs["parse"]["items"] > 10  # boots
    for r in runs.values():
        assert r["seconds"] > 0 and r["peak_rss_mb"] > 0 and r["throughput_ratio"] > 0
    # grep, ingest and parse ran twice each; the figure is the fastest run
    assert res["repeat"] == 2 and res["median_ratio"] > 0
    for name in ("grep", "ingest", "parse"):
        r = runs[name]
        assert len(r["runs_seconds"]) == 2 and r["seconds"] == min(r["runs_seconds"])
    assert "runs_seconds" not in runs["cli"]
    assert set(res["accelerators"]) == {"_scan"}
    assert "target: parse ratio >= 0.333" in proc.stdout
