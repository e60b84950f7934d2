"""Build the guest initramfs: static busybox, kexec (+ its shared libraries), the kernel
as /vmlinuz, vmtest/guest_init.sh as /init and, optionally, the module as /e820scope.ko.

The running guest rebuilds an identical image with ``cpio -H newc`` before each kexec
(the kernel frees its initramfs), so the image need not contain itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .tools import Tools

GUEST_INIT = Path(__file__).with_name("guest_init.sh")


def _shared_libs(binary: Path) -> list[Path]:
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False).stdout
    return [Path(p) for p in re.findall(r"(/\S+)", out)]


def build_initramfs(
    tools: Tools,
    out: Path,
    *,
    module: Path | None = None,
    kernel: Path | None = None,
    more_kernels: Mapping[str, Path] | None = None,
    modules_by_release: Mapping[str, Path] | None = None,
) -> Path:
    """Write an uncompressed newc archive to ``out`` and return it.

    ``more_kernels`` become ``/vmlinuz-<name>`` (chains through several kernels,
    ``vmtest.kseq=``), ``modules_by_release`` ``/lib/e820scope/<release>.ko`` (the guest
    loads the one of its ``uname -r``).
    """
    kernel = kernel or tools.kernel
    if not (tools.busybox and tools.kexec and kernel):
        raise RuntimeError(f"cannot build the initramfs, missing: {', '.join(tools.missing)}")
    with tempfile.TemporaryDirectory(prefix="e820scope-initramfs.") as tmp:
        root = Path(tmp)
        for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc"):
            (root / d).mkdir(parents=True, exist_ok=True)
        shutil.copy2(tools.busybox, root / "bin/busybox")
        applets = subprocess.run(
            [str(tools.busybox), "--list"], capture_output=True, text=True, check=True
        ).stdout.split()
        for a in applets:
            link = root / "bin" / a
            if not link.exists():
                link.symlink_to("busybox")
        shutil.copy2(tools.kexec, root / "sbin/kexec")
        for lib in _shared_libs(tools.kexec):
            dest = root / lib.relative_to("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(lib.resolve(), dest)
        shutil.copy2(kernel, root / "vmlinuz")
        shutil.copy2(GUEST_INIT, root / "init")
        (root / "init").chmod(0o755)
        if module is not None:
            shutil.copy2(module, root / "e820scope.ko")
        for name, path in (more_kernels or {}).items():
            shutil.copy2(path, root / f"vmlinuz-{name}")
        if modules_by_release:
            (root / "lib/e820scope").mkdir(parents=True, exist_ok=True)
            for release, ko in modules_by_release.items():
                shutil.copy2(ko, root / "lib/e820scope" / f"{release}.ko")
        names = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
        with out.open("wb") as fh:
            subprocess.run(
                ["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"],
                cwd=root,
                input=("\n".join([".", *names]) + "\n").encode(),
                stdout=fh,
                check=True,
            )
    return out
