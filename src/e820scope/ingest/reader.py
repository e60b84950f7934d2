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
from . import decompress
from .decompress import ChunkReader, sniff_compression
from .lineproc import KEEP, WINDOW, Fold, LineMachine
from .lines import LogLine
from .sniff import SNIFF_SIZE, check_text, sniff

#: longest physical line kept whole (bytes); the rest of a longer line is dropped.
MAX_LINE = 1 << 20


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
    the list says which of its files are used, in generation order.
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

    ``anchors``: byte strings the caller cares about; physical lines containing none of
    them may be skipped (a speed hint: the lines that are yielded are identical with
    and without it). Line numbers are 1-based physical lines of the decompressed text.
    A compressed stream cut short yields what was read, then sets ``src.partial`` and
    adds a warning.

    Nothing is read before the first item is asked for. The iterator is a C-level
    ``chain`` over one list of LogLines per chunk, so no Python code runs per line here.
    """
    return chain.from_iterable(log_batches(src, anchors=anchors))


def log_batches(
    src: TextSource, *, anchors: Sequence[bytes] | None = None, fold: Fold | None = None
) -> Iterator[list[LogLine]]:
    """:func:`log_lines`, one list per chunk read (the lists :func:`log_lines` chains).

    For a consumer that works a chunk at a time (the parser's batch reading): the
    lines are exactly those of :func:`log_lines`, in the same order.

    ``fold`` (the parser's C fold, used only with the C scanner): every line read
    while scanning a chunk buffer is given to it in order instead of being listed, and
    a list (maybe empty) is still yielded per round, so the consumer can act between
    chunks. The lines that are listed come after all those given to ``fold``.
    """
    return _batches(src, None if anchors is None else list(anchors), fold)


def _batches(
    src: TextSource, anchors: list[bytes] | None, fold: Fold | None = None
) -> Iterator[list[LogLine]]:
    """The LogLines of ``src``, one list per chunk read; closes the stream at the end."""
    fh = src.open_binary()
    close = fh is not sys.stdin.buffer
    try:
        yield from _lines(src, fh, anchors, fold)
    finally:
        if close:
            with contextlib.suppress(OSError):
                fh.close()


def _lines(
    src: TextSource, fh: BinaryIO, anchors: list[bytes] | None, fold: Fold | None = None
) -> Iterator[list[LogLine]]:
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
        machine = LineMachine(src.name, sniff(head), anchors)
        chunks = chain((head,), chunks)
        if machine.scanner is None:
            base, cut = yield from _split(machine, chunks, reader)
        else:
            base, cut = yield from _scanned(machine, chunks, reader, fold)
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


def _head(chunks: Iterator[bytes]) -> bytes:
    """The first chunk, extended to at least :data:`SNIFF_SIZE` bytes when there are more."""
    head = next(chunks, b"")
    while head and len(head) < SNIFF_SIZE:
        more = next(chunks, b"")
        if not more:
            break
        head += more
    return head


#: what a chunk walker returns: the number of the line after the last one read, and
#: whether the stream was cut inside a line (which is then dropped)
_End = tuple[int, bool]


def _split(
    machine: LineMachine, chunks: Iterator[bytes], reader: ChunkReader
) -> Generator[list[LogLine], None, _End]:
    """Pure Python: split every chunk into lines and let :meth:`LineMachine.run` read them."""
    nl = machine.c.newline
    carry = b""
    pending: list[bytes] = []
    base = 1
    for chunk in chunks:
        parts = (carry + chunk).split(nl) if carry else chunk.split(nl)
        carry = parts.pop()
        if len(carry) > MAX_LINE:
            carry = carry[:MAX_LINE]  # an endless "line" is not a log line; bound memory
        lines = pending + parts if pending else parts
        stop = len(lines) - KEEP
        if stop <= 0:
            pending = lines
            continue
        yield machine.run(lines, stop, base)
        nxt = machine.next_index
        pending = lines[nxt:]
        base += nxt
    return (yield from _last_lines(machine, pending, carry, reader, base))


def _last_lines(
    machine: LineMachine, lines: list[bytes], carry: bytes, reader: ChunkReader, base: int
) -> Generator[list[LogLine], None, _End]:
    """The lines left when the stream ends, then ``carry`` (a last line without a
    newline, dropped when the stream was cut inside it)."""
    cut = bool(reader.truncated and carry)
    if carry and not cut:
        lines.append(carry)
    if lines:
        yield machine.run(lines, len(lines), base)
        base += machine.next_index
    return base, cut


def _scanned(
    machine: LineMachine, chunks: Iterator[bytes], reader: ChunkReader, fold: Fold | None = None
) -> Generator[list[LogLine], None, _End]:
    """With the C accelerator: the twin of :func:`_split` that never splits a chunk.

    ``rest`` is what :func:`_split` keeps between chunks, as bytes: the lines not
    consumed yet, then the partial last line (``carry``, bounded the same way). Rather
    than copying ``rest + chunk``, the lines of ``rest`` are read from a small bridge,
    ``rest`` plus the first :data:`_BRIDGE` lines of the chunk, and the chunk itself is
    read from where the bridge ends (see :func:`_round`).
    """
    nl = machine.c.newline
    rest = b""
    base = 1
    for chunk in chunks:
        data, pos = chunk, 0
        if rest:
            cut = _after_lines(chunk, nl, _BRIDGE)
            if cut:
                bridge = rest + chunk[:cut]
                out, pos, base, _ = _round(machine, bridge, 0, WINDOW, base, fold)
                if out:
                    yield out
                del out  # the consumer may have dropped the batch: do not keep it alive
                pos -= len(rest)
                assert pos > 0, "the bridge ends past the first line of the chunk"
            else:
                data = rest + chunk
        out, pos, base, full = _round(machine, data, pos, KEEP, base, fold)
        if out or fold is not None:
            yield out  # with a fold, an empty list: the consumer acts between chunks
        del out
        # an endless "line" is not a log line; bound memory
        rest = data[pos:] if len(data) - full <= MAX_LINE else data[pos : full + MAX_LINE]
    lines = rest.split(nl)
    carry = lines.pop()
    return (yield from _last_lines(machine, lines, carry, reader, base))


#: chunk lines in a bridge: the bridge's round leaves its last ``WINDOW`` lines to the
#: chunk's round, so it always gets past the line that straddles the two
_BRIDGE = WINDOW + 2


def _round(
    machine: LineMachine, data: bytes, pos: int, keep: int, base: int, fold: Fold | None = None
) -> tuple[list[LogLine], int, int, int]:
    """Read the whole lines of ``data`` from offset ``pos`` (line ``base``).

    Python reads every line followed by at least ``keep`` whole lines in ``data``: with
    ``keep=KEEP`` those :func:`_split` hands to :meth:`LineMachine.run` below its
    ``stop`` when ``data`` ends where a chunk ends; with ``keep=WINDOW``, lines whose
    every look-ahead stays inside ``data``, so that its end changes nothing. Returns the
    LogLines, the offset and number of the first line not consumed, and where the whole
    lines end.
    """
    nl = machine.c.newline
    full = data.rfind(nl) + 1
    limit = full
    for _ in range(keep):
        if limit <= pos:
            break
        limit = data.rfind(nl, 0, limit - 1) + 1
    out, pos, base = machine.run_buffer(data, pos, full, limit, base, fold)
    return out, pos, base, full


def _after_lines(chunk: bytes, nl: bytes, n: int) -> int:
    """The offset just after the ``n``-th newline of ``chunk``, or 0 when it has fewer."""
    end = 0
    for _ in range(n):
        end = chunk.find(nl, end) + 1
        if not end:
            return 0
    return end
