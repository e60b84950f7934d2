"""Raw byte streams -> decompressed chunks, compression detected by magic bytes.

gzip (multi-member), xz/lzma, bzip2 (multi-stream) and zstandard (multi-frame) are
decoded incrementally, so a stream cut short still yields every byte decoded before the
cut; :class:`ChunkReader` then reports how it ended instead of raising.

Bounded work for any input (SECURITY.md):

* every decoder call returns at most ``chunk_size`` bytes (zlib/lzma/bz2 ``max_length``);
  zstandard has no output bound per call, so it is fed :data:`ZSTD_PIECE` compressed
  bytes at a time, which decode to at most ~32 MiB (a zstd block of 128 KiB costs at
  least 4 bytes);
* the output is checked against the compressed bytes read (for a member of a compressed
  tarball, against the bytes read from the file on disk): past :data:`EXPANSION_FLOOR`
  decompressed bytes, more than :data:`MAX_EXPANSION` bytes out per byte in is refused
  as a decompression bomb (:class:`ExpansionError`, exit 2). ``E820SCOPE_MAX_EXPANSION``
  sets another ratio (``0``: no limit).
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import tarfile
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

import zstandard

from ..errors import InputError

#: Bytes read per step from plain input; at most this many bytes out of one decoder
#: call (compressed input is read :data:`COMPRESSED_STEP` at a time). 1 MiB rather than
#: 4 measured faster (bench: 1 GiB varied capture, 5 alternating runs, 3.58 / 4.40 s
#: fastest / mean against 4.10 / 4.88 s with 4 MiB), likely because the boots read from
#: a chunk are then freed while their objects are still in the CPU's caches.
CHUNK_SIZE = 1 << 20

#: Decompressed bytes per compressed byte above which a stream is refused. Real kernel
#: logs compress 10-30x (xz -9 of a lab chain log: 9x); a log of 200 identical copies
#: of one 120 KB boot reaches 1430x with xz -9, but stays under the floor below.
MAX_EXPANSION = 1000
#: Decompressed bytes below which the ratio is not checked (any log up to this size is
#: read whatever its compression ratio).
EXPANSION_FLOOR = 256 << 20
#: The environment variable that overrides :data:`MAX_EXPANSION` (0: no limit).
EXPANSION_ENV = "E820SCOPE_MAX_EXPANSION"
#: Compressed bytes read per step: small enough that the expansion ratio is measured
#: against what was actually read, not against a large read-ahead (at gzip's 1030x,
#: 64 KiB decode to 64 MiB).
COMPRESSED_STEP = 64 << 10
#: Compressed bytes given to the zstandard decoder per call (its output is unbounded
#: per call: 1 KiB of RLE blocks decodes to 32 MiB at most).
ZSTD_PIECE = 1 << 10

MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x5d\x00\x00", "lzma"),
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


def sniff_compression(head: bytes) -> str | None:
    """The compression format whose magic starts ``head``, or None for plain data."""
    for magic, name in MAGIC:
        if head.startswith(magic):
            if name == "bzip2" and not (len(head) > 3 and head[3:4].isdigit()):
                continue
            return name
    return None


class ExpansionError(InputError):
    """A compressed stream expands past the limit (a likely decompression bomb)."""


def max_expansion() -> int:
    """The expansion ratio in force: ``$E820SCOPE_MAX_EXPANSION`` or :data:`MAX_EXPANSION`."""
    text = os.environ.get(EXPANSION_ENV, "").strip()
    if not text:
        return MAX_EXPANSION
    if not text.isdigit():
        raise InputError(
            f"{EXPANSION_ENV}={text!r} is not a whole number",
            hint=f"set it to a ratio such as {MAX_EXPANSION * 10}, or 0 for no limit",
        )
    return int(text)


class _Member:
    """The decoder of one gzip member / xz stream / bzip2 stream / zstd frame.

    :meth:`feed` yields the output of ``data`` in pieces of at most ``max_out`` bytes
    (zstandard: see :data:`ZSTD_PIECE`); once ``eof`` is set, ``leftover`` holds the
    input after the end of the member.
    """

    def __init__(self, fmt: str, max_out: int) -> None:
        self.fmt = fmt
        self.max_out = max_out
        self.eof = False
        self.leftover = b""
        if fmt == "gzip":
            self._z = zlib.decompressobj(wbits=31)
        elif fmt == "bzip2":
            self._c: lzma.LZMADecompressor | bz2.BZ2Decompressor = bz2.BZ2Decompressor()
        elif fmt in ("xz", "lzma"):
            self._c = lzma.LZMADecompressor()
        else:
            self._zs = zstandard.ZstdDecompressor().decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.fmt == "gzip":
            return self._zlib(data)
        if self.fmt == "zstd":
            return self._zstd(data)
        return self._lzma_bz2(data)

    def _zlib(self, data: bytes) -> Iterator[bytes]:
        d, limit = self._z, self.max_out
        while True:
            out = d.decompress(data, limit)
            data = d.unconsumed_tail
            if out:
                yield out
            if d.eof:
                self.eof, self.leftover = True, d.unused_data
                return
            if len(out) < limit:  # all of ``data`` was used (else the output is full)
                return

    def _lzma_bz2(self, data: bytes) -> Iterator[bytes]:
        d, limit = self._c, self.max_out
        out = d.decompress(data, limit)
        while True:
            if out:
                yield out
            if d.eof:
                self.eof, self.leftover = True, d.unused_data
                return
            if d.needs_input:
                return
            out = d.decompress(b"", limit)

    def _zstd(self, data: bytes) -> Iterator[bytes]:
        d = self._zs
        for at in range(0, len(data), ZSTD_PIECE):
            out = d.decompress(data[at : at + ZSTD_PIECE])
            for cut in range(0, len(out), self.max_out):
                yield out[cut : cut + self.max_out]
            if d.eof:
                self.eof = True
                self.leftover = d.unused_data + data[at + ZSTD_PIECE :]
                return


_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    ValueError,
    zlib.error,
    lzma.LZMAError,
    zstandard.ZstdError,
)

#: what reading a plain stream can raise (a tar member cut short raises TarError)
_READ_ERRORS: tuple[type[BaseException], ...] = (*_ERRORS, tarfile.TarError)


class ChunkReader:
    """Iterate decompressed chunks of ``fh``; never raises for a cut-short stream.

    After iteration, ``truncated`` holds a message when the compressed stream ended
    early or was corrupt (the chunks yielded so far are still good). A compressed stream
    cut short or corrupt before a single byte was decoded raises :class:`InputError`
    instead (there is nothing partial to show); one that expands past the limit raises
    :class:`ExpansionError`. ``name`` (default: ``fh.name``) is what those errors name.
    """

    def __init__(
        self, fh: BinaryIO, fmt: str | None, chunk_size: int = CHUNK_SIZE, *, name: str = ""
    ) -> None:
        self.fh = fh
        self.fmt = fmt
        self.chunk_size = chunk_size
        fh_name = getattr(fh, "name", None)
        self.name = name or (fh_name if isinstance(fh_name, str) else "<input>")
        self.truncated: str | None = None
        #: compressed bytes read from ``fh`` so far
        self.bytes_in = 0
        #: decompressed bytes yielded so far
        self.bytes_out = 0
        #: a nested stream (a tarball's member) counts the bytes read from the disk
        self._disk: Callable[[], int] | None = getattr(fh, "disk_bytes_read", None)

    def disk_bytes_read(self) -> int:
        """Bytes read from the file on disk so far (the base of the expansion ratio)."""
        return self._disk() if self._disk is not None else self.bytes_in

    def __iter__(self) -> Iterator[bytes]:
        if self.fmt is None:
            return self._plain()
        return self._decoded(self.fmt)

    def _plain(self) -> Iterator[bytes]:
        while True:
            try:
                b = self.fh.read(self.chunk_size)
            except _READ_ERRORS as exc:
                self.truncated = f"input ends early ({exc}); results are partial"
                return
            if not b:
                return
            self.bytes_in += len(b)
            yield b

    def _decoded(self, fmt: str) -> Iterator[bytes]:
        ratio = max_expansion()
        member = _Member(fmt, self.chunk_size)
        in_member = False
        step = min(self.chunk_size, COMPRESSED_STEP)
        while True:
            b = self.fh.read(step)
            if not b:
                break
            self.bytes_in += len(b)
            while b:
                in_member = True
                try:
                    for out in member.feed(b):
                        self.bytes_out += len(out)
                        if ratio:
                            self._check(ratio)
                        yield out
                except _ERRORS as exc:
                    self._cut(f"the {fmt} stream is corrupt ({exc})")
                    return
                b = b""
                if member.eof:
                    # concatenated members/frames (pigz, pbzip2, zstd -T); trailing
                    # zero padding (tape blocks) is not a new member.
                    b = member.leftover
                    if not b.strip(b"\x00"):
                        b = b""
                    member = _Member(fmt, self.chunk_size)
                    in_member = False
        if in_member:
            self._cut(f"input ends inside a {fmt} stream")

    def _cut(self, what: str) -> None:
        """Record that the stream ended early; raise when nothing at all was decoded."""
        if not self.bytes_out:
            raise InputError(
                f"{self.name}: {what} before any data was decoded",
                hint="the file is cut short or damaged; get a complete copy",
            )
        self.truncated = f"{what}; results are partial"

    def _check(self, ratio: int) -> None:
        out, disk = self.bytes_out, self.disk_bytes_read()
        if out <= EXPANSION_FLOOR or out <= ratio * disk:
            return
        raise ExpansionError(
            f"{self.name}: refused: the {self.fmt} data expands more than {ratio}x "
            f"({out >> 20} MiB decoded from {disk} bytes read); a decompression bomb, or "
            "an unusually repetitive log",
            hint=f"to read it anyway, set {EXPANSION_ENV}=0 (no limit) or a ratio above "
            f"{ratio} (SECURITY.md)",
        )


class DecodedStream(io.RawIOBase):
    """A read-only binary stream of what :class:`ChunkReader` yields (for :mod:`tarfile`).

    Bounded like :class:`ChunkReader` (it is one); a stream cut short simply ends, and
    ``truncated`` says so.
    """

    def __init__(self, fh: BinaryIO, fmt: str | None, name: str = "") -> None:
        super().__init__()
        self._reader = ChunkReader(fh, fmt, CHUNK_SIZE, name=name)
        self._chunks = iter(self._reader)
        self._buf = b""
        self._at = 0

    @property
    def truncated(self) -> str | None:
        return self._reader.truncated

    def disk_bytes_read(self) -> int:
        return self._reader.disk_bytes_read()

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            parts = [self._buf[self._at :], *self._chunks]
            self._buf, self._at = b"", 0
            return b"".join(parts)
        while len(self._buf) - self._at < n:
            nxt = next(self._chunks, b"")
            if not nxt:
                break
            self._buf = self._buf[self._at :] + nxt
            self._at = 0
        out = self._buf[self._at : self._at + n]
        self._at += len(out)
        return out

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)
