"""Load the Lark grammars of grammars/ (shipped inside the package as e820scope/grammars).

An installed e820scope reads them from the package (``importlib.resources``); a source
checkout run with ``PYTHONPATH=src`` falls back to the repository's grammars/ folder.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from lark import Lark


def grammar_dir() -> Path:
    """Where the ``.lark`` files are: inside the installed package, else the checkout."""
    packaged = resources.files("e820scope") / "grammars"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "grammars"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("e820scope grammars not found: reinstall the package (pip install .)")


def grammar_text(name: str) -> str:
    """The source of ``grammars/<name>.lark``."""
    return (grammar_dir() / f"{name}.lark").read_text(encoding="utf-8")


@functools.cache
def lalr_parser(name: str, start: str = "start") -> Lark:
    """A cached LALR parser for ``grammars/<name>.lark`` with line positions."""
    return Lark(
        grammar_text(name),
        parser="lalr",
        start=start,
        propagate_positions=True,
        maybe_placeholders=False,
        import_paths=[str(grammar_dir())],
    )
