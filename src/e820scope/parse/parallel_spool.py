"""What :mod:`.parallel` workers hand back through temporary files, and the boots of a
big capture read on many cores (:func:`parallel_boots`, what ``parse --jobs`` uses)."""

from __future__ import annotations

import copyreg
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from ..model.records import Boot, E820Entry
from .parallel import PartOut, run_parts


class Spool:
    """Objects a worker hands back through a temporary file, one at a time (its memory
    and the caller's stay flat): ``pickle`` or ``marshal`` (plain data, faster)."""

    def __init__(self, dumper: Callable[[Any, BinaryIO], None] = pickle.dump) -> None:
        self.dumper = dumper
        self.fh: BinaryIO | None = None
        self.name = ""
        self.count = 0

    def put(self, obj: Any) -> None:
        if self.fh is None:
            fd, self.name = tempfile.mkstemp(prefix="e820scope-", suffix=".part")
            self.fh = os.fdopen(fd, "wb")
        self.dumper(obj, self.fh)
        self.count += 1

    def done(self) -> tuple[str, int]:
        if self.fh is not None:
            self.fh.close()
        return self.name, self.count


def read_back(
    spooled: tuple[str, int], loader: Callable[[BinaryIO], Any] = pickle.load
) -> Iterator[Any]:
    """The objects of a :class:`Spool`, in order; the file is removed after."""
    name, count = spooled
    if not name:
        return
    try:
        with Path(name).open("rb") as fh:
            for _ in range(count):
                yield loader(fh)
    finally:
        Path(name).unlink(missing_ok=True)


def discard(outs: list[PartOut[tuple[str, int]]]) -> None:
    """Remove the spools of parts not read back."""
    for o in outs:
        if o.result[0]:
            Path(o.result[0]).unlink(missing_ok=True)


def _entry(values: tuple[Any, ...]) -> E820Entry:
    return tuple.__new__(E820Entry, values)


def _reduce_entry(e: E820Entry) -> tuple[Any, ...]:
    """An entry as its plain tuple (its own ``__getnewargs__`` builds a SourceRef per
    entry: pickling a boot's entries this way is about 3x faster)."""
    return _entry, (tuple(e),)


def dump_boot(boot: Boot, fh: BinaryIO) -> None:
    """``pickle.dump`` of a boot, entries as plain tuples."""
    p = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
    p.dispatch_table = {**copyreg.dispatch_table, E820Entry: _reduce_entry}
    p.dump(boot)


class BootSpool:
    """A task that keeps the owned boots, pickled, in a :class:`Spool`."""

    def __init__(self) -> None:
        self.spool = Spool(dump_boot)

    def add(self, boot: Boot, prev: Boot | None) -> None:
        self.spool.put(boot)

    def result(self) -> tuple[str, int]:
        return self.spool.done()


def parallel_boots(
    path: str, jobs: int, **how: Any
) -> tuple[Iterator[Boot], list[PartOut[tuple[str, int]]]] | None:
    """The boots of ``path`` as :class:`~.api.BootStream` yields them (numbered 1..n),
    parsed by ``jobs`` processes; None when the file is not cut (read it serially).
    ``how``: :func:`run_parts`'s ``targets`` and ``inline``."""
    done = run_parts(path, jobs, BootSpool, **how)
    if done is None:
        return None
    outs = done[1]

    def boots() -> Iterator[Boot]:
        try:
            n = 1
            for o in outs:
                for boot in read_back(o.result):
                    yield replace(boot, index=n)
                    n += 1
        finally:
            discard(outs)

    return boots(), outs
