"""Which host a loose input belongs to, on real logs and a journal export made from one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.fleet.identity import from_text, identify

from .conftest import ONE_BOOT

REPO = Path(__file__).resolve().parents[2]
PUBLIC = REPO / "samples" / "public"
_TIME = re.compile(r"^.*?\[\s*(\d+\.\d+)\] (.*)$")


def journal_json(src: Path, host: str) -> str:
    """``journalctl -k -o json`` records of a real console capture's kernel lines."""
    out = []
    for line in src.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _TIME.match(line)
        if m:
            rec = {
                "_HOSTNAME": host,
                "_TRANSPORT": "kernel",
                "_BOOT_ID": "6f1c2e",
                "__MONOTONIC_TIMESTAMP": str(int(float(m.group(1)) * 1e6)),
                "MESSAGE": m.group(2),
            }
            out.append(json.dumps(rec))
    return "\n".join(out) + "\n"


def test_journal_hostname(tmp_path: Path) -> None:
    j = tmp_path / "kernel.json"
    j.write_text(journal_json(ONE_BOOT, "web09"))
    assert identify(str(j)).host == "web09"
    assert identify(str(j)).how == "journal _HOSTNAME field"
    r = CliRunner().invoke(cli, ["fleet", "-q", "-j", "1", "--json", str(j)])
    (row,) = json.loads(r.stdout)["hosts"]
    assert row["host"] == "web09" and row["entries_received"] == 7


def test_syslog_host_field_groups_loose_files() -> None:
    """notes-09 (rsyslog RFC 3339) and syslog-17 (/var/log/messages) both name their
    host ``host`` (scrubbed): one host, two inputs, the rule named."""
    a, b = str(PUBLIC / "notes-09.log"), str(PUBLIC / "syslog-17.log")
    assert identify(a).host == identify(b).host == "host"
    r = CliRunner().invoke(cli, ["fleet", "-q", "-j", "1", "--json", a, b])
    (row,) = json.loads(r.stdout)["hosts"]
    assert row["inputs"] == [a, b]
    assert row["identified_by"] == "syslog host field of kernel lines"


def test_dmi_and_banner_else_the_path() -> None:
    head = (PUBLIC / "linuxhw-14.log").read_bytes()
    found = from_text(head)
    assert found is not None and found.host.startswith("dmi-")
    assert "ASUSTeK COMPUTER INC. Z9PE-D8 WS" in found.how and "5.4.0-58-generic" in found.how
    lone = str(PUBLIC / "lkml-01.log")  # a serial capture without DMI line or host field
    assert identify(lone).host == lone
