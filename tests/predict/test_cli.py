"""The predict / plot / simulate commands: exit codes, JSON, golden text."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "predict"
LAB = "samples/lab/patched-6.1-ovmf-4g-chain.log"
FIRST3 = [f"{LAB}#1", f"{LAB}#2", f"{LAB}#3"]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("E820SCOPE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs (E820SCOPE_UPDATE_GOLDEN=1 regenerates)"


def test_fail_within_exit_codes() -> None:
    code, out, err = run("predict", *FIRST3, "--fail-within", "54")
    assert code == 0 and "FIRST TRUNCATED MAP" in out
    code, _, err = run("predict", *FIRST3, "--fail-within", "55")
    assert code == 1 and "gen 58" in err and "55 reboot(s) after the last seen (gen 3)" in err


def test_fail_within_a_loss_already_in_the_log_is_seen_not_negative() -> None:
    """The whole 64-generation chain holds the loss at gen 58: it is reported as seen."""
    code, _, err = run("predict", LAB, "--fail-within", "1")
    assert code == 1 and "gen 58, seen in the log" in err and "reboot(s)" not in err


def test_json_document() -> None:
    code, out, _ = run("predict", *FIRST3, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "e820scope.predict/4"
    assert doc["verdict"] == "loss"
    assert doc["first_overflow_generation"] == 57
    assert doc["first_truncated_generation"] == 58
    assert doc["reboots_until_truncation"] == 55
    first = doc["first_loss"]
    assert first["generation"] == 58 and first["reboots_from_last_seen"] == 55
    # ranges as in every document: integers, end exclusive, hex beside them
    assert [(d["addr"], d["end"], d["type"], d["size"]) for d in first["dropped"]] == [
        (0xFFC00000, 0x100000000, 2, 0x400000),
        (0x100000000, 0x140000000, 1, 1 << 30),
    ]
    assert [d["last_hex"] for d in first["dropped"]] == ["0xffffffff", "0x13fffffff"]
    assert first["usable_lost"] == 1 << 30
    assert doc["death"]["generation"] == 64
    assert doc["mechanism"]["blobs_per_generation"] == [
        {"kind": "SETUP_EFI", "size": 0x70, "size_hex": "0x70"}
    ]
    assert len(doc["remedies"]) == 3


def test_stock_chain_never_exit_zero() -> None:
    code, out, _ = run(
        "predict", "samples/lab/stock-6.1-ovmf-6g-chain.log", "--json", "--fail-within", "100000"
    )
    doc = json.loads(out)
    assert code == 0 and doc["verdict"] == "never" and doc["first_loss"] is None
    # 6.1 has 8efbc518b884 (SETUP_EFI stays out of e820_table_kexec), not fc7f27cda843:
    # the cold boot's SETUP_PCI blob at 0xbd100018 is in every kexec'd generation's map
    assert "the kernel has 8efbc518b884 (v5.8) for SETUP_EFI" in doc["never_reason"]
    assert "fc7f27cda843" not in doc["never_reason"]
    assert (
        "0x9c40-byte setup_data blob at 0xbd100018 is carried in every kexec table"
        in (doc["never_reason"])
    )


@pytest.mark.parametrize(
    "args",
    [
        ["predict", "samples/lab/no-such.log"],
        ["predict", "samples/lab/stock-6.1-ovmf-2g-boot.log"],  # one boot, no --kernel
        [
            "predict",
            "samples/lab/stock-6.1-ovmf-2g-boot.log",
            "--kernel",
            "5.7",
            "--assume-setup-data",
            "EFI,BOGUS",
        ],
        ["predict", f"{LAB}#99"],
        ["plot", *FIRST3, "-o", "/tmp/e820scope-test.jpg"],
    ],
)
def test_input_errors_exit_2(args: list[str]) -> None:
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert err.startswith("e820scope: ") and "Traceback" not in err


def test_golden_patched_first_three() -> None:
    code, out, _ = run("predict", *FIRST3)
    assert code == 0
    check_golden("patched-gens1-3.txt", out)


def test_golden_stock_510() -> None:
    code, out, _ = run("predict", "samples/lab/stock-5.10-ovmf-6g-chain.log")
    assert code == 0
    check_golden("stock-5.10-chain.txt", out)


def test_golden_one_boot_assumed() -> None:
    code, out, _ = run(
        "predict",
        "samples/synthetic/talk-seed-15.map",
        "--kernel",
        "5.7",
        "--path",
        "kexec_file_load",
        "--assume-setup-data",
        "EFI",
    )
    assert code == 0
    assert "gen 58 (57 reboots after the last seen): its e820_table_kexec holds 129" in out
    check_golden("talk-seed-15.txt", out)


def test_simulate_and_plot_commands(tmp_path: Path) -> None:
    code, _, err = run("simulate", *FIRST3, "--generations", "3", "-o", str(tmp_path / "sim"))
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "sim").iterdir())
    assert names == ["gen01.log", "gen02.log", "gen03.log", "gen04.log"]
    assert "SYNTHETIC" in (tmp_path / "sim" / "gen02.log").read_text()
    code, _, err = run("plot", *FIRST3, "-o", str(tmp_path / "f.png"))
    assert code == 0, err
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")


def test_file_named_like_a_boot_spec_is_read_as_a_file(tmp_path: Path) -> None:
    # "chain#2" is a real file here: FILE#N selection must not take it apart (the same
    # rule as select_boot's split_boot_spec).
    from e820scope.analysis.chain_input import load_boots

    f = tmp_path / "chain#2"
    f.write_bytes((REPO / "samples" / "lab" / "stock-6.1-seabios-6g-chain.log").read_bytes())
    assert len(load_boots([str(f)])) == 5


def test_kernel_without_kexec_file_load() -> None:
    """A 2.6.17 log (samples/public/lkml-01.log): kexec_file_load is refused with a
    message (it came in 3.17), and without --path the reboots are kexec_load: no growth
    (predict used to forecast +2 SETUP_EFI entries a generation for it)."""
    log = "samples/public/lkml-01.log"
    code, out, err = run("predict", log, "--kernel", "2.6.17", "--path", "kexec_file_load")
    assert code == 2 and "Traceback" not in err
    assert "kernel 2.6.17 has no kexec_file_load (added in v3.17)" in err
    code, out, err = run("predict", "--json", log, "--kernel", "3.13")
    doc = json.loads(out)
    assert code == 0 and doc["mechanism"]["path"] == "kexec_load"
    assert doc["mechanism"]["blobs_per_generation"] == [] and "SETUP_EFI" not in out
