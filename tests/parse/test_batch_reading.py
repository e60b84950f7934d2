"""The splitter's batch reading gives exactly the boots of its line-by-line reading.

:meth:`_Splitter.run` reads runs of plain lines (entries continuing the open block,
lines that say nothing, lines that only go to ``BootBuilder.add``) a run at a time, and
builds their E820Entry records with the C accelerator when it is built. The reference is
the same splitter with every line sent through ``_Splitter._line`` one by one (empty
``_PLAIN`` table) and the pure-Python record builder. Boots are compared by ``repr``,
which (unlike ``==``) includes every entry's file:line.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pytest

from e820scope.ingest import LogLine, log_lines, open_inputs
from e820scope.parse import api, builder
from e820scope.parse.anchors import ANCHORS
from timeshift import shift_printk_times

from .reference import use_reference_reading

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "samples").glob("*/*.log")) + sorted((REPO / "samples").glob("*/*.log.xz"))


def _lines(path: Path) -> list[LogLine]:
    return [ln for src in open_inputs(str(path)) for ln in log_lines(src, anchors=ANCHORS)]


def _boots(lines: list[LogLine]) -> list[str]:
    sp = api._Splitter()
    return [repr(b) for b in chain(sp.run(lines), sp.close())]


def _reference(lines: list[LogLine], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as m:
        use_reference_reading(m)
        api._FACTS.clear()
        try:
            return _boots(lines)
        finally:
            api._FACTS.clear()
            api._PLAIN.clear()


def _shifted_chain(samples: Path, reps: int) -> bytes:
    """Repetitions of lab chains, every non-zero printk time moved per repetition."""
    blobs = [
        (samples / "lab" / n).read_bytes()
        for n in ("patched-6.1-ovmf-4g-chain.log", "stock-6.1-seabios-6g-chain.log")
    ]
    return b"".join(shift_printk_times(b, k * 7) for k in range(reps) for b in blobs)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_batch_equals_line_by_line(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _lines(path)
    assert _boots(lines) == _reference(lines, monkeypatch)


@pytest.mark.parametrize("batch", [1, 7, 64, 8192])
def test_batch_sizes_on_shifted_chains(
    batch: int, tmp_path: Path, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "chain.log"
    path.write_bytes(_shifted_chain(samples, 2))
    lines = _lines(path)
    want = _reference(lines, monkeypatch)
    monkeypatch.setattr(api, "_BATCH", batch)
    assert _boots(lines) == want
    one = sum(
        len(_boots(_lines(samples / "lab" / n)))
        for n in ("patched-6.1-ovmf-4g-chain.log", "stock-6.1-seabios-6g-chain.log")
    )
    assert len(want) == 2 * one


def test_clock_restart_inside_a_plain_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A boot whose printk clock goes back to 0 in the middle of plain lines (no banner,
    no kexec marker between): the batch reading must cut there as the line reading does."""
    text = [
        "[    0.000000] BIOS-provided physical RAM map:",
        "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
        "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable",
        "[    2.500000] smp: Brought up 1 node, 1 CPU",
        "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
        "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000003ffdffff] usable",
    ]
    lines = [
        LogLine(api.SourceRef("x.log", i + 1), t[15:], float(t[1:13])) for i, t in enumerate(text)
    ]
    want = _reference(lines, monkeypatch)
    assert len(want) == 2
    assert _boots(lines) == want


def _iter_facts(lines: list[LogLine]) -> Iterator[tuple[api.LineFact, LogLine]]:
    for ln in lines:
        fact = api._FACTS.get(ln.text) or api._read(ln.text, ln.ref)
        if fact.kind == "entry" and fact.type is not None:
            yield fact, ln


def test_compiled_entries_equal_python_twin(samples: Path) -> None:
    records = builder._records
    if records is None:
        pytest.skip("the _records accelerator is not built (pure Python in use)")
    pairs = list(_iter_facts(_lines(samples / "lab" / "patched-6.1-ovmf-4g-chain.log")))
    facts = [f for f, _ in pairs]
    lines = [ln for _, ln in pairs]
    got: list[builder.E820Entry] = []
    records.entries(
        builder.E820Entry, builder.SourceRef, builder.LineFact, facts, lines, 3, len(facts), got
    )
    want: list[builder.E820Entry] = []
    builder._make_entries_py(facts, lines, 3, len(facts), want)
    assert len(got) == len(facts) - 3 > 1000
    assert [repr(e) for e in got] == [repr(e) for e in want]
    assert all(type(e) is builder.E820Entry and type(e.ref) is builder.SourceRef for e in got)
    with pytest.raises(IndexError):
        records.entries(
            builder.E820Entry,
            builder.SourceRef,
            builder.LineFact,
            facts,
            lines,
            0,
            len(facts) + 1,
            [],
        )
    with pytest.raises(TypeError):
        records.entries(
            builder.E820Entry, builder.SourceRef, builder.LineFact, [object()], lines, 0, 1, []
        )
