"""Turn a :class:`BootBuilder` into a :class:`Boot`: completeness and start method."""

from __future__ import annotations

import functools
from itertools import compress, repeat
from operator import eq, itemgetter

from ..model.kversion import KernelVersion
from ..model.records import (
    Boot,
    BootStart,
    E820Entry,
    E820Table,
    LogEvent,
    StartMethod,
    TableKind,
)
from ..model.types import E820Type, Era
from .builder import BootBuilder
from .completeness import Memo, bounds, judge
from .coverage import UNSEEN, Seen
from .start_evidence import firmware_evidence, first_crash, hypervisor_evidence, kdump_evidence

#: kexec_file_load's SETUP_EFI node: 16-byte setup_data header + 96-byte efi_setup_data
#: (arch/x86/kernel/kexec-bzimage64.c setup_efi_state(), 4.0+); the reservation of that
#: node splits a usable entry around a 0x70-byte piece.
SETUP_EFI_NODE_BYTES = 16 + 96
#: First RAM entry start after a kexec-tools (kexec_load) hand-off: 0x100 before
#: v2.0.22, 0x400 since 774a16b ("Fix where the real mode interrupt vector ends").
KEXEC_TOOLS_FIRST_RAM = (0x100, 0x400)

#: enum members read for every boot, as plain globals (an Enum class attribute costs
#: ~0.1 us a read on Python 3.11)
_FIRMWARE = TableKind.FIRMWARE
_SETUP_DATA = TableKind.SETUP_DATA
_KEXEC_FILE_MEMMAP = TableKind.KEXEC_FILE_MEMMAP

NO_MAP_HINT = (
    "get a full log: 'journalctl -k -b N' (N = the boot), /var/log/dmesg, or boot with "
    "log_buf_len=4M so the ring buffer keeps the early lines; the firmware map of the "
    "running kernel is also in /sys/firmware/memmap"
)


#: Entry types the kernel counts as RAM (plain ints: cheaper to test than the enum).
_TYPE_RAM = int(E820Type.RAM)

#: C-level reader of entry sizes
_SIZE = itemgetter(1)

#: the completeness module's bounds of a table (:func:`~.completeness.bounds`)
_bounds = bounds


def _first_ram(t: E820Table, memo: Memo | None = None) -> int | None:
    return _bounds(t, memo)[1]


def _unaligned(entries: tuple[E820Entry, ...], size: int, type: int, align: int) -> bool:
    """Whether an entry of ``entries`` has ``size`` and ``type`` and an address that is
    not a multiple of ``align``."""
    node = map(eq, map(_SIZE, entries), repeat(size))
    return any(e.type == type and e.addr % align for e in compress(entries, node))


def _setup_efi_split(tables: list[E820Table]) -> bool:
    """A usable SETUP_EFI-sized piece not on a page boundary in a setup_data block."""
    return any(
        _unaligned(t.entries, SETUP_EFI_NODE_BYTES, _TYPE_RAM, 4096)
        for t in tables
        if t.kind is _SETUP_DATA
    )


@functools.lru_cache(maxsize=256)
def kexec_syscall_flag(text: str) -> str | None:
    """``"file"`` / ``"load"`` for a console line running kexec-tools with a syscall flag.

    kexec-tools (kexec/kexec.c): ``-s`` / ``--kexec-file-syscall`` selects
    kexec_file_load, ``-c`` / ``--kexec-syscall`` selects kexec_load (``-a``, the default
    since v2.0.27, tries kexec_file_load first and tells nothing for sure).
    """
    words = text.split()
    for i, w in enumerate(words):
        if w == "kexec" or w.endswith("/kexec"):
            for flag in words[i + 1 :]:
                if flag == "--kexec-file-syscall":
                    return "file"
                if flag == "--kexec-syscall":
                    return "load"
                if flag.startswith("-") and not flag.startswith("--") and flag[1:].isalpha():
                    if "s" in flag[1:]:
                        return "file"
                    if "c" in flag[1:]:
                        return "load"
            return None
    return None


def start_method(
    b: BootBuilder,
    tables: list[E820Table],
    prev_file_memmap: bool,
    prev_ended_by: str | None = None,
    memo: Memo | None = None,
    prev_crash: LogEvent | None = None,
) -> BootStart:
    """How the boot was started, from what the log shows (kernel-facts §1.9, §2.4, §2.5).

    ``cold`` needs evidence of a firmware start, never just "no kexec seen": the first
    boot of an excerpt looks the same whether the firmware or kexec_file_load started it
    (kexec_file_load hands on e820_table_kexec, which keeps the firmware's layout, so
    neither a map starting at 0 nor the legacy 0x9fc00 / 0xf0000 BIOS layout nor
    ``efi: EFI v2.x by EDK II`` / ``efi: memNN`` lines tell them apart: a kexec'd
    kernel prints them all too). The evidence accepted, strongest first:

    * firmware or boot loader output on the console before the banner
      (grammars/boot.lark ``firmware_marker``: ``EFI stub:``, ``Probing EDD``, SeaBIOS,
      EDK II BdsDxe, GRUB, iPXE, Syslinux, Xen's ``Bootloader:``), which kexec skips;
      the evidence names each line (:func:`.start_evidence.firmware_evidence`);
    * the Xen hypervisor's own map before the kernel, or a Xen PV map (the hypervisor
      built the domain);
    * the previous boot of the same capture ended in a kernel panic and this one shows
      a command line without the marks of a crash kernel: the panic reboot resets
      through the firmware.

    A crash capture kernel (``kdump``) is told first, by its re-joined command line
    (``elfcorehdr=``, ``memmap=exactmap``) or by a kexec'd map right after the crash
    ``prev_crash`` of the boot before (:func:`.start_evidence.kdump_evidence`). Without
    any of these (and without kexec evidence) the method is ``unknown``, and the
    evidence text says so.
    """
    cmd = " ".join(c for c in (b.arch_cmdline, b.kernel_cmdline) if c)
    fw = next((t for t in tables if t.kind is _FIRMWARE), None)
    first = _first_ram(fw, memo) if fw is not None else None
    kexec_map = None
    if first in KEXEC_TOOLS_FIRST_RAM:
        kexec_map = f"its first RAM entry starts at {first:#x} (kexec-tools moved it)"
    elif b.after_kexec:
        kexec_map = "the boot before ended with 'Starting new kernel'"
    kdump = kdump_evidence(cmd, prev_crash, kexec_map)
    if kdump is not None:
        return BootStart(StartMethod.KDUMP, kdump)
    if first in KEXEC_TOOLS_FIRST_RAM:
        return BootStart(
            StartMethod.KEXEC_LOAD,
            f"first RAM entry starts at {first:#x}: kexec-tools (kexec_load) moved it off the "
            "real-mode interrupt vector table",
        )
    if b.firmware:
        return BootStart(StartMethod.COLD, firmware_evidence(b.firmware))
    hv = hypervisor_evidence(tables)
    if hv is not None:
        return BootStart(StartMethod.COLD, hv)
    if b.after_kexec:
        return _after_kexec(b, tables, first, prev_file_memmap)
    if _setup_efi_split(tables):
        return BootStart(
            StartMethod.KEXEC_FILE_LOAD,
            "a 112-byte setup_data node (kexec_file_load's SETUP_EFI) is reserved in this "
            "boot's map: the previous kernel kexec'd it, though the kexec is not in the log",
        )
    if fw is None or first is None:
        what = "no map" if not tables else "no BIOS-provided map with RAM in it"
        return BootStart(StartMethod.UNKNOWN, f"{what} and no kexec marker")
    return _without_marker(b, fw, first, cmd, prev_ended_by, prev_crash)


def _after_kexec(
    b: BootBuilder, tables: list[E820Table], first: int | None, prev_file_memmap: bool
) -> BootStart:
    """The boot before ended with ``Starting new kernel``: which syscall, if the log
    tells."""
    flag = kexec_syscall_flag(b.prev_kexec_cmd) if b.prev_kexec_cmd else None
    if flag is not None:
        return BootStart(
            StartMethod.KEXEC_FILE_LOAD if flag == "file" else StartMethod.KEXEC_LOAD,
            f"previous boot ended with 'Starting new kernel' after the console ran "
            f"{b.prev_kexec_cmd!r}",
        )
    if prev_file_memmap:
        return BootStart(
            StartMethod.KEXEC_FILE_LOAD,
            "previous boot ended with 'Starting new kernel' and printed a "
            "kexec-bzImage64 E820 memmap",
        )
    if _setup_efi_split(tables):
        return BootStart(
            StartMethod.KEXEC_FILE_LOAD,
            "previous boot ended with 'Starting new kernel'; the map starts at the firmware's "
            "address and a 112-byte setup_data node (kexec_file_load's SETUP_EFI) is reserved",
        )
    where = f"; first RAM entry at {first:#x}" if first is not None else ""
    return BootStart(
        StartMethod.KEXEC,
        f"previous boot in this capture ended with 'Starting new kernel'{where}; the "
        "syscall cannot be told from the log",
    )


def _without_marker(
    b: BootBuilder,
    fw: E820Table,
    first: int,
    cmd: str,
    prev_ended_by: str | None,
    prev_crash: LogEvent | None,
) -> BootStart:
    """No firmware, hypervisor or kexec marker: a Xen PV map, a reboot after a panic,
    or unknown (and what cannot be told)."""
    if fw.who == "Xen":
        return BootStart(
            StartMethod.COLD, f"Xen PV map: the hypervisor built this domain ({first:#x})"
        )
    if prev_ended_by == "panic" and cmd:
        return BootStart(
            StartMethod.COLD,
            "the previous boot in this capture ended in a kernel panic and this is no crash "
            "kernel (no elfcorehdr=): the panic reboot goes through the firmware; map starts "
            f"at {first:#x}",
        )
    if prev_crash is not None:
        return BootStart(
            StartMethod.UNKNOWN,
            f"the boot before crashed ({prev_crash.text[:80]!r}); a crash capture kernel and "
            "a reboot through the firmware both follow a crash, and this boot's command line "
            f"is not in the log to tell them apart; map starts at {first:#x}",
        )
    return BootStart(
        StartMethod.UNKNOWN,
        "no kexec before this boot in the capture, but no sign of a firmware start either "
        "(no EFI stub, boot loader or BIOS line that e820scope knows before the banner; "
        "lines it does not know, e.g. another boot loader's, are not read): "
        f"{_alike(b.kernel, fw.era)}; map starts at {first:#x}",
    )


def _alike(kver: KernelVersion | None, era: Era | None = None) -> str:
    """What a cold boot looks the same as, for a kernel of ``kver``: only hand-offs that
    kernel can have are named (kexec came in 2.6.13, kexec_file_load in 3.17 upstream;
    distribution kernels such as RHEL 7's 3.10 carry it earlier, so "kexec" there).
    Without a banner the map's print era bounds the kernel: era A is <= 3.4."""
    if kver is not None and not kver.at_least(2, 6, 13):
        return f"{kver} predates kexec (2.6.13), so another boot loader may have started it"
    if (kver is not None and not kver.at_least(3, 17)) or (kver is None and era is Era.A):
        return "a cold boot and a kexec hand-off print the same map here"
    return "a cold boot and a kexec_file_load hand-off print the same map here"


def finish(
    b: BootBuilder, index: int, ended_by: str, prev: Boot | None, seen: Seen = UNSEEN
) -> Boot:
    """Freeze a builder into Boot number ``index`` (1-based); ``seen``: what the
    container layer saw of its lines beyond the anchored ones (:mod:`.completeness`)."""
    b.close_block()
    memo: Memo = {}
    if ended_by != "kexec" and any(e.kind == "panic" for e in b.events):
        ended_by = "panic"
    tables, complete = judge(b, list(b.tables), ended_by, seen, memo)
    prev_file_memmap = prev is not None and any(t.kind is _KEXEC_FILE_MEMMAP for t in prev.tables)
    return Boot(  # Boot's fields, in order
        index,
        b.source,
        b.first_line,
        b.last_line,
        b.kernel,
        b.linux_version,
        b.arch_cmdline if b.arch_cmdline is not None else b.kernel_cmdline,
        start_method(
            b, tables, prev_file_memmap, prev.ended_by if prev else None, memo, first_crash(prev)
        ),
        complete,
        tuple(tables),
        tuple(b.ops),
        tuple(b.last_pfn),
        b.memory,
        tuple(b.initmem),
        tuple(b.node_data),
        tuple(b.early_node_ranges),
        tuple(b.zones),
        tuple(b.efi_mem),
        tuple(b.events),
        tuple(b.warnings),
        ended_by,
        None if b.first_ts is None or b.last_ts is None else (b.first_ts, b.last_ts),
    )
