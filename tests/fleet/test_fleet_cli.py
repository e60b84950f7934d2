"""`e820scope fleet` end to end on a tree of real captures: rows, formats, exit codes, the
local pool against a Dask LocalCluster of real worker processes."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.fleet.scan import ScanConfig, scan
from e820scope.render.json_common import schema_path


def validate(doc: dict[str, Any]) -> None:
    """``doc`` against schemas/fleet-1.json (tests/cli/test_json_schemas.py checks the
    schema file itself)."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(schema_path(doc["schema"]).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)


def run(*args: str, code: int = 0) -> Any:
    r = CliRunner().invoke(cli, ["fleet", "-q", *args])
    assert r.exit_code == code, (r.output, r.stderr if r.stderr_bytes else "")
    return r


def test_tree_one_row_per_host_sorted_by_risk(fleet_tree: Path) -> None:
    doc = json.loads(run(str(fleet_tree), "--json").stdout)
    validate(doc)
    hosts = {h["host"]: h for h in doc["hosts"]}
    assert sorted(hosts) == ["broken-d", "chain-a", "cold-c", "sos-e", "stock-b"]
    assert all(h["identified_by"].startswith("directory ") for h in doc["hosts"])
    order = [h["host"] for h in doc["hosts"]]
    # losses first (both already lost in the log, 1 GiB), then no loss, errors last
    assert order[:2] == ["chain-a", "sos-e"] and order[-1] == "broken-d"
    a = hosts["chain-a"]
    assert (a["generations"], a["entries_received"], a["kexec_table_entries"]) == (5, 128, 130)
    assert (a["bytes_lost"], a["bytes_lost_hex"], a["reboots_left"]) == (1 << 30, "0x40000000", 0)
    b = hosts["stock-b"]
    assert b["generations"] == 5 and b["mechanism"] == "no growth (kexec_file_load)"
    assert b["reboots_left"] is None and b["kernel"] == "6.1.0-56-amd64"
    assert hosts["sos-e"]["duplicates_dropped"] == 1
    assert "binary" in hosts["broken-d"]["error"]
    assert doc["summary"] == {"hosts": 5, "losing": 2, "lost_in_log": 2, "no_loss": 2, "errors": 1}


def test_text_csv_and_parquet(fleet_tree: Path, tmp_path: Path) -> None:
    text = run(str(fleet_tree), "-j", "1").stdout
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["host", "kernel", "start"]
    assert lines[1].startswith("chain-a ") and "ERROR:" in lines[-2]
    assert lines[-1].startswith("5 host(s): 2 lose memory")
    rows = list(csv.DictReader(io.StringIO(run(str(fleet_tree), "--csv").stdout)))
    assert [r["host"] for r in rows][:2] == ["chain-a", "sos-e"]
    assert rows[0]["bytes_lost"] == str(1 << 30)
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "fleet.parquet"
    run(str(fleet_tree), "--parquet", str(out))
    table = pq.read_table(out).to_pylist()
    assert [t["host"] for t in table] == [r["host"] for r in rows]
    assert table[0]["inputs"][0].endswith("gen01.log") and table[0]["bytes_lost"] == 1 << 30


def test_fail_within_for_monitoring(fleet_tree: Path) -> None:
    r = run(str(fleet_tree / "chain-a"), str(fleet_tree / "stock-b"), "--fail-within", "30", code=1)
    assert "1 host(s) lose usable RAM within 30" in r.stderr
    run(str(fleet_tree / "stock-b" / "kern.log.1.gz"), "--fail-within", "30", code=0)


def test_loose_files_grouped_by_content_and_globs_and_lists(
    fleet_tree: Path, tmp_path: Path
) -> None:
    lst = tmp_path / "list"
    lst.write_text(f"# hosts\n{fleet_tree / 'cold-c' / 'dmesg'}\n\n")
    via_from = json.loads(run("--from", str(lst), "--json").stdout)["hosts"]
    assert [h["inputs"] for h in via_from] == [[str(fleet_tree / "cold-c" / "dmesg")]]
    doc = json.loads(
        run(f"{fleet_tree}/chain-a/gen0*.log", f"@{lst}", str(tmp_path / "nope"), "--json").stdout
    )
    validate(doc)
    by = {h["host"]: h for h in doc["hosts"]}
    nope = by[str(tmp_path / "nope")]
    assert nope["error"] == "no such file or directory"
    # gen01-03 carry no DMI line (small config kernel): each file is its own host
    paths = [h for h in by if h.endswith(".log")]
    assert len(paths) == 3
    cold = next(h for h in doc["hosts"] if h["inputs"] == [str(fleet_tree / "cold-c" / "dmesg")])
    assert cold["host"].startswith("dmi-") and "DMI: QEMU" in cold["identified_by"]


def test_no_link_is_followed_out_of_a_host_directory(fleet_tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.log"
    outside.write_bytes((fleet_tree / "cold-c" / "dmesg").read_bytes())
    (fleet_tree / "chain-a" / "zz-link.log").symlink_to(outside)
    doc = json.loads(run(str(fleet_tree / "chain-a"), "--json").stdout)
    # a directory of files only is one host, named by the directory
    (host,) = doc["hosts"]
    assert host["host"] == "chain-a" and len(host["inputs"]) == 5
    assert not any("zz-link" in i or "outside" in i for i in host["inputs"])


def test_nothing_readable_is_exit_2(tmp_path: Path) -> None:
    r = run(str(tmp_path / "missing"), code=2)
    assert "no host could be read" in r.stderr


def _rows(paths: list[str], cfg: ScanConfig) -> list[dict[str, Any]]:
    out = [r.to_dict() for r in scan(paths, (), cfg)]
    return sorted(out, key=lambda d: d["host"])


def test_pool_and_dask_cluster_give_the_rows_of_the_serial_scan(fleet_tree: Path) -> None:
    distributed = pytest.importorskip("distributed")
    serial = _rows([str(fleet_tree)], ScanConfig(workers=1, progress=False))
    pooled = _rows([str(fleet_tree)], ScanConfig(workers=2, progress=False))
    assert pooled == serial
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids  # real worker processes
        dask = _rows([str(fleet_tree)], ScanConfig(dask=cluster.scheduler_address, progress=False))
        r = CliRunner().invoke(
            cli, ["fleet", "-q", "--dask", cluster.scheduler_address, str(fleet_tree), "--json"]
        )
    assert dask == serial
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)["hosts"]) == 5
