"""LogLine: the attribute API and value semantics of the record every stage reads."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from ingest_helpers import read_all

from e820scope.ingest import LogLine
from e820scope.ingest.anchors import DEFAULT_ANCHORS
from e820scope.model.records import SourceRef


def test_attributes_and_defaults() -> None:
    ln = LogLine(SourceRef("a.log", 7), "BIOS-e820: [mem 0x0-0xfff] usable")
    assert ln.ref == SourceRef("a.log", 7)
    assert (ln.ref.path, ln.ref.line, ln.path, ln.line) == ("a.log", 7, "a.log", 7)
    assert ln.text == "BIOS-e820: [mem 0x0-0xfff] usable"
    assert (ln.timestamp, ln.boot_hint, ln.truncated) == (None, False, False)
    full = LogLine(SourceRef("b", 1), "x", 1.5, True, True)
    assert (full.timestamp, full.boot_hint, full.truncated) == (1.5, True, True)


def test_value_semantics() -> None:
    a = LogLine(SourceRef("a", 1), "t", 0.0)
    assert a == LogLine(SourceRef("a", 1), "t", 0.0)
    assert hash(a) == hash(LogLine(SourceRef("a", 1), "t", 0.0))
    for other in (
        LogLine(SourceRef("a", 2), "t", 0.0),
        LogLine(SourceRef("b", 1), "t", 0.0),
        LogLine(SourceRef("a", 1), "u", 0.0),
        LogLine(SourceRef("a", 1), "t", None),
        LogLine(SourceRef("a", 1), "t", 0.0, boot_hint=True),
        LogLine(SourceRef("a", 1), "t", 0.0, truncated=True),
    ):
        assert a != other
    with pytest.raises(AttributeError):
        a.text = "changed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(a)) == a
    assert "text='t'" in repr(a) and "SourceRef" in repr(a)


def test_yielded_lines_equal_constructed_ones(samples: Path) -> None:
    """The batch path builds LogLines without __new__; they must be the same values."""
    path = samples / "lab" / "stock-6.1-seabios-6g-chain.log"
    lines = read_all(path, anchors=DEFAULT_ANCHORS)
    assert len(lines) > 100
    for ln in lines:
        assert type(ln) is LogLine
        again = LogLine(ln.ref, ln.text, ln.timestamp, ln.boot_hint, ln.truncated)
        assert again == ln and hash(again) == hash(ln)
        assert isinstance(ln.ref.line, int) and isinstance(ln.text, str)
    # checked by eye: line 6 of the capture is the first firmware e820 entry
    first = next(ln for ln in lines if ln.text.startswith("BIOS-e820"))
    assert first.ref == SourceRef(str(path), 6)
    assert first.text == "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"
    assert first.timestamp == 0.0


def test_log_lines_is_lazy_and_closes(tmp_path: Path) -> None:
    """Nothing is opened before the first item; the file is closed at the end."""
    from e820scope.errors import InputError
    from e820scope.ingest import TextSource, log_lines

    it = log_lines(TextSource("gone.log", tmp_path / "gone.log"))  # no error yet
    with pytest.raises(InputError):
        next(it)
    log = tmp_path / "one.log"
    log.write_bytes(
        b"[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    )
    opened: list[object] = []
    src = TextSource(str(log), log)
    real = src.open_binary

    def spy() -> object:
        fh = real()
        opened.append(fh)
        return fh

    src.open_binary = spy  # type: ignore[method-assign]
    it2 = log_lines(src, anchors=DEFAULT_ANCHORS)
    assert not opened
    (only,) = list(it2)
    assert only.text.startswith("BIOS-e820: [mem 0x0000000000000000-")
    assert only.timestamp == 0.0 and only.ref == SourceRef(str(log), 1)
    assert opened and all(getattr(fh, "closed", False) for fh in opened)
