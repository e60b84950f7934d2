"""How the splitter reads a batch: it acts only where a message has an effect.

The session gives each message id of a batch a role (:mod:`.session`). Lines that only
move the boot's last line and printk times (``QUIET``, and ``UNP`` while no block is
open) are folded into the next line that does something (:func:`_quiet`); a run of plain
entries of one block goes to the block at once (:func:`_entries`), a run of lines that
each add one record likewise (:func:`_records`); every other line goes to
:meth:`Splitter.line <e820scope.parse.splitter.Splitter.line>`, the one reading of a
line. A printk time that falls back below one second is read line by line, since it
may start a boot.
"""

from __future__ import annotations

import math
from itertools import repeat
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..ingest.lines import TIMESTAMP, LogLine
from ..ingest.machine import Batch
from ..model.records import E820Entry, SourceRef
from .facts import EntryFact, Fact
from .line_records import RECORDS
from .session import CLOSE, ENTRY, OPEN, PASS, RECORD, UNP, line_role

if TYPE_CHECKING:
    from .builder import BootBuilder
    from .splitter import Splitter

#: A printk clock below this (seconds) counts as "the start of a boot".
BOOT_START_TS = 1.0
#: added to the role of a line the container layer read in full (a LogLine of the batch)
_LOG = 8
_tnew = tuple.__new__
_tadd = tuple.__add__


def feed(sp: Splitter, batch: Batch) -> None:
    """Read one batch of the container layer (finished boots go to ``sp.done``)."""
    ids = batch.ids
    n = len(ids)
    if not n:
        return
    by_mid = sp.session.roles(batch)
    roles = np.zeros(n, np.uint8)
    logs: list[LogLine] = []
    for seg in batch.segments:
        if isinstance(seg, range):
            roles[seg.start : seg.stop] = by_mid[ids[seg.start : seg.stop]]
        else:
            logs.append(seg)
    stamps = batch.stamps
    facts: list[Fact] = []
    if logs:
        stamps = stamps.copy()
        fact = sp.session.fact
        facts = [fact(ln.text) for ln in logs]
        at = np.array([ln.line - batch.base for ln in logs])
        roles[at] = [_LOG + line_role(f) for f in facts]
        stamps[at] = [math.nan if ln[TIMESTAMP] is None else ln[TIMESTAMP] for ln in logs]
    nz = np.flatnonzero(roles)
    if len(nz):
        _events(sp, batch, nz, roles[nz], stamps[nz], logs, facts)


def _events(
    sp: Splitter,
    batch: Batch,
    nz: Any,
    r: Any,
    st: Any,
    logs: list[LogLine],
    facts: list[Fact],
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
        before[0] = sp.last_stamp
        before[1:] = fs[:-1]
        back = fin_at[(fs < BOOT_START_TS) & (before >= BOOT_START_TS)]
        rb = r[back]  # read line by line, with the same effect on a block
        r[back] = np.where(
            rb >= PASS, rb, np.where(rb == ENTRY, OPEN, np.where(rb == RECORD, CLOSE, PASS))
        )
        sp.last_stamp = float(fs[-1])
    unp = np.flatnonzero(r == UNP)
    if len(unp):  # an unreadable line matters only while a block may be open
        eff = r % _LOG
        acts = np.flatnonzero((eff == ENTRY) | (eff == RECORD) | (eff >= OPEN))
        k = np.searchsorted(acts, unp) - 1
        last = np.full(len(unp), -1, np.int64)
        if len(acts):
            last = np.where(k >= 0, eff[acts[np.maximum(k, 0)]], -1)
        open_now = sp.cur is not None and sp.cur.block is not None
        r[unp[(last == ENTRY) | (last == OPEN) | ((last < 0) & open_now)]] = PASS
    sig = np.flatnonzero(r >= ENTRY)
    ctx = _Lines(batch, nz.tolist(), batch.ids[nz].tolist(), st.tolist(), _fins(fin, at, m))
    if not len(sig):
        _quiet(sp, ctx, 0, m)
        return
    rs = r[sig]
    ent = rs == ENTRY
    who = sp.session.who[batch.ids[nz[sig]]]
    rec = rs == RECORD
    first = np.ones(len(sig), bool)
    first[1:] = ~((ent[1:] & ent[:-1] & (who[1:] == who[:-1])) | (rec[1:] & rec[:-1]))
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], len(sig)) - 1
    sig_l, rs_l = sig.tolist(), rs.tolist()
    log_it, fact_it = iter(logs), iter(facts)
    done = 0
    for gs, ge in zip(starts.tolist(), ends.tolist(), strict=True):
        k0, k1 = sig_l[gs], sig_l[ge]
        if done < k0:
            _quiet(sp, ctx, done, k0)
        role = rs_l[gs]
        if role >= _LOG:
            sp.line(next(log_it), next(fact_it))
        elif role == ENTRY:
            _entries(sp, ctx, sig_l[gs : ge + 1])
            _quiet(sp, ctx, k0, k1 + 1)
        elif role == RECORD:
            _records(sp, ctx, sig_l[gs : ge + 1])
            _quiet(sp, ctx, k0, k1 + 1)
        else:
            _one(sp, ctx, k0)
        done = k1 + 1
    _quiet(sp, ctx, done, m)


class _Lines:
    """The lines of a batch that reach the parser (``SKIP`` lines left out), as lists
    indexed 0..m-1: physical line index, message id, printk time (NaN: none), and for
    each index the next and the last one with a time (see :func:`_fins`)."""

    __slots__ = ("batch", "fins", "mids", "phys", "st")

    def __init__(
        self,
        batch: Batch,
        phys: list[int],
        mids: list[int],
        st: list[float],
        fins: tuple[list[int], list[int]],
    ) -> None:
        self.batch = batch
        self.phys = phys
        self.mids = mids
        self.st = st
        self.fins = fins


def _one(sp: Splitter, ctx: _Lines, k: int) -> None:
    """Read line ``k`` on its own."""
    batch = ctx.batch
    mid = ctx.mids[k]
    ts = ctx.st[k]
    text = batch.body[mid]
    assert text is not None
    fact = sp.session.mid_fact[mid]
    assert fact is not None
    num = batch.base + ctx.phys[k]
    trunc = batch.truncated[mid]
    sp.line(_tnew(LogLine, (batch.path, num, text, None if ts != ts else ts, False, trunc)), fact)


def _quiet(sp: Splitter, ctx: _Lines, a: int, b: int) -> None:
    """Lines ``a <= k < b``, which only move the boot's last line and printk times."""
    if a >= b:
        return
    if sp.cur is None:  # the first line opens a boot
        _one(sp, ctx, a)
        a += 1
        if a >= b:
            return
    cur = sp.cur
    assert cur is not None
    cur.last_line = ctx.batch.base + ctx.phys[b - 1]
    next_fin, last_fin = ctx.fins
    f = next_fin[a]
    if f < b:
        if cur.first_ts is None:
            cur.first_ts = ctx.st[f]
        cur.last_ts = ctx.st[last_fin[b - 1]]


def _open(sp: Splitter, ctx: _Lines, ks: list[int]) -> tuple[BootBuilder | None, list[int]]:
    """The open boot for a run of lines ``ks`` and the lines left for it: with no boot
    open, the first line is read on its own (it opens one). None: nothing is left."""
    if sp.cur is None:
        _one(sp, ctx, ks[0])
        ks = ks[1:]
    return (sp.cur if ks else None), ks


def _entries(sp: Splitter, ctx: _Lines, ks: list[int]) -> None:
    """A run of plain entries of one block (lines ``ks``), built by C-level ``map`` from
    each message's (addr, size, type, raw)."""
    cur, ks = _open(sp, ctx, ks)
    if cur is None:
        return
    s, batch = sp.session, ctx.batch
    mids = list(map(ctx.mids.__getitem__, ks))
    base, path = batch.base, batch.path
    nums = [base + p for p in map(ctx.phys.__getitem__, ks)]
    protos = cast("list[tuple[object, ...]]", s.proto)
    fields = map(_tadd, map(protos.__getitem__, mids), zip(repeat(path), nums))
    who = cast(EntryFact, s.mid_fact[mids[0]]).who
    cur = sp.block_boot(who, None, path, nums[0])  # a second firmware map: a new boot
    cur.add_entries(
        who,
        map(_tnew, repeat(E820Entry), fields),
        SourceRef(path, nums[0]),
        SourceRef(path, nums[-1]),
        filter(None, map(s.era.__getitem__, set(mids))),
    )


def _records(sp: Splitter, ctx: _Lines, ks: list[int]) -> None:
    """A run of lines that each add one record (lines ``ks``)."""
    cur, ks = _open(sp, ctx, ks)
    if cur is None:
        return
    batch = ctx.batch
    # a RECORD line's message has a text and a fact
    facts, body = cast("list[Fact]", sp.session.mid_fact), cast("list[str]", batch.body)
    path, base, mids, phys, records = batch.path, batch.base, ctx.mids, ctx.phys, RECORDS
    out = []
    for k in ks:
        mid = mids[k]
        f = facts[mid]
        out.append(records[type(f)](f, SourceRef(path, base + phys[k]), body[mid]))
    cur.add_records(out)


def _fins(fin: Any, at: Any, m: int) -> tuple[list[int], list[int]]:
    """For each index of ``fin`` (a mask of printk times present): the first index at or
    after it with a time (``m``: none), and the last at or before it (-1: none)."""
    next_fin = np.minimum.accumulate(np.where(fin, at, m)[::-1])[::-1]
    last_fin = np.maximum.accumulate(np.where(fin, at, -1))
    return next_fin.tolist(), last_fin.tolist()
