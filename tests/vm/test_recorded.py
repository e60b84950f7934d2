"""The test-bed oracles on recorded consoles (no VM needed): tests/vm/data/README.md."""

from __future__ import annotations

import itertools
import lzma
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from vmtest import oracle
from vmtest.console import parse_console
from vmtest.kernels import BY_NAME
from vmtest.lab import first_loss, lab_rows
from vmtest.matrix import Scenario, scenarios

from e820scope.cli.main import cli
from e820scope.live.boot_params import decode_boot_params

DATA = Path(__file__).with_name("data")
RECORDED = [("ovmf-6.1-3gen-stress200.log.xz", 3, 200), ("seabios-6.1-2gen.log.xz", 2, 0)]


def _text(name: str) -> str:
    return lzma.decompress((DATA / name).read_bytes()).decode("utf-8", "replace")


@pytest.mark.parametrize(("name", "gens", "cycles"), RECORDED)
def test_all_oracles_pass(name: str, gens: int, cycles: int, tmp_path: Path) -> None:
    text = _text(name)
    assert [g.gen for g in parse_console(text)] == list(range(1, gens + 1))
    # recorded 2026-11-22 with the module before the selftest table existed
    assert oracle.check_all(text, tmp_path, stress_cycles=cycles, selftest=False) == []


def test_oracle_catches_a_wrong_kexec_entry(tmp_path: Path) -> None:
    """Shift one boundary of generation 1's e820_table_kexec: the hand-off, model and live
    checks must all notice."""
    text = _text("seabios-6.1-2gen.log.xz")
    g1 = parse_console(text)[0]
    kexec = g1.text("/sys/kernel/e820scope/e820_table_kexec").splitlines()

    def bounds(line: str) -> tuple[str, str]:
        first, last = line.split("[mem ")[1].split("]")[0].split("-")
        return first, last

    # an entry large enough that its end moved down one page still ends above its start
    # (the module reader refuses an end below the start, as damaged input)
    victim = next(
        ln
        for ln in kexec[2:]
        if "[mem " in ln and int(bounds(ln)[1], 16) - int(bounds(ln)[0], 16) > 0x2000
    )
    first, last = bounds(victim)
    bad = victim.replace(f"-{last}]", f"-{int(last, 16) - 0x1000:#018x}]")
    assert bad != victim
    probs = oracle.check_all(text.replace(victim, bad, 1), tmp_path)
    kinds = " ".join(probs)
    assert "e820_table_kexec vs gen 2 boot_params" in kinds
    assert "e820_table_kexec vs gen 2 console BIOS-e820" in kinds
    assert "module e820_table_kexec vs simulate_boot" in kinds
    assert first.startswith("0x")


def test_oracle_catches_a_dropped_update(tmp_path: Path) -> None:
    """Remove the logged trim_bios_range update from generation 1's dmesg dump: the
    model no longer matches the module's e820_table."""
    text = _text("ovmf-6.1-3gen-stress200.log.xz")
    line = "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved"
    start = text.index("path=/tmp/dmesg.txt")
    at = text.index(line, start)
    eol = text.index("\n", at)
    bol = text.rindex("\n", 0, at)
    probs = oracle.check_model(parse_console(text[:bol] + text[eol:])[0], tmp_path)
    assert any("module e820_table vs model(dmesg)" in p for p in probs)


def test_stress_check_reads_growth(tmp_path: Path) -> None:
    g1 = parse_console(_text("ovmf-6.1-3gen-stress200.log.xz"))[0]
    rec = g1.result("stress")
    assert rec is not None and rec["failures"] == "0"
    rec["sunreclaim_kb"] = "6000..6100..6300"
    assert any("SUnreclaim grew 200 kB" in p for p in oracle.check_stress(g1, cycles=200))


LAB = Path(__file__).resolve().parents[2] / "samples/lab/patched-6.1-ovmf-4g-kmod-chain.log.xz"


@pytest.mark.skipif(not LAB.exists(), reason=f"{LAB.name} not recorded (python -m vmtest.lab)")
def test_lab_chain_loses_memory_after_130() -> None:
    """The lab kernel (8efbc518b884 reverted): +2 kexec entries per generation; the module
    shows 130 in the generation before the first lossy hand-off, and every hand-off is
    the first 128 entries of the previous generation's e820_table_kexec."""
    text = lzma.decompress(LAB.read_bytes()).decode("utf-8", "replace")
    gens = parse_console(text)
    rows = lab_rows(text)
    full = [r for r in rows if r.kexec_entries is not None and r.zeropage_entries is not None]
    assert len(full) >= 60
    for r in full:
        assert r.kexec_entries == r.bios_e820 + 2 or r.bios_e820 == 128, r
    loss = first_loss(rows)
    assert loss is not None
    before = rows[loss - 1]
    assert before.kexec_entries == 130
    after = rows[loss]
    assert after.bios_e820 == after.zeropage_entries == 128
    assert rows[loss - 2].memtotal_kb is not None and after.memtotal_kb is not None
    assert rows[loss - 2].memtotal_kb - after.memtotal_kb > 512 * 1024  # RAM above 4 GiB gone
    for g, nxt in itertools.pairwise(gens):
        if "/sys/kernel/boot_params/data" not in nxt.files:
            break
        kexec = oracle.module_table(g, "e820_table_kexec").entries
        got = decode_boot_params(nxt.files["/sys/kernel/boot_params/data"]).e820_table
        assert oracle.triples(got) == oracle.triples(kexec[:128]), (g.gen, nxt.gen)


# --- the kernel matrix, recorded by vmtest/record.py (tests/vm/data/matrix/README.md) ---

MATRIX_DATA = DATA / "matrix"
MATRIX_SAMPLES = Path(__file__).resolve().parents[2] / "samples/lab/matrix"
MATRIX_CONSOLES = sorted(MATRIX_DATA.glob("*.console.log.xz"))
GOLDEN = Path(__file__).resolve().parents[2] / "tests/golden"


def _matrix_scenario(console: Path) -> tuple[str, Scenario]:
    name = console.name.removesuffix(".console.log.xz")
    kernel, sc_name = name.split("-", 1)
    return kernel, next(s for s in scenarios(kernel) if s.name == sc_name)


def test_matrix_recorded_for_every_kernel_and_scenario() -> None:
    want = {f"{k}-{s.name}" for k in BY_NAME for s in scenarios(k)}
    got = {c.name.removesuffix(".console.log.xz") for c in MATRIX_CONSOLES}
    assert got == want
    assert {p.name.removesuffix(".log.xz") for p in MATRIX_SAMPLES.glob("*.log.xz")} == want


@pytest.mark.parametrize(
    "console", MATRIX_CONSOLES, ids=lambda p: p.name[: -len(".console.log.xz")]
)
def test_matrix_oracles_pass(console: Path, tmp_path: Path) -> None:
    """Every oracle of vmtest/oracle.py on a recorded real-kernel chain."""
    _kernel, sc = _matrix_scenario(console)
    text = lzma.decompress(console.read_bytes()).decode("utf-8", "replace")
    gens = parse_console(text)
    assert [g.gen for g in gens] == list(range(1, sc.generations + 1))
    if not sc.module_loads:  # the lockdown= boot: the module must have been refused
        ins = gens[0].result("insmod")
        assert ins is not None and ins["rc"] != "0"
        assert oracle.check_dmesg_clean(gens[0]) == []
        return
    assert oracle.check_all(text, tmp_path, stress_cycles=sc.stress) == []


def _cli(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, (args, r.exit_code, r.output)
    return r.stdout


def _predict(path: str) -> str:
    """predict's exit code, report and message (a one-boot capture is an input error)."""
    r = CliRunner().invoke(cli, ["predict", path])
    assert r.exit_code in (0, 1, 2) and "Traceback" not in r.output, r.output
    return f"exit {r.exit_code}\n{r.stdout}{r.stderr}"


def _golden(path: Path, text: str) -> None:
    if os.environ.get("E820SCOPE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden {path}; run with E820SCOPE_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{path} differs (E820SCOPE_UPDATE_GOLDEN=1 regenerates)"


@pytest.mark.parametrize(
    "sample", sorted(MATRIX_SAMPLES.glob("*.log.xz")), ids=lambda p: p.name[: -len(".log.xz")]
)
def test_matrix_goldens(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """parse --json, timeline and predict of each recorded kernel console."""
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    rel = sample.relative_to(Path.cwd()).as_posix()
    stem = sample.name.removesuffix(".log.xz")
    _golden(GOLDEN / "parse/matrix" / f"{stem}.json", _cli("parse", "--json", rel))
    _golden(GOLDEN / "timeline/matrix" / f"{stem}.txt", _cli("timeline", rel))
    _golden(GOLDEN / "predict/matrix" / f"{stem}.txt", _predict(rel))


SWITCH = Path(__file__).resolve().parents[2] / (
    "samples/lab/patched-6.1-ovmf-4g-kmod-switch-load.log.xz"
)


def test_lab_kexec_load_at_130_keeps_the_memory(tmp_path: Path) -> None:
    """The lab kernel's chain again, but once the module's e820_table_kexec holds 130
    entries (generation 57) the hop is kexec_load (kexec-tools 2.0.25 without -s): the
    next kernel receives the whole 128-entry /sys/firmware/memmap in the zero page (no
    SETUP_E820_EXT: 6.1's sysfs table is the received map, never above 128), the carried
    type-128 pieces come back as RAM and merge (16 printed entries), and MemTotal stays
    where it was instead of losing the RAM above 4 GiB as the kexec_file_load chain did
    (samples/lab/patched-6.1-ovmf-4g-kmod-chain.log.xz: 3078696 kB at generation 58)."""
    text = lzma.decompress(SWITCH.read_bytes()).decode("utf-8", "replace")
    gens = parse_console(text)
    rows = {r.gen: r for r in lab_rows(text)}
    switch = [g for g in gens if g.result("switch") is not None]
    assert [g.gen for g in switch] == [57]
    g57, g58, g59 = gens[56:59]
    assert rows[57].kexec_entries == 130 and rows[57].bios_e820 == 128
    assert (g57.result("kexec") or {})["syscall"] == "load"
    assert rows[58].zeropage_entries == 128 and rows[58].bios_e820 == 16
    assert "/tmp/setup_data_0_len" in g58.files  # SETUP_EFI from kexec-tools, no E820_EXT
    assert int(g58.text("/sys/kernel/boot_params/setup_data/0/type"), 0) == 4
    assert rows[57].memtotal_kb is not None and rows[58].memtotal_kb is not None
    assert rows[58].memtotal_kb >= rows[57].memtotal_kb
    assert [e.type for e in oracle.module_table(g58, "e820_table_firmware").entries].count(128) == 0
    kernel_console = "\n".join(ln for g in gens for ln in g.console)
    boots = [b for b in oracle.parse_text(kernel_console, "c.log", tmp_path) if b.firmware_map]
    assert len(boots) == len(gens) == 59
    assert oracle.check_kexec_load(g57, g58, boots[57]) == []
    assert oracle.check_kexec_load(g58, g59, boots[58]) == []
    assert boots[57].start.method.value == "kexec_load"
