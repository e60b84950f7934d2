"""Build kmod/ against a kernel's headers; any compiler warning fails the build.

* :func:`build_module` — an installed kernel (``make -C kmod KVER=...``) or a configured
  tree (``KDIR=``);
* :func:`build_for` — a kernel of the matrix (:mod:`vmtest.kernels`): with the host's gcc
  where that release's headers accept it (bullseye, bookworm), else in a chroot of the
  release (:mod:`vmtest.chroot`). The module is written to ``<out>/e820scope-<name>.ko``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .kernels import Fetched

KMOD = Path(__file__).resolve().parents[1] / "kmod"


def _check_warnings(log: str) -> None:
    warnings = [ln for ln in log.splitlines() if "warning:" in ln.lower()]
    if warnings:
        raise RuntimeError("module build has warnings:\n" + "\n".join(warnings))


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
    _check_warnings(r.stdout + r.stderr)
    return KMOD / "e820scope.ko", took


def build_for(f: Fetched, out: Path) -> tuple[Path, float]:
    """Build the module for matrix kernel ``f``; return (ko, seconds)."""
    ko = out / f"e820scope-{f.kernel.name}.ko"
    if f.kernel.chroot:
        from .chroot import build_in_chroot

        _, took, log = build_in_chroot(f, KMOD, ko)
        _check_warnings(log)
        return ko, took
    # Out of tree, in a private copy of kmod/ (the working tree's kmod/ stays clean).
    # CC=gcc: bullseye's headers name gcc-10, which bookworm lacks; gcc-12 builds it
    # without a warning.
    with tempfile.TemporaryDirectory(prefix="e820scope-kmod.") as tmp:
        for src in ("e820scope.c", "Kbuild"):
            shutil.copy2(KMOD / src, Path(tmp) / src)
        t0 = time.monotonic()
        r = subprocess.run(
            ["make", "-C", str(f.headers), f"M={tmp}", "CC=gcc", "modules"],
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.monotonic() - t0
        log = r.stdout + r.stderr
        if r.returncode != 0:
            raise RuntimeError(f"module build for {f.release} failed:\n{log[-3000:]}")
        _check_warnings(log)
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(tmp) / "e820scope.ko", ko)
    return ko, took
