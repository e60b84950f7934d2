"""What the container layer saw of a source beyond the lines the parser reads.

The parser reads only lines that hold an anchor. The container layer counts, line by
line, the kernel lines that hold none (:attr:`~e820scope.ingest.machine.Batch.bare`)
and knows which lines carry a printk time before some text (``Batch.said``: a line that
is only a time prefix, where a paste was cut, does not count). The bare count tells a
full ``dmesg`` (most of its lines are bare: ``NX (Execute Disable) protection``, ``SMBIOS``,
``tsc:``...) from ``dmesg | grep e820`` output (none are); a printk time on a line
after a map shows that the kernel went on past it. :class:`LineCounts` answers both for
the batches the splitter has read (:mod:`.completeness` uses the answers).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ..ingest.machine import Batch

#: a line number past every line of any input
_END = 1 << 62


class Seen(NamedTuple):
    """What the container layer saw of one boot's part of the log."""

    #: kernel lines without any anchor among the boot's lines (None: unknown)
    bare: int | None
    #: printk-stamped lines after each physical line, to the boot's end, by line
    #: number (None: unknown); see :meth:`LineCounts.seen`
    stamped: tuple[int, int, LineCounts] | None = None

    def stamped_after(self, line: int) -> int:
        """Lines with a printk time after ``line`` in the boot (0: none, or unknown)."""
        if self.stamped is None:
            return 0
        end, at_end, counts = self.stamped
        if line >= end:
            return 0
        got = counts.upto(line, 1)
        return 0 if got is None else max(0, at_end - got)

    def bare_after(self, line: int) -> int:
        """Lines without any anchor after ``line`` in the boot (0: none, or unknown)."""
        if self.stamped is None:
            return 0
        end, _, counts = self.stamped
        first, last = counts.upto(line), counts.upto(end)
        return 0 if first is None or last is None or line >= end else max(0, last - first)


#: nothing known beyond the anchored lines (lines read one by one, not by batches)
UNSEEN = Seen(None)


class LineCounts:
    """Counts of bare kernel lines and of printk-stamped lines by physical line number,
    for one source: the current batch's per-line marks (the batch's own arrays), the
    running totals before it, and the batch's running counts, made only when a boot
    starts or ends in it (a batch without boots costs no per-line counts)."""

    __slots__ = ("bare", "base", "before", "cum", "said")

    def __init__(self) -> None:
        #: the current batch's first line number, bare marks and ``said`` marks (a printk
        #: time before some text)
        self.base = 0
        self.bare: npt.NDArray[np.bool_] | None = None
        self.said: npt.NDArray[np.bool_] | None = None
        #: the counts (bare, stamped) before the current batch's first line
        self.before = (0, 0)
        #: the current batch's running counts per line, made at the first question
        self.cum: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None

    def see(self, batch: Batch) -> None:
        """Take the marks of the next batch of the source."""
        if batch.bare is None:
            return
        stamped = self.before[1]
        if self.bare is not None and self.said is not None:
            stamped += int(np.count_nonzero(self.said[: len(self.bare)]))
        self.before = (batch.bare_before, stamped)
        self.base = batch.base
        self.bare = batch.bare
        self.said = batch.said
        self.cum = None

    def upto(self, line: int, col: int = 0) -> int | None:
        """Lines (``col`` 0: bare, 1: stamped) at or before physical line ``line``
        (None: the source gave no counts). A line of an earlier batch counts as the
        start of the current one."""
        if self.bare is None or self.said is None:
            return None
        i = line - self.base
        if i < 0:
            return self.before[col]
        n = len(self.bare)
        if not n:
            return self.before[col]
        if self.cum is None:
            self.cum = (
                np.cumsum(self.bare, dtype=np.int64),
                np.cumsum(self.said[:n], dtype=np.int64),
            )
        return self.before[col] + int(self.cum[col][min(i, n - 1)])

    def seen(self, bare0: int | None, last_line: int, to_end: bool) -> Seen:
        """The :class:`Seen` of a boot whose count of bare lines before its first line
        was ``bare0`` and whose last line read is ``last_line``; ``to_end``: the boot
        runs to the end of the input read so far (stamped lines after its last anchored
        line are its own)."""
        end = self.upto(last_line)
        if end is None or bare0 is None:
            return Seen(None)
        last = _END if to_end else last_line
        at_end = self.upto(last, 1)
        assert at_end is not None
        return Seen(end - bare0, (last, at_end, self))
