"""The chain figure shows small things (issue 17): losses of a few MiB are visible and
labelled with exact sizes, colours and legends match what is drawn, SVG text is text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from e820scope.analysis.chain_input import load_boots
from e820scope.analysis.growth import Assumptions, generations, infer_mechanism
from e820scope.analysis.predict import Prediction, predict
from e820scope.render.plot import build_figure, colour_of, figure_data, render
from e820scope.render.plot_map import DROPPED_COLOUR, MIN_DROPPED_WIDTH, MIN_PIECE_WIDTH

from .conftest import PATCHED

MiB = 1 << 20


@pytest.fixture(scope="module")
def chain() -> Prediction:
    gens = generations(load_boots([str(PATCHED)]))
    return predict(gens, infer_mechanism(gens, Assumptions()))


def test_every_loss_gets_a_zoom_with_exact_sizes(chain: Prediction) -> None:
    data = figure_data(chain)
    got = [(z.generation, z.usable_lost) for z in data.zooms]
    # what the real chain lost, generation by generation (timeline: 1 GiB, 7128 KiB,
    # 9512 KiB, 14688232 bytes, then nearly all of it)
    assert got[:4] == [(58, 1 << 30), (60, 7128 << 10), (62, 9512 << 10), (63, 14688232)]
    z60 = data.zooms[1]
    lost = [r for r in z60.ranges if r.dropped]
    assert [(r.start, r.end) for r in lost] == [(0xBF77E000, 0xBF7FE000), (0xBF7FE000, 0xBFEF4000)]
    # the window spans the loss, so a 7 MiB range fills most of its lane
    assert (0xBFEF4000 - 0xBF7FE000) / (z60.hi - z60.lo) > 0.7
    assert z60.label == "gen 60 (seen): -7128 KiB usable"


def test_small_losses_are_visible_in_the_address_map(chain: Prediction) -> None:
    fig = build_figure(figure_data(chain))
    ax_c, zoom_axes = fig.axes[2], fig.axes[3:]
    dropped = [
        p for p in ax_c.patches if isinstance(p, Rectangle) and p.get_hatch() and p.get_width()
    ]
    assert dropped and min(p.get_width() for p in dropped) >= MIN_DROPPED_WIDTH
    labels = [t.get_text() for t in ax_c.texts]
    # all the bytes each generation lost at the cap, written beside the hatched ranges
    for size in ("1.0 GiB", "7.5 MiB", "10.3 MiB", "14.0 MiB"):
        assert f"dropped {size}" in labels, labels
    assert len(zoom_axes) == 5
    zoom_text = " ".join(t.get_text() for ax in zoom_axes for t in ax.texts)
    assert "lost usable 0xbf7fe000-0xbfef3fff (7128 KiB)" in zoom_text
    assert "(14648232 B ≈ 14.0 MiB)" in zoom_text


def test_colours_and_legend_match_what_is_drawn(chain: Prediction) -> None:
    data = figure_data(chain)
    fig = build_figure(data)
    ax_a, ax_b, ax_c = fig.axes[:3]
    # everything was observed: no predicted series in the legends
    for ax in (ax_a, ax_b):
        names = [t.get_text() for t in ax.get_legend().get_texts()]
        assert names and not any("predicted" in n for n in names), names
    # type patches: the legend colour of each type is the colour of its drawn ranges
    drawn = {
        p.get_facecolor()[:3]
        for p in ax_c.patches
        if isinstance(p, Rectangle) and not p.get_hatch() and p.get_width() > 0
    }
    legend = ax_c.get_legend()
    for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True):
        if isinstance(handle, Line2D):  # the split marker: a black triangle, not a type
            assert handle.get_marker() == "v" and "split" in text.get_text()
            continue
        if "dropped" in text.get_text():
            assert handle.get_edgecolor()[:3] == pytest.approx(_rgb(DROPPED_COLOUR))
            continue
        assert tuple(handle.get_facecolor()[:3]) in drawn, text.get_text()
    # type-128 pieces (112 bytes each) are drawn in their own colour, wide enough to see
    t128 = [
        p
        for p in ax_c.patches
        if isinstance(p, Rectangle)
        and tuple(p.get_facecolor()[:3]) == pytest.approx(_rgb(colour_of(128)))
    ]
    assert len(t128) >= 50 and min(p.get_width() for p in t128) >= MIN_PIECE_WIDTH
    assert all(p.get_linewidth() == 0 for p in t128)  # no white edge washing them out


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) / 255 for k in (0, 2, 4))
    return (r, g, b)


def test_svg_text_is_selectable_text(chain: Prediction, tmp_path: Path) -> None:
    out = render(figure_data(chain, "chain"), tmp_path / "chain.svg")
    svg = out.read_text(encoding="utf-8")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert (
        "(d) each loss of usable RAM to its own scale (linear; hatched: dropped at the 128 cap)"
        in texts
    )
    assert any(t.startswith("lost usable 0xbf7fe000") for t in texts)
    assert "<!-- DejaVu" not in svg  # no glyph outlines
    # the same figure gives the same bytes (no date, fixed ids)
    again = render(figure_data(chain, "chain"), tmp_path / "again.svg").read_text(encoding="utf-8")
    assert again == svg
