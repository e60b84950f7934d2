"""The native seam's specification and pure-Python twin: chunk bytes -> message ids.

:func:`scanner` gives the compiled seam (``e820scope._native._scan``) when it is built,
else this module's :class:`Interner` and :func:`scan_py`; both answer exactly the same
(``tests/ingest/test_scan.py`` compares them with hypothesis). The seam knows lines, a
printk time prefix and byte strings, nothing of boots or records:

>>> it = Interner(max_len=400)
>>> buf = b"[    0.000000] BIOS-e820: usable\\nLinux version 6.1\\n"
>>> buf += b"[    1.500000] BIOS-e820: usable\\n"
>>> nxt, ids, stamps, starts = scan_py(it, buf, 0, len(buf), b"\\n"[0])
>>> nxt == len(buf), ids_of(ids), stamps_of(stamps)[1:], starts_of(starts)
(True, [0, 1, 0], [nan, 1.5], [0, 33, 51])
>>> it.messages
[b'BIOS-e820: usable', b'Linux version 6.1']
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable
from typing import Protocol

from .._native import load

#: printk's time prefix as the seam strips it (``[%5lu.%06lu] ``, at most 20 digits)
TIME_PREFIX = re.compile(rb"\[ *(\d{1,20}\.\d{6})\] ")

#: what scan returns: the offset after the last whole line, then one int32 id, one
#: float64 stamp and one int64 start offset per line, as bytes of machine values
Scanned = tuple[int, bytes, bytes, bytes]


class InternerLike(Protocol):
    """What the seam's interner offers (the C ``Interner`` or :class:`Interner`)."""

    @property
    def messages(self) -> list[bytes]: ...
    def intern(self, key: bytes, /) -> int: ...
    def clear(self) -> None: ...
    def __len__(self) -> int: ...


class Interner:
    """Numbers distinct byte strings 0, 1, 2... in order of first sight; a string longer
    than ``max_len`` is never interned (its id is -1)."""

    def __init__(self, max_len: int = 400) -> None:
        self.max_len = max_len
        self.messages: list[bytes] = []
        self._ids: dict[bytes, int] = {}

    def intern(self, key: bytes) -> int:
        if len(key) > self.max_len:
            return -1
        got = self._ids.get(key)
        if got is None:
            got = self._ids[key] = len(self.messages)
            self.messages.append(key)
        return got

    def clear(self) -> None:
        self.messages.clear()
        self._ids.clear()

    def __len__(self) -> int:
        return len(self.messages)


def scan_py(interner: InternerLike, buf: bytes, pos: int, end: int, newline: int) -> Scanned:
    """The whole lines of ``buf[pos:end]``: see the module docstring of ``_scan.c``."""
    last = buf.rfind(bytes((newline,)), pos, end)
    ids, stamps, starts = array("i"), array("d"), array("q")
    if last < 0:
        return pos, ids.tobytes(), stamps.tobytes(), starts.tobytes()
    intern, match = interner.intern, TIME_PREFIX.match
    start = pos
    for line in buf[pos:last].split(bytes((newline,))):
        m = match(line)
        if m is None:
            ids.append(intern(line))
            stamps.append(math.nan)
        else:
            ids.append(intern(line[m.end() :]))
            stamps.append(float(m.group(1)))
        starts.append(start)
        start += len(line) + 1
    return last + 1, ids.tobytes(), stamps.tobytes(), starts.tobytes()


def scanner(max_len: int) -> tuple[InternerLike, Callable[..., Scanned]]:
    """A new interner and the scan function that goes with it (native when built)."""
    ext = load()
    if ext is None:
        return Interner(max_len), scan_py
    return ext.Interner(max_len), ext.scan


def ids_of(b: bytes) -> list[int]:
    """The ids of a scan result as a list (for tests and doctests)."""
    return array("i", b).tolist()


def stamps_of(b: bytes) -> list[float]:
    """The stamps of a scan result as a list (NaN: no time prefix)."""
    return array("d", b).tolist()


def starts_of(b: bytes) -> list[int]:
    """The line start offsets of a scan result as a list."""
    return array("q", b).tolist()
