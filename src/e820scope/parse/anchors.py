"""The anchors the parser hands to the container layer, and the same test on text.

Both come from the one list, :data:`e820scope.formats.DEFAULT_ANCHORS`.
"""

from __future__ import annotations

import re

from ..formats import DEFAULT_ANCHORS

#: The anchors passed to :func:`e820scope.ingest.log_batches`.
ANCHORS: tuple[bytes, ...] = DEFAULT_ANCHORS

#: The same test on decoded text: ``ANCHOR_RE.search(text)`` is None for a line the
#: grammar cannot match.
ANCHOR_RE: re.Pattern[str] = re.compile(
    "|".join(re.escape(a.decode("ascii")) for a in sorted(ANCHORS, key=len, reverse=True))
)
