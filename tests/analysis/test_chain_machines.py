"""A capture holding two machines' consoles is two chains, never one machine's
generations (timeline and predict split it where the identity evidence disagrees)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from e820scope.analysis.chains import predict_chains
from e820scope.analysis.growth import Assumptions, HandoffPath
from e820scope.analysis.identity import same_machine
from e820scope.analysis.stream import BootInfo, continues
from e820scope.analysis.timeline import timeline_frame
from e820scope.model.kversion import KernelVersion
from e820scope.parse import parse_input

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "samples" / "lab"
#: two real consoles of different machines (a Lenovo laptop's dmesg, a QEMU guest's)
A = REPO / "samples" / "public" / "lkml-15-newfmt.log"
B = REPO / "samples" / "public" / "linuxhw-19.log"


def _mail(tmp_path: Path) -> Path:
    """One file holding both consoles, one after the other, as a mail would."""
    out = tmp_path / "two-hosts.log"
    out.write_bytes(A.read_bytes() + b"\n" + B.read_bytes())
    return out


def test_the_two_consoles_are_different_machines() -> None:
    a = next(b for b in parse_input(str(A)).boots if b.firmware_map)
    b = next(b for b in parse_input(str(B)).boots if b.firmware_map)
    assert same_machine(a, b).same is False


def test_timeline_starts_a_chain_at_the_second_machine(tmp_path: Path) -> None:
    boots = [b for b in parse_input(str(_mail(tmp_path))).boots if b.firmware_map]
    assert len(boots) == 2
    # same file, starts the log cannot tell: only the machine tells them apart
    assert not continues(BootInfo.of(boots[0]), BootInfo.of(boots[1]))
    df = timeline_frame(boots)
    assert list(df["chain"]) == [1, 2]
    assert df["usable_delta_bytes"].isna().all()


def test_a_real_kexec_chain_stays_one_chain() -> None:
    boots = [b for b in parse_input(str(LAB / "stock-6.1-ovmf-6g-chain.log")).boots]
    infos = [BootInfo.of(b) for b in boots if b.firmware_map]
    assert all(continues(p, n) for p, n in itertools.pairwise(infos))


def test_predict_keeps_the_machines_apart(tmp_path: Path) -> None:
    boots = [b for b in parse_input(str(_mail(tmp_path))).boots if b.firmware_map]
    told = Assumptions(KernelVersion.parse("6.1.0"), HandoffPath.KEXEC_FILE_LOAD)
    report = predict_chains(boots, told)
    assert [c.generations for c in report.chains] == [1, 1]


def test_timeline_and_predict_say_the_machine_changed(tmp_path: Path) -> None:
    """The second console starts a chain because the log shows another machine (its
    start is unknown and it is in the same file: nothing else splits them), and every
    output says so: the row's chain_start, the text table's chain line, predict's chain
    list."""
    from click.testing import CliRunner

    from e820scope.analysis.stream import ChainStart, chain_start
    from e820scope.cli.main import cli

    mail = _mail(tmp_path)
    boots = [b for b in parse_input(str(mail)).boots if b.firmware_map]
    brk = chain_start(BootInfo.of(boots[0]), BootInfo.of(boots[1]))
    assert brk is not None and brk.kind is ChainStart.OTHER_MACHINE
    assert brk.why.startswith("another machine (unknown start): ")
    df = timeline_frame(boots)
    assert list(df["chain_start"]) == ["first", "other_machine"]
    assert df["chain_start_why"][1] == brk.why
    runner = CliRunner()
    text = runner.invoke(cli, ["timeline", str(mail)]).stdout
    flat = text.replace("\n     ", " ")  # the chain line, wrapped at 120 columns
    assert f"-- chain 2: {mail}#2: another machine (unknown start): " in flat
    assert max(len(line) for line in text.splitlines()) <= 120
    out = runner.invoke(
        cli, ["predict", "--kernel", "6.1.0", "--path", "kexec_file_load", str(mail)]
    ).stdout
    assert f"  chain 2 ({mail}#2, 1 generation; another machine (unknown start): " in out
    doc = json.loads(
        runner.invoke(
            cli, ["predict", "--json", "--kernel", "6.1.0", "--path", "kexec_file_load", str(mail)]
        ).stdout
    )
    assert [c["chain_start"] for c in doc["chains"]] == ["first", "other_machine"]
    assert doc["chains"][1]["chain_start_why"] == brk.why


def test_a_boot_of_unknown_start_in_the_next_file_is_a_cut(tmp_path: Path) -> None:
    """Two real pasted logs (samples/public/notes-08.log, linuxhw-19.log): the second's
    start is unknown and it is another file, so the log does not show a hand-over: a cut
    (checked before the machines are compared)."""
    from e820scope.analysis.stream import ChainStart, chain_start

    first = REPO / "samples" / "public" / "notes-08.log"
    boots = [b for p in (first, B) for b in parse_input(str(p)).boots if b.firmware_map]
    assert [b.start.method.value for b in boots] == ["unknown", "unknown"]
    brk = chain_start(BootInfo.of(boots[0]), BootInfo.of(boots[1]))
    assert brk is not None and brk.kind is ChainStart.CUT
    assert list(timeline_frame(boots)["chain_start"]) == ["first", "cut"]
