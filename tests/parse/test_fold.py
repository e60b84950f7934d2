"""The C fold (``_speedups._linescan.Fold``) reads lines exactly as the parser does.

With the accelerator built, :class:`~e820scope.parse.api.BootStream` lets the C scanner
hand every cache hit to a Fold: entry lines of a table block, lines that say nothing,
and the lines whose only effect is one record are read in C (the parser's
``_Splitter.fold_block`` closes and opens the blocks); every other line goes to
``_Splitter.fold_slow`` (the reference reading, ``_Splitter._line``) in order.
The boots must be those of the reference reading (pure-Python container layer, every
line read on its own, pure record builder), compared by ``repr`` (every record's
file:line included), and the fold must really read most lines (else the equality
would prove nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import pytest

from e820scope._speedups import load
from e820scope.ingest import decompress, log_batches, open_inputs, reader
from e820scope.model.records import E820Entry, SourceRef
from e820scope.parse import api
from e820scope.parse.anchors import ANCHORS
from timeshift import shift_printk_times

from .reference import use_reference_reading

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "samples").glob("*/*.log")) + sorted((REPO / "samples").glob("*/*.log.xz"))
CHAINS = ("patched-6.1-ovmf-4g-chain.log", "stock-6.1-seabios-6g-chain.log")

linescan = load("_linescan")
pytestmark = pytest.mark.skipif(
    linescan is None, reason="the _linescan accelerator is not built: there is no fold"
)


#: per Fold made by _fold_boots, the "who" of each block() call
BLOCK_CALLS: dict[int, list[str | None]] = {}


def _fold_boots(path: Path, block: bool = True) -> tuple[list[str], list[Any]]:
    """The boots of ``path`` read through the fold, and the folds used (``block=False``:
    a Fold without the block() callable, which gives block lines to the parser whole;
    with it, the calls are counted in :data:`BLOCK_CALLS`)."""
    out: list[str] = []
    folds: list[Any] = []
    for src in open_inputs(str(path)):
        sp = api._Splitter()
        assert linescan is not None
        if block:
            calls: list[str | None] = []

            def fold_block(
                who: Any, ref: Any, pending: Any, sp: Any = sp, calls: Any = calls
            ) -> Any:
                calls.append(who)
                return sp.fold_block(who, ref, pending)

            fold = linescan.Fold(api._TAGS, sp.fold_slow, E820Entry, SourceRef, fold_block)
            BLOCK_CALLS[id(fold)] = calls
        else:
            fold = linescan.Fold(api._TAGS, sp.fold_slow, E820Entry, SourceRef)
        folds.append(fold)
        boots = sp.run_batches(log_batches(src, anchors=ANCHORS, fold=fold), fold)
        out.extend(repr(b) for b in chain(boots, sp.close()))
    return out, folds


def _reference(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as m:
        m.setenv("E820SCOPE_PURE", "1")
        use_reference_reading(m)
        out: list[str] = []
        for src in open_inputs(str(path)):
            sp = api._Splitter()
            boots = chain(sp.run_batches(log_batches(src, anchors=ANCHORS)), sp.close())
            out.extend(repr(b) for b in boots)
        return out


def _fresh_caches() -> None:
    for table in (api._FACTS, api._PLAIN, api._TAGS):
        table.clear()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(reader, "SNIFF_SIZE", 1)
    monkeypatch.setattr(decompress, "CHUNK_SIZE", 1500)
    yield


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_fold_reads_every_sample_as_the_reference(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh_caches()
    want = _reference(path, monkeypatch)
    got, _ = _fold_boots(path)
    assert got == want


def _shifted_chains(samples: Path, reps: int) -> bytes:
    blobs = [(samples / "lab" / n).read_bytes() for n in CHAINS]
    return b"".join(shift_printk_times(b, k * 7) for k in range(reps) for b in blobs)


@pytest.mark.parametrize("chunks", ["default", "small"])
def test_fold_reads_shifted_chains_and_reads_most_lines_itself(
    chunks: str, tmp_path: Path, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "chains.log"
    path.write_bytes(_shifted_chains(samples, 3))
    _fresh_caches()
    want = _reference(path, monkeypatch)
    if chunks == "small":
        monkeypatch.setattr(reader, "SNIFF_SIZE", 1)
        monkeypatch.setattr(decompress, "CHUNK_SIZE", 1500)
    got, folds = _fold_boots(path)
    assert got == want
    assert len(want) > 150
    (fold,) = folds
    # after the first repetition nearly every kernel line is read in C; the parser
    # still gets banners and kexec starts (and is asked to close and open blocks)
    assert fold.folded > 10 * fold.handed > 0
    # the same again without block(), with the parser's caches as warm as they were
    got, folds = _fold_boots(path, block=False)
    assert got == want
    (whole,) = folds
    # without block(), every line that opens or closes a block goes to the parser; with
    # it, each block() call spares exactly one such line (the Fold reads it after the
    # call, which it could not if block() left the parser's state otherwise), and so
    # does each block the Fold ends itself (closed later, through the pending writes)
    calls = BLOCK_CALLS[id(fold)]
    assert None not in calls and len(set(calls)) > 1
    assert fold.closed > 0 and whole.closed == 0
    assert whole.handed - fold.handed == len(calls) + fold.closed
    assert whole.handed > 2 * fold.handed
    assert whole.folded + whole.handed == fold.folded + fold.handed


def test_fold_with_a_cold_cache_gives_every_line_to_the_parser(tmp_path: Path) -> None:
    """Without tags the fold reads nothing itself: each line goes to slow(), in order."""
    path = tmp_path / "one.log"
    path.write_bytes(
        b"".join(
            b"[    0.000000] BIOS-e820: [mem 0x%016x-0x%016x] usable\n"
            % (i << 20, ((i + 1) << 20) - 1)
            for i in range(40)
        )
        * 2
    )
    seen: list[tuple[int, str]] = []

    def slow(line: Any, pending: Any) -> None:
        assert pending is None
        if line is not None:
            seen.append((line.line, line.text))

    assert linescan is not None
    fold = linescan.Fold({}, slow, E820Entry, SourceRef)
    (src,) = open_inputs(str(path))
    rest = [ln for batch in log_batches(src, anchors=ANCHORS, fold=fold) for ln in batch]
    numbers = [n for n, _ in seen] + [ln.line for ln in rest]
    assert numbers == list(range(1, 81))
    assert fold.folded == 0 and fold.handed == len(seen) > 0


@pytest.mark.parametrize(
    "answer",
    [(1, 2), ("BIOS-e820", [], set(), None, None, (), 0), ("x", (), set(), None, None, (), 0, 0)],
    ids=["short", "seven", "entries-not-a-list"],
)
def test_fold_refuses_a_malformed_state(answer: Any, tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(b"[    0.000000] BIOS-e820: [mem 0x0-0xfff] usable\n" * 200)
    assert linescan is not None
    text = "BIOS-e820: [mem 0x0-0xfff] usable"
    tags = {text: (0,)}
    fold = linescan.Fold(tags, lambda line, pending: answer, E820Entry, SourceRef)
    (src,) = open_inputs(str(path))
    with pytest.raises(TypeError, match="slow"):
        for _ in log_batches(src, anchors=ANCHORS, fold=fold):
            pass


def test_fold_asks_block_to_open_a_block_and_checks_its_answer(tmp_path: Path) -> None:
    """An entry with no block open: block(who, ref, pending) is asked to open one (with
    the line's SourceRef), and its answer is checked like slow()'s."""
    path = tmp_path / "a.log"
    path.write_bytes(b"[    0.000000] BIOS-e820: [mem 0x0-0xfff] usable\n" * 200)
    assert linescan is not None
    text = "BIOS-e820: [mem 0x0-0xfff] usable"
    tags = {text: (2, "BIOS-e820", 0, 0x1000, 1, "usable", None)}
    calls: list[tuple[Any, ...]] = []

    def slow(line: Any, pending: Any) -> Any:  # a boot is open, no block
        return (None, None, None, None, None, tuple([] for _ in range(8)), 0, object())

    def block(who: Any, ref: Any, pending: Any) -> Any:
        calls.append((who, ref, pending))
        return (1, 2)

    fold = linescan.Fold(tags, slow, E820Entry, SourceRef, block)
    (src,) = open_inputs(str(path))
    with pytest.raises(TypeError, match="slow"):
        for _ in log_batches(src, anchors=ANCHORS, fold=fold):
            pass
    assert len(calls) == 1
    who, ref, _ = calls[0]
    assert who == "BIOS-e820" and type(ref) is SourceRef and ref.path == str(path)


def test_fold_arguments_are_checked() -> None:
    assert linescan is not None
    with pytest.raises(TypeError):
        linescan.Fold([], print, E820Entry, SourceRef)
    with pytest.raises(TypeError):
        linescan.Fold({}, 42, E820Entry, SourceRef)
    with pytest.raises(TypeError, match="block"):
        linescan.Fold({}, print, E820Entry, SourceRef, 42)
    assert linescan.Fold({}, print, E820Entry, SourceRef, block=None).handed == 0
    with pytest.raises(AttributeError):
        linescan.Fold({}, print, dict, SourceRef)

    class NotSlots:
        addr = size = type = raw_type = ref = 0

    with pytest.raises(TypeError, match="slot"):
        linescan.Fold({}, print, NotSlots, SourceRef)


@pytest.mark.usefixtures("small_chunks")
def test_a_record_that_is_not_a_slots_record_goes_to_the_parser(
    tmp_path: Path, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag whose record the fold cannot copy (not a slots dataclass) is not read in C:
    the line goes to the parser, and the boots do not change."""
    path = tmp_path / "chain.log"
    path.write_bytes(_shifted_chains(samples, 2))
    _fresh_caches()
    want = _reference(path, monkeypatch)

    class Plain:
        ref = None

    real = api._fold_tag

    def tag(fact: Any, text: str) -> Any:
        t = real(fact, text)
        return (3, t[1], Plain()) if t is not None and t[0] == 3 else t

    monkeypatch.setattr(api, "_fold_tag", tag)
    _fresh_caches()
    got, (fold,) = _fold_boots(path)
    assert got == want
    assert fold.handed > 0


def test_nul_bytes_met_by_the_fold_cost_their_line(tmp_path: Path) -> None:
    """A line with NUL bytes is an unreadable line (issue 18: a NUL costs at most its
    line): inside a map block it marks the block incomplete, the rest is still read."""
    path = tmp_path / "bin.log"
    good = b"[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    path.write_bytes(good * 3 + b"[    0.000000] BIOS-e820: [mem 0x0\x00\x00] usable\n" + good)
    _fresh_caches()
    (boot,) = api.iter_boots(str(path))
    assert boot.firmware_map is not None and len(boot.firmware_map.entries) == 4
    (w,) = boot.warnings
    assert w.ref == SourceRef(str(path), 4) and "unreadable line" in w.message


def test_a_clock_restart_between_lines_the_fold_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The printk clock goes back to 0 between entry lines (no banner, no kexec marker):
    the line where it goes back must reach the parser, which starts a new boot there."""
    one = [
        b"[    0.000000] BIOS-provided physical RAM map:",
        b"[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
        b"[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable",
        b"[    2.500000] smp: Brought up 1 node, 1 CPU",
        b"[    3.000000] e820: last_pfn = 0x7ffe0 max_arch_pfn = 0x400000000",
    ]
    path = tmp_path / "restarts.log"
    path.write_bytes(b"\n".join(one * 60) + b"\n")
    _fresh_caches()
    want = _reference(path, monkeypatch)
    assert len(want) == 60
    got, (fold,) = _fold_boots(path)
    assert got == want
    assert fold.folded >= 59  # the second entry line of each boot after the first
