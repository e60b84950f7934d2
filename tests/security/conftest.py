"""Hostile inputs are generated here by the tests (never committed as files)."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: runs the CLI as a child and reports its exit code, output and peak RSS (KiB)
_RUN = """
import json, resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True, errors="replace")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": r.returncode, "out": r.stdout, "err": r.stderr, "rss_kib": rss}))
"""


@dataclass(frozen=True)
class Run:
    rc: int
    out: str
    err: str
    rss_mib: float


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    """``e820scope ARGS`` in a fresh process; its peak RSS is measured alone."""
    cmd = [sys.executable, "-c", _RUN, sys.executable, "-m", "e820scope", *args]
    full_env = {**os.environ, **(env or {})}
    res = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout)
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    return Run(d["rc"], d["out"], d["err"], d["rss_kib"] / 1024)


def drain(items: Iterable[object]) -> None:
    """Consume ``items`` without keeping them (a bomb yields millions of lines)."""
    collections.deque(items, maxlen=0)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
