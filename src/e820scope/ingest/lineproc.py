"""The line machine: physical lines (bytes) -> :class:`LogLine` records.

One code path serves both speeds. Every physical line goes through the same
:meth:`LineMachine.general` unless all of the following hold, in which case a line may
be skipped or served from a cache:

* the container allows it (:attr:`Container.fast_ok`: no quoted-printable, kmsg, JSON);
* no state is pending (no boot separator waiting for its first line, not inside the
  console hand-over window);
* the caller gave anchors and the line contains none of them nor any of
  :data:`~e820scope.ingest.anchors.STRUCTURAL_ANCHORS` (the lines that change state or
  start a join).

Identical raw lines recur (every generation of a kexec chain prints the same map at
``[    0.000000]``), so the result of a state-free line is cached by its raw bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import islice
from typing import Any, cast

from ..model.records import SourceRef
from . import qp, rejoin
from .anchors import STRUCTURAL_ANCHORS, compile_anchors
from .lines import LogLine
from .prefixes import clean, strip_line, unquote
from .sniff import Container

#: physical lines kept back at the end of a chunk so joins can look ahead.
KEEP = max(rejoin.MAX_LOOKAHEAD, qp.MAX_SOFT_BREAKS) + 1
#: the console hand-over window never spans more physical lines than this.
HANDOVER_MAX = 400
#: cache entries before the cache is emptied, and the longest line cached (bytes):
#: together they bound the cache to a few tens of MB.
CACHE_MAX = 60_000
CACHE_LINE_MAX = 400

_new = object.__new__


def _setter(cls: type, name: str) -> Callable[[object, object], None]:
    """The slot descriptor's ``__set__`` of ``cls.name`` (works on frozen dataclasses)."""
    return cast(Callable[[object, object], None], cls.__dict__[name].__set__)


_set_path = _setter(SourceRef, "path")
_set_line = _setter(SourceRef, "line")
_set_ref = _setter(LogLine, "ref")
_set_text = _setter(LogLine, "text")
_set_ts = _setter(LogLine, "timestamp")
_set_hint = _setter(LogLine, "boot_hint")
_set_trunc = _setter(LogLine, "truncated")


_Cached = tuple[str, float | None, bool]
#: Frozen dataclasses assign fields through ``object.__setattr__`` in ``__init__``;
#: :meth:`LineMachine.run` sets the slots directly instead, which builds an equal
#: object at half the cost (it matters at millions of lines per GiB, see bench/).
#: cache markers: a line without anchors, a line that yields nothing
_SKIP: _Cached = ("<skip>", None, False)
_DROP: _Cached = ("<drop>", None, False)


class LineMachine:
    """Stateful reader of one source's physical lines."""

    def __init__(self, name: str, container: Container, anchors: list[bytes] | None) -> None:
        self.name = name
        self.c = container
        self.qp = False  # switched on by a QP header or an e820 soft break
        self.pending_boot = False
        self.last_seq: int | None = None
        self.last_boot_id: str | None = None
        self.bootconsole = False
        self.handover = 0  # 0 none, 1 both consoles print, 2 closing
        self.handover_lines = 0
        self.prev_raw = b""
        self.cache: dict[bytes, _Cached] = {}
        self.hit: Callable[[bytes], Any] | None = None
        if anchors is not None and container.fast_ok:
            self.hit = compile_anchors([*anchors, *STRUCTURAL_ANCHORS]).search

    @property
    def stateful(self) -> bool:
        return bool(self.pending_boot or self.qp or self.handover or self.c.kmsg or self.c.json)

    def run(self, lines: list[bytes], stop: int, base: int) -> list[LogLine]:
        """Process ``lines[i]`` for ``i < stop`` (line number ``base + i``).

        Lines from ``stop`` on are only looked at by joins. Afterwards ``self.next_index``
        is the first index not consumed. This loop is the hot path of a large input:
        it is written for CPython speed (locals, no calls for cached lines).
        """
        out: list[LogLine] = []
        append = out.append
        cache = self.cache
        name = self.name
        hit = self.hit
        stateful = self.stateful
        new, set_path, set_line = _new, _set_path, _set_line
        set_ref, set_text, set_ts, set_hint, set_trunc = (
            _set_ref,
            _set_text,
            _set_ts,
            _set_hint,
            _set_trunc,
        )
        skip_until = 0
        for i, raw in enumerate(islice(lines, stop)):
            if i < skip_until:
                continue
            if not stateful:
                c = cache.get(raw)
                if c is not None:
                    if c is _SKIP:
                        if hit is not None:
                            continue
                    elif c is _DROP:
                        continue
                    else:
                        ref = new(SourceRef)
                        set_path(ref, name)
                        set_line(ref, base + i)
                        obj = new(LogLine)
                        set_ref(obj, ref)
                        set_text(obj, c[0])
                        set_ts(obj, c[1])
                        set_hint(obj, False)
                        set_trunc(obj, c[2])
                        append(obj)
                        continue
                elif hit is not None and not hit(raw):
                    self._store(raw, _SKIP)
                    continue
            prev = lines[i - 1] if i else self.prev_raw
            consumed, res = self.general(lines, i, base, prev)
            if res is not None:
                append(res)
            skip_until = i + consumed
            stateful = self.stateful
        end = max(skip_until, stop)  # the loop always runs to stop; joins may go past it
        self.next_index = end
        if end:
            self.prev_raw = lines[end - 1]
        return out

    def general(
        self, lines: list[bytes], i: int, base: int, prev: bytes
    ) -> tuple[int, LogLine | None]:
        """Fully process the line at ``lines[i]``; returns (lines consumed, result)."""
        raw = lines[i]
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
        text = raw.decode("utf-8", "replace")
        if self.qp:
            text = text.replace("\xa0", " ")
        text = clean(text)
        ref = SourceRef(self.name, base + i)
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
                    self.pending_boot = True
                return consumed, None
            if s.startswith("----- New boot"):
                self.pending_boot = True
                return consumed, None
        if self.c.json and text.lstrip().startswith("{"):
            return consumed, self._json(text, ref)
        text = unquote(text)
        if self.c.kmsg and text[:1] == " " and "=" in text:
            return consumed, None  # /dev/kmsg dictionary continuation " KEY=value"
        st = strip_line(text)
        if st is None:
            if cacheable:
                self._store(lines[i], _DROP)
            return consumed, None
        hint = False
        if st.seq is not None:
            if self.last_seq is not None and st.seq < self.last_seq:
                hint = True
            self.last_seq = st.seq
        body = rejoin.tidy_screen(st.text)
        if rejoin.may_continue(body):
            cacheable = False
            following = [
                unquote(clean(ln.decode("utf-8", "replace")))
                for ln in lines[i + consumed : i + consumed + rejoin.MAX_LOOKAHEAD]
            ]
            body, k = rejoin.join(body, following)
            consumed += k
        trunc = rejoin.screen_truncated(body) or rejoin.pager_truncated(body, st.kind)
        if body.startswith("Linux version "):
            self.bootconsole = False  # a new kernel: no console state carries over
            self.handover = 0
            cacheable = False  # a line with a state effect is never served from the cache
        if self.handover:
            cacheable = False
            self.handover_lines += 1
            if self.handover_lines > HANDOVER_MAX:
                self.handover = 0
            if lines[i] == prev and st.timestamp is not None:
                return consumed, None  # printed by the boot console and the real one
            if self.handover == 2:
                self.handover = 0
        if "console [" in body or "console handover" in body:
            cacheable = False
            self._console(body)
        if self.pending_boot and body.strip():
            hint = True
            self.pending_boot = False
            cacheable = False
        if cacheable and not hint:
            self._store(lines[i], (body, st.timestamp, trunc))
        return consumed, LogLine(ref, body, st.timestamp, hint, trunc)

    def _console(self, body: str) -> None:
        """Track the window where the boot console and the real console both print."""
        if "bootconsole [" in body and "enabled" in body:
            self.bootconsole = True
        elif ("bootconsole [" in body and "disabled" in body) or "console handover" in body:
            if self.handover:
                self.handover = 2
            self.bootconsole = False
        elif "] enabled" in body and self.bootconsole:
            self.handover = 1
            self.handover_lines = 0

    def _store(self, raw: bytes, value: _Cached) -> None:
        if len(raw) > CACHE_LINE_MAX:
            return
        if len(self.cache) >= CACHE_MAX:
            self.cache.clear()
        self.cache[raw] = value

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
