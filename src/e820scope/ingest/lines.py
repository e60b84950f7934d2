"""The unit every later stage reads: one logical kernel log line with its provenance."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.records import SourceRef


@dataclass(frozen=True, slots=True)
class LogLine:
    """A kernel message line with its container stripped.

    ``text`` is the message as the kernel formatted it (no timestamp, no syslog or
    journal prefix, no ``> `` quoting, no ANSI escapes, soft breaks rejoined).
    ``ref`` points at the first physical line it came from. ``timestamp`` is the printk
    time in seconds when the container had one (``[    0.000000]``, kmsg, journal
    monotonic), else None. ``boot_hint`` is set when the container itself marks a new boot
    (journal ``-- Reboot --``, ``----- New boot`` separators, a kmsg sequence reset, a
    ``_BOOT_ID`` change in ``journalctl -o json``). ``truncated`` is True when a pager or
    a screen visibly cut the line short (journalctl's final ``>``, an e820 entry whose
    end address lost digits or whose type is missing): the parser must not read data
    from the cut part.
    """

    ref: SourceRef
    text: str
    timestamp: float | None = None
    boot_hint: bool = False
    truncated: bool = False
