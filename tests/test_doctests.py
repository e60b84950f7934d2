"""The examples in module docstrings are executed (insights-core's doctest habit)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "e820scope.model.types",
    "e820scope.model.kversion",
    "e820scope.parse.rules",
    "e820scope.parse.rules_mm",
    "e820scope.parse.rules_boot",
    "e820scope.ingest.scan",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
