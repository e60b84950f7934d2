"""The splitter: the container layer's batches -> boots, the parser's one line machine.

It owns all of the parser's state: the open boot (a :class:`BootBuilder`), what ended
the last one, the firmware output waiting for the next banner, and the boot held back
so that a replay of its log can be folded into it (:mod:`.replay`).

Every line is read by :meth:`Splitter.line`. A batch is not walked line by line: the
session gives each message id a role (:mod:`.session`), and :meth:`Splitter.feed` acts
only where a message has an effect. Lines that only move the boot's last line and
printk times (``QUIET``, and ``UNP`` while no block is open) are folded into the next
line that does something; a run of plain entries of one table block goes to the block
at once (:meth:`Splitter._entries`); every other line goes to :meth:`Splitter.line`. A
printk time that falls back below one second is read line by line, since it may start
a boot.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any, cast

import numpy as np

from ..ingest.lines import TIMESTAMP, LogLine
from ..ingest.machine import Batch
from ..model.records import Boot, E820Entry, LogEvent, SourceRef
from .builder import BootBuilder, new_builder, record_of
from .facts import LineFact
from .finish import finish
from .replay import fold_replay, is_replay
from .session import CLOSE, ENTRY, OPEN, PASS, RECORD, UNP, ParseSession, line_role

#: A printk clock below this (seconds) counts as "the start of a boot".
BOOT_START_TS = 1.0
#: added to the role of a line the container layer read in full (a LogLine of the batch)
_LOG = 8
_tnew = tuple.__new__
_tadd = tuple.__add__


class Splitter:
    """Feeds lines to BootBuilders, starting a new one at each boot marker."""

    def __init__(self, session: ParseSession, first_index: int = 1) -> None:
        self.session = session
        #: finished boots not yet taken by the consumer
        self.done: list[Boot] = []
        self.prev: Boot | None = None
        #: the last finished boot, held back one boot so that a replay of its log can
        #: be folded into it
        self.held: Boot | None = None
        self.next_index = first_index
        self.cur: BootBuilder | None = None
        self.after_kexec = False
        self.explicit_next = False
        self.last_kexec_cmd: str | None = None
        self.not_x86: str | None = None
        #: firmware output seen after the current boot had content: it belongs to the
        #: next boot (the one whose banner follows it)
        self.pending_firmware: tuple[str, str, SourceRef] | None = None
        #: the last printk time of a line that reached the parser (NaN: none yet)
        self.last_stamp = math.nan

    # -- input ---------------------------------------------------------------------
    def feed_lines(self, lines: Iterable[LogLine]) -> None:
        """Read LogLines one by one (finished boots go to :attr:`done`)."""
        fact = self.session.fact
        for ln in lines:
            self.line(ln, fact(ln.text, ln.ref))

    def feed(self, batch: Batch) -> None:
        """Read one batch of the container layer (finished boots go to :attr:`done`)."""
        ids = batch.ids
        n = len(ids)
        if not n:
            return
        by_mid = self.session.roles(batch)
        roles = np.zeros(n, np.uint8)
        logs: list[LogLine] = []
        for seg in batch.segments:
            if isinstance(seg, range):
                roles[seg.start : seg.stop] = by_mid[ids[seg.start : seg.stop]]
            else:
                logs.append(seg)
        stamps = batch.stamps
        facts: list[LineFact] = []
        if logs:
            stamps = stamps.copy()
            fact = self.session.fact
            facts = [fact(ln.text, ln.ref) for ln in logs]
            at = np.array([ln.line - batch.base for ln in logs])
            roles[at] = [_LOG + line_role(f) for f in facts]
            stamps[at] = [math.nan if ln[TIMESTAMP] is None else ln[TIMESTAMP] for ln in logs]
        nz = np.flatnonzero(roles)
        if len(nz):
            self._events(batch, nz, roles[nz], stamps[nz], logs, facts)

    def _events(
        self,
        batch: Batch,
        nz: Any,
        r: Any,
        st: Any,
        logs: list[LogLine],
        facts: list[LineFact],
    ) -> None:
        """Act on the lines ``nz`` (indexes into the batch) of roles ``r`` and printk
        times ``st``: see the module docstring."""
        m = len(nz)
        fin = st == st
        at = np.arange(m)
        fin_at = np.flatnonzero(fin)
        if len(fin_at):  # a time that falls back below BOOT_START_TS: line by line
            fs = st[fin_at]
            before = np.empty_like(fs)
            before[0] = self.last_stamp
            before[1:] = fs[:-1]
            back = fin_at[(fs < BOOT_START_TS) & (before >= BOOT_START_TS)]
            rb = r[back]  # read line by line, with the same effect on a block
            r[back] = np.where(
                rb >= PASS, rb, np.where(rb == ENTRY, OPEN, np.where(rb == RECORD, CLOSE, PASS))
            )
            self.last_stamp = float(fs[-1])
        unp = np.flatnonzero(r == UNP)
        if len(unp):  # an unreadable line matters only while a block may be open
            eff = r % _LOG
            acts = np.flatnonzero((eff == ENTRY) | (eff == RECORD) | (eff >= OPEN))
            k = np.searchsorted(acts, unp) - 1
            last = np.full(len(unp), -1, np.int64)
            if len(acts):
                last = np.where(k >= 0, eff[acts[np.maximum(k, 0)]], -1)
            open_now = self.cur is not None and self.cur.block is not None
            r[unp[(last == ENTRY) | (last == OPEN) | ((last < 0) & open_now)]] = PASS
        sig = np.flatnonzero(r >= ENTRY)
        if not len(sig):
            self._quiet(batch, nz, st, 0, m, _fins(fin, at, m))
            return
        rs = r[sig]
        ent = rs == ENTRY
        who = self.session.who[batch.ids[nz[sig]]]
        rec = rs == RECORD
        first = np.ones(len(sig), bool)
        first[1:] = ~((ent[1:] & ent[:-1] & (who[1:] == who[:-1])) | (rec[1:] & rec[:-1]))
        starts = np.flatnonzero(first)
        ends = np.append(starts[1:], len(sig)) - 1
        fins = _fins(fin, at, m)
        sig_l, rs_l = sig.tolist(), rs.tolist()
        log_it, fact_it = iter(logs), iter(facts)
        done = 0
        for gs, ge in zip(starts.tolist(), ends.tolist(), strict=True):
            k0, k1 = sig_l[gs], sig_l[ge]
            self._quiet(batch, nz, st, done, k0, fins)
            role = rs_l[gs]
            if role >= _LOG:
                self.line(next(log_it), next(fact_it))
            elif role == ENTRY:
                self._entries(batch, nz[sig[gs : ge + 1]])
                self._quiet(batch, nz, st, k0, k1 + 1, fins)
            elif role == RECORD:
                self._records(batch, nz[sig[gs : ge + 1]])
                self._quiet(batch, nz, st, k0, k1 + 1, fins)
            else:
                self._one(batch, int(nz[k0]))
            done = k1 + 1
        self._quiet(batch, nz, st, done, m, fins)

    def _one(self, batch: Batch, i: int) -> None:
        """Read physical line ``i`` of a run of ``batch`` on its own."""
        mid = int(batch.ids[i])
        ts = float(batch.stamps[i])
        text = batch.body[mid]
        assert text is not None
        ln = _tnew(
            LogLine,
            (
                batch.path,
                batch.base + i,
                text,
                None if ts != ts else ts,
                False,
                batch.truncated[mid],
            ),
        )
        fact = self.session.mid_fact[mid]
        assert fact is not None
        self.line(ln, fact)

    def _quiet(
        self, batch: Batch, nz: Any, st: Any, a: int, b: int, fins: tuple[list[int], list[int]]
    ) -> None:
        """Lines ``nz[a:b]``, which only move the boot's last line and printk times."""
        if a >= b:
            return
        if self.cur is None:  # the first line opens a boot
            self._one(batch, int(nz[a]))
            a += 1
            if a >= b:
                return
        cur = self.cur
        assert cur is not None
        cur.last_line = batch.base + int(nz[b - 1])
        next_fin, last_fin = fins
        f = next_fin[a]
        if f < b:
            if cur.first_ts is None:
                cur.first_ts = float(st[f])
            cur.last_ts = float(st[last_fin[b - 1]])

    def _entries(self, batch: Batch, at: Any) -> None:
        """A run of plain entries of one block (physical lines ``at`` of ``batch``), built
        by C-level ``map`` from each message's (addr, size, type, raw)."""
        if self.cur is None:  # the first line opens a boot
            self._one(batch, int(at[0]))
            at = at[1:]
            if not len(at):
                return
        cur = self.cur
        assert cur is not None
        s = self.session
        mids = batch.ids[at].tolist()
        nums = (at + batch.base).tolist()
        path = batch.path
        protos = cast("list[tuple[object, ...]]", s.proto)
        fields = map(_tadd, map(protos.__getitem__, mids), zip(repeat(path), nums))
        who = s.mid_fact[mids[0]]
        assert who is not None
        cur.add_entries(
            who.who,
            map(_tnew, repeat(E820Entry), fields),
            SourceRef(path, nums[0]),
            SourceRef(path, nums[-1]),
            filter(None, map(s.era.__getitem__, set(mids))),
        )

    def _records(self, batch: Batch, at: Any) -> None:
        """A run of lines that each add one record (physical lines ``at`` of ``batch``)."""
        if self.cur is None:  # the first line opens a boot
            self._one(batch, int(at[0]))
            at = at[1:]
            if not len(at):
                return
        cur = self.cur
        assert cur is not None
        facts, body, path = self.session.mid_fact, batch.body, batch.path
        cur.add_records(
            cast(
                tuple[int, object],
                record_of(cast(LineFact, facts[m]), SourceRef(path, n), cast(str, body[m])),
            )
            for m, n in zip(batch.ids[at].tolist(), (at + batch.base).tolist(), strict=True)
        )

    # -- one line ------------------------------------------------------------------
    def line(self, line: LogLine, fact: LineFact) -> None:
        """One line, read on its own."""
        kind = fact.kind
        ref = line.ref
        if kind == "firmware" and not line.boot_hint:
            self._firmware(fact, ref)  # not a kernel line: no boot starts or grows
            return
        ts = line.timestamp
        cur = self.cur
        if (
            cur is not None
            and (
                line.boot_hint
                or (
                    ts is not None
                    and ts < BOOT_START_TS
                    and cur.last_ts is not None
                    and cur.last_ts >= BOOT_START_TS
                )
            )
            and (
                (line.boot_hint and self._worth_a_boot(cur))
                or (cur.has_content and self._ts_restart(cur, ts))
            )
        ):
            self._finish("next_boot")
            cur = None
        if cur is None:
            cur = self._new(line)
        cur.last_line = ref.line
        if ts is not None:
            if cur.first_ts is None:
                cur.first_ts = ts
            cur.last_ts = ts
        if kind == "none":
            pass
        elif kind == "unparsed":
            cur.unparsed(ref, line.text)
        elif kind == "kexec_cmd":
            if fact.note:
                cur.unparsed(ref, line.text)
            cur.events.append(LogEvent("kexec_cmd", fact.raw, (), ref))
            self.last_kexec_cmd = fact.raw
        elif kind == "entry":
            cur.add(fact, ref, line.text)
        else:
            self._other(cur, fact, line, ref)

    def _firmware(self, fact: LineFact, ref: SourceRef) -> None:
        """Firmware output (``SeaBIOS``, ``EFI stub:``...): it tells how the *next* kernel
        banner's boot was started, so it goes to the open boot only while that boot has
        shown nothing yet."""
        mark = (fact.who, fact.raw, ref)
        cur = self.cur
        if cur is not None and not cur.has_content:
            cur.firmware = cur.firmware or mark  # the first one seen is kept
        else:
            self.pending_firmware = self.pending_firmware or mark

    def _other(self, cur: BootBuilder, fact: LineFact, line: LogLine, ref: SourceRef) -> None:
        """Every recognised line but a block-continuing entry (``ref`` is ``line.ref``)."""
        kind = fact.kind
        if kind == "firmware":  # the first line after a container boot separator
            self._firmware(fact, ref)
            return
        if kind == "reboot_sep":
            if self._worth_a_boot(cur) and cur.first_line != line.line:
                self._finish("next_boot")
            else:
                self.cur = None
            self.explicit_next = True
            return
        if kind == "linux_version" and self._banner_starts_boot(cur, fact.raw):
            # the banner belongs to the new boot: the old one ends on the line before it
            cur.last_line = max(cur.first_line, line.line - 1)
            self._finish("next_boot")
            cur = self._new(line)
        cur.add(fact, ref, line.text)
        if kind == "kexec_start":
            if cur.linux_version or cur.tables or cur.block:
                self._finish("kexec")
            else:  # only the tail of the previous kernel: no Boot of its own
                self.cur = None
            self.after_kexec = True
            self.explicit_next = True

    @staticmethod
    def _banner_starts_boot(cur: BootBuilder, banner: str) -> bool:
        """A ``Linux version`` line starts a new boot unless it repeats the banner of a
        boot that has shown nothing else yet (early console + console replay)."""
        if not cur.has_content:
            return False
        only_banner = not (
            cur.tables or cur.block or cur.last_pfn or cur.memory or cur.events or cur.ops
        )
        return not (only_banner and cur.linux_version == banner)

    @staticmethod
    def _ts_restart(cur: BootBuilder, ts: float | None) -> bool:
        """The printk clock went back to ~0 in a boot whose clock had started at ~0."""
        return (
            ts is not None
            and ts < BOOT_START_TS
            and cur.first_ts is not None
            and cur.first_ts < BOOT_START_TS
            and cur.last_ts is not None
            and cur.last_ts >= BOOT_START_TS
        )

    @staticmethod
    def _worth_a_boot(cur: BootBuilder) -> bool:
        return cur.has_content or cur.explicit_start

    # -- boots ---------------------------------------------------------------------
    def _finish(self, ended_by: str) -> None:
        cur = self.cur
        self.cur = None
        if cur is None:
            return
        self.not_x86 = self.not_x86 or cur.not_x86
        boot = finish(cur, self.next_index, ended_by, self.prev)
        held = self.held
        if held is not None and cur.firmware is None and is_replay(held, boot):
            self.held = self.prev = fold_replay(held, boot)
            return
        if held is not None:
            self.done.append(held)
        self.next_index += 1
        self.held = self.prev = boot

    def _new(self, line: LogLine) -> BootBuilder:
        self.cur = new_builder(
            line.path,
            line.line,
            self.after_kexec,
            self.explicit_next or line.boot_hint,
            self.last_kexec_cmd if self.after_kexec else None,
            self.pending_firmware,
        )
        self.pending_firmware = None
        if self.after_kexec:
            self.last_kexec_cmd = None
        self.after_kexec = False
        self.explicit_next = False
        return self.cur

    def close(self) -> Iterator[Boot]:
        """End of input: finish the open boot and yield what is left."""
        if self.cur is not None and (self._worth_a_boot(self.cur) or self.prev is None):
            self._finish("eof")
        self.cur = None
        if self.held is not None:
            self.done.append(self.held)
            self.held = None
        yield from self.done
        self.done.clear()


def _fins(fin: Any, at: Any, m: int) -> tuple[list[int], list[int]]:
    """For each index of ``fin`` (a mask of printk times present): the first index at or
    after it with a time (``m``: none), and the last at or before it (-1: none)."""
    next_fin = np.minimum.accumulate(np.where(fin, at, m)[::-1])[::-1]
    last_fin = np.maximum.accumulate(np.where(fin, at, -1))
    return next_fin.tolist(), last_fin.tolist()
