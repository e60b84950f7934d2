"""Run one function over many items: in this process, on a local process pool, or on a
Dask distributed cluster; results come back as they finish, in any order.

Memory on the client stays bounded: at most :func:`window` items are in flight at
once (the next is submitted when one finishes), and each result is handed on and
dropped (with Dask, its future is released) before the next is awaited. A task that
fails (a worker killed, an exception) becomes ``on_error(item, exc)``'s result: one
item never ends the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from ..errors import UnavailableError

T = TypeVar("T")
R = TypeVar("R")


#: seconds to wait for the Dask scheduler to answer
CONNECT_TIMEOUT = 30


def window(workers: int) -> int:
    """Items in flight at once: enough to keep every worker busy while results travel."""
    return max(4, 4 * workers)


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_serial(
    fn: Callable[[T], R], items: Iterable[T], on_error: Callable[[T, BaseException], R]
) -> Iterator[R]:
    """Every item in this process, in order."""
    for item in items:
        try:
            yield fn(item)
        except Exception as exc:
            yield on_error(item, exc)


def run_local(
    fn: Callable[[T], R],
    items: Iterable[T],
    on_error: Callable[[T, BaseException], R],
    workers: int,
) -> Iterator[R]:
    """Every item on a pool of ``workers`` processes (``1``: in this process)."""
    if workers <= 1:
        yield from run_serial(fn, items, on_error)
        return
    todo = iter(items)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        running: dict[Future[R], T] = {}

        def fill() -> None:
            while len(running) < window(workers):
                item = next(todo, _END)
                if item is _END:
                    return
                running[pool.submit(fn, item)] = item

        fill()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                item = running.pop(fut)
                exc = fut.exception()
                yield on_error(item, exc) if exc is not None else fut.result()
            fill()


_END: Any = object()


def run_dask(
    fn: Callable[[T], R],
    items: Iterable[T],
    on_error: Callable[[T, BaseException], R],
    address: str,
) -> Iterator[R]:
    """Every item as a task on the Dask distributed scheduler at ``address``
    (``tcp://host:8786``); results streamed back with ``as_completed``."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise UnavailableError(
            "--dask needs the Dask distributed package, which is not installed",
            hint="pip install 'e820scope[fleet]' (or: pip install distributed)",
        ) from exc

    try:
        client = Client(address, set_as_default=False, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise UnavailableError(
            f"--dask {address}: cannot reach the scheduler ({exc})",
            hint="check the address (tcp://HOST:8786) and that `dask scheduler` runs there",
        ) from exc
    with client:
        threads = sum(client.nthreads().values()) or 1  # type: ignore[no-untyped-call]
        todo = iter(items)
        owner: dict[object, T] = {}
        ac = as_completed(loop=client.loop)  # type: ignore[no-untyped-call]

        def submit_one() -> bool:
            item = next(todo, _END)
            if item is _END:
                return False
            fut = client.submit(fn, item, pure=False)
            owner[fut.key] = item
            ac.add(fut)  # type: ignore[no-untyped-call]
            return True

        for _ in range(window(threads)):
            if not submit_one():
                break
        for fut in ac:
            item = owner.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:
                result = on_error(item, exc)
            fut.release()
            del fut
            yield result
            submit_one()
