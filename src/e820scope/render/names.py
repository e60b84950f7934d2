"""How every command names an input and a boot of it.

An input is named by what the user typed, except stdin (typed ``-``), which is
``<stdin>`` everywhere (the parser's ``file:line`` references say ``<stdin>:5``). Boot N
of an input is ``NAME#N``, the ``FILE#N`` spec that picks it out again.
"""

from __future__ import annotations

from collections.abc import Sequence

STDIN_NAME = "<stdin>"


def input_name(path: str) -> str:
    """``-`` -> ``<stdin>``; a path as given."""
    return STDIN_NAME if path == "-" else path


def inputs_text(specs: Sequence[str], *, short: bool = False) -> str:
    """The inputs named for people: ``a, b``; ``short``: ``first ... last`` beyond two."""
    names = [input_name(s) for s in specs]
    if short and len(names) > 2:
        return f"{names[0]} ... {names[-1]}"
    return ", ".join(names)


def boot_label(path: str, index: int) -> str:
    """``FILE#N`` (``<stdin>#N`` for stdin) for boot ``index`` of input ``path``."""
    return f"{input_name(path)}#{index}"
