"""Kernel log lines -> :class:`~e820scope.model.records.Boot` records.

Public API:

* :func:`parse_input` — a path, ``-``, a compressed file or a sosreport -> ParsedLog.
* :func:`parse_lines` — already-ingested :class:`~e820scope.ingest.LogLine` records ->
  ParsedLog.
* :func:`iter_boots` — the boots of a spec as a stream (bounded memory);
  :class:`BootStream` the same plus, once exhausted, what :func:`parse_input` says about
  the whole input (warnings, partial, boot count) without keeping the boots.
* :func:`select_boot` — ``FILE#N`` (1-based boot N) or ``FILE`` (the last boot with a
  map) -> Boot.
"""

from __future__ import annotations

from .api import BootStream, iter_boots, no_map_error, parse_input, parse_lines, select_boot

__all__ = [
    "BootStream",
    "iter_boots",
    "no_map_error",
    "parse_input",
    "parse_lines",
    "select_boot",
]
