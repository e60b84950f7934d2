"""`live --prometheus FILE` on the real guest dump: parsed back with the Prometheus client
library's parser, every metric documented, values equal to `live --json`'s budget."""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.live.prometheus import METRICS

parser = pytest.importorskip("prometheus_client.parser")
REPO = Path(__file__).resolve().parents[2]


def scrape(root: Path, out: Path) -> dict[str, list[tuple[dict[str, str], float]]]:
    r = CliRunner().invoke(cli, ["live", "--root", str(root), "--prometheus", str(out)])
    assert r.exit_code == 0, r.output
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for fam in parser.text_string_to_metric_families(out.read_text(encoding="utf-8")):
        assert fam.type == "gauge"
        found[fam.name] = [(s.labels, s.value) for s in fam.samples]
    return found


def test_guest_metrics_match_the_json_budget(gen2_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "e820scope.prom"
    out.write_text("stale\n")
    m = scrape(gen2_root, out)
    doc = json.loads(CliRunner().invoke(cli, ["live", "--root", str(gen2_root), "--json"]).stdout)
    kb = doc["kexec_budget"]
    assert m["e820scope_kexec_table_entries"] == [({}, kb["kexec_entries"])] == [({}, 18)]
    assert m["e820scope_next_kexec_file_load_passed_entries"] == [({}, kb["passed"])]
    assert m["e820scope_next_kexec_file_load_dropped_entries"] == [({}, 0)]
    assert m["e820scope_zeropage_max_entries"] == [({}, 128)]
    # 6.1.192 reserves no kexec-created setup_data: no growth, no loss ever
    assert m["e820scope_kexec_growth_entries_per_generation"] == [({}, 0)]
    assert m["e820scope_kexec_reboots_left"] == [({}, float("inf"))]
    assert "e820scope_setup_data_growing" not in m
    usable = dict((s[0]["map"], s[1]) for s in m["e820scope_usable_bytes"])
    assert usable["received"] == usable["firmware"] == 4288208896
    (info,) = m["e820scope_info"]
    assert info[0] == {"kernel": "6.1.0-56-amd64", "efi": "1", "kexec_table_source": "module"}
    # replaced atomically: no temporary file left beside it, readable by node_exporter
    assert [p.name for p in tmp_path.iterdir()] == ["e820scope.prom"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_growing_kernel_counts_reboots_left(gen2_root: Path, tmp_path: Path) -> None:
    """The same dump said to run 5.4 (before 8efbc518b884): SETUP_EFI grows +2 a
    generation, so (128 - 18) // 2 + 1 = 56 kexec_file_load reboots pass every entry."""
    root = tmp_path / "root"
    shutil.copytree(gen2_root, root, symlinks=True)
    (root / "proc/sys/kernel/osrelease").write_text("5.4.0-1-amd64\n")
    (root / "proc/version").write_text("Linux version 5.4.0-1-amd64\n")
    m = scrape(root, tmp_path / "out.prom")
    assert m["e820scope_kexec_growth_entries_per_generation"] == [({}, 2)]
    assert m["e820scope_kexec_reboots_left"] == [({}, 56)]
    assert m["e820scope_setup_data_growing"] == [({"type": "SETUP_EFI"}, 1)]


@pytest.mark.parametrize(
    ("release", "counted"),
    [("6.1.0-56-amd64", True), ("6.14.0", True), ("6.15.0", False), ("7.2.12-amd64", False)],
)
def test_usable_bytes_follow_the_running_kernel(
    gen2_root: Path, tmp_path: Path, release: str, counted: bool
) -> None:
    """The real gen-2 dump received the type-128 piece 0xbd0b2018-0xbd0bbc57 (0x9c40
    bytes, gen 1's SETUP_PCI blob). A kernel up to 6.14 uses it as RAM; from 6.15 it is
    not RAM (KernelVersion.ram_types), so the received map counts 0x9c40 bytes less, and
    so does e820_table_firmware, which on a kexec'd kernel is the map it received."""
    root = tmp_path / "root"
    shutil.copytree(gen2_root, root, symlinks=True)
    (root / "proc/sys/kernel/osrelease").write_text(f"{release}\n")
    (root / "proc/version").write_text(f"Linux version {release}\n")
    m = scrape(root, tmp_path / "out.prom")
    usable = dict((s[0]["map"], s[1]) for s in m["e820scope_usable_bytes"])
    assert usable["received"] == usable["firmware"] == 4288208896 - (0 if counted else 0x9C40)
    assert m["e820scope_info"][0][0]["kernel"] == release


def test_every_metric_is_documented() -> None:
    doc = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(e820scope_\w+)", doc, re.M))
    assert documented == {name for name, _, _ in METRICS}


def test_systemd_example_runs_the_real_command(gen2_root: Path, tmp_path: Path) -> None:
    """contrib/systemd's ExecStart, pointed at the guest dump and a temporary file."""
    unit = (REPO / "contrib" / "systemd" / "e820scope-metrics.service").read_text()
    exec_start = next(ln for ln in unit.splitlines() if ln.startswith("ExecStart="))
    argv = exec_start.removeprefix("ExecStart=").split()
    assert Path(argv[0]).name == "e820scope" and argv[1:3] == ["live", "--prometheus"]
    out = tmp_path / "e820scope.prom"
    r = CliRunner().invoke(cli, [*argv[1:3], str(out), *argv[4:], "--root", str(gen2_root)])
    assert r.exit_code == 0, r.output
    assert "e820scope_kexec_table_entries 18" in out.read_text()
    timer = (REPO / "contrib" / "systemd" / "e820scope-metrics.timer").read_text()
    assert "OnUnitActiveSec=15min" in timer and "WantedBy=timers.target" in timer
