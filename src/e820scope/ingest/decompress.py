"""Raw byte streams -> decompressed chunks, compression detected by magic bytes.

gzip (multi-member), xz/lzma, bzip2 (multi-stream) and zstandard (multi-frame) are
decoded incrementally, so a stream cut short still yields every byte decoded before the
cut; :class:`ChunkReader` then reports how it ended instead of raising.
"""

from __future__ import annotations

import bz2
import lzma
import tarfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO, Protocol

import zstandard

#: Bytes read from the underlying file per step (compressed or not). 1 MiB rather than
#: 4 measured faster (bench: 1 GiB varied capture, 5 alternating runs, 3.58 / 4.40 s
#: fastest / mean against 4.10 / 4.88 s with 4 MiB), likely because the boots read from
#: a chunk are then freed while their objects are still in the CPU's caches.
CHUNK_SIZE = 1 << 20

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


class _Decomp(Protocol):
    """What zlib/lzma/bz2/zstandard incremental decoders have in common."""

    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes) -> bytes: ...


def _decoder(fmt: str) -> _Decomp:
    if fmt == "gzip":
        return zlib.decompressobj(wbits=31)
    if fmt in ("xz", "lzma"):
        return lzma.LZMADecompressor()
    if fmt == "bzip2":
        return bz2.BZ2Decompressor()
    obj: _Decomp = zstandard.ZstdDecompressor().decompressobj()
    return obj


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
    early or was corrupt (the chunks yielded so far are still good).
    """

    def __init__(self, fh: BinaryIO, fmt: str | None, chunk_size: int = CHUNK_SIZE) -> None:
        self.fh = fh
        self.fmt = fmt
        self.chunk_size = chunk_size
        self.truncated: str | None = None

    def __iter__(self) -> Iterator[bytes]:
        fmt = self.fmt
        if fmt is None:
            while True:
                try:
                    b = self.fh.read(self.chunk_size)
                except _READ_ERRORS as exc:
                    self.truncated = f"input ends early ({exc}); results are partial"
                    return
                if not b:
                    return
                yield b
        obj = _decoder(fmt)
        in_member = False
        while True:
            b = self.fh.read(self.chunk_size)
            if not b:
                break
            while b:
                try:
                    out = obj.decompress(b)
                except _ERRORS as exc:
                    self.truncated = f"the {fmt} stream is corrupt ({exc}); results are partial"
                    return
                in_member = True
                if out:
                    yield out
                if obj.eof:
                    # concatenated members/frames (pigz, pbzip2, zstd -T); trailing
                    # zero padding (tape blocks) is not a new member.
                    b = obj.unused_data
                    if not b.strip(b"\x00"):
                        b = b""
                    obj = _decoder(fmt)
                    in_member = False
                else:
                    b = b""
        if in_member:
            self.truncated = f"input ends inside a {fmt} stream; results are partial"
