"""The JSON conventions every command's document follows (docs/json.md).

* Every document has ``"schema": "e820scope.<command>/<version>"``; a JSON Schema file
  per document ships in the package (``e820scope/schemas``, :func:`schema_path`).
* Addresses and sizes are JSON integers (bytes), each with a hex string beside it for
  people: a range is ``addr``, ``size``, ``end`` (**exclusive**, ``addr + size``),
  ``addr_hex`` and ``last_hex`` (the inclusive last address, what the kernel prints).
  A field named ``end`` is exclusive everywhere; ``last``/``last_hex`` is inclusive.
* Hex strings are ``0x`` + lower-case digits.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from ..model.records import E820Entry
from ..model.types import short_name


def hex_of(n: int) -> str:
    return f"{n:#x}"


def range_json(addr: int, size: int) -> dict[str, Any]:
    """``addr``, ``size``, ``end`` (exclusive), ``addr_hex``, ``last_hex`` (inclusive)."""
    return {
        "addr": addr,
        "size": size,
        "end": addr + size,
        "addr_hex": f"{addr:#x}",
        "last_hex": f"{addr + size - 1:#x}" if size > 0 else None,
    }


@functools.lru_cache(maxsize=1 << 16)
def typed_range(addr: int, size: int, type: int) -> dict[str, Any]:
    """A range with its e820 ``type`` code and ``type_name``. Memoised (the same
    entries recur in every kexec generation); callers copy it, never change it."""
    return {**range_json(addr, size), "type": type, "type_name": short_name(type)}


def entry_range(e: E820Entry) -> dict[str, Any]:
    """An e820 entry's range and type (a fresh dict the caller may extend)."""
    return dict(typed_range(e.addr, e.size, e.type))


def schema_path(schema: str) -> Path:
    """The JSON Schema file of ``e820scope.<name>/<version>``: ``schemas/<name>-<version>.json``."""
    name, version = schema.removeprefix("e820scope.").split("/")
    ref = resources.files("e820scope") / "schemas" / f"{name}-{version}.json"
    return Path(str(ref))
