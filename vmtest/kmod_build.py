"""Build kmod/ against an installed kernel's headers (``make -C kmod KVER=...``)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

KMOD = Path(__file__).resolve().parents[1] / "kmod"


def build_module(release: str, *, kdir: Path | None = None) -> tuple[Path, float]:
    """Return the built ``e820scope.ko`` and the build time in seconds."""
    args = ["make", "-C", str(KMOD), f"KVER={release}"]
    if kdir is not None:
        args.append(f"KDIR={kdir}")
    t0 = time.monotonic()
    r = subprocess.run(args, capture_output=True, text=True, check=False)
    took = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError(f"module build failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    warnings = [ln for ln in (r.stdout + r.stderr).splitlines() if "warning:" in ln]
    if warnings:
        raise RuntimeError("module build has warnings:\n" + "\n".join(warnings))
    return KMOD / "e820scope.ko", took
