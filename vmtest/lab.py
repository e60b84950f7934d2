"""The lab: reproduce the kexec_file_load e820 growth bug on a real kernel (not in CI).

Steps (``python -m vmtest.lab`` or ``make -C kmod lab``; docs/lab.md):

1. extract Debian's linux-source-6.1 (``vmtest/install-deps.sh --lab``) under the work
   directory and revert the effect of 8efbc518b884 ("x86/kexec: Do not reserve EFI
   setup_data in the kexec e820 table", v5.8): SETUP_EFI is reserved in
   e820_table_kexec again (SETUP_IMA and SETUP_RNG_SEED stay excluded);
2. build a small kernel: tinyconfig + what the lab needs (~5 min with -j2);
3. build kmod/ against that tree;
4. boot it under OVMF (4 GiB) and kexec_file_load generation after generation with the
   module loaded, until the kernel can no longer boot (or ``--generations``);
5. save the console as ``samples/lab/<name>.log.xz`` and print a per-generation summary:
   the module's e820_table_kexec count must reach 130 at the generation before the
   BIOS-e820 count stops growing (the first lossy hand-off).
"""

from __future__ import annotations

import argparse
import lzma
import os
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from .chain import BASE_APPEND
from .console import parse_console
from .initramfs import build_initramfs
from .kmod_build import build_module
from .qemu import run_vm
from .tools import find_tools

REPO = Path(__file__).resolve().parents[1]
SOURCE_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
FIXED = "\t\tif (data->type != SETUP_EFI &&\n\t\t    data->type != SETUP_IMA &&\n"
REVERTED = "\t\tif (data->type != SETUP_IMA &&\n"
CONFIG_ON = (
    "64BIT",
    "PRINTK",
    "EARLY_PRINTK",
    "TTY",
    "SERIAL_8250",
    "SERIAL_8250_CONSOLE",
    "BLK_DEV_INITRD",
    "DEVTMPFS",
    "PROC_FS",
    "SYSFS",
    "SHMEM",
    "TMPFS",
    "BINFMT_ELF",
    "BINFMT_SCRIPT",
    "MULTIUSER",
    "FUTEX",
    "EPOLL",
    "CRYPTO",
    "CRYPTO_SHA256",
    "KEXEC",
    "KEXEC_FILE",
    "PCI",
    "ACPI",
    "EFI",
    "EFI_STUB",
    "EFI_RUNTIME_MAP",
    "FIRMWARE_MEMMAP",
    "MODULES",
    "MODULE_UNLOAD",
    "DEBUG_FS",
    "KALLSYMS",
    "KALLSYMS_ALL",
    "KPROBES",
    "SMP",
    "NUMA",
    "KERNEL_GZIP",
)
CONFIG_OFF = ("KERNEL_XZ", "RANDOMIZE_BASE", "MODULE_SIG")


def run(cmd: list[str], cwd: Path | None = None, log: Path | None = None) -> None:
    out = log.open("w") if log else None
    try:
        subprocess.run(cmd, cwd=cwd, check=True, stdout=out, stderr=subprocess.STDOUT)
    finally:
        if out:
            out.close()


def prepare_source(work: Path) -> Path:
    src = work / "linux-source-6.1"
    if not src.is_dir():
        if not SOURCE_TARBALL.exists():
            raise SystemExit(f"{SOURCE_TARBALL} missing: run vmtest/install-deps.sh --lab")
        with tarfile.open(SOURCE_TARBALL) as tf:
            tf.extractall(work, filter="data")
    e820 = src / "arch/x86/kernel/e820.c"
    text = e820.read_text()
    if FIXED in text:
        e820.write_text(text.replace(FIXED, REVERTED, 1))
    elif REVERTED not in text:
        raise SystemExit(f"{e820}: e820__reserve_setup_data() does not look like 6.1's")
    return src


def build_kernel(src: Path, out: Path, jobs: int) -> tuple[Path, float]:
    out.mkdir(parents=True, exist_ok=True)
    if not (out / ".config").exists():
        run(["make", f"O={out}", "ARCH=x86_64", "tinyconfig"], cwd=src)
        cfg = ["scripts/config", "--file", str(out / ".config")]
        for o in CONFIG_ON:
            cfg += ["-e", o]
        for o in CONFIG_OFF:
            cfg += ["-d", o]
        cfg += ["--set-val", "NODES_SHIFT", "10"]  # as Debian: E820_MAX_ENTRIES = 3200
        run(cfg, cwd=src)
        run(["make", f"O={out}", "ARCH=x86_64", "olddefconfig"], cwd=src)
        config = (out / ".config").read_text()
        lost = [o for o in CONFIG_ON if f"CONFIG_{o}=y\n" not in config and o != "KERNEL_GZIP"]
        if lost:
            raise SystemExit(f"lab kernel config lacks: {lost}")
    t0 = time.monotonic()
    run(
        ["make", f"O={out}", "ARCH=x86_64", f"-j{jobs}", "bzImage", "modules"],
        cwd=src,
        log=out / "build.log",
    )
    return out / "arch/x86/boot/bzImage", time.monotonic() - t0


@dataclass(frozen=True)
class LabRow:
    """One generation: BIOS-e820 lines on the console, the module's kexec-table count,
    the zero-page count and MemTotal (kB); None where the generation did not get there."""

    gen: int
    bios_e820: int
    kexec_entries: int | None
    zeropage_entries: int | None
    memtotal_kb: int | None


def lab_rows(console_text: str) -> list[LabRow]:
    rows = []
    for g in parse_console(console_text):
        kexec = zp = mem = None
        if "/sys/kernel/e820scope/e820_table_kexec" in g.files:
            first = g.text("/sys/kernel/e820scope/e820_table_kexec").split("\n", 1)[0]
            kexec = int(first.split("nr_entries=")[1].split()[0])
        if "/sys/kernel/boot_params/data" in g.files:
            zp = g.files["/sys/kernel/boot_params/data"][0x1E8]
        if "/proc/meminfo" in g.files:
            mem = int(g.text("/proc/meminfo").split("\n", 1)[0].split()[1])
        bios = sum("BIOS-e820: [mem" in ln for ln in g.console)
        rows.append(LabRow(g.gen, bios, kexec, zp, mem))
    return rows


def first_loss(rows: list[LabRow]) -> int | None:
    """Generation whose kexec table first exceeds 128 entries (its hand-off loses)."""
    for r in rows:
        if r.kexec_entries is not None and r.kexec_entries > 128:
            return r.gen
    return None


def summarize(console_text: str) -> list[str]:
    out = ["gen bios_e820 zeropage kexec_table(module) memtotal_kb"]
    rows = lab_rows(console_text)
    for r in rows:
        cells = [r.zeropage_entries, r.kexec_entries, r.memtotal_kb]
        z, k, m = ("-" if c is None else str(c) for c in cells)
        out.append(f"{r.gen:>3} {r.bios_e820:>9} {z:>8} {k:>18} {m:>11}")
    loss = first_loss(rows)
    gens = {g.gen: g for g in parse_console(console_text)}
    switched = loss is not None and loss in gens and gens[loss].result("switch") is not None
    if loss is None:
        out.append("no loss seen")
    elif switched:
        out.append(
            f"generation {loss}'s e820_table_kexec holds more than 128 entries: it handed off "
            "with kexec_load instead (vmtest.switch128=1)"
        )
    else:
        out.append(f"first lossy hand-off: from generation {loss}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m vmtest.lab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # outside the repository: the kernel tree would otherwise be seen by linters
    default_work = Path(os.environ.get("E820SCOPE_LAB_DIR", "/var/tmp/e820scope-lab"))
    ap.add_argument("--work", type=Path, default=default_work)
    ap.add_argument("--generations", type=int, default=70)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--name", default="patched-6.1-ovmf-4g-kmod-chain")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument(
        "--switch-to-load",
        action="store_true",
        help="once the module's e820_table_kexec holds more than 128 entries, hop with "
        "kexec_load (kexec-tools without -s) instead, and stop 2 generations later; "
        "default name patched-6.1-ovmf-4g-kmod-switch-load",
    )
    a = ap.parse_args(argv)
    if a.switch_to_load and a.name == ap.get_default("name"):
        a.name = "patched-6.1-ovmf-4g-kmod-switch-load"
    a.work.mkdir(parents=True, exist_ok=True)
    tools = find_tools()
    if tools.qemu is None or tools.ovmf_code is None:
        print("missing: " + "; ".join(tools.missing), file=sys.stderr)
        return 4
    src = prepare_source(a.work)
    kdir = a.work / "kbuild"
    bzimage, build_s = build_kernel(src, kdir, a.jobs)
    print(f"lab kernel built in {build_s:.0f} s: {bzimage}")
    module, _ = build_module("lab", kdir=kdir)
    initrd = build_initramfs(tools, a.work / "initramfs.cpio", module=module, kernel=bzimage)
    append = (
        f"{BASE_APPEND} earlyprintk=serial,ttyS0,115200 printk.time=1 "
        f"vmtest.gen=1 vmtest.max={a.generations} vmtest.mod=1"
    )
    if a.switch_to_load:
        append += " vmtest.switch128=1"
    # recorded outside samples/ while it grows (tests glob samples/lab/*.log), then
    # xz-compressed into samples/lab/ (e820scope reads .xz directly)
    console = a.work / f"{a.name}.log"
    res = run_vm(
        tools,
        firmware="ovmf",
        kernel=bzimage,
        initrd=initrd,
        append=append,
        console=console,
        mem="4G",
        timeout_s=a.timeout,
        stop_on=b"end Kernel panic",
    )
    print(f"QEMU ran {res.wall_s:.0f} s (rc {res.returncode}); console: {console}")
    print("\n".join(summarize(res.text())))
    sample = REPO / "samples/lab" / f"{a.name}.log.xz"
    sample.write_bytes(lzma.compress(console.read_bytes(), preset=9))
    print(f"recorded {sample}; add its line to samples/lab/MANIFEST.tsv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
