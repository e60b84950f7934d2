"""Consoles of several machines in one file, every line tagged with its machine's name.

The NixOS test driver (nixos/lib/test-driver, ``log_serial``) prints each line a VM
writes on its serial console as ``<machine> # <line>`` (``<machine># <line>`` in the
drivers of 2019 and before), and interleaves the machines' lines as they come: two VMs
booting at once interleave their e820 maps line by line (nixpkgs#509254). Read as one
console, the two maps would make one. Such a file is read as one source per machine:
the source ``FILE@<machine>`` sees that machine's lines with the tag peeled and every
other line as an empty line, so its line numbers stay those of the file.

A line without a tag that starts with a printk time (``[    0.000000] Linux version``
after ``machine# Booting from ROM...`` with no newline between them) belongs to the
machine of the tagged line before it; the driver's own lines (``start all VMs``,
``(finished: ...)``) to none. Only a plain, uncompressed file is read so (it is read
twice: once for the machines' names, once per machine); parts of a big file read in
parallel (``-j``) and standard input are read as one console.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .decompress import sniff_compression
from .sniff import SNIFF_SIZE

#: ``server # [    0.000000] ...``: an optional nix build log prefix (``vm-test-run-x> ``),
#: colour codes of the driver's log, the machine's name, `` # `` or ``# ``
_TAG = re.compile(
    rb"^(?:\x1b\[[0-9;]*m)*(?:[\w.+-]+> )?(?:\x1b\[[0-9;]*m)*([A-Za-z_][\w.-]{0,62}) ?# "
)
#: a console line without a tag: it starts with a printk time
_STAMPED = re.compile(rb"(?:\x1b\[[0-9;]*m)*\[ *\d+\.\d{6}\]")
#: fewest tagged lines in the head that make a file a tagged multi-console log
MIN_TAGGED = 3


def _looks_tagged(head: bytes) -> bool:
    """The head holds enough tagged lines, one of them a kernel's (a printk time)."""
    tagged = kernel = 0
    for line in head.split(b"\n"):
        m = _TAG.match(line)
        if m is None:
            continue
        tagged += 1
        if _STAMPED.match(line, m.end()) or b"Linux version" in line:
            kernel += 1
    return tagged >= MIN_TAGGED and kernel > 0


def machines(path: Path) -> list[str] | None:
    """The machines' names of a tagged multi-console file, in order of first sight (None:
    the file is not one)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_SIZE)
            if sniff_compression(head[:8]) is not None or not _looks_tagged(head):
                return None
            fh.seek(0)
            seen: dict[bytes, None] = {}
            for line in fh:
                m = _TAG.match(line)
                if m is not None:
                    seen.setdefault(m.group(1), None)
    except OSError:
        return None
    return [n.decode("ascii") for n in seen]


def _lines_of(path: Path, name: bytes) -> Iterator[bytes]:
    """The file's lines as the console of machine ``name`` sees them."""
    mine = False
    with path.open("rb") as fh:
        for line in fh:
            m = _TAG.match(line)
            if m is not None:
                mine = m.group(1) == name
                yield line[m.end() :] if mine else b"\n"
            elif mine and _STAMPED.match(line):
                yield line
            else:
                yield b"\n" if line.endswith(b"\n") else b""


class _Lines(io.RawIOBase):
    """A readable binary stream over an iterator of byte strings."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts = parts
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        while not self._rest:
            nxt = next(self._parts, None)
            if nxt is None:
                return 0
            self._rest = nxt
        n = min(len(buf), len(self._rest))
        buf[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def opener(path: Path, name: str) -> Callable[[], BinaryIO]:
    """What opens the console of machine ``name`` of the tagged file ``path``."""
    tag = name.encode("ascii")

    def open_console() -> BinaryIO:
        return io.BufferedReader(_Lines(_lines_of(path, tag)))

    return open_console
