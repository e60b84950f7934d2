"""The boots a command's ``FILE``, ``FILE#N`` and ``-`` arguments name (every command).

Boots come from the project parser (:func:`e820scope.parse.parse_input`), parsed once
per file even when several ``FILE#N`` specs name it (stdin, ``-``, is read once). For
``predict``/``plot``/``simulate``/``timeline`` a plain ``FILE`` stands for every boot of it
(a chain is many boots); for ``diff`` (:func:`select_one`) the last boot with a map.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from ..model.records import Boot, ParsedLog
from ..parse import no_map_error, parse_input
from ..parse.api import split_boot_spec


def load_boots(specs: Sequence[str]) -> list[Boot]:
    """Every boot with a firmware map from ``specs``, in input order (kept: for the
    commands that read few boots; ``timeline``/``predict`` stream with
    :func:`.stream.stream_boots`).

    A spec may be ``FILE`` (all boots of the file) or ``FILE#N`` (boot N only).
    Raises :class:`InputError` for unreadable files and :class:`NoMapError` when no boot
    has a map.
    """
    from .stream import no_boots_error, stream_boots

    boots = list(stream_boots(specs, with_map=True))
    if not boots:
        raise no_boots_error(specs, with_map=True)
    return boots


def join_inputs(parts: Sequence[list[Boot]]) -> list[Boot]:
    """The boots of consecutive inputs as one chain, in order: a part's first boot after
    a part that ended in "Starting new kernel" is the kexec'd generation it is
    (:func:`.stream.after_kexec`, the rule :func:`.stream.stream_boots` applies)."""
    from .stream import after_kexec

    boots: list[Boot] = []
    for part in parts:
        more = list(part)
        if boots and more:
            more[0] = after_kexec(boots[-1], more[0])
        boots.extend(more)
    return boots


def no_such_boot(spec: str, count: int) -> InputError:
    """The error for ``FILE#N`` when FILE holds only ``count`` boots (every command)."""
    path, n = split_boot_spec(spec)
    shown = "<stdin>" if path == "-" else path
    return InputError(
        f"{spec}: no boot #{n}; {shown} has {count} boot{'s' if count != 1 else ''}",
        hint=f"use {path}#1 .. {path}#{count} ('e820scope parse {path}' lists them)"
        if count
        else "give a log that holds a boot",
    )


def boots_of_spec(spec: str, *, with_map: bool = True) -> list[Boot]:
    """``FILE``: its boots (only those with a firmware map when ``with_map``);
    ``FILE#N``: boot N (all boots numbered 1..n). ``-`` is stdin."""
    path, n = split_boot_spec(spec)
    every = parse_cached(path).boots
    if n is None:
        return [b for b in every if b.firmware_map is not None or not with_map]
    if not 1 <= n <= len(every):
        raise no_such_boot(spec, len(every))
    return [every[n - 1]]


def select_one(spec: str) -> Boot:
    """``FILE#N``: boot N; ``FILE``: its last boot with a firmware map."""
    path, n = split_boot_spec(spec)
    if n is not None:
        return boots_of_spec(spec)[0]
    parsed = parse_cached(path)
    with_map = [b for b in parsed.boots if b.firmware_map is not None]
    if not with_map:
        raise no_map_error(parsed)
    return with_map[-1]


_STDIN: dict[str, ParsedLog] = {}


def parse_cached(path: str) -> ParsedLog:
    """Parse ``path`` once per (path, size, mtime): ``FILE#1 FILE#2 ...`` read it once."""
    if path == "-":  # stdin can be read once: '-#1 -#2' share one parse
        if "-" not in _STDIN:
            _STDIN["-"] = _parse_uncached(path)
        return _STDIN["-"]
    try:
        st = Path(path).stat()
    except OSError:
        return _parse_uncached(path)  # let the parser report the error
    return _parse_memo(path, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _parse_memo(path: str, size: int, mtime_ns: int) -> ParsedLog:
    return _parse_uncached(path)


def _parse_uncached(path: str) -> ParsedLog:
    return parse_input(path)
