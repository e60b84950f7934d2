"""The parse stage's public entry points: inputs -> boots.

:class:`BootStream` runs the container layer (:mod:`e820scope.ingest`) and the splitter
(:mod:`.splitter`) over each source of an input, with one :class:`ParseSession` (the
parser's caches) for the whole input; :func:`parse_input`, :func:`iter_boots` and
:func:`parse_lines` are thin wrappers, :func:`select_boot` picks ``FILE#N``.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, NoMapError
from ..ingest import LogLine, log_batches, open_inputs
from ..model.records import Boot, ParsedLog, ParseWarning
from .anchors import ANCHORS
from .finish import NO_MAP_HINT
from .session import ParseSession
from .splitter import Splitter
from .tally import Tally

if TYPE_CHECKING:
    from .parallel import PartOut


def _parsed_log(
    source: str,
    boots: list[Boot],
    *,
    inputs_used: tuple[str, ...],
    warnings: tuple[ParseWarning, ...],
    partial: bool,
    not_x86: str | None,
) -> ParsedLog:
    tally = Tally()
    for b in boots:
        tally.note(b)
    return ParsedLog(
        source=source,
        boots=tuple(boots),
        inputs_used=inputs_used,
        warnings=warnings,
        partial=partial or tally.not_whole,
        not_x86_reason=None if tally.with_table else not_x86,
    )


def parse_lines(
    lines: Iterable[LogLine],
    source: str,
    *,
    warnings: Iterable[ParseWarning] = (),
    partial: bool = False,
) -> ParsedLog:
    """Split ``lines`` into boots (numbered 1..n in input order) and read each one."""
    sp = Splitter(ParseSession())
    used: dict[str, None] = {}

    def paths() -> Iterator[LogLine]:
        last = None
        for line in lines:
            path = line.ref.path
            if path != last:
                used[path] = None
                last = path
            yield line

    with _gc_paused():
        sp.feed_lines(paths())
        boots = [*sp.done, *sp.close()]
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

    def __init__(
        self, spec: str | os.PathLike[str], session: ParseSession | None = None, jobs: int = 1
    ) -> None:
        self.source = os.fspath(spec)
        #: worker processes for a big plain file (:mod:`.parallel`); 1: this process
        self.jobs = jobs
        self.session = session or ParseSession()
        self.inputs_used: list[str] = []
        self.warnings: list[ParseWarning] = []
        #: what the boots yielded so far say about the input
        self.tally = Tally()
        #: a source itself was cut short (truncated compressed stream): broken input
        self.truncated = False
        self._not_x86: str | None = None
        #: told the bytes of a plain file read so far, after each chunk (progress bars)
        self.on_read: Callable[[int], None] | None = None

    @property
    def count(self) -> int:
        """Boots yielded so far."""
        return self.tally.count

    @property
    def has_entries(self) -> bool:
        """Some boot has a table with entries."""
        return self.tally.has_entries

    @property
    def partial(self) -> bool:
        """Something could not be read whole (a source cut short, a map cut off or
        filtered)."""
        return self.truncated or self.tally.not_whole

    @property
    def not_x86_reason(self) -> str | None:
        return None if self.tally.with_table else self._not_x86

    def _counted(self, boots: Iterable[Boot]) -> Iterator[Boot]:
        """``boots``, noting what the summary says about them."""
        note = self.tally.note
        for boot in boots:
            note(boot)
            yield boot

    def took_parts(self, outs: Sequence[PartOut[Any]]) -> None:
        """Note the parts that :mod:`.parallel` workers read of this input (their boots
        went elsewhere: rendered, not yielded)."""
        for o in outs:
            self.tally.add(o.tally)
        self.inputs_used.append(self.source)
        if not self.tally.with_table:
            self._not_x86 = next((o.not_x86 for o in outs if o.not_x86), None)

    def _parallel(self) -> Iterator[Boot] | None:
        """The boots from :mod:`.parallel` workers (None: the input is not cut)."""
        from .parallel_spool import parallel_boots

        hook = self.on_read
        got = parallel_boots(
            self.source, self.jobs, progress=(lambda done, _total: hook(done)) if hook else None
        )
        if got is None:
            return None
        boots, outs = got

        def run() -> Iterator[Boot]:
            yield from boots
            self.took_parts(outs)

        return run()

    def __iter__(self) -> Iterator[Boot]:
        if self.jobs > 1 and (par := self._parallel()) is not None:
            yield from par
            return
        index = 1
        for src in open_inputs(self.source):
            src.on_read = self.on_read
            sp = Splitter(self.session, first_index=index)
            tables_before = self.tally.with_table
            yield from self._counted(
                chain(_boots(sp, log_batches(src, anchors=ANCHORS)), sp.close())
            )
            self.warnings.extend(getattr(src, "warnings", []) or [])
            if getattr(src, "partial", False):
                self.truncated = True
            self.inputs_used.append(src.name)
            if self.tally.with_table == tables_before:  # no table in this source
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
        return _no_map_error(self.source, self.not_x86_reason, self.count, self.tally.first_reason)


def _boots(sp: Splitter, batches: Iterator[object]) -> Iterator[Boot]:
    """The boots ``sp`` finishes while it reads ``batches``, as soon as each is done.

    The cyclic collector is paused while a batch is read (the parser builds no reference
    cycles, and the records it makes would be walked over and over for nothing).
    """
    done = sp.done
    while True:
        with _gc_paused():
            batch = next(batches, None)
            if batch is None:
                return
            sp.feed(batch)  # type: ignore[arg-type]
            del batch
        if done:
            yield from done
            done.clear()


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
