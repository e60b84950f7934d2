"""The C accelerator ``_linescan`` gives exactly the LogLines of the pure-Python path.

The path is chosen when a source is opened (``LineMachine`` asks
``e820scope._speedups.load``), so both run in this process: ``E820SCOPE_PURE=1`` in the
environment picks the pure one. Inputs: every file under samples/, lab chains whose
printk times shift from one repetition to the next, tiny chunks (lines and look-ahead
windows straddle chunks), CRLF and CR-only files, a last line without a newline, an
endless line, NUL bytes, a cut-short .gz. Then unit tests of the C types themselves.
"""

from __future__ import annotations

import gc
import gzip
import os
import random
import sys
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_helpers import kept_machines

from e820scope._speedups import load
from e820scope.errors import InputError
from e820scope.ingest import LogLine, decompress, lineproc, log_lines, open_inputs, reader
from e820scope.ingest.sniff import Container
from e820scope.parse.anchors import ANCHORS
from timeshift import shift_printk_times as _shift

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: every file under samples/ (logs, compressed logs, and the text files beside them)
ALL_FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file())


def _compiled() -> ModuleType | None:
    """The compiled module, whatever E820SCOPE_PURE says (None when it was not built)."""
    try:
        import e820scope._speedups._linescan as mod
    except ImportError:
        return None
    return mod


EXT = _compiled()
needs_ext = pytest.mark.skipif(EXT is None, reason="the _linescan accelerator is not built")

_Result = tuple[list[LogLine], list[object], bool]


def _read(path: Path, anchors: object, *, pure: bool) -> _Result | str:
    """LogLines, warnings and partial flag of every source of ``path`` (or the error)."""
    old = os.environ.pop("E820SCOPE_PURE", None)
    if pure:
        os.environ["E820SCOPE_PURE"] = "1"
    try:
        lines: list[LogLine] = []
        warnings: list[object] = []
        partial = False
        for src in open_inputs(str(path)):
            lines.extend(log_lines(src, anchors=anchors))  # type: ignore[arg-type]
            warnings.extend(src.warnings)
            partial = partial or src.partial
        return lines, warnings, partial
    except InputError as exc:
        return f"InputError: {exc}"
    finally:
        os.environ.pop("E820SCOPE_PURE", None)
        if old is not None:
            os.environ["E820SCOPE_PURE"] = old


def _same(path: Path, anchors: object = ANCHORS) -> _Result | str:
    """Read ``path`` both ways; they must agree. Returns the common result."""
    fast = _read(path, anchors, pure=False)
    slow = _read(path, anchors, pure=True)
    assert fast == slow
    return fast


@needs_ext
def test_the_accelerator_is_what_the_machine_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("E820SCOPE_PURE", raising=False)
    assert lineproc.LineMachine("x", Container(), list(ANCHORS)).scanner is not None
    monkeypatch.setenv("E820SCOPE_PURE", "1")
    assert lineproc.LineMachine("x", Container(), list(ANCHORS)).scanner is None


def test_the_accelerator_is_built_when_required() -> None:
    if not os.environ.get("E820SCOPE_REQUIRE_SPEEDUPS"):
        if load("_linescan") is None:
            pytest.skip("_linescan not in use (not built, or E820SCOPE_PURE is set)")
        return
    assert EXT is not None, "E820SCOPE_REQUIRE_SPEEDUPS=1 but _linescan was not built"
    if not os.environ.get("E820SCOPE_PURE"):
        assert load("_linescan") is not None


@needs_ext
@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(SAMPLES)))
@pytest.mark.parametrize("anchors", [ANCHORS, None], ids=["anchors", "all"])
def test_every_sample_reads_the_same(path: Path, anchors: object) -> None:
    _same(path, anchors)


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four repetitions of three lab chains, at other printk times in each repetition."""
    blobs = [
        (SAMPLES / "lab" / n).read_bytes()
        for n in (
            "stock-6.1-ovmf-6g-chain.log",
            "stock-5.10-ovmf-6g-chain.log",
            "stock-6.1-seabios-6g-chain.log",
        )
    ]
    path = tmp_path_factory.mktemp("shifted") / "shifted.log"
    path.write_bytes(b"".join(_shift(b, k * 7919) for k in range(4) for b in blobs))
    return path


@needs_ext
@pytest.mark.parametrize("anchors", [ANCHORS, None], ids=["anchors", "all"])
def test_shifted_times_read_the_same(shifted: Path, anchors: object) -> None:
    res = _same(shifted, anchors)
    assert not isinstance(res, str) and len(res[0]) > 5000


@needs_ext
def test_shifted_times_are_served_by_the_scanner(
    shifted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most lines never reach Python: they are time-prefix hits found in C."""
    monkeypatch.delenv("E820SCOPE_PURE", raising=False)
    stepped: list[int] = []
    real = lineproc.LineMachine.step

    def spy(self: lineproc.LineMachine, *a: object, **kw: object) -> object:
        stepped.append(1)
        return real(self, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(lineproc.LineMachine, "step", spy)
    machines = kept_machines(monkeypatch)
    physical = shifted.read_bytes().count(b"\n")
    res = _read(shifted, ANCHORS, pure=False)
    assert not isinstance(res, str)
    assert len(stepped) * 10 < physical
    assert len(machines[0].ts_cache) > 100
    # each line's time is its own, not the one of the line that filled the cache
    raw = shifted.read_bytes().split(b"\n")
    for ln in res[0]:
        m = EXT.time_prefix(raw[ln.line - 1]) if EXT else None
        if m is not None and ln.timestamp is not None:
            assert ln.timestamp == m[1]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No 64 KiB sniffing head: the chunk size alone decides where chunks end."""
    monkeypatch.setattr(reader, "SNIFF_SIZE", 1)
    yield


EDGE_FILES = [
    SAMPLES / "lab" / "stock-6.1-ovmf-6g-chain.log",
    SAMPLES / "lab" / "patched-6.1-ovmf-4g-chain" / "gen02.log",
    SAMPLES / "public" / "lkml-18-qp.log",
    SAMPLES / "public" / "lkml-07-wdiff.log",
    SAMPLES / "public" / "lkml-06.log",
    SAMPLES / "public" / "syslog-17.log",
    SAMPLES / "synthetic" / "talk-seed-15.map",
]


@needs_ext
@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("size", [1, 7, 97, 1000, 4096, 65536])
@pytest.mark.parametrize("path", EDGE_FILES, ids=lambda p: p.name)
def test_chunk_borders_anywhere(path: Path, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decompress, "CHUNK_SIZE", size)
    _same(path)
    if size in (97, 4096):
        _same(path, None)


def _variants(blob: bytes) -> dict[str, bytes]:
    """The same text with other newlines, cut mid-line, with NUL bytes, or joined."""
    return {
        "lf": blob,
        "crlf": blob.replace(b"\n", b"\r\n"),
        "cr": blob.replace(b"\n", b"\r"),
        "no-final-newline": blob.rstrip(b"\n"),
        "cut-mid-line": blob[: len(blob) * 2 // 3],
        "nul-bytes": blob.replace(b"e820: ", b"e820:\x00 ", 40),
        "lone-cr": blob.replace(b"] e820", b"] junk\re820", 30),
        "escapes": blob.replace(b"] BIOS-e820", b"] \x1b[0mBIOS-e820", 30),
        "mixed": blob[:30000] + blob[:30000].replace(b"\n", b"\r\n") + blob[30000:60000],
    }


@needs_ext
@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("size", [53, 4096])
@pytest.mark.parametrize("kind", sorted(_variants(b"")))
def test_newlines_and_odd_bytes(
    tmp_path: Path, kind: str, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decompress, "CHUNK_SIZE", size)
    blob = (SAMPLES / "lab" / "stock-6.1-seabios-6g-chain.log").read_bytes()
    path = tmp_path / f"{kind}.log"
    path.write_bytes(_variants(blob)[kind])
    _same(path)
    _same(path, None)


@needs_ext
@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("size", [13, 500, 4096])
def test_endless_lines_are_cut_the_same_way(
    tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decompress, "CHUNK_SIZE", size)
    monkeypatch.setattr(reader, "MAX_LINE", 300)
    blob = (SAMPLES / "lab" / "stock-6.1-ovmf-2g-boot.log").read_bytes()
    long = b"[    0.000000] e820: " + b"x" * 5000
    path = tmp_path / "long.log"
    path.write_bytes(blob[:20000] + long + b"\n" + blob[20000:40000] + long)
    res = _same(path)
    assert not isinstance(res, str) and res[0]


@needs_ext
@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("size", [211, 8192])
def test_cut_short_gzip(tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decompress, "CHUNK_SIZE", size)
    blob = gzip.compress((SAMPLES / "lab" / "stock-6.1-ovmf-6g-chain.log").read_bytes())
    for cut in (len(blob) // 3, len(blob) - 20):
        path = tmp_path / f"cut{cut}.gz"
        path.write_bytes(blob[:cut])
        res = _same(path)
        assert not isinstance(res, str) and res[2] and res[1]


@needs_ext
def test_tiny_caches_read_the_same(shifted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Caches emptied every few lines (and lines too long to cache) change nothing."""
    for entries, length in ((1, 400), (7, 400), (60, 40), (1000, 0)):
        monkeypatch.setattr(lineproc, "CACHE_MAX", entries)
        monkeypatch.setattr(lineproc, "CACHE_LINE_MAX", length)
        _same(shifted)


# --- the C types ------------------------------------------------------------------


@needs_ext
def test_table_is_bounded_like_put() -> None:
    assert EXT is not None
    t = EXT.Table(3, 5)
    assert (t.max_entries, t.max_key) == (3, 5)
    t[b"12345"] = (1,)
    t[b"123456"] = (2,)  # longer than max_key: not stored
    assert len(t) == 1 and b"123456" not in t and t.get(b"123456") is None
    t[b"a"] = (3,)
    t[b"b"] = (4,)
    assert len(t) == 3
    t[b"a"] = (5,)  # full: emptied first, even to replace a key (as dict + _put)
    assert len(t) == 1 and t[b"a"] == (5,) and b"b" not in t
    t.clear()
    assert len(t) == 0 and t.get(b"a", "none") == "none"
    zero = EXT.Table(0, 0)
    zero[b""] = ()  # as _put: a key of length 0 fits, and 0 entries means "empty first"
    zero[b"x"] = ()
    assert len(zero) == 1 and b"" in zero


@needs_ext
def test_table_keys_are_bytes_with_any_byte() -> None:
    assert EXT is not None
    t = EXT.Table(100, 100)
    keys = [b"", b"\x00", b"\x00\x00", b"a\x00b", b"a\x00c", b"\xff" * 17, b"x" * 100]
    for k, key in enumerate(keys):
        t[key] = (k,)
    assert [t[key] for key in keys] == [(k,) for k in range(len(keys))]
    with pytest.raises(KeyError):
        t[b"a\x00"]
    with pytest.raises(TypeError):
        t.get("str")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        del t[b""]
    with pytest.raises(ValueError):
        EXT.Table(-1, 10)


@needs_ext
@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(0, 6),
    st.lists(st.tuples(st.binary(max_size=8), st.integers(0, 3)), max_size=80),
)
def test_table_matches_a_dict_with_put(
    entries: int, length: int, ops: list[tuple[bytes, int]]
) -> None:
    assert EXT is not None
    t = EXT.Table(entries, length)
    model: dict[bytes, object] = {}
    for key, v in ops:
        if len(key) <= length:
            if len(model) >= entries:
                model.clear()
            model[key] = (v,)
        t[key] = (v,)
        assert len(t) == len(model)
    for key, _ in ops:
        assert t.get(key) == model.get(key)
        assert (key in t) == (key in model)


@needs_ext
def test_table_holds_values_without_leaking() -> None:
    assert EXT is not None
    value = ("text", 1.5, False, True)
    before = sys.getrefcount(value)
    t = EXT.Table(50, 400)
    for k in range(1000):
        t[b"%d" % k] = value
        t[b"%d" % (k // 2)] = value  # replacing
    assert sys.getrefcount(value) == before + len(t)
    t.clear()
    assert sys.getrefcount(value) == before
    for k in range(30):
        t[b"%d" % k] = value
    del t
    gc.collect()
    assert sys.getrefcount(value) == before


@needs_ext
def test_tables_and_scans_free_their_memory() -> None:
    assert EXT is not None
    blob = (SAMPLES / "lab" / "stock-6.1-ovmf-6g-chain.log").read_bytes()

    def once() -> None:
        for src in open_inputs(str(SAMPLES / "lab" / "stock-6.1-ovmf-6g-chain.log")):
            for _ in log_lines(src, anchors=ANCHORS):
                pass
        t = EXT.Table(100, 400)
        for ln in blob.split(b"\n")[:5000]:
            t[ln] = (ln.decode(errors="replace"), None, False, False)

    once()
    gc.collect()
    tracemalloc.start()
    try:
        once()
        gc.collect()
        first = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            once()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - first < 64 << 10


@needs_ext
def test_a_cycle_through_a_table_is_collected() -> None:
    assert EXT is not None

    class Box:
        pass

    t = EXT.Table(10, 10)
    box = Box()
    box.t = t  # type: ignore[attr-defined]
    t[b"k"] = box
    probe = Box()
    t[b"p"] = probe
    before = sys.getrefcount(probe)
    del t, box
    gc.collect()
    assert sys.getrefcount(probe) == before - 1


def _scanner(raw: object, timed: object, name: str = "n") -> object:
    assert EXT is not None
    return EXT.Scanner(raw, timed, LogLine, name, b"\n")


@needs_ext
def test_scan_serves_hits_and_stops_at_a_miss() -> None:
    assert EXT is not None
    raw, timed = EXT.Table(100, 400), EXT.Table(100, 400)
    raw[b"plain hit"] = ("plain", None, False, True)
    raw[b"skip me"] = ()
    timed[b"e820: x"] = ("e820: x", False)
    timed[b"gone"] = ()
    raw[b"bad shape"] = ("a", "b", "c")
    sc = _scanner(raw, timed)
    buf = (
        b"plain hit\nskip me\n[    1.500000] e820: x\n[12.000001] gone\n"
        b"[    0.000000] not cached\nplain hit\nplain hit"
    )
    out: list[LogLine] = []
    pos, count, last, missed = sc.scan(buf, 0, len(buf), 10, out)  # type: ignore[attr-defined]
    assert buf[pos:].startswith(b"[    0.000000] not cached") and missed
    assert count == 4 and buf[last:].startswith(b"[12.000001] gone")
    assert out == [
        tuple.__new__(LogLine, x)
        for x in (("n", 10, "plain", None, False, True), ("n", 12, "e820: x", 1.5, False, False))
    ]
    assert all(type(ln) is LogLine for ln in out)
    nxt = buf.index(b"\n", pos) + 1
    # the last line has no newline: not looked at
    assert sc.scan(buf, nxt, len(buf), 1, out)[:2] == (len(buf) - len(b"plain hit"), 1)  # type: ignore[attr-defined]
    # a value of another shape is left to Python, without claiming a miss
    assert sc.scan(b"bad shape\n", 0, 10, 1, out)[1:] == (0, -1, False)  # type: ignore[attr-defined]
    # a time too large for an exact double is left to Python too
    assert sc.scan(b"[99999999999.000000] gone\n", 0, 26, 1, out)[3] is False  # type: ignore[attr-defined]
    # without a time table, only raw lines hit
    assert _scanner(raw, None).scan(buf, 0, len(buf), 1, [])[1] == 2  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        sc.scan(buf, 5, 4, 1, out)  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        sc.scan(buf, 0, len(buf) + 1, 1, out)  # type: ignore[attr-defined]


@needs_ext
def test_scan_keeps_the_console_window() -> None:
    """Inside the hand-over window the scanner drops the second print of a line (same
    bytes as the line before, with a time), recalls lines read before (``parsed``) and
    tracks the window as LineMachine._effects does."""
    assert EXT is not None
    raw, timed = EXT.Table(100, 400), EXT.Table(100, 400)
    parsed, ts_parsed = EXT.Table(100, 400), EXT.Table(100, 400)
    sc = EXT.Scanner(raw, timed, LogLine, "n", b"\n", parsed, ts_parsed, 6)
    assert (sc.bootconsole, sc.handover, sc.handover_lines, sc.handover_max) == (0, 0, 0, 6)
    timed[b"e820: x"] = ("e820: x", False)
    raw[b"no time"] = ("no time", None, False, False)
    raw[b"quiet"] = ()
    for text in (
        "printk: bootconsole [early0] enabled",
        "printk: console [ttyS0] enabled",
        "printk: bootconsole [early0] disabled",
    ):
        ts_parsed[text.encode()] = (text, False)
    parsed[b"plain known"] = ("plain known", None, False, False)
    t0 = b"[    0.100000] "
    buf = b"".join(
        x + b"\n"
        for x in (
            t0 + b"printk: bootconsole [early0] enabled",
            t0 + b"printk: console [ttyS0] enabled",
            t0 + b"printk: console [ttyS0] enabled",  # both consoles: dropped
            b"no time",
            b"no time",  # no time: kept
            t0 + b"printk: bootconsole [early0] disabled",
            t0 + b"printk: bootconsole [early0] disabled",  # dropped
            t0 + b"e820: x",  # the first line printed after: the window ends
            t0 + b"e820: x",  # outside the window: kept
            b"plain known",  # known and without an effect outside the window: Python's
        )
    )
    out: list[LogLine] = []
    pos, count, _, missed = sc.scan(buf, 0, len(buf), 1, out, b"")
    # the caches were searched: Python need not search them again
    assert buf[pos:].startswith(b"plain known") and missed and count == 9
    assert [(ln.line, ln.text) for ln in out] == [
        (1, "printk: bootconsole [early0] enabled"),
        (2, "printk: console [ttyS0] enabled"),
        (4, "no time"),
        (5, "no time"),
        (6, "printk: bootconsole [early0] disabled"),
        (8, "e820: x"),
        (9, "e820: x"),
    ]
    assert (sc.bootconsole, sc.handover) == (0, 0)
    # the line before the buffer comes from the prev argument
    sc.handover, sc.handover_lines = 1, 0
    line = t0 + b"e820: x\n"
    out = []
    assert sc.scan(line, 0, len(line), 1, out, t0 + b"e820: x")[1] == 1 and out == []
    assert sc.scan(line, 0, len(line), 1, out, b"other")[1] == 1 and len(out) == 1
    # the window never spans more than handover_max lines: the 7th is read as outside
    assert sc.handover_lines == 2
    sc.handover_lines = 6
    out = []
    sc.scan(line * 2, 0, 2 * len(line), 1, out, b"")
    assert sc.handover == 0 and sc.handover_lines == 7 and len(out) == 2
    # a line without a result inside the window, not read before: left to Python
    sc.handover, sc.handover_lines = 1, 0
    assert sc.scan(b"quiet\n", 0, 6, 1, [], b"")[1:] == (0, -1, False)
    # a banner ends every console state
    parsed[b"Linux version 9"] = ("Linux version 9", None, False, False)
    sc.bootconsole = 1
    out = []
    assert sc.scan(b"Linux version 9\n", 0, 16, 1, out, b"")[1] == 1 and len(out) == 1
    assert (sc.bootconsole, sc.handover) == (0, 0)
    # outside the window a known console line is read here only if the anchor test
    # would let it through (it holds "console [" or "Linux version"), or there is none
    handover = "console handover: boot [early0] -> real [ttyS0]"
    parsed[handover.encode()] = (handover, None, False, False)
    sc.bootconsole, sc.handover = 1, 0
    assert sc.scan(handover.encode() + b"\n", 0, 48, 1, [], b"")[1] == 0
    free = EXT.Scanner(raw, timed, LogLine, "n", b"\n", parsed, ts_parsed, 6, False)
    free.bootconsole = 1
    out = []
    assert free.scan(handover.encode() + b"\n", 0, 48, 1, out, b"")[1] == 1
    assert len(out) == 1 and free.bootconsole == 0
    with pytest.raises(AttributeError):
        sc.handover_max = 5
    with pytest.raises(TypeError):
        EXT.Scanner(raw, timed, LogLine, "n", b"\n", None, ts_parsed)
    with pytest.raises(TypeError):
        EXT.Scanner(raw, timed, LogLine, "n", b"\n", {}, None)
    with pytest.raises(TypeError):
        sc.scan(buf, 0, len(buf), 1, out, "not bytes")


_WINDOW_LINES = [
    b"printk: bootconsole [earlyser0] enabled",
    b"printk: console [ttyS0] enabled",
    b"printk: bootconsole [earlyser0] disabled",
    b"Console: switching to colour frame buffer device 128x48",
    b"console handover: boot [earlyser0] -> real [ttyS0]",
    b"Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)",
    b"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
    b"e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
    b"ACPI: Core revision 20220331",
    b"random: crng init done",
]


def _window_log(picks: list[tuple[int, int, bool]]) -> bytes:
    out = []
    for k, (word, sec, dup) in enumerate(picks):
        text = _WINDOW_LINES[word % len(_WINDOW_LINES)]
        line = (_prefix(sec, 0, 12) if sec else b"") + text
        out.append(line)
        if dup:
            out.append(line)
        if k % 7 == 6:  # whole runs come back, as in the next generation
            out.extend(out[-5:])
    return b"\n".join(out) + b"\n"


@needs_ext
@settings(max_examples=int(os.environ.get("E820SCOPE_FUZZ_EXAMPLES", "60")), deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 3), st.booleans()), min_size=1, max_size=120
    ),
    st.sampled_from([3, 400]),
)
def test_console_windows_read_the_same(picks: list[tuple[int, int, bool]], most: int) -> None:
    """Random console hand-over windows (duplicates, lines with and without times, the
    window's limit, banners inside it) read the same in C and in Python."""
    data = _window_log(picks)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "w.log"
        path.write_bytes(data * 3)
        old = lineproc.HANDOVER_MAX
        lineproc.HANDOVER_MAX = most
        try:
            _same(path)
            _same(path, None)
        finally:
            lineproc.HANDOVER_MAX = old


@needs_ext
def test_console_window_is_read_in_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines of the hand-over window and the console lines around it reach the
    Python line machine a few times (until they are known), not in every boot."""
    monkeypatch.delenv("E820SCOPE_PURE", raising=False)
    seen: list[bytes] = []
    real = lineproc.LineMachine.step

    def spy(self: lineproc.LineMachine, lines: list[bytes], i: int, *a: object) -> object:
        seen.append(lines[i])
        return real(self, lines, i, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(lineproc.LineMachine, "step", spy)
    res = _read(SAMPLES / "lab" / "patched-6.1-ovmf-4g-chain.log", ANCHORS, pure=False)
    assert not isinstance(res, str)
    texts = [ln.text for ln in res[0]]
    assert texts.count("printk: bootconsole [earlyser0] disabled") == 63
    assert texts.count("printk: bootconsole [earlyser0] enabled") == 64  # the last one panics
    console = [b for b in seen if b"console [" in b or b"Linux version" in b]
    assert len(console) <= 10, console


@needs_ext
def test_lines_gives_whole_lines_only() -> None:
    sc = _scanner(EXT.Table(1, 1) if EXT else None, None)
    buf = b"a\n\nb\x00c\nlast"
    assert sc.lines(buf, 0, len(buf), 10) == [b"a", b"", b"b\x00c"]  # type: ignore[attr-defined]
    assert sc.lines(buf, 2, len(buf), 1) == [b""]  # type: ignore[attr-defined]
    assert sc.lines(buf, 0, 1, 5) == []  # type: ignore[attr-defined]


def _prefix(sec: int, usec: int, width: int) -> bytes:
    return b"[" + f"{sec}.{usec:06d}".encode().rjust(width) + b"] "


@needs_ext
@settings(max_examples=3000, deadline=None)
@given(st.integers(0, 99999), st.integers(0, 999999), st.integers(0, 14))
def test_prefix_times_are_float_exact(sec: int, usec: int, width: int) -> None:
    assert EXT is not None
    p = _prefix(sec, usec, width)
    assert EXT.time_prefix(p + b"msg") == (len(p), float(f"{sec}.{usec:06d}"))


@needs_ext
@settings(max_examples=2000, deadline=None)
@given(st.integers(0, 2**53 // 10**6 + 10), st.integers(0, 999999))
def test_large_prefix_times_are_exact_or_left_to_python(sec: int, usec: int) -> None:
    assert EXT is not None
    p = _prefix(sec, usec, 14)
    got = EXT.time_prefix(p)
    if sec * 10**6 + usec <= 2**53:
        assert got == (len(p), float(f"{sec}.{usec:06d}"))
    else:
        assert got is None


@needs_ext
def test_prefix_times_exact_on_random_samples() -> None:
    assert EXT is not None
    rng = random.Random(820)
    for _ in range(200_000):
        sec, usec = rng.randrange(100_000), rng.randrange(1_000_000)
        p = _prefix(sec, usec, 12)
        assert EXT.time_prefix(p) == (15, float(p[1:13]))


@needs_ext
@pytest.mark.parametrize(
    "line",
    [
        b"[0.000000] x",
        b"[ 1.00000] x",
        b"[1.0000000] x",
        b"[ 1.000000]x",
        b"[ .000000] x",
        b"[ 1,000000] x",
        b"[ 1.000000] ",
        b"[ 1.000000]",
        b" [1.000000] x",
        b"[000012.500000] x",
        # the 15-byte form printk writes below 100000 s, read first (std_prefix)
        b"[12345.000001] x",
        b"[    7.123456] x",
        b"[ 1 2.000000] x",
        b"[     .000000] x",
        b"[ 12a.000000] x",
        b"[ 123.00000a] x",
        b"[ 123.000000]x",
        b"[ 123.000000)  ",
    ],
)
def test_prefix_shape_is_the_python_regex(line: bytes) -> None:
    assert EXT is not None
    m = lineproc._TS_PREFIX.match(line)
    got = EXT.time_prefix(line)
    assert (got is None) == (m is None)
    if m is not None and got is not None:
        assert got == (m.end(), float(m.group(1)))
