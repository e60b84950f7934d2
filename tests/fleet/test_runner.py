"""The runners keep at most a window of tasks in flight, whatever the number of items,
and turn a failing task into its error result (local pool and a real Dask cluster)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e820scope.fleet.runner import run_dask, run_local, window


class Counted:
    """An endless-looking supply of items that counts how many were taken."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.taken = 0

    def __iter__(self) -> Iterator[int]:
        for i in range(self.n):
            self.taken += 1
            yield -i


def _error(item: int, exc: BaseException) -> str:
    return f"error {item}: {type(exc).__name__}"


def _check_bounded(results: Iterator[object], items: Counted, limit: int) -> list[object]:
    out = []
    for r in results:
        out.append(r)
        # items taken but not yet given back: in flight (plus the one just refilled)
        assert items.taken - len(out) <= limit, (items.taken, len(out))
    return out


def test_local_pool_is_bounded_and_complete() -> None:
    items = Counted(200)
    out = _check_bounded(run_local(abs, items, _error, 2), items, window(2))
    assert sorted(out) == list(range(200))


def test_a_failing_task_is_its_error_row() -> None:
    out = list(run_local(divmod, [1, 2], _error, 2))  # divmod(1): TypeError
    assert sorted(map(str, out)) == ["error 1: TypeError", "error 2: TypeError"]


def test_dask_is_bounded_and_complete() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        items = Counted(120)
        out = _check_bounded(
            run_dask(abs, items, _error, cluster.scheduler_address), items, window(2)
        )
        bad = list(run_dask(divmod, [3], _error, cluster.scheduler_address))
    assert sorted(out) == list(range(120))
    assert bad == ["error 3: TypeError"]
