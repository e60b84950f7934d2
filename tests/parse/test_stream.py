"""Streaming: iter_boots / BootStream / ``e820scope parse`` give what parse_input gives,
with bounded caches; the fast paths build the same records as the slow ones."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.model.records import E820Entry, SourceRef
from e820scope.parse import api, iter_boots, parse_input, session
from e820scope.parse.builder import fast_entry
from e820scope.render.csv_out import parse_csv
from e820scope.render.json_out import parse_json
from e820scope.render.text_tables import render_parsed

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CHAIN = str(SAMPLES / "lab" / "stock-6.1-ovmf-6g-chain.log")
PARTIAL = str(SAMPLES / "public" / "notes-03.log")  # cut map: partial, with a warning
NO_MAP = str(SAMPLES / "public" / "notes-09.log")  # cut at line 74: no usable map


def test_iter_boots_equals_parse_input() -> None:
    whole = parse_input(CHAIN)
    assert tuple(iter_boots(CHAIN)) == whole.boots
    stream = api.BootStream(CHAIN)
    boots = tuple(stream)
    assert stream.summary(boots) == whole
    assert stream.count == 5 and stream.has_entries and not stream.partial


def test_path_objects_are_accepted() -> None:
    """The library takes a pathlib.Path wherever it takes a path string (it failed deep in
    the C scanner with a TypeError before)."""
    want = [repr(b) for b in iter_boots(CHAIN)]
    assert [repr(b) for b in iter_boots(Path(CHAIN))] == want
    assert parse_input(Path(CHAIN)) == parse_input(CHAIN)
    assert api.BootStream(Path(CHAIN)).source == CHAIN


def test_stream_summary_of_a_partial_input() -> None:
    whole = parse_input(PARTIAL)
    stream = api.BootStream(PARTIAL)
    assert stream.summary(tuple(stream)) == whole
    assert whole.partial and stream.partial


def test_stream_no_map_error_is_no_map_error() -> None:
    stream = api.BootStream(NO_MAP)
    for _ in stream:
        pass
    assert not stream.has_entries
    assert str(stream.no_map_error()) == str(api.no_map_error(parse_input(NO_MAP)))


def test_fact_cache_bounded_and_transparent(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = parse_input(CHAIN)
    monkeypatch.setattr(session, "FACTS_MAX", 50)
    stream = api.BootStream(CHAIN, session.ParseSession())
    again = stream.summary(tuple(stream))  # the cache is emptied many times on the way
    assert len(stream.session.facts) <= 50
    assert again == whole
    assert [b.start for b in again.boots] == [b.start for b in whole.boots]


def test_fast_entry_equals_constructor() -> None:
    ref = SourceRef("x.log", 7)
    e = fast_entry(0x100000, 0xBFEE0000, 1, "usable", ref)
    assert e == E820Entry(0x100000, 0xBFEE0000, 1, "usable", ref)
    assert (e.raw_type, e.ref, e.end, e.last) == ("usable", ref, 0xBFFE0000, 0xBFFDFFFF)
    with pytest.raises(AttributeError):
        e.addr = 0  # type: ignore[misc]


def _cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, ["parse", *args])
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("files", [(CHAIN,), (PARTIAL, CHAIN)], ids=["chain", "two-inputs"])
def test_cli_streamed_output_is_the_whole_rendering(files: tuple[str, ...]) -> None:
    logs = [parse_input(f) for f in files]
    code, out, _err = _cli("--json", *files)
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(parse_json(logs)))
    # one line per boot (compact), inside the indented top level
    lines = out.splitlines()
    assert sum(ln.startswith('  {"input": ') for ln in lines) == sum(len(p.boots) for p in logs)
    assert lines[0] == "{" and lines[-2:] == [" ]", "}"]
    code, out, _err = _cli(*files)
    assert code == 0 and out == render_parsed(logs)
    code, out, _err = _cli("--csv", *files)
    assert code == 0 and out == parse_csv(logs)
    assert len(list(csv.DictReader(io.StringIO(out)))) == sum(
        len(t.entries) for p in logs for b in p.boots for t in b.tables
    )


def test_cli_no_map_still_exit_3_after_output() -> None:
    code, out, err = _cli("--json", NO_MAP)
    assert code == 3 and "notes-09.log:74" in err
    doc = json.loads(out)
    assert doc["inputs"][0]["boots"] == len(parse_input(NO_MAP).boots)
