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
parallel (``-j``), a compressed file and standard input are read as one console, with a
warning when their head looks tagged.

A host's journal or syslog that also holds a VM's serial console, relayed by the service
that runs the VM (``jul 27 13:51:25 host microvm@test[3644]: [    0.000000] BIOS-e820:
...``, microvm.nix#259), is split the same way: the guest's lines (a program other than
``kernel`` whose message starts with a printk time) are the source ``FILE@<program>``,
and the rest of the file, the host's own kernel lines among them, the source ``FILE``.
Before, the container layer dropped the guest's lines as another program's messages.
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
#: a syslog / journal line of a program: date, host, ``program[pid]: ``
_PROGRAM = re.compile(
    rb"^(?:[A-Za-z]{3,4}\.? {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?|"
    rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*) \S+ ([^\s:\[]+)(?:\[\d+\])?: "
)
#: a console line without a tag: it starts with a printk time
_STAMPED = re.compile(rb"(?:\x1b\[[0-9;]*m)*\[ *\d+\.\d{6}\]")
#: fewest tagged lines in the head that make a file a tagged multi-console log
MIN_TAGGED = 3


def _tag(line: bytes) -> tuple[bytes, int, bool] | None:
    """``(machine, where its line starts, is a guest in a host's journal)`` of a tagged
    line (None: the line has no tag)."""
    m = _TAG.match(line)
    if m is not None:
        return m.group(1), m.end(), False
    m = _PROGRAM.match(line)
    if m is not None and m.group(1) != b"kernel" and _STAMPED.match(line, m.end()):
        return m.group(1), m.end(), True
    return None


def looks_tagged(head: bytes) -> bool:
    """The head holds enough tagged lines, one of them a kernel's (a printk time)."""
    tagged = kernel = 0
    for line in head.split(b"\n"):
        got = _tag(line)
        if got is None:
            continue
        tagged += 1
        if _STAMPED.match(line, got[1]) or b"Linux version" in line:
            kernel += 1
    return tagged >= MIN_TAGGED and kernel > 0


def machines(path: Path) -> tuple[list[str], bool] | None:
    """The machines' names of a tagged multi-console file, in order of first sight, and
    whether the rest of the file is a host's log of its own (None: the file is not one)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_SIZE)
            if sniff_compression(head[:8]) is not None or not looks_tagged(head):
                return None
            fh.seek(0)
            seen: dict[bytes, None] = {}
            host = False
            for line in fh:
                got = _tag(line)
                if got is not None:
                    seen.setdefault(got[0], None)
                    host = host or got[2]
    except OSError:
        return None
    return [n.decode("utf-8", "replace") for n in seen], host


def _lines_of(path: Path, name: bytes | None) -> Iterator[bytes]:
    """The file's lines as the console of machine ``name`` sees them (None: the host's
    own log, every line without a tag)."""
    mine = False
    with path.open("rb") as fh:
        for line in fh:
            got = _tag(line)
            if got is not None:
                mine = got[0] == name
                yield line[got[1] :] if mine else b"\n"
            elif name is None or (mine and _STAMPED.match(line)):
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


def opener(path: Path, name: str | None) -> Callable[[], BinaryIO]:
    """What opens the console of machine ``name`` of the tagged file ``path`` (None: the
    host's own log)."""
    tag = None if name is None else name.encode("utf-8")

    def open_console() -> BinaryIO:
        return io.BufferedReader(_Lines(_lines_of(path, tag)))

    return open_console
