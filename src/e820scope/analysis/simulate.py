"""Console logs of future kexec generations, printed as a chosen kernel era prints them.

Built on :func:`e820scope.analysis.predict.predict`: each predicted generation's
received map becomes its ``BIOS-provided physical RAM map`` block and, on kernels that
print it (<= 6.14), the map after its own setup_data reservations becomes the
``reserve setup_data`` block. Every log is marked synthetic in its ``Linux version``
line. Lines carry a ``[    0.000000]`` printk timestamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..kernel.printk import format_table
from ..model.kversion import KernelVersion
from ..model.types import Era
from .growth import split_for
from .predict import GenState, Prediction

SYNTHETIC_TAG = "e820scope-simulate@synthetic"


@dataclass(frozen=True)
class SimulatedLog:
    """One generation's log: ``number`` counts from 1 = the start boot."""

    number: int
    state: GenState
    lines: tuple[str, ...]

    @property
    def filename(self) -> str:
        return f"gen{self.number:02d}.log"

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render_generation(
    state: GenState,
    kver: KernelVersion,
    era: Era,
    *,
    number: int,
    total: int,
    source: str,
    kexec_next: bool,
) -> tuple[str, ...]:
    """The log lines of one generation (early e820 messages, then the kexec line)."""
    has_rk = kver.has_reserved_kern
    ts = "[    0.000000] "
    out = [
        f"{ts}Linux version {kver} ({SYNTHETIC_TAG}) #1 SMP SYNTHETIC generation {number} "
        f"of {total}, simulated from {source}",
        f"{ts}Command line: console=ttyS0 e820scope.synthetic=1 gen={number}",
    ]
    out.extend(
        ts + line
        for line in format_table(state.received, "BIOS-e820", era, has_reserved_kern=has_rk)
    )
    if state.blobs and has_rk:
        # e820__reserve_setup_data() prints the whole e820_table after reserving (<= 6.14)
        own = split_for(state.received, state.blobs)
        out.extend(
            ts + line
            for line in format_table(own, "reserve setup_data", era, has_reserved_kern=has_rk)
        )
    if kexec_next:
        out.append("[    5.000000] kexec_core: Starting new kernel")
    return tuple(out)


def simulate_logs(
    pred: Prediction,
    kver: KernelVersion,
    era: Era,
    generations: int,
    *,
    source: str,
) -> list[SimulatedLog]:
    """Logs for the last observed generation (gen01) and ``generations`` predicted ones."""
    start = pred.state(pred.last_seen)
    future = [s for s in pred.states if s.generation > pred.last_seen][:generations]
    chain: Sequence[GenState] = [start, *future]
    total = len(chain)
    logs = []
    for i, st in enumerate(chain, 1):
        lines = render_generation(
            st, kver, era, number=i, total=total, source=source, kexec_next=i < total
        )
        logs.append(SimulatedLog(i, st, lines))
    return logs
