"""The docstring examples of the report helpers run as tests."""

from __future__ import annotations

import doctest

from hypothesis import given
from hypothesis import strategies as st

from e820scope.analysis import units
from e820scope.render import text_tables


def test_units_doctests() -> None:
    result = doctest.testmod(units)
    assert result.attempted > 0 and result.failed == 0


@given(st.integers(min_value=0, max_value=1 << 62))
def test_spill_below_10_is_the_text_tables_format(n: int) -> None:
    """``render.text_tables.human_size`` (the parse tables' format) is one parameter set."""
    assert units.human_size(n, spill_below=10) == text_tables.human_size(n)


@given(st.integers(min_value=0, max_value=1 << 52))
def test_plot_format_is_one_decimal_up_to_gib(n: int) -> None:
    """The plot labels: always one decimal, never TiB (independent formula)."""
    got = units.human_size(n, largest="GiB", always_decimal=True)
    for name, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            assert got == f"{n / (1 << shift):.1f} {name}"
            break
    else:
        assert got == f"{n} B"
