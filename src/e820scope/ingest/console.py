"""The console hand-over window: earlyprintk's boot console and the real console.

From ``console [ttyS0] enabled`` until ``bootconsole [earlyser0] disabled`` (or
``console handover``), both consoles print every line, so a serial capture holds each
line twice in a row; the second copy is dropped. The window closes at the next printed
line after the boot console is switched off, at a new kernel banner, or after
:data:`HANDOVER_MAX` physical lines.
"""

from __future__ import annotations

#: the console hand-over window never spans more physical lines than this.
HANDOVER_MAX = 400


class Console:
    """The hand-over state of one source."""

    __slots__ = ("bootconsole", "handover", "lines")

    def __init__(self) -> None:
        #: a boot console (earlyprintk) is printing
        self.bootconsole = False
        #: 0: no window; 1: both consoles print every line; 2: the boot console was
        #: switched off, the window ends at the next printed line
        self.handover = 0
        #: physical lines read inside the window
        self.lines = 0

    def reset(self) -> None:
        """A new kernel: no console state carries over."""
        self.bootconsole = False
        self.handover = 0

    def step(self, same_as_prev: bool, has_ts: bool) -> bool:
        """The window's bookkeeping for one line read inside it. True when the line is
        dropped: the second print of a line both consoles printed (the same bytes as the
        line before it, with a time)."""
        self.lines += 1
        if self.lines > HANDOVER_MAX:
            self.handover = 0
        if same_as_prev and has_ts:
            return True
        if self.handover == 2:
            self.handover = 0
        return False

    def read(self, body: str) -> None:
        """Act on a console line (``bootconsole [..] enabled/disabled``, ``console [..]
        enabled``, ``console handover``)."""
        if "bootconsole [" in body and "enabled" in body:
            self.bootconsole = True
        elif ("bootconsole [" in body and "disabled" in body) or "console handover" in body:
            if self.handover:
                self.handover = 2
            self.bootconsole = False
        elif "] enabled" in body and self.bootconsole:
            self.handover = 1
            self.lines = 0
