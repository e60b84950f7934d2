"""The kernel matrix: Debian's own kernels of four releases, fetched without touching the
host's apt setup.

``python -m vmtest.kernels fetch [NAME ...]`` downloads, for each release of :data:`MATRIX`,
the ``linux-image-*`` and ``linux-headers-*`` packages (and the headers' ``linux-*``
dependencies: common headers, kbuild) with a private apt configuration (own sources,
lists and cache under ``$E820SCOPE_KERNELS_DIR``, default ``/var/tmp/e820scope-kernels``)
and unpacks them with ``dpkg-deb -x`` into ``<dir>/<name>/root``. The host's
/etc/apt, /var/lib/apt and /var/lib/dpkg are never written.

Releases whose headers need a newer compiler or C library than the host's (trixie's
gcc-14 headers, forky's gcc-16) build the module in a ``debootstrap`` chroot of that
release (:mod:`vmtest.chroot`); :attr:`Kernel.chroot` says which.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MIRROR = "http://deb.debian.org/debian"
SECURITY = "http://deb.debian.org/debian-security"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


@dataclass(frozen=True)
class Kernel:
    """One kernel of the matrix.

    ``suite``: the Debian suite whose ``linux-image-amd64`` is used; ``series``: the
    upstream series its version must start with; ``chroot``: build the module inside a
    chroot of ``suite`` (the host's gcc/glibc cannot run that release's kbuild).
    """

    name: str
    suite: str
    series: str
    chroot: bool


MATRIX: tuple[Kernel, ...] = (
    Kernel("5.10", "bullseye", "5.10.", chroot=False),
    Kernel("6.1", "bookworm-security", "6.1.", chroot=False),
    Kernel("6.12", "trixie", "6.12.", chroot=True),
    Kernel("7.2", "forky", "7.2.", chroot=True),
)
BY_NAME = {k.name: k for k in MATRIX}


def base_dir() -> Path:
    return Path(os.environ.get("E820SCOPE_KERNELS_DIR", "/var/tmp/e820scope-kernels"))


def _sources() -> str:
    main = [k.suite for k in MATRIX if not k.suite.endswith("-security")]
    sec = [k.suite for k in MATRIX if k.suite.endswith("-security")]
    out = (
        f"Types: deb\nURIs: {MIRROR}\nSuites: {' '.join(main)}\n"
        f"Components: main\nSigned-By: {KEYRING}\n"
    )
    if sec:
        out += (
            f"\nTypes: deb\nURIs: {SECURITY}\nSuites: {' '.join(sec)}\n"
            f"Components: main\nSigned-By: {KEYRING}\n"
        )
    return out


class PrivateApt:
    """apt-get / apt-cache with their own sources, lists, cache and an empty dpkg status."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for d in ("lists/partial", "cache/archives/partial", "etc/sources.list.d", "etc/pref"):
            (root / d).mkdir(parents=True, exist_ok=True)
        src = root / "etc/sources.list.d/matrix.sources"
        if not src.exists() or src.read_text() != _sources():
            src.write_text(_sources())
        self.opts = [
            f"-oDir::Etc::SourceParts={root}/etc/sources.list.d",
            "-oDir::Etc::SourceList=/dev/null",
            f"-oDir::Etc::PreferencesParts={root}/etc/pref",
            f"-oDir::State::Lists={root}/lists",
            f"-oDir::Cache={root}/cache",
            "-oDir::State::status=/dev/null",
            "-oAPT::Architecture=amd64",
            "-oAcquire::Languages=none",
        ]

    def run(self, tool: str, *args: str, cwd: Path | None = None) -> str:
        r = subprocess.run(
            [tool, *self.opts, *args], capture_output=True, text=True, cwd=cwd, check=False
        )
        if r.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{r.stderr[-2000:]}")
        return r.stdout

    def update(self) -> None:
        self.run("apt-get", "-qq", "update")

    def suite_version(self, package: str, suite: str) -> str:
        """The version of ``package`` that ``suite`` serves (apt-cache madison)."""
        for ln in self.run("apt-cache", "madison", package).splitlines():
            cells = [c.strip() for c in ln.split("|")]
            if len(cells) == 3 and cells[2].split()[1].split("/")[0] == suite:
                return cells[1]
        raise RuntimeError(f"{package}: no version in {suite}")

    def depends(self, package: str, version: str) -> list[str]:
        """Package names of the Depends line of ``package`` = ``version`` (first alternative)."""
        for stanza in self.run("apt-cache", "show", f"{package}={version}").split("\n\n"):
            m = re.search(r"^Depends: (.*)$", stanza, re.M)
            if m:
                return [alt.split("|")[0].split()[0] for alt in m[1].split(",")]
        return []


@dataclass(frozen=True)
class Fetched:
    """A kernel of the matrix unpacked on disk."""

    kernel: Kernel
    version: str  #: Debian package version, e.g. 6.12.117-1
    release: str  #: uname -r, e.g. 6.12.117+deb13-amd64
    root: Path  #: dpkg-deb -x target (boot/, usr/src/, lib/modules/)

    @property
    def vmlinuz(self) -> Path:
        """/boot/vmlinuz-<release>, or /usr/lib/modules/<release>/vmlinuz (forky)."""
        boot = self.root / "boot" / f"vmlinuz-{self.release}"
        return boot if boot.exists() else self.root / "usr/lib/modules" / self.release / "vmlinuz"

    @property
    def headers(self) -> Path:
        return self.root / "usr/src" / f"linux-headers-{self.release}"


def _wanted(apt: PrivateApt, k: Kernel) -> tuple[str, str, list[tuple[str, str]]]:
    """(version, release, [(package, version)]) for kernel ``k``."""
    meta = apt.suite_version("linux-image-amd64", k.suite)
    if not meta.startswith(k.series):
        raise RuntimeError(f"{k.suite} serves linux-image-amd64 {meta}, not {k.series}x")
    image = next(p for p in apt.depends("linux-image-amd64", meta) if p.startswith("linux-image-"))
    release = image.removeprefix("linux-image-")
    headers = f"linux-headers-{release}"
    pkgs = [(image, meta), (headers, meta)]
    # forky splits the image: vmlinuz lives in linux-binary-<release> (modules not needed)
    for dep in apt.depends(image, meta):
        if dep.startswith("linux-binary-"):
            pkgs.append((dep, meta))
    for dep in apt.depends(headers, meta):
        if dep.startswith(("linux-headers-", "linux-kbuild-")):
            pkgs.append((dep, apt.suite_version(dep, k.suite)))
    return meta, release, pkgs


def fetch(k: Kernel, *, update: bool = True) -> Fetched:
    """Download and unpack kernel ``k`` (idempotent: a finished unpack is reused)."""
    base = base_dir()
    apt = PrivateApt(base / "apt")
    done = base / k.name / "FETCHED"
    if done.exists():
        version, release = done.read_text().split()
        return Fetched(k, version, release, base / k.name / "root")
    if update:
        apt.update()
    version, release, pkgs = _wanted(apt, k)
    debs = base / k.name / "debs"
    root = base / k.name / "root"
    shutil.rmtree(root, ignore_errors=True)
    debs.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True)
    apt.run("apt-get", "-qq", "download", *(f"{p}={v}" for p, v in pkgs), cwd=debs)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    f = Fetched(k, version, release, root)
    if not f.vmlinuz.exists() or not f.headers.is_dir():
        raise RuntimeError(f"{k.name}: {f.vmlinuz} or {f.headers} missing after unpacking")
    _relink_headers(f)
    done.write_text(f"{version} {release}\n")
    return f


def _relink_headers(f: Fetched) -> None:
    """Make the unpacked headers' absolute symlinks (/usr/src/..., /usr/lib/linux-kbuild-*)
    and the absolute paths of their top Makefile point inside ``f.root``, so that
    ``make -C <headers>`` works outside a chroot."""
    mk = f.headers / "Makefile"
    text = mk.read_text()
    if str(f.root) not in text:
        mk.write_text(re.sub(r"(?<![\w/])/usr/(src|lib)/", f"{f.root}/usr/\\1/", text))
    for link in f.root.rglob("*"):
        if link.is_symlink():
            target = str(link.readlink())
            if target.startswith("/") and not target.startswith(str(f.root)):
                inside = f.root / target.lstrip("/")
                link.unlink()
                link.symlink_to(os.path.relpath(inside, link.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vmtest.kernels", description=__doc__)
    ap.add_argument("action", choices=("fetch", "list"))
    ap.add_argument("names", nargs="*", help=f"kernels of the matrix ({', '.join(BY_NAME)})")
    a = ap.parse_args(argv)
    names = a.names or list(BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        print(f"unknown kernel(s) {unknown}; the matrix is {list(BY_NAME)}", file=sys.stderr)
        return 2
    if a.action == "list":
        for n in names:
            k = BY_NAME[n]
            print(f"{k.name}\t{k.suite}\tchroot={'yes' if k.chroot else 'no'}")
        return 0
    updated = False
    for n in names:
        f = fetch(BY_NAME[n], update=not updated)
        updated = True
        print(f"{n}\t{f.version}\t{f.release}\t{f.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
