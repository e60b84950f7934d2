"""See the package docstring of e820scope."""

from __future__ import annotations
