"""Fleets built in a temporary directory from the real lab captures in samples/lab."""

from __future__ import annotations

import gzip
import shutil
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "samples" / "lab"
GENS = LAB / "patched-6.1-ovmf-4g-chain"
STOCK_CHAIN = LAB / "stock-6.1-ovmf-6g-chain.log"
ONE_BOOT = LAB / "stock-6.1-seabios-2g-boot.log"


def make_sosreport(root: Path, host: str) -> Path:
    """A sosreport directory holding generations 2, 3, 57, 58 of the patched chain the
    way sos lays them out: rotated var/log/dmesg.N, journal exports of earlier boots
    (boot -2 repeats dmesg.0, i.e. generation 3), and the current dmesg."""
    sos = root / f"sosreport-{host}-2026-12-07"
    for d in ("sos_commands/kernel", "sos_commands/logs", "var/log"):
        (sos / d).mkdir(parents=True)
    (sos / "hostname").write_text(f"{host}\n")
    shutil.copy(GENS / "gen02.log", sos / "var/log/dmesg.1")
    with gzip.open(sos / "var/log/dmesg.0.gz", "wb") as fh:
        fh.write((GENS / "gen03.log").read_bytes())
    shutil.copy(GENS / "gen03.log", sos / "sos_commands/logs/journalctl_--no-pager_--boot_-2")
    shutil.copy(GENS / "gen57.log", sos / "sos_commands/logs/journalctl_--no-pager_--boot_-1")
    shutil.copy(GENS / "gen58.log", sos / "sos_commands/kernel/dmesg")
    return sos


def make_tarball(sos: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w:xz") as tf:
        tf.add(sos, arcname=sos.name)
    return dest


@pytest.fixture
def fleet_tree(tmp_path: Path) -> Path:
    """hosts/: one directory per host (plain, gzip, one file per generation, a sosreport
    tarball), a host whose only file is binary, and a loose sosreport directory."""
    top = tmp_path / "hosts"
    (top / "chain-a").mkdir(parents=True)
    for g in ("gen01.log", "gen02.log", "gen03.log", "gen57.log", "gen58.log"):
        shutil.copy(GENS / g, top / "chain-a" / g)
    (top / "stock-b").mkdir()
    with gzip.open(top / "stock-b" / "kern.log.1.gz", "wb") as fh:
        fh.write(STOCK_CHAIN.read_bytes())
    (top / "cold-c").mkdir()
    shutil.copy(ONE_BOOT, top / "cold-c" / "dmesg")
    (top / "broken-d").mkdir()
    (top / "broken-d" / "dmesg").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(200))
    (top / "sos-e").mkdir()
    make_tarball(make_sosreport(tmp_path / "build", "web05"), top / "sos-e" / "sosreport.tar.xz")
    return top
