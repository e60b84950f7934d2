"""Kernel release numbers as printed by ``Linux version %s``.

>>> KernelVersion.parse("6.1.0-56-amd64")
KernelVersion(major=6, minor=1, patch=0, raw='6.1.0-56-amd64')
>>> KernelVersion.parse("2.6.19.2-xiv-34-x86_64-misc") < KernelVersion.parse("3.5")
True
>>> KernelVersion.parse("7.0.0-rc2-debug-next-20260303").at_least(7, 0)
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .types import Era

_RELEASE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, order=True)
class KernelVersion:
    """``major.minor.patch`` plus the full release string (``uname -r``)."""

    major: int
    minor: int
    patch: int = 0
    raw: str = field(default="", compare=False)

    @classmethod
    def parse(cls, release: str) -> KernelVersion:
        """Parse a release string; raises ``ValueError`` if it does not start ``N.N``."""
        m = _RELEASE.match(release.strip())
        if not m:
            raise ValueError(f"not a kernel release: {release!r}")
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), release.strip())

    @classmethod
    def try_parse(cls, release: str | None) -> KernelVersion | None:
        """:meth:`parse`, or None for an empty or unparsable release.

        Cached per release string (the value is immutable): a console capture of a kexec
        loop prints the same release in every one of its thousands of boots.
        """
        if not release:
            return None
        if cls is KernelVersion:
            return _try_parse_cached(release)
        try:
            return cls.parse(release)
        except ValueError:
            return None

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool:
        return (self.major, self.minor, self.patch) >= (major, minor, patch)

    @property
    def print_era(self) -> Era:
        """The e820 print era this release uses (kernel-facts §1.1)."""
        return _print_era(self.major, self.minor, self.patch)

    @property
    def has_reserved_kern(self) -> bool:
        """E820_TYPE_RESERVED_KERN exists up to v6.14 (removed by efe659ac0146, v6.15)."""
        return not self.at_least(6, 15)

    def __str__(self) -> str:
        return self.raw or f"{self.major}.{self.minor}.{self.patch}"


@functools.lru_cache(maxsize=64)
def _print_era(major: int, minor: int, patch: int) -> Era:
    """:attr:`KernelVersion.print_era` (asked for every table block of every boot)."""
    v = (major, minor, patch)
    if v < (3, 5, 0):
        return Era.A
    if v < (4, 18, 0):
        return Era.B
    if v < (7, 0, 0):
        return Era.C
    return Era.D


@functools.lru_cache(maxsize=256)
def _try_parse_cached(release: str) -> KernelVersion | None:
    try:
        return KernelVersion.parse(release)
    except ValueError:
        return None
