"""One big capture on many cores: the boots of a plain log file, parsed in parts by
worker processes, exactly as the serial parse (:class:`~.api.BootStream`) gives them.

The file is cut at boot banners (lines holding ``Linux version``). The parser's state
at a banner depends on the boots before it (what ended the last boot, a ``dmesg``
replay folded into it, firmware lines waiting for the banner, the console window), so
a worker does not start at its cut: it starts fresh two banners earlier, and the boots
it reads before its cut are a warm-up. It owns the boots whose first line falls
between its cut and the next one, and reads on to the banner after the next cut so
that its last boot ends as it does in the serial run.

Nothing is taken on trust: the boots a worker reads between the banner just before its
cut and the cut are also owned by the worker before it, and the two readings must be
equal (every field but the number); if they differ, or a part holds too few banners,
the caller reads the file serially instead. Boot numbers are counted by the caller.
Only a plain text file whose container needs no state across lines (no QP, kmsg or
JSON: :attr:`~e820scope.ingest.sniff.Container.fast_ok`) is cut; anything else is read
serially.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO, Generic, Protocol, TypeVar

from ..ingest import demux, log_batches
from ..ingest.decompress import CHUNK_SIZE, sniff_compression
from ..ingest.reader import TextSource
from ..ingest.sniff import SNIFF_SIZE, Container, sniff
from ..model.records import Boot
from .anchors import ANCHORS
from .session import ParseSession
from .splitter import Splitter
from .tally import Tally

#: Inputs at least this big are cut when ``--jobs`` is not given (bytes).
MIN_BYTES = 64 << 20
BANNER = b"Linux version "
_READ = 8 << 20

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Task(Protocol[R_co]):
    """What a worker does with the boots it owns (one task object per part)."""

    def add(self, boot: Boot, prev: Boot | None) -> None: ...

    def result(self) -> R_co: ...


@dataclass(frozen=True)
class Part:
    """One worker's share: bytes ``[start, end)`` (``end`` None: to the end), whose
    first line is ``first_line``; it owns boots starting on lines ``[own_from,
    own_to)`` and checks those starting on ``[check_from, own_from)``."""

    path: str
    start: int
    end: int | None
    first_line: int
    own_from: int
    own_to: int | None
    check_from: int | None


@dataclass
class PartOut(Generic[R]):
    """A worker's answer: its task's result, the boots to compare with its neighbours,
    and what :class:`~.api.BootStream` says about the input."""

    result: R
    head: list[Boot] = field(default_factory=list)
    tail: list[Boot] = field(default_factory=list)
    #: the owned boots
    tally: Tally = field(default_factory=Tally)
    not_x86: str | None = None


#: In a worker of :func:`run_parts` with a progress bar: bytes read of each part (one
#: slot per part, shared with the caller).
_READ_SO_FAR: Any = None


def _share(counts: Any) -> None:
    """Pool initializer: the shared counts of bytes read."""
    global _READ_SO_FAR
    _READ_SO_FAR = counts


class _Window(io.RawIOBase):
    """Bytes ``[start, end)`` of a file, read with ``pread``; how far it got is told to
    slot ``slot`` of the shared counts (progress bars)."""

    def __init__(self, path: str, start: int, end: int | None, slot: int = -1) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        self.start = self.pos = start
        self.end = end if end is not None else os.fstat(self.fd).st_size
        self.slot = slot

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        n = min(len(buf), self.end - self.pos)
        if n <= 0:
            return 0
        data = os.pread(self.fd, n, self.pos)
        buf[: len(data)] = data
        self.pos += len(data)
        if _READ_SO_FAR is not None and self.slot >= 0:
            _READ_SO_FAR[self.slot] = self.pos - self.start
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


def _open_window(path: str, start: int, end: int | None, slot: int) -> BinaryIO:
    return io.BufferedReader(_Window(path, start, end, slot), CHUNK_SIZE)


def container_of(path: str) -> Container | None:
    """The container of a plain, uncompressed file whose lines need no state from the
    lines before them (None: read it serially)."""
    with Path(path).open("rb") as fh:
        head = fh.read(max(CHUNK_SIZE, SNIFF_SIZE))
    if not head or sniff_compression(head[:8]) is not None:
        return None
    if demux.looks_tagged(head):  # several machines' consoles: one source each, serially
        return None
    c = sniff(head)
    return c if c.fast_ok else None


def _line_start(fh: BinaryIO, off: int) -> int:
    """The offset of the start of the line holding byte ``off``."""
    start = max(0, off - 65536)
    fh.seek(start)
    buf = fh.read(off - start)
    return start + buf.rfind(b"\n") + 1


def _banners_after(fh: BinaryIO, pos: int, want: int) -> list[int]:
    """Offsets of the first ``want`` banner lines starting at or after ``pos``."""
    out: list[int] = []
    at = pos
    while len(out) < want:
        fh.seek(at)
        buf = fh.read(_READ)
        if not buf:
            break
        i = buf.find(BANNER)
        if i < 0:
            at += max(len(buf) - len(BANNER), 1)
            continue
        line = _line_start(fh, at + i)
        if line >= pos and (not out or line > out[-1]):
            out.append(line)
        at += i + len(BANNER)
    return out


def _banners_before(fh: BinaryIO, pos: int, want: int) -> list[int]:
    """Offsets of the last ``want`` banner lines starting before ``pos`` (in order)."""
    out: list[int] = []
    end = pos
    while len(out) < want and end > 0:
        start = max(0, end - _READ)
        fh.seek(start)
        buf = fh.read(end - start)
        i = buf.rfind(BANNER)
        if i < 0:
            end = start + len(BANNER) if start else 0
            continue
        line = _line_start(fh, start + i)
        if line < pos and (not out or line < out[-1]):
            out.append(line)
        end = start + i
    return sorted(out)


def _line_numbers(path: str, offsets: list[int]) -> dict[int, int]:
    """The 1-based line number at each offset (each offset starts a line)."""
    want = sorted(set(offsets))
    out: dict[int, int] = {}
    lines = 1
    pos = 0
    with Path(path).open("rb") as fh:
        for off in want:
            while pos < off:
                data = fh.read(min(_READ, off - pos))
                if not data:
                    break
                lines += data.count(b"\n")
                pos += len(data)
            out[off] = lines
    return out


def plan(path: str, jobs: int, targets: list[int] | None = None) -> list[Part] | None:
    """The parts of ``path`` for ``jobs`` workers, cut at the first banner at or after
    each target offset (default: ``jobs`` equal shares); None: read it serially."""
    try:
        size = Path(path).stat().st_size
        if jobs < 2 or not Path(path).is_file() or container_of(path) is None:
            return None
        if targets is None:
            targets = [size * k // jobs for k in range(1, jobs)]
        cuts: list[tuple[int, int, int, int]] = []  # (p2, p1, cut, next)
        with Path(path).open("rb") as fh:
            for target in sorted(targets):
                after = _banners_after(fh, target, 2)
                if len(after) < 2:
                    break
                before = _banners_before(fh, after[0], 2)
                if len(before) < 2 or (cuts and before[0] <= cuts[-1][2]):
                    continue
                cuts.append((before[0], before[1], after[0], after[1]))
    except OSError:
        return None
    if not cuts:
        return None
    lines = _line_numbers(path, [x for c in cuts for x in c])
    parts: list[Part] = []
    for k in range(len(cuts) + 1):
        prev = cuts[k - 1] if k else None
        nxt = cuts[k] if k < len(cuts) else None
        parts.append(
            Part(
                path,
                prev[0] if prev else 0,
                _line_end(path, nxt[3]) if nxt else None,
                lines[prev[0]] if prev else 1,
                lines[prev[2]] if prev else 1,
                lines[nxt[2]] if nxt else None,
                lines[prev[1]] if prev else None,
            )
        )
    return parts


def _line_end(path: str, pos: int) -> int:
    """The offset after the line starting at ``pos``."""
    with Path(path).open("rb") as fh:
        fh.seek(pos)
        line = fh.readline()
    return pos + len(line)


def run_part(part: Part, container: Container, task: Task[R], slot: int = -1) -> PartOut[R]:
    """Read one part (in a worker): its task sees the owned boots, in order."""
    src = TextSource(
        part.path,
        Path(part.path),
        opener=partial(_open_window, part.path, part.start, part.end, slot),
        first_line=part.first_line,
        container=container,
    )
    sp = Splitter(ParseSession())
    from .api import _boots, _gc_paused

    out: PartOut[R] = PartOut(result=None)  # type: ignore[arg-type]
    prev: Boot | None = None
    with _gc_paused():
        for boot in chain(_boots(sp, log_batches(src, anchors=ANCHORS)), sp.close()):
            first = boot.first_line
            if first < part.own_from:
                if part.check_from is not None and first >= part.check_from:
                    out.head.append(boot)
                prev = boot
                continue
            if part.own_to is not None and first >= part.own_to:
                break
            out.tally.note(boot)
            task.add(boot, prev)
            out.tail.append(boot)
            del out.tail[:-4]
            prev = boot
    out.not_x86 = sp.not_x86
    out.result = task.result()
    return out


def _same(a: list[Boot], b: list[Boot]) -> bool:
    return bool(a) and [replace(x, index=0) for x in a] == [replace(x, index=0) for x in b]


def verified(parts: list[Part], outs: list[PartOut[R]]) -> bool:
    """Whether every part's warm-up boots equal its neighbour's own reading of them."""
    for k in range(1, len(outs)):
        check_from = parts[k].check_from
        tail = [
            b for b in outs[k - 1].tail if check_from is not None and b.first_line >= check_from
        ]
        if not _same(outs[k].head, tail):
            return False
    return True


def run_parts(
    path: str,
    jobs: int,
    make_task: Callable[[], Task[R]],
    *,
    targets: list[int] | None = None,
    inline: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> tuple[list[Part], list[PartOut[R]]] | None:
    """Every part of ``path`` read by a pool of ``jobs`` processes (``inline``: one
    after the other in this process, for tests); ``targets``: see :func:`plan`. None:
    nothing to cut, or a part's reading did not match its neighbour's (read serially).
    ``progress`` is told the bytes the workers have read (of all parts), a few times a
    second."""
    parts = plan(path, jobs, targets)
    container = container_of(path) if parts else None
    if parts is None or container is None:
        return None
    if inline:
        outs = [run_part(p, container, make_task()) for p in parts]
    else:
        outs = _pool(parts, jobs, container, make_task, progress)
    if not verified(parts, outs):
        for o in outs:
            _drop(o.result)
        return None
    return parts, outs


def _pool(
    parts: list[Part],
    jobs: int,
    container: Container,
    make_task: Callable[[], Task[R]],
    progress: Callable[[int, int | None], None] | None,
) -> list[PartOut[R]]:
    """The parts read by a process pool, in order (the bar told what was read)."""
    counts = multiprocessing.Array("q", len(parts), lock=False) if progress else None
    size = Path(parts[0].path).stat().st_size
    total = sum((p.end if p.end is not None else size) - p.start for p in parts)
    workers = min(jobs, len(parts))
    with ProcessPoolExecutor(workers, initializer=_share, initargs=(counts,)) as pool:
        futures = [pool.submit(run_part, p, container, make_task(), k) for k, p in enumerate(parts)]
        while progress is not None and counts is not None:
            _, pending = wait(futures, timeout=0.25)
            progress(sum(counts), total)
            if not pending:
                break
        return [f.result() for f in futures]


def _drop(result: Any) -> None:
    """Remove the spool files a part's result names (it will not be read back)."""
    if isinstance(result, tuple):
        for x in result:
            _drop(x)
    elif isinstance(result, str) and Path(result).name.startswith("e820scope-"):
        Path(result).unlink(missing_ok=True)


def numbered(outs: list[PartOut[Any]]) -> Iterator[int]:
    """The number of the first owned boot of each part (boots are numbered 1..n)."""
    n = 1
    for o in outs:
        yield n
        n += o.tally.count


def default_jobs(path: str) -> int:
    """All cores for a file of at least :data:`MIN_BYTES`, else 1."""
    try:
        big = Path(path).stat().st_size >= MIN_BYTES
    except OSError:
        return 1
    return (os.cpu_count() or 1) if big else 1
