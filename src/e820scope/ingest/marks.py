"""Small readings the line machine needs: separators and encoding headers, cut marks,
a chunk's physical lines by index, and a line's reading when it depends on nothing
around it (:func:`read_alone`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from . import qp, rejoin
from .lines import LogLine
from .prefixes import Stripped, clean, strip_line, unquote


def marker(text: str) -> str | None:
    """What the cleaned line ``text`` marks: ``enc:<encoding>`` for a
    ``Content-Transfer-Encoding:`` header, ``journal`` for journalctl's ``-- Reboot --``
    / ``-- Boot ... --``, ``other`` for its other ``-- ... --`` lines, ``new boot`` for
    ``----- New boot``; None for any other line."""
    head = text[:2]
    if head == "Co":
        enc = qp.header_encoding(text)
        return None if enc is None else f"enc:{enc}"
    if head in ("--", "- "):
        s = text.strip()
        if s.startswith("-- ") and s.endswith(" --"):
            return "journal" if s.startswith(("-- Reboot", "-- Boot ")) else "other"
        if s.startswith("----- New boot"):
            return "new boot"
    return None


def truncated(body: str, st: Stripped) -> bool:
    return rejoin.screen_truncated(body) or rejoin.pager_truncated(body, st.kind)


class ChunkLines:
    """The physical lines of a chunk, by index, as bytes (sliced on demand)."""

    __slots__ = ("data", "ends", "starts")

    def __init__(self, data: bytes, starts: Any, ends: Any) -> None:
        self.data = data
        self.starts = starts
        self.ends = ends

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> bytes:
        return self.data[int(self.starts[i]) : int(self.ends[i])]

    def prev(self, i: int, before: bytes) -> bytes:
        """The line before line ``i`` (``before`` for the first)."""
        return self[i - 1] if i else before


#: a reading that needs the state or the lines around it
SLOW_READING = "slow"
#: a message's reading: (text, its own printk time or None, truncated)
Reading = tuple[str, "float | None", bool]


def read_alone(raw: bytes) -> Reading | str | None:
    """The reading of ``raw`` with no state pending, when it depends on nothing
    around it and sets no state; None: no kernel line; ``"slow"``: neither."""
    if qp.encoded(raw):
        return SLOW_READING
    text = clean(raw.decode("utf-8", "replace"))
    if marker(text) is not None:
        return SLOW_READING
    st = strip_line(unquote(text))
    if st is None:
        return None
    if st.seq is not None:
        return SLOW_READING
    body = rejoin.tidy_screen(st.text)
    if rejoin.may_continue(body) and not rejoin.joins_unprefixed_only(body):
        return SLOW_READING  # (a command line is read alone unless the next line may join it)
    return body, st.timestamp, truncated(body, st)


def slow_marks(
    segments: list[range | LogLine],
    base: int,
    bare: npt.NDArray[np.bool_],
    said: npt.NDArray[np.bool_],
    anchored: Callable[[bytes], object] | None,
) -> None:
    """In a container read line by line (kmsg, JSON), the bare and said marks of
    each line come from its LogLine (its message is known only once read)."""
    for seg in segments:
        if isinstance(seg, range):
            continue
        k = seg.line - base
        text = seg.text
        if not 0 <= k < len(bare) or not text.strip():
            continue
        if anchored is not None:
            bare[k] = not anchored(text.encode("utf-8", "replace"))
        said[k] = said[k] or seg.timestamp is not None
