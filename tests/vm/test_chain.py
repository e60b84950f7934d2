"""Real kexec_file_load chains of Debian 6.1 under QEMU (OVMF and SeaBIOS) with kmod/ loaded.

Each generation's module files, /sys/firmware/memmap, /sys/kernel/boot_params and full
dmesg are dumped on the console and checked by vmtest/oracle.py, generation by generation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from vmtest import oracle
from vmtest.chain import ChainRun

from .conftest import OVMF_GENERATIONS, SEABIOS_GENERATIONS, STRESS_CYCLES, requires_vm

CHAINS = [("ovmf_chain", OVMF_GENERATIONS), ("seabios_chain", SEABIOS_GENERATIONS)]


def _chain(request: pytest.FixtureRequest, name: str) -> ChainRun:
    run: ChainRun = request.getfixturevalue(name)
    return run


def _kernel_boots(run: ChainRun, tmp_path: Path) -> dict[int, oracle.Boot]:
    text = "\n".join(ln for g in run.generations for ln in g.console)
    boots = [b for b in oracle.parse_text(text, "console.log", tmp_path) if b.firmware_map]
    return dict(enumerate(boots, start=1))


@requires_vm
@pytest.mark.parametrize(("chain", "n"), CHAINS)
def test_every_generation_ran_with_the_module(
    request: pytest.FixtureRequest, chain: str, n: int
) -> None:
    run = _chain(request, chain)
    assert run.run.returncode == 0, f"QEMU exited {run.run.returncode}; console {run.run.console}"
    assert [g.gen for g in run.generations] == list(range(1, n + 1))
    for g in run.generations:
        ins = g.result("insmod")
        assert ins is not None and ins["rc"] == "0", (g.gen, g.results)
        assert g.result("done" if g.gen == n else "kexec") is not None, (g.gen, g.results)
        status = g.text("/sys/kernel/e820scope/status")
        assert "e820_table_kexec resolved=param verified=sprint_symbol" in status


@requires_vm
@pytest.mark.parametrize(("chain", "n"), CHAINS)
def test_handoff_oracle(request: pytest.FixtureRequest, chain: str, n: int, tmp_path: Path) -> None:
    """Module e820_table_kexec at g == zero page and printed BIOS-e820 of g+1."""
    run = _chain(request, chain)
    boots = _kernel_boots(run, tmp_path)
    assert len(boots) == n
    probs: list[str] = []
    for g, nxt in zip(run.generations, run.generations[1:], strict=False):
        probs += oracle.check_handoff(g, nxt, boots.get(nxt.gen))
    assert probs == []


@requires_vm
@pytest.mark.parametrize(("chain", "n"), CHAINS)
def test_model_oracle(request: pytest.FixtureRequest, chain: str, n: int, tmp_path: Path) -> None:
    """Module e820_table == model(dmesg of the same generation); kexec/firmware == simulate_boot."""
    run = _chain(request, chain)
    probs: list[str] = []
    for g in run.generations:
        probs += oracle.check_model(g, tmp_path)
    assert probs == []


@requires_vm
@pytest.mark.parametrize(("chain", "n"), CHAINS)
def test_live_agrees_with_console(
    request: pytest.FixtureRequest, chain: str, n: int, tmp_path: Path
) -> None:
    run = _chain(request, chain)
    boots = _kernel_boots(run, tmp_path)
    probs: list[str] = []
    for g in run.generations:
        probs += oracle.check_live(g, boots.get(g.gen), tmp_path)
    assert probs == []


@requires_vm
@pytest.mark.parametrize(("chain", "n"), CHAINS)
def test_dmesg_clean(request: pytest.FixtureRequest, chain: str, n: int) -> None:
    run = _chain(request, chain)
    probs: list[str] = []
    for g in run.generations:
        probs += oracle.check_dmesg_clean(g)
    assert probs == []


@requires_vm
def test_load_unload_stress(ovmf_chain: ChainRun) -> None:
    """200 unload/load cycles (half via /proc/kallsyms addresses, half via the kprobe
    route) with two concurrent readers; a wrong address and no_kprobe=1 are refused."""
    assert oracle.check_stress(ovmf_chain.generations[0], cycles=STRESS_CYCLES) == []


@requires_vm
def test_ovmf_setup_data_piece_travels(ovmf_chain: ChainRun) -> None:
    """The EFI stub's SETUP_PCI node is reserved (type 128) in generation 1's kexec table
    and reaches generation 2; later generations stay flat (6.1.192 has 8efbc518b884)."""
    g1, g2 = ovmf_chain.generations[:2]
    k1 = oracle.module_table(g1, "e820_table_kexec")
    assert [e.type for e in k1.entries].count(128) == 1
    assert g1.text("/sys/kernel/boot_params/setup_data/0/type").strip() == "0x3"
    assert g2.text("/sys/kernel/boot_params/setup_data/0/type").strip() == "0x4"
    counts = [oracle.module_table(g, "e820_table_kexec").nr_entries for g in ovmf_chain.generations]
    assert counts == [counts[0]] * len(counts)
