"""Fixtures for the diff/timeline/hidden-128 tests: boots read from the real samples."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from e820scope.model.records import Boot

from .minilog import read_boots


@functools.cache
def _boots(path: Path) -> tuple[Boot, ...]:
    return tuple(read_boots(path))


@pytest.fixture(scope="session")
def boots(samples: Path) -> Callable[[str], tuple[Boot, ...]]:
    """``boots("lab/patched-6.1-ovmf-4g-chain.log")``: every boot of that sample, in order."""

    def get(rel: str) -> tuple[Boot, ...]:
        return _boots(samples / rel)

    return get
