"""One record of ``journalctl -o json`` (one JSON object per line)."""

from __future__ import annotations

import json

from ..model.records import SourceRef
from . import rejoin
from .lines import LogLine
from .prefixes import clean


def read(
    text: str, ref: SourceRef, pending_boot: bool, last_boot_id: str | None
) -> tuple[LogLine | None, str | None]:
    """The kernel line of the record ``text`` (None: not a kernel record, or not a
    record), and the boot id to remember. The line carries a boot hint when a separator
    was pending or the record's ``_BOOT_ID`` differs from ``last_boot_id``."""
    try:
        rec = json.loads(text)
    except ValueError:
        return None, last_boot_id
    if not isinstance(rec, dict):
        return None, last_boot_id
    transport = rec.get("_TRANSPORT")
    if transport is not None and transport != "kernel":
        return None, last_boot_id
    msg = rec.get("MESSAGE")
    if isinstance(msg, list):
        msg = bytes(b & 0xFF for b in msg if isinstance(b, int)).decode("utf-8", "replace")
    if not isinstance(msg, str):
        return None, last_boot_id
    hint = pending_boot
    boot = rec.get("_BOOT_ID")
    if isinstance(boot, str):
        if last_boot_id is not None and boot != last_boot_id:
            hint = True
        last_boot_id = boot
    ts: float | None = None
    for key in ("_SOURCE_MONOTONIC_TIMESTAMP", "__MONOTONIC_TIMESTAMP"):
        v = rec.get(key)
        if isinstance(v, (str, int)) and str(v).isdigit():
            ts = int(v) / 1e6
            break
    body = clean(msg.rstrip("\n"))
    return LogLine(ref, body, ts, hint, rejoin.screen_truncated(body)), last_boot_id
