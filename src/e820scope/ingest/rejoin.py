"""Re-joining hard-wrapped lines, and spotting lines a pager or a screen cut short.

Join rule (the only cases joined; two real kernel lines are never joined): a line is
joined with the physical line(s) right after it only when

* it is an e820 table entry whose type is missing (``BIOS-e820: [mem A-B]`` or era A
  ``BIOS-e820: A - B``) and the next line is nothing but a type string (``usable``,
  ``(reserved)``, ``ACPI NVS``, `` System RAM``, ``type 20``...);
* it is a wdiff'd entry whose ``[-old-]`` part ends the line and the next line starts
  with the ``{+new+}`` part (samples/public/lkml-07-wdiff.log); the markers are kept;
* it is a ``Memory: NK/MK available (`` line whose parenthesis is still open and the
  next one or two lines carry no container prefix of their own and close it
  (samples/public/lkml-06.log);
* it is an e820 table entry whose type is the first word of a two-word type
  (``(ACPI`` + ``data)``, ``ACPI`` + ``NVS``, `` System`` + ``RAM``) and the next line
  completes it;
* it is an e820 table entry cut inside its range (``BIOS-e820: [mem`` or
  ``[mem 0x...-``) and the next line carries the rest of the range and a type (joined
  with or without a space, whichever gives a whole range);
* it is a ``Command line:`` / ``Kernel command line:`` line and the next one or two
  lines carry no container prefix and hold nothing but kernel parameters, at least one
  of them ``key=value`` (a mail client wrapped the command line; ``elfcorehdr=`` may sit
  on the continuation).

A type-only continuation may carry a container prefix of its own (a syslog or journal
date-time prefix repeated on the wrapped part): it is taken off before the type is
read. The following lines are unquoted (any quote depth: a reply may re-wrap at another
depth than the line it continues).

Quoted-printable soft breaks (``=`` at the end of a line) are undone earlier, on the raw
bytes, by :mod:`e820scope.ingest.qp`.
"""

from __future__ import annotations

import re

from ..formats import TYPE_NAMES_A, TYPE_NAMES_BC, TYPE_NAMES_D, who_alternation
from .prefixes import strip_line

#: How many physical lines after a line a join may look at.
MAX_LOOKAHEAD = 2

#: the start of a table line: a who-prefix of formats.py, or ``e820`` / ``EFI``
_TABLE = r"^\s*(?:" + who_alternation() + r"|e820|EFI)"
_RANGE = r"(?:\[mem 0x[0-9a-fA-F]+-0x[0-9a-fA-F]+\]|[0-9a-fA-F]{8,16} - [0-9a-fA-F]{8,16})"
_ENTRY_NO_TYPE = re.compile(_TABLE + r": " + _RANGE + r"\s*$")
#: a line that holds only a type string (formats.py, every era), maybe in parentheses
_TYPE_ONLY = re.compile(
    r"^\s*(\(?(?:"
    + "|".join(
        re.escape(t)
        for t in sorted({*TYPE_NAMES_A, *TYPE_NAMES_BC, *TYPE_NAMES_D}, key=len, reverse=True)
        if "(type" not in t
    )
    + r"|persistent(?: RAM)? \(type \d+\)|type \d+)\)?)\s*$"
)
#: an entry whose type is the first word of a two-word type (formats.py)
_ENTRY_PART_TYPE = re.compile(
    _TABLE + r": " + _RANGE + r"\s+\(?(?:ACPI|System|device|soft|persistent(?: RAM)?|type)\s*$"
)
#: an entry cut inside its range, and the whole entry a join must give
_ENTRY_OPEN_RANGE = re.compile(_TABLE + r": \[mem(?: 0x[0-9a-fA-F]*(?:-(?:0x[0-9a-fA-F]*)?)?)?\s*$")
_ENTRY_WHOLE = re.compile(_TABLE + r": \[mem 0x[0-9a-fA-F]+-0x[0-9a-fA-F]+\]\s+\S")
_CMDLINE = re.compile(r"(?:^|\s)(?:Kernel )?[Cc]ommand line: ")
#: a continuation of a command line: kernel parameters only
_PARAM = r"(?:[\w.\-]+=\S*|[a-z_][\w.\-]*)"
_PARAMS = re.compile(r"^\s*" + _PARAM + r"(?:\s+" + _PARAM + r")*\s*$")
_WDIFF_CONT = re.compile(r"^\{\+")
_MEMORY = re.compile(r"Memory: \d+[kK]/\d+[kK] available \(")
_PREFIXED = re.compile(r"^\s*(?:\[|<\d|\d{4}-\d\d-\d\d|[^\W\d_]{3,4}\.? {1,2}\d{1,2} \d\d:)")

_ENTRY_MEM = re.compile(
    _TABLE + r": \[mem 0x(?P<a>[0-9a-fA-F]*)(?:-0x(?P<b>[0-9a-fA-F]*))?(?P<close>\])?(?P<tail>.*)$"
)


def _wdiff_open(text: str) -> bool:
    """True when ``text`` ends with wdiff's ``[-old-]`` part (``[-`` then no ``]`` up to
    the final ``]-]``). Linear: the regular expression ``\\[-[^\\]]*\\]-\\]\\s*$``
    searched on ``[-[-[-...`` scans from every ``[-``."""
    t = text.rstrip()
    if not t.endswith("]-]"):
        return False
    body = t[:-3]
    return "[-" in body[body.rfind("]") + 1 :]


def may_continue(text: str) -> bool:
    """True when ``text`` (stripped) could be the first line of a join."""
    if text.endswith((" ", "]", ")", "-", "(")) or text[-1:].isalnum():
        return _may_join_prefixed(text) or _is_cmdline(text)
    return False


def joins_unprefixed_only(text: str) -> bool:
    """True when every join ``text`` (stripped) may start takes only lines that carry no
    container prefix: a command line, whose continuation holds kernel parameters alone.
    A line right after it with a printk time then never continues it, so the container
    layer reads it alone when the next line has one."""
    return _is_cmdline(text) and not _may_join_prefixed(text)


def _is_cmdline(text: str) -> bool:
    return "ommand line: " in text and _CMDLINE.search(text) is not None


def _may_join_prefixed(text: str) -> bool:
    """The joins whose continuation may carry a prefix of its own (entries) or that
    are not command lines."""
    return bool(
        _ENTRY_NO_TYPE.match(text)
        or _wdiff_open(text)
        or ("Memory:" in text and _MEMORY.search(text) and text.count("(") > text.count(")"))
        or ("[mem" in text and (_ENTRY_PART_TYPE.match(text) or _ENTRY_OPEN_RANGE.match(text)))
        or (" - " in text and _ENTRY_PART_TYPE.match(text))
    )


def _type_only(line: str) -> str | None:
    """The type string a line holds and nothing else (after a container prefix of its
    own, if it has one), or None."""
    t = _TYPE_ONLY.match(line)
    if t is None:
        st = strip_line(line.strip())
        if st is None or (st.kind == "plain" and st.timestamp is None):
            return None
        t = _TYPE_ONLY.match(st.text)
    return t.group(1) if t else None


def join(text: str, following: list[str]) -> tuple[str, int]:
    """Join ``text`` with lines from ``following`` (cleaned, unquoted, not stripped).

    Returns the joined text and how many of ``following`` were consumed (0: no join).
    """
    if not following:
        return text, 0
    nxt = following[0]
    if _ENTRY_NO_TYPE.match(text):
        typ = _type_only(nxt)
        if typ is not None:
            sep = "  " if typ in ("System RAM", "device reserved") else " "
            return text.rstrip() + sep + typ, 1
        return text, 0
    if _ENTRY_PART_TYPE.match(text):
        joined = text.rstrip() + " " + nxt.strip()
        head = text.rstrip().rsplit(None, 1)[1]
        typ = _type_only(head + " " + nxt.strip())
        return (joined, 1) if typ is not None else (text, 0)
    if _ENTRY_OPEN_RANGE.match(text):
        for sep in (" ", ""):
            joined = text.rstrip() + sep + nxt.strip()
            if _ENTRY_WHOLE.match(joined):
                return joined, 1
        return text, 0
    if _CMDLINE.search(text):
        return _join_cmdline(text, following)
    if _wdiff_open(text):
        if _WDIFF_CONT.match(nxt):
            return text.rstrip() + " " + nxt.strip(), 1
        return text, 0
    if _MEMORY.search(text):
        depth = text.count("(") - text.count(")")
        joined = text
        for n, line in enumerate(following[:MAX_LOOKAHEAD], 1):
            if not line.strip() or _PREFIXED.match(line):
                return text, 0
            joined = joined.rstrip() + " " + line.strip()
            depth += line.count("(") - line.count(")")
            if depth <= 0:
                return joined, n
        return text, 0
    return text, 0


def _join_cmdline(text: str, following: list[str]) -> tuple[str, int]:
    """A command line and the parameter-only lines after it (see the module docstring)."""
    joined, n = text, 0
    for line in following[:MAX_LOOKAHEAD]:
        if not line.strip() or _PREFIXED.match(line) or "=" not in line:
            break
        if not _PARAMS.match(line):
            break
        joined, n = joined.rstrip() + " " + line.strip(), n + 1
    return joined, n


_ERA_A_OVERWRITTEN = re.compile(
    r"^(\s*[\w-]+: [0-9a-fA-F]{16} - [0-9a-fA-F]{16} \((?:usable|reserved|ACPI data|ACPI NVS"
    r"|unusable|type \d+)\))\S.*$"
)


def _strip_border(text: str) -> str:
    """``text`` without a final ``   |`` border column (three or more blanks, ``|``,
    blanks). Linear, unlike ``\\s{3,}\\|\\s*$``, which rescans a long run of blanks
    from each of its positions."""
    t = text.rstrip()
    if not t.endswith("|"):
        return text
    body = t[:-1]
    kept = body.rstrip()
    return kept if len(body) - len(kept) >= 3 else text


def tidy_screen(text: str) -> str:
    """Remove serial-terminal screen debris around a kernel line.

    A right-hand border column (``...   |``) and text left over from an earlier,
    longer screen line after an era A entry's type (``(usable)pi=off pci=conf1``,
    samples/public/lkml-01.log) are not kernel output.
    """
    if text.endswith("|") or text.endswith("| "):
        text = _strip_border(text)
    if ")" in text and " - " in text:
        m = _ERA_A_OVERWRITTEN.match(text)
        if m:
            return m.group(1)
    return text


def screen_truncated(text: str) -> bool:
    """True for an e820 table line visibly cut by a screen or pager.

    Table entries print both addresses with ``%#018Lx`` (16 digits) and end with a type;
    an entry whose second address is shorter than the first, or whose type is missing,
    was cut (samples/public/notes-09.log).
    """
    m = _ENTRY_MEM.match(text)
    if m is None:
        return False
    a, b = m.group("a"), m.group("b")
    if b is None or m.group("close") is None:
        return True
    if len(a) == 16 and len(b) != 16:
        return True
    return not m.group("tail").strip()


def pager_truncated(text: str, kind: str) -> bool:
    """journalctl's pager marks a line cut at the terminal width with a final ``>``."""
    return kind in ("syslog", "iso", "mono") and text.endswith(">") and "<" not in text
