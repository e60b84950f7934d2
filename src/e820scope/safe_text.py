"""Text that came from the input, made safe to show on a terminal.

File and archive member names, hostnames, module and sysfs strings reach the output
and diagnostics; a name such as ``dmesg\\x1b]0;PWNED\\x07`` would otherwise retitle the
analyst's terminal, move the cursor or hide text. Every C0 and C1 control character,
DEL, and the Unicode bidirectional controls (which can make a name read backwards) are
shown as ``\\xNN`` / ``\\uNNNN`` escapes instead. Log text itself is cleaned earlier
(:func:`e820scope.ingest.prefixes.clean` drops ANSI escapes); this is the last guard
for everything printed.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: controls in a one-line name or message (newline and tab included)
_IN_NAME = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
#: controls in a block of output lines (newline and tab kept)
_IN_BLOCK = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def escape_name(text: str) -> str:
    """``text`` with every control character escaped (for a name or a one-line message)."""
    return _IN_NAME.sub(_escape, text)


def escape_block(text: str) -> str:
    """``text`` with control characters escaped except newlines and tabs (for output)."""
    if _IN_BLOCK.search(text) is None:  # the usual case: a search is 2x faster than sub
        return text
    return _IN_BLOCK.sub(_escape, text)
