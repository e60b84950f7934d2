"""The oracles of the kexec_load and kdump hand-offs (used by vmtest.oracle.check_all)."""

from __future__ import annotations

from e820scope.kernel import policy
from e820scope.kernel.handoff import kdump_file_load_handoff, kexec_load_handoff
from e820scope.live.boot_params import decode_boot_params
from e820scope.model.records import Boot, E820Entry, StartMethod

from .console import Generation
from .dumps import diff_rows, kernel_version, module_table, sanitized, triples

#: kexec-tools of the test bed's guest (bookworm's 1:2.0.25-3+deb12u3): first RAM at 0x400
KEXEC_TOOLS_VERSION = "2.0.25"


def memmap_table(g: Generation) -> tuple[E820Entry, ...]:
    """The module's copy of the table behind /sys/firmware/memmap (policy.memmap source)."""
    src = policy.firmware_memmap_source(kernel_version(g))
    return module_table(g, src.value).entries


def check_kexec_load(g: Generation, nxt: Generation, console_boot_next: Boot | None) -> list[str]:
    """kexec_load: model(kexec-tools over g's sysfs table) == g+1's zero page and console."""
    kver = kernel_version(g)
    model = kexec_load_handoff(memmap_table(g), kver, KEXEC_TOOLS_VERSION)
    bp = decode_boot_params(nxt.files["/sys/kernel/boot_params/data"])
    probs = diff_rows(
        f"gen {g.gen} kexec_load model vs gen {nxt.gen} boot_params",
        triples(model.passed),
        triples(bp.e820_table),
    )
    if console_boot_next is None or console_boot_next.firmware_map is None:
        return [*probs, f"gen {nxt.gen}: no BIOS-e820 block on the console"]
    # the kernel sanitizes what it received before printing it: kexec-tools passes the
    # type-128 pieces as RAM next to RAM, which merges
    probs += diff_rows(
        f"gen {g.gen} kexec_load model vs gen {nxt.gen} console BIOS-e820",
        triples(sanitized(model.received, kernel_version(nxt))),
        triples(console_boot_next.firmware_map.entries),
    )
    return probs


#: Size of the ELF core header segment kexec_file_load puts at the start of crashk_res
#: (crash_load_segments()), by kernel series of the test bed: 5.10 and 6.1 (no
#: CRASH_HOTPLUG): the headers rounded up to a page; 6.6+ with CRASH_HOTPLUG and
#: MEMORY_HOTPLUG (Debian's 6.12 and 7.2 configs): room for
#: 2 + CONFIG_NR_CPUS_DEFAULT + CONFIG_CRASH_MAX_MEMORY_RANGES program headers,
#: 64 + (2 + 8192 + 8192) * 56 bytes with Debian's configs (unaligned).
KEXEC_FILE_ELF_HEADERS = {
    (5, 10): 0x1000,
    (6, 1): 0x1000,
    (6, 12): 64 + (2 + 8192 + 8192) * 56,
    (7, 2): 64 + (2 + 8192 + 8192) * 56,
}


def crash_kernel_region(g: Generation) -> tuple[int, int]:
    """``(start, size)`` of the ``Crash kernel`` resource in g's /proc/iomem."""
    for ln in g.text("/proc/iomem").splitlines():
        if ln.strip().endswith(": Crash kernel"):
            first, last = ln.split(":")[0].strip().split("-")
            return int(first, 16), int(last, 16) - int(first, 16) + 1
    raise AssertionError(f"gen {g.gen}: no Crash kernel in /proc/iomem")


def check_kdump(g: Generation, cap: Generation, capture_boot: Boot | None) -> list[str]:
    """A crash capture kernel: parsed as started by kdump; for kexec_file_load (-s -p) its
    zero page and printed map are the model's crash_setup_memmap_entries() of g."""
    if capture_boot is None or capture_boot.firmware_map is None:
        return [f"gen {cap.gen}: no BIOS-e820 block on the capture kernel's console"]
    probs = []
    if capture_boot.start.method is not StartMethod.KDUMP:
        probs.append(f"gen {cap.gen}: parsed as started by {capture_boot.start.method.value}")
    hop = g.result("kdump-loaded") or {}
    if hop.get("syscall") != "file":
        return probs  # kexec_load -p: see tests/vm/test_matrix.py (kexec-tools' layout)
    kver = kernel_version(g)
    size = KEXEC_FILE_ELF_HEADERS.get((kver.major, kver.minor))
    if size is None:
        return [*probs, f"gen {g.gen}: no ELF header size known for {kver}"]
    cmdline = cap.text("/proc/cmdline").split()
    elf = int(next(a for a in cmdline if a.startswith("elfcorehdr=")).split("=")[1], 0)
    model = kdump_file_load_handoff(
        module_table(g, "e820_table").entries, kver, crash_kernel_region(g), (elf, size)
    )
    bp = decode_boot_params(cap.files["/sys/kernel/boot_params/data"])
    probs += diff_rows(
        f"gen {g.gen} kdump model vs capture gen {cap.gen} boot_params",
        triples(model.passed),
        triples(bp.e820_table),
    )
    probs += diff_rows(
        f"gen {g.gen} kdump model vs capture gen {cap.gen} console BIOS-e820",
        triples(sanitized(model.passed, kernel_version(cap))),
        triples(capture_boot.firmware_map.entries),
    )
    return probs
