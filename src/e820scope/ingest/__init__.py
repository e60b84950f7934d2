"""Containers -> logical kernel log lines.

Public API (see the modules for details):

* :func:`open_inputs` — a path, ``-`` (stdin), a compressed file, a sosreport directory
  or tarball -> the text sources to read, each with the name used in ``file:line``.
* :func:`log_lines` — a text source -> :class:`LogLine` records with the container
  (timestamps, syslog/journal prefixes, mail quoting, ...) stripped.
"""

from __future__ import annotations

from .lines import LogLine
from .reader import TextSource, log_lines, open_inputs

__all__ = ["LogLine", "TextSource", "log_lines", "open_inputs"]
