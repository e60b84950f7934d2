"""Build kmod/ with a release's own compiler, in a debootstrap chroot of that release.

Trixie's headers ask for gcc-14 (``-fmin-function-alignment``, which bookworm's gcc-12
rejects) and forky's for gcc-16; their kbuild binaries need glibc >= 2.38. For those
kernels (:attr:`vmtest.kernels.Kernel.chroot`) :func:`build_in_chroot`:

1. creates ``<kernels dir>/chroot/<suite>`` with ``debootstrap --variant=minbase`` (~25 s)
   and installs make, pahole and the compiler the headers depend on (~1-2 min, once);
2. copies the unpacked kernel tree (vmlinuz, headers, kbuild) to the *same absolute path*
   inside the chroot, so the paths written into the headers' Makefile hold there too;
3. copies kmod/'s sources in, runs ``make -C <headers> M=/build/kmod modules`` inside,
   and copies ``e820scope.ko`` out.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from .kernels import MIRROR, Fetched, PrivateApt, base_dir

SID_SCRIPT = Path("/usr/share/debootstrap/scripts/sid")  # bookworm's debootstrap has no forky
HOST_APT_CONF = Path("/etc/apt/apt.conf.d/99artifact-registry")
EXTRA = ("make", "pahole", "libelf1t64", "libssl3t64", "zlib1g")


def _compiler(apt: PrivateApt, f: Fetched) -> list[str]:
    """The gcc packages linux-headers-<release> depends on (gcc-14, gcc-16-for-host)."""
    deps = apt.depends(f"linux-headers-{f.release}", f.version)
    return [d for d in deps if d.startswith("gcc-")]


def _chroot_run(root: Path, *cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["chroot", str(root), *cmd],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"},
    )


def ensure_chroot(f: Fetched) -> Path:
    """The chroot of ``f.kernel.suite`` with its compiler installed (created once)."""
    suite = f.kernel.suite
    root = base_dir() / "chroot" / suite
    ready = root / ".e820scope-ready"
    if ready.exists():
        return root
    if not root.exists():
        args = ["debootstrap", "--variant=minbase", suite, str(root), MIRROR]
        script = Path("/usr/share/debootstrap/scripts") / suite
        if not script.exists():
            args.append(str(SID_SCRIPT))
        r = subprocess.run(args, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"debootstrap {suite} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    gcc = _compiler(PrivateApt(base_dir() / "apt"), f)
    # The host's apt configuration (/etc/apt/apt.conf.d) is not seen inside the chroot;
    # carry over the one setting the project's registry mirror needs (its Release files
    # can be older than their Valid-Until date).
    if HOST_APT_CONF.exists():
        dest = root / "etc/apt/apt.conf.d" / HOST_APT_CONF.name
        shutil.copy2(HOST_APT_CONF, dest)
    for cmd in (
        ("apt-get", "-qq", "update"),
        ("apt-get", "install", "-y", "-qq", "--no-install-recommends", *gcc, *EXTRA),
    ):
        r = _chroot_run(root, *cmd)
        if r.returncode != 0:
            raise RuntimeError(f"chroot {suite}: {' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    ready.write_text(" ".join(gcc) + "\n")
    return root


def build_in_chroot(f: Fetched, kmod: Path, out: Path) -> tuple[Path, float, str]:
    """Build ``kmod`` against ``f`` in its release's chroot; return (ko, seconds, log)."""
    root = ensure_chroot(f)
    inside = root / str(f.root).lstrip("/")
    if not (inside / "usr/src").is_dir():
        shutil.rmtree(inside, ignore_errors=True)
        inside.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(f.root, inside, symlinks=True)
    build = root / "build/kmod"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    for src in ("e820scope.c", "Kbuild"):
        shutil.copy2(kmod / src, build / src)
    t0 = time.monotonic()
    # objtool reads /proc/self/limits: /proc is mounted for the build only
    subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], check=True)
    try:
        r = _chroot_run(root, "make", "-C", str(f.headers), "M=/build/kmod", "modules")
    finally:
        subprocess.run(["umount", str(root / "proc")], check=True)
    took = time.monotonic() - t0
    log = r.stdout + r.stderr
    if r.returncode != 0:
        raise RuntimeError(f"module build in the {f.kernel.suite} chroot failed:\n{log[-3000:]}")
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(build / "e820scope.ko", out)
    return out, took, log
