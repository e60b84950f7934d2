"""Time and profile the parse stage against ``grep -E -c`` on one capture.

Usage (from the repository root)::

    python tools/profile_parse.py CAPTURE [--mode iter|input|ingest] [--src DIR]
                                          [--profile N] [--build dense|sparse --mib M]

``--build`` first writes CAPTURE by concatenating samples/lab chains (``dense``: the
63-generation patched kexec chain again and again; ``sparse``: the stock chains, where
about one line in six holds a key string) up to ``--mib`` MiB. Put it outside the
repository (e.g. /tmp).

Each measurement runs in a fresh subprocess so its peak RSS (``ru_maxrss``) is its own:

* ``grep -E -c`` over the key strings the parser hands to the container layer
  (:data:`e820scope.parse.anchors.ANCHORS` = the container's ``DEFAULT_ANCHORS`` plus the
  parser's extras), ``LC_ALL=C``;
* e820scope: ``iter`` = :func:`e820scope.parse.iter_boots` (streaming), ``input`` =
  :func:`e820scope.parse.parse_input` (all boots kept), ``ingest`` = the container layer
  alone.

``--profile N`` runs the e820scope side under cProfile instead and prints the N most
expensive functions (cumulative and own time). ``--src`` points at another source tree
(to time an older copy of the code against the same file in the same run).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import resource, sys, time
sys.path.insert(0, {src!r})
mode, path, prof = {mode!r}, {path!r}, {prof!r}
def work():
    if mode == "iter":
        from e820scope.parse import iter_boots
        n = 0
        for _ in iter_boots(path):
            n += 1
        return n
    if mode == "input":
        from e820scope.parse import parse_input
        return len(parse_input(path).boots)
    from e820scope.ingest import log_lines, open_inputs
    from e820scope.parse.anchors import ANCHORS
    n = 0
    for src in open_inputs(path):
        for _ in log_lines(src, anchors=ANCHORS):
            n += 1
    return n
t0 = time.perf_counter()
if prof:
    import cProfile, pstats
    pr = cProfile.Profile()
    pr.enable()
    n = work()
    pr.disable()
    st = pstats.Stats(pr, stream=sys.stderr)
    st.sort_stats("cumulative").print_stats(prof)
    st.sort_stats("tottime").print_stats(prof)
else:
    n = work()
dt = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(n, dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)
"""


def build(path: Path, kind: str, mib: int) -> None:
    """Concatenate samples/lab chains into ``path`` until it holds ``mib`` MiB."""
    lab = REPO / "samples" / "lab"
    if kind == "dense":
        files = [lab / "patched-6.1-ovmf-4g-chain.log"]
    else:
        files = sorted(p for p in lab.glob("stock*.log"))
    blobs = [p.read_bytes() for p in files]
    want, written = mib << 20, 0
    with path.open("wb") as fh:
        while written < want:
            for b in blobs:
                fh.write(b)
                written += len(b)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def grep_seconds(path: Path, src: str) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, matching lines) of ``grep -E -c`` over the anchors."""
    sys.path.insert(0, src)
    from e820scope.ingest.anchors import grep_pattern
    from e820scope.parse.anchors import ANCHORS

    pattern = grep_pattern(tuple(ANCHORS))
    c0 = _children_cpu()
    t0 = time.perf_counter()
    out = subprocess.run(
        ["grep", "-E", "-c", pattern, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    wall = time.perf_counter() - t0
    return wall, _children_cpu() - c0, int(out.stdout.strip() or 0)


def run_child(path: Path, mode: str, src: str, prof: int) -> tuple[int, float, float, float]:
    """(items, wall seconds, CPU seconds, peak RSS MB) of one e820scope child."""
    code = _CHILD.format(src=src, mode=mode, path=str(path), prof=prof)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(out.returncode)
    if prof:
        sys.stderr.write(out.stderr)
    n, dt, cpu, rss = out.stdout.split()
    return int(n), float(dt), float(cpu), float(rss)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("capture", type=Path)
    ap.add_argument("--mode", choices=("iter", "input", "ingest"), default="iter")
    ap.add_argument("--src", default=str(REPO / "src"), help="source tree to import from")
    ap.add_argument("--profile", type=int, default=0, metavar="N")
    ap.add_argument("--build", choices=("dense", "sparse"))
    ap.add_argument("--mib", type=int, default=64)
    args = ap.parse_args(argv)
    if args.build:
        build(args.capture, args.build, args.mib)
    mib = args.capture.stat().st_size / (1 << 20)
    subprocess.run(["cat", str(args.capture)], stdout=subprocess.DEVNULL, check=True)
    gsec, gcpu, gmatch = grep_seconds(args.capture, args.src)
    n, sec, cpu, rss = run_child(args.capture, args.mode, args.src, args.profile)
    print(
        f"{args.capture.name} {mib:.0f} MiB | grep -E -c: {gsec:.2f}s wall {gcpu:.2f}s cpu "
        f"({gmatch} lines) | e820scope {args.mode}: {sec:.2f}s wall {cpu:.2f}s cpu ({n} items)"
        f" | ratio wall {gsec / sec:.3f} (1/{sec / gsec:.1f}) cpu {gcpu / cpu:.3f} "
        f"(1/{cpu / gcpu:.1f}) | peak RSS {rss:.0f} MB | load {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
