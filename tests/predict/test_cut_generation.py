"""A chain whose last map is cut off in the log: predict leaves that generation out and
says so; timeline marks it and counts no loss (real lab chain, cut inside its last map)."""

from __future__ import annotations

from pathlib import Path

from e820scope.analysis.chains import predict_chains
from e820scope.analysis.growth import Assumptions
from e820scope.analysis.timeline import timeline_frame
from e820scope.parse import parse_input

CHAIN = Path(__file__).resolve().parents[2] / "samples" / "lab" / "stock-6.1-ovmf-6g-chain.log"


def _cut(tmp_path: Path, keep_entries: int) -> Path:
    """The chain up to ``keep_entries`` entries of its last BIOS-e820 map."""
    lines = CHAIN.read_bytes().splitlines(keepends=True)
    header = max(i for i, ln in enumerate(lines) if b"BIOS-provided physical RAM map" in ln)
    out = tmp_path / "cut.log"
    out.write_bytes(b"".join(lines[: header + 1 + keep_entries]))
    return out


def test_predict_leaves_out_the_cut_generation(tmp_path: Path) -> None:
    whole = predict_chains(
        [b for b in parse_input(str(CHAIN)).boots if b.firmware_map], Assumptions()
    )
    boots = [b for b in parse_input(str(_cut(tmp_path, 5))).boots if b.firmware_map]
    assert not boots[-1].firmware_map.complete  # type: ignore[union-attr]
    cut = predict_chains(boots, Assumptions())
    assert cut.prediction.last_seen == len(boots) - 1
    assert any(f"gen {len(boots)} " in n and "cut off" in n for n in cut.prediction.notes)
    assert not whole.prediction.notes
    assert cut.main.verdict == whole.main.verdict


def test_timeline_marks_the_cut_row_and_loses_nothing(tmp_path: Path) -> None:
    boots = [b for b in parse_input(str(_cut(tmp_path, 5))).boots if b.firmware_map]
    df = timeline_frame(boots)
    last = df.iloc[-1]
    assert any("not whole in the log" in w for w in last["warnings"])
    assert last["usable_lost_bytes"] == 0
    assert last["usable_delta_bytes"] == 0  # the entries past the cut are unknown, not lost
