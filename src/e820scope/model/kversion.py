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

from .types import USABLE_TYPES_FROM_6_15, USABLE_TYPES_UP_TO_6_14, Era

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

    @property
    def ram_types(self) -> frozenset[int]:
        """Types e820__memblock_setup() adds to memblock as RAM: 1 and RESERVED_KERN (128)
        up to 6.14, type 1 alone from 6.15 (efe659ac0146), where a ``type 128`` entry
        inherited from an older kernel's kexec table is left out. Seen on a real 7.2.12
        after a 6.1.192 kexec_file_load: the inherited piece is missing from its
        ``Memory:`` present total (tests/vm test_7_2_prints_type_128_from_6_1)."""
        return USABLE_TYPES_UP_TO_6_14 if self.has_reserved_kern else USABLE_TYPES_FROM_6_15

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


def ram_types(kver: KernelVersion | None) -> frozenset[int]:
    """:attr:`KernelVersion.ram_types` of ``kver``; for an unknown kernel, types 1 and 128
    (every kernel that can print a type-128 entry as ``usable`` used it as RAM)."""
    return USABLE_TYPES_UP_TO_6_14 if kver is None else kver.ram_types
