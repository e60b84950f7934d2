"""Small readings the line machine needs: separators and encoding headers, cut marks,
and a chunk's physical lines by index."""

from __future__ import annotations

from typing import Any

from . import qp, rejoin
from .prefixes import Stripped


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
