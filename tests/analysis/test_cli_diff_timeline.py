"""``e820scope diff`` / ``timeline`` through click: exit codes, formats, goldens."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
UPDATE = bool(os.environ.get("E820SCOPE_UPDATE_GOLDEN"))

PATCHED = "samples/lab/patched-6.1-ovmf-4g-chain.log"
STOCK_OVMF = "samples/lab/stock-6.1-ovmf-6g-chain.log"
STOCK_SEABIOS = "samples/lab/stock-6.1-seabios-6g-chain.log"
STOCK_510 = "samples/lab/stock-5.10-ovmf-6g-chain.log"
LKML10 = "samples/public/lkml-10-kexec.log"


@pytest.fixture()
def run(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(REPO)

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args))

    return invoke


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(
                f"{path} is missing; rerun with E820SCOPE_UPDATE_GOLDEN=1 and check it by eye"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs (E820SCOPE_UPDATE_GOLDEN=1 to regenerate)"


DIFF_GOLDENS = [
    ("patched-gen1-gen2.txt", [f"{PATCHED}#1", f"{PATCHED}#2"], 1),
    ("patched-gen57-gen58.txt", [f"{PATCHED}#57", f"{PATCHED}#58"], 1),
    ("patched-gen1-gen63.txt", [f"{PATCHED}#1", f"{PATCHED}#63"], 1),
    ("lkml10-boot1-boot2.txt", [f"{LKML10}#1", f"{LKML10}#2"], 1),
    ("stock-6.1-ovmf-gen1-gen2.txt", [f"{STOCK_OVMF}#1", f"{STOCK_OVMF}#2"], 1),
    ("stock-6.1-ovmf-gen2-gen3.txt", [f"{STOCK_OVMF}#2", f"{STOCK_OVMF}#3"], 0),
    ("stock-6.1-seabios-gen1-gen2.txt", [f"{STOCK_SEABIOS}#1", f"{STOCK_SEABIOS}#2"], 0),
    # one Xen PV guest before and after a toolstack change (xen commit 364fab04a6cd):
    # four ranges turn 'unusable', which is no firmware's shape: the same machine
    (
        "xen-pv-unusable.txt",
        [
            "samples/public/xen-47-initial-e820.log#1",
            "samples/public/xen-47-initial-e820.log#2",
        ],
        1,
    ),
    # two machines' grep outputs: named as such first, nothing lost or gained
    (
        "grep-two-machines.txt",
        ["samples/public/forum-28-grep.log", "samples/public/notes-29-grep.log"],
        1,
    ),
]


@pytest.mark.parametrize(("golden", "args", "code"), DIFF_GOLDENS, ids=[g[0] for g in DIFF_GOLDENS])
def test_diff_golden(run, golden: str, args: list[str], code: int) -> None:  # type: ignore[no-untyped-def]
    r = run("diff", *args)
    assert r.exit_code == code, r.output
    check_golden(f"diff/{golden}", r.output)


def test_diff_json_golden(run) -> None:  # type: ignore[no-untyped-def]
    r = run("diff", "--json", f"{PATCHED}#57", f"{PATCHED}#58")
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert doc["schema"] == "e820scope.diff/3"
    kinds = [c["kind"] for c in doc["changes"] if c["kind"] != "unchanged"]
    assert kinds == ["split", "dropped_at_cap", "dropped_at_cap"]
    assert doc["usable"]["lost"] == 1 << 30
    assert doc["handoff"]["model_entries"] == 130 and doc["handoff"]["passed"] == 128
    check_golden("diff/patched-gen57-gen58.json", r.output)


def test_diff_identical_exit_0_and_final_map(run) -> None:  # type: ignore[no-untyped-def]
    r = run("diff", f"{STOCK_SEABIOS}#1", f"{STOCK_SEABIOS}#5")
    assert r.exit_code == 0, r.output
    assert "maps are identical" in r.output
    r = run("diff", "--map", "final", f"{PATCHED}#2", f"{PATCHED}#3")
    assert r.exit_code == 1
    assert "compared: final map" in r.output


@pytest.mark.parametrize(
    "args",
    [
        ["diff", "samples/no-such-file.log", f"{PATCHED}#1"],
        ["diff", f"{PATCHED}#99", f"{PATCHED}#1"],
        ["diff", "--map", "bogus", f"{PATCHED}#1", f"{PATCHED}#2"],
        ["timeline", "samples/no-such-file.log"],
        ["timeline", "--csv", "--json", PATCHED],
    ],
)
def test_input_errors_exit_2(run, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output


TIMELINE_GOLDENS = [
    ("patched.txt", [PATCHED]),
    ("stock.txt", [STOCK_OVMF, STOCK_SEABIOS, STOCK_510]),
]


@pytest.mark.parametrize(
    ("golden", "files"), TIMELINE_GOLDENS, ids=[g[0] for g in TIMELINE_GOLDENS]
)
def test_timeline_golden(run, golden: str, files: list[str]) -> None:  # type: ignore[no-untyped-def]
    r = run("timeline", *files)
    assert r.exit_code == 0, r.output
    check_golden(f"timeline/{golden}", r.output)


def test_timeline_csv_and_json(run) -> None:  # type: ignore[no-untyped-def]
    r = run("timeline", "--csv", PATCHED)
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].startswith(
        "index,source,boot,label,chain,generation,chain_start,chain_start_why,kernel,start,"
        "ended_by,fate,entries,usable_bytes"
    )
    assert len(lines) == 1 + 64
    check_golden("timeline/patched.csv", r.output)
    r = run("timeline", "--json", STOCK_OVMF)
    doc = json.loads(r.output)
    assert doc["schema"] == "e820scope.timeline/4"
    assert [row["entries"] for row in doc["rows"]] == [16, 18, 18, 18, 18]
    assert doc["rows"][1]["splits"] == [{"addr": 0xBD100018, "addr_hex": "0xbd100018"}]
    assert doc["rows"][2]["splits"] == []


def test_installed_script_exit_codes() -> None:
    exe = shutil.which("e820scope")
    # The console script when installed (./bootstrap.sh --dev), else the same entry point.
    cmd = [exe] if exe else [sys.executable, "-m", "e820scope"]
    env = dict(os.environ)
    if not exe:
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    args = [*cmd, "diff", f"{PATCHED}#57", f"{PATCHED}#58"]
    out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env)
    assert out.returncode == 1, out.stderr
    assert "was not passed on" in out.stdout
    args = [*cmd, "diff", f"{PATCHED}#1", "nope.log"]
    out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env)
    assert out.returncode == 2 and out.stderr.startswith("e820scope: "), out.stderr
    assert out.stdout == ""
