"""Pieces of start-method evidence that :func:`~e820scope.parse.finish.start_method` words.

* the firmware and boot loader lines a console showed before a kernel banner, named one
  by one (grammars/boot.lark ``firmware_marker``);
* a crash capture kernel (kdump), told from the command line as re-joined by the
  container layer (``elfcorehdr=``, kexec-tools' ``memmap=exactmap``) and from how the
  boot before it ended (``Kernel panic``, an oops, ``kernel BUG at``, SysRq-c).
"""

from __future__ import annotations

from ..kernel.cmdline import crash_kernel_mark
from ..model.records import Boot, E820Table, LogEvent, SourceRef, TableKind

#: firmware lines quoted in the evidence; the rest are counted
QUOTED = 4
#: LogEvent kinds that end a kernel's run by a crash (a capture kernel may follow)
CRASH_KINDS = ("panic", "crash")

Mark = tuple[str, str, SourceRef]


def firmware_evidence(marks: tuple[Mark, ...]) -> str:
    """``started by SeaBIOS, then GRUB: 'SeaBIOS (version 1.16.2)' at f:1, ...``.

    >>> from e820scope.model.records import SourceRef
    >>> marks = (("GRUB", "Welcome to GRUB!", SourceRef("f", 2)),
    ...          ("GRUB", "Booting `Default'", SourceRef("f", 6)))
    >>> firmware_evidence(marks)[:72]
    "started by GRUB: 'Welcome to GRUB!' at f:2, 'Booting `Default'' at f:6, "
    """
    whos: list[str] = []
    for who, _, _ in marks:
        if who not in whos:
            whos.append(who)
    quoted = ", ".join(f"{text!r} at {ref}" for _, text, ref in marks[:QUOTED])
    more = len(marks) - QUOTED
    if more > 0:
        quoted += f" and {more} more line{'s' if more > 1 else ''}"
    return (
        f"started by {', then '.join(whos)}: {quoted}, before the kernel banner (kexec skips "
        "the firmware, the boot loader and the kernel's EFI stub / real-mode setup)"
    )


def hypervisor_evidence(tables: list[E820Table]) -> str | None:
    """The hypervisor's own map printed before this kernel: the hypervisor started it."""
    hv = next((t for t in tables if t.kind is TableKind.HYPERVISOR), None)
    if hv is None:
        return None
    where = f" at {hv.first_ref}" if hv.first_ref is not None else ""
    if hv.who in ("SeaBIOS", "hvmloader"):  # a guest's firmware (formats.HYPERVISOR_MAPS)
        return (
            f"{hv.who} printed the e820 map it hands over{where} before this kernel: the "
            "firmware started it"
        )
    return (
        f"the Xen hypervisor printed its own RAM map{where} before this kernel: it booted "
        "from the firmware and built this domain"
    )


def first_crash(prev: Boot | None) -> LogEvent | None:
    """The first crash line of the boot before (what set the crash off: SysRq-c, the
    oops, ``kernel BUG at``; the panic after them; None: it shows none)."""
    if prev is None:
        return None
    return next((e for e in prev.events if e.kind in CRASH_KINDS), None)


def _crash_text(crash: LogEvent) -> str:
    where = f" at {crash.ref}" if crash.ref is not None else ""
    return f"{crash.text[:80]!r}{where}"


def kdump_evidence(cmdline: str, crash: LogEvent | None, kexec_map: str | None) -> str | None:
    """Why this boot is a crash capture kernel, or None.

    ``cmdline``: the boot's command lines (each re-joined when a mail wrapped it);
    ``crash``: the crash line of the boot before; ``kexec_map``: what in this boot's map
    shows kexec-tools wrote it (None: nothing).

    >>> kdump_evidence("ro memmap=exactmap memmap=640K@0K", None, None)[:60]
    'memmap=exactmap on the command line: kexec-tools hands a cras'
    >>> kdump_evidence("ro", None, None) is None
    True
    """
    mark = crash_kernel_mark(cmdline)
    if mark == "elfcorehdr=":
        return "elfcorehdr= on the command line (crash capture kernel)"
    after = f"; the boot before crashed: {_crash_text(crash)}" if crash is not None else ""
    if mark == "memmap=exactmap":
        return (
            "memmap=exactmap on the command line: kexec-tools hands a crash capture kernel "
            f"(kexec -p) its memory this way{after}"
        )
    if crash is not None and kexec_map is not None:
        return (
            f"the boot before crashed: {_crash_text(crash)}, and {kexec_map}: a kernel kexec'd "
            "right after a crash is its crash capture kernel"
        )
    return None
