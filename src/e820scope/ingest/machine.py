"""The line machine: one source's physical lines -> logical kernel lines.

It owns all container state: quoted-printable decoding, journal and ``----- New boot``
separators, the kmsg sequence, ``journalctl -o json`` boot ids, hard-wrap joins, and the
console hand-over window (``earlyprintk``'s boot console and the real console both
print every line for a while; the second copy is dropped).

Each chunk goes through the native seam (:mod:`e820scope.ingest.scan`), which numbers
every distinct message (the line minus a printk time prefix). A message is read once,
the first time it is seen (:meth:`LineMachine.learn`), and put in one of five kinds:

* ``NOANCHOR``: holds none of the caller's anchors: skipped while no state is pending;
* ``NOLINE``: not a kernel line (another program's syslog record, an empty line);
* ``PLAIN``: a kernel line whose reading depends on nothing around it and changes no
  state: its text is kept (:attr:`LineMachine.body`) and every later copy costs nothing;
* ``EFFECT``: read alone, but it acts on the state (the kernel banner, console lines):
  its text is kept, its effects run each time (:meth:`LineMachine.effects`);
* ``SLOW``: its reading depends on the state or on the lines after it (soft breaks,
  joins, separators, kmsg, JSON): read in full each time (:meth:`LineMachine.general`).

The machine hands on a :class:`Batch` per chunk: runs of lines that need nothing but
their message (``NOANCHOR``/``NOLINE``/``PLAIN`` while no state is pending), and a
:class:`LogLine` for every other line that yields one, in line order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ..model.records import SourceRef
from . import journal_json, qp, rejoin
from .anchors import STRUCTURAL_ANCHORS, compile_anchors

# Batch is defined in .batch; the parser imports it from here
from .batch import Batch as Batch
from .console import Console
from .lines import LogLine
from .marks import (
    SLOW_READING,
    ChunkLines,
    Reading,
    marker,
    read_alone,
    slow_marks,
    truncated,
)
from .prefixes import clean, strip_line, unquote
from .scan import TIME_PREFIX, scanner
from .sniff import Container

#: physical lines kept back at the end of a chunk: more than a line's reading ever
#: looks ahead (soft breaks, then a join after them)
KEEP = qp.MAX_SOFT_BREAKS + rejoin.MAX_LOOKAHEAD + 3
#: distinct messages remembered before the machine forgets them all (bounded memory;
#: the next generation of a chain fills it again), and the longest message remembered.
MAX_MESSAGES = 60_000
MESSAGE_MAX = 400

NOANCHOR, NOLINE, PLAIN, EFFECT, SLOW = range(5)

_tnew = tuple.__new__


#: a line that is only a printk time (where a paste was cut: no message)
_TIME_ONLY = re.compile(rb"\s*\[ *\d+\.\d+\]\s*")


def _kernel_text(raw: bytes) -> bool:
    """``raw`` holds some text: neither a blank line nor only a printk time."""
    return bool(raw.strip()) and _TIME_ONLY.fullmatch(raw) is None


class LineMachine:
    """Stateful reader of one source's physical lines (see the module docstring)."""

    def __init__(self, name: str, container: Container, anchors: list[bytes] | None) -> None:
        self.name = name
        self.c = container
        self.qp = False  # switched on by a QP header or a sign of QP (qp.encoded)
        self.pending_boot = False
        #: the pending boot comes from journalctl's "-- Reboot --" / "-- Boot ... --"
        self.pending_journal = False
        self.last_seq: int | None = None
        self.last_boot_id: str | None = None
        self.con = Console()
        self.prev_raw = b""
        self.hit: Callable[[bytes], bool] | None = None
        if anchors is not None and container.fast_ok:
            self.hit = compile_anchors([*anchors, *STRUCTURAL_ANCHORS]).search  # type: ignore[assignment]
        #: the caller's anchors alone (None: no anchors given), for :attr:`bare`
        self.anchored: Callable[[bytes], object] | None = (
            None if anchors is None else compile_anchors(anchors).search
        )
        #: per message id: a kernel line holding none of the caller's anchors
        self.bare: npt.NDArray[np.bool_] = np.zeros(1024, np.bool_)
        #: per message id: a join start whose continuation has no prefix (a command
        #: line): read in full only where the next line has no printk time (:meth:`run`)
        self.cont: npt.NDArray[np.bool_] = np.zeros(1024, np.bool_)
        #: per message id: its text is empty (a line that is only a time prefix)
        self.blank: npt.NDArray[np.bool_] = np.zeros(1024, np.bool_)
        self.bare_total = 0
        self.interner, self._scan = scanner(MESSAGE_MAX)
        self.epoch = 0
        #: per message id: its kind, text (None: no line), own time (NaN: none), cut mark
        self.kind: npt.NDArray[np.uint8] = np.zeros(1024, np.uint8)
        self.body: list[str | None] = []
        self.own_ts: npt.NDArray[np.float64] = np.zeros(1024, np.float64)
        self.truncated: list[bool] = []
        #: the message's reading holds whatever state is pending (not ``SLOW``), and
        #: its text then (set for ``NOANCHOR`` too: inside the console window every line
        #: is read)
        self.alone: list[bool] = []
        self.read_body: list[str | None] = []
        self.slow_container = container.kmsg or container.json

    @property
    def stateful(self) -> bool:
        return bool(self.pending_boot or self.qp or self.con.handover or self.slow_container)

    @property
    def handover_only(self) -> bool:
        """The console hand-over window is the only state pending."""
        return not (self.pending_boot or self.qp or self.slow_container)

    # -- messages ------------------------------------------------------------------
    def learn(self, raw: bytes, stamp: float) -> None:
        """Read the next new message, first seen as the physical line ``raw`` whose
        time prefix (NaN: none) the seam read as ``stamp``."""
        mid = len(self.body)
        if mid >= len(self.kind):
            self.kind = np.concatenate([self.kind, np.zeros(len(self.kind), np.uint8)])
            self.own_ts = np.concatenate([self.own_ts, np.zeros(len(self.own_ts))])
            self.bare = np.concatenate([self.bare, np.zeros(len(self.bare), np.bool_)])
            self.cont = np.concatenate([self.cont, np.zeros(len(self.cont), np.bool_)])
            self.blank = np.concatenate([self.blank, np.zeros(len(self.blank), np.bool_)])
        kind, reading = self._kind_of(raw, stamp)
        self.kind[mid] = kind
        self.cont[mid] = reading is not None and rejoin.joins_unprefixed_only(reading[0])
        self.blank[mid] = reading is not None and not reading[0].strip()
        self.bare[mid] = (kind == NOANCHOR and _kernel_text(raw)) or (
            kind in (PLAIN, EFFECT) and self.anchored is not None and not self.anchored(raw)
        )
        self.alone.append(kind != SLOW)
        text = reading[0] if reading else None
        self.read_body.append(text)
        self.body.append(None if kind == NOANCHOR else text)
        self.truncated.append(reading[2] if reading else False)
        ts = reading[1] if reading else None
        self.own_ts[mid] = math.nan if ts is None or stamp == stamp else ts

    def _kind_of(self, raw: bytes, stamp: float) -> tuple[int, Reading | None]:
        """The kind of a new message and its reading (kept for every kind but ``SLOW``:
        inside the console hand-over window a line without an anchor is read too)."""
        if self.slow_container:
            return SLOW, None
        kind, reading = self._reading_of(raw, stamp)
        if kind != SLOW and self.hit is not None and not self.hit(raw):
            return NOANCHOR, reading
        return kind, reading

    def _reading_of(self, raw: bytes, stamp: float) -> tuple[int, Reading | None]:
        reading = read_alone(raw)
        if reading == SLOW_READING:
            return SLOW, None
        if stamp == stamp:  # the seam took a time prefix off: the reading must not need it
            rest = raw[TIME_PREFIX.match(raw).end() :]  # type: ignore[union-attr]
            if b"\r" in rest.rstrip(b"\r") or b"\x1b" in rest:
                return SLOW, None  # clean() looks for a time in each CR-separated piece
            if reading is not None and reading[1] != stamp:
                return SLOW, None
        if reading is None:
            return NOLINE, None
        assert not isinstance(reading, str)
        body = reading[0]
        if body.startswith("Linux version ") or "console [" in body or "console handover" in body:
            return EFFECT, reading
        return PLAIN, reading

    def _forget(self) -> None:
        self.interner.clear()
        self.body = []  # new lists: a batch handed on keeps the ones it was made with
        self.truncated = []
        self.alone = []
        self.read_body = []
        self.epoch += 1

    # -- chunks --------------------------------------------------------------------
    def run(self, data: bytes, base: int, final: bool) -> tuple[Batch, int, int]:
        """Read the whole lines of ``data`` (the first numbered ``base``); unless
        ``final``, the last :data:`KEEP` lines are left for the next chunk (a join may
        still take some of them). Returns the batch, the offset of the first line not
        read and its number."""
        if len(self.interner) > MAX_MESSAGES:
            self._forget()
        nl = self.c.newline[0]
        nxt, ids_b, stamps_b, starts_b = self._scan(self.interner, data, 0, len(data), nl)
        ids = np.frombuffer(ids_b, np.int32)
        stamps = np.frombuffer(stamps_b, np.float64)
        starts = np.frombuffer(starts_b, np.int64)
        n = len(ids)
        ends = np.empty(n, np.int64)
        ends[:-1] = starts[1:] - 1
        if n:
            ends[-1] = nxt - 1
        known = len(self.body)
        if n and len(self.interner) > known:
            first = np.unique(ids[ids >= known], return_index=True)[1]
            for i in np.flatnonzero(ids >= known)[first].tolist():
                self.learn(data[starts[i] : ends[i]], float(stamps[i]))
        kinds = self.kind[ids]
        if n and int(ids.min()) < 0:
            kinds[ids < 0] = SLOW
        lines = ChunkLines(data, starts, ends)
        may_join(self.cont, lines, ids, stamps, kinds)
        stamps = np.where(np.isnan(stamps), self.own_ts[ids], stamps)
        stop = n if final else max(n - KEEP, 0)
        segments = self._segments(lines, ids, kinds, stamps, base, stop)
        end = int(starts[self._next]) if self._next < n else nxt
        if self._next:
            self.prev_raw = lines[self._next - 1]
        bare = self._bare_lines(lines, ids[: self._next])
        said = ~np.isnan(stamps) & ~(self.blank[np.maximum(ids, 0)] & (ids >= 0))
        if self.slow_container:
            slow_marks(segments, base, bare, said, self.anchored)
        before = self.bare_total
        self.bare_total += int(np.count_nonzero(bare))
        batch = Batch(
            self.name,
            base,
            ids,
            stamps,
            segments,
            self.epoch,
            self.body,
            self.truncated,
            bare,
            before,
            said,
        )
        return batch, end, base + self._next

    def _bare_lines(self, lines: ChunkLines, read: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
        """Per line read: a kernel line holding none of the caller's anchors (a line too
        long to be numbered is tested on its own bytes; a blank one is no kernel line)."""
        bare = self.bare[np.maximum(read, 0)]
        if self.anchored is not None:
            for i in np.flatnonzero(read < 0).tolist():
                raw = lines[i]
                bare[i] = _kernel_text(raw) and not self.anchored(raw)
        return bare

    def _segments(
        self,
        lines: ChunkLines,
        ids: npt.NDArray[np.int32],
        kinds: npt.NDArray[np.uint8],
        stamps: npt.NDArray[np.float64],
        base: int,
        stop: int,
    ) -> list[range | LogLine]:
        out: list[range | LogLine] = []
        stops = np.flatnonzero(kinds[:stop] >= EFFECT).tolist()
        stops.append(stop)
        k = 0
        i = 0
        while i < stop:
            if self.stateful:
                mid = int(ids[i])
                if self.handover_only and mid >= 0 and self.alone[mid] and kinds[i] != SLOW:
                    # inside the console window a message read before needs only the
                    # window's bookkeeping (what general() would do with it)
                    body = self.read_body[mid]
                    if body is not None:
                        res = self._known(lines, i, base, body, mid, float(stamps[i]))
                        if res is not None:
                            out.append(res)
                    i += 1
                    continue
                consumed, res = self.general(lines, i, base)
                if res is not None:
                    out.append(res)
                i += consumed
                continue
            while stops[k] < i:
                k += 1
            j = stops[k]
            if j > i:
                out.append(range(i, j))
                i = j
                if i >= stop:
                    break
            if kinds[i] == EFFECT:
                mid = int(ids[i])
                res = self._known(lines, i, base, self.body[mid] or "", mid, float(stamps[i]))
                consumed = 1
            else:
                consumed, res = self.general(lines, i, base)
            if res is not None:
                out.append(res)
            i += consumed
        self._next = i
        return out

    def _known(
        self, lines: ChunkLines, i: int, base: int, body: str, mid: int, ts: float
    ) -> LogLine | None:
        """Line ``i``, message ``mid`` read before as ``body`` (printk time ``ts``, NaN:
        none): only its effects run (:meth:`effects`)."""
        prev = lines.prev(i, self.prev_raw)
        trunc = self.truncated[mid]
        return self.effects(lines[i], prev, base + i, body, None if ts != ts else ts, False, trunc)

    # -- one line ------------------------------------------------------------------
    def general(self, lines: ChunkLines, i: int, base: int) -> tuple[int, LogLine | None]:
        """Fully read the physical line ``i`` (number ``base + i``) in the current
        state; returns the number of physical lines it took and its LogLine, if any."""
        raw = lines[i]
        prev = lines.prev(i, self.prev_raw)
        if not self.stateful and self.hit is not None and not self.hit(raw):
            return 1, None
        consumed = 1
        if not self.qp and qp.encoded(raw):
            self.qp = True
        if self.qp:
            raw = raw.rstrip(b"\r")
            while (
                raw.endswith(b"=") and i + consumed < len(lines) and consumed <= qp.MAX_SOFT_BREAKS
            ):
                raw = raw[:-1] + lines[i + consumed].rstrip(b"\r")
                consumed += 1
            raw = qp.decode(raw)
        text = raw.decode("utf-8", "replace")
        if self.qp:
            text = text.replace("\xa0", " ")
        text = clean(text)
        mark = marker(text)
        if mark is not None:
            self._mark(mark)
            return consumed, None
        if self.c.json and text.lstrip().startswith("{"):
            rec = journal_json.record(text)
            inner = None if rec is None else journal_json.console_line(rec)
            if inner is not None:  # a console line: read on as any line
                text = clean(inner)
            elif rec is None:
                return consumed, None
            else:
                res, self.last_boot_id = journal_json.read(
                    rec, SourceRef(self.name, base + i), self.pending_boot, self.last_boot_id
                )
                if res is not None:
                    self.pending_boot = False
                return consumed, res
        text = unquote(text)
        if self.c.kmsg and text[:1] == " " and "=" in text:
            return consumed, None  # /dev/kmsg dictionary continuation " KEY=value"
        st = strip_line(text)
        if st is None:
            return consumed, None
        hint = False
        if st.seq is not None:
            if self.last_seq is not None and st.seq < self.last_seq:
                hint = True
            self.last_seq = st.seq
        body = rejoin.tidy_screen(st.text)
        if rejoin.may_continue(body):
            following = [
                unquote(clean(lines[k].decode("utf-8", "replace")))
                for k in range(i + consumed, min(i + consumed + rejoin.MAX_LOOKAHEAD, len(lines)))
            ]
            body, k = rejoin.join(body, following)
            consumed += k
        if self.pending_boot and self.pending_journal and st.kind == "plain" and body.strip():
            # journalctl's "-- Reboot --", then a line that is no journal record: the
            # journal output ended there (a document with a pasted journal goes on), so
            # no boot starts at this line (samples/public/notes-05.log)
            self.pending_boot = False
        trunc = truncated(body, st)
        return consumed, self.effects(lines[i], prev, base + i, body, st.timestamp, hint, trunc)

    def _mark(self, mark: str) -> None:
        """Act on an encoding header or a boot separator (see :func:`_marker`)."""
        if mark.startswith("enc:"):
            self.qp = mark == "enc:quoted-printable"
        elif mark == "journal":
            self.pending_boot = self.pending_journal = True
        elif mark == "new boot":
            self.pending_boot = True
            self.pending_journal = False

    def effects(
        self,
        raw: bytes,
        prev: bytes,
        num: int,
        body: str,
        ts: float | None,
        hint: bool,
        trunc: bool,
    ) -> LogLine | None:
        """The state effects of the line ``raw`` (number ``num``) read as ``body``;
        its LogLine, or None for the second print of a line both consoles printed."""
        if body.startswith("Linux version "):
            self.con.reset()
        if self.con.handover and self.con.step(raw == prev, ts is not None):
            return None
        if "console [" in body or "console handover" in body:
            self.con.read(body)
        if self.pending_boot and body.strip():
            hint = True
            self.pending_boot = False
        return _tnew(LogLine, (self.name, num, body, ts, hint, trunc))


def may_join(
    cont: npt.NDArray[np.bool_],
    lines: ChunkLines,
    ids: npt.NDArray[np.int32],
    stamps: npt.NDArray[np.float64],
    kinds: npt.NDArray[np.uint8],
) -> None:
    """Lines of a ``cont`` message (a command line) may start a join only when the
    next line has no printk time (the seam's ``stamps``) and holds a ``=`` (every
    continuation holds a ``key=value``): those are read in full."""
    at = np.flatnonzero(cont[np.maximum(ids, 0)] & (ids >= 0))
    if len(at):
        nxt = at + 1
        inside = nxt < len(ids)
        at, nxt = at[inside], nxt[inside]
        for i in at[np.isnan(stamps[nxt])].tolist():
            if b"=" in lines[i + 1]:
                kinds[i] = SLOW
