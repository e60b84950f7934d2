"""Run the diff/timeline commands with the project parser, or the test reader before it exists.

``real_parser()`` tells which one is in use, so golden files can say what produced them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import e820scope.parse as parse_pkg
from e820scope.errors import InputError
from e820scope.model.records import Boot, ParsedLog

from .minilog import read_boots


def real_parser() -> bool:
    return hasattr(parse_pkg, "select_boot") and hasattr(parse_pkg, "parse_input")


def _parse_input(spec: str) -> ParsedLog:
    p = Path(spec)
    if not p.is_file():
        raise InputError(f"{spec}: no such file", hint="check the path")
    return ParsedLog(spec, tuple(read_boots(p)))


def _select_boot(spec: str) -> Boot:
    path, sep, num = spec.rpartition("#") if "#" in spec else (spec, "", "")
    boots = _parse_input(path).boots
    if sep:
        if not num.isdigit() or not 1 <= int(num) <= len(boots):
            raise InputError(f"{spec}: no boot {num} (the file has {len(boots)} boots)")
        return boots[int(num) - 1]
    with_map = [b for b in boots if b.firmware_map is not None]
    if not with_map:
        raise InputError(f"{spec}: no boot with an e820 map")
    return with_map[-1]


def use_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``e820scope.parse.select_boot/parse_input`` available to the commands."""
    if real_parser():
        return
    monkeypatch.setattr(parse_pkg, "select_boot", _select_boot, raising=False)
    monkeypatch.setattr(parse_pkg, "parse_input", _parse_input, raising=False)
