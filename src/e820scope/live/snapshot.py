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

from ..boundary import Boundary
from ..model.kversion import KernelVersion
from ..model.records import E820Entry
from .boot_params import BootParams, SetupDataNode, decode_boot_params, read_setup_data
from .dump import Dump
from .iomem import IomemResource, addresses_hidden, parse_iomem
from .memmap import memmap_source, read_memmap
from .module_files import ModuleView, read_module


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
    #: damaged values, each with its place (what was left out and why)
    warnings: list[str] = field(default_factory=list)

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


def take_snapshot(root: Path = Path("/")) -> LiveSnapshot:
    """Read every live source under ``root``; never raises for what the files hold.

    ``root`` is a boundary (:mod:`e820scope.live.dump`): nothing outside it is read, no
    link below it is followed, FIFOs and devices are never opened. Damaged files become
    :attr:`LiveSnapshot.warnings`.
    """
    dump = Dump(Boundary(root))
    snap = LiveSnapshot(root, missing=dump.missing, warnings=dump.warnings)
    miss = snap.missing
    release = dump.text("proc/sys/kernel/osrelease", "kernel release")
    snap.kernel = running_version(release, dump.text("proc/version"))
    snap.efi = dump.is_dir("sys/firmware/efi")

    if dump.is_dir("sys/firmware/memmap"):
        snap.memmap = read_memmap(dump.sub("sys/firmware/memmap"))
        snap.memmap_table = memmap_source(snap.kernel)
    else:
        miss.append("/sys/firmware/memmap: absent (CONFIG_FIRMWARE_MEMMAP=n?)")

    text = dump.text("proc/iomem", "/proc/iomem")
    if text is not None:
        res = parse_iomem(text)
        if addresses_hidden(res):
            miss.append("/proc/iomem: addresses read as 0 (run as root)")
        else:
            snap.iomem = res

    _boot_params(dump, snap)
    snap.module = read_module(dump)
    if snap.module is None:
        miss.append(
            "e820scope module not loaded: no e820_table / e820_table_kexec "
            "(use --load, or see kmod/README.md)"
        )
    if os.geteuid() != 0 and root == Path("/"):
        miss.append("not root: some sources were not readable")
    return snap


def _boot_params(dump: Dump, snap: LiveSnapshot) -> None:
    """The zero page, its boot protocol version and setup_data nodes."""
    bp = dump.sub("sys/kernel/boot_params")
    if not bp.exists("data"):
        snap.missing.append(f"boot_params: {bp.place('data')} does not exist (kernel < 3.14?)")
        return
    data = bp.data("data", "boot_params")
    if data is None:
        return
    try:
        snap.boot_params = decode_boot_params(data)
    except ValueError as exc:
        bp.warn("data", str(exc))
        return
    version = bp.text("version")
    snap.boot_params_version = version.strip() if version is not None else None
    snap.setup_data = read_setup_data(bp)
