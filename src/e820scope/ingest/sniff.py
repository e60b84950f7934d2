"""Look at the first chunk of a text source and say what container it is.

The answer decides two things: how to split lines (LF, or CR for old Mac-style captures)
and whether the anchored fast path may be used (only for containers whose every kernel
line is self-contained: console captures, dmesg, syslog, journal short formats).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from ..model.records import SourceRef
from .qp import encoded_block

#: How much of the start of a source is looked at.
SNIFF_SIZE = 64 << 10

_QP_HEADER = re.compile(rb"(?im)^Content-Transfer-Encoding:[ \t]*quoted-printable[ \t]*\r?$")
_KMSG = re.compile(rb"(?m)^\d+,\d+,\d+,[^;\n]*;")
_JSON = re.compile(rb'^\s*\{.*"(?:MESSAGE|__CURSOR|__REALTIME_TIMESTAMP|log)"')
# bytes that never occur in a text log: NUL and C0 controls other than TAB, LF, VT, FF,
# CR and ESC (0x1b, ANSI sequences).
_BAD = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"


@dataclass(frozen=True, slots=True)
class Container:
    """What the first chunk looks like."""

    newline: bytes = b"\n"
    qp: bool = False
    kmsg: bool = False
    json: bool = False

    @property
    def fast_ok(self) -> bool:
        """True when lines without an anchor may be skipped unread."""
        return self.newline == b"\n" and not (self.qp or self.kmsg or self.json)


def check_text(name: str, head: bytes) -> None:
    """Raise InputError when ``head`` is not text (1 % NUL bytes, or 10 % control bytes)."""
    if not head:
        return
    sample = head[:SNIFF_SIZE]
    nul = sample.find(b"\x00")
    bad = len(sample) - len(sample.translate(None, _BAD))
    # binary: 1 % NUL bytes or 10 % control bytes. A few NULs in a text log (a block
    # zero-filled by a crash, a stray byte) cost only their lines, later.
    if (nul >= 0 and sample.count(b"\x00") * 100 > len(sample)) or bad * 10 > len(sample):
        first = nul if nul >= 0 else next(i for i, b in enumerate(sample) if b in _BAD)
        line = sample.count(b"\n", 0, first) + 1
        raise InputError(
            f"binary data (byte 0x{sample[first]:02x} at offset {first}) where a text boot "
            "log was expected",
            hint="give the kernel log as text (dmesg, a console capture, journalctl -k "
            "output, or a compressed copy of one); extract archives other than sosreports "
            "first",
            ref=SourceRef(name, line),
        )


def sniff(head: bytes) -> Container:
    """Classify the container from the first decompressed chunk ``head``."""
    sample = head[:SNIFF_SIZE]
    newline = b"\n"
    if b"\n" not in sample and b"\r" in sample:
        newline = b"\r"
    qp = bool(_QP_HEADER.search(sample)) or encoded_block(sample)
    first = next((ln for ln in sample.split(b"\n", 20)[:20] if ln.strip()), b"")
    json = bool(_JSON.match(first))
    lines = [ln for ln in sample.split(b"\n", 50)[:50] if ln.strip()]
    kmsg = bool(lines) and sum(1 for ln in lines if _KMSG.match(ln)) * 2 >= len(lines)
    return Container(newline=newline, qp=qp, kmsg=kmsg, json=json)
