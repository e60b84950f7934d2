"""The parser's reference reading: every line through ``_Splitter._line``, entries built
by the pure-Python builder. Tests compare the fast batch reading with it."""

from __future__ import annotations

import pytest

from e820scope.parse import api, builder, finish


class NoPlain(dict[str, str]):
    """A ``_PLAIN`` table that never holds anything: every line is read on its own."""

    def __setitem__(self, key: str, value: str) -> None:
        pass


def use_reference_reading(m: pytest.MonkeyPatch) -> None:
    """Within ``m``'s context: no batch reading of plain runs, no C entry builder, no C
    table bounds in ``finish()``."""
    m.setattr(api, "_PLAIN", NoPlain())
    m.setattr(builder, "_records", None)
    m.setattr(finish, "_records", None)
