"""``e820scope parse``: output formats, exit codes and messages (CliRunner + one subprocess)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SEABIOS = str(SAMPLES / "lab" / "stock-6.1-seabios-2g-boot.log")
CHAIN = str(SAMPLES / "lab" / "stock-6.1-seabios-6g-chain.log")


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, ["parse", *args])
    return r.exit_code, r.stdout, r.stderr


def test_text_table_and_summary() -> None:
    code, out, _err = run(SEABIOS)
    assert code == 0
    assert "BIOS-provided physical RAM map (BIOS-e820, 7 entries, era C)" in out
    # the log's first entry: BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
    assert "0x0000000000000000  0x000000000009fbff     639 KiB  usable" in out
    assert "summary: 7 entries" in out


def test_json_schema_and_hex() -> None:
    code, out, _err = run("--json", CHAIN)
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "e820scope.parse/2"
    assert [b["index"] for b in doc["boots"]] == [1, 2, 3, 4, 5]
    first = doc["boots"][0]["tables"][0]["entries"][0]
    assert (first["addr"], first["last_hex"], first["size"]) == (0, "0x9fbff", 0x9FC00)
    assert doc["boots"][1]["start"]["method"] == "kexec"
    assert doc["partial"] is False


def test_csv_one_row_per_entry() -> None:
    code, out, _err = run("--csv", SEABIOS)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 7
    assert rows[0]["start_hex"] == "0x0" and rows[0]["type_name"] == "usable"


def test_partial_input_warns_and_marks_json() -> None:
    code, out, err = run("--json", str(SAMPLES / "public" / "notes-03.log"))
    assert code == 0
    assert json.loads(out)["partial"] is True
    assert "partial result" in err


def test_cut_short_gzip_prints_what_was_read_and_exits_2(tmp_path: Path) -> None:
    import gzip

    data = gzip.compress(Path(CHAIN).read_bytes())
    cut = tmp_path / "chain.log.gz"
    cut.write_bytes(data[: len(data) // 2])
    code, out, err = run("--json", str(cut))
    assert code == 2
    doc = json.loads(out)
    assert doc["partial"] is True and len(doc["boots"]) >= 1
    assert f"{cut}:" in err and "gzip" in err and "Traceback" not in err


def test_quiet_suppresses_warnings() -> None:
    code, _out, err = run("-q", str(SAMPLES / "public" / "notes-03.log"))
    assert code == 0 and err == ""


def test_no_map_exit_3_with_advice(tmp_path: Path) -> None:
    log = tmp_path / "wrapped.log"
    log.write_text("[ 5000.000001] usb 1-1: new high-speed USB device number 2\n")
    code, _out, err = run(str(log))
    assert code == 3
    assert "no e820 map" in err and "journalctl -k -b" in err and "Traceback" not in err


def test_truncated_map_only_exit_3() -> None:
    code, _out, err = run(str(SAMPLES / "public" / "notes-09.log"))
    assert code == 3
    assert "notes-09.log:74" in err


def test_binary_input_one_line_exit_2(tmp_path: Path) -> None:
    log = tmp_path / "core.bin"
    log.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" * 50)
    code, _out, err = run(str(log))
    assert code == 2
    assert err.count("\n") == 1 and str(log) in err and "Traceback" not in err


def test_missing_file_exit_2() -> None:
    code, _out, err = run("/nonexistent/dmesg")
    assert code == 2 and "/nonexistent/dmesg" in err


def test_help_lists_exit_codes() -> None:
    r = CliRunner().invoke(cli, ["parse", "--help"])
    assert r.exit_code == 0
    assert "Exit status" in r.stdout and "Example" in r.stdout


def test_installed_console_script() -> None:
    exe = shutil.which("e820scope")
    if exe is None:
        pytest.skip("the e820scope console script is not installed (./bootstrap.sh --dev)")
    r = subprocess.run(
        [exe, "parse", "--json", SEABIOS], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["boots"][0]["tables"][0]["entries"]) == 7
