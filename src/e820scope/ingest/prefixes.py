"""Per-line container prefixes: what wraps one kernel message on one physical line.

Everything here works on one decoded line and keeps no state; the stateful parts (boot
separators, quoted-printable, console hand-over duplicates, joins) live in
:mod:`e820scope.ingest.reader` and :mod:`e820scope.ingest.rejoin`.

Layers, outermost first, as they are peeled by :func:`strip_line`:

1. ANSI escape sequences (OVMF/SeaBIOS clear-screen codes) and carriage returns.
2. Mail quoting ``> ``, ``>> ``, ``> > ``.
3. One of: BSD syslog (``Nov 12 09:34:39 host kernel: ``, localized month names,
   journalctl ``short``/``short-precise``), ISO 8601 (rsyslog RFC 3339, journalctl
   ``short-iso``, ``YYYY-MM-DD HH:MM:SS.mmm kernel:`` exports, a CRI container log's
   ``2026-12-07T03:00:00.123456789Z stdout F ``), journalctl
   ``short-monotonic`` (``[    1.234567] host kernel: ``), ``dmesg -T``
   (``[Sun Nov 22 01:07:00 2026] ``), ``/dev/kmsg`` (``6,123,456,-;``), Docker
   Desktop's VM console log (``[07:50:34.978][Moby           ][Info   ] ``).
4. The printk prefix: ``<6>`` level, ``[    0.000000]`` time, ``[    T0]``/``[C0]``
   caller id (CONFIG_PRINTK_CALLER, v5.1+).
5. Serial garbage glued before a timestamp or before ``Linux version``, and a console
   logger's own stamp before the printk time (``[2020-10-16 04:19:33] [    0.000000] ``).

A Xen HVM guest's own console output relayed on the hypervisor's console (``xl dmesg``,
the Xen serial line) carries the guest's prefix before layer 4: ``(XEN) HVM4: `` (Xen <=
4.5 relays hvmloader, SeaBIOS and the guest's port-0xe9 output so) or ``(d4) `` (Xen 4.6+).
It is peeled like a container: what follows is the guest's line. The hypervisor's own
lines (``(XEN) Xen-e820 RAM map:``) keep their ``(XEN)``, which the grammar reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ANSI/VT100: CSI (incl. private "=" / "?" parameters, ``ESC[=3h``), OSC, charset
# selection, and two-byte escapes such as ``ESC c`` (RIS, SeaBIOS).
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[()*+][0-~]|[0-~])")
_QUOTE = re.compile(r"^(?:[ \t]{0,3}>[ \t]?)+")
_TS_ANY = re.compile(r"\[\s*(\d+\.\d{6})\]")
_PRINTK_TIME = re.compile(r"\[\s*\d+\.\d{6}\] ")

# BSD syslog / journalctl short and short-precise. The month is any 3-4 letter word
# (``Nov``, ``abr``, ``gen``, ``ene``, ``Mär``, ``Okt``, ``déc.``).
_BSD = re.compile(
    r"^[^\W\d_]{3,4}\.? {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? (?P<host>\S+) (?P<rest>.*)$", re.S
)
# ISO 8601 / RFC 3339 dates (rsyslog, journalctl -o short-iso[-precise], exports).
_ISO = re.compile(
    r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? (?P<rest>.*)$", re.S
)
_KERNEL_TAG = re.compile(r"^kernel(?:\[\d+\])?: ?")
# A container's output as the CRI runtime logs it (/var/log/pods/.../N.log): after the
# RFC 3339 time, the stream and F (full line) or P (partial): a VM's serial console
# run in a Kubernetes pod.
_CRI = re.compile(r"^(?:stdout|stderr) [FP] ")
_HOST_KERNEL_TAG = re.compile(r"^\S+ kernel(?:\[\d+\])?: ?")
_USER_TAG = re.compile(r"^(?:\S+ )?[^\s:\[]+\[\d+\]: ")
# journalctl -o short-monotonic: "[    1.234567] host kernel: msg".
_MONO = re.compile(r"^\[\s*(\d+\.\d+)\] \S+ (?P<tag>[^\s:\[]+)(?P<pid>\[\d+\])?: ?")
# dmesg -T / --ctime (localized day and month names allowed).
_CTIME = re.compile(r"^\[[^\W\d_]{2,4}\.? [^\W\d_]{3,4}\.? {1,2}\d{1,2} \d\d:\d\d:\d\d \d{4}\] ?")
# /dev/kmsg: "prio,seq,usec,flags[,more];message".
_KMSG = re.compile(r"^(?P<prio>\d+),(?P<seq>\d+),(?P<usec>\d+),[^;]*;")
# printk: "<6>" level, "[    0.000000]" time, "[    T0]" caller id, in any of the
# combinations the kernel and dmesg -r produce.
_PRINTK = re.compile(
    r"^(?:<\d{1,3}>)?(?:\[\s*(?P<ts>\d+\.\d+)\])?(?: ?\[\s*[TC]\d+\])?(?: ?<\d{1,3}>)?"
)
# Docker Desktop's log of its LinuxKit VM's console (Docker for Windows / Mac log.txt,
# 2016 - 2018): "[07:50:34.978][Moby           ][Info   ] msg".
_VMLOG = re.compile(r"^\[\d\d:\d\d:\d\d\.\d+\]\[[A-Za-z]+ *\]\[[A-Za-z]+ *\] ?")
# A Xen HVM guest's output on the hypervisor's console: "(XEN) HVM4: " or "(d4) ".
_XEN_GUEST = re.compile(r"^\((?:XEN\) HVM\d+:|d\d+\)) ?")
_GLUED_VERSION = re.compile(r"\S.*?(?=Linux version \d+\.\d+\S* \()")


@dataclass(frozen=True, slots=True)
class Stripped:
    """One physical line with its container peeled.

    ``kind`` names the outer container (``plain``, ``syslog``, ``iso``, ``mono``,
    ``ctime``, ``kmsg``, ``logger``: a console logger's date before the printk time);
    ``seq`` is the kmsg sequence number when there is one.
    ``timestamp`` is the printk time in seconds (monotonic, as printed; not made
    zero-based).
    """

    text: str
    timestamp: float | None
    kind: str
    seq: int | None = None


def clean(text: str) -> str:
    """Drop ANSI escapes and carriage returns (CRLF and lone CR).

    A lone CR inside a line means the console overwrote what came before it; the
    segment that holds a printk timestamp wins, else the last non-empty one.
    """
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\r" in text:
        text = text.rstrip("\r")
        if "\r" in text:
            parts = [p for p in text.split("\r") if p.strip()]
            if not parts:
                return ""
            stamped = [p for p in parts if _TS_ANY.search(p)]
            text = stamped[0] if stamped else parts[-1]
    return text


def unquote(text: str) -> str:
    """Remove mail quoting (``> ``, ``>>``, ``> > ``) at the start of a line."""
    if ">" in text[:8]:
        m = _QUOTE.match(text)
        if m and m.end():
            return text[m.end() :]
    return text


def strip_line(text: str) -> Stripped | None:
    """Peel the container prefixes of one cleaned, unquoted line.

    Returns None when the line is a non-kernel syslog/journal record (another program's
    message), which is not part of the kernel log.
    """
    kind = "plain"
    seq: int | None = None
    ts: float | None = None
    c = text[:1]
    if c.isdigit():
        m = _KMSG.match(text)
        if m:
            seq = int(m.group("seq"))
            ts = int(m.group("usec")) / 1e6
            text = text[m.end() :]
            kind = "kmsg"
        else:
            m = _ISO.match(text)
            if m:
                rest = m.group("rest")
                k = _KERNEL_TAG.match(rest) or _HOST_KERNEL_TAG.match(rest) or _CRI.match(rest)
                if k:
                    text = rest[k.end() :]
                elif _USER_TAG.match(rest):
                    return None
                else:
                    # dmesg --time-format=iso: the date alone.
                    text = rest
                kind = "iso"
    elif c == "[":
        m = _MONO.match(text)
        if m and (m.group("tag") == "kernel" or m.group("pid")):
            if m.group("tag") != "kernel":
                return None
            ts = float(m.group(1))
            text = text[m.end() :]
            kind = "mono"
        else:
            m = _CTIME.match(text) or _VMLOG.match(text)
            if m:
                text = text[m.end() :]
                kind = "ctime"
    elif c == "(":
        m = _XEN_GUEST.match(text)
        if m:
            return strip_line(text[m.end() :])
    elif c.isalpha():
        m = _BSD.match(text)
        if m and _PRINTK_TIME.match(text, m.start("host")):
            # no host and tag but a printk time: a console logger's own stamp
            # ("Oct 16 04:19:33 [    0.000000] ...", moreutils ts' default format)
            text = text[m.start("host") :]
            kind = "logger"
        elif m:
            rest = m.group("rest")
            k = _KERNEL_TAG.match(rest)
            if not k:
                return None
            text = rest[k.end() :]
            kind = "syslog"
    p = _PRINTK.match(text) if text[:1] in ("<", "[") else None
    if p is not None and p.end():
        if p.group("ts") is not None:
            ts = float(p.group("ts"))
        end = p.end()
        if text[end - 1] == "]" and text[end : end + 1] == " ":
            end += 1  # the one space printk puts after its prefix
        text = text[end:]
    elif ts is None and kind == "plain":
        # also a bracket that is no printk prefix: a console logger's own stamp
        # ("[2020-10-16 04:19:33] [    0.000000] ...", Qubes' guest console logs)
        rest = unglue(text)
        if rest is not text and rest[:1] == "[":
            return strip_line(rest)
        text = rest
    return Stripped(text, ts, kind, seq)


def unglue(text: str) -> str:
    """Cut serial garbage glued before a kernel line.

    ``Probing EDD (edd=off to disable)... o[    0.000000] Linux version`` -> the
    line starts at the timestamp; ``<junk>Linux version 2.6.17 (root@h) ...`` -> at
    ``Linux version``. Only a full printk timestamp (six decimals) or the exact
    ``Linux version X.Y... (`` banner is trusted, so prose is left alone.
    """
    m = _TS_ANY.search(text)
    if m and m.start() > 0:
        return text[m.start() :]
    if "Linux version " in text and not text.startswith("Linux version "):
        g = _GLUED_VERSION.match(text)
        if g:
            return text[g.end() :]
    return text
