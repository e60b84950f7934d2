"""A progress bar on stderr for the commands that read long captures (parse, timeline,
predict): bytes read of the inputs' total, rate and time left.

Shown only when stderr is a terminal (never in a pipe, a log file or a test) and not
with ``-q``; redrawn at most every :data:`INTERVAL` seconds, and wiped before anything
else is written, so the command's output and messages are as without it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: seconds between redraws
INTERVAL = 0.25
#: seconds before the first draw (a short run shows nothing)
DELAY = 1.0


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


def _eta(seconds: float) -> str:
    s = int(seconds + 0.5)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


class Progress:
    """``update(done, total)`` as bytes are read; ``close()`` wipes the line."""

    def __init__(
        self,
        label: str,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = label
        self._now = clock or time.monotonic
        self._start = self._now()
        self._last = self._start + DELAY - INTERVAL
        self._width = 0

    def line(self, done: int, total: int | None, now: float) -> str:
        """The text of the bar at ``now`` (seconds since the start: rate and ETA)."""
        elapsed = max(now - self._start, 1e-9)
        rate = done / elapsed
        if total:
            frac = min(done / total, 1.0)
            bar = "#" * int(frac * 20)
            left = (total - done) / rate if rate > 0 else 0.0
            return (
                f"{self.label} [{bar:<20}] {frac:4.0%} {_mib(done)}/{_mib(total)} "
                f"{rate / (1 << 20):.1f} MiB/s ETA {_eta(left)}"
            )
        return f"{self.label} {_mib(done)} {rate / (1 << 20):.1f} MiB/s"

    def update(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = self._now()
        if now - self._last < INTERVAL:
            return
        self._last = now
        text = self.line(done, total, now)
        pad = max(self._width - len(text), 0)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
