"""A one-line progress bar on stderr: files, bytes, hosts, ETA.

Drawn only when stderr is a terminal (never into a pipe or a log file) and not
silenced; redrawn at most every :data:`INTERVAL` seconds, erased at the end.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: seconds between redraws
INTERVAL = 0.2


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class Progress:
    """Counts done against totals; :meth:`advance` after each host, :meth:`close` at the end."""

    def __init__(
        self,
        label: str,
        hosts: int,
        files: int,
        size: int,
        *,
        enabled: bool,
        stream: TextIO | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.label = label
        self.total = (hosts, files, size)
        self.done = [0, 0, 0]
        self.start = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def advance(self, files: int, size: int) -> None:
        self.done[0] += 1
        self.done[1] += files
        self.done[2] += size
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= INTERVAL or self.done[0] == self.total[0]):
            self._drawn = now
            self._draw(now)

    def line(self, now: float) -> str:
        """The bar's text (tests read it)."""
        hosts, files, size = self.total
        dh, df, ds = self.done
        elapsed = now - self.start
        # by bytes when the inputs have sizes, else by hosts
        frac = ds / size if size else (dh / hosts if hosts else 1.0)
        eta = _clock(elapsed * (1 - frac) / frac) if frac > 0 else "?"
        return (
            f"{self.label}: {df}/{files} files  {_size(ds)}/{_size(size)}  "
            f"{dh}/{hosts} hosts  ETA {eta}"
        )

    def _draw(self, now: float) -> None:
        text = self.line(now)
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
