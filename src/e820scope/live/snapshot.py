"""Gather everything the running machine says about its e820 tables, without failing.

Each source is optional: a missing file, no root, or no module only adds a line to
:attr:`LiveSnapshot.missing` saying what is absent and how to get it. ``root`` is the
filesystem root to read under (``/`` normally; tests point it at a fake tree).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..model.kversion import KernelVersion
from ..model.records import E820Entry
from .boot_params import BootParams, SetupDataNode, decode_boot_params, read_setup_data
from .iomem import IomemResource, addresses_hidden, parse_iomem
from .memmap import memmap_source, read_memmap
from .module_files import ModuleFormatError, ModuleView, read_module


@dataclass
class LiveSnapshot:
    """What could be read; ``None`` fields are absent (see ``missing``)."""

    root: Path
    kernel: KernelVersion | None = None
    efi: bool = False
    memmap: tuple[E820Entry, ...] | None = None
    memmap_table: str = ""
    iomem: tuple[IomemResource, ...] | None = None
    boot_params: BootParams | None = None
    boot_params_version: str | None = None
    setup_data: tuple[SetupDataNode, ...] = ()
    module: ModuleView | None = None
    missing: list[str] = field(default_factory=list)

    def kexec_table(self) -> tuple[tuple[E820Entry, ...], str] | None:
        """The best available e820_table_kexec and where it came from."""
        if self.module and "e820_table_kexec" in self.module.tables:
            return self.module.tables["e820_table_kexec"].entries, "module"
        if self.memmap is not None and self.kernel and self.kernel.at_least(6, 15):
            return self.memmap, "/sys/firmware/memmap (6.15+: e820_table_kexec, types lossy)"
        return None


_DISTRO_UPSTREAM = re.compile(r"(?=(?:Debian|Ubuntu \S+) (\d+\.\d+\.\d+)\b)")


def running_version(release: str | None, proc_version: str | None) -> KernelVersion | None:
    """The running kernel's version, with the upstream patch level when the distro says it.

    Debian's release string hides the stable patch level (``6.1.0-56-amd64`` is 6.1.192);
    /proc/version ends ``Debian 6.1.192-2 (...)`` (Ubuntu: ``(Ubuntu 5.15.0-91.101-generic
    5.15.131)``). The patch level matters for stable backports (kernel.policy).
    """
    kver = KernelVersion.try_parse(release.strip() if release else None)
    if kver is None or not proc_version:
        return kver
    # candidates include the compiler's version ("(Debian 12.2.0-14)"): keep those of the
    # same major.minor and take the highest patch level
    patches = [
        up.patch
        for up in (KernelVersion.parse(m.group(1)) for m in _DISTRO_UPSTREAM.finditer(proc_version))
        if (up.major, up.minor) == (kver.major, kver.minor)
    ]
    if patches:
        return KernelVersion(kver.major, kver.minor, max([*patches, kver.patch]), kver.raw)
    return kver


def _read_text(path: Path, missing: list[str], what: str) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        missing.append(f"{what}: {path} does not exist")
    except PermissionError:
        missing.append(f"{what}: {path} is not readable (run as root)")
    return None


def take_snapshot(root: Path = Path("/")) -> LiveSnapshot:
    """Read every live source under ``root``."""
    snap = LiveSnapshot(root)
    miss = snap.missing
    release = _read_text(root / "proc/sys/kernel/osrelease", miss, "kernel release")
    proc_version = _read_text(root / "proc/version", [], "/proc/version")
    snap.kernel = running_version(release, proc_version)
    snap.efi = (root / "sys/firmware/efi").is_dir()

    memmap_dir = root / "sys/firmware/memmap"
    if memmap_dir.is_dir():
        try:
            snap.memmap = read_memmap(memmap_dir)
            snap.memmap_table = memmap_source(snap.kernel)
        except (OSError, ValueError) as exc:
            miss.append(f"/sys/firmware/memmap: unreadable ({exc})")
    else:
        miss.append("/sys/firmware/memmap: absent (CONFIG_FIRMWARE_MEMMAP=n?)")

    text = _read_text(root / "proc/iomem", miss, "/proc/iomem")
    if text is not None:
        res = parse_iomem(text)
        if addresses_hidden(res):
            miss.append("/proc/iomem: addresses read as 0 (run as root)")
        else:
            snap.iomem = res

    bp_dir = root / "sys/kernel/boot_params"
    try:
        data = (bp_dir / "data").read_bytes()
        snap.boot_params = decode_boot_params(data)
        snap.boot_params_version = (bp_dir / "version").read_text().strip()
        snap.setup_data = read_setup_data(bp_dir)
    except FileNotFoundError:
        miss.append(f"boot_params: {bp_dir}/data does not exist (kernel < 3.14?)")
    except PermissionError:
        miss.append(f"boot_params: {bp_dir}/data is root-only (run as root)")
    except ValueError as exc:
        miss.append(f"boot_params: {exc}")

    try:
        snap.module = read_module(root)
        if snap.module is None:
            miss.append(
                "e820scope module not loaded: no e820_table / e820_table_kexec "
                "(use --load, or see kmod/README.md)"
            )
    except PermissionError:
        miss.append("e820scope module files are root-only (0400): run as root")
    except ModuleFormatError as exc:
        miss.append(f"e820scope module: {exc}")
    if os.geteuid() != 0 and root == Path("/"):
        miss.append("not root: some sources were not readable")
    return snap
