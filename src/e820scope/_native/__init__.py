"""The parse engine's optional native seam (``_scan.c``, built by ``hatch_build.py``).

It is stateless about logs (see :mod:`e820scope.ingest.scan`, its pure-Python twin and
specification). :func:`load` returns the compiled module, or None when it was not built
or when ``E820SCOPE_PURE=1`` is set (then the twin runs: same answers, slower).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def load() -> ModuleType | None:
    """The compiled ``e820scope._native._scan``, or None (pure Python)."""
    if os.environ.get("E820SCOPE_PURE"):
        return None
    try:
        return importlib.import_module(f"{__name__}._scan")
    except ImportError:
        return None
