"""The tagged consoles of several machines in one file (NixOS test driver logs) are read
as one source per machine (e820scope.ingest.demux), on two real logs from nixpkgs."""

from __future__ import annotations

from pathlib import Path

from e820scope.ingest import open_inputs
from e820scope.parse import parse_input

REPO = Path(__file__).resolve().parents[2]
PUBLIC = REPO / "samples" / "public"


def test_two_vms_booting_at_once_keep_their_own_maps() -> None:
    """nixpkgs#509254: 'server # ' and 'client # ' lines interleave inside the maps."""
    log = PUBLIC / "issue-43-nixos-two-vms.log"
    assert [s.name for s in open_inputs(log)] == [f"{log}@server", f"{log}@client"]
    boots = {b.source.rsplit("@", 1)[1]: b for b in parse_input(log).boots}
    assert sorted(boots) == ["client", "server"]
    server = [(e.addr, e.end) for t in boots["server"].tables for e in t.entries]
    client = [(e.addr, e.end) for t in boots["client"].tables for e in t.entries]
    assert server == [(0, 0x9FC00), (0x9FC00, 0xA0000)]
    assert client[0] == (0xF0000, 0x100000) and client[-1] == (0xFD00000000, 0x10000000000)
    assert len(client) == 6
    assert boots["server"].cmdline and "nixos-system-server" in boots["server"].cmdline
    assert boots["client"].cmdline is None
    # line numbers are the file's
    assert boots["server"].tables[0].first_ref.line == 8


def test_untagged_printk_line_joins_the_machine_before_it() -> None:
    """nixpkgs PR 72272 (2019 driver, 'machine# '): the banner came without a tag."""
    log = PUBLIC / "issue-44-nixos-2019.log"
    (boot,) = parse_input(log).boots
    assert str(boot.kernel) == "4.19.81" and boot.source == f"{log}@machine"
    assert len(boot.tables[0].entries) == 7


def test_an_untagged_console_is_one_source() -> None:
    log = PUBLIC / "lkml-01.log"
    assert [s.name for s in open_inputs(log)] == [str(log)]


def test_a_guest_console_in_the_host_journal_is_its_own_source() -> None:
    """microvm.nix#259: the VM's serial console, relayed by its systemd unit, in the
    host's journal ('host microvm@test[3644]: [    0.000000] BIOS-e820: ...')."""
    log = PUBLIC / "issue-45-journal-guest.log"
    assert [s.name for s in open_inputs(log)] == [str(log), f"{log}@microvm@test"]
    (boot,) = parse_input(log).boots
    assert boot.source == f"{log}@microvm@test"
    entries = [(e.addr, e.end) for e in boot.tables[0].entries]
    assert entries[0] == (0x100000, 0x3FFFF000) and len(entries) == 4


def test_a_compressed_copy_is_one_console_with_a_warning(tmp_path: Path) -> None:
    """Only a plain file is split; a compressed copy (like standard input) is read as one
    console, and the warning says the machines' maps may mix."""
    import gzip

    gz = tmp_path / "two-vms.log.gz"
    gz.write_bytes(gzip.compress((PUBLIC / "issue-43-nixos-two-vms.log").read_bytes()))
    (src,) = open_inputs(gz)
    parsed = parse_input(gz)
    assert src.name == str(gz) and {b.source for b in parsed.boots} == {str(gz)}
    assert any("several machines" in w.message for w in parsed.warnings)
