"""Materialise one generation's dumped files as a filesystem tree.

``e820scope live --root DIR`` then reads the guest's /sys and /proc as if it ran inside
the guest (the initramfs has no Python).
"""

from __future__ import annotations

from pathlib import Path

from .console import Generation


def write_fakeroot(gen: Generation, root: Path) -> Path:
    for path, data in gen.files.items():
        if not path.startswith(("/sys/", "/proc/")):
            continue
        dest = root / path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    if "/proc/sys/kernel/osrelease" not in gen.files:
        raise ValueError(f"generation {gen.gen}: no osrelease dump")
    return root
