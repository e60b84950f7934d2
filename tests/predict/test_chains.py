"""Captures that hold several chains (issue 14 item 8): a cold boot starts a new chain,
each chain is predicted with generations counted from its own first boot, and a loss
the log already shows is said to be seen, never a negative count.

The captures are real lab consoles back to back, as a console server logs a machine
that was cold-booted between chains: the patched 6.1 chain (SETUP_EFI carried, 1 GiB
lost at its generation 58, gen 64 panics), the stock 6.1 OVMF chain (no growth) and a
single cold boot.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from e820scope.cli.main import cli

LAB = Path(__file__).resolve().parents[2] / "samples" / "lab"
PATCHED = LAB / "patched-6.1-ovmf-4g-chain.log"
STOCK = LAB / "stock-6.1-ovmf-6g-chain.log"
ONE_BOOT = LAB / "stock-6.1-ovmf-2g-boot.log"


def _capture(tmp_path: Path, *logs: Path) -> str:
    out = tmp_path / "console.log"
    out.write_bytes(b"".join(p.read_bytes() for p in logs))
    return str(out)


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_two_chains_are_predicted_each(tmp_path: Path) -> None:
    cap = _capture(tmp_path, PATCHED, STOCK)
    code, out, _ = _run("predict", cap)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("2 chains")
    assert lines[1] == (
        f"  chain 1 ({cap}#1..{cap}#64, 64 generations; first boot of the input (cold start)): "
        "lost 1 GiB at gen 58, seen; "
        "will not boot at gen 64, seen"
    )
    cold = "cold boot: started by the firmware"
    assert lines[2].startswith(f"  chain 2 ({cap}#65..{cap}#69, 5 generations; {cold}): never: ")
    assert f"Detailed forecast: chain 2 ({cap}#65..{cap}#69, 5 generations; {cold})" in out
    # the detailed report counts the stock chain's generations from its cold boot
    assert "(5 generation(s) seen, last: gen 5)" in out


def test_json_says_which_chain_and_never_a_negative_count(tmp_path: Path) -> None:
    cap = _capture(tmp_path, STOCK, PATCHED)
    code, out, _ = _run("predict", "--json", cap)
    assert code == 0
    doc = json.loads(out)
    # why each chain starts (schema e820scope.predict/4)
    assert [c["chain_start"] for c in doc["chains"]] == ["first", "cold_boot"]
    assert doc["chain"]["chain_start_why"] == "cold boot: started by the firmware"
    assert doc["schema"] == "e820scope.predict/4"
    assert [c["chain"] for c in doc["chains"]] == [1, 2]
    assert doc["chain"]["chain"] == 2 and doc["chain"]["first_boot"] == f"{cap}#6"
    patched = doc["chains"][1]
    assert patched["first_loss"] == {
        "generation": 58,
        "observed": True,
        "reboots_from_last_seen": None,
        "usable_lost": 1 << 30,
    }
    assert patched["death"] == {"generation": 64, "observed": True, "reboots_from_last_seen": None}
    assert doc["first_loss"]["generation"] == 58 and doc["first_loss"]["observed"] is True
    assert doc["first_loss"]["reboots_from_last_seen"] is None
    assert doc["death"]["observed"] is True and doc["death"]["reboots_from_last_seen"] is None
    for loss in doc["losses"]:
        assert loss["reboots_from_last_seen"] is None and loss["observed"] is True


def test_fail_within_follows_the_last_chain(tmp_path: Path) -> None:
    lost_last = _capture(tmp_path, STOCK, PATCHED)
    code, _, err = _run("predict", "--fail-within", "0", lost_last)
    assert code == 1
    assert err.strip() == (
        "e820scope: usable RAM lost at gen 58 of chain 2, seen in the log (--fail-within 0)"
    )
    # the same loss in an earlier chain, then a chain that does not grow: no alarm
    fixed_last = tmp_path / "later"
    fixed_last.mkdir()
    code, _, err = _run("predict", "--fail-within", "100", _capture(fixed_last, PATCHED, STOCK))
    assert code == 0 and err == ""


def test_a_chain_of_one_cold_boot_is_not_predicted(tmp_path: Path) -> None:
    cap = _capture(tmp_path, STOCK, PATCHED, ONE_BOOT)
    code, out, _ = _run("predict", cap)
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("  chain 3 "))
    assert line.startswith(
        f"  chain 3 ({cap}#70, 1 generation; cold boot: started by the firmware): "
        "not predicted: cannot infer"
    )
    assert "Detailed forecast: chain 2" in out


def test_only_unpredictable_chains_is_the_usual_error(tmp_path: Path) -> None:
    code, _, err = _run("predict", _capture(tmp_path, ONE_BOOT, ONE_BOOT))
    assert code == 2 and "cannot infer the growth from one generation" in err


def test_timeline_numbers_chains_and_generations(tmp_path: Path) -> None:
    cap = _capture(tmp_path, PATCHED, STOCK)
    code, out, _ = _run("timeline", "--json", cap)
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [(r["chain"], r["generation"]) for r in rows[62:66]] == [
        (1, 63),
        (1, 64),
        (2, 1),
        (2, 2),
    ]
    assert rows[64]["start"] == "cold" and rows[64]["usable_delta_bytes"] is None
    # why each row starts a chain, or null (schema e820scope.timeline/4)
    assert [r["chain_start"] for r in rows[62:66]] == [None, None, "cold_boot", None]
    assert rows[0]["chain_start"] == "first"
    assert rows[0]["chain_start_why"] == "first boot of the input (cold start)"
    assert rows[64]["chain_start_why"] == "cold boot: started by the firmware"
    code, out, _ = _run("timeline", cap)
    flat = out.replace("\n     ", " ").splitlines()  # chain lines wrap at 120 columns
    assert f"-- chain 2: {cap}#65: cold boot: started by the firmware" in flat


@pytest.mark.parametrize("command", ["timeline", "predict"])
def test_one_chain_shows_no_chain_list(command: str) -> None:
    code, out, _ = _run(command, str(PATCHED))
    assert code == 0 and not out.startswith(("1 chains", "2 chains"))
    assert "-- chain" not in out and "Detailed forecast" not in out
