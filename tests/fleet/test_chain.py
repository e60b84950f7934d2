"""One host's chain rebuilt from a sosreport, checked against `predict` on the same boots."""

from __future__ import annotations

from pathlib import Path

import pytest

from e820scope.analysis.chain_input import load_boots
from e820scope.analysis.growth import Assumptions, generations, infer_mechanism
from e820scope.analysis.predict import predict
from e820scope.fleet.chain import analyse, merge_sources
from e820scope.fleet.identity import identify
from e820scope.fleet.inputs import HostUnit
from e820scope.fleet.row import HostRow
from e820scope.parse import parse_input

from .conftest import GENS, LAB, REPO, STOCK_CHAIN, make_sosreport, make_tarball

PUBLIC = REPO / "samples" / "public"

CHAIN = [str(GENS / g) for g in ("gen02.log", "gen03.log", "gen57.log", "gen58.log")]


def _reference() -> tuple[int, int, int, int | None]:
    """What `predict gen02 gen03 gen57 gen58` says: last seen, first loss, bytes, death."""
    gens = generations(load_boots(CHAIN))
    pred = predict(gens, infer_mechanism(gens, Assumptions()))
    first = pred.first_loss
    assert first is not None
    return pred.last_seen, first.generation, first.usable_lost, pred.death


def test_sosreport_generations_in_time_order_each_boot_once(tmp_path: Path) -> None:
    sos = make_sosreport(tmp_path, "web01")
    row = analyse(HostUnit("web01", "test", (str(sos),)))
    assert row.error is None, row.error
    # five sources, one of them (journal boot -2) repeats dmesg.0: four generations
    assert (row.boots, row.generations, row.duplicates_dropped) == (5, 4, 1)
    assert any("counted once" in w for w in row.warnings)
    last, loss, lost, death = _reference()
    assert row.last_seen_generation == last == 4
    assert (row.first_loss_generation, row.bytes_lost) == (loss, lost)
    # gen 58 (the 4th here) received 128 entries and lost 1 GiB: already in the log
    assert (row.entries_received, row.kexec_table_entries) == (128, 130)
    assert lost == 1 << 30 and row.reboots_left == 0
    assert row.will_not_boot_generation == death
    assert row.mechanism == "SETUP_EFI carried in e820_table_kexec (kexec_file_load)"


def test_sosreport_tarball_gives_the_same_row_and_its_host_name(tmp_path: Path) -> None:
    sos = make_sosreport(tmp_path / "d", "web02")
    tar = make_tarball(sos, tmp_path / "sosreport-web02.tar.xz")
    assert identify(str(tar)).host == "web02"
    assert identify(str(sos)).how == "sosreport host name"
    a = analyse(HostUnit("web02", "t", (str(sos),)))
    b = analyse(HostUnit("web02", "t", (str(tar),)))
    keep = ("generations", "duplicates_dropped", "first_loss_generation", "bytes_lost")
    assert [getattr(a, k) for k in keep] == [getattr(b, k) for k in keep]


def test_merge_places_a_source_around_the_boots_it_shares() -> None:
    """A journal holding boots 1-5 after a dmesg holding boot 3: boots 1, 2 go before the
    shared copy, 4, 5 after it; nothing is counted twice."""
    boots = parse_input(STOCK_CHAIN).boots
    dmesg = [boots[2]]
    journal = list(boots)
    runs, dropped = merge_sources([dmesg, journal])
    merged = [b for run in runs for b in run]
    assert dropped == 1
    assert [b.index for b in merged] == [1, 2, 3, 4, 5]
    assert merged[2] is boots[2]


def test_boots_of_one_source_are_never_merged() -> None:
    """Two identical boots inside one log stay two generations (the log says so)."""
    boots = parse_input(STOCK_CHAIN).boots
    runs, dropped = merge_sources([[boots[0], boots[0]]])
    assert dropped == 0 and len(runs[0]) == 2


def test_one_cold_boot_is_not_predicted_unless_asked() -> None:
    spec = str(LAB / "stock-6.1-seabios-2g-boot.log")
    row = analyse(HostUnit("c", "t", (spec,)))
    assert row.error is None and row.mechanism == "no kexec seen"
    assert row.reboots_left is None and row.entries_received == 7
    assumed = analyse(HostUnit("c", "t", (spec,)), assume_kexec=True)
    assert assumed.mechanism_source == "assumed" and assumed.reboots_left is not None
    assert any("--assume-kexec" in w for w in assumed.warnings)


def test_a_binary_input_is_a_row_with_its_error(tmp_path: Path) -> None:
    bad = tmp_path / "dmesg"
    bad.write_bytes(b"\x7fELF" + bytes(100))
    row = analyse(HostUnit("x", "t", (str(bad),)))
    assert row.error is not None and "binary" in row.error


def test_an_unreadable_input_beside_good_ones_is_a_warning(tmp_path: Path) -> None:
    bad = tmp_path / "junk.bin"
    bad.write_bytes(bytes(64))
    row = analyse(HostUnit("x", "t", (*CHAIN, str(bad))))
    assert row.error is None and row.generations == 4
    assert any(w.startswith("input not used:") for w in row.warnings)


def test_crash_directory_joins_the_chain_and_kdump_is_left_out(tmp_path: Path) -> None:
    """var/crash/<dir>/vmcore-dmesg.txt (the crashed kernel) comes first, its kdump
    capture kernel (kexec-dmesg.log, a real Debian 6.1 kdump boot) is not a generation."""
    import lzma

    kdump_log = LAB / "matrix" / "6.1-seabios-kdump-file.log.xz"
    boots = parse_input(kdump_log).boots
    capture = next(b for b in boots if b.start.method.value == "kdump")
    lines = lzma.decompress(kdump_log.read_bytes()).splitlines(keepends=True)
    sos = tmp_path / "sosreport-db01"
    crash = sos / "var/crash/127.0.0.1-2026-12-06-10:00:00"
    crash.mkdir(parents=True)
    (sos / "sos_commands/kernel").mkdir(parents=True)
    (crash / "vmcore-dmesg.txt").write_bytes((GENS / "gen02.log").read_bytes())
    (crash / "kexec-dmesg.log").write_bytes(
        b"".join(lines[capture.first_line - 1 : capture.last_line])
    )
    (sos / "sos_commands/kernel/dmesg").write_bytes((GENS / "gen03.log").read_bytes())
    row = analyse(HostUnit("db01", "t", (str(sos),)))
    assert row.error is None, row.error
    assert (row.boots, row.generations) == (3, 2)
    assert "1 kdump capture boot(s) left out of the chain" in row.warnings
    # gen02 -> gen03 is the patched chain's recurring +2 (SETUP_EFI carried)
    assert row.growth_per_generation == 2.0 and row.mechanism_source == "observed"


def _assumed_row(tmp_path: Path, name: str) -> HostRow:
    """``fleet --assume-kexec`` on one real public log (samples/public, MANIFEST.tsv)."""
    log = tmp_path / name
    log.write_bytes((PUBLIC / name).read_bytes())
    row = analyse(HostUnit(name, "t", (str(log),)), assume_kexec=True)
    assert row.error is None, row.error
    return row


@pytest.mark.parametrize(
    "name",
    ["lkml-01.log", "notes-03.log", "forum-26-vbox.log"],  # 2.6.17.11, 3.10.0-514, 3.13.0-24
)
def test_assume_kexec_before_3_17_is_kexec_load_without_growth(tmp_path: Path, name: str) -> None:
    """A kernel older than kexec_file_load (3.17) cannot grow by SETUP_EFI: its kexec
    reboots are kexec_load (the rows said +2 SETUP_EFI per generation before)."""
    row = _assumed_row(tmp_path, name)
    assert row.handoff_path == "kexec_load" and row.growth_per_generation == 0
    assert row.reboots_left is None and "SETUP_EFI" not in (row.mechanism or "")
    assert any("has no kexec_file_load" in w for w in row.warnings)


@pytest.mark.parametrize(
    ("name", "growth", "carried"),
    [
        ("linuxhw-14.log", 2, "SETUP_EFI"),  # 5.4.0-58: before 8efbc518b884 (v5.8)
        ("notes-05.log", 0, None),  # 5.8.8: SETUP_EFI stays out of e820_table_kexec
        ("linuxhw-19.log", 2, "SETUP_RNG_SEED"),  # 6.2.8: RNG seed 6.0-6.7, no SETUP_EFI
        ("notes-08.log", 0, None),  # 6.8.0-51: 7fd817c90650
    ],
)
def test_assume_kexec_growth_follows_the_kernel_model(
    tmp_path: Path, name: str, growth: int, carried: str | None
) -> None:
    row = _assumed_row(tmp_path, name)
    assert row.handoff_path == "kexec_file_load" and row.growth_per_generation == growth
    mech = row.mechanism or ""
    assert mech.startswith(carried) if carried else mech.startswith("no growth"), mech
    if carried != "SETUP_EFI":
        assert "SETUP_EFI" not in mech
