"""``e820scope fleet`` throughput: hosts per second on 1 and 2 local workers and on a
2-worker Dask LocalCluster, and the client's peak RSS.

Usage (from the repository root, with the installed package's Python)::

    .venv/bin/python bench/fleet.py                # 2000 hosts, all three runs
    .venv/bin/python bench/fleet.py --hosts 200    # a smaller fleet
    .venv/bin/python bench/fleet.py --no-dask      # local runs only

The fleet is generated into a temporary directory (deleted at the end unless
``--keep``) from the real captures of samples/lab/, one directory per host, in turn:

* a prefix of the patched 6.1 chain (generations 1..k, k from 2 to 63, the lengths
  cycling through a fixed pseudo-random sequence), as one plain, gzip or xz file;
* the same chain cut into one file per generation (rotated-log names, oldest highest);
* the stock Debian 6.1 and 5.10 kexec chains (gzip, xz), a stock 6.1 cold boot (plain);
* the kernel matrix captures (Debian 5.10, 6.1, 6.12, 7.2; kexec_file_load, kexec_load,
  kdump), as shipped (xz);
* sosreport directories and sosreport tarballs (tar.xz) holding generations of the
  patched chain as rotated dmesg, journal exports (one repeated) and the current dmesg;
* every 100th host a binary file (an error row: the scan must go on).

Each run is a child process that scans the whole tree with
:func:`e820scope.fleet.scan.scan` (the rows are built, not rendered) and reports its
wall time, its own peak RSS (``VmHWM`` of /proc/self/status: the client only, not the
pool's workers; ``ru_maxrss`` would carry over the bench's own peak across ``exec``),
its CPU time and its pool's (``RUSAGE_CHILDREN``; a Dask cluster's workers are
not the client's children: their CPU time is read from them before and after).
``cores_obtained`` (CPU seconds over wall seconds) says how much of the machine a run
got: on a shared machine, hosts per CPU-second compares the runs' overheads when the
wall-clock ratio is set by the other load. The Dask cluster (2 worker
processes, 1 thread each) is started before its run and is not in the timed part; its
workers import e820scope on their first task, as the local pool's do. Baseline: the
1-worker run (the scan in the client's own process); ratios are against it, from the
same run of this script. Writes bench/out/fleet.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LAB = REPO / "samples" / "lab"
OUT = REPO / "bench" / "out"

_CHILD = r"""
import json, resource, sys, time
from e820scope.fleet.scan import ScanConfig, scan
root, workers, dask = sys.argv[1], int(sys.argv[2]), sys.argv[3] or None
t = time.perf_counter()
hosts = errors = losing = 0
for row in scan([root], (), ScanConfig(workers=workers, dask=dask, progress=False)):
    hosts += 1
    errors += row.error is not None
    losing += row.first_loss_generation is not None
seconds = time.perf_counter() - t
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
# VmHWM: this process's own peak (ru_maxrss would carry the bench's across exec)
with open("/proc/self/status") as fh:
    hwm = next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM:"))
print(json.dumps({"hosts": hosts, "errors": errors, "losing": losing,
                  "seconds": seconds, "client_peak_rss_kib": hwm,
                  "client_cpu_seconds": me.ru_utime + me.ru_stime,
                  "pool_cpu_seconds": kids.ru_utime + kids.ru_stime}))
"""


def _boots_text(path: Path) -> list[bytes]:
    """The capture cut at its boots (each boot's lines, as the parser numbers them)."""
    from e820scope.parse import parse_input

    lines = path.read_bytes().splitlines(keepends=True)
    return [b"".join(lines[b.first_line - 1 : b.last_line]) for b in parse_input(path).boots]


def _compress(data: bytes, fmt: str) -> bytes:
    if fmt == "gz":
        return gzip.compress(data, 6, mtime=0)
    if fmt == "xz":
        return lzma.compress(data, preset=1)
    return data


class FleetMaker:
    """Writes host directories; compressed contents are made once and copied."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.patched = _boots_text(LAB / "patched-6.1-ovmf-4g-chain.log")
        self.matrix = sorted((LAB / "matrix").glob("*.log.xz"))
        self.cache: dict[tuple[str, int, str], bytes] = {}
        self.tarballs: list[bytes] = []

    def _chain(self, k: int, fmt: str) -> bytes:
        key = ("chain", k, fmt)
        if key not in self.cache:
            self.cache[key] = _compress(b"".join(self.patched[:k]), fmt)
        return self.cache[key]

    def _sosreport(self, where: Path, host: str, gens: list[int]) -> Path:
        sos = where / f"sosreport-{host}"
        for d in ("sos_commands/kernel", "sos_commands/logs", "var/log"):
            (sos / d).mkdir(parents=True)
        (sos / "hostname").write_text(f"{host}\n")
        *old, last = gens
        for n, g in enumerate(reversed(old)):
            (sos / f"var/log/dmesg.{n}").write_bytes(self.patched[g - 1])
        # the journal's previous boot repeats dmesg.0 (counted once by the fleet scan)
        (sos / "sos_commands/logs/journalctl_--no-pager_--boot_-1").write_bytes(
            self.patched[old[-1] - 1]
        )
        (sos / "sos_commands/kernel/dmesg").write_bytes(self.patched[last - 1])
        return sos

    def host(self, i: int) -> None:
        d = self.root / f"host{i:05d}"
        d.mkdir()
        k = 2 + (i * 37) % 62  # chain lengths 2..63 in a fixed scrambled order
        kind = i % 10
        if i % 100 == 99:
            (d / "dmesg").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(4096))
        elif kind in (0, 1, 2):
            fmt = ("log", "gz", "xz")[kind]
            (d / f"console.{fmt}").write_bytes(self._chain(k, fmt))
        elif kind == 3:
            for g in range(1, min(k, 6) + 1):
                n = min(k, 6) - g
                (d / (f"dmesg.{n}.gz" if n else "dmesg")).write_bytes(
                    _compress(self.patched[g - 1], "gz" if n else "log")
                )
        elif kind == 4:
            (d / "kern.log.gz").write_bytes(self._file(LAB / "stock-6.1-ovmf-6g-chain.log", "gz"))
        elif kind == 5:
            (d / "kern.log.1.xz").write_bytes(
                self._file(LAB / "stock-5.10-ovmf-6g-chain.log", "xz")
            )
        elif kind == 6:
            shutil.copy(LAB / "stock-6.1-seabios-2g-boot.log", d / "dmesg")
        elif kind == 7:
            shutil.copy(self.matrix[i % len(self.matrix)], d / "console.log.xz")
        elif kind == 8:
            self._sosreport(d, f"host{i:05d}", list(range(max(1, k - 3), k + 1)))
        else:
            (d / "sosreport.tar.xz").write_bytes(self._tarball(k))

    def _file(self, path: Path, fmt: str) -> bytes:
        key = (str(path), 0, fmt)
        if key not in self.cache:
            self.cache[key] = _compress(path.read_bytes(), fmt)
        return self.cache[key]

    def _tarball(self, k: int) -> bytes:
        key = ("tar", k % 8, "xz")
        if key not in self.cache:
            with tempfile.TemporaryDirectory() as tmp:
                sos = self._sosreport(Path(tmp), f"tar{k % 8}", list(range(max(1, k - 2), k + 1)))
                out = Path(tmp) / "s.tar.xz"
                with tarfile.open(out, "w:xz") as tf:
                    tf.add(sos, arcname=sos.name)
                self.cache[key] = out.read_bytes()
        return self.cache[key]


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def run_child(root: Path, workers: int, dask: str = "") -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), str(workers), dask],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(f"the scan failed (workers={workers} dask={dask!r}):\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    result["hosts_per_second"] = result["hosts"] / result["seconds"]
    return result


def _cpu_seconds() -> float:
    """This process's CPU time (run on each Dask worker)."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def run_dask(root: Path) -> dict[str, Any]:
    """The scan through a 2-worker LocalCluster; the workers' CPU time is read from them
    before and after (they are not the client's children)."""
    import logging

    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        before = sum(client.run(_cpu_seconds).values())
        result = run_child(root, 0, cluster.scheduler_address)
        result["pool_cpu_seconds"] = sum(client.run(_cpu_seconds).values()) - before
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, default=2000)
    ap.add_argument("--no-dask", action="store_true", help="local runs only")
    ap.add_argument("--keep", action="store_true", help="keep the generated fleet")
    ap.add_argument("--out", type=Path, default=OUT / "fleet.json")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="e820scope-fleet-bench-"))
    try:
        t = time.perf_counter()
        maker = FleetMaker(root)
        for i in range(args.hosts):
            maker.host(i)
        made = time.perf_counter() - t
        size = tree_bytes(root)
        print(f"fleet: {args.hosts} hosts, {size / 2**20:.1f} MiB, made in {made:.1f} s")
        results: dict[str, Any] = {
            "hosts": args.hosts,
            "bytes": size,
            "cores": len(os.sched_getaffinity(0)),
            "load_before": os.getloadavg()[0],
        }
        runs = {"local_1": run_child(root, 1), "local_2": run_child(root, 2)}
        if not args.no_dask:
            runs["dask_2"] = run_dask(root)
        base = runs["local_1"]["hosts_per_second"]
        for name, r in runs.items():
            r["ratio_to_local_1"] = r["hosts_per_second"] / base
            cpu = r["client_cpu_seconds"] + r["pool_cpu_seconds"]
            r["hosts_per_cpu_second"] = r["hosts"] / cpu
            r["cores_obtained"] = cpu / r["seconds"]
            print(
                f"{name:8} {r['hosts_per_second']:7.1f} hosts/s  x{r['ratio_to_local_1']:.2f}  "
                f"{r['seconds']:6.1f} s  client RSS {r['client_peak_rss_kib'] / 1024:.0f} MiB  "
                f"{r['hosts_per_cpu_second']:.1f} hosts/CPU-s  {r['cores_obtained']:.2f} cores  "
                f"rows {r['hosts']} (errors {r['errors']}, losing {r['losing']})"
            )
        results["runs"] = runs
        results["load_after"] = os.getloadavg()[0]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")
    finally:
        if args.keep:
            print(f"fleet kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
