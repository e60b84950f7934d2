"""Run the kernel matrix: each kernel of :data:`vmtest.kernels.MATRIX` under QEMU.

``python -m vmtest.matrix run 6.12`` runs one kernel alone (all its scenarios);
``python -m vmtest.matrix run`` runs all four, one VM at a time;
``python -m vmtest.matrix build [KERNEL ...]`` only fetches the kernels and builds the
module for each (creating the trixie/forky chroots on first use). Each scenario writes
``<out>/<kernel>/<scenario>.log`` (the raw serial console) and ``summary.json`` with
the timings; ``python -m vmtest.oracle <log>`` checks a console again later.

Scenarios (per kernel unless noted):

* ``ovmf-file`` — OVMF, :data:`FILE_GENERATIONS` boots joined by kexec_file_load, the
  module loaded in each; generation 1 unloads/loads the module 200 times with readers
  and races readers against the module's changing selftest table; the last generation
  raises lockdown to confidentiality at run time;
* ``seabios-file`` — SeaBIOS, :data:`SEABIOS_GENERATIONS` boots, with
  :data:`SOFT_RESERVED_PAIR` on the command line: two abutting 1 MiB RAM ranges retyped
  soft reserved (0xefffffff), which the sanitizer must keep apart (e820_nomerge);
* ``ovmf-load`` — (:data:`KEXEC_LOAD_KERNELS`) OVMF, kexec_load (kexec-tools without -s);
* ``seabios-kdump-file`` / ``seabios-kdump-load`` — (:data:`KDUMP_KERNELS`) SeaBIOS,
  ``crashkernel=256M``: generation 1 loads generation 2 as its crash kernel (``kexec -s
  -p`` / ``kexec -p``) and crashes with sysrq-c; generation 2 is the capture kernel;
* ``seabios-lockdown`` — SeaBIOS, one boot with ``lockdown=confidentiality``: loading the
  module must fail and leave no /sys/kernel/e820scope;
* ``cross-6.1-7.2`` — (kernel 7.2 only) OVMF, Debian 6.1 kexec_file_loads into 7.2: the
  6.1 kexec table's type-128 piece reaches 7.2, which prints ``type 128``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .chain import run_chain
from .kernels import BY_NAME, Fetched, fetch
from .kmod_build import build_for
from .tools import Tools, find_tools

FILE_GENERATIONS = 5  # 4 kexec_file_load hand-offs
SEABIOS_GENERATIONS = 4
LOAD_GENERATIONS = 3
STRESS_CYCLES = 200
KEXEC_LOAD_KERNELS = ("5.10", "6.1", "6.12", "7.2")
KDUMP_KERNELS = ("5.10", "6.1", "6.12", "7.2")
#: memmap=nn%ss-old+new twice: [256 MiB, +1 MiB) and [257 MiB, +1 MiB) from RAM (1) to
#: soft reserved (0xefffffff); e820scope's policy.nomerge_types() says no merge from 5.10
SOFT_RESERVED_PAIR = "memmap=1M%0x10000000-1+0xefffffff memmap=1M%0x10100000-1+0xefffffff"
KDUMP_APPEND = "crashkernel=256M vmtest.kdump=1"
LOCKDOWN_BOOT = "lockdown=confidentiality"
#: per-VM timeouts (s): a chain that hangs is killed, the test fails
TIMEOUTS = {
    "ovmf-file": 600.0,
    "seabios-file": 400.0,
    "ovmf-load": 400.0,
    "seabios-kdump-file": 300.0,
    "seabios-kdump-load": 300.0,
    "seabios-lockdown": 200.0,
    "cross-6.1-7.2": 400.0,
}


@dataclass(frozen=True)
class Scenario:
    name: str
    firmware: str
    generations: int
    stress: int = 0
    append: str = ""
    kseq: tuple[str, ...] = ()  #: kernels of generations 1, 2, ... (cross-kernel chains)
    module_loads: bool = True  #: False: the module must be refused (lockdown= boot)


def scenarios(kernel: str) -> list[Scenario]:
    out = [
        Scenario("ovmf-file", "ovmf", FILE_GENERATIONS, STRESS_CYCLES, append="vmtest.lockdown=1"),
        Scenario("seabios-file", "seabios", SEABIOS_GENERATIONS, append=SOFT_RESERVED_PAIR),
    ]
    out.append(Scenario("seabios-lockdown", "seabios", 1, append=LOCKDOWN_BOOT, module_loads=False))
    if kernel in KEXEC_LOAD_KERNELS:
        out.append(Scenario("ovmf-load", "ovmf", LOAD_GENERATIONS, append="vmtest.kexec=load"))
    if kernel in KDUMP_KERNELS:
        out.append(Scenario("seabios-kdump-file", "seabios", 2, append=KDUMP_APPEND))
        out.append(
            Scenario("seabios-kdump-load", "seabios", 2, append=KDUMP_APPEND + " vmtest.kexec=load")
        )
    if kernel == "7.2":
        out.append(Scenario("cross-6.1-7.2", "ovmf", 3, kseq=("6.1", "7.2", "7.2")))
    return out


@dataclass(frozen=True)
class Built:
    fetched: Fetched
    module: Path
    build_s: float


def prepare(name: str, out: Path) -> Built:
    f = fetch(BY_NAME[name])
    ko, took = build_for(f, out)
    return Built(f, ko, took)


def run_scenario(tools: Tools, name: str, sc: Scenario, out: Path) -> dict[str, object]:
    """Run one scenario of kernel ``name``; returns its summary row."""
    built = {n: prepare(n, out / "modules") for n in dict.fromkeys((name, *sc.kseq))}
    first = built[sc.kseq[0] if sc.kseq else name]
    append = sc.append
    if sc.kseq:
        append += " vmtest.kseq=" + ":".join(sc.kseq)
    workdir = out / name / sc.name
    t0 = time.monotonic()
    res = run_chain(
        tools,
        workdir,
        firmware=sc.firmware,
        generations=sc.generations,
        stress=sc.stress,
        module=first.module,
        kernel=first.fetched.vmlinuz,
        timeout_s=TIMEOUTS[sc.name],
        extra_append=append.strip(),
        more_kernels={n: b.fetched.vmlinuz for n, b in built.items()},
        modules_by_release={b.fetched.release: b.module for b in built.values()},
    )
    return {
        "kernel": name,
        "release": built[name].fetched.release,
        "scenario": sc.name,
        "console": str(res.run.console),
        "qemu_rc": res.run.returncode,
        "wall_s": round(res.run.wall_s, 1),
        "total_s": round(time.monotonic() - t0, 1),
        "generations": len(res.generations),
        "module_build_s": round(built[name].build_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m vmtest.matrix",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("action", choices=("run", "build", "list"))
    ap.add_argument("kernels", nargs="*", help=f"default: all of {', '.join(BY_NAME)}")
    ap.add_argument("--out", type=Path, default=Path("vmtest/out/matrix"))
    ap.add_argument("--only", help="run only this scenario")
    a = ap.parse_args(argv)
    names = a.kernels or list(BY_NAME)
    if any(n not in BY_NAME for n in names):
        print(f"kernels of the matrix: {', '.join(BY_NAME)}", file=sys.stderr)
        return 2
    if a.action == "list":
        for n in names:
            for sc in scenarios(n):
                print(f"{n}\t{sc.name}\t{sc.firmware}\tgenerations={sc.generations}")
        return 0
    if a.action == "build":
        for n in names:
            b = prepare(n, a.out / "modules")
            print(f"{n}\t{b.fetched.release}\t{b.module}\tbuilt in {b.build_s:.1f} s", flush=True)
        return 0
    tools = find_tools()
    if tools.qemu is None or tools.ovmf_code is None:
        print("missing: " + "; ".join(tools.missing), file=sys.stderr)
        return 4
    rows = []
    for n in names:
        for sc in scenarios(n):
            if a.only and sc.name != a.only:
                continue
            row = run_scenario(tools, n, sc, a.out)
            print(json.dumps(row), flush=True)
            rows.append(row)
    # merged with the rows of earlier runs into the same directory (one row per scenario)
    summary = a.out / "summary.json"
    old = json.loads(summary.read_text()) if summary.exists() else []
    merged = {(r["kernel"], r["scenario"]): r for r in [*old, *rows]}
    summary.write_text(json.dumps(list(merged.values()), indent=1) + "\n")
    return 0 if all(r["qemu_rc"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
