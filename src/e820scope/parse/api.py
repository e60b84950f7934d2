"""The parse stage: split a stream of log lines into boots and read each boot."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from ..errors import InputError, NoMapError
from ..ingest import LogLine, log_lines, open_inputs
from ..model.records import Boot, LogEvent, MapStatus, ParsedLog, ParseWarning
from .anchors import ANCHORS
from .builder import BootBuilder
from .classify import UNPARSED, classify
from .finish import NO_MAP_HINT, finish, kexec_syscall_flag

#: A printk clock below this (seconds) counts as "the start of a boot".
_BOOT_START_TS = 1.0


class _Splitter:
    """Feeds lines to BootBuilders, starting a new one at each boot marker."""

    def __init__(self, first_index: int = 1) -> None:
        #: finished boots not yet taken by the consumer (see :func:`iter_boots`)
        self.done: list[Boot] = []
        self.prev: Boot | None = None
        self.next_index = first_index
        self.cur: BootBuilder | None = None
        self.after_kexec = False
        self.explicit_next = False
        self.last_kexec_cmd: str | None = None
        self.not_x86: str | None = None

    def _finish(self, ended_by: str) -> None:
        cur = self.cur
        self.cur = None
        if cur is None:
            return
        self.not_x86 = self.not_x86 or cur.not_x86
        boot = finish(cur, self.next_index, ended_by, self.prev)
        self.next_index += 1
        self.prev = boot
        self.done.append(boot)

    def _new(self, line: LogLine) -> BootBuilder:
        self.cur = BootBuilder(
            line.ref.path,
            line.ref.line,
            line.ref.line,
            after_kexec=self.after_kexec,
            explicit_start=self.explicit_next or line.boot_hint,
            prev_kexec_cmd=self.last_kexec_cmd if self.after_kexec else None,
        )
        if self.after_kexec:
            self.last_kexec_cmd = None
        self.after_kexec = False
        self.explicit_next = False
        return self.cur

    def _worth_a_boot(self, cur: BootBuilder) -> bool:
        return cur.has_content or cur.explicit_start

    def feed(self, line: LogLine) -> None:
        text = line.text
        if "\x00" in text:
            raise InputError(
                "binary data (NUL bytes) where a text log was expected",
                hint="give a text log: dmesg output, a serial capture, journalctl -k",
                ref=line.ref,
            )
        ts = line.timestamp
        cur = self.cur
        if cur is not None and (
            (line.boot_hint and self._worth_a_boot(cur))
            or (cur.has_content and self._ts_restart(cur, ts))
        ):
            self._finish("next_boot")
            cur = None
        if cur is None:
            cur = self._new(line)
        cur.last_line = line.ref.line
        if ts is not None:
            if cur.first_ts is None:
                cur.first_ts = ts
            cur.last_ts = ts
        fact = classify(text)
        if fact is None or fact is UNPARSED:
            if fact is UNPARSED:
                cur.unparsed(line.ref, text)
            if "kexec" in text and kexec_syscall_flag(text) is not None:
                cur.events.append(LogEvent("kexec_cmd", text.strip(), (), line.ref))
                self.last_kexec_cmd = text.strip()
            return
        kind = fact.kind
        if kind == "reboot_sep":
            if self._worth_a_boot(cur) and cur.first_line != line.ref.line:
                self._finish("next_boot")
            else:
                self.cur = None
            self.explicit_next = True
            return
        if kind == "linux_version" and self._banner_starts_boot(cur, fact.raw):
            self._finish("next_boot")
            cur = self._new(line)
        cur.add(fact, line.ref, text)
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

    def close(self) -> None:
        if self.cur is not None and (self._worth_a_boot(self.cur) or self.prev is None):
            self._finish("eof")
        self.cur = None


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
    boots: list[Boot] = []
    used: list[str] = []
    for line in lines:
        if not used or used[-1] != line.ref.path:
            used.append(line.ref.path)
        sp.feed(line)
        if sp.done:
            boots.extend(sp.done)
            sp.done.clear()
    sp.close()
    boots.extend(sp.done)
    return _parsed_log(
        source,
        boots,
        inputs_used=tuple(dict.fromkeys(used)),
        warnings=tuple(warnings),
        partial=partial,
        not_x86=sp.not_x86,
    )


def iter_boots(spec: str) -> Iterator[Boot]:
    """Stream the boots of ``spec`` one by one (numbered 1..n over all its sources).

    Memory stays bounded by one boot plus the parser's caches, whatever the size of the
    input: use this instead of :func:`parse_input` for multi-gigabyte captures.
    """
    index = 1
    for src in open_inputs(spec):
        sp = _Splitter(first_index=index)
        for line in log_lines(src, anchors=ANCHORS):
            sp.feed(line)
            if sp.done:
                yield from sp.done
                sp.done.clear()
        sp.close()
        yield from sp.done
        index = sp.next_index


def parse_input(spec: str) -> ParsedLog:
    """Read ``spec`` (a file, ``-``, a compressed file, a sosreport) and parse every boot.

    Each text source of the input is split on its own; boots are renumbered 1..n over
    all sources in the order :func:`~e820scope.ingest.open_inputs` returns them.
    """
    boots: list[Boot] = []
    warnings: list[ParseWarning] = []
    used: list[str] = []
    partial = False
    not_x86: str | None = None
    for src in open_inputs(spec):
        one = parse_lines(log_lines(src, anchors=ANCHORS), src.name)
        warnings.extend(getattr(src, "warnings", []) or [])
        partial = partial or bool(getattr(src, "partial", False)) or one.partial
        used.append(src.name)
        not_x86 = not_x86 or one.not_x86_reason
        for b in one.boots:
            boots.append(replace(b, index=len(boots) + 1) if b.index != len(boots) + 1 else b)
    return _parsed_log(
        spec,
        boots,
        inputs_used=tuple(used),
        warnings=tuple(warnings),
        partial=partial,
        not_x86=not_x86,
    )


def no_map_error(parsed: ParsedLog) -> NoMapError:
    """The error for an input without any e820 map, saying where to get a full log."""
    if parsed.not_x86_reason:
        return NoMapError(
            f"{parsed.source}: not an x86 e820 log ({parsed.not_x86_reason})",
            hint="e820scope reads x86 boot logs only",
        )
    reasons = [b.completeness.reason for b in parsed.boots if b.completeness.reason]
    why = reasons[0] if reasons else "no kernel boot lines found"
    n = len(parsed.boots)
    return NoMapError(
        f"{parsed.source}: no e820 map in {n} boot{'s' if n != 1 else ''} ({why})",
        hint=NO_MAP_HINT,
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
