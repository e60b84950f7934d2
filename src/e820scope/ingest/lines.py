"""The unit every later stage reads: one logical kernel log line with its provenance.

:class:`LogLine` is a tuple subclass (no per-instance dict, no Python ``__init__`` on
the hot path: the line machine and the splitter build one per line they read on its
own, with ``tuple.__new__``), and attribute reads are C-level ``itemgetter``
properties. ``ref`` is built on demand from ``path`` and ``line``; read those two
directly when a :class:`SourceRef` is not needed.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from ..model.records import SourceRef

_new = object.__new__
_set_path = cast(Any, SourceRef.__dict__["path"]).__set__
_set_line = cast(Any, SourceRef.__dict__["line"]).__set__

#: the tuple layout of a :class:`LogLine`
PATH, LINE, TEXT, TIMESTAMP, BOOT_HINT, TRUNCATED = range(6)


class LogLine(tuple[str, int, str, "float | None", bool, bool]):
    """A kernel message line with its container stripped.

    ``text`` is the message as the kernel formatted it (no timestamp, no syslog or
    journal prefix, no ``> `` quoting, no ANSI escapes, soft breaks rejoined).
    ``ref`` points at the first physical line it came from (``path`` and 1-based
    ``line`` are the same two values without building a :class:`SourceRef`).
    ``timestamp`` is the printk time in seconds when the container had one
    (``[    0.000000]``, kmsg, journal monotonic), else None. ``boot_hint`` is set when
    the container itself marks a new boot (journal ``-- Reboot --``, ``----- New boot``
    separators, a kmsg sequence reset, a ``_BOOT_ID`` change in ``journalctl -o json``).
    ``truncated`` is True when a pager or a screen visibly cut the line short
    (journalctl's final ``>``, an e820 entry whose end address lost digits or whose type
    is missing): the parser must not read data from the cut part.

    Two LogLines are equal when all six values are equal (as with the frozen dataclass
    this replaces); instances are immutable and hashable.
    """

    __slots__ = ()

    def __new__(
        cls,
        ref: SourceRef,
        text: str,
        timestamp: float | None = None,
        boot_hint: bool = False,
        truncated: bool = False,
    ) -> LogLine:
        return tuple.__new__(cls, (ref.path, ref.line, text, timestamp, boot_hint, truncated))

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self.ref, self[TEXT], self[TIMESTAMP], self[BOOT_HINT], self[TRUNCATED])

    def __repr__(self) -> str:
        return (
            f"LogLine(ref={self.ref!r}, text={self[TEXT]!r}, timestamp={self[TIMESTAMP]!r}, "
            f"boot_hint={self[BOOT_HINT]!r}, truncated={self[TRUNCATED]!r})"
        )

    @property
    def ref(self) -> SourceRef:
        """A new :class:`SourceRef` (``path``, ``line``) on every access."""
        r = _new(SourceRef)
        _set_path(r, self[PATH])
        _set_line(r, self[LINE])
        return r

    if TYPE_CHECKING:

        @property
        def path(self) -> str: ...
        @property
        def line(self) -> int: ...
        @property
        def text(self) -> str: ...
        @property
        def timestamp(self) -> float | None: ...
        @property
        def boot_hint(self) -> bool: ...
        @property
        def truncated(self) -> bool: ...

    else:
        path = property(itemgetter(PATH), doc="the source name (as in SourceRef.path)")
        line = property(itemgetter(LINE), doc="1-based physical line number")
        text = property(itemgetter(TEXT), doc="the kernel message")
        timestamp = property(itemgetter(TIMESTAMP), doc="printk time in seconds, or None")
        boot_hint = property(itemgetter(BOOT_HINT), doc="the container marks a new boot")
        truncated = property(itemgetter(TRUNCATED), doc="visibly cut short")
