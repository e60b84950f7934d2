"""Quoted-printable (RFC 2045) as mail archives wrap attached or inline logs.

Only used when the text is QP: after a ``Content-Transfer-Encoding: quoted-printable``
header, or once a line shows it (:func:`encoded`: an e820 line, a kernel banner or a
command line with a soft break, ``usabl=`` + ``e``, or a command line with an encoded
``=``, ``root=3D/dev/sda1``; the banner and the command line come before the map, so
they are decoded too). A soft break is
``=`` at the very end of a physical line; ``=XX`` is one byte (``=3D`` is ``=``,
``=20`` a space, ``=C2=A0`` a UTF-8 no-break space, which is read back as a space).
"""

from __future__ import annotations

import re

_ESC = re.compile(rb"=([0-9A-Fa-f]{2})")
_HEADER = re.compile(r"^Content-Transfer-Encoding:[ \t]*(\S+)", re.I)
_E820ISH = rb"(?:BIOS-e8|e820|user: |\[mem |ommand line|Linux version )"
#: an e820-ish, banner or command line ending in a soft break: a sign of QP text without
#: a header (:func:`encoded`). Linear
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


def encoded(raw: bytes) -> bool:
    """``raw`` (one physical line) shows that the text is QP without a header: a soft
    break on a line the parser reads (:data:`SOFT_BREAK_E820`), or a command line with
    an encoded ``=`` (``BOOT_IMAGE=3D/boot/vmlinuz``; no kernel parameter value starts
    with ``3D`` followed by a path or a word in practice, and the test is two substring
    searches, so linear).

    >>> encoded(b"Command line: BOOT_IMAGE=3D/isolinux/bzImage loglevel=3D1")
    True
    >>> encoded(b"Command line: BOOT_IMAGE=/isolinux/bzImage loglevel=1")
    False
    """
    return bool(SOFT_BREAK_E820.search(raw)) or (b"ommand line" in raw and b"=3D" in raw)


def encoded_block(sample: bytes) -> bool:
    """:func:`encoded` for any line of a block of text."""
    if SOFT_BREAK_E820_LINES.search(sample):
        return True
    return any(encoded(ln) for ln in sample.split(b"\n") if b"=3D" in ln)
