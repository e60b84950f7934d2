"""Quoted-printable (RFC 2045) as mail archives wrap attached or inline logs.

Only used when the text is QP: after a ``Content-Transfer-Encoding: quoted-printable``
header, or once an e820 line shows a soft break (``usabl=`` + ``e``). A soft break is
``=`` at the very end of a physical line; ``=XX`` is one byte (``=3D`` is ``=``,
``=20`` a space, ``=C2=A0`` a UTF-8 no-break space, which is read back as a space).
"""

from __future__ import annotations

import re

_ESC = re.compile(rb"=([0-9A-Fa-f]{2})")
_HEADER = re.compile(r"^Content-Transfer-Encoding:[ \t]*(\S+)", re.I)
_E820ISH = rb"(?:BIOS-e8|e820|user: |\[mem )"
#: an e820-ish line ending in a soft break: the sign of QP text without a header. Linear
#: in the line's length: the end is checked once from the start of the line (the
#: lookahead), then the first e820-ish word is looked for (the naive
#: ``e820.*=$`` scans to the end of the line again from every ``e820`` in it).
SOFT_BREAK_E820 = re.compile(rb"^(?=.*=\r?$).*?" + _E820ISH)
#: :data:`SOFT_BREAK_E820` for any line of a text block (``search`` over many lines).
SOFT_BREAK_E820_LINES = re.compile(rb"(?m)^(?=.*=\r?$).*?" + _E820ISH)
#: at most this many physical lines are joined into one by soft breaks.
MAX_SOFT_BREAKS = 8


def decode(raw: bytes) -> bytes:
    """Decode ``=XX`` escapes (the soft breaks are already joined)."""
    if b"=" not in raw:
        return raw
    return _ESC.sub(lambda m: bytes((int(m.group(1), 16),)), raw)


def header_encoding(text: str) -> str | None:
    """The encoding named by a ``Content-Transfer-Encoding:`` header line, lower-case."""
    m = _HEADER.match(text)
    return m.group(1).lower() if m else None
