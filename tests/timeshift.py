"""Printk times moved in a captured log, for tests that need the same messages printed at
other times (what every generation of a real kexec chain does)."""

from __future__ import annotations

import re

#: a printk time ``[%5lu.%06lu]`` anywhere in a line
PRINTK_TIME = re.compile(rb"\[( *)(\d+)\.(\d{6})\]")


def shift_printk_times(blob: bytes, us: int) -> bytes:
    """Every non-zero printk time of ``blob`` moved by ``us`` microseconds (same width)."""

    def sub(m: re.Match[bytes]) -> bytes:
        t = int(m.group(2)) * 1_000_000 + int(m.group(3))
        if t == 0:
            return m.group(0)
        t += us
        return b"[" + f"{t // 1_000_000}.{t % 1_000_000:06d}".encode().rjust(len(m[0]) - 2) + b"]"

    return PRINTK_TIME.sub(sub, blob)
