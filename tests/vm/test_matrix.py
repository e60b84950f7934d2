"""Real kernels of four eras (Debian 5.10, 6.1, 6.12, 7.2) under QEMU, kmod/ loaded.

Each (kernel, scenario) of vmtest/matrix.py boots once per session; every generation's
module files, /sys/firmware/memmap, /sys/kernel/boot_params and full dmesg are dumped on
the console and checked by vmtest/oracle.py, generation by generation.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from vmtest import oracle
from vmtest.console import Generation, parse_console
from vmtest.matrix import STRESS_CYCLES, Scenario

from .conftest import MatrixRuns, matrix_params, requires_vm

PARAMS = matrix_params()
#: scenarios whose every generation loads the module (all but the lockdown= boot)
LOADING = [p for p in PARAMS if p.values[1].module_loads]

#: Type-128 entries in the module's (e820_table, e820_table_kexec), by the setup_data
#: node the generation received: generation 1 gets the EFI stub's SETUP_PCI (3), later
#: generations kexec_file_load's SETUP_EFI (4).
#: 5.10 and 6.1 reserve SETUP_PCI in both tables and SETUP_EFI in e820_table only
#: (8efbc518b884, v5.8); after kexec their tables also hold the SETUP_PCI piece inherited
#: through the kexec table: (2, 1). 6.12 keeps setup_data out of the kexec table
#: (fc7f27cda843, v6.9), so nothing is inherited: (1, 0). 7.2 has no RESERVED_KERN at
#: all (efe659ac0146, v6.15).
SETUP_DATA_128 = {
    "5.10": {3: (1, 1), 4: (2, 1)},
    "6.1": {3: (1, 1), 4: (2, 1)},
    "6.12": {3: (1, 0), 4: (1, 0)},
    "7.2": {3: (0, 0), 4: (0, 0)},
}


def _gens(matrix: MatrixRuns, kernel: str, sc: Scenario) -> list[Generation]:
    return parse_console(matrix.text(kernel, sc))


@requires_vm
@pytest.mark.parametrize(("kernel", "sc"), LOADING)
def test_every_generation_ran(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    row = matrix.get(kernel, sc)
    assert row["qemu_rc"] == 0, row
    gens = _gens(matrix, kernel, sc)
    assert [g.gen for g in gens] == list(range(1, sc.generations + 1)), row
    for g in gens:
        ins = g.result("insmod")
        assert ins is not None and ins["rc"] == "0", (g.gen, g.results)
        hop = "kdump-loaded" if "vmtest.kdump=1" in sc.append else "kexec"
        assert g.result("done" if g.gen == sc.generations else hop) is not None, g.results
        status = g.text("/sys/kernel/e820scope/status")
        assert "e820_table_kexec resolved=param verified=sprint_symbol" in status


@requires_vm
@pytest.mark.parametrize(("kernel", "sc"), LOADING)
def test_oracles(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    """Hand-off, model, prediction, live, dmesg, kexec_load, stress, selftest, lockdown."""
    text = matrix.text(kernel, sc)
    with tempfile.TemporaryDirectory() as tmp:
        probs = oracle.check_all(text, Path(tmp), stress_cycles=sc.stress)
    assert probs == []


@requires_vm
@pytest.mark.parametrize(("kernel", "sc"), [p for p in PARAMS if p.values[1].name == "ovmf-file"])
def test_setup_data_policy_per_kernel(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    """Which setup_data piece each real kernel reserved, as type 128, in which table."""
    for g in _gens(matrix, kernel, sc):
        node = int(g.text("/sys/kernel/boot_params/setup_data/0/type"), 0)
        assert node == (3 if g.gen == 1 else 4), g.gen
        counts = tuple(
            [e.type for e in oracle.module_table(g, t).entries].count(128)
            for t in ("e820_table", "e820_table_kexec")
        )
        assert counts == SETUP_DATA_128[kernel][node], (g.gen, counts)


@requires_vm
@pytest.mark.parametrize(("kernel", "sc"), [p for p in PARAMS if p.values[1].name == "ovmf-load"])
def test_kexec_load_moves_first_ram_entry(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    """kexec-tools 2.0.25 starts the first RAM range at 0x400 and maps type 128 back to 1."""
    gens = _gens(matrix, kernel, sc)
    first = [oracle.module_table(g, "e820_table_firmware").entries[0] for g in gens]
    assert first[0].addr == 0
    assert all(e.addr == 0x400 and e.type == 1 for e in first[1:]), first
    for g in gens[1:]:
        fw = oracle.module_table(g, "e820_table_firmware").entries
        assert 128 not in [e.type for e in fw]


@requires_vm
@pytest.mark.parametrize(
    ("kernel", "sc"), [p for p in PARAMS if p.values[1].name == "cross-6.1-7.2"]
)
def test_7_2_prints_type_128_from_6_1(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    """6.1 reserves the EFI stub's SETUP_PCI node (type 128) in its kexec table; 7.2
    receives it, prints ``type 128`` (era D) and passes it on verbatim."""
    gens = _gens(matrix, kernel, sc)
    assert gens[0].text("/proc/sys/kernel/osrelease").startswith("6.1.")
    for g in gens[1:]:
        assert g.text("/proc/sys/kernel/osrelease").startswith("7.2.")
        printed = [ln for ln in g.console if "BIOS-e820: [mem" in ln]
        assert sum(ln.rstrip().endswith("  type 128") for ln in printed) == 1, printed
        assert any(ln.rstrip().endswith("  System RAM") for ln in printed)
    # ... and 7.2 does not use it as RAM (KernelVersion.ram_types: only type 1 from 6.15):
    # the pages it touches are missing from 7.2's "Memory: .../<present>K" total
    (piece,) = [
        e for e in oracle.module_table(gens[1], "e820_table_firmware").entries if e.type == 128
    ]
    pages = (piece.end + 0xFFF) // 0x1000 - piece.addr // 0x1000
    present = [_present_kb(g) for g in gens]
    assert present[0] - present[1] == pages * 4, (present, pages)
    assert present[1] == present[2]


def _present_kb(g: Generation) -> int:
    """The second number of ``Memory: <avail>K/<present>K available``."""
    (line,) = [ln for ln in g.console if "Memory: " in ln and "K available" in ln]
    return int(line.split("Memory: ", 1)[1].split("K/", 1)[1].split("K", 1)[0])


@requires_vm
@pytest.mark.parametrize(("kernel", "sc"), [p for p in PARAMS if p.values[1].stress])
def test_stress_and_selftest_ran(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    g1 = _gens(matrix, kernel, sc)[0]
    assert oracle.check_stress(g1, cycles=STRESS_CYCLES) == []
    assert oracle.check_selftest(g1) == []


@requires_vm
@pytest.mark.parametrize(
    ("kernel", "sc"), [p for p in PARAMS if p.values[1].name == "seabios-file"]
)
def test_soft_reserved_pieces_never_merge(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    """Two abutting soft-reserved ranges (memmap=...%...-1+0xefffffff) stay two entries in
    the real kernel's e820_table (e820_nomerge / e820_type_mergeable), as
    policy.nomerge_types() says for every kernel of the matrix."""
    g1 = _gens(matrix, kernel, sc)[0]
    soft = [
        (e.addr, e.size)
        for e in oracle.module_table(g1, "e820_table").entries
        if e.type == 0xEFFFFFFF
    ]
    assert soft == [(0x10000000, 0x100000), (0x10100000, 0x100000)]


@requires_vm
@pytest.mark.parametrize(("kernel", "sc"), [p for p in PARAMS if not p.values[1].module_loads])
def test_module_refused_under_lockdown(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    """Booted with lockdown=confidentiality, the kernel refuses the module (unsigned, and
    the module's own LOCKDOWN_KCORE check); no /sys/kernel/e820scope appears."""
    assert matrix.get(kernel, sc)["qemu_rc"] == 0
    (g,) = _gens(matrix, kernel, sc)
    ins = g.result("insmod")
    assert ins is not None and ins["rc"] != "0", g.results
    assert "lockdown=confidentiality" in g.text("/proc/cmdline")
    assert not any(p.startswith("/sys/kernel/e820scope/") for p in g.files)
    assert oracle.check_dmesg_clean(g) == []


@requires_vm
@pytest.mark.parametrize(
    ("kernel", "sc"), [p for p in PARAMS if p.values[1].name == "seabios-kdump-load"]
)
def test_kdump_via_kexec_load_layout(matrix: MatrixRuns, kernel: str, sc: Scenario) -> None:
    """kexec -p (kexec-tools 2.0.25, kexec_load): the capture kernel's map is passed in
    the zero page (no memmap=exactmap on its command line): the source's non-RAM entries,
    RAM only below 640 KiB and inside crashkernel=, and the ELF core headers
    (elfcorehdr=<K>K) inside the crash region but outside the capture kernel's RAM."""
    g, cap = _gens(matrix, kernel, sc)
    start, size = oracle.crash_kernel_region(g)
    cmdline = cap.text("/proc/cmdline").split()
    assert not any(a.startswith("memmap=") for a in cmdline)
    elf = int(next(a for a in cmdline if a.startswith("elfcorehdr=")).split("=")[1][:-1]) * 1024
    received = oracle.module_table(cap, "e820_table_firmware").entries
    ram = [e for e in received if e.type == 1]
    assert all(e.end <= 640 * 1024 or start <= e.addr < e.end <= start + size for e in ram)
    assert start <= elf < start + size
    assert not any(e.addr <= elf < e.end for e in ram)
    source = {(e.addr, e.size, e.type) for e in oracle.module_table(g, "e820_table").entries}
    assert {(e.addr, e.size, e.type) for e in received if e.type != 1} <= source
