"""Text sources: files, stdin, compressed files, sosreports; and the line iterator.

Streaming throughout: a source is read in chunks of :data:`~.decompress.CHUNK_SIZE`
(decompressed on the fly), never whole, so memory stays bounded whatever the input size.
Nothing the user gave is modified; archives are read member by member, never extracted.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..model.records import ParseWarning, SourceRef
from . import decompress, demux
from .decompress import ChunkReader, sniff_compression
from .lines import LogLine
from .machine import Batch, LineMachine
from .sniff import SNIFF_SIZE, Container, check_text, sniff

#: longest physical line kept whole (bytes); the rest of a longer line is dropped.
MAX_LINE = 1 << 20
#: lines the machine reads at most in one batch (a 1 MiB chunk of a log holds ~15 000)
MAX_BATCH_LINES = 1 << 16


@dataclass(eq=False)
class TextSource:
    """One readable text stream and the name diagnostics use for it.

    ``name`` is what :class:`SourceRef` carries (``sos.tar.xz!/sos_commands/kernel/dmesg``
    for an archive member). ``warnings`` and ``partial`` are filled while
    :func:`log_lines` reads the source.
    """

    name: str
    path: Path | None = None
    opener: Callable[[], BinaryIO] | None = field(default=None, repr=False)
    warnings: list[ParseWarning] = field(default_factory=list)
    partial: bool = False
    #: told the bytes of the file read so far, after each chunk (a plain file only)
    on_read: Callable[[int], None] | None = field(default=None, repr=False)
    #: number of the stream's first line, and its container when already known (a part
    #: of a file read on its own: :mod:`e820scope.parse.parallel`)
    first_line: int = 1
    container: Container | None = None

    def open_binary(self) -> BinaryIO:
        """A binary stream positioned at the start (stdin when there is no path)."""
        if self.opener is not None:
            return self.opener()
        if self.path is None:
            return sys.stdin.buffer
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise InputError(
                f"cannot read {self.name}: {exc.strerror}",
                hint="check the path and its permissions",
                ref=SourceRef(self.name, 1),
            ) from exc


def open_inputs(spec: str | os.PathLike[str]) -> list[TextSource]:
    """The sources to read for ``spec``, oldest generation first.

    ``spec`` (a ``str`` or a path object) is a file (plain or gzip/xz/bzip2/zstd
    compressed, detected by magic bytes), ``-`` for stdin, a sosreport directory, or a
    sosreport tarball
    (``.tar``, ``.tar.gz``, ``.tar.xz``, ``.tar.bz2``, ``.tar.zst``). For a sosreport
    the list says which of its files are used, in generation order; a file holding the
    tagged consoles of several machines (a NixOS test log) is one source per machine
    (:mod:`.demux`).
    """
    from . import sosreport

    spec = os.fspath(spec)
    if spec == "-":
        return [TextSource("<stdin>")]
    p = Path(spec)
    if p.is_dir():
        return sosreport.from_directory(spec, p)
    if not p.exists():
        raise InputError(
            f"{spec}: no such file or directory",
            hint="check the path (use - to read standard input)",
            ref=SourceRef(spec, 1),
        )
    if not p.is_file():
        raise InputError(
            f"{spec}: not a regular file",
            hint="give a log file, a sosreport directory or tarball, or - for stdin",
            ref=SourceRef(spec, 1),
        )
    try:
        with p.open("rb") as fh:
            is_tar = sosreport.looks_like_tar(fh)
    except OSError as exc:
        raise InputError(
            f"cannot read {spec}: {exc.strerror}",
            hint="check the file's permissions",
            ref=SourceRef(spec, 1),
        ) from exc
    if is_tar:
        return sosreport.from_tarball(spec, p)
    split = demux.machines(p)
    if split is not None:
        names, host = split
        own = [TextSource(spec, p, opener=demux.opener(p, None))] if host else []
        return own + [TextSource(f"{spec}@{n}", p, opener=demux.opener(p, n)) for n in names]
    return [TextSource(spec, p)]


def peek(fh: BinaryIO, n: int) -> bytes:
    """The first ``n`` bytes of ``fh`` without consuming them (peek or seek)."""
    pk = getattr(fh, "peek", None)
    if pk is not None:
        return bytes(pk(n)[:n])
    pos = fh.tell()
    head = fh.read(n)
    fh.seek(pos)
    return head


def log_lines(src: TextSource, *, anchors: Sequence[bytes] | None = None) -> Iterator[LogLine]:
    """Yield the kernel lines of ``src`` with their container stripped.

    ``anchors``: byte strings the caller cares about; while no container state is
    pending, physical lines containing none of them are skipped. Line numbers are
    1-based physical lines of the decompressed text. A compressed stream cut short
    yields what was read, then sets ``src.partial`` and adds a warning.
    """
    for batch in log_batches(src, anchors=anchors):
        yield from batch_lines(batch)


def batch_lines(batch: Batch) -> Iterator[LogLine]:
    """The LogLines of a :class:`Batch`, in line order (its runs spelt out)."""
    path, base = batch.path, batch.base
    body, cut = batch.body, batch.truncated
    for seg in batch.segments:
        if not isinstance(seg, range):
            yield seg
            continue
        ids = batch.ids[seg.start : seg.stop].tolist()
        stamps = batch.stamps[seg.start : seg.stop].tolist()
        for i, mid, ts in zip(seg, ids, stamps, strict=True):
            text = body[mid]
            if text is not None:
                line = (path, base + i, text, None if ts != ts else ts, False, cut[mid])
                yield _tnew(LogLine, line)


_tnew = tuple.__new__


def log_batches(src: TextSource, *, anchors: Sequence[bytes] | None = None) -> Iterator[Batch]:
    """The lines of ``src`` one :class:`Batch` per chunk read (see
    :mod:`e820scope.ingest.machine`); closes the stream at the end."""
    fh = src.open_binary()
    close = fh is not sys.stdin.buffer
    try:
        yield from _batches(src, fh, None if anchors is None else list(anchors))
    finally:
        if close:
            with contextlib.suppress(OSError):
                fh.close()


def _batches(src: TextSource, fh: BinaryIO, anchors: list[bytes] | None) -> Iterator[Batch]:
    try:
        fmt = sniff_compression(peek(fh, 8))
    except OSError as exc:
        raise InputError(
            f"cannot read {src.name}: {exc.strerror}",
            hint="check the file's permissions",
            ref=SourceRef(src.name, 1),
        ) from exc
    reader = ChunkReader(fh, fmt, decompress.CHUNK_SIZE)
    chunks = iter(reader)
    head = _head(chunks)
    base, cut = 1, False
    if head:
        check_text(src.name, head)
        if src.opener is None and demux.looks_tagged(head):
            src.warnings.append(
                ParseWarning(
                    SourceRef(src.name, 1),
                    "the input holds the tagged consoles of several machines (a NixOS "
                    "test log, a VM's console in a journal), read here as one console: "
                    "the machines' maps may mix",
                    hint="give the uncompressed file by its path: each machine is then "
                    "read on its own",
                )
            )
        machine = LineMachine(src.name, src.container or sniff(head), anchors)
        report = _reporter(src, fh)
        base, cut = yield from _walk(
            machine, chain((head,), chunks), reader, report, src.first_line
        )
    if reader.truncated:
        # the stream ended inside line ``base`` (dropped when cut mid-line) or after
        # line ``base - 1``
        src.partial = True
        src.warnings.append(
            ParseWarning(
                SourceRef(src.name, base if cut else max(base - 1, 1)),
                reader.truncated,
                hint="the file was cut short (an interrupted copy or download?); "
                "get a complete copy for full results",
            )
        )


def _reporter(src: TextSource, fh: BinaryIO) -> Callable[[], None] | None:
    """What tells ``src.on_read`` the position in the file (None: nothing to tell)."""
    hook = src.on_read
    if hook is None or src.path is None or src.opener is not None:
        return None

    def report() -> None:
        with contextlib.suppress(OSError, ValueError):
            hook(fh.tell())

    return report


def _head(chunks: Iterator[bytes]) -> bytes:
    """The first chunk, extended to at least :data:`SNIFF_SIZE` bytes when there are more."""
    head = next(chunks, b"")
    while head and len(head) < SNIFF_SIZE:
        more = next(chunks, b"")
        if not more:
            break
        head += more
    return head


def _bounded(chunks: Iterator[bytes], nl: bytes) -> Iterator[bytes]:
    """``chunks``, a chunk of more than :data:`MAX_BATCH_LINES` lines cut into pieces of
    about that many (the machine's arrays hold a few values per line: a chunk of empty
    lines, as a decompression bomb makes, would cost ~80 bytes a byte)."""
    for chunk in chunks:
        n = chunk.count(nl)
        if n <= MAX_BATCH_LINES:
            yield chunk
            continue
        step = max(1, len(chunk) * MAX_BATCH_LINES // n)
        for i in range(0, len(chunk), step):
            yield chunk[i : i + step]


def _walk(
    machine: LineMachine,
    chunks: Iterator[bytes],
    reader: ChunkReader,
    report: Callable[[], None] | None = None,
    base: int = 1,
) -> Generator[Batch, None, tuple[int, bool]]:
    """Give every chunk, after the lines the previous one left, to the machine.

    Returns the number of the line after the last one read, and whether the stream was
    cut inside a line (which is then dropped).
    """
    nl = machine.c.newline
    rest = b""
    for chunk in _bounded(chunks, nl):
        data = rest + chunk if rest else chunk
        batch, pos, base = machine.run(data, base, final=False)
        yield batch
        if report is not None:
            report()
        rest = data[pos:]
        whole = rest.rfind(nl) + 1
        if len(rest) - whole > MAX_LINE:
            rest = rest[: whole + MAX_LINE]  # an endless "line" is not a log line; bound memory
    cut = bool(reader.truncated and rest and not rest.endswith(nl))
    if rest and not cut and not rest.endswith(nl):
        rest += nl
    elif cut:
        rest = rest[: rest.rfind(nl) + 1]
    if rest:
        batch, _, base = machine.run(rest, base, final=True)
        yield batch
    return base, cut
