"""Completeness never overstates (issue 14.1, docs/completeness.md): a map is present
only when the kernel printed a line after it; grep output is ``filtered``."""

from __future__ import annotations

from pathlib import Path

import pytest

from e820scope.model.records import Boot, MapStatus, TableKind
from e820scope.parse import parse_input
from e820scope.parse.completeness import cut_at_end

REPO = Path(__file__).resolve().parents[2]
PUBLIC = REPO / "samples" / "public"
LAB = REPO / "samples" / "lab"


def _boot(path: Path) -> Boot:
    boots = [b for b in parse_input(str(path)).boots if b.firmware_map is not None]
    return boots[-1]


@pytest.mark.parametrize("name", ["forum-28-grep.log", "notes-29-grep.log"])
def test_grep_output_is_filtered_and_says_what_is_left(name: str) -> None:
    b = _boot(PUBLIC / name)
    c = b.completeness
    assert c.status is MapStatus.FILTERED
    assert "grep output" in c.reason and "every line read carries 'e820'" in c.reason
    # what survives, and what can still be derived from it
    assert "'BIOS-e820' entries" in c.reason and "2 last_pfn lines" in c.reason
    assert "the 'BIOS-e820' map is whole" in c.reason
    fw = b.firmware_map
    assert fw is not None and fw.complete
    # the kernel's end of RAM agrees with the map's (the check a filter cannot fool)
    assert b.last_pfn[0].last_pfn << 12 == max(e.end for e in fw.entries if e.type == 1)


def test_a_grep_that_lost_map_lines_marks_the_map_cut(tmp_path: Path) -> None:
    """The same real grep output without its RAM lines above 3 GiB (as `grep e820 |
    grep -v 0x00000001` would leave it): last_pfn shows RAM the map no longer has."""
    text = (PUBLIC / "forum-28-grep.log").read_text()
    cut = "".join(
        ln for ln in text.splitlines(keepends=True) if "[mem 0x0000000100000000" not in ln
    )
    path = tmp_path / "grep-v.log"
    path.write_text(cut)
    b = _boot(path)
    assert b.completeness.status is MapStatus.FILTERED
    fw = b.firmware_map
    assert fw is not None and not fw.complete
    assert "last_pfn says RAM ends at 0x138000000" in fw.notes[-1]


def test_a_firmware_map_of_one_line_beside_a_whole_setup_data_map(tmp_path: Path) -> None:
    """A real 6.1 dmesg filtered so that one BIOS-e820 line is left beside the whole
    'reserve setup_data' map: the firmware map is cut (the setup_data block covers what
    it lacks), the setup_data block is whole."""
    lines = (LAB / "stock-6.1-ovmf-2g-boot.log").read_text().splitlines(keepends=True)
    fw = [i for i, ln in enumerate(lines) if "BIOS-e820:" in ln]
    kept = [ln for i, ln in enumerate(lines) if i not in fw[1:]]
    path = tmp_path / "one-line.log"
    path.write_text("".join(kept))
    b = _boot(path)
    fwt = b.firmware_map
    sd = b.tables_of(TableKind.SETUP_DATA)
    assert fwt is not None and len(fwt) == 1 and not fwt.complete
    assert "lines of the firmware map are missing" in fwt.notes[-1]
    assert sd and sd[0].complete
    assert b.completeness.status is MapStatus.CUT_OFF


def test_a_pager_cut_journal_map_is_cut_off() -> None:
    """notes-05: journalctl's pager output pasted up to the third BIOS-e820 line."""
    b = _boot(PUBLIC / "notes-05.log")
    assert b.completeness.status is MapStatus.CUT_OFF
    fw = b.firmware_map
    assert fw is not None and not fw.complete and cut_at_end(fw)
    assert "no kernel line after the 'BIOS-e820' map" in b.completeness.reason


@pytest.mark.parametrize("cut", [6, 12, 19])
def test_a_head_of_a_real_dmesg_is_cut_where_it_ends(tmp_path: Path, cut: int) -> None:
    lines = (LAB / "stock-6.1-ovmf-2g-boot.log").read_text().splitlines(keepends=True)
    path = tmp_path / "head.log"
    path.write_text("".join(lines[:cut]))
    c = _boot(path).completeness
    assert c.status is MapStatus.CUT_OFF
    assert f"the input ends on its last line ({cut})" in c.reason


@pytest.mark.parametrize(
    "path",
    [LAB / "stock-6.1-ovmf-2g-boot.log", PUBLIC / "linuxhw-14.log", PUBLIC / "lkml-11.log"],
    ids=lambda p: p.name,
)
def test_whole_logs_stay_present(path: Path) -> None:
    assert _boot(path).completeness.status is MapStatus.PRESENT


def test_the_next_boot_cuts_a_map_it_interrupts(tmp_path: Path) -> None:
    """Boot 1 stops after its map's fifth line and boot 2 (the same real log) begins."""
    lines = (LAB / "stock-6.1-seabios-2g-boot.log").read_text().splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if "BIOS-e820:" in ln)
    path = tmp_path / "two.log"
    path.write_text("".join(lines[: first + 5] + lines))
    boots = parse_input(str(path)).boots
    assert boots[0].completeness.status is MapStatus.CUT_OFF
    assert "the next boot starts after line" in boots[0].completeness.reason
    assert boots[1].completeness.status is MapStatus.PRESENT


def test_grep_for_one_line_and_the_setup_data_map(tmp_path: Path) -> None:
    """`dmesg | grep -E 'BIOS-e820: \\[mem 0x0000000000000000|reserve setup_data'` of a
    real 6.1 boot: one firmware line beside the whole 'reserve setup_data' map. The
    firmware map is cut (that block covers what it lacks), the setup_data map whole."""
    text = (LAB / "stock-6.1-ovmf-2g-boot.log").read_text()
    kept = [
        ln
        for ln in text.splitlines(keepends=True)
        if "BIOS-e820: [mem 0x0000000000000000" in ln or "reserve setup_data" in ln
    ]
    path = tmp_path / "grep.log"
    path.write_text("".join(kept))
    b = _boot(path)
    assert b.completeness.status is MapStatus.FILTERED
    assert "every line read carries '[mem'" in b.completeness.reason
    fw, (sd,) = b.firmware_map, b.tables_of(TableKind.SETUP_DATA)
    assert fw is not None and len(fw) == 1 and not fw.complete
    assert sd.complete and len(sd) == 17
    assert "the 'reserve setup_data' map is whole" in b.completeness.reason
    assert "read that block instead" in b.completeness.reason


def test_a_paste_ending_on_a_bare_time_prefix_is_cut() -> None:
    """Fiwix#72: the paste's last line is only ``[    0.000000]``, inside the map: a time
    prefix with no message is where the paste was cut, not the kernel going on."""
    b = _boot(PUBLIC / "issue-32-fiwix-kexec.log")
    assert b.completeness.status is MapStatus.CUT_OFF
    assert "no kernel line after the 'BIOS-e820' map" in b.completeness.reason


@pytest.mark.parametrize(
    ("name", "who", "low"),
    [
        ("issue-33-midmap.log", "reserve setup_data", 0xC0000000),
        ("issue-34-midmap-fw.log", "BIOS-e820", 0x100000),
    ],
)
def test_an_excerpt_that_starts_inside_a_map_is_cut_at_its_start(
    name: str, who: str, low: int
) -> None:
    """Real pastes that begin inside a map, with no header or banner before it: the
    entries below the first one shown are not in the log, whatever follows."""
    b = _boot(PUBLIC / name) if who == "BIOS-e820" else parse_input(str(PUBLIC / name)).boots[0]
    assert b.completeness.status is MapStatus.CUT_OFF
    assert f"the '{who}' map starts at {low:#x} with no header before it" in b.completeness.reason
    t = b.tables[0]
    assert not t.complete and not cut_at_end(t)
