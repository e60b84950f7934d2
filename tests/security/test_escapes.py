"""Nothing from the input reaches the terminal raw: names and echoed text are escaped."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli
from e820scope.safe_text import escape_block, escape_name

REPO = Path(__file__).resolve().parents[2]
LOG = (REPO / "samples/lab/stock-6.1-seabios-2g-boot.log").read_bytes()
#: retitles an xterm, rings the bell, then reverses what follows (bidi override)
HOSTILE = "dmesg\x1b]0;PWNED\x07\u202etxt.exe"
RAW = ("\x1b", "\x07", "\u202e")


def _sosreport(tmp_path: Path, log: bytes = LOG) -> Path:
    p = tmp_path / "sosreport-host.tar.gz"
    with tarfile.open(p, "w:gz") as tf:
        for name, data in ((f"sosreport-host/sos_commands/kernel/{HOSTILE}", log),):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return p


@pytest.mark.parametrize("fmt", [[], ["--csv"], ["--json"]])
def test_member_name_is_escaped_in_every_output(tmp_path: Path, fmt: list[str]) -> None:
    r = CliRunner().invoke(cli, ["parse", *fmt, str(_sosreport(tmp_path))])
    assert r.exit_code == 0, r.stderr
    for c in RAW:
        assert c not in r.stdout and c not in r.stderr
    if fmt == ["--json"]:  # JSON escapes itself; the name round-trips exactly
        assert HOSTILE in json.loads(r.stdout)["inputs"][0]["files"][0]
    elif not fmt:  # (CSV rows name the input, not the member)
        assert "dmesg\\x1b]0;PWNED\\x07\\u202etxt.exe" in r.stdout


def test_member_name_is_escaped_in_errors_and_warnings(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["parse", str(_sosreport(tmp_path, b"\x00" * 4096))])
    assert r.exit_code == 2
    assert "binary data" in r.stderr and "dmesg\\x1b]0;PWNED\\x07\\u202etxt.exe" in r.stderr
    for c in RAW:
        assert c not in r.stderr


def test_escaping_is_exact() -> None:
    assert escape_name("a\tb\nc\x00\x7f\x9b\u2066") == "a\\x09b\\x0ac\\x00\\x7f\\x9b\\u2066"
    assert escape_block("line\tone\nline two\r\n") == "line\tone\nline two\\x0d\n"
    assert escape_block("plain text ü €") == "plain text ü €"
