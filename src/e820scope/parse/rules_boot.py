"""The rules of grammars/boot.lark (see :mod:`.rules`).

>>> from e820scope.parse.classify import classify
>>> classify("SeaBIOS (version 1.16.2-debian-1.16.2-1)")
FirmwareFact(text='SeaBIOS (version 1.16.2-debian-1.16.2-1)', starter='SeaBIOS')
"""

from __future__ import annotations

import re

from .facts import (
    UNPARSED,
    BannerFact,
    CmdlineFact,
    CpuModelFact,
    CrashFact,
    CrashkernelFact,
    DmiFact,
    Fact,
    FirmwareFact,
    KexecStartFact,
    NotX86Fact,
    OomFact,
    PanicFact,
    RebootSepFact,
    Unparsed,
)
from .tree_values import RuleBase, crashkernel_fact

#: boot.lark firmware_marker alternatives -> what started the kernel
_FIRMWARE_MARKS = {
    "fw_efi_stub": "UEFI firmware (EFI stub)",
    "fw_probing_edd": "a BIOS boot loader (real-mode setup code)",
    "fw_seabios": "SeaBIOS",
    "fw_bdsdxe": "UEFI firmware (EDK II boot manager)",
    "fw_grub": "GRUB",
    "fw_bios_boot": "the BIOS boot menu",
    "fw_grub_loading": "GRUB",
    "fw_grub_initrd": "GRUB",
    "fw_grub_booting": "GRUB",
    "fw_ipxe": "iPXE",
    "fw_syslinux": "Syslinux",
    "fw_xen_bootloader": "the boot loader the Xen hypervisor names",
}
#: boot.lark crash_trigger alternatives
_CRASHES = frozenset({"crash_oops", "crash_bug", "crash_sysrq"})

#: the end of a boot CPU line that is no part of the model name
_CPU_TAIL = re.compile(r"\s*(?:\(family:.*|stepping\s+\S+\s*)$")
#: "CPU0: ..." lines that name no model (2.6 thermal / microcode / HT notices)
_CPU_NOT_MODEL = ("Thermal", "thermal", "microcode", "Hyper-Threading", "Intel P4/Xeon", "Temp")


def read_marker(name: str, line: str) -> Fact | None:
    """The fact of a firmware_marker or crash_trigger alternative ``name`` (grammar
    aliases read without their tree), None for any other rule."""
    if name in _FIRMWARE_MARKS:
        return FirmwareFact(line.strip(), _FIRMWARE_MARKS[name])
    if name in _CRASHES:
        return CrashFact(line.strip(), name)
    return None


class BootRules(RuleBase):
    """The methods of :class:`~e820scope.parse.rules.RuleReader` for boot.lark."""

    __slots__ = ()

    # -- boot.lark -------------------------------------------------------------------
    def rule_linux_version(self) -> BannerFact:
        """``Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 ...``

        >>> from e820scope.parse.classify import classify
        >>> classify("Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP").release
        '6.1.0-56-amd64'
        """
        b = self.b
        return BannerFact(self.line.strip(), b.marks[0] if b.marks else "")

    def rule_arch_command_line(self) -> CmdlineFact:
        """``Command line: console=ttyS0 ...`` (setup_arch)."""
        return CmdlineFact(self.b.text or "", "arch")

    def rule_kernel_command_line(self) -> CmdlineFact:
        """``Kernel command line: console=ttyS0 ...`` (start_kernel)."""
        return CmdlineFact(self.b.text or "", "kernel")

    def rule_dmi(self) -> DmiFact | Unparsed:
        """``DMI: LENOVO 20HGS0TW00/20HGS0TW00, BIOS N1WET51W (1.30 ) 02/03/2020``: the
        machine's DMI ids (``text``: the text after ``DMI:``).

        >>> from e820scope.parse.classify import classify
        >>> classify("DMI: LENOVO 20HGS0TW00/20HGS0TW00, BIOS N1WET51W (1.30 ) 02/03/2020").text
        'LENOVO 20HGS0TW00/20HGS0TW00, BIOS N1WET51W (1.30 ) 02/03/2020'
        >>> classify("DMI: Memory slots populated: 2/2")
        Unparsed()

        Since 6.x dmi_scan.c's pr_fmt is ``DMI: ``, so its table version line reads
        ``DMI: SMBIOS 2.8 present.`` (a real 7.2 console, the line before the ids): not
        the machine's ids either.

        >>> classify("DMI: SMBIOS 2.8 present.")
        Unparsed()
        """
        text = (self.b.text or "").strip()
        if text.startswith(("Memory slots", "SMBIOS ", "Legacy DMI ")):
            return UNPARSED
        return DmiFact(text)

    def rule_cpu_model(self) -> CpuModelFact | Unparsed:
        """``smpboot: CPU0: Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz (family: 0x6, model:
        0x8e, stepping: 0x9)``; 2.6 ``CPU0: Intel(R) Xeon(TM) CPU 2.80GHz stepping 09``
        (``text``: the model name, without family/stepping).

        >>> from e820scope.parse.classify import classify
        >>> classify("smpboot: CPU0: Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz "
        ...          "(family: 0x6, model: 0x8e, stepping: 0x9)").text
        'Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz'
        >>> classify("CPU0: Intel(R) Xeon(TM) CPU 2.80GHz stepping 09").text
        'Intel(R) Xeon(TM) CPU 2.80GHz'
        >>> classify("CPU0: Thermal monitoring enabled (TM1)")
        Unparsed()
        >>> classify("CPU0:  online")
        Unparsed()
        """
        text = _CPU_TAIL.sub("", (self.b.text or "").strip())
        if not text[:1].isupper() or text.startswith(_CPU_NOT_MODEL):
            return UNPARSED
        return CpuModelFact(" ".join(text.split()))

    def rule_kexec_start(self) -> KexecStartFact:
        """``kexec_core: Starting new kernel``"""
        return KexecStartFact(self.line.strip())

    def rule_crashkernel(self) -> CrashkernelFact:
        """``Reserving 256MB of memory at 3808MB for crashkernel (System RAM: 4095MB)``

        >>> from e820scope.parse.classify import classify
        >>> f = classify("Reserving 256MB of memory at 3808MB for crashkernel (System RAM: 4095MB)")
        >>> f.size_mb, f.at_mb, f.values
        (256, 3808, (256, 3808))
        """
        return crashkernel_fact(self.line)

    def rule_oom(self) -> OomFact:
        """``stress invoked oom-killer: gfp_mask=0x...``"""
        return OomFact(self.line.strip())

    def rule_panic(self) -> PanicFact:
        """``Kernel panic - not syncing: Out of memory and no killable processes...``"""
        return PanicFact(self.line.strip())

    def rule_reboot_sep(self) -> RebootSepFact:
        """``-- Reboot --`` (journalctl)."""
        return RebootSepFact()

    def rule_not_x86_mips(self) -> NotX86Fact:
        """A MIPS boot log's own lines (``Determined physical RAM map:``)."""
        return NotX86Fact(self.line.strip())

    def rule_not_x86_arm(self) -> NotX86Fact:
        """An ARM boot log's own lines (``Machine model:``, ``Booting Linux on``)."""
        return NotX86Fact(self.line.strip())
