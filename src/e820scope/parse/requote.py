"""Entries a paste printed twice: a reply that re-quotes part of a map at another depth.

A kernel prints each e820 table sorted and without overlaps (except the raw maps of
2.4-era kernels and the ``[Firmware Bug]: out of order`` entries of 7.0+, which are
out of order but never repeat an entry). When a block's entries stop rising, the block
is checked once (:func:`merge_requoted`): an entry identical (range and type) to an
earlier one of the block is a second print of it and is dropped, with a warning that
names both lines; an entry that overlaps an earlier one with another range or type is
kept, and flagged. Runs only where the entries do not rise, so a map printed in order
costs one pass of C-level comparisons (:func:`rising`).
"""

from __future__ import annotations

from operator import add, itemgetter, lt

from ..model.records import E820Entry, ParseWarning, Severity

#: a block longer than this is not searched for repeats (a kernel table holds at most
#: a few hundred entries; this bounds the work on hostile input)
MAX_CHECKED = 1024

_ADDR = itemgetter(0)
_SIZE = itemgetter(1)


def rising(entries: list[E820Entry], start: int) -> bool:
    """Whether ``entries[start:]`` each begin at or above the end of the entry before
    (from ``entries[start - 1]`` on)."""
    new = entries[max(start - 1, 0) :]
    starts = list(map(_ADDR, new))
    ends = list(map(add, starts, map(_SIZE, new)))
    return not any(map(lt, starts[1:], ends[:-1]))


def _where(e: E820Entry) -> str:
    ref = e.ref
    return f"line {ref.line}" if ref is not None else "an earlier line"


def merge_requoted(who: str, entries: list[E820Entry], warnings: list[ParseWarning]) -> None:
    """Drop the entries of ``entries`` (one block of ``who``, in print order) that
    repeat an earlier one exactly, and flag those that overlap an earlier one (see the
    module docstring); warnings go to ``warnings``."""
    if len(entries) > MAX_CHECKED:
        return
    seen: dict[tuple[int, int, int], E820Entry] = {}
    kept: list[E820Entry] = []
    repeats: list[tuple[E820Entry, E820Entry]] = []
    for e in entries:
        key = (e.addr, e.size, e.type)
        first = seen.get(key)
        if first is not None:
            repeats.append((e, first))
            continue
        clash = next((k for k in kept if k.overlaps(e)), None)
        if clash is not None:
            warnings.append(
                ParseWarning(
                    e.ref,
                    f"{who} entry {e.addr:#x}-{e.last:#x} overlaps the entry {clash.addr:#x}-"
                    f"{clash.last:#x} of {_where(clash)} with another range or type: both are "
                    "kept (a firmware bug, or two different maps pasted into one)",
                    "compare with the log from the machine itself (journalctl -k)",
                )
            )
        seen[key] = e
        kept.append(e)
    if repeats:
        dup, first = repeats[0]
        more = f" and {len(repeats) - 1} more" if len(repeats) > 1 else ""
        warnings.append(
            ParseWarning(
                dup.ref,
                f"{who} entry {dup.addr:#x}-{dup.last:#x} repeats the one of {_where(first)}"
                f"{more} exactly: merged (a reply re-quoted part of the map)",
                severity=Severity.WARNING,
            )
        )
        entries[:] = kept
