"""Containers -> logical kernel log lines.

Public API (see the modules for details):

* :func:`open_inputs` — a path, ``-`` (stdin), a compressed file, a sosreport directory
  or tarball -> the text sources to read, each with the name used in ``file:line``.
* :func:`log_lines` — a text source -> :class:`LogLine` records with the container
  (timestamps, syslog/journal prefixes, mail quoting, ...) stripped;
  :func:`log_batches` gives the same lines one list per chunk read.
* :data:`~e820scope.ingest.anchors.DEFAULT_ANCHORS` — the key strings of a boot log;
  pass them as ``anchors=`` to let :func:`log_lines` skip lines that hold none.

Modules: ``reader`` (sources, the chunk loop), ``decompress`` (gzip/xz/bzip2/zstd by
magic), ``sniff`` (container detection, binary check), ``machine`` (the line machine:
all container state), ``scan`` (the native seam's twin: chunk -> message ids),
``console`` (the hand-over window), ``journal_json``, ``marks``, ``prefixes``
(per-line prefixes), ``qp`` (quoted-printable), ``rejoin`` (hard-wrap joins,
truncation marks), ``sosreport`` (which files, in which order; safe tar streaming),
``anchors``.
"""

from __future__ import annotations

from .lines import LogLine
from .reader import TextSource, log_batches, log_lines, open_inputs

__all__ = ["LogLine", "TextSource", "log_batches", "log_lines", "open_inputs"]
