"""Minimal first version: plain files and stdin, ``[ts]`` prefixes only.

The full container layer (compression, sosreports, syslog/journal/kmsg prefixes, mail
quoting, quoted-printable, ANSI escapes, re-joining) replaces this module.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..model.records import SourceRef
from .lines import LogLine

_TS = re.compile(r"^\[\s*(\d+\.\d+)\]\s?")


@dataclass(frozen=True)
class TextSource:
    """One readable text stream and the name diagnostics use for it."""

    name: str
    path: Path | None = None

    def open_binary(self) -> BinaryIO:
        if self.path is None:
            return sys.stdin.buffer
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read {self.name}: {exc.strerror}") from exc


def open_inputs(spec: str) -> list[TextSource]:
    if spec == "-":
        return [TextSource("<stdin>")]
    p = Path(spec)
    if not p.exists():
        raise InputError(f"{spec}: no such file", hint="check the path")
    return [TextSource(spec, p)]


def log_lines(src: TextSource, *, anchors: Sequence[bytes] | None = None) -> Iterator[LogLine]:
    """Yield the kernel lines of ``src``.

    ``anchors``: byte strings the caller cares about; lines containing none of them may be
    skipped (a speed hint, never required).
    """
    with src.open_binary() as fh:
        for n, raw in enumerate(fh, 1):
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            ts = None
            m = _TS.match(text)
            if m:
                ts = float(m.group(1))
                text = text[m.end() :]
            yield LogLine(SourceRef(src.name, n), text, ts)
