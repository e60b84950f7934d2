"""plot: the figure's data model, checked against the real chain, and the files written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from e820scope.analysis.chain_input import load_boots
from e820scope.analysis.growth import (
    Assumptions,
    Generation,
    generations,
    infer_mechanism,
)
from e820scope.analysis.predict import Prediction, predict
from e820scope.errors import InputError
from e820scope.model.records import usable_bytes
from e820scope.render.plot import (
    GiB,
    MiB,
    build_figure,
    colour_of,
    figure_data,
    render,
    segments_for,
    to_x,
)

from . import oracles
from .conftest import PATCHED


@pytest.fixture(scope="module")
def pred(patched_gens: list[Generation]) -> Prediction:
    gens = patched_gens[:3]
    return predict(gens, infer_mechanism(gens, Assumptions()))


def test_entry_panel_data(pred: Prediction, samples: Path) -> None:
    data = figure_data(pred)
    received_obs, received_pred, handoff_obs, handoff_pred = data.entry_series
    real = oracles.bios_lines(samples, PATCHED)
    assert received_obs.observed and received_obs.points == tuple(
        (g, real[g - 1]) for g in (1, 2, 3)
    )
    assert not received_pred.observed
    assert received_pred.points[0] == (3, 20)  # continues from the last point seen
    # predicted received counts equal the real chain's for every later generation
    for g, n in received_pred.points:
        assert n == real[g - 1] if g <= len(real) else n == 128
    assert handoff_obs.points == ((1, 18), (2, 20), (3, 22))
    assert max(n for _, n in handoff_pred.points) == 130
    assert data.cap == 128
    assert data.crossing == (57, 130)
    assert data.truncated_generation == 58


def test_usable_panel_data(pred: Prediction, patched_gens: list[Generation]) -> None:
    data = figure_data(pred)
    obs, fut = data.usable_series
    assert obs.points == tuple((g.number, usable_bytes(g.received, None)) for g in patched_gens[:3])
    real = {g.number: usable_bytes(g.received, None) for g in patched_gens}
    assert all(real[g] == v for g, v in fut.points)
    assert (58, 1 * GiB) in data.losses
    assert data.death == 64


def test_map_lanes(pred: Prediction) -> None:
    data = figure_data(pred)
    gens = [lane.generation for lane in data.lanes]
    assert gens[0] == 1 and {3, 57, 58, 64} <= set(gens)
    assert gens == sorted(gens) and len(gens) <= 10
    lane3 = data.lanes[gens.index(3)]
    splits = [r for r in lane3.ranges if r.split]
    assert [(r.start, r.end - r.start, r.type) for r in splits] == [(0x951E0, 0x70, 128)]
    assert splits[0].colour == colour_of(128)
    lane58 = data.lanes[gens.index(58)]
    dropped = [(r.start, r.end, r.type) for r in lane58.ranges if r.dropped]
    assert dropped == [(0xFFC00000, 0x100000000, 2), (0x100000000, 0x140000000, 1)]
    assert all(r.colour == colour_of(r.type) for lane in data.lanes for r in lane.ranges)
    assert [(s.lo, s.hi) for s in data.segments] == [
        (0, MiB),
        (MiB, 4 * GiB),
        (4 * GiB, 8 * GiB),
    ]


def test_segments_reach_past_a_tebibyte() -> None:
    segs = segments_for(3 << 40)
    assert segs[-1].hi >= 3 << 40 and len(segs) == 3
    assert to_x(1 << 40, segs) < to_x(2 << 40, segs) < 3.0


@given(st.integers(min_value=0, max_value=(1 << 42) - 2))
def test_axis_is_monotonic(a: int) -> None:
    segs = segments_for(1 << 42)
    assert to_x(a, segs) <= to_x(a + 1, segs)


def test_figure_artists_carry_the_data(pred: Prediction) -> None:
    data = figure_data(pred)
    fig = build_figure(data)
    ax_a, ax_b, ax_c = fig.axes[:3]
    cap = [ln for ln in ax_a.get_lines() if str(ln.get_label()).startswith("zeropage cap")]
    assert len(cap) == 1 and list(cap[0].get_ydata()) == [128, 128]
    obs = [ln for ln in ax_a.get_lines() if ln.get_label() == data.entry_series[0].label]
    assert list(obs[0].get_ydata()) == [16, 18, 20]
    assert "gen 57" in " ".join(t.get_text() for t in ax_a.texts)
    assert any("-1.0 GiB" in t.get_text() for t in ax_b.texts)
    assert len(ax_c.patches) >= sum(len(lane.ranges) for lane in data.lanes)
    assert ax_c.get_title().startswith("(c) physical address map")
    assert "4 GiB" in [t.get_text() for t in ax_c.get_xticklabels()]


def test_render_formats(samples: Path, tmp_path: Path) -> None:
    """SVG and PDF of a small chain (PNG is written by the CLI test)."""
    gens = generations(load_boots([str(samples / "lab" / "stock-6.1-seabios-6g-chain.log")]))
    data = figure_data(predict(gens, infer_mechanism(gens, Assumptions())), "t")
    assert data.crossing is None and data.truncated_generation is None
    svg = render(data, tmp_path / "f.svg").read_bytes()
    pdf = render(data, tmp_path / "f.pdf").read_bytes()
    assert b"<svg" in svg[:400] and pdf.startswith(b"%PDF")


def test_render_rejects_unknown_format(pred: Prediction, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unsupported"):
        render(figure_data(pred), tmp_path / "f.jpg")
