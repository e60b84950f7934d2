"""Optional C accelerators for the two hot loops of a large input.

Each module here is compiled from ``<name>.c`` when the package is built
(``hatch_build.py``) and has a pure-Python twin in the stage that uses it, which gives
exactly the same results (tests compare the two on every sample). They exist only for
speed (bench/). :func:`load` returns the compiled module, or None when it was not built
or when ``E820SCOPE_PURE=1`` is set in the environment (the pure-Python path, e.g. to
compare the two).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

#: the accelerators this package may hold (one ``<name>.c`` each)
NAMES = ("_linescan", "_records")


def load(name: str) -> ModuleType | None:
    """The compiled module ``e820scope._speedups.<name>``, or None (pure Python)."""
    if name not in NAMES:
        raise ValueError(f"unknown accelerator {name!r}")
    if os.environ.get("E820SCOPE_PURE"):
        return None
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ImportError:
        return None


def status() -> dict[str, bool]:
    """Which accelerators are in use in this process."""
    return {name: load(name) is not None for name in NAMES}
