"""Locate what the test bed needs on the host (Debian bookworm package paths)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
BUSYBOX = Path("/bin/busybox")
KEXEC = Path("/usr/sbin/kexec")


@dataclass(frozen=True)
class Tools:
    """Paths of everything a VM run needs; ``missing`` lists what was not found."""

    qemu: Path | None
    ovmf_code: Path | None
    ovmf_vars: Path | None
    kernel: Path | None
    release: str | None
    headers: Path | None
    busybox: Path | None
    kexec: Path | None
    cpio: Path | None
    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing


def _debian_kernel() -> tuple[Path | None, str | None]:
    """Newest /boot/vmlinuz-*-amd64 (linux-image-amd64), or $E820SCOPE_VM_KERNEL."""
    env = os.environ.get("E820SCOPE_VM_KERNEL")
    if env:
        rel = os.environ.get("E820SCOPE_VM_RELEASE") or Path(env).name.removeprefix("vmlinuz-")
        return Path(env), rel
    found = sorted(Path("/boot").glob("vmlinuz-*-amd64"))
    if not found:
        return None, None
    k = found[-1]
    return k, k.name.removeprefix("vmlinuz-")


def find_tools() -> Tools:
    missing = []

    def which(name: str, pkg: str) -> Path | None:
        p = shutil.which(name)
        if not p:
            missing.append(f"{name} (apt-get install {pkg})")
        return Path(p) if p else None

    def exists(p: Path, pkg: str) -> Path | None:
        if not p.exists():
            missing.append(f"{p} (apt-get install {pkg})")
            return None
        return p

    qemu = which("qemu-system-x86_64", "qemu-system-x86")
    code = exists(OVMF_CODE, "ovmf")
    vars_ = exists(OVMF_VARS, "ovmf")
    kernel, release = _debian_kernel()
    if kernel is None:
        missing.append("/boot/vmlinuz-*-amd64 (apt-get install linux-image-amd64)")
    headers = None
    if release:
        headers = exists(Path(f"/lib/modules/{release}/build"), "linux-headers-amd64")
    busybox = exists(BUSYBOX, "busybox-static")
    kexec = exists(KEXEC, "kexec-tools")
    cpio = which("cpio", "cpio")
    return Tools(qemu, code, vars_, kernel, release, headers, busybox, kexec, cpio, tuple(missing))
