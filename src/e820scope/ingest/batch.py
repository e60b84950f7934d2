"""What the line machine hands on for one chunk (:class:`Batch`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .lines import LogLine


@dataclass(slots=True)
class Batch:
    """One chunk's lines as the machine hands them on.

    ``ids`` and ``stamps`` have one value per physical line, the first numbered
    ``base``: the message id and the printk time (NaN: none). ``segments`` is, in line
    order, ``range(a, b)`` for the lines ``a <= i < b`` that yield nothing or exactly
    ``LogLine(path, base + i, body[ids[i]], stamps[i], False, truncated[ids[i]])`` when
    ``body[ids[i]]`` is not None, and a :class:`LogLine` for every other line that yields
    one. ``epoch`` changes whenever the message ids are renumbered.
    """

    path: str
    base: int
    ids: npt.NDArray[np.int32]
    stamps: npt.NDArray[np.float64]
    segments: list[range | LogLine]
    epoch: int
    #: per message id: its text (None: no line) and whether it was visibly cut short
    body: list[str | None]
    truncated: list[bool]
    #: per physical line read (``base`` .. ``base + len(bare) - 1``): a kernel line
    #: holding none of the caller's anchors (a ``grep`` output has none; see
    #: :mod:`e820scope.parse.coverage`), and how many the source had before ``base``
    bare: npt.NDArray[np.bool_] | None = None
    bare_before: int = 0
    #: per physical line: a printk time before a message that says something (a line
    #: that is only a time prefix, often where a paste was cut, is not one)
    said: npt.NDArray[np.bool_] | None = None
