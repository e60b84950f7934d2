"""Figures of a kexec chain's e820 growth (matplotlib, headless Agg, object-oriented API).

:func:`figure_data` builds the data model (what tests assert on); the ``draw_*`` helpers
take an ``Axes`` and that model and return the artists they added; :func:`render`
assembles the three panels and writes PNG/SVG/PDF. ``pyplot`` is never used.

Panels: (a) e820 entries per generation (received map and hand-off need) with the
128-entry zeropage cap; (b) usable RAM per generation; (c) an address-space map, one lane
per selected generation (:mod:`.plot_map`); (d) each loss of usable RAM on its own linear
scale (:mod:`.plot_zoom`). Only what is drawn is in a legend. SVG text stays text.
"""

from __future__ import annotations

import io
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

from ..analysis.predict import Prediction
from ..analysis.units import human_size
from ..kernel.policy import E820_MAX_ENTRIES_ZEROPAGE
from .plot_map import (
    DROPPED_COLOUR,
    GiB,
    Lane,
    MiB,
    Segment,
    colour_of,
    draw_map,
    lanes_for,
    segments_for,
    to_x,
)
from .plot_zoom import Zoom, draw_zooms, zooms_for

#: the figure's public names, those of its panels' modules included
__all__ = [
    "FigureData",
    "GiB",
    "MiB",
    "Series",
    "build_figure",
    "colour_of",
    "draw_counts",
    "draw_map",
    "draw_usable",
    "figure_data",
    "render",
    "render_svg",
    "segments_for",
    "to_x",
]


@dataclass(frozen=True)
class Series:
    """Points ``(generation, value)``; ``observed`` False for the model's continuation."""

    label: str
    points: tuple[tuple[int, int], ...]
    observed: bool


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
    zooms: tuple[Zoom, ...] = ()  #: panel (d), :mod:`.plot_zoom`


def figure_data(pred: Prediction, title: str = "", max_lanes: int = 10) -> FigureData:
    """The data behind every panel, from a prediction (observed + predicted generations)."""
    obs = [s for s in pred.states if s.observed]
    fut = [s for s in pred.states if not s.observed]
    bridge = obs[-1:]  # predicted lines start from the last observed point

    def pts(states: Sequence[object], attr: str) -> tuple[tuple[int, int], ...]:
        return tuple((s.generation, int(getattr(s, attr))) for s in states)  # type: ignore[attr-defined]

    if not fut:  # nothing predicted: no predicted series (the legend lists only what is drawn)
        bridge = []
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
    lanes = lanes_for(pred, max_lanes)
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
        zooms=zooms_for(pred),
    )


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


def _plot_size(n: int) -> str:
    """Plot labels: bytes with one decimal, in GiB at most."""
    return human_size(n, largest="GiB", always_decimal=True)


def build_figure(data: FigureData) -> Figure:
    nz = len(data.zooms)
    fig = Figure(figsize=(12, 13 + 0.9 * nz), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(3 + nz, 1, height_ratios=[1, 1, 1.3] + [0.22] * nz)
    draw_counts(axes[0], data)
    draw_usable(axes[1], data)
    draw_map(axes[2], data.lanes, data.segments)
    draw_zooms(axes[3:], data.zooms, colour_of, DROPPED_COLOUR)
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
        if fmt != "svg":
            fig.savefig(target, format=fmt, dpi=110, metadata=_METADATA[fmt])
            return
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=110, metadata=_METADATA[fmt])
    svg = _stable_ids(buf.getvalue().decode("utf-8")).encode("utf-8")
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(svg)
    else:
        target.write(svg)


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


#: matplotlib's SVG ids: a letter and 10 hex digits of a salted hash of what they name,
#: which for a clip path includes a transform's repr (and so, at times, an address)
_SVG_ID = re.compile(r"\b([a-z])([0-9a-f]{10})\b")


def _stable_ids(svg: str) -> str:
    """``svg`` with every matplotlib id renumbered in order of first appearance (``p0``,
    ``p1``, ``m0``...), so that the same figure gives the same bytes in any process."""
    names: dict[str, str] = {}
    counts: dict[str, int] = {}

    def rename(m: re.Match[str]) -> str:
        old = m.group(0)
        if old not in names:
            k = counts.get(m.group(1), 0)
            counts[m.group(1)] = k + 1
            names[old] = f"{m.group(1)}{k}"
        return names[old]

    ids = set(re.findall(r'\sid="([a-z][0-9a-f]{10})"', svg))
    return _SVG_ID.sub(lambda m: rename(m) if m.group(0) in ids else m.group(0), svg)
