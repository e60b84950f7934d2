"""Load the boots ``predict``/``plot``/``simulate`` work on.

Boots come from the project parser (:func:`e820scope.parse.parse_input`), parsed once
per file even when several ``FILE#N`` specs name it. Unlike ``select_boot`` (one boot),
a plain ``FILE`` here stands for every boot of it that has a map: a chain is many boots.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..errors import InputError, NoMapError
from ..model.records import Boot, BootStart, StartMethod
from ..parse import parse_input
from ..parse.api import split_boot_spec


def load_boots(specs: Sequence[str]) -> list[Boot]:
    """Every boot with a firmware map from ``specs``, in input order.

    A spec may be ``FILE`` (all boots of the file) or ``FILE#N`` (boot N only).
    Raises :class:`InputError` for unreadable files and :class:`NoMapError` when no boot
    has a map.
    """
    boots: list[Boot] = []
    for spec in specs:
        more = _load_one(spec)
        if (
            boots
            and more
            and boots[-1].ended_by == "kexec"
            and more[0].start.method
            in (
                StartMethod.COLD,
                StartMethod.UNKNOWN,
            )
        ):
            # one file per generation: the previous file ends with "Starting new kernel"
            fw = more[0].firmware_map
            low = fw is not None and fw.entries[0].addr in (0x100, 0x400)
            method = StartMethod.KEXEC_LOAD if low else StartMethod.KEXEC_FILE_LOAD
            more[0] = replace(more[0], start=BootStart(method, "previous input ends in kexec"))
        boots.extend(more)
    if not boots:
        raise NoMapError(
            f"{', '.join(specs)}: no BIOS-provided e820 map found",
            hint="give boot logs that include the early boot messages (dmesg from boot)",
        )
    return boots


def _load_one(spec: str) -> list[Boot]:
    """``FILE``: its boots with a map; ``FILE#N``: boot N (all boots numbered 1..n)."""
    path, n = split_boot_spec(spec)
    every = _parse_cached(path)
    if n is None:
        return [b for b in every if b.firmware_map is not None]
    if not 1 <= n <= len(every):
        raise InputError(
            f"{spec}: no boot #{n} (the file has {len(every)} boots)",
            hint="use FILE#N with N from 1",
        )
    boot = every[n - 1]
    if boot.firmware_map is None:
        raise NoMapError(
            f"{spec}: boot #{n} has no BIOS-provided e820 map",
            hint="pick a boot whose early messages are in the log",
        )
    return [boot]


def _parse_cached(path: str) -> tuple[Boot, ...]:
    """Parse ``path`` once per (path, size, mtime): ``FILE#1 FILE#2 ...`` read it once."""
    if path == "-":
        return _parse_uncached(path)
    try:
        st = Path(path).stat()
    except OSError:
        return _parse_uncached(path)  # let the parser report the error
    return _parse_memo(path, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _parse_memo(path: str, size: int, mtime_ns: int) -> tuple[Boot, ...]:
    return _parse_uncached(path)


def _parse_uncached(path: str) -> tuple[Boot, ...]:
    return parse_input(path).boots
