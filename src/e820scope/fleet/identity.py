"""Which host an input belongs to, read from the input itself, and how it was told.

In order of trust:

1. a sosreport's own record of the host name (:func:`e820scope.ingest.sosreport.hostname`);
2. the journal's ``_HOSTNAME`` field (JSON or export format);
3. the host field of syslog / ``journalctl`` short lines that carry kernel messages
   (``Nov 12 09:34:39 web01 kernel: ...``, RFC 3339 ``2026-11-12T09:34:39+00:00 web01
   kernel: ...``);
4. the machine and kernel the log describes: the ``DMI:`` line with the ``Linux
   version`` banner. Two machines of the same model running the same kernel build look
   the same here: their logs are grouped as one host (the report says so); give one
   directory per host to tell them apart;
5. nothing: the input is a host of its own, named by its path.

Only the first :data:`HEAD_BYTES` decoded bytes of each log are read for this, through
the same readers as the parser (:func:`e820scope.ingest.open_inputs`: compressed files,
sosreports, no link followed).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..ingest import open_inputs
from ..ingest.decompress import ChunkReader, sniff_compression
from ..ingest.reader import TextSource, peek
from ..ingest.sosreport import hostname as sosreport_hostname

#: decoded bytes of each source searched for a host field
HEAD_BYTES = 1 << 20

_JOURNAL = re.compile(rb'"_HOSTNAME"\s*:\s*"([^"\\]{1,253})"|^_HOSTNAME=(\S{1,253})$', re.M)
_SYSLOG = re.compile(
    rb"^(?:<\d{1,3}>)?(?:[A-Za-z]{3} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?"
    rb"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    rb" (\S{1,253}) kernel(?:\[\d+\])?: ",
    re.M,
)
_DMI = re.compile(rb"\bDMI: ([^\r\n]{1,200})")
_BANNER = re.compile(rb"\bLinux version (\S+)[^\r\n]{0,300}")


@dataclass(frozen=True)
class Identity:
    """``host`` (the key inputs are grouped by) and ``how`` it was found."""

    host: str
    how: str


def _head(src: TextSource) -> bytes:
    fh = src.open_binary()
    try:
        reader = ChunkReader(fh, sniff_compression(peek(fh, 8)), 1 << 16, name=src.name)
        out = bytearray()
        for chunk in reader:
            out += chunk
            if len(out) >= HEAD_BYTES:
                break
        return bytes(out[:HEAD_BYTES])
    finally:
        fh.close()


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace").strip()


def from_text(head: bytes) -> Identity | None:
    """The host a log's first bytes name (rules 2-4 above), or None."""
    m = _JOURNAL.search(head)
    if m:
        return Identity(_text(m.group(1) or m.group(2)), "journal _HOSTNAME field")
    m = _SYSLOG.search(head)
    if m:
        return Identity(_text(m.group(1)), "syslog host field of kernel lines")
    dmi, banner = _DMI.search(head), _BANNER.search(head)
    if dmi and banner:
        key = hashlib.sha256(dmi.group(0) + b"\n" + banner.group(0)).hexdigest()[:10]
        return Identity(
            f"dmi-{key}",
            f"DMI line and kernel banner (DMI: {_text(dmi.group(1))[:80]}; "
            f"Linux {_text(banner.group(1))})",
        )
    return None


def identify(spec: str) -> Identity:
    """The host of one input (a file or a sosreport); never raises for its content."""
    path = Path(spec)
    try:
        name = sosreport_hostname(path) if path.is_dir() or _is_tar(path) else None
    except Exception:  # an unreadable archive is reported when it is parsed
        name = None
    if name:
        return Identity(name, "sosreport host name")
    try:
        for src in open_inputs(spec):
            found = from_text(_head(src))
            if found is not None:
                return found
    except Exception:  # unreadable, binary: the parse reports it on the host's row
        pass
    return Identity(spec, "input path (no host field, DMI line or banner found)")


def _is_tar(path: Path) -> bool:
    from ..ingest.sosreport import looks_like_tar

    try:
        with path.open("rb") as fh:
            return looks_like_tar(fh)
    except OSError:
        return False
