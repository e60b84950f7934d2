"""The parse stage: split a stream of log lines into boots and read each boot."""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from itertools import chain, compress, islice, pairwise, repeat
from operator import attrgetter, is_, is_not, itemgetter, le, ne
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .._speedups import load as load_speedup
from ..errors import InputError, NoMapError
from ..ingest import LogLine, log_batches, open_inputs
from ..ingest.lines import BOOT_HINT, TEXT, TIMESTAMP
from ..model.records import (
    Boot,
    E820Entry,
    LogEvent,
    MapStatus,
    ParsedLog,
    ParseWarning,
    Severity,
    SourceRef,
)
from .anchors import ANCHORS
from .builder import (
    COUNT_ONLY_KINDS,
    BootBuilder,
    first_of,
    header_of,
    make_entries,
    may_cut_any_block,
    new_builder,
    record_of,
)
from .classify import UNPARSED, classify
from .facts import LineFact
from .finish import NO_MAP_HINT, finish, kexec_syscall_flag

if TYPE_CHECKING:
    from ..ingest.lineproc import Fold
    from ..model.types import Era

#: Read the cache hits that only extend the open boot in C (``_speedups._linescan.Fold``)
#: when the accelerator is built. False: the C scanner still serves the lines, the parser
#: reads them all in Python (tests compare the two).
FOLD = True

#: A printk clock below this (seconds) counts as "the start of a boot".
_BOOT_START_TS = 1.0


#: LineFact of a line without any anchor (nothing the parser reads).
_NOTHING = LineFact("none")
#: Per distinct line text, what the splitter does with it: the cached
#: :func:`~e820scope.parse.classify.classify` result, :data:`_NOTHING`, or a
#: ``kexec_cmd`` fact for a console line running kexec-tools (``note="unparsed"`` when
#: the line also has an anchor the grammar did not accept). Identical lines recur in
#: every kexec generation, so after the first generation almost every line is one dict
#: look-up. Bounded: emptied when it reaches :data:`_FACTS_MAX` entries (a few MB).
_FACTS: dict[str, LineFact] = {}
_FACTS_MAX = 32768
#: Longest line text cached (longer lines are read again each time).
_FACT_TEXT_MAX = 512
#: Per line text in :data:`_FACTS` whose line can only extend the open boot, how
#: :meth:`_Splitter._run_of_plain` reads it: the "who" of a plain entry line (no problem,
#: no note), :data:`_UNP` for a line the grammar did not accept, :data:`_NON` for a line
#: that says nothing, :data:`_ADD` for any other line that only goes to
#: :meth:`BootBuilder.add`. Texts not in it are read line by line
#: (:meth:`_Splitter._line`).
_PLAIN: dict[str, str] = {}
_UNP = "\x00unparsed"
_NON = "\x00none"
_ADD = "\x00add"
#: Per line text in :data:`_FACTS` that the C fold (``_speedups._linescan.Fold``) may
#: read without the parser, how it reads it (the codes are listed in _linescan.c, "Fold"):
#: ``(0,)`` says nothing, ``(1, cuts, stripped)`` not accepted by the grammar, ``(2, who,
#: addr, size, type, raw, era)`` a plain entry line, ``(3, k, record)`` a line whose only
#: effect is one record (:func:`~e820scope.parse.builder.record_of`), ``(4, header)`` a
#: map header, ``(5,)`` a line that only closes the block, ``(6, name, value, copy)`` a
#: line that sets a boot attribute unless set (:func:`~e820scope.parse.builder.first_of`).
#: Emptied with :data:`_FACTS`.
_TAGS: dict[str, tuple[object, ...]] = {}
_TAG_NOTHING = (0,)
_TAG_COUNT = (5,)
#: lines per batch of :meth:`_Splitter.run`
_BATCH = 8192
_TEXT = itemgetter(TEXT)
_TS = itemgetter(TIMESTAMP)
_HINT = itemgetter(BOOT_HINT)
_ERA = attrgetter("era")
_IS_SET = partial(is_not, None)


#: Kinds that can end or start a boot, or that the splitter itself acts on: always read
#: line by line. Every other kind only goes to the open boot's :meth:`BootBuilder.add`.
_SPLITTER_KINDS = frozenset(
    {"firmware", "reboot_sep", "linux_version", "kexec_start", "kexec_cmd", "panic", "oom"}
)


def _plain_key(fact: LineFact) -> str | None:
    kind = fact.kind
    if kind == "entry" and not fact.problem and not fact.note:
        return fact.who
    if fact is UNPARSED:
        return _UNP
    if fact is _NOTHING:
        return _NON
    if kind in _SPLITTER_KINDS or kind in ("none", "unparsed"):
        return None
    return _ADD


def _fold_tag(fact: LineFact, text: str) -> tuple[object, ...] | None:
    """How the C fold may read a line of ``fact`` alone (see :data:`_TAGS`), or None."""
    if fact is _NOTHING:
        return _TAG_NOTHING
    if fact is UNPARSED:  # as BootBuilder.unparsed reads it
        stripped = text.strip()
        return (1, may_cut_any_block(stripped), stripped)
    kind = fact.kind
    if kind == "entry":
        if not fact.problem and not fact.note and fact.type is not None:
            return (2, fact.who, fact.addr, fact.size, fact.type, fact.raw, fact.era)
        return None
    if kind in _SPLITTER_KINDS:
        return None
    if kind == "header":  # BootBuilder.add: the pending header
        return (4, header_of(fact, None, text))
    if kind in COUNT_ONLY_KINDS:
        return _TAG_COUNT
    first = first_of(fact, None)
    if first is not None:
        name, value = first
        return (6, name, value, not isinstance(value, str))
    rec = record_of(fact, None, text)
    if rec is not None:
        return (3, rec[0], rec[1])
    return None


def _read(text: str, ref: SourceRef) -> LineFact:
    """The splitter's reading of a line text not in :data:`_FACTS` (stored there)."""
    if "\x00" in text:  # damaged (a zero-filled block after a crash): costs this line only
        return UNPARSED  # read as an unreadable line; not cached
    fact = classify(text)
    if fact is None or fact is UNPARSED:
        if "kexec" in text and kexec_syscall_flag(text) is not None:
            fact = LineFact("kexec_cmd", raw=text.strip(), note="unparsed" if fact else "")
        elif fact is None:
            fact = _NOTHING
    if len(text) <= _FACT_TEXT_MAX:
        if len(_FACTS) >= _FACTS_MAX:
            _FACTS.clear()
            _PLAIN.clear()
            _TAGS.clear()
        _FACTS[text] = fact
        key = _plain_key(fact)
        if key is not None:
            _PLAIN[text] = key
        tag = _fold_tag(fact, text)
        if tag is not None:
            _TAGS[text] = tag
    return fact


def _fact_of(line: LogLine) -> LineFact:
    """The splitter's reading of ``line``: cached in :data:`_FACTS`, else :func:`_read`."""
    fact = _FACTS.get(line.text)
    return fact if fact is not None else _read(line.text, line.ref)


def _is_replay(a: Boot, b: Boot) -> bool:
    """B is A's own kernel log printed again while A ran (``dmesg`` on the console).

    Serial captures often hold the boot log twice: as the kernel printed it, then as
    someone (or a test harness) ran ``dmesg`` on the same console. The replay restarts at
    ``[    0.000000]`` like a new boot, but it is the same boot: same banner, same command
    line, same firmware map and ``Memory:`` line, no firmware or boot-loader output before
    it, and A did not end by kexec or panic. A genuine reboot of the same kernel shows
    firmware output first or a kexec/panic end, so it is never folded.
    """
    if a.ended_by != "next_boot" or not a.linux_version:
        return False
    fa, fb = a.firmware_map, b.firmware_map
    return (
        b.linux_version == a.linux_version
        and b.cmdline == a.cmdline
        and fa is not None
        and fb is not None
        and fa.entries == fb.entries
        and (a.memory is None or b.memory is None or a.memory == b.memory)
    )


def _fold_replay(a: Boot, b: Boot) -> Boot:
    """A, extended over its replay B: B's lines, end, and the debug-level operations a
    console often lacks (a replayed ``dmesg`` has the KERN_DEBUG ``e820: update`` lines)."""
    note = ParseWarning(
        SourceRef(b.source, b.first_line),
        f"lines {b.first_line}-{b.last_line} replay this boot's kernel log (dmesg printed "
        f"to the console); read as part of boot {a.index}, not as a boot of their own",
        severity=Severity.INFO,
    )
    return replace(
        a,
        last_line=b.last_line,
        ended_by=b.ended_by,
        ops=a.ops or b.ops,
        events=a.events + tuple(e for e in b.events if e.kind in ("kexec_start", "panic", "oom")),
        warnings=(*a.warnings, note),
    )


#: what the C fold stored up: (last line, first printk time, last printk time, the
#: open block's last SourceRef or None, lines_after_last_block, the new pending header
#: or None, whether the open block ended)
_Pending = tuple[
    int,
    "float | None",
    "float | None",
    "SourceRef | None",
    int,
    "tuple[str, bool, SourceRef, str] | None",
    bool,
]
#: what the C fold mirrors of an open boot: (block who, its entries, its eras, first
#: and last printk time, :meth:`BootBuilder.record_lists`, lines_after_last_block, the
#: BootBuilder itself); the first three are None when no block is open
_FoldState = tuple[
    "str | None",
    "list[E820Entry] | None",
    "set[Era] | None",
    "float | None",
    "float | None",
    "tuple[list[Any], ...]",
    int,
    BootBuilder,
]

_linescan = load_speedup("_linescan")


def _make_fold(sp: _Splitter) -> Fold | None:
    """A C fold feeding ``sp`` (None without the accelerator, or when switched off)."""
    if _linescan is None or not FOLD:
        return None
    return cast("Fold", _linescan.Fold(_TAGS, sp.fold_slow, E820Entry, SourceRef, sp.fold_block))


class _Splitter:
    """Feeds lines to BootBuilders, starting a new one at each boot marker."""

    def __init__(self, first_index: int = 1) -> None:
        #: finished boots not yet taken by the consumer (see :func:`iter_boots`)
        self.done: list[Boot] = []
        self.prev: Boot | None = None
        #: the last finished boot, held back one boot so that a replay of its log (see
        #: :func:`_is_replay`) can be folded into it
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
        #: the record lists of the builder _fold_state last answered for
        self._lists: tuple[list[Any], ...] = ()
        self._lists_of: BootBuilder | None = None

    def _finish(self, ended_by: str) -> None:
        cur = self.cur
        self.cur = None
        if cur is None:
            return
        self.not_x86 = self.not_x86 or cur.not_x86
        boot = finish(cur, self.next_index, ended_by, self.prev)
        held = self.held
        if held is not None and cur.firmware is None and _is_replay(held, boot):
            self.held = self.prev = _fold_replay(held, boot)
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

    def _worth_a_boot(self, cur: BootBuilder) -> bool:
        return cur.has_content or cur.explicit_start

    def run(self, lines: Iterable[LogLine]) -> Iterator[Boot]:
        """Read ``lines``, yielding each boot as soon as it is finished.

        Lines are taken in batches of :data:`_BATCH`. Within a batch, the runs of lines
        that can only extend the open boot (those with a :data:`_PLAIN` key) are handled
        a run at a time by :meth:`_run_of_plain`; every other line goes through
        :meth:`_line`, the reference line-by-line reading. Both give the same result
        (tests/parse compare them on every sample, on kexec chains and on random mixes).
        """
        it = iter(lines)
        return self.run_batches(iter(lambda: list(islice(it, _BATCH)), []))

    def run_batches(
        self, batches: Iterable[list[LogLine]], fold: Fold | None = None
    ) -> Iterator[Boot]:
        """:meth:`run` over lines that come in lists (the container layer's chunks).

        With ``fold``, the container layer has already given every line it read to
        ``fold`` (which read it or passed it to :meth:`fold_slow`), except those in the
        lists it yields.
        """
        done = self.done
        it = iter(batches)
        while True:
            with _gc_paused():
                # the cyclic collector is paused while a batch is made and read (the
                # parser builds no reference cycles); the batch is dropped before it is
                # back on, so its next run does not walk lines about to be freed anyway
                batch = next(it, None)
                more = batch is not None
                if fold is not None:
                    fold.flush()
                if batch:
                    self._batch(batch)
                    if fold is not None:
                        fold.reset()
                del batch
            if done:
                yield from done
                done.clear()
            if not more:
                return

    def _batch(self, batch: list[LogLine]) -> None:
        """Read one batch of lines (finished boots go to :attr:`done`)."""
        n = len(batch)
        texts = list(map(_TEXT, batch))
        facts: list[LineFact | None] = list(map(_FACTS.get, texts))
        for i in list(compress(range(n), map(is_, facts, repeat(None)))):
            facts[i] = _fact_of(batch[i])
        fs = cast(list[LineFact], facts)
        plain = list(map(_PLAIN.get, texts))
        special = list(compress(range(n), map(is_, plain, repeat(None))))
        if any(map(_HINT, batch)):
            special = sorted({*special, *compress(range(n), map(_HINT, batch))})
        pos = 0
        for s in chain(special, (n,)):
            if s > pos:
                self._run_of_plain(batch, fs, texts, plain, pos, s)
            if s < n:
                self._line(batch[s], fs[s])
            pos = s + 1

    def _run_of_plain(
        self,
        batch: list[LogLine],
        facts: list[LineFact],
        texts: list[str],
        plain: list[str | None],
        a: int,
        b: int,
    ) -> None:
        """``batch[a:b]``, lines whose :data:`_PLAIN` key is set and that carry no boot
        hint, read as :meth:`_line` would read them one by one."""
        cur = self.cur
        if cur is None:  # the first line opens a boot
            self._line(batch[a], facts[a])
            a += 1
            cur = self.cur
            if a >= b or cur is None:
                return
        stamps = list(filter(_IS_SET, map(_TS, batch[a:b])))
        if stamps:
            last = cur.last_ts
            if (
                stamps[0] < _BOOT_START_TS and last is not None and last >= _BOOT_START_TS
            ) or not all(map(le, stamps, islice(stamps, 1, None))):
                # the clock may restart inside the run (it can only where it goes back)
                for i in range(a, b):
                    self._line(batch[i], facts[i])
                return
            if cur.first_ts is None:
                cur.first_ts = stamps[0]
            cur.last_ts = stamps[-1]
        cur.last_line = batch[b - 1].line
        keys = plain[a:b]
        # where the key changes: each stretch between two cuts is one group
        cuts = [a, *compress(range(a + 1, b), map(ne, keys[1:], keys)), b]
        for i, j in pairwise(cuts):
            key = plain[i]
            if key is _NON:
                continue
            if key is _UNP:
                if cur.block is not None:
                    for k in range(i, j):
                        cur.unparsed(batch[k].ref, texts[k])
                continue
            if key is _ADD:
                for k in range(i, j):
                    cur.add(facts[k], batch[k].ref, texts[k])
                continue
            blk = cur.block
            if blk is None or blk.who != key:  # opens the block (as BootBuilder.add)
                cur.add(facts[i], batch[i].ref, texts[i])
                i += 1
                blk = cur.block
                if i >= j or blk is None:
                    continue
            make_entries(facts, batch, i, j, blk.entries)
            blk.last_ref = batch[j - 1].ref
            blk.eras.update(filter(_IS_SET, map(_ERA, facts[i:j])))

    # -- the C fold (``_speedups._linescan.Fold``) -----------------------------------
    def fold_slow(self, line: LogLine | None, pending: _Pending | None) -> _FoldState | None:
        """The Fold's way into the parser: store what it read since it last called
        (``pending``), read ``line`` (a line the Fold leaves to the parser, or None),
        and answer the state the Fold mirrors."""
        self._fold_store(pending)
        if line is not None:
            self._line(line, _fact_of(line))
        return self._fold_state()

    def fold_block(self, who: str, ref: SourceRef, pending: _Pending | None) -> _FoldState | None:
        """The Fold's way to have a table block opened for the first entry of a block:
        store ``pending``, close the open block and open one for ``who`` at ``ref`` (what
        :meth:`BootBuilder._block_for` does; the Fold then reads the line itself), and
        answer the state the Fold mirrors. (A block that ends at a line the Fold reads
        is closed through ``pending``.)"""
        self._fold_store(pending)
        cur = self.cur
        assert cur is not None, "the fold read a block line while no boot was open"
        cur.close_block()
        cur._open_block(who, ref)
        return self._fold_state()

    def _fold_store(self, pending: _Pending | None) -> None:
        """Store in the open boot what the Fold read since it last called (``pending``)."""
        if pending is None:
            return
        cur = self.cur
        assert cur is not None, "the fold read lines while no boot was open"
        cur.last_line, cur.first_ts, cur.last_ts, ref, after, header, closed = pending
        cur.lines_after_last_block = after
        if ref is not None:
            assert cur.block is not None
            cur.block.last_ref = ref
        if closed:  # a line the Fold read ended the block (as BootBuilder.add closes it)
            cur.close_block()
        if header is not None:
            cur.pending_header = header

    def _fold_state(self) -> _FoldState | None:
        """The state the Fold mirrors (None: no boot is open)."""
        cur = self.cur
        if cur is None:
            return None
        blk = cur.block
        if self._lists_of is not cur:  # the lists are the builder's for its whole life
            self._lists, self._lists_of = cur.record_lists(), cur
        lists = self._lists
        after = cur.lines_after_last_block
        if blk is None:
            return None, None, None, cur.first_ts, cur.last_ts, lists, after, cur
        return blk.who, blk.entries, blk.eras, cur.first_ts, cur.last_ts, lists, after, cur

    def _line(self, line: LogLine, fact: LineFact) -> None:
        """One line, read on its own (the reference reading of every kind of line)."""
        kind = fact.kind
        ref = line.ref
        if kind == "firmware" and not line.boot_hint:
            self._firmware(fact, ref)  # not a kernel line: no boot starts or grows
            return
        ts = line.timestamp
        cur = self.cur
        # cheap pre-test first: a map printed at [0.000000] must not pay for the
        # full test on every line
        if (
            cur is not None
            and (
                line.boot_hint
                or (
                    ts is not None
                    and ts < _BOOT_START_TS
                    and cur.last_ts is not None
                    and cur.last_ts >= _BOOT_START_TS
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
            and ts < _BOOT_START_TS
            and cur.first_ts is not None
            and cur.first_ts < _BOOT_START_TS
            and cur.last_ts is not None
            and cur.last_ts >= _BOOT_START_TS
        )

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


def _parsed_log(
    source: str,
    boots: list[Boot],
    *,
    inputs_used: tuple[str, ...],
    warnings: tuple[ParseWarning, ...],
    partial: bool,
    not_x86: str | None,
) -> ParsedLog:
    has_table = any(b.tables for b in boots)
    cut = any(b.completeness.status is MapStatus.CUT_OFF for b in boots)
    return ParsedLog(
        source=source,
        boots=tuple(boots),
        inputs_used=inputs_used,
        warnings=warnings,
        partial=partial or cut,
        not_x86_reason=None if has_table else not_x86,
    )


def parse_lines(
    lines: Iterable[LogLine],
    source: str,
    *,
    warnings: Iterable[ParseWarning] = (),
    partial: bool = False,
) -> ParsedLog:
    """Split ``lines`` into boots (numbered 1..n in input order) and read each one."""
    sp = _Splitter()
    used: dict[str, None] = {}

    def paths() -> Iterator[LogLine]:
        last = None
        for line in lines:
            path = line.ref.path
            if path != last:
                used[path] = None
                last = path
            yield line

    boots = list(sp.run(paths()))
    boots.extend(sp.close())
    return _parsed_log(
        source,
        boots,
        inputs_used=tuple(used),
        warnings=tuple(warnings),
        partial=partial,
        not_x86=sp.not_x86,
    )


class BootStream:
    """The boots of one input spec, streamed, with what :class:`ParsedLog` says about the
    whole input filled in once the stream is exhausted.

    Iterate it once. Memory stays bounded by one boot plus the parser's caches, whatever
    the size of the input (no boot is kept). After the iteration, :meth:`summary` is
    the :class:`ParsedLog` that :func:`parse_input` would return, without its boots.
    """

    def __init__(self, spec: str | os.PathLike[str]) -> None:
        self.source = os.fspath(spec)
        self.inputs_used: list[str] = []
        self.warnings: list[ParseWarning] = []
        #: something could not be read whole (source cut short, or a map cut off)
        self.partial = False
        #: a source itself was cut short (truncated compressed stream): broken input
        self.truncated = False
        #: number of boots yielded so far
        self.count = 0
        #: some boot has a table block / a table with entries
        self.has_table = False
        self.has_entries = False
        #: the first non-empty completeness reason (for :func:`no_map_error`)
        self.first_reason: str | None = None
        self._not_x86: str | None = None

    @property
    def not_x86_reason(self) -> str | None:
        return None if self.has_table else self._not_x86

    def __iter__(self) -> Iterator[Boot]:
        index = 1
        for src in open_inputs(self.source):
            sp = _Splitter(first_index=index)
            src_table = False
            fold = _make_fold(sp)
            boots = sp.run_batches(log_batches(src, anchors=ANCHORS, fold=fold), fold)
            for boot in chain(boots, sp.close()):
                self.count += 1
                if boot.tables:
                    src_table = self.has_table = True
                    if not self.has_entries:
                        self.has_entries = any(t.entries for t in boot.tables)
                if boot.completeness.status is MapStatus.CUT_OFF:
                    self.partial = True
                if self.first_reason is None and boot.completeness.reason:
                    self.first_reason = boot.completeness.reason
                yield boot
            self.warnings.extend(getattr(src, "warnings", []) or [])
            if getattr(src, "partial", False):
                self.partial = self.truncated = True
            self.inputs_used.append(src.name)
            if not src_table:
                self._not_x86 = self._not_x86 or sp.not_x86
            index = sp.next_index

    def summary(self, boots: tuple[Boot, ...] = ()) -> ParsedLog:
        """The :class:`ParsedLog` of the input (with ``boots`` when the caller kept them)."""
        return ParsedLog(
            source=self.source,
            boots=boots,
            inputs_used=tuple(self.inputs_used),
            warnings=tuple(self.warnings),
            partial=self.partial,
            not_x86_reason=self.not_x86_reason,
        )

    def no_map_error(self) -> NoMapError:
        """:func:`no_map_error` for this input (after the iteration)."""
        return _no_map_error(self.source, self.not_x86_reason, self.count, self.first_reason)


def iter_boots(spec: str | os.PathLike[str]) -> Iterator[Boot]:
    """Stream the boots of ``spec`` one by one (numbered 1..n over all its sources).

    Memory stays bounded by one boot plus the parser's caches, whatever the size of the
    input: use this (or :class:`BootStream`) instead of :func:`parse_input` for
    multi-gigabyte captures.
    """
    return iter(BootStream(spec))


def parse_input(spec: str | os.PathLike[str]) -> ParsedLog:
    """Read ``spec`` (a file, ``-``, a compressed file, a sosreport) and parse every boot.

    Each text source of the input is split on its own; boots are numbered 1..n over
    all sources in the order :func:`~e820scope.ingest.open_inputs` returns them. Every
    boot is kept: memory grows with the input (:func:`iter_boots` does not).
    """
    stream = BootStream(spec)
    with _gc_paused():
        boots = tuple(stream)
    return stream.summary(boots)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the boots pile up.

    Every entry line adds a few objects that stay alive until the end, so the collector
    runs over and over finding nothing (about a fifth of parse_input's time on a kexec
    chain); the parser builds no reference cycles, reference counting frees the rest.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _no_map_error(
    source: str, not_x86_reason: str | None, n: int, first_reason: str | None
) -> NoMapError:
    if not_x86_reason:
        return NoMapError(
            f"{source}: not an x86 e820 log ({not_x86_reason})",
            hint="e820scope reads x86 boot logs only",
        )
    why = first_reason or "no kernel boot lines found"
    return NoMapError(
        f"{source}: no e820 map in {n} boot{'s' if n != 1 else ''} ({why})",
        hint=NO_MAP_HINT,
    )


def no_map_error(parsed: ParsedLog) -> NoMapError:
    """The error for an input without any e820 map, saying where to get a full log."""
    reasons = [b.completeness.reason for b in parsed.boots if b.completeness.reason]
    return _no_map_error(
        parsed.source,
        parsed.not_x86_reason,
        len(parsed.boots),
        reasons[0] if reasons else None,
    )


_BOOT_SUFFIX = re.compile(r"^(?P<path>.+)#(?P<n>\d+)$")


def split_boot_spec(spec: str) -> tuple[str, int | None]:
    """``FILE#N`` -> (FILE, N); ``FILE`` -> (FILE, None). A real file named ``x#2`` wins."""
    m = _BOOT_SUFFIX.match(spec)
    if m is None or (spec != "-" and Path(spec).exists()):
        return spec, None
    return m.group("path"), int(m.group("n"))


def select_boot(spec: str) -> Boot:
    """The boot ``FILE#N`` names (1-based), or for a plain ``FILE`` the last boot with a map.

    Raises :class:`~e820scope.errors.InputError` for an N out of range and
    :class:`~e820scope.errors.NoMapError` when a plain FILE has no boot with a map.
    """
    path, n = split_boot_spec(spec)
    parsed = parse_input(path)
    if n is not None:
        if not 1 <= n <= len(parsed.boots):
            raise InputError(
                f"{spec}: no boot {n}; {path} has {len(parsed.boots)} boot(s)",
                hint=f"use {path}#1 .. {path}#{len(parsed.boots)} "
                f"(e820scope parse {path} lists them)",
            )
        return parsed.boots[n - 1]
    with_map = [b for b in parsed.boots_with_map() if b.firmware_map]
    if not with_map:
        raise no_map_error(parsed)
    return with_map[-1]
