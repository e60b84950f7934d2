"""Assertions of the test bed, usable on any recorded console (``python -m vmtest.oracle LOG``).

Every check returns a list of human-readable problems (empty = passed):

* :func:`check_handoff` — the hand-off oracle: the module's ``e820_table_kexec`` in
  generation g equals, entry for entry, what generation g+1 received: its zero page
  (``/sys/kernel/boot_params/data``, types verbatim) and its printed ``BIOS-e820`` block
  as e820scope's parser reads it from the console (type 128 prints as ``usable`` on
  <= 6.14, so 128 is compared as 1 there);
* :func:`check_model` — the module's ``e820_table`` equals e820scope's kernel model
  applied to generation g's own full dmesg: the printed ``BIOS-e820`` block, then every
  logged ``e820: update`` / ``e820: remove`` replayed (kernel.range_ops) and sanitized
  (kernel.sanitize); and the model's simulate_boot() of the received zero page gives the
  module's e820_table_kexec and e820_table_firmware;
* :func:`check_live` — ``e820scope live`` fed the guest's dumped /sys and /proc agrees
  with the module and with the console;
* :func:`check_prediction` — e820scope's hand-off model, given generation g's console
  log alone (its printed tables and its ``Linux version``), predicts generation g+1's
  printed ``BIOS-e820`` block entry for entry with the *version policy* (not with one of
  its fallbacks for patched kernels);
* :func:`check_kexec_load` — a kexec_load hop (kexec-tools without -s): the model's
  kexec-tools hand-off built from the module's copy of the table behind
  /sys/firmware/memmap equals the next generation's zero page and printed map;
* :func:`check_dmesg_clean` / :func:`check_stress` — no oops/warning, 200 load/unload
  cycles with concurrent readers without failures or memory growth, no torn read of the
  changing selftest table; :func:`check_lockdown` — reads refused after a run-time
  raise to confidentiality.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from e820scope.analysis.handoff_model import check_kexec_file_handoff
from e820scope.kernel import policy
from e820scope.kernel.boot import simulate_boot
from e820scope.kernel.hidden import restore_reserved_kern
from e820scope.kernel.range_ops import apply_range_ops
from e820scope.kernel.setup_data import SetupDataBlob
from e820scope.kernel.table import KernelTable
from e820scope.live.boot_params import decode_boot_params
from e820scope.live.snapshot import take_snapshot
from e820scope.model.records import Boot

from .console import Generation, parse_console
from .dumps import MOD, diff_rows, kernel_version, module_table, parse_text, triples
from .fakeroot import write_fakeroot
from .oracle_hops import (
    KEXEC_FILE_ELF_HEADERS,
    check_kdump,
    check_kexec_load,
    crash_kernel_region,
    memmap_table,
)

__all__ = [
    "KEXEC_FILE_ELF_HEADERS",
    "MOD",
    "Boot",
    "check_kdump",
    "check_kexec_load",
    "crash_kernel_region",
    "memmap_table",
    "module_table",
    "parse_text",
    "triples",
]

BAD_DMESG = (
    "WARNING:",
    "BUG:",
    "Oops",
    "Call Trace",
    "general protection",
    "refcount_t",
    "kernel BUG",
    "use-after-free",
    "list_del corruption",
)


def dmesg_boot(g: Generation, workdir: Path) -> Boot:
    boots = [
        b
        for b in parse_text(g.text("/tmp/dmesg.txt"), f"gen{g.gen}-dmesg.txt", workdir)
        if b.firmware_map is not None
    ]
    assert len(boots) == 1, f"gen {g.gen}: {len(boots)} boots with a map in its dmesg"
    return boots[0]


def check_handoff(g: Generation, nxt: Generation, console_boot_next: Boot | None) -> list[str]:
    kexec = module_table(g, "e820_table_kexec")
    passed = kexec.entries[:128]
    bp = decode_boot_params(nxt.files["/sys/kernel/boot_params/data"])
    probs = diff_rows(
        f"gen {g.gen} e820_table_kexec vs gen {nxt.gen} boot_params",
        triples(passed),
        triples(bp.e820_table),
    )
    if bp.e820_entries != len(passed):
        probs.append(
            f"gen {nxt.gen} boot_params e820_entries={bp.e820_entries}, expected {len(passed)}"
        )
    if console_boot_next is None or console_boot_next.firmware_map is None:
        probs.append(f"gen {nxt.gen}: no BIOS-e820 block found on the console by the parser")
    else:
        fold = kernel_version(nxt).has_reserved_kern
        probs += diff_rows(
            f"gen {g.gen} e820_table_kexec vs gen {nxt.gen} console BIOS-e820",
            triples(passed, fold_128=fold),
            triples(console_boot_next.firmware_map.entries),
        )
    return probs


def check_model(g: Generation, workdir: Path) -> list[str]:
    kver = kernel_version(g)
    boot = dmesg_boot(g, workdir)
    assert boot.firmware_map is not None
    cap = module_table(g, "e820_table").capacity
    # <= 6.14 prints a received type 128 as "usable": restore it from the unmerged-neighbour
    # signature (kernel.hidden) before replaying the logged operations
    received = restore_reserved_kern(boot.firmware_map.entries, kver)
    table = KernelTable.from_entries(received, capacity=cap)
    apply_range_ops(table, boot.ops)
    table.update_table(policy.nomerge_types(kver))
    probs = diff_rows(
        f"gen {g.gen} module e820_table vs model(dmesg)",
        triples(module_table(g, "e820_table").entries),
        triples(table.to_entries()),
    )

    # the model of the whole early boot from what this kernel received
    bp = decode_boot_params(g.files["/sys/kernel/boot_params/data"])
    blobs = []
    nodes = sorted(p for p in g.files if p.startswith("/tmp/setup_data_"))
    if len(nodes) == 1 and bp.setup_data:  # one node: its address is hdr.setup_data
        sd_type = int(g.text("/sys/kernel/boot_params/setup_data/0/type").strip(), 0)
        blobs.append(SetupDataBlob(bp.setup_data, int(g.text(nodes[0]).strip()), sd_type))
    elif nodes:
        return [*probs, f"gen {g.gen}: {len(nodes)} setup_data nodes, only 1 can be located"]
    sim = simulate_boot(bp.e820_table, kver, blobs, boot.ops, max_numnodes=(cap - 128) // 3)
    for name, modelled in (
        ("e820_table_kexec", sim.e820_table_kexec),
        ("e820_table_firmware", sim.e820_table_firmware),
    ):
        probs += diff_rows(
            f"gen {g.gen} module {name} vs simulate_boot(boot_params)",
            triples(module_table(g, name).entries),
            triples(modelled),
        )
    return probs


def check_live(g: Generation, console_boot: Boot | None, workdir: Path) -> list[str]:
    root = write_fakeroot(g, workdir / f"root-gen{g.gen}")
    snap = take_snapshot(root)
    probs: list[str] = []
    if snap.module is None or snap.boot_params is None or snap.memmap is None:
        return [f"gen {g.gen}: live snapshot incomplete: {snap.missing}"]
    for name in ("e820_table", "e820_table_kexec", "e820_table_firmware"):
        probs += diff_rows(
            f"gen {g.gen} live {name} vs module file",
            triples(snap.module.tables[name].entries),
            triples(module_table(g, name).entries),
        )
    kver = kernel_version(g)
    if console_boot is None or console_boot.firmware_map is None:
        return [*probs, f"gen {g.gen}: no BIOS-e820 block on the console"]
    printed = triples(console_boot.firmware_map.entries)
    fold = kver.has_reserved_kern
    # 4.13-6.14: /sys/firmware/memmap = e820_table_firmware = the received map, as printed
    if snap.kernel and not snap.kernel.at_least(6, 15):
        probs += diff_rows(
            f"gen {g.gen} live /sys/firmware/memmap vs console BIOS-e820",
            triples(snap.memmap),
            printed,
        )
    probs += diff_rows(
        f"gen {g.gen} live boot_params (sorted) vs console BIOS-e820",
        sorted(triples(snap.boot_params.e820_table, fold_128=fold)),
        printed,
    )
    if snap.boot_params.e820_entries != len(console_boot.firmware_map.entries):
        probs.append(
            f"gen {g.gen}: boot_params e820_entries {snap.boot_params.e820_entries} "
            f"!= {len(console_boot.firmware_map.entries)} BIOS-e820 lines"
        )
    kt = snap.kexec_table()
    if kt is None or len(kt[0]) != module_table(g, "e820_table_kexec").nr_entries:
        probs.append(f"gen {g.gen}: live kexec budget does not use the module's kexec table")
    return probs


def check_dmesg_clean(g: Generation) -> list[str]:
    text = g.text("/tmp/dmesg.txt")
    return [
        f"gen {g.gen} dmesg: {ln}" for ln in text.splitlines() if any(b in ln for b in BAD_DMESG)
    ]


def _kb(span: str) -> list[int]:
    return [int(x) for x in span.split("..")]


def check_stress(g: Generation, *, cycles: int) -> list[str]:
    r = g.result("stress")
    if r is None:
        return [f"gen {g.gen}: no stress result"]
    probs = []
    if int(r["cycles"]) != cycles or r["failures"] != "0":
        probs.append(f"gen {g.gen} stress: {r}")
    _su0, sum_, su1 = _kb(r["sunreclaim_kb"])
    vm0, _vmm, vm1 = _kb(r["vmallocused_kb"])
    # second half of the cycles must not grow unreclaimable slab (warm-up is in the first)
    if su1 - sum_ > 64:
        probs.append(
            f"gen {g.gen} stress: SUnreclaim grew {su1 - sum_} kB "
            f"over the last {cycles // 2} cycles"
        )
    if vm1 - vm0 > 64:
        probs.append(f"gen {g.gen} stress: VmallocUsed grew {vm1 - vm0} kB")
    text = g.text("/tmp/dmesg.txt")
    if "refusing to load: e820_table_addr=0x1000" not in text:
        probs.append(f"gen {g.gen}: a wrong address was not refused with the documented message")
    if "kprobe:kallsyms_lookup_name" not in text:
        probs.append(f"gen {g.gen}: the kprobe route was never used")
    return probs


def check_prediction(g: Generation, a: Boot | None, b: Boot | None) -> list[str]:
    """The model predicts g+1's printed map from g's console log and kernel version."""
    if a is None or b is None:
        return [f"gen {g.gen}: no console boot to predict from / to"]
    chk = check_kexec_file_handoff(a, b)
    if chk is None:
        return [f"gen {g.gen}: the hand-off model found no maps to work from"]
    if not chk.matches:
        want = triples(b.firmware_map.entries) if b.firmware_map else []
        return diff_rows(f"gen {g.gen} model prediction vs gen {g.gen + 1} console", [], want)
    if not (chk.policy_agrees and chk.model.basis == "policy"):
        return [f"gen {g.gen}: matched only by the '{chk.model.basis}' fallback, not the policy"]
    return []


def check_selftest(g: Generation) -> list[str]:
    r = g.result("selftest")
    if r is None:
        return [f"gen {g.gen}: no selftest result"]
    if r.get("torn") != "0" or int(r.get("reads", "0")) < 100:
        return [f"gen {g.gen} selftest: {r}"]
    return []


def check_lockdown(g: Generation) -> list[str]:
    """After ``echo confidentiality > /sys/kernel/security/lockdown`` reads must fail."""
    r = g.result("lockdown")
    if r is None:
        return [f"gen {g.gen}: no lockdown result"]
    probs = []
    if "[confidentiality]" not in r.get("after", ""):
        probs.append(f"gen {g.gen} lockdown not raised: {r}")
    if r.get("read_before_rc") != "0":
        probs.append(f"gen {g.gen}: the table could not be read before the raise: {r}")
    if "Operation_not_permitted" not in r.get("text_err", ""):
        probs.append(f"gen {g.gen}: text file readable under lockdown: {r}")
    if r.get("bin_rc") == "0" or r.get("debugfs_rc") == "0":
        probs.append(f"gen {g.gen}: .bin or debugfs file readable under lockdown: {r}")
    if r.get("rmmod_rc") != "0":
        probs.append(f"gen {g.gen}: rmmod failed under lockdown: {r}")
    return probs


def check_all(
    console_text: str, workdir: Path, *, stress_cycles: int = 0, selftest: bool = True
) -> list[str]:
    """Every check on a console; ``stress_cycles``: generation 1 ran the stress (and, with
    ``selftest``, the selftest race, which consoles recorded before 2026-12-06 lack)."""
    gens = parse_console(console_text)
    # the kernel's own console output only (the dumps hold a second copy of each dmesg)
    kernel_console = "\n".join(ln for g in gens for ln in g.console)
    boots = parse_text(kernel_console, "console.log", workdir)
    by_gen = {i: b for i, b in enumerate((b for b in boots if b.firmware_map is not None), 1)}
    probs: list[str] = []
    for i, g in enumerate(gens):
        probs += check_dmesg_clean(g)
        probs += check_model(g, workdir)
        probs += check_live(g, by_gen.get(g.gen), workdir)
        if i + 1 < len(gens):
            nxt = gens[i + 1]
            hop = g.result("kexec") or {}
            if g.result("kdump-loaded") is not None:
                probs += check_kdump(g, nxt, by_gen.get(nxt.gen))
            elif hop.get("syscall") == "load":
                probs += check_kexec_load(g, nxt, by_gen.get(nxt.gen))
            else:
                probs += check_handoff(g, nxt, by_gen.get(nxt.gen))
                probs += check_prediction(g, by_gen.get(g.gen), by_gen.get(nxt.gen))
        if g.result("lockdown") is not None:
            probs += check_lockdown(g)
    if stress_cycles:
        probs += check_stress(gens[0], cycles=stress_cycles)
        if selftest:
            probs += check_selftest(gens[0])
    return probs


def main(argv: list[str]) -> int:
    text = Path(argv[0]).read_text(errors="replace")
    with tempfile.TemporaryDirectory() as tmp:
        probs = check_all(text, Path(tmp), stress_cycles=int(argv[1]) if len(argv) > 1 else 0)
    print("\n".join(probs) or "all checks passed")
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
