"""Optional C accelerators for the two hot loops of a large input.

Each module here is compiled from ``<name>.c`` when the package is built
(``hatch_build.py``) and has a pure-Python twin in the stage that uses it, which gives
exactly the same results (tests compare the two on every sample). They exist only for
speed (bench/). :func:`load` returns the compiled module, or None when it was not built
or when ``E820SCOPE_PURE=1`` is set in the environment (the pure-Python path, e.g. to
compare the two).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

_T = TypeVar("_T")

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


def maker(cls: type[_T]) -> Callable[..., _T]:
    """A positional constructor of the slots dataclass ``cls``: ``maker(cls)(*values)``
    equals ``cls(*values)`` with every field given, in field order.

    With the ``_records`` accelerator it is ``_records.Maker``, which sets the slots
    directly (a frozen dataclass's ``__init__`` makes one ``object.__setattr__`` call per
    field); else, or when ``cls`` is not a plain slots dataclass whose every field is an
    ``__init__`` argument, or has a ``__post_init__``, it is ``cls`` itself.
    """
    ext: Any = load("_records")
    if ext is None or not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return cls
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields):
        return cls
    try:
        made: Callable[..., _T] = ext.Maker(cls, tuple(f.name for f in fields))
    except TypeError:  # not a slots class of exactly these fields
        return cls
    return made
