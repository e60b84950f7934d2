"""Figures of a kexec chain's e820 growth (matplotlib, headless Agg, object-oriented API).

:func:`figure_data` builds the data model (what tests assert on); the ``draw_*`` helpers
take an ``Axes`` and that model and return the artists they added; :func:`render`
assembles the three panels and writes PNG/SVG/PDF. ``pyplot`` is never used.

Panels: (a) e820 entries per generation (received map and hand-off need) with the
128-entry zeropage cap; (b) usable RAM per generation; (c) an address-space map, one lane
per selected generation, ranges coloured by type, on a segmented axis (0-1 MiB linear,
1 MiB-4 GiB and 4 GiB-top logarithmic) so that sub-MiB splits and TiB maps both read.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from ..analysis.predict import Prediction
from ..analysis.units import human_size
from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
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


@dataclass(frozen=True)
class Series:
    """Points ``(generation, value)``; ``observed`` False for the model's continuation."""

    label: str
    points: tuple[tuple[int, int], ...]
    observed: bool


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


@dataclass(frozen=True)
class FigureData:
    title: str
    entry_series: tuple[Series, ...]
    cap: int
    crossing: tuple[int, int] | None  #: (first generation whose hand-off > cap, its entries)
    truncated_generation: int | None
    usable_series: tuple[Series, ...]
    losses: tuple[tuple[int, int], ...]  #: (generation, usable bytes lost)
    death: int | None
    lanes: tuple[Lane, ...]
    segments: tuple[Segment, ...]


def colour_of(type_code: int) -> str:
    return TYPE_COLOURS.get(type_code, OTHER_COLOUR)


def figure_data(pred: Prediction, title: str = "", max_lanes: int = 10) -> FigureData:
    """The data behind every panel, from a prediction (observed + predicted generations)."""
    obs = [s for s in pred.states if s.observed]
    fut = [s for s in pred.states if not s.observed]
    bridge = obs[-1:]  # predicted lines start from the last observed point

    def pts(states: Sequence[object], attr: str) -> tuple[tuple[int, int], ...]:
        return tuple((s.generation, int(getattr(s, attr))) for s in states)  # type: ignore[attr-defined]

    received_obs = tuple((s.generation, len(s.received)) for s in obs)
    received_fut = tuple((s.generation, len(s.received)) for s in bridge + fut)
    entry_series = (
        Series("entries received (BIOS-e820), observed", received_obs, True),
        Series("entries received, predicted", received_fut, False),
        Series("hand-off needs (e820_table_kexec), observed", pts(obs, "handoff_entries"), True),
        Series("hand-off needs, predicted", pts(bridge + fut, "handoff_entries"), False),
    )
    usable_series = (
        Series("usable RAM, observed", pts(obs, "usable"), True),
        Series("usable RAM, predicted", pts(bridge + fut, "usable"), False),
    )
    crossing = None
    if pred.first_overflow is not None:
        crossing = (pred.first_overflow, pred.state(pred.first_overflow).handoff_entries)
    lanes = _lanes(pred, max_lanes)
    top = max((r.end for lane in lanes for r in lane.ranges), default=4 * GiB)
    return FigureData(
        title=title,
        entry_series=entry_series,
        cap=E820_MAX_ENTRIES_ZEROPAGE,
        crossing=crossing,
        truncated_generation=pred.first_truncated,
        usable_series=usable_series,
        losses=tuple((x.generation, x.usable_lost) for x in pred.losses),
        death=pred.death,
        lanes=lanes,
        segments=segments_for(top),
    )


def _lanes(pred: Prediction, max_lanes: int) -> tuple[Lane, ...]:
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
        label = f"gen {g} ({tag}): {len(s.received)} entries, {_plot_size(s.usable)} usable"
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


def draw_counts(ax: Axes, data: FigureData) -> list[Artist]:
    """Panel (a): entries per generation, the 128 cap and the crossing."""
    arts: list[Artist] = []
    styles = {
        0: ("o", "-", "#0072B2"),
        1: ("", "--", "#0072B2"),
        2: ("s", "-", "#E69F00"),
        3: ("", "--", "#E69F00"),
    }
    for i, s in enumerate(data.entry_series):
        if not s.points:
            continue
        marker, ls, colour = styles[i]
        xs, ys = zip(*s.points, strict=True)
        arts.extend(ax.plot(xs, ys, marker=marker, ls=ls, color=colour, ms=4, label=s.label))
    arts.append(
        ax.axhline(
            data.cap,
            color=DROPPED_COLOUR,
            lw=1.2,
            ls=":",
            label=f"zeropage cap: {data.cap} entries",
        )
    )
    if data.crossing is not None:
        g, n = data.crossing
        arts.append(
            ax.annotate(
                f"gen {g}: hand-off needs {n} > {data.cap}\n"
                f"gen {data.truncated_generation} receives a truncated map",
                xy=(g, n),
                xytext=(0.03, 0.80),
                textcoords="axes fraction",
                arrowprops={"arrowstyle": "->", "color": DROPPED_COLOUR},
                color=DROPPED_COLOUR,
                fontsize=9,
            )
        )
    _finish_panel(
        ax, "(a) e820 entries per kexec generation", "generation (1 = first boot given)", "entries"
    )
    ax.legend(fontsize=8, loc="lower right")
    return arts


def _finish_panel(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    """Title, axis labels and the light grid of a line panel."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def draw_usable(ax: Axes, data: FigureData) -> list[Artist]:
    """Panel (b): usable RAM per generation, losses marked."""
    arts: list[Artist] = []
    for s in data.usable_series:
        if not s.points:
            continue
        xs, ys = zip(*s.points, strict=True)
        arts.extend(
            ax.plot(
                xs,
                [y / GiB for y in ys],
                marker="o" if s.observed else "",
                ls="-" if s.observed else "--",
                color="#009E73",
                ms=4,
                label=s.label,
            )
        )
    lookup = {g: y for s in data.usable_series for g, y in s.points}
    real = [(g, lost) for g, lost in data.losses if lost > 0 and g in lookup]
    top = max(lookup.values(), default=1)
    for i, (g, lost) in enumerate(real):
        dy = -14 - 13 * i if lookup[g] > top / 4 else 14 + 13 * i
        # stagger the labels: losses come in consecutive generations
        arts.append(
            ax.annotate(
                f"gen {g}: -{_plot_size(lost)}",
                xy=(g, lookup[g] / GiB),
                xytext=(-150, dy),
                textcoords="offset points",
                fontsize=8,
                color=DROPPED_COLOUR,
                arrowprops={"arrowstyle": "-", "color": DROPPED_COLOUR, "lw": 0.5},
            )
        )
    if data.death is not None:
        arts.append(
            ax.axvline(
                data.death,
                color=DROPPED_COLOUR,
                lw=1,
                ls="--",
                label=f"gen {data.death}: too little RAM to boot",
            )
        )
    _finish_panel(ax, "(b) usable RAM the kernel receives (types 1 and 128)", "generation", "GiB")
    ax.legend(fontsize=8, loc="lower left")
    return arts


def draw_map(ax: Axes, data: FigureData) -> list[Artist]:
    """Panel (c): one lane per generation on the segmented address axis."""
    arts: list[Artist] = []
    segs = data.segments
    n = len(data.lanes)
    for row, lane in enumerate(data.lanes):
        y = n - 1 - row
        for r in lane.ranges:
            x0, x1 = to_x(r.start, segs), to_x(r.end, segs)
            w = max(x1 - x0, 0.002)
            if r.dropped:
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
                rect = Rectangle(
                    (x0, y - 0.3), w, 0.6, facecolor=r.colour, edgecolor="white", lw=0.3
                )
            arts.append(ax.add_patch(rect))
            if r.split:
                arts.extend(ax.plot([x0], [y + 0.42], marker="v", color=colour_of(128), ms=6))
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
    ax.set_yticks(range(n))
    ax.set_yticklabels([lane.label for lane in reversed(data.lanes)], fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    scales = ["0-1 MiB linear", "1 MiB-4 GiB log"] + (["4 GiB+ log"] if len(segs) > 2 else [])
    ax.set_title("(c) physical address map per generation (axis broken: " + ", ".join(scales) + ")")
    ax.set_xlabel("physical address")
    used = sorted({r.type for lane in data.lanes for r in lane.ranges})
    handles = [Patch(facecolor=colour_of(t), label=short_name(t)) for t in used]
    handles.append(
        Patch(
            facecolor="none", edgecolor=DROPPED_COLOUR, hatch="xxx", label="dropped at the 128 cap"
        )
    )
    handles.append(Patch(facecolor=colour_of(128), label="▼ new setup_data split"))
    arts.append(ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0)))
    return arts


def _plot_size(n: int) -> str:
    """Plot labels: bytes with one decimal, in GiB at most."""
    return human_size(n, largest="GiB", always_decimal=True)


def build_figure(data: FigureData) -> Figure:
    fig = Figure(figsize=(12, 13), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(3, 1, height_ratios=[1, 1, 1.3])
    draw_counts(axes[0], data)
    draw_usable(axes[1], data)
    draw_map(axes[2], data)
    if data.title:
        fig.suptitle(data.title, fontsize=12)
    return fig


#: No creation date in the files: the same figure gives the same bytes.
_METADATA: dict[str, dict[str, str | None]] = {
    "svg": {"Date": None},
    "pdf": {"CreationDate": None},
    "png": {},
}


def _save(data: FigureData, target: str | Path | IO[bytes], fmt: str) -> None:
    """Write ``fmt``; SVG keeps text as ``<text>`` elements (selectable, searchable) and
    its ids are salted with a constant (same bytes for the same figure)."""
    fig = build_figure(data)
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "e820scope"}):
        fig.savefig(target, format=fmt, dpi=110, metadata=_METADATA[fmt])


def render(data: FigureData, out: str | Path) -> Path:
    """Write the figure; the format follows the extension (.png, .svg, .pdf)."""
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        from ..errors import InputError

        raise InputError(f"{out}: unsupported figure format {fmt!r}", hint="use .png, .svg or .pdf")
    _save(data, path, fmt)
    return path


def render_svg(data: FigureData) -> str:
    """The figure as an ``<svg>`` element for inlining in HTML: real ``<text>``, no XML
    prolog, scaled by its ``viewBox`` (width 100%)."""
    buf = io.BytesIO()
    _save(data, buf, "svg")
    text = buf.getvalue().decode("utf-8")
    svg = text[text.index("<svg") :]
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    return head + ' width="100%" role="img"' + svg[head_end:]
