"""The splitter: the container layer's batches -> boots, the parser's one line machine.

It owns all of the parser's state: the open boot (a :class:`BootBuilder`), what ended
the last one, the firmware output waiting for the next banner, and the boot held back
so that a replay of its log can be folded into it (:mod:`.replay`).

Every line is read by :meth:`Splitter.line`; :meth:`Splitter.feed` reads a whole batch
of the container layer, acting only where a message has an effect (:mod:`.runs`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import cast

from ..ingest.lines import LogLine
from ..ingest.machine import Batch
from ..model.records import Boot, LogEvent, SourceRef, TableKind
from . import runs
from .builder import HEADER_KINDS, WHO_KIND, BootBuilder, new_builder
from .coverage import LineCounts
from .facts import (
    BannerFact,
    EntryFact,
    Fact,
    FirmwareFact,
    HeaderFact,
    KexecCmdFact,
    KexecStartFact,
    Nothing,
    RebootSepFact,
    Unparsed,
)
from .finish import finish
from .replay import fold_replay, is_replay
from .runs import BOOT_START_TS
from .session import ParseSession

_FIRMWARE, _HYPERVISOR = TableKind.FIRMWARE, TableKind.HYPERVISOR
_tnew = tuple.__new__
#: firmware / boot loader lines kept for one boot (a boot menu may print many)
MAX_FIRMWARE_LINES = 64


def hypervisor_only(b: BootBuilder) -> bool:
    """``b`` holds table blocks, all of them a hypervisor's own map, and nothing else a
    boot is made of (the part of a Xen console before the dom0 kernel's banner)."""
    kinds = [t.kind for t in b.tables]
    if b.block is not None:
        kinds.append(b.block.kind)
    return (
        bool(kinds)
        and all(k is _HYPERVISOR for k in kinds)
        and not (b.last_pfn or b.memory or b.ops or b.events)
    )


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
        self.pending_firmware: tuple[tuple[str, str, SourceRef], ...] | None = None
        #: the last printk time of a line that reached the parser (NaN: none yet)
        self.last_stamp = math.nan
        #: bare kernel lines (no anchor) by line, and their count before the open boot
        self.bare = LineCounts()
        self.bare0: int | None = None

    # -- input ---------------------------------------------------------------------
    def feed_lines(self, lines: Iterable[LogLine]) -> None:
        """Read LogLines one by one (finished boots go to :attr:`done`)."""
        fact = self.session.fact
        for ln in lines:
            self.line(ln, fact(ln.text))

    def feed(self, batch: Batch) -> None:
        """Read one batch of the container layer (finished boots go to :attr:`done`);
        see :mod:`.runs`."""
        self.bare.see(batch)
        runs.feed(self, batch)

    # -- one line ------------------------------------------------------------------
    def line(self, line: LogLine, fact: Fact) -> None:
        """One line, read on its own, by the class of its fact (``cls is`` tests: half
        the cost of isinstance on this per-line path; a cast where a branch reads
        fields)."""
        ref = line.ref
        cls = type(fact)
        if cls is FirmwareFact and not line.boot_hint:
            self._firmware(cast(FirmwareFact, fact), ref)  # not a kernel line: no boot starts
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
        if cls is EntryFact:  # a block opening may start a boot
            cur = self.block_boot(cast(EntryFact, fact).who, None, line.path, line.line)
        elif cls is HeaderFact:
            cur = self.block_boot(None, cast(HeaderFact, fact).word, line.path, line.line)
        cur.last_line = ref.line
        if ts is not None:
            if cur.first_ts is None:
                cur.first_ts = ts
            cur.last_ts = ts
        if cls is Nothing:
            pass
        elif cls is Unparsed:
            cur.unparsed(ref, line.text)
        elif cls is KexecCmdFact:
            cmd = cast(KexecCmdFact, fact)
            if cmd.unparsed:
                cur.unparsed(ref, line.text)
            cur.events.append(LogEvent("kexec_cmd", cmd.text, (), ref))
            self.last_kexec_cmd = cmd.text
        elif cls is EntryFact:
            cur.add(fact, ref, line.text)
        else:
            self._other(cur, fact, line, ref)

    def _firmware(self, fact: FirmwareFact, ref: SourceRef) -> None:
        """Firmware output (``SeaBIOS``, ``EFI stub:``...): it tells how the *next* kernel
        banner's boot was started, so it goes to the open boot only while that boot has
        shown nothing yet."""
        mark = ((fact.starter, fact.text, ref),)
        cur = self.cur
        if cur is not None and self._before_banner(cur):
            if len(cur.firmware or ()) < MAX_FIRMWARE_LINES:
                cur.firmware = (*(cur.firmware or ()), *mark)
        elif len(self.pending_firmware or ()) < MAX_FIRMWARE_LINES:
            self.pending_firmware = (*(self.pending_firmware or ()), *mark)

    def _other(self, cur: BootBuilder, fact: Fact, line: LogLine, ref: SourceRef) -> None:
        """Every recognised line but a block-continuing entry (``ref`` is ``line.ref``)."""
        cls = type(fact)
        if cls is FirmwareFact:  # the first line after a container boot separator
            self._firmware(cast(FirmwareFact, fact), ref)
            return
        if cls is RebootSepFact:
            if self._worth_a_boot(cur) and cur.first_line != line.line:
                self._finish("next_boot")
            else:
                self.cur = None
            self.explicit_next = True
            return
        if cls is BannerFact and self._banner_starts_boot(cur, cast(BannerFact, fact).text):
            # the banner belongs to the new boot: the old one ends on the line before it
            cur.last_line = max(cur.first_line, line.line - 1)
            self._finish("next_boot")
            cur = self._new(line)
        cur.add(fact, ref, line.text)
        if cls is KexecStartFact:
            if cur.linux_version or cur.tables or cur.block:
                self._finish("kexec")
            else:  # only the tail of the previous kernel: no Boot of its own
                self.cur = None
            self.after_kexec = True
            self.explicit_next = True

    def block_boot(self, who: str | None, header: str | None, path: str, num: int) -> BootBuilder:
        """The boot a table block of ``who`` (or the block headed ``header``) printed at
        line ``num`` goes to: the open one, or a new one when the block is a second
        firmware map of the open boot (a kdump capture kernel's console appended to the
        crashed kernel's without its banner) or a hypervisor's map after a kernel's
        lines (the machine restarted under the hypervisor). Every entry line and header
        line comes here, one by one or a run at once (:mod:`.runs`)."""
        cur = self.cur
        assert cur is not None
        if header is not None:
            kinds = HEADER_KINDS.get(header, ())
        else:
            blk = cur.block
            if blk is not None and blk.who == who:
                return cur  # the open block goes on
            kinds = (WHO_KIND[who],) if who in WHO_KIND else ()
        if _FIRMWARE in kinds:
            shown = [t.kind for t in cur.tables]
            if cur.block is not None:
                shown.append(cur.block.kind)
            restart = _FIRMWARE in shown
        elif _HYPERVISOR in kinds:
            restart = cur.linux_version is not None or not hypervisor_only(cur)
            restart = restart and cur.has_content
        else:
            return cur
        if not restart:
            return cur
        cur.last_line = max(cur.first_line, num - 1)
        self._finish("next_boot")
        return self._new(_tnew(LogLine, (path, num, "", None, False, False)))

    @staticmethod
    def _before_banner(cur: BootBuilder) -> bool:
        """``cur`` holds nothing of a kernel yet: firmware output goes to it."""
        return not cur.has_content or (cur.linux_version is None and hypervisor_only(cur))

    @staticmethod
    def _banner_starts_boot(cur: BootBuilder, banner: str) -> bool:
        """A ``Linux version`` line starts a new boot unless it repeats the banner of a
        boot that has shown nothing else yet (early console + console replay), or the
        boot so far holds only a hypervisor's own map (Xen prints it before it starts
        the dom0 kernel whose banner this is)."""
        if Splitter._before_banner(cur):
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
        seen = self.bare.seen(self.bare0, cur.last_line, ended_by == "eof")
        boot = finish(cur, self.next_index, ended_by, self.prev, seen)
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
        self.bare0 = self.bare.upto(line.line - 1)
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
