"""Panel (d) of the chain figure: each loss of usable RAM drawn to its own scale.

On the whole address axis of panel (c) a 7 MiB loss next to 3 GiB of RAM is a hairline.
Here every generation that lost usable RAM gets its own lane with a linear axis spanning
just the dropped ranges (plus a margin): the entries it received around them, the ranges
it lost (hatched, in the colour of their type), and each lost range's exact address and
size written beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from ..analysis.predict import Prediction
from ..analysis.units import exact_and_human
from ..model.types import short_name

#: Most generations zoomed on (the first losses; later ones repeat the story).
MAX_ZOOMS = 6


@dataclass(frozen=True)
class ZoomRange:
    start: int
    end: int  #: exclusive
    type: int
    dropped: bool


@dataclass(frozen=True)
class Zoom:
    """One generation's loss: the window ``[lo, hi)`` and the ranges in it."""

    generation: int
    observed: bool
    lo: int
    hi: int
    usable_lost: int
    ranges: tuple[ZoomRange, ...]

    @property
    def label(self) -> str:
        tag = "seen" if self.observed else "predicted"
        return f"gen {self.generation} ({tag}): -{exact_and_human(self.usable_lost)} usable"


def zooms_for(pred: Prediction, limit: int = MAX_ZOOMS) -> tuple[Zoom, ...]:
    """A zoom per generation that lost usable RAM, the first ``limit`` of them."""
    out: list[Zoom] = []
    for loss in pred.losses:
        if loss.usable_lost <= 0 or not loss.dropped:
            continue
        s = pred.state(loss.generation)
        lo = min(e.addr for e in loss.dropped)
        hi = max(e.end for e in loss.dropped)
        pad = max((hi - lo) // 8, 0x1000)
        lo, hi = max(0, lo - pad), hi + pad
        kept = [
            ZoomRange(max(e.addr, lo), min(e.end, hi), e.type, False)
            for e in s.received
            if e.addr < hi and e.end > lo
        ]
        lost = [ZoomRange(e.addr, e.end, e.type, True) for e in loss.dropped]
        out.append(Zoom(loss.generation, s.observed, lo, hi, loss.usable_lost, (*kept, *lost)))
        if len(out) == limit:
            break
    return tuple(out)


def _ticks(lo: int, hi: int) -> list[int]:
    step = (hi - lo) / 3
    return [int(lo + k * step) & ~0xFFF for k in range(4)]


ColourOf = Callable[[int], str]


def draw_zoom(ax: Axes, zoom: Zoom, colour_of: ColourOf, dropped_colour: str) -> list[Artist]:
    """One zoom lane on ``ax`` (linear axis ``[lo, hi)``); ``colour_of`` maps a type to its
    colour (the figure's :func:`~e820scope.render.plot.colour_of`)."""
    arts: list[Artist] = []
    for r in sorted(zoom.ranges, key=lambda r: r.dropped):
        colour = colour_of(r.type)
        if r.dropped:
            rect = Rectangle(
                (r.start, 0.05),
                r.end - r.start,
                0.9,
                facecolor=colour,
                alpha=0.35,
                edgecolor=dropped_colour,
                hatch="xx",
                lw=1.0,
            )
        else:
            rect = Rectangle((r.start, 0.2), r.end - r.start, 0.6, facecolor=colour, lw=0)
        arts.append(ax.add_patch(rect))
    lost = sorted((r for r in zoom.ranges if r.dropped), key=lambda r: r.start)
    for k, r in enumerate(lost):
        mid = max(r.start, zoom.lo) / 2 + min(r.end, zoom.hi) / 2
        text = (
            f"lost {short_name(r.type)} {r.start:#x}-{r.end - 1:#x} "
            f"({exact_and_human(r.end - r.start)})"
        )
        arts.append(
            ax.annotate(
                text,
                xy=(mid, 0.95),
                xytext=(0, 4 + 11 * (k % 2)),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color=dropped_colour,
            )
        )
    ax.set_xlim(zoom.lo, zoom.hi)
    ax.set_ylim(0, 1.6)
    ax.set_yticks([])
    ticks = _ticks(zoom.lo, zoom.hi)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:#x}" for t in ticks], fontsize=7)
    ax.set_ylabel(zoom.label, rotation=0, ha="right", va="center", fontsize=8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return arts


def draw_zooms(
    axes: Sequence[Axes], zooms: Sequence[Zoom], colour_of: ColourOf, dropped: str
) -> None:
    """Panel (d): one lane per zoom; the first lane carries the panel title."""
    for ax, z in zip(axes, zooms, strict=True):
        draw_zoom(ax, z, colour_of, dropped)
    if len(axes):
        axes[0].set_title(
            "(d) each loss of usable RAM to its own scale (linear; hatched: dropped at the "
            "128 cap)",
            pad=22,
        )
