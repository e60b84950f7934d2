"""The fleet scan: arguments -> hosts -> one row per host, on local cores or a cluster.

Two passes of tasks on the same runner (:mod:`.runner`): first the inputs whose host is
not named by a directory are identified (:func:`.identity.identify` reads only their
first bytes), then every host is analysed (:func:`.chain.analyse`: parse, rebuild the
chain, predict). A worker returns a small :class:`~.row.HostRow`, never boots, so the
client's memory does not grow with the inputs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .chain import analyse
from .identity import Identity, identify
from .inputs import Expanded, HostUnit, expand
from .progress import Progress
from .row import HostRow
from .runner import default_workers, run_dask, run_local

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ScanConfig:
    """``workers``: local processes (1: this process); ``dask``: a scheduler address
    (then ``workers`` is ignored); ``progress``: draw the bar (on a terminal)."""

    workers: int = 0
    dask: str | None = None
    progress: bool = True
    assume_kexec: bool = False

    def run(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        on_error: Callable[[T, BaseException], R],
    ) -> Iterator[R]:
        if self.dask:
            return run_dask(fn, items, on_error, self.dask)
        return run_local(fn, items, on_error, self.workers or default_workers())


def _identify_task(spec: str) -> tuple[str, Identity]:
    return spec, identify(spec)


def _unidentified(spec: str, exc: BaseException) -> tuple[str, Identity]:
    return spec, Identity(spec, f"input path (identification failed: {exc})")


def group(ex: Expanded, identities: Iterable[tuple[str, Identity]]) -> list[HostUnit]:
    """Hosts named by directories, plus the loose inputs grouped by identified host (in
    the order given); a loose input whose host a directory already names joins it."""
    by_host: dict[str, HostUnit] = {u.host: u for u in ex.hosts}
    found = dict(identities)
    for spec in ex.loose:
        ident = found[spec]
        u = by_host.get(ident.host)
        size = _file_size(spec)
        if u is None:
            by_host[ident.host] = HostUnit(ident.host, ident.how, (spec,), size)
        else:
            how = (
                u.identified_by
                if ident.how in u.identified_by
                else f"{u.identified_by}; {ident.how}"
            )
            by_host[ident.host] = HostUnit(u.host, how, (*u.specs, spec), u.size + size)
    return list(by_host.values())


def _file_size(spec: str) -> int:
    try:
        p = Path(spec)
        return p.stat().st_size if p.is_file() else 0
    except OSError:
        return 0


def _failed_row(unit: HostUnit, exc: BaseException) -> HostRow:
    return HostRow(
        unit.host,
        unit.identified_by,
        unit.specs,
        unit.size,
        error=f"the task failed on its worker: {type(exc).__name__}: {exc}",
    )


def _missing_rows(ex: Expanded) -> list[HostRow]:
    return [HostRow(arg, "command line", (arg,), error=why) for arg, why in ex.missing]


def scan(
    args: Iterable[str], list_files: Iterable[str] = (), config: ScanConfig | None = None
) -> Iterator[HostRow]:
    """One row per host (and per argument that named nothing), as hosts finish."""
    cfg = config or ScanConfig()
    ex = expand(args, list_files)
    yield from _missing_rows(ex)
    identities: list[tuple[str, Identity]] = []
    if ex.loose:
        sizes = {spec: _file_size(spec) for spec in ex.loose}
        bar = Progress(
            "identifying", len(ex.loose), len(ex.loose), sum(sizes.values()), enabled=cfg.progress
        )
        for item in cfg.run(_identify_task, ex.loose, _unidentified):
            identities.append(item)
            bar.advance(1, sizes[item[0]])
        bar.close()
    units = group(ex, identities)
    bar = Progress(
        "fleet",
        len(units),
        sum(len(u.specs) for u in units),
        sum(u.size for u in units),
        enabled=cfg.progress,
    )
    task = functools.partial(analyse, assume_kexec=cfg.assume_kexec)
    try:
        for row in cfg.run(task, units, _failed_row):
            row = _grouping_note(row)
            bar.advance(len(row.inputs), row.input_bytes)
            yield row
    finally:
        bar.close()


def _grouping_note(row: HostRow) -> HostRow:
    """Warn when inputs were put together only because their machine and kernel look
    alike (identical machines would be merged)."""
    if row.host.startswith("dmi-") and len(row.inputs) > 1:
        from dataclasses import replace

        note = (
            f"{len(row.inputs)} inputs grouped by DMI line and kernel banner only: logs of "
            "identical machines would be merged; give one directory per host"
        )
        return replace(row, warnings=(note, *row.warnings))
    return row
