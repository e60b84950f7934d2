"""Properties of diff on real logs (issue 14.2, 14.3): a cut never reads as a loss, a
boot printed twice is identical, two machines of the corpus are flagged."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from e820scope.analysis.align import ChangeKind
from e820scope.analysis.diff import MapKind, diff_boots
from e820scope.analysis.identity import same_machine
from e820scope.model.records import Boot
from e820scope.parse import parse_input

REPO = Path(__file__).resolve().parents[2]
PUBLIC = sorted((REPO / "samples" / "public").glob("*.log"))
#: real logs with a whole map, to cut: public dmesgs and consoles of several eras, two
#: lab boots
CUT_LOGS = [
    REPO / "samples" / "lab" / "stock-6.1-ovmf-2g-boot.log",
    REPO / "samples" / "lab" / "stock-6.1-seabios-2g-boot.log",
    *(
        REPO / "samples" / "public" / n
        for n in ("linuxhw-14.log", "lkml-11.log", "forum-16.log", "forum-28-grep.log")
    ),
]


def _first(path: Path | str) -> Boot:
    return next(b for b in parse_input(str(path)).boots if b.firmware_map is not None)


def _map_lines(path: Path) -> tuple[int, int]:
    """The first line of the boot's firmware map and the last line of its last table."""
    b = _first(path)
    fw = b.firmware_map
    assert fw is not None and fw.first_ref is not None
    last = b.tables[-1].last_ref
    assert last is not None
    return fw.first_ref.line, last.line


SPANS = {p: _map_lines(p) for p in CUT_LOGS}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CUT_LOGS), st.floats(0, 1), st.sampled_from(list(MapKind)))
def test_cutting_a_real_map_at_any_line_never_loses_bytes(
    log: Path, where: float, kind: MapKind
) -> None:
    first, last = SPANS[log]
    k = first + round(where * (last + 1 - first))  # keep lines 1..k
    lines = log.read_bytes().split(b"\n")
    fd, name = tempfile.mkstemp(suffix=".log")
    os.close(fd)
    try:
        Path(name).write_bytes(b"\n".join(lines[:k]) + b"\n")
        whole, cut = _first(log), _first(name)
        if k <= last and cut.completeness.status.value == "present":
            # never overstated: the cut keeps a kernel line after its last map
            end = cut.tables[-1].last_ref
            assert end is not None and k > end.line
        for a, b in ((whole, cut), (cut, whole)):
            d = diff_boots(a, b, map_kind=kind)
            assert d.usable_lost == 0
            assert not d.of_kind(ChangeKind.REMOVED) and not d.of_kind(ChangeKind.DROPPED_AT_CAP)
            if kind is MapKind.FIRMWARE:
                # (a cut log's final map may be an earlier table than the whole log's:
                # its setup_data pieces then show as merged, never as lost)
                assert d.usable_before == d.usable_after
                assert d.agree, [c.kind for c in d.changes]
                assert d.twice is not None
    finally:
        Path(name).unlink()


@pytest.mark.parametrize(
    "log",
    [p for p in PUBLIC if any(b.firmware_map for b in parse_input(str(p)).boots)],
    ids=lambda p: p.name,
)
def test_a_boot_printed_twice_diffs_as_identical(log: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.log"
    shutil.copy(log, copy)
    d = diff_boots(_first(log), _first(copy))
    assert d.identical and d.agree
    assert d.twice is not None and "one boot printed twice" in d.twice
    assert d.machine.same is not False
    assert d.usable_lost == 0


#: corpus pairs whose logs hold too little identity evidence to tell (no DMI or CPU
#: line, fewer than three reserved ranges in common view, RAM of a cut or e801 map):
#: never called one machine, but "cannot tell"
CANNOT_TELL = {
    ("forum-24-e801.log", "lkml-07-wdiff.log"),
    ("forum-24-e801.log", "xen-28-pvh.log"),
    # two short real excerpts (a map cut after six entries, one that starts inside the
    # map at 1 MiB): no DMI or CPU line, too few reserved ranges in common view
    ("blog-23-jailhouse.log", "issue-34-midmap-fw.log"),
    ("forum-24-e801.log", "issue-34-midmap-fw.log"),
    ("issue-32-fiwix-kexec.log", "lkml-04.log"),
    ("issue-32-fiwix-kexec.log", "readme-21-firecracker.log"),
    ("issue-34-midmap-fw.log", "lkml-04.log"),
    ("issue-34-midmap-fw.log", "notes-05.log"),
    ("issue-34-midmap-fw.log", "readme-21-firecracker.log"),
    ("lkml-02.log", "readme-21-firecracker.log"),
}


#: real excerpts of a few map lines (a 2-entry map cut at 640 KiB, one that starts inside
#: the map at 0x7fffb000 or 1 MiB, no DMI or CPU line): with any other log they may be
#: "cannot tell", never "same"
SHORT_EXCERPTS = {
    "issue-37-docker-hyperv.log",
    "issue-43-nixos-two-vms.log",
    "issue-45-journal-guest.log",
}


def test_two_machines_of_the_corpus_are_always_flagged() -> None:
    boots = {
        p.name: _first(p) for p in PUBLIC if any(b.firmware_map for b in parse_input(str(p)).boots)
    }
    told = []
    for (na, a), (nb, b) in itertools.combinations(sorted(boots.items()), 2):
        v = same_machine(a, b)
        assert v.same is not True, (na, nb, v)
        if (na, nb) in CANNOT_TELL:
            assert v.same is None
            continue
        if {na, nb} & SHORT_EXCERPTS:
            continue
        assert v.same is False and v.differ, (na, nb, v)
        told.append((na, nb))
        d = diff_boots(a, b)
        assert d.verdict.summary[0].startswith(f"{a.label} and {b.label} are different machines")
        assert d.usable_lost == 0 and not d.consecutive and d.handoff is None
    assert len(told) >= 340  # 27 logs with a map: 351 pairs


def test_one_machine_across_its_kexec_chain_and_reboots() -> None:
    """Every consecutive pair of a chain (kexec_file_load, kexec_load, cap drop) and the
    kexec'd + cold boot of lkml-10 are never called two machines."""
    for rel in (
        "samples/lab/patched-6.1-ovmf-4g-chain.log",
        "samples/lab/stock-6.1-ovmf-6g-chain.log",
        "samples/lab/stock-5.10-ovmf-6g-chain.log",
        "samples/public/lkml-10-kexec.log",
    ):
        boots = [b for b in parse_input(str(REPO / rel)).boots if b.firmware_map is not None]
        for a, b in itertools.pairwise(boots):
            assert same_machine(a, b).same is not False, (a.label, b.label)
