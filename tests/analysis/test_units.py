"""The docstring examples of the report helpers run as tests."""

from __future__ import annotations

import doctest

from e820scope.analysis import units


def test_units_doctests() -> None:
    result = doctest.testmod(units)
    assert result.attempted > 0 and result.failed == 0
