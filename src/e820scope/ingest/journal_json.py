"""One record of ``journalctl -o json`` (one JSON object per line), or of Docker's
``json-file`` log of a console."""

from __future__ import annotations

import json

from ..model.records import SourceRef
from . import rejoin
from .lines import LogLine
from .prefixes import clean


def record(text: str) -> dict[str, object] | None:
    """The JSON object on the line ``text`` (None: not one)."""
    try:
        rec = json.loads(text)
    except ValueError:
        return None
    return rec if isinstance(rec, dict) else None


def console_line(rec: dict[str, object]) -> str | None:
    """The console line a Docker ``json-file`` record carries (``{"log": "[    0.000000]
    Linux version ...\r\n", "stream": "stdout", "time": ...}``: a VM's serial console
    run in a container), without its line end; None for any other record."""
    log = rec.get("log")
    if not isinstance(log, str) or "MESSAGE" in rec:
        return None
    return log.rstrip("\n").rstrip("\r")


def read(
    rec: dict[str, object], ref: SourceRef, pending_boot: bool, last_boot_id: str | None
) -> tuple[LogLine | None, str | None]:
    """The kernel line of the journal record ``rec`` (None: not a kernel record), and
    the boot id to remember. The line carries a boot hint when a separator was pending
    or the record's ``_BOOT_ID`` differs from ``last_boot_id``."""
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
