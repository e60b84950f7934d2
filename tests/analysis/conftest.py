"""Fixtures for the diff/timeline/hidden-128 tests: boots read from the real samples."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from e820scope.model.records import Boot
from e820scope.parse import parse_input


@functools.cache
def _boots(path: Path) -> tuple[Boot, ...]:
    return parse_input(str(path)).boots


@pytest.fixture(scope="session")
def boots(samples: Path) -> Callable[[str], tuple[Boot, ...]]:
    """``boots("lab/patched-6.1-ovmf-4g-chain.log")``: every boot of that sample, in order
    (numbered as ``FILE#N``), read by the project parser."""

    def get(rel: str) -> tuple[Boot, ...]:
        return _boots(samples / rel)

    return get
