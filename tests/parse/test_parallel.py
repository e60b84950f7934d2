"""One capture on many cores (e820scope.parse.parallel): a real capture cut into parts at
random places, on random numbers of workers, gives the serial run's boots, timeline
rows and predictions, byte for byte.

The capture is real lab consoles back to back (samples/lab: the patched 6.1 chain that
loses memory, the stock chains, and matrix consoles with kexec_load hops, a kdump
capture kernel, OVMF escape codes and console hand-over duplicates), so the cuts land
next to every kind of boot start the parser knows.
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from e820scope.analysis.chains import ChainPredictor
from e820scope.analysis.diff import MapKind
from e820scope.analysis.growth import Assumptions
from e820scope.analysis.parallel_run import predict_parts, timeline_rows
from e820scope.analysis.timeline import TimelineRows
from e820scope.cli.main import cli
from e820scope.cli.parse_parts import render, rendered_parts
from e820scope.parse.api import BootStream
from e820scope.parse.parallel import plan
from e820scope.parse.parallel_spool import parallel_boots
from e820scope.render.json_out import boot_json
from e820scope.render.predict_chains import chains_json

LAB = Path(__file__).resolve().parents[2] / "samples" / "lab"
PIECES = (
    "stock-6.1-seabios-6g-chain.log",
    "matrix/6.1-seabios-kdump-file.log.xz",
    "patched-6.1-ovmf-4g-chain.log",
    "matrix/5.10-ovmf-load.log.xz",
    "stock-6.1-ovmf-6g-chain.log",
    "matrix/6.12-ovmf-file.log.xz",
    "stock-5.10-ovmf-6g-chain.log",
)


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("parallel") / "capture.log"
    with path.open("wb") as out:
        for name in PIECES:
            p = LAB / name
            out.write(lzma.decompress(p.read_bytes()) if p.suffix == ".xz" else p.read_bytes())
    return path


def _parse_json(boots: list) -> list[str]:  # type: ignore[type-arg]
    return [json.dumps(boot_json(b, b.source)) for b in boots]


@pytest.fixture(scope="module")
def serial(capture: Path) -> dict[str, object]:
    boots = list(BootStream(str(capture)))
    with TimelineRows(MapKind.FIRMWARE) as rows:
        for b in boots:
            rows.add(b)
        records = list(rows.records())
    chains = ChainPredictor(Assumptions())
    for b in boots:
        if b.firmware_map is not None:
            chains.add(b)
    predicted = json.dumps(chains_json(chains.finish(), [str(capture)]))
    text = [render("text", b, b.source) for b in boots]
    return {"parse": _parse_json(boots), "text": text, "timeline": records, "predict": predicted}


def _targets(size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, size - 1), min_size=1, max_size=4)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_cuts_give_the_serial_output(
    capture: Path, serial: dict[str, object], data: st.DataObject
) -> None:
    targets = data.draw(_targets(capture.stat().st_size), label="cut offsets")
    jobs = len(targets) + 1
    path = str(capture)
    parts = plan(path, jobs, targets)
    got = parallel_boots(path, jobs, targets=targets, inline=True)
    if parts is None:  # every cut too close to the start: nothing to cut
        assert got is None
        return
    # the warm-up boots of every part matched its neighbour's reading: on real
    # consoles the parser's state at a banner never depends on more than the boot
    # before it
    assert got is not None, parts
    boots = list(got[0])
    assert [b.index for b in boots] == list(range(1, len(boots) + 1))
    assert _parse_json(boots) == serial["parse"]
    for form, want in (("json", serial["parse"]), ("text", serial["text"])):
        stream = BootStream(path, jobs=jobs)
        rendered = rendered_parts(stream, form, targets=targets, inline=True)
        assert rendered is not None
        assert [text for text, _ in rendered] == want
        assert stream.count == len(boots) and stream.has_entries

    with TimelineRows(MapKind.FIRMWARE) as rows:
        assert timeline_rows(path, jobs, MapKind.FIRMWARE, rows, targets=targets, inline=True)
        assert list(rows.records()) == serial["timeline"]

    chains = ChainPredictor(Assumptions())
    assert predict_parts(path, jobs, chains, targets=targets, inline=True)
    assert json.dumps(chains_json(chains.finish(), [path])) == serial["predict"]


def test_cuts_land_on_banners_between_boots(capture: Path) -> None:
    """Each part owns the boots from its cut (a ``Linux version`` line) to the next, and
    starts reading two banners earlier."""
    parts = plan(str(capture), 3)
    assert parts is not None and len(parts) == 3
    text = capture.read_bytes()
    lines = text.split(b"\n")
    for p in parts[1:]:
        assert b"Linux version " in lines[p.own_from - 1]
        assert p.check_from is not None and p.first_line < p.check_from < p.own_from
        assert b"Linux version " in lines[p.first_line - 1]
    assert [p.own_to for p in parts[:-1]] == [p.own_from for p in parts[1:]]


def test_compressed_and_small_inputs_are_read_serially(capture: Path) -> None:
    assert plan(str(LAB / "matrix" / "6.1-ovmf-file.log.xz"), 2) is None
    assert plan(str(capture), 1) is None


def test_several_machines_consoles_are_not_cut() -> None:
    """A file of several machines' tagged consoles is read as one source per machine
    (ingest.demux), which a cut at banners would merge again: it is read serially."""
    from e820scope.parse.parallel import container_of

    two = LAB.parent / "public" / "issue-43-nixos-two-vms.log"
    assert container_of(str(two)) is None
    assert container_of(str(LAB / "stock-6.1-ovmf-6g-chain.log")) is not None


@pytest.mark.parametrize(
    "args",
    [
        ["timeline", "--json"],
        ["timeline", "--wide"],
        ["predict", "--json"],
        ["predict"],
        ["parse", "--json"],
        ["parse"],
        ["parse", "--csv"],
    ],
)
def test_cli_jobs_output_is_the_serial_output(capture: Path, args: list[str]) -> None:
    """Through the real process pool: ``-j 3`` writes what ``-j 1`` writes."""
    one = CliRunner().invoke(cli, [*args, "-j", "1", str(capture)])
    three = CliRunner().invoke(cli, [*args, "-j", "3", str(capture)])
    assert one.exit_code == three.exit_code == 0, one.output + three.output
    assert one.stdout == three.stdout


def test_workers_report_the_bytes_they_read(capture: Path) -> None:
    """The progress bar of a parallel run: the workers' bytes read, summed over the
    parts (each part's warm-up included), up to the parts' total."""
    from e820scope.parse.parallel import run_parts
    from e820scope.parse.parallel_spool import BootSpool, discard

    seen: list[tuple[int, int | None]] = []
    done = run_parts(str(capture), 2, BootSpool, progress=lambda d, t: seen.append((d, t)))
    assert done is not None
    parts, outs = done
    discard(outs)
    size = capture.stat().st_size
    total = sum((p.end or size) - p.start for p in parts)
    assert seen and {t for _, t in seen} == {total}
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1][0] == total
