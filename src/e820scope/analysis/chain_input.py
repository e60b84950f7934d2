"""Load the boots ``predict``/``plot``/``simulate`` work on.

Uses the project parser (:func:`e820scope.parse.parse_input`) when it is available and
falls back to a small private reader otherwise. The private reader understands only
what the growth model needs, in eras B/C/D (``[mem first-last]``, inclusive ends):
``Linux version``, the ``BIOS-e820`` and ``reserve setup_data`` blocks, ``Memory:``,
``kexec_core: Starting new kernel`` and ``Kernel panic``. Lab bookkeeping lines
(``LAB-*``) are never read: they are test oracles, not inputs.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from ..errors import InputError, NoMapError
from ..model.kversion import KernelVersion
from ..model.records import (
    Boot,
    BootStart,
    Completeness,
    E820Entry,
    E820Table,
    LogEvent,
    MapStatus,
    MemoryLine,
    SourceRef,
    StartMethod,
    TableKind,
)
from ..model.types import Era, parse_type_name

_PREFIX = re.compile(r"^(?:<\d>)?(?:\[\s*\d+\.\d+\]\s?)?(?:\[\s*[TC]\d+\]\s?)?")
_ENTRY = re.compile(
    r"^(?P<who>BIOS-e820|reserve setup_data|e820|extended):\s+\[mem (?P<a>0x[0-9a-fA-F]+)-"
    r"(?P<b>0x[0-9a-fA-F]+)\]\s+(?P<type>.+?)\s*$"
)
_VERSION = re.compile(r"Linux version (\d\S*) \(")
_ENTRY_A = re.compile(
    r"^\s*(?P<who>BIOS-e820|reserve setup_data): (?P<a>[0-9a-fA-F]{16}) - "
    r"(?P<b>[0-9a-fA-F]{16}) \((?P<type>[^)]+)\)\s*$"
)
_DISTRO = re.compile(r"(?:Debian|Ubuntu) (\d+\.\d+\.\d+)")
_MEMORY = re.compile(r"Memory: (\d+)[kK]/(\d+)[kK] available")


def load_boots(specs: Sequence[str]) -> list[Boot]:
    """Every boot with a firmware map from ``specs``, in input order.

    A spec may be ``FILE`` (all boots of the file) or ``FILE#N`` (boot N only).
    Raises :class:`InputError` for unreadable files and :class:`NoMapError` when no boot
    has a map.
    """
    boots: list[Boot] = []
    for spec in specs:
        more = _load_one(spec)
        if (
            boots
            and more
            and boots[-1].ended_by == "kexec"
            and more[0].start.method
            in (
                StartMethod.COLD,
                StartMethod.UNKNOWN,
            )
        ):
            # one file per generation: the previous file ends with "Starting new kernel"
            fw = more[0].firmware_map
            low = fw is not None and fw.entries[0].addr in (0x100, 0x400)
            method = StartMethod.KEXEC_LOAD if low else StartMethod.KEXEC_FILE_LOAD
            more[0] = replace(more[0], start=BootStart(method, "previous input ends in kexec"))
        boots.extend(more)
    if not boots:
        raise NoMapError(
            f"{', '.join(specs)}: no BIOS-provided e820 map found",
            hint="give boot logs that include the early boot messages (dmesg from boot)",
        )
    return boots


def _load_one(spec: str) -> list[Boot]:
    """``FILE``: its boots with a map; ``FILE#N``: boot N (all boots numbered 1..n)."""
    path, _, sel = spec.partition("#")
    every = _parse_cached(path)
    if not sel:
        return [b for b in every if b.firmware_map is not None]
    if not sel.isdigit() or not 1 <= int(sel) <= len(every):
        raise InputError(
            f"{spec}: no boot #{sel} (the file has {len(every)} boots)",
            hint="use FILE#N with N from 1",
        )
    boot = every[int(sel) - 1]
    if boot.firmware_map is None:
        raise NoMapError(
            f"{spec}: boot #{sel} has no BIOS-provided e820 map",
            hint="pick a boot whose early messages are in the log",
        )
    return [boot]


def _parse_cached(path: str) -> tuple[Boot, ...]:
    """Parse ``path`` once per (path, size, mtime): ``FILE#1 FILE#2 ...`` read it once."""
    if path == "-":
        return _parse_uncached(path)
    try:
        st = Path(path).stat()
    except OSError:
        return _parse_uncached(path)  # let the parser report the error
    return _parse_memo(path, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _parse_memo(path: str, size: int, mtime_ns: int) -> tuple[Boot, ...]:
    return _parse_uncached(path)


def _parse_uncached(path: str) -> tuple[Boot, ...]:
    boots = _parse_with_project(path)
    if boots is None:
        boots = parse_private(path)
    return tuple(boots)


def _parse_with_project(path: str) -> list[Boot] | None:
    """Boots from the project parser, or None while it does not exist yet."""
    parse_input = getattr(importlib.import_module("e820scope.parse"), "parse_input", None)
    if parse_input is None:
        return None
    parsed = parse_input(path)
    return list(parsed.boots)


def parse_private(path: str) -> list[Boot]:
    """Read ``path`` with the private reader (see the module docstring)."""
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}", hint="check the path") from exc
    if "\x00" in text[:4096]:
        raise InputError(f"{path}: binary data, not a text log", hint="give a console or dmesg log")
    return parse_lines(text.splitlines(), path)


def parse_lines(lines: Iterable[str], source: str) -> list[Boot]:
    """Split ``lines`` into boots at ``Linux version`` and read each boot's e820 facts."""
    boots: list[Boot] = []
    cur: _BootBuilder | None = None
    prev_ended_by_kexec = False
    for n, raw in enumerate(lines, 1):
        line = _PREFIX.sub("", raw.rstrip("\r\n"))
        if line.startswith("LAB-"):
            continue
        mv = _VERSION.search(line)
        if mv:
            if cur is not None:
                prev_ended_by_kexec = cur.ended_by == "kexec"
                boots.append(cur.build())
            cur = _BootBuilder(len(boots) + 1, source, n, mv.group(1), prev_ended_by_kexec)
            md = _DISTRO.search(line)
            cur.distro_release = md.group(1) if md else None
            continue
        if cur is None:
            if not (_ENTRY.match(line) or _ENTRY_A.match(line)):
                continue
            # a pasted map without its boot: one boot of unknown kernel
            cur = _BootBuilder(1, source, n, "", False)
        cur.feed(line, SourceRef(source, n))
    if cur is not None:
        boots.append(cur.build())
    return boots


class _BootBuilder:
    def __init__(self, index: int, source: str, line: int, release: str, after_kexec: bool):
        self.index = index
        self.source = source
        self.first = line
        self.last = line
        self.release = release
        self.after_kexec = after_kexec
        self.bios: list[E820Entry] = []
        self.setup: list[E820Entry] = []
        self.memory: MemoryLine | None = None
        self.events: list[LogEvent] = []
        self.ended_by = "eof"
        self.era = Era.C
        self.distro_release: str | None = None

    def feed(self, line: str, ref: SourceRef) -> None:
        self.last = ref.line
        m = _ENTRY.match(line)
        exclusive = False
        if m is None:
            m = _ENTRY_A.match(line)
            exclusive = m is not None
            if exclusive:
                self.era = Era.A
        if m:
            t = parse_type_name(m.group("type"))
            if t is None:
                return
            if "System RAM" in m.group("type") or "device reserved" in m.group("type"):
                self.era = Era.D
            a, b = int(m.group("a"), 16), int(m.group("b"), 16)
            if exclusive:  # era A prints the exclusive end
                b -= 1
            e = E820Entry.from_inclusive(a, b, t, m.group("type"), ref)
            target = self.bios if m.group("who") == "BIOS-e820" else self.setup
            # consoles sometimes print a line twice at the console hand-over
            if m.group("who") in ("BIOS-e820", "reserve setup_data") and (
                not target or target[-1] != e
            ):
                target.append(e)
            return
        mm = _MEMORY.search(line)
        if mm and self.memory is None:
            self.memory = MemoryLine(int(mm.group(1)), int(mm.group(2)), line, ref)
            return
        if "Kernel panic - not syncing" in line and not line.startswith("---"):
            self.events.append(LogEvent("panic", line, (), ref))
            self.ended_by = "panic"
        elif "kexec_core: Starting new kernel" in line:
            self.events.append(LogEvent("kexec_start", line, (), ref))
            self.ended_by = "kexec"

    def build(self) -> Boot:
        kver = KernelVersion.try_parse(self.release)
        if self.distro_release:
            # "6.1.0-56-amd64 ... Debian 6.1.192-2": the upstream release is the second one
            up = KernelVersion.try_parse(self.distro_release)
            if (
                up is not None
                and kver is not None
                and (up.major, up.minor)
                == (
                    kver.major,
                    kver.minor,
                )
            ):
                kver = KernelVersion(up.major, up.minor, up.patch, self.release)
        tables: list[E820Table] = []
        if self.bios:
            tables.append(E820Table(TableKind.FIRMWARE, "BIOS-e820", tuple(self.bios), self.era))
        if self.setup:
            tables.append(
                E820Table(TableKind.SETUP_DATA, "reserve setup_data", tuple(self.setup), self.era)
            )
        if not self.after_kexec:
            start = BootStart(StartMethod.COLD, "no kexec before it in this log")
        elif self.bios and self.bios[0].addr in (0x100, 0x400):
            start = BootStart(StartMethod.KEXEC_LOAD, "first RAM entry starts at 0x100/0x400")
        else:
            start = BootStart(StartMethod.KEXEC_FILE_LOAD, "previous boot ran kexec")
        status = MapStatus.PRESENT if self.bios else MapStatus.ABSENT
        boot = Boot(
            index=self.index,
            source=self.source,
            first_line=self.first,
            last_line=self.last,
            kernel=kver,
            linux_version=self.release,
            start=start,
            completeness=Completeness(status),
            tables=tuple(tables),
            memory=self.memory,
            events=tuple(self.events),
            ended_by=self.ended_by,
        )
        return boot
