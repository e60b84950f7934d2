"""e820scope throughput vs ``grep -E`` on a >= 1 GiB multi-boot console capture.

Usage (from the repository root)::

    python bench/run.py                 # 1 GiB capture, full run
    python bench/run.py --size-mib 256  # smaller capture
    python bench/run.py --quick         # 64 MiB, for a smoke test

Builds bench/out/capture.log by repeating the real QEMU kexec chains of samples/lab/
(the patched 63-generation chain first, then the stock chains, over and over) until the
size is reached, then times, each in its own subprocess:

* ``grep -E -c '<key strings>'`` with the key strings of
  :data:`e820scope.ingest.anchors.DEFAULT_ANCHORS`;
* e820scope: ``e820scope.ingest.log_lines`` with the same anchors (the container layer
  alone), and ``e820scope.parse.parse_input`` (the whole parser) when it exists; the
  headline ratio is the parser's when there is one.

Prints and writes bench/out/results.json: wall seconds, MiB/s, the e820scope/grep
throughput ratio (target >= 1/3) and peak RSS of each child (target < 200 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
LAB = REPO / "samples" / "lab"

_CHILD = r"""
import resource, sys, time
sys.path.insert(0, {src!r})
path = {path!r}
t0 = time.perf_counter()
parse_input = None
if {mode!r} == "parse":
    from e820scope.parse import parse_input
if parse_input is not None:
    log = parse_input(path)
    what, count = "parse_input", len(log.boots)
else:
    from e820scope.ingest import log_lines, open_inputs
    from e820scope.ingest.anchors import DEFAULT_ANCHORS
    count = 0
    for src in open_inputs(path):
        for _ in log_lines(src, anchors=DEFAULT_ANCHORS):
            count += 1
    what = "ingest.log_lines"
dt = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{what}} {{count}} {{dt}} {{rss}}")
"""


def build_capture(size_mib: int) -> Path:
    """Concatenate real lab chains until ``size_mib`` MiB; reuse an existing one."""
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"capture-{size_mib}MiB.log"
    want = size_mib << 20
    if target.exists() and target.stat().st_size >= want:
        return target
    stock = sorted(p for p in LAB.glob("*.log") if not p.name.startswith("patched"))
    chains = [LAB / "patched-6.1-ovmf-4g-chain.log", *stock]
    blobs = [p.read_bytes() for p in chains]
    tmp = target.with_suffix(".tmp")
    written = 0
    with tmp.open("wb") as fh:
        while written < want:
            for b in blobs:
                fh.write(b)
                written += len(b)
                if written >= want:
                    break
    tmp.replace(target)
    return target


def _child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_grep(path: Path, pattern: str) -> dict[str, float | int | str]:
    t0 = time.perf_counter()
    out = subprocess.run(
        ["grep", "-E", "-c", pattern, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    dt = time.perf_counter() - t0
    return {"seconds": dt, "matches": int(out.stdout.strip() or 0)}


def has_parser() -> bool:
    """True once ``e820scope.parse.parse_input`` exists (another developer's module)."""
    try:
        from e820scope.parse import parse_input  # noqa: F401
    except ImportError:
        return False
    return True


def run_e820scope(path: Path, mode: str) -> dict[str, float | int | str]:
    """Time one child: ``mode`` "parse" (parse_input) or "ingest" (log_lines only)."""
    code = _CHILD.format(src=str(REPO / "src"), path=str(path), mode=mode)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    what, count, inner, rss = out.stdout.split()
    return {
        "measured": what,
        "seconds": wall,
        "inner_seconds": float(inner),
        "items": int(count),
        "peak_rss_mb": float(rss),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mib", type=int, default=1024, help="capture size (default 1024)")
    ap.add_argument("--quick", action="store_true", help="64 MiB capture, one quick run")
    args = ap.parse_args(argv)
    size = 64 if args.quick else args.size_mib
    sys.path.insert(0, str(REPO / "src"))
    from e820scope.ingest.anchors import DEFAULT_ANCHORS, grep_pattern

    path = build_capture(size)
    nbytes = path.stat().st_size
    pattern = grep_pattern(DEFAULT_ANCHORS)
    # warm the page cache so neither side pays for the disk
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)
    g = run_grep(path, pattern)
    grep_rss = _child_rss_mb()
    mib = nbytes / (1 << 20)
    g_tp = mib / float(g["seconds"])
    runs = {"ingest": run_e820scope(path, "ingest")}
    if has_parser():
        runs["parse"] = run_e820scope(path, "parse")
    for r in runs.values():
        r["mib_per_s"] = round(mib / float(r["seconds"]), 1)
        r["throughput_ratio"] = round(float(r["mib_per_s"]) / g_tp, 3)
    e = runs.get("parse", runs["ingest"])
    e_tp = float(e["mib_per_s"])
    res = {
        "capture": str(path.relative_to(REPO)),
        "capture_mib": round(mib, 1),
        "grep": {**g, "mib_per_s": round(g_tp, 1), "peak_rss_mb": round(grep_rss, 1)},
        "e820scope": e,
        "e820scope_runs": runs,
        "throughput_ratio": round(e_tp / g_tp, 3),
        "target_ratio": round(1 / 3, 3),
        "rss_target_mb": 200,
        "cpus": os.cpu_count(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    (OUT / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    print(
        f"capture {mib:.0f} MiB | grep -E: {g['seconds']:.2f}s {g_tp:.0f} MiB/s | "
        f"e820scope ({e['measured']}): {e['seconds']:.2f}s {e_tp:.0f} MiB/s, "
        f"peak RSS {e['peak_rss_mb']:.0f} MB | ratio {res['throughput_ratio']} "
        f"(target >= 0.333) | results in {OUT.relative_to(REPO)}/results.json"
    )
    if "parse" in runs:
        i = runs["ingest"]
        print(
            f"  container layer alone (ingest.log_lines, same anchors): {i['seconds']:.2f}s "
            f"{i['mib_per_s']} MiB/s, ratio {i['throughput_ratio']}, "
            f"peak RSS {float(i['peak_rss_mb']):.0f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
