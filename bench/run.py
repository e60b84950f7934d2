"""e820scope throughput vs ``grep -E`` on a >= 1 GiB multi-boot console capture.

Usage (from the repository root, with the installed package's Python)::

    .venv/bin/python bench/run.py                    # 1 GiB capture, full run
    .venv/bin/python bench/run.py --size-mib 2048    # any size (RSS must not grow with it)
    .venv/bin/python bench/run.py --quick            # 64 MiB smoke run
    .venv/bin/python bench/run.py --vary-timestamps  # other printk times per repetition
    .venv/bin/python bench/run.py --pure             # the pure-Python twins only
    .venv/bin/python bench/run.py --src /tmp/old/src # another source tree (before/after)

Builds a capture under bench/out/ by repeating the real QEMU kexec chains of
samples/lab/ (the patched 63-generation chain first, then the stock chains, over and over)
until the size is reached, then times, each in its own subprocess and in one run:

* ``grep -E -c '<key strings>'``: the key strings are exactly the anchors the parser hands
  to the container layer (:data:`e820scope.parse.anchors.ANCHORS`, which is
  :data:`e820scope.ingest.anchors.DEFAULT_ANCHORS` plus any parser-only extra);
* ``ingest``: :func:`e820scope.ingest.log_lines` with the same anchors, every LogLine
  counted (the container layer alone);
* ``parse``: :func:`e820scope.parse.iter_boots`, every Boot record built and dropped:
  the parse throughput, the headline ratio;
* ``cli``: ``python -m e820scope parse --json FILE > /dev/null`` (the whole user path:
  container layer, parser, JSON rendering).

grep, ingest and parse run ``--repeat`` times (default 3), taken in turn (grep,
ingest, parse, grep, ...), so that a slow spell of a shared machine falls on all of
them; each stage's figure is its fastest run (all run times and the median are kept),
and its peak RSS the largest of its runs. The cli runs once.

Each child's CPU time and peak RSS come from ``/usr/bin/time`` (its own figures, not
the maximum over all children); wall time is the bench's own clock around the child.
``throughput_ratio`` is wall-clock MiB/s over grep's, fastest run against fastest run;
``median_ratio`` the same from the medians; ``cpu_ratio`` (CPU seconds) is less
sensitive to other load on a shared machine. The 1-minute load average is recorded
before and after, and whether the measured package uses its native seam
(``e820scope._native``). Writes bench/out/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
LAB = REPO / "samples" / "lab"

#: Each child runs with PYTHONPATH=--src when one is given, so it imports that tree.
#: the container layer alone, in a child process (format field: path)
_INGEST = r"""
from e820scope.ingest import log_lines, open_inputs
try:
    from e820scope.parse.anchors import ANCHORS
except ImportError:
    from e820scope.ingest.anchors import DEFAULT_ANCHORS as ANCHORS
count = 0
for src in open_inputs({path!r}):
    for _ in log_lines(src, anchors=ANCHORS):
        count += 1
print(count)
"""

#: container layer + parser, boots built and dropped (streaming), nothing rendered
_PARSE = r"""
from e820scope.parse import iter_boots
print(sum(1 for _ in iter_boots({path!r})))
"""

#: the same on ``jobs`` worker processes (e820scope.parse.parallel): every Boot built in
#: a worker and handed to this process, in order (format fields: path, jobs)
_PARSE_JOBS = r"""
from e820scope.parse.api import BootStream
print(sum(1 for _ in BootStream({path!r}, jobs={jobs})))
"""

#: the anchors the parser uses, as a grep -E pattern
_PATTERN = r"""
from e820scope.ingest.anchors import grep_pattern
try:
    from e820scope.parse.anchors import ANCHORS
except ImportError:
    from e820scope.ingest.anchors import DEFAULT_ANCHORS as ANCHORS
print(grep_pattern(tuple(ANCHORS)))
"""

#: whether the measured package uses its native seam
_SPEEDUPS = r"""
import json
try:
    from e820scope._native import load
    status = {"_scan": load() is not None}
except ImportError:
    from e820scope._speedups import status as _status
    status = _status()
print(json.dumps(status))
"""

_TS = re.compile(rb"\[( *)(\d+)\.(\d{6})\]")


def _shift(blob: bytes, k: int) -> bytes:
    """``blob`` with every printk time after 0 moved by ``k`` microseconds.

    The width of the field is kept, so only the digits change: a real console server
    never sees two generations print a message at the same microsecond.
    """
    if not k:
        return blob

    def sub(m: re.Match[bytes]) -> bytes:
        us = int(m.group(2)) * 1_000_000 + int(m.group(3))
        if us == 0:
            return m.group(0)  # [    0.000000] is printed as such by every boot
        us += k
        body = f"{us // 1_000_000}.{us % 1_000_000:06d}".encode()
        width = len(m.group(0)) - 2
        return b"[" + body.rjust(width) + b"]"

    return _TS.sub(sub, blob)


def build_capture(size_mib: int, vary: bool, workdir: Path = OUT) -> Path:
    """Concatenate real lab chains until ``size_mib`` MiB; reuse an existing one.

    With ``vary``, repetition ``n`` of a chain has its printk times moved by ``n % 97``
    microseconds (97 variants, so an exact line comes back only every 97 repetitions).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / f"capture-{size_mib}MiB{'-varied' if vary else ''}.log"
    want = size_mib << 20
    if target.exists() and target.stat().st_size >= want:
        return target
    stock = sorted(p for p in LAB.glob("*.log") if not p.name.startswith("patched"))
    chains = [LAB / "patched-6.1-ovmf-4g-chain.log", *stock]
    blobs = [p.read_bytes() for p in chains]
    variants: dict[tuple[int, int], bytes] = {}
    tmp = target.with_suffix(".tmp")
    written = 0
    rep = 0
    with tmp.open("wb") as fh:
        while written < want:
            for i, b in enumerate(blobs):
                if vary:
                    key = (i, rep % 97)
                    if key not in variants:
                        variants[key] = _shift(b, key[1] * 7)
                    b = variants[key]
                fh.write(b)
                written += len(b)
                if written >= want:
                    break
            rep += 1
    tmp.replace(target)
    return target


def _reap(cmd: list[str], env: dict[str, str], stdout: Any = subprocess.PIPE) -> dict[str, Any]:
    """Run ``cmd``: wall and CPU seconds, peak RSS (MB), stdout and the end of stderr.

    Wall time is this process's clock. CPU time and peak RSS come from ``/usr/bin/time``
    when it exists: ``getrusage``/``wait4`` from this process would report at least
    this process's own peak RSS for every child (Linux starts a child's maximum RSS at
    its parent's when it forks), which hides grep's few MB; ``time`` is small, so its
    child's figure is the child's own.
    """
    timer = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = [timer, "-f", "%U %S %M", "-o", tf.name, *cmd] if timer else cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdout=stdout, stderr=subprocess.PIPE, env=env)
        out, err = proc.communicate()
        wall = time.perf_counter() - t0
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, rss_kb = ru.ru_utime + ru.ru_stime, ru.ru_maxrss  # fallback: all children
        if timer:
            # the wall time stays this process's own clock: time's %e has a 10 ms
            # resolution, and a tiny capture's grep run can read 0.00
            fields = tf.read().split()[-3:]
            cpu, rss_kb = float(fields[0]) + float(fields[1]), int(fields[2])
    if proc.returncode not in (0, 1):  # grep -c exits 1 when nothing matches
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_rss_mb": round(rss_kb / 1024, 1),
        "stdout": (out or b"").decode().strip(),
        "stderr_tail": err.decode()[-300:].strip(),
    }


def _analyses(path: Path, env: dict[str, str], jobs: int) -> dict[str, dict[str, Any]]:
    """``timeline`` and ``predict`` of the capture, once each, serially and on ``jobs``
    workers. Peak RSS is the largest process's (``/usr/bin/time``: the command or one of
    its workers, each its own), not their sum."""
    out: dict[str, dict[str, Any]] = {}
    for command in ("timeline", "predict"):
        for j in sorted({1, jobs} - {0}):
            cmd = [sys.executable, "-m", "e820scope", command, "-q", "-j", str(j), str(path)]
            with Path(os.devnull).open("wb") as null:
                r = _reap(cmd, env, stdout=null)
            r.pop("stdout")
            out[f"{command}_j{j}"] = r
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--size-mib", type=int, default=1024, help="capture size (default 1024)")
    ap.add_argument("--quick", action="store_true", help="64 MiB capture")
    ap.add_argument(
        "--vary-timestamps",
        action="store_true",
        help="shift printk times per repetition (no exact line recurs between neighbours)",
    )
    ap.add_argument(
        "--src",
        default="",
        help="source tree to measure (default: the e820scope this Python imports, i.e. the "
        "installed package with its native seam)",
    )
    ap.add_argument(
        "--pure", action="store_true", help="E820SCOPE_PURE=1: the seam's pure-Python twin"
    )
    ap.add_argument("--skip-cli", action="store_true", help="grep and ingest only")
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of grep, ingest and parse, taken in turn (default 3); each stage's "
        "figure is its fastest run, the ratios compare fastest runs (the cli runs once)",
    )
    ap.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="also time the parse on N worker processes (stage parse_jN) and the user's "
        "parse --json -j N (stage cli_jN)",
    )
    ap.add_argument(
        "--analyses",
        action="store_true",
        help="also run timeline and predict (-q, output to /dev/null) once each, serially "
        "and, with --jobs, on N workers: time and peak RSS",
    )
    ap.add_argument("--out", default=str(OUT / "results.json"), help="results file")
    ap.add_argument(
        "--workdir", default=str(OUT), help="where the capture is built and kept (bench/out)"
    )
    args = ap.parse_args(argv)
    size = 64 if args.quick else args.size_mib
    src = str(Path(args.src).resolve()) if args.src else ""
    env = {**os.environ, "LC_ALL": "C"}
    if src:
        env["PYTHONPATH"] = src
    if args.pure:
        env["E820SCOPE_PURE"] = "1"
    speedups = json.loads(
        subprocess.run(
            [sys.executable, "-c", _SPEEDUPS],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
    )
    load_before = os.getloadavg()[0]

    path = build_capture(size, args.vary_timestamps, Path(args.workdir))
    nbytes = path.stat().st_size
    mib = nbytes / (1 << 20)
    pattern = subprocess.run(
        [sys.executable, "-c", _PATTERN],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    # warm the page cache so no run pays for the disk
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)

    stages: dict[str, list[str]] = {
        "grep": ["grep", "-E", "-c", pattern, str(path)],
        "ingest": [sys.executable, "-c", _INGEST.format(path=str(path))],
    }
    if not args.skip_cli:
        stages["parse"] = [sys.executable, "-c", _PARSE.format(path=str(path))]
        if args.jobs > 1:
            stages[f"parse_j{args.jobs}"] = [
                sys.executable,
                "-c",
                _PARSE_JOBS.format(path=str(path), jobs=args.jobs),
            ]
    # the stages in turn, so that a slow spell of a shared machine hits all of them
    tries: dict[str, list[dict[str, Any]]] = {name: [] for name in stages}
    for _ in range(max(1, args.repeat)):
        for name, cmd in stages.items():
            tries[name].append(_reap(cmd, env))
    runs: dict[str, dict[str, Any]] = {}
    for name, got in tries.items():
        items = {r.pop("stdout") or "0" for r in got}
        if len(items) != 1:
            raise SystemExit(f"{name} counted differently from run to run: {sorted(items)}")
        best = dict(min(got, key=lambda r: r["seconds"]))
        best["items"] = int(items.pop())
        best["runs_seconds"] = [r["seconds"] for r in got]
        best["median_seconds"] = round(statistics.median(best["runs_seconds"]), 3)
        best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in got)
        runs[name] = best
    if not args.skip_cli:
        with Path(os.devnull).open("wb") as null:
            runs["cli"] = _reap(
                [sys.executable, "-m", "e820scope", "parse", "--json", "-q", "-j", "1", str(path)],
                env,
                stdout=null,
            )
        runs["cli"].pop("stdout")
        if args.jobs > 1:  # the user's path on N workers (they render the JSON)
            with Path(os.devnull).open("wb") as null:
                cmd = ["parse", "--json", "-q", "-j", str(args.jobs), str(path)]
                runs[f"cli_j{args.jobs}"] = _reap(
                    [sys.executable, "-m", "e820scope", *cmd],
                    env,
                    stdout=null,
                )
            runs[f"cli_j{args.jobs}"].pop("stdout")
    if args.analyses:
        runs.update(_analyses(path, env, args.jobs))
    g = runs["grep"]
    for r in runs.values():
        if not r.get("stderr_tail"):
            r.pop("stderr_tail", None)
        r["mib_per_s"] = round(mib / r["seconds"], 1)
        r["throughput_ratio"] = round(g["seconds"] / r["seconds"], 3)
        r["cpu_ratio"] = round(g["cpu_seconds"] / max(r["cpu_seconds"], 1e-9), 3)
        if "median_seconds" in r:
            r["median_ratio"] = round(g["median_seconds"] / r["median_seconds"], 3)
    # the target is the parse throughput: the parser over the whole capture,
    # every Boot record built (the CLI also renders them, which grep has no part of)
    headline = "parse" if "parse" in runs else "ingest"
    head = runs[headline]
    res = {
        "capture": str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path),
        "capture_mib": round(mib, 1),
        "varied_timestamps": args.vary_timestamps,
        "src": src or "installed package",
        "accelerators": speedups,
        "grep_pattern_strings": pattern.count("|") + 1,
        "runs": runs,
        "headline": headline,
        "throughput_ratio": head["throughput_ratio"],
        "median_ratio": head.get("median_ratio"),
        "repeat": max(1, args.repeat),
        "cpu_ratio": head["cpu_ratio"],
        "peak_rss_mb": head["peak_rss_mb"],
        "target_ratio": round(1 / 3, 3),
        "rss_target_mb": 200,
        "cpus": os.cpu_count(),
        "load_avg_1min_before": round(load_before, 2),
        "load_avg_1min_after": round(os.getloadavg()[0], 2),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(
        f"capture {mib:.0f} MiB{' (varied timestamps)' if args.vary_timestamps else ''}, "
        f"load {res['load_avg_1min_before']} -> {res['load_avg_1min_after']} "
        f"on {res['cpus']} cpus; e820scope from {res['src']}, native code in use: "
        + (", ".join(k for k, v in speedups.items() if v) or "none")
    )
    for name, r in runs.items():
        print(
            f"  {name:7s} {r['seconds']:8.2f}s wall {r['cpu_seconds']:8.2f}s cpu "
            f"{r['mib_per_s']:7.1f} MiB/s  ratio {r['throughput_ratio']:.3f} "
            f"(cpu {r['cpu_ratio']:.3f})  peak RSS {r['peak_rss_mb']:.0f} MB"
            + (f"  items {r['items']}" if "items" in r else "")
            + (
                f"  runs {'/'.join(f'{x:.2f}' for x in r['runs_seconds'])}"
                f" (median ratio {r['median_ratio']:.3f})"
                if "runs_seconds" in r
                else ""
            )
        )
    print(
        f"target: {headline} ratio >= 0.333, RSS < 200 MB: ratio {res['throughput_ratio']:.3f}"
        f" (fastest of {res['repeat']} runs each; median ratio "
        f"{res['median_ratio'] if res['median_ratio'] is not None else 'n/a'})"
        f", RSS {res['peak_rss_mb']:.0f} MB | results in {out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
