"""Text of one kernel log line -> its fact (:mod:`.facts`) via the Lark grammars.

Lines are pre-selected by :data:`~e820scope.parse.anchors.ANCHOR_RE`; the survivors go
through one LALR parser (grammars/kmsg.lark) over the whole line, and the tree to
:class:`~e820scope.parse.rules.RuleReader` (one method per rule). Nothing is cached
here: the parse session reads each distinct message once (:mod:`.session`).
"""

from __future__ import annotations

import re

from lark import Lark
from lark.exceptions import LarkError

from ..grammar.loader import lalr_parser
from .anchors import ANCHOR_RE
from .facts import UNPARSED, Fact
from .rules import RuleReader

__all__ = ["UNPARSED", "classify", "parser"]

#: Where a firmware_marker line starts inside console garbage (its own anchors).
_FIRMWARE_START = re.compile(
    r"EFI stub:|Probing EDD|SeaBIOS \(version|BdsDxe:|Welcome to GRUB!|Booting from|Booting `|iPXE"
)
_LETTER = re.compile(r"[A-Za-z]")


def parser() -> Lark:
    """The cached LALR parser of grammars/kmsg.lark."""
    return lalr_parser("kmsg")


def _parse_text(text: str) -> Fact | None:
    try:
        return RuleReader(text).read(parser().parse(text))
    except LarkError:
        return None


def classify(text: str) -> Fact | None:
    """What a kernel log line says: a :class:`~.facts.Fact`, :data:`UNPARSED` for a line that
    looks relevant but does not parse, or None for a line without any anchor.

    ``text`` is the line with its container already stripped; leading garbage before a
    keyword (console noise, an unstripped prefix) is tolerated by retrying from the
    first anchor, then from after ``kernel: ``.
    """
    m = ANCHOR_RE.search(text)
    if m is None:
        return None
    stripped = text.strip()
    fact = _parse_text(stripped)
    if fact is not None:
        return fact
    starts = []
    if m.start() > 0 and not _LETTER.search(text, 0, m.start()):
        starts.append(m.start())  # console noise before the keyword, not words
    k = text.find("kernel: ")
    if k >= 0:
        starts.append(k + len("kernel: "))
    fw = _FIRMWARE_START.search(text)
    if fw is not None:  # firmware banners often follow screen-control garbage
        starts.append(fw.start())
    for s in starts:
        fact = _parse_text(text[s:].strip())
        if fact is not None:
            return fact
    return UNPARSED
