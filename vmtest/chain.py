"""Run a kexec_file_load chain of the Debian kernel with the module loaded.

``python -m vmtest.chain --firmware ovmf --generations 3 --out DIR`` boots generation 1
from firmware, then kexec_file_loads into 2..N inside one QEMU run, and writes
``DIR/<firmware>-chain.log`` (raw serial console). The console is parsed by
:mod:`vmtest.console`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .console import Generation, parse_console
from .initramfs import build_initramfs
from .kernels import BY_NAME, fetch
from .kmod_build import build_for, build_module
from .qemu import VmRun, run_vm
from .tools import Tools, find_tools

BASE_APPEND = "console=ttyS0,115200 panic=-1 nokaslr"


@dataclass(frozen=True)
class ChainRun:
    firmware: str
    run: VmRun
    generations: list[Generation]
    module_build_s: float


def run_chain(
    tools: Tools,
    workdir: Path,
    *,
    firmware: str,
    generations: int,
    stress: int = 0,
    mem: str = "4G",
    module: Path | None = None,
    kernel: Path | None = None,
    timeout_s: float = 900.0,
    extra_append: str = "",
    more_kernels: Mapping[str, Path] | None = None,
    modules_by_release: Mapping[str, Path] | None = None,
) -> ChainRun:
    """Boot ``kernel`` (default: the host's Debian kernel) under ``firmware`` and kexec
    until ``generations`` have run."""
    workdir.mkdir(parents=True, exist_ok=True)
    build_s = 0.0
    if module is None:
        if tools.release is None:
            raise RuntimeError("no Debian kernel installed")
        module, build_s = build_module(tools.release)
    kernel = kernel or tools.kernel
    assert kernel is not None
    initrd = build_initramfs(
        tools,
        workdir / "initramfs.cpio",
        module=module,
        kernel=kernel,
        more_kernels=more_kernels,
        modules_by_release=modules_by_release,
    )
    append = f"{BASE_APPEND} vmtest.gen=1 vmtest.max={generations} vmtest.mod=1"
    if stress:
        append += f" vmtest.stress={stress}"
    if extra_append:
        append += " " + extra_append
    run = run_vm(
        tools,
        firmware=firmware,
        kernel=kernel,
        initrd=initrd,
        append=append,
        console=workdir / f"{firmware}-chain.log",
        mem=mem,
        timeout_s=timeout_s,
    )
    return ChainRun(firmware, run, parse_console(run.text()), build_s)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vmtest.chain", description=__doc__)
    ap.add_argument("--firmware", choices=("seabios", "ovmf"), default="ovmf")
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--stress", type=int, default=0)
    ap.add_argument("--mem", default="4G")
    ap.add_argument("--out", type=Path, default=Path("vmtest/out"))
    ap.add_argument(
        "--kernel",
        choices=sorted(BY_NAME),
        help="a kernel of the matrix (vmtest.kernels); default: the host's Debian kernel",
    )
    ap.add_argument("--append", default="", help="more kernel command-line arguments")
    a = ap.parse_args(argv)
    tools = find_tools()
    if not tools.ok:
        print("missing: " + "; ".join(tools.missing), file=sys.stderr)
        return 4
    t0 = time.monotonic()
    kernel = module = None
    build_s = 0.0
    if a.kernel:
        f = fetch(BY_NAME[a.kernel])
        module, build_s = build_for(f, a.out)
        kernel = f.vmlinuz
    res = run_chain(
        tools,
        a.out,
        firmware=a.firmware,
        generations=a.generations,
        stress=a.stress,
        mem=a.mem,
        module=module,
        kernel=kernel,
        extra_append=a.append,
    )
    summary = {
        "firmware": a.firmware,
        "wall_s": round(res.run.wall_s, 1),
        "total_s": round(time.monotonic() - t0, 1),
        "module_build_s": round(res.module_build_s or build_s, 1),
        "qemu_rc": res.run.returncode,
        "console": str(res.run.console),
        "generations": [
            {"gen": g.gen, "files": len(g.files), "results": g.results} for g in res.generations
        ],
    }
    print(json.dumps(summary, indent=1))
    return 0 if res.run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
