"""Panel (c) of the chain figure: the physical address map, one lane per key generation.

Ranges are coloured by type on a segmented axis (0-1 MiB linear, 1 MiB-4 GiB and 4 GiB-top
logarithmic) so that sub-MiB splits and TiB maps both read. Small things stay visible: a
range is never drawn narrower than :data:`MIN_WIDTH` (other types than usable:
:data:`MIN_PIECE_WIDTH`, drawn on top of usable; a dropped range: :data:`MIN_DROPPED_WIDTH`,
with its size written beside it), and the legend lists only what is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..analysis.predict import Prediction
from ..analysis.units import human_size
from ..model.types import short_name

MiB = 1 << 20
GiB = 1 << 30

#: Colour per e820 type (colour-blind-friendly Okabe-Ito hues where possible).
TYPE_COLOURS: dict[int, str] = {
    1: "#009E73",  # usable
    128: "#E69F00",  # reserved-kern (carried setup_data)
    2: "#999999",  # reserved
    3: "#56B4E9",  # ACPI data
    4: "#0072B2",  # ACPI NVS
    5: "#D55E00",  # unusable
    7: "#CC79A7",  # persistent
    12: "#CC79A7",
    0xEFFFFFFF: "#F0E442",  # soft reserved
}
OTHER_COLOUR = "#000000"
DROPPED_COLOUR = "#D55E00"
#: the marker of a generation's own setup_data blob (not a type colour)
SPLIT_COLOUR = "#000000"
#: narrowest drawn range on the 3-segment axis: usable, another type, a dropped range
MIN_WIDTH = 0.002
MIN_PIECE_WIDTH = 0.004
MIN_DROPPED_WIDTH = 0.0125


def colour_of(type_code: int) -> str:
    return TYPE_COLOURS.get(type_code, OTHER_COLOUR)


@dataclass(frozen=True)
class LaneRange:
    start: int
    end: int  #: exclusive
    type: int
    colour: str
    dropped: bool = False  #: lost at this generation's arrival (drawn hatched)
    split: bool = False  #: a setup_data blob this generation reserved


@dataclass(frozen=True)
class Lane:
    generation: int
    observed: bool
    label: str
    ranges: tuple[LaneRange, ...]


@dataclass(frozen=True)
class Segment:
    """One piece of the broken address axis: ``[lo, hi)`` drawn in ``[x0, x0 + 1)``."""

    lo: int
    hi: int
    x0: float
    log: bool


def lanes_for(pred: Prediction, max_lanes: int = 10) -> tuple[Lane, ...]:
    obs = [s.generation for s in pred.states if s.observed]
    key: list[int] = [obs[0], obs[-1]]
    if pred.first_overflow is not None:
        key.append(pred.first_overflow)
    key.extend(x.generation for x in pred.losses if x.usable_lost > 0)
    if pred.first_truncated is not None:
        key.append(pred.first_truncated)
    if pred.death is not None:
        key.append(pred.death)
    if not pred.losses:
        key.append(pred.states[-1].generation)
    chosen = sorted(dict.fromkeys(key))
    # keep the first, the last seen, the crossing and the first truncation first
    must = {obs[0], obs[-1], pred.first_overflow, pred.first_truncated, pred.death}
    while len(chosen) > max_lanes:
        drop = next((g for g in reversed(chosen) if g not in must), chosen[-2])
        chosen.remove(drop)
    lanes = []
    for g in chosen:
        s = pred.state(g)
        blob_keys = {(b.addr, b.size) for b in s.blobs}
        own = s.kexec_table if s.blobs else s.received
        ranges = [
            LaneRange(e.addr, e.end, e.type, colour_of(e.type), split=(e.addr, e.size) in blob_keys)
            for e in own
        ]
        ranges.extend(
            LaneRange(e.addr, e.end, e.type, colour_of(e.type), dropped=True) for e in s.dropped
        )
        tag = "seen" if s.observed else "predicted"
        label = f"gen {g} ({tag}): {len(s.received)} entries, {s.usable / MiB:.2f} MiB usable"
        lanes.append(Lane(g, s.observed, label, tuple(ranges)))
    return tuple(lanes)


def segments_for(top: int) -> tuple[Segment, ...]:
    """Axis segments: 0-1 MiB linear, 1 MiB-4 GiB log, 4 GiB-top log (if RAM is there)."""
    segs = [Segment(0, MiB, 0.0, False), Segment(MiB, 4 * GiB, 1.0, True)]
    if top > 4 * GiB:
        hi = 1 << max(33, math.ceil(math.log2(top)))
        segs.append(Segment(4 * GiB, hi, 2.0, True))
    return tuple(segs)


def to_x(addr: int, segments: Sequence[Segment]) -> float:
    """Axis position of ``addr`` on the broken axis (segment k spans [k, k + 1))."""
    for seg in segments:
        if addr < seg.hi:
            a = max(addr, seg.lo)
            if seg.log:
                return seg.x0 + math.log(a / seg.lo) / math.log(seg.hi / seg.lo)
            return seg.x0 + (a - seg.lo) / (seg.hi - seg.lo)
    return segments[-1].x0 + 1.0


def _addr_label(a: int) -> str:
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if a >= 1 << shift and a % (1 << shift) == 0:
            return f"{a >> shift} {unit}"
    return "0" if a == 0 else f"{a:#x}"


def draw_map(ax: Axes, lanes: Sequence[Lane], segs: Sequence[Segment]) -> list[Artist]:
    """Panel (c): one lane per generation on the segmented address axis."""
    arts: list[Artist] = []
    n = len(lanes)
    for row, lane in enumerate(lanes):
        arts.extend(_draw_lane(ax, lane, n - 1 - row, segs))
    arts.extend(_draw_axis(ax, segs))
    ax.set_yticks(range(n))
    ax.set_yticklabels([lane.label for lane in reversed(lanes)], fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    scales = ["0-1 MiB linear", "1 MiB-4 GiB log"] + (["4 GiB+ log"] if len(segs) > 2 else [])
    ax.set_title("(c) physical address map per generation (axis broken: " + ", ".join(scales) + ")")
    ax.set_xlabel("physical address")
    arts.append(
        ax.legend(handles=_legend(lanes), fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    )
    return arts


def _draw_lane(ax: Axes, lane: Lane, y: int, segs: Sequence[Segment]) -> list[Artist]:
    """One generation's ranges at height ``y``, and how much its kernel dropped."""
    arts: list[Artist] = []
    # usable first, then the other types on top (a 112-byte type-128 piece inside a
    # usable range stays visible), the dropped ranges last
    order = sorted(lane.ranges, key=lambda r: (r.dropped, r.type != 1))
    for r in order:
        x0, x1 = to_x(r.start, segs), to_x(r.end, segs)
        if r.dropped:
            w = max(x1 - x0, MIN_DROPPED_WIDTH)
            rect = Rectangle(
                (x0, y - 0.4),
                w,
                0.8,
                facecolor="none",
                edgecolor=DROPPED_COLOUR,
                hatch="xxx",
                lw=0.8,
            )
        else:
            w = max(x1 - x0, MIN_WIDTH if r.type == 1 else MIN_PIECE_WIDTH)
            rect = Rectangle((x0, y - 0.3), w, 0.6, facecolor=r.colour, lw=0)
        arts.append(ax.add_patch(rect))
        if r.split:
            arts.extend(ax.plot([x0], [y + 0.42], marker="v", color=SPLIT_COLOUR, ms=6))
    lost = [r for r in lane.ranges if r.dropped]
    if lost:
        x = max(
            to_x(r.start, segs) + max(to_x(r.end, segs) - to_x(r.start, segs), MIN_DROPPED_WIDTH)
            for r in lost
        )
        size = sum(r.end - r.start for r in lost)
        arts.append(
            ax.annotate(
                f"dropped {human_size(size)}",
                xy=(x, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color=DROPPED_COLOUR,
            )
        )
    return arts


def _draw_axis(ax: Axes, segs: Sequence[Segment]) -> list[Artist]:
    """The broken address axis: a dashed line at each segment's start, address ticks."""
    arts: list[Artist] = []
    ticks, labels = [], []
    for seg in segs:
        arts.append(ax.axvline(seg.x0, color="black", lw=0.8, ls=(0, (2, 2))))
        marks = [seg.lo]
        if seg.log:
            a = seg.lo * 4
            while a < seg.hi:
                marks.append(a)
                a *= 4
        else:
            marks.append(seg.lo + (seg.hi - seg.lo) // 2)
        for a in marks:
            ticks.append(to_x(a, segs))
            labels.append(_addr_label(a))
    ticks.append(segs[-1].x0 + 1.0)
    labels.append(_addr_label(segs[-1].hi))
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=7)
    ax.set_xlim(0, segs[-1].x0 + 1.0)
    return arts


def _legend(lanes: Sequence[Lane]) -> list[Artist]:
    """One patch per type drawn, the dropped hatch and the split marker when drawn."""
    used = sorted({r.type for lane in lanes for r in lane.ranges})
    handles: list[Artist] = [Patch(facecolor=colour_of(t), label=short_name(t)) for t in used]
    if any(r.dropped for lane in lanes for r in lane.ranges):
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=DROPPED_COLOUR,
                hatch="xxx",
                label="dropped at the 128 cap (at least 1/80 of a segment wide)",
            )
        )
    if any(r.split for lane in lanes for r in lane.ranges):
        handles.append(
            Line2D(
                [],
                [],
                marker="v",
                ls="",
                color=SPLIT_COLOUR,
                label="new setup_data split (the gen's own blob)",
            )
        )
    return handles
