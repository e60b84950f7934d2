"""One ``struct e820_entry`` as parsed, and where a record came from (:class:`SourceRef`).

The conventions of :mod:`e820scope.model.records` hold: ``end`` exclusive, ``last``
inclusive, ``type`` the numeric code, ``raw_type`` the text as printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record came from: a file (or archive member) and a 1-based line number.

    ``path`` is the name the user gave, with ``!/member`` appended for a file read from
    inside an archive or a sosreport (``sos.tar.xz!/sos_commands/kernel/dmesg``). The
    line number counts physical lines of the decompressed text, so ``sed -n Np`` on the
    decompressed file shows the line.
    """

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class E820Entry(tuple[int, int, int, str, "str | None", int]):
    """One ``struct e820_entry``: ``[addr, addr + size)`` of ``type``.

    Equality and hashing use ``(addr, size, type)`` only; ``raw_type`` and ``ref`` are
    provenance. A tuple of ``(addr, size, type, raw_type, path, line)`` underneath, so
    the parser builds the entries of a whole table block with C-level ``map`` (a kexec
    chain prints hundreds of thousands per GiB of console); ``ref`` is made on demand
    from ``path`` and ``line`` (None when the entry came from no log line).
    """

    __slots__ = ()

    def __new__(
        cls, addr: int, size: int, type: int, raw_type: str = "", ref: SourceRef | None = None
    ) -> E820Entry:
        if ref is None:
            return tuple.__new__(cls, (addr, size, type, raw_type, None, 0))
        return tuple.__new__(cls, (addr, size, type, raw_type, ref.path, ref.line))

    def __getnewargs__(self) -> tuple[object, ...]:
        return (self[0], self[1], self[2], self[3], self.ref)

    def __eq__(self, other: object) -> bool:
        # never equal to a bare tuple, even one with the same items (as the dataclass)
        if not isinstance(other, E820Entry):
            return False
        return self[0] == other[0] and self[1] == other[1] and self[2] == other[2]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((self[0], self[1], self[2]))

    def __repr__(self) -> str:
        return (
            f"E820Entry(addr={self[0]!r}, size={self[1]!r}, type={self[2]!r}, "
            f"raw_type={self[3]!r}, ref={self.ref!r})"
        )

    if TYPE_CHECKING:

        @property
        def addr(self) -> int: ...
        @property
        def size(self) -> int: ...
        @property
        def type(self) -> int: ...
        @property
        def raw_type(self) -> str: ...

    else:
        addr = property(itemgetter(0), doc="start address")
        size = property(itemgetter(1), doc="size in bytes")
        type = property(itemgetter(2), doc="the e820 type code")
        raw_type = property(itemgetter(3), doc="the type text as printed")

    @property
    def ref(self) -> SourceRef | None:
        """Where the entry was printed (a new SourceRef on every access), or None."""
        path = self[4]
        return None if path is None else SourceRef(path, self[5])

    @property
    def end(self) -> int:
        """First address after the entry (exclusive)."""
        return self[0] + self[1]

    @property
    def last(self) -> int:
        """Last address inside the entry (inclusive), as eras B-D print it."""
        return self[0] + self[1] - 1

    @classmethod
    def from_inclusive(
        cls, first: int, last: int, type: int, raw_type: str = "", ref: SourceRef | None = None
    ) -> E820Entry:
        """Build from a printed ``[mem first-last]`` range (inclusive end)."""
        return cls(first, last - first + 1, type, raw_type, ref)

    def with_type(self, type: int) -> E820Entry:
        """The same range and provenance with another type (and no printed type text)."""
        return tuple.__new__(E820Entry, (self[0], self[1], type, "", self[4], self[5]))

    def retyped(self, type: int) -> E820Entry:
        """The same entry with another type code (printed type text and ref kept)."""
        return tuple.__new__(E820Entry, (self[0], self[1], type, self[3], self[4], self[5]))

    def overlaps(self, other: E820Entry) -> bool:
        return self[0] < other.end and other.addr < self.end
