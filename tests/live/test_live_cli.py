"""`e820scope live` on fake roots: the real guest dump and an empty machine."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.live.load import kallsyms_params
from e820scope.live.snapshot import running_version, take_snapshot


def test_json_from_guest_dump(gen2_root: Path) -> None:
    r = CliRunner().invoke(cli, ["live", "--root", str(gen2_root), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["kernel"] == "6.1.0-56-amd64"
    assert doc["sysfs_memmap"]["table"] == "e820_table_firmware"
    assert doc["boot_params"]["e820_entries"] == 18
    assert doc["module"]["tables"]["e820_table_kexec"]["nr_entries"] == 18
    kb = doc["kexec_budget"]
    assert (kb["source"], kb["kexec_entries"], kb["passed"], kb["dropped"]) == (
        "module",
        18,
        18,
        [],
    )
    assert kb["reboots_left"] is None  # 6.1.192 reserves no kexec-created setup_data


def test_text_side_by_side(gen2_root: Path) -> None:
    r = CliRunner().invoke(cli, ["live", "--root", str(gen2_root)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    row = next(ln for ln in lines if ln.startswith("0x00000000bd0b2018-0x00000000bd0bbc57"))
    # e820_table, e820_table_kexec, e820_table_firmware: type 128; sysfs shows usable;
    # boot_params (what this kernel received) carries 128 verbatim
    assert row.count("reserved-kern (type 128)") == 4
    assert "usable" in row
    assert any("kexec reboots left before loss: never" in ln for ln in lines)


def test_nothing_available(tmp_path: Path) -> None:
    snap = take_snapshot(tmp_path)
    text = "\n".join(snap.missing)
    for what in ("kernel release", "/sys/firmware/memmap", "/proc/iomem", "boot_params", "module"):
        assert what in text
    r = CliRunner().invoke(cli, ["live", "--root", str(tmp_path), "--json"])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["kexec_budget"] is None and doc["module"] is None


def test_debian_patch_level_from_proc_version() -> None:
    pv = "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP Debian 6.1.192-2"
    k = running_version("6.1.0-56-amd64\n", pv)
    assert k is not None and (k.major, k.minor, k.patch, k.raw) == (6, 1, 192, "6.1.0-56-amd64")
    ub = (
        "Linux version 5.15.0-91-generic (buildd@x) #101-Ubuntu "
        "(Ubuntu 5.15.0-91.101-generic 5.15.131)"
    )
    k = running_version("5.15.0-91-generic", ub)
    assert k is not None and k.patch == 131
    k = running_version("6.1.0-56-amd64", "Linux version 6.1.0 Debian 5.10.1-1")
    assert k is not None and k.patch == 0  # a mismatched distro version is ignored
    assert running_version(None, pv) is None


def test_kallsyms_params() -> None:
    text = (
        "ffffffff82a0c2a0 D e820_table\nffffffff82a0c298 D e820_table_kexec\n"
        "ffffffff82a0c290 D e820_table_firmware\nffffffff81100000 T kallsyms_lookup_name\n"
        "0000000000000000 D e820_table_foo\n"
    )
    assert kallsyms_params(text) == [
        "e820_table_addr=0xffffffff82a0c2a0",
        "e820_table_kexec_addr=0xffffffff82a0c298",
        "e820_table_firmware_addr=0xffffffff82a0c290",
    ]
    assert kallsyms_params("0000000000000000 D e820_table\n") == []
