"""Build and load the companion module (``e820scope live --load``), as root.

The table addresses are read from /proc/kallsyms and handed to the module as parameters;
the module verifies each one with sprint_symbol() and refuses to load otherwise
(kmod/README.md). Without the addresses (kptr_restrict, no KALLSYMS_ALL) the module is
loaded without parameters and tries the kprobe route itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import UnavailableError

KALLSYMS_TABLES = ("e820_table", "e820_table_kexec", "e820_table_firmware")


def kallsyms_params(text: str) -> list[str]:
    """``<sym>_addr=0x...`` for each table symbol with a non-zero address in ``text``."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] in KALLSYMS_TABLES and int(parts[0], 16) != 0:
            out.append(f"{parts[2]}_addr=0x{parts[0]}")
    return out


def kmod_candidates() -> tuple[Path, ...]:
    """Where :func:`default_kmod_dir` looks, in order: the sources shipped inside the
    package (``e820scope/kmod``, same version as the tool), kmod/ of a source checkout
    the package runs from, a DKMS source tree."""
    here = Path(__file__).resolve()
    return (here.parents[1] / "kmod", here.parents[3] / "kmod", Path("/usr/src/e820scope-0.1.0"))


def default_kmod_dir() -> Path | None:
    """The first of :func:`kmod_candidates` that holds e820scope.c, else None."""
    return next((c for c in kmod_candidates() if (c / "e820scope.c").is_file()), None)


def build_and_load(kmod_dir: Path | None, *, release: str) -> str:
    """Build ``kmod_dir`` against ``release``'s headers and insmod it; returns a summary."""
    if os.geteuid() != 0:
        raise UnavailableError("--load needs root", hint="run with sudo, or load kmod/ yourself")
    if Path("/sys/kernel/e820scope").is_dir():
        return "module already loaded"
    if kmod_dir is None:
        raise UnavailableError(
            "kmod/ sources not found in " + ", ".join(map(str, kmod_candidates())),
            hint="pass --kmod-dir pointing at e820scope's kmod/",
        )
    build = Path(f"/lib/modules/{release}/build")
    if not build.exists():
        raise UnavailableError(
            f"no kernel headers for {release} at {build}",
            hint=f"install linux-headers-{release} (kmod/TROUBLESHOOTING.md)",
        )
    # build in a temporary copy: the installed package (or the user's directory) is not
    # written to; the module stays loaded when the copy is removed
    with tempfile.TemporaryDirectory(prefix="e820scope-kmod-") as work:
        params = _build_and_insmod(Path(shutil.copytree(kmod_dir, Path(work) / "kmod")), release)
    how = "with /proc/kallsyms addresses" if params else "via the kprobe route"
    return f"module loaded {how}"


def _build_and_insmod(kmod_dir: Path, release: str) -> list[str]:
    """``make`` in ``kmod_dir`` and ``insmod`` the result; the kallsyms parameters used."""
    r = subprocess.run(
        ["make", "-C", str(kmod_dir), f"KVER={release}"], capture_output=True, text=True
    )
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["?"]
        raise UnavailableError(
            f"module build failed: {tail[0]}", hint="see kmod/TROUBLESHOOTING.md"
        )
    params = kallsyms_params(Path("/proc/kallsyms").read_text())
    r = subprocess.run(
        ["insmod", str(kmod_dir / "e820scope.ko"), *params], capture_output=True, text=True
    )
    if r.returncode != 0:
        raise UnavailableError(
            f"insmod failed: {r.stderr.strip()}",
            hint="dmesg | grep e820scope says why (kmod/TROUBLESHOOTING.md)",
        )
    return params
