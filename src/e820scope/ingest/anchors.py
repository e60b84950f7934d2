"""The key strings of a boot log (kept in :mod:`e820scope.formats`), as regexes.

A physical line that contains none of :data:`DEFAULT_ANCHORS` carries nothing e820scope
reads, so :func:`e820scope.ingest.log_lines` may skip it when given these anchors. The
bench (``bench/run.py``) greps for exactly the same strings, so its throughput ratio
compares like with like.

The strings are bytes (they are searched in the raw, undecoded input) and are matched
case-sensitively as plain substrings.
"""

from __future__ import annotations

import re

from ..formats import DEFAULT_ANCHORS, STRUCTURAL_ANCHORS

__all__ = ["DEFAULT_ANCHORS", "STRUCTURAL_ANCHORS", "compile_anchors", "grep_pattern"]


def grep_pattern(anchors: tuple[bytes, ...] = DEFAULT_ANCHORS) -> str:
    """The anchors as one POSIX ERE alternation (for ``grep -E``)."""
    return "|".join(re.sub(r"([][.^$*+?(){}|\\])", r"\\\1", a.decode("ascii")) for a in anchors)


def compile_anchors(anchors: tuple[bytes, ...] | list[bytes]) -> re.Pattern[bytes]:
    """One bytes regex matching any of ``anchors`` (longest first)."""
    uniq = sorted(set(anchors), key=len, reverse=True)
    return re.compile(b"|".join(re.escape(a) for a in uniq))
