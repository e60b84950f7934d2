"""Remember the last few answers of a pure function of immutable objects, by identity.

The analyses ask the same question of the same boot several times (``timeline`` diffs
each boot with the one before and after it, models its kexec table and writes its row:
four readings of its hidden type-128 pieces). Frozen records cannot carry a computed
attribute, and hashing a table's entries costs about what the answer does, so the
answer is kept for the very objects it was asked of: the arguments are held (their
``id`` stays theirs) and compared with ``is``. Bounded: only the last ``size`` calls.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def recent_by_identity(size: int = 16) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: a function of positional arguments answers from the last ``size`` calls
    made with the same objects (``is``); keyword arguments are not memoised."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        recent: OrderedDict[tuple[int, ...], tuple[tuple[object, ...], R]] = OrderedDict()

        @functools.wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            if kwargs:
                return fn(*args, **kwargs)
            key = tuple(map(id, args))
            hit = recent.get(key)
            if hit is not None and all(a is b for a, b in zip(hit[0], args, strict=True)):
                recent.move_to_end(key)
                return hit[1]
            value = fn(*args, **kwargs)
            recent[key] = (args, value)
            if len(recent) > size:
                recent.popitem(last=False)
            return value

        return call

    return wrap
