"""The line machine: physical lines (bytes) -> :class:`LogLine` records.

One code path serves both speeds. Every physical line goes through the same
:meth:`LineMachine.general` unless all of the following hold, in which case a line may
be skipped or served from a cache:

* the container allows it (:attr:`Container.fast_ok`: no quoted-printable, kmsg, JSON)
  for skipping; caching needs only a state-free line;
* no state is pending (no boot separator waiting for its first line, no quoted-printable
  decoding); inside the console hand-over window a cached line still gets the window's
  bookkeeping (duplicate suppression, window end);
* the caller gave anchors and the line contains none of them nor any of
  :data:`~e820scope.ingest.anchors.STRUCTURAL_ANCHORS` (the lines that change state or
  start a join).

Identical raw lines recur (every generation of a kexec chain prints the same map at
``[    0.000000]``), so the result of a state-free line is cached by its raw bytes; a
line that starts with a printk time is also cached under the rest of the line, so the
same message at another time (the next generation's ``[    0.412345] e820: ...``) is a
hit too. Only lines with no state effect are cached (``Linux version``, console
hand-over lines, separators, join starts, quoted-printable soft breaks never are), so a
cached result is valid whatever the state around it. Both caches are bounded
(:data:`CACHE_MAX` entries of at most :data:`CACHE_LINE_MAX` bytes).

Per chunk, :meth:`LineMachine.run` looks every line up with one C-level ``map`` and
turns each run of hits into LogLines with C-level ``compress``/``zip``/``map``, so no
Python bytecode runs for a cached line; misses go one by one through the code above.

When the C accelerator ``e820scope._speedups._linescan`` is available, the two caches
are its bounded ``Table`` objects instead of dicts, and :meth:`LineMachine.run_buffer`
replaces :meth:`~LineMachine.run`: its ``Scanner`` walks the chunk buffer itself (no
split into a list of lines) while every line is a cache hit, and hands each other line
to :meth:`LineMachine.step`, the same per-line code :meth:`~LineMachine.run` uses. The
Scanner also keeps the console hand-over state (:attr:`LineMachine.con`) and reads the
lines that act on it (console lines, the kernel banner, every line of the window) once
:meth:`LineMachine.general` has read them, so a kexec chain's boots reach Python only
at their new lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import compress, islice, repeat
from operator import is_, itemgetter
from typing import Any, Protocol

from .._speedups import load
from ..model.records import SourceRef
from . import qp, rejoin
from .anchors import STRUCTURAL_ANCHORS, compile_anchors
from .lines import LogLine
from .prefixes import clean, strip_line, unquote
from .sniff import Container

#: physical lines kept back at the end of a chunk so joins can look ahead.
KEEP = max(rejoin.MAX_LOOKAHEAD, qp.MAX_SOFT_BREAKS) + 1
#: lines :meth:`LineMachine.run_buffer` hands to :meth:`LineMachine.step` at once: the
#: line itself and more than the furthest :meth:`LineMachine.general` ever looks (soft
#: breaks, then a join after them), so the result is the one the whole chunk would give.
WINDOW = qp.MAX_SOFT_BREAKS + rejoin.MAX_LOOKAHEAD + 3
#: the console hand-over window never spans more physical lines than this.
HANDOVER_MAX = 400
#: cache entries before the cache is emptied, and the longest line cached (bytes):
#: together they bound the cache to a few tens of MB.
CACHE_MAX = 60_000
CACHE_LINE_MAX = 400

_tnew = tuple.__new__
_tadd = tuple.__add__

#: a printk time prefix with the six decimals printk prints (``[    4.291780] ``); a line
#: that starts with one is also cached under the rest of the line, so a message printed
#: again at another time (the next generation of a kexec chain) is a cache hit.
_TS_PREFIX = re.compile(rb"\[ *(\d+\.\d{6})\] ")
#: the same prefix as printk prints it for times below 100000 s, digits mapped to ``9``
_TS15 = frozenset(b"[" + (b"9" * n).rjust(5) + b".999999] " for n in range(1, 6))
_NINES = bytes.maketrans(b"0123456789", b"9999999999")
_HEAD15 = itemgetter(slice(0, 15))
_REST15 = itemgetter(slice(15, None))
_translate = bytes.translate

#: Cached result of a state-free line, keyed by its raw bytes: ``(text, timestamp,
#: boot_hint=False, truncated)``, the tail of a :class:`LogLine` tuple; or :data:`_NONE`
#: for a line that yields nothing (no anchor, or another program's syslog record).
_Cached = tuple[Any, ...]
_NONE: _Cached = ()


#: structural anchors of the lines with a state effect (console hand-over, kernel
#: banner): those lines are never cached, so they reach the anchor test every time
#: (the C scanner's twin: ``state_anchored`` in _linescan.c)
_STATE_ANCHORS = (b"console [", b"Linux version")


def _anchor_test(anchors: list[bytes]) -> Callable[[bytes], bool]:
    """A test for "the line holds one of ``anchors``" (which include
    :data:`_STATE_ANCHORS`, looked for first with plain substring tests: cheaper than
    the regex of every anchor)."""
    search = compile_anchors(anchors).search
    first, second = _STATE_ANCHORS

    def hit(raw: bytes) -> bool:
        # find(), not "in": bytes.__contains__ first tries its argument as an int
        find = raw.find
        return find(first) >= 0 or find(second) >= 0 or search(raw) is not None

    return hit


class _Cache(Protocol):
    """What the machine needs of a cache: a dict, or the C accelerator's ``Table``."""

    def get(self, key: bytes, /) -> _Cached | None: ...
    def __contains__(self, key: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __setitem__(self, key: bytes, value: _Cached, /) -> None: ...
    def clear(self) -> None: ...


class Fold(Protocol):
    """The parser's C reading of cache hits (``e820scope._speedups._linescan.Fold``):
    :meth:`LineMachine.run_buffer` gives it every line instead of listing it."""

    folded: int
    handed: int

    def line(self, line: LogLine, /) -> None: ...
    def flush(self) -> None: ...
    def reset(self) -> None: ...


class _Console(Protocol):
    """The console hand-over state: a :class:`_ConsoleState`, or the C ``Scanner``,
    which keeps the same fields and updates them itself for the lines it reads."""

    #: a boot console (``earlyprintk``) is printing
    bootconsole: int
    #: 0: no window; 1: the boot console and the real console both print every line;
    #: 2: the boot console was switched off, the window ends at the next printed line
    handover: int
    #: physical lines read inside the window (it never spans more than HANDOVER_MAX)
    handover_lines: int


class _ConsoleState:
    """:class:`_Console` without the accelerator."""

    __slots__ = ("bootconsole", "handover", "handover_lines")

    def __init__(self) -> None:
        self.bootconsole = 0
        self.handover = 0
        self.handover_lines = 0


class _Scanner(_Console, Protocol):
    """The C accelerator's cache-hit loop (``e820scope._speedups._linescan.Scanner``)."""

    def scan(
        self, buf: bytes, pos: int, end: int, base: int, out: list[LogLine], prev: bytes, /
    ) -> tuple[int, int, int, bool]: ...
    def fold(
        self, buf: bytes, pos: int, end: int, base: int, fold: Fold, prev: bytes, /
    ) -> tuple[int, int, int, bool]: ...
    def lines(self, buf: bytes, pos: int, end: int, n: int, /) -> list[bytes]: ...


class LineMachine:
    """Stateful reader of one source's physical lines."""

    def __init__(self, name: str, container: Container, anchors: list[bytes] | None) -> None:
        self.name = name
        self.c = container
        self.qp = False  # switched on by a QP header or an e820 soft break
        self.pending_boot = False
        #: the pending boot comes from journalctl's "-- Reboot --" / "-- Boot ... --"
        self.pending_journal = False
        self.last_seq: int | None = None
        self.last_boot_id: str | None = None
        #: the console hand-over state (the Scanner's own fields with the accelerator)
        self.con: _Console = _ConsoleState()
        self.prev_raw = b""
        self.cache: _Cache = {}
        #: the same results keyed by the line minus its printk time prefix
        self.ts_cache: _Cache = {}
        #: how general() read lines that are not cached (see _remember), same two keys
        self.parsed: _Cache = {}
        self.ts_parsed: _Cache = {}
        self.hit: Callable[[bytes], bool] | None = None
        #: whether the time-prefix cache is sound: no anchor can match inside a prefix
        self.ts_ok = True
        if anchors is not None and container.fast_ok:
            every = [*anchors, *STRUCTURAL_ANCHORS]
            self.hit = _anchor_test(every)
            self.ts_ok = all(b"]" not in a and a.strip(b"[ .0123456789") for a in every)
        self.next_index = 0
        #: the C cache-hit loop over chunk buffers (None: pure Python, :meth:`run`)
        self.scanner: _Scanner | None = None
        ext = load("_linescan")
        if (
            ext is not None
            and len(container.newline) == 1
            and not (container.kmsg or container.json)
        ):
            self.cache = ext.Table(CACHE_MAX, CACHE_LINE_MAX)
            self.ts_cache = ext.Table(CACHE_MAX, CACHE_LINE_MAX)
            self.parsed = ext.Table(CACHE_MAX, CACHE_LINE_MAX)
            self.ts_parsed = ext.Table(CACHE_MAX, CACHE_LINE_MAX)
            ts_ok = self.ts_ok
            self.scanner = ext.Scanner(
                self.cache,
                self.ts_cache if ts_ok else None,
                LogLine,
                name,
                container.newline,
                self.parsed,
                self.ts_parsed if ts_ok else None,
                HANDOVER_MAX,
                self.hit is not None,
            )
            self.con = self.scanner

    @property
    def stateful(self) -> bool:
        return bool(self.pending_boot or self.qp or self.con.handover or self.c.kmsg or self.c.json)

    def run(self, lines: list[bytes], stop: int, base: int) -> list[LogLine]:
        """Process ``lines[i]`` for ``i < stop`` (line number ``base + i``).

        Lines from ``stop`` on are only looked at by joins. Afterwards ``self.next_index``
        is the first index not consumed. This is the hot path of a large input: while no
        state is pending, every line is first looked up in the caches with C-level
        ``map`` calls over the chunk, and each run of cache hits becomes LogLines through
        C-level ``compress``/``zip``/``map`` (no Python code per line); only misses are
        handled one by one.
        """
        out: list[LogLine] = []
        append = out.append
        step = self.step
        name = self.name
        vals: list[_Cached | None]
        if self.c.kmsg or self.c.json:  # always stateful: nothing is ever cached
            vals = [None] * stop
        else:
            vals = list(map(self.cache.get, islice(lines, stop)))
            if self.ts_ok and None in vals:
                self._ts_fill(lines, vals)
        index = vals.index
        i = 0
        while i < stop:
            if not self.stateful:
                try:
                    j = index(None, i, stop)
                except ValueError:
                    j = stop
                if j > i:
                    seg = vals[i:j]
                    nums = compress(range(base + i, base + j), seg)
                    heads = zip(repeat(name), nums)
                    out.extend(map(_tnew, repeat(LogLine), map(_tadd, heads, filter(None, seg))))
                    i = j
                    if i >= stop:
                        break
            consumed, res = step(lines, i, base, vals[i])
            if res is not None:
                append(res)
            i += consumed
        end = max(i, stop)  # joins may go past stop
        self.next_index = end
        if end:
            self.prev_raw = lines[end - 1]
        return out

    def step(
        self, lines: list[bytes], i: int, base: int, val: _Cached | None, missed: bool = False
    ) -> tuple[int, LogLine | None]:
        """Process ``lines[i]``, which is not part of a run of cache hits.

        ``val`` is what the caches held for it before the lines in front of it were
        processed (None: nothing, or not looked up); ``missed``: the caches were just
        searched for it and hold nothing. Returns the number of lines consumed and the
        LogLine, if any. ``lines[i - 1]`` (``self.prev_raw`` when ``i == 0``) is the line
        before it, and ``lines`` must go on to at least ``WINDOW - 1`` lines after it, or
        to the end of the chunk.
        """
        raw = lines[i]
        if not self.stateful:
            c = None if missed else self._lookup(raw)
            if c is not None:
                return 1, _tnew(LogLine, (self.name, base + i, *c)) if c else None
            if self.hit is not None and not self.hit(raw):
                self._store(raw, _NONE)
                return 1, None
        elif self.con.handover and not (self.pending_boot or self.qp or self.c.kmsg or self.c.json):
            # inside the console hand-over window: a state-free line with a cached
            # result needs only the window's bookkeeping (as in general())
            c = val or self._lookup(raw)
            if c:
                prev = lines[i - 1] if i else self.prev_raw
                if self._window_step(raw == prev, c[1] is not None):
                    return 1, None
                return 1, _tnew(LogLine, (self.name, base + i, *c))
        prev = lines[i - 1] if i else self.prev_raw
        return self.general(lines, i, base, prev)

    def run_buffer(
        self, data: bytes, pos: int, full: int, limit: int, base: int, fold: Fold | None = None
    ) -> tuple[list[LogLine], int, int]:
        """The C-accelerated :meth:`run`: process the lines of ``data[pos:full]``.

        ``data[pos:full]`` holds whole lines (each ends with the one-byte newline), the
        first numbered ``base``. Every line that starts before ``limit`` is processed (a
        join may consume lines past it); lines after ``limit`` may be, when they are cache
        hits. Returns the LogLines, the offset of the first line not consumed and its
        number. While no state but the console window is pending the scanner consumes
        cache hits and known console lines in C; every other line goes through
        :meth:`step` with a window of :data:`WINDOW` lines.

        With ``fold``, every line goes to ``fold`` in order instead (hits through
        ``Scanner.fold``, the others through ``fold.line``) and the list stays empty.
        """
        assert self.scanner is not None
        window = self.scanner.lines
        step = self.step
        out: list[LogLine] = []
        append = out.append
        scan: Callable[[bytes, int, int, int, Any, bytes], tuple[int, int, int, bool]]
        sink: Any = out  # the list scan() fills, or the Fold fold() feeds
        scan = self.scanner.scan
        if fold is not None:
            scan, sink = self.scanner.fold, fold
            append = fold.line
        missed = False
        while True:
            # the scanner serves cache hits and the console window's bookkeeping, and
            # recalls the lines general() read before; any other state needs Python
            if not (self.pending_boot or self.qp):
                pos, n, last, missed = scan(data, pos, full, base, sink, self.prev_raw)
                if n:
                    base += n
                    self.prev_raw = data[last : pos - 1]
            if pos >= limit:
                return out, pos, base
            lines = window(data, pos, full, WINDOW)
            consumed, res = step(lines, 0, base, None, missed)
            missed = False
            if res is not None:
                append(res)
            base += consumed
            if consumed == 1:
                self.prev_raw = raw = lines[0]
                pos += len(raw) + 1
            else:
                self.prev_raw = lines[consumed - 1]
                pos += sum(map(len, lines[:consumed])) + consumed

    def _ts_fill(self, lines: list[bytes], vals: list[_Cached | None]) -> None:
        """Fill ``vals[i] is None`` from the time-prefix cache, C-level where possible.

        Only the common 15-byte prefix ``[%5lu.%06lu] `` is handled here (checked by
        mapping digits to ``9`` and looking the result up in :data:`_TS15`); a longer
        one is left to :meth:`_lookup`.
        """
        miss = list(compress(range(len(vals)), map(is_, vals, repeat(None))))
        got = list(map(lines.__getitem__, miss))
        ok = list(map(_TS15.__contains__, map(_translate, map(_HEAD15, got), repeat(_NINES))))
        found = map(self.ts_cache.get, map(_REST15, compress(got, ok)))
        for i, raw, t in zip(compress(miss, ok), compress(got, ok), found, strict=True):
            if t is not None:
                vals[i] = (t[0], float(raw[1:13]), False, t[1]) if t else _NONE

    def _lookup(self, raw: bytes) -> _Cached | None:
        """The cached result of ``raw``: by its bytes, else by the part after its time."""
        return self._find(raw, self.cache, self.ts_cache)

    def _recall(self, raw: bytes) -> _Cached | None:
        """How :meth:`general` read ``raw`` before, as a cache value (see :meth:`_remember`)."""
        return self._find(raw, self.parsed, self.ts_parsed)

    def _find(self, raw: bytes, cache: _Cache, ts_cache: _Cache) -> _Cached | None:
        c = cache.get(raw)
        if c is not None or not self.ts_ok:
            return c
        m = _TS_PREFIX.match(raw)
        if m is None:
            return None
        t = ts_cache.get(raw[m.end() :])
        if t is None:
            return None
        return (t[0], float(m.group(1)), False, t[1]) if t else _NONE

    def general(
        self, lines: list[bytes], i: int, base: int, prev: bytes
    ) -> tuple[int, LogLine | None]:
        """Fully process the line at ``lines[i]``; returns (lines consumed, result).

        A line whose reading does not depend on the state (no quoted-printable, no join,
        no kmsg sequence number) but whose result is not cached (a state effect, or read
        while state is pending) is remembered as read (:meth:`_recall`), so only its
        effects (:meth:`_effects`) run again when it comes back.
        """
        raw = lines[i]
        known = None if self.qp else self._recall(raw)
        if known:
            body, ts, _, trunc = known
            res, _ = self._effects(raw, prev, base + i, body, ts, False, trunc, not self.stateful)
            return 1, res
        consumed = 1
        cacheable = not self.stateful
        if not self.qp and qp.SOFT_BREAK_E820.search(raw):
            self.qp = True
            cacheable = False
        if self.qp:
            raw = raw.rstrip(b"\r")
            while (
                raw.endswith(b"=") and i + consumed < len(lines) and consumed <= qp.MAX_SOFT_BREAKS
            ):
                raw = raw[:-1] + lines[i + consumed].rstrip(b"\r")
                consumed += 1
            raw = qp.decode(raw)
        plain = not self.qp  # the line is read the same whatever the state
        text = raw.decode("utf-8", "replace")
        if self.qp:
            text = text.replace("\xa0", " ")
        text = clean(text)
        head = text[:2]
        if head == "Co":
            enc = qp.header_encoding(text)
            if enc is not None:
                self.qp = enc == "quoted-printable"
                return consumed, None
        elif head in ("--", "- "):
            s = text.strip()
            if s.startswith("-- ") and s.endswith(" --"):
                if s.startswith(("-- Reboot", "-- Boot ")):
                    self.pending_boot = self.pending_journal = True
                return consumed, None
            if s.startswith("----- New boot"):
                self.pending_boot = True
                self.pending_journal = False
                return consumed, None
        if self.c.json and text.lstrip().startswith("{"):
            return consumed, self._json(text, SourceRef(self.name, base + i))
        text = unquote(text)
        if self.c.kmsg and text[:1] == " " and "=" in text:
            return consumed, None  # /dev/kmsg dictionary continuation " KEY=value"
        st = strip_line(text)
        if st is None:
            if cacheable:
                self._store(lines[i], _NONE)
            return consumed, None
        hint = False
        if st.seq is not None:
            plain = False
            if self.last_seq is not None and st.seq < self.last_seq:
                hint = True
            self.last_seq = st.seq
        body = rejoin.tidy_screen(st.text)
        if rejoin.may_continue(body):
            cacheable = plain = False
            following = [
                unquote(clean(ln.decode("utf-8", "replace")))
                for ln in lines[i + consumed : i + consumed + rejoin.MAX_LOOKAHEAD]
            ]
            body, k = rejoin.join(body, following)
            consumed += k
        trunc = rejoin.screen_truncated(body) or rejoin.pager_truncated(body, st.kind)
        if self.pending_boot and self.pending_journal and st.kind == "plain" and body.strip():
            # journalctl's "-- Reboot --", then a line that is no journal record: the
            # journal output ended there (a document with a pasted journal goes on), so
            # no boot starts at this line (samples/public/notes-05.log)
            self.pending_boot = False
        res, cached = self._effects(
            lines[i], prev, base + i, body, st.timestamp, hint, trunc, cacheable
        )
        if plain and not cached:
            self._remember(lines[i], (body, st.timestamp, False, trunc))
        return consumed, res

    def _effects(
        self,
        raw: bytes,
        prev: bytes,
        num: int,
        body: str,
        ts: float | None,
        hint: bool,
        trunc: bool,
        cacheable: bool,
    ) -> tuple[LogLine | None, bool]:
        """The state effects of the line ``raw`` (number ``num``) read as ``body``.

        Returns its LogLine (None: a line both consoles printed) and whether its result
        went to the cache (only when ``cacheable`` and the line has no effect).
        """
        con = self.con
        if body.startswith("Linux version "):
            con.bootconsole = 0  # a new kernel: no console state carries over
            con.handover = 0
            cacheable = False  # a line with a state effect is never served from the cache
        if con.handover:
            cacheable = False
            if self._window_step(raw == prev, ts is not None):
                return None, False
        if "console [" in body or "console handover" in body:
            cacheable = False
            self._console(body)
        if self.pending_boot and body.strip():
            hint = True
            self.pending_boot = False
            cacheable = False
        if cacheable and not hint:
            self._store(raw, (body, ts, False, trunc))
        return _tnew(LogLine, (self.name, num, body, ts, hint, trunc)), cacheable and not hint

    def _window_step(self, same_as_prev: bool, has_ts: bool) -> bool:
        """The hand-over window's bookkeeping for one line read inside it (the C twin:
        ``window_step`` in _linescan.c). True when the line is dropped: the second print
        of a line both consoles printed (the same bytes as the line before it, with a
        time)."""
        con = self.con
        con.handover_lines += 1
        if con.handover_lines > HANDOVER_MAX:
            con.handover = 0
        if same_as_prev and has_ts:
            return True
        if con.handover == 2:
            con.handover = 0
        return False

    def _console(self, body: str) -> None:
        """Track the window where the boot console and the real console both print
        (the C twin: ``console_effect`` in _linescan.c)."""
        con = self.con
        if "bootconsole [" in body and "enabled" in body:
            con.bootconsole = 1
        elif ("bootconsole [" in body and "disabled" in body) or "console handover" in body:
            if con.handover:
                con.handover = 2
            con.bootconsole = 0
        elif "] enabled" in body and con.bootconsole:
            con.handover = 1
            con.handover_lines = 0

    def _store(self, raw: bytes, value: _Cached) -> None:
        """Cache the result of a state-free line (bounded: see CACHE_MAX, CACHE_LINE_MAX).

        A line with a printk time prefix is also cached under the rest of the line: its
        result is the same for every time value, except the timestamp itself.
        """
        self._keep(raw, value, self.cache, self.ts_cache)

    def _remember(self, raw: bytes, value: _Cached) -> None:
        """Keep how :meth:`general` read a line that is not cached (it has state effects,
        or state was pending), so that reading it again is skipped; bounded the same way
        as the caches. ``value`` has the shape of a cached result.
        """
        self._keep(raw, value, self.parsed, self.ts_parsed)

    def _keep(self, raw: bytes, value: _Cached, cache: _Cache, ts_cache: _Cache) -> None:
        if len(raw) > CACHE_LINE_MAX:
            return
        self._put(cache, raw, value)
        if not self.ts_ok:
            return
        m = _TS_PREFIX.match(raw)
        if m is None:
            return
        rest = raw[m.end() :]
        if b"\r" in rest.rstrip(b"\r") or b"\x1b" in rest:
            return  # clean() looks for time stamps in CR-separated segments
        if value and value[1] != float(m.group(1)):
            return  # the time did not come from this prefix
        self._put(ts_cache, rest, (value[0], value[3]) if value else _NONE)

    @staticmethod
    def _put(cache: _Cache, key: bytes, value: _Cached) -> None:
        if len(key) > CACHE_LINE_MAX:
            return
        if len(cache) >= CACHE_MAX:
            cache.clear()  # bounded memory; the next generation refills it
        cache[key] = value

    def _json(self, text: str, ref: SourceRef) -> LogLine | None:
        """One ``journalctl -o json`` record."""
        try:
            rec = json.loads(text)
        except ValueError:
            return None
        if not isinstance(rec, dict):
            return None
        transport = rec.get("_TRANSPORT")
        if transport is not None and transport != "kernel":
            return None
        msg = rec.get("MESSAGE")
        if isinstance(msg, list):
            msg = bytes(b & 0xFF for b in msg if isinstance(b, int)).decode("utf-8", "replace")
        if not isinstance(msg, str):
            return None
        hint = self.pending_boot
        self.pending_boot = False
        boot = rec.get("_BOOT_ID")
        if isinstance(boot, str):
            if self.last_boot_id is not None and boot != self.last_boot_id:
                hint = True
            self.last_boot_id = boot
        ts: float | None = None
        for key in ("_SOURCE_MONOTONIC_TIMESTAMP", "__MONOTONIC_TIMESTAMP"):
            v = rec.get(key)
            if isinstance(v, (str, int)) and str(v).isdigit():
                ts = int(v) / 1e6
                break
        body = clean(msg.rstrip("\n"))
        return LogLine(ref, body, ts, hint, rejoin.screen_truncated(body))
