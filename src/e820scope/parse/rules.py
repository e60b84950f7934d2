"""One method per grammar rule: a Lark parse tree -> the :class:`LineFact` it says.

:class:`RuleReader` is what :func:`~e820scope.parse.classify.classify` hands each parse
tree to; each method's docstring quotes a real kernel line of its rule, and the examples
run as doctests (``tests/test_doctests.py``):

>>> from e820scope.parse.classify import classify
>>> f = classify("BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable")
>>> f.kind, f.who, hex(f.addr), hex(f.end), f.type, f.era
('entry', 'BIOS-e820', '0x100000', '0xbffe0000', 1, None)
"""

from __future__ import annotations

import re
from dataclasses import replace

from lark import Token, Tree

from ..formats import HYPERVISOR_MAPS, MAP_HEADERS, WHO
from ..model.types import Era
from .facts import LineFact
from .guest_maps import HVMLOADER_WORD, SEABIOS_WORD, hvmloader_entry, seabios_entry
from .tree_values import Bits, crash_nums, entry_fact, op_fact, rule_name

#: Returned for a line that has an anchor but does not parse.
UNPARSED = LineFact("unparsed")

#: grammar alias -> the who-prefix / map header word it stands for (formats.py)
_WHO = {w.rule: w.text for w in WHO}
_MAP = {m.rule: m.word for m in MAP_HEADERS}
#: grammar alias of a hypervisor map header word -> the word
_HV_MAP = {rule: word for h in HYPERVISOR_MAPS for word, rule in h.words.items()}
_XEN_WHO = next(h.who for h in HYPERVISOR_MAPS if h.prefix == "(XEN)")
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


class RuleReader:
    """Reads the parse tree of one line (``line``: the text that was parsed)."""

    __slots__ = ("b", "line")

    def __init__(self, line: str) -> None:
        self.line = line
        self.b: Bits

    def read(self, tree: Tree[Token]) -> LineFact:
        """The fact of a whole parse tree (``start`` -> family -> rule)."""
        top = tree.children[0]
        assert isinstance(top, Tree)
        rule = top.children[0]
        assert isinstance(rule, Tree)
        name = rule_name(rule)
        if name in _FIRMWARE_MARKS:
            return LineFact("firmware", who=_FIRMWARE_MARKS[name], raw=self.line.strip())
        if name in _CRASHES:
            return LineFact("crash", who=name, raw=self.line.strip())
        method = getattr(self, f"rule_{name}", None)
        if method is None:
            return UNPARSED
        self.b = Bits(rule)
        fact: LineFact = method()
        return fact

    # -- e820.lark -------------------------------------------------------------------
    def rule_e820_header(self) -> LineFact:
        """``BIOS-provided physical RAM map:`` (era B: ``e820: BIOS-provided ...``)."""
        return LineFact("header", who=self.b.mark(_MAP), prefixed="e820_pfx" in self.b.marks)

    def rule_e820_entry(self) -> LineFact:
        """``BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable``; era A
        ``BIOS-e820: 0000000000100000 - 00000000bffe0000 (usable)``; era D two spaces.

        >>> from e820scope.parse.classify import classify
        >>> f = classify(" BIOS-e820: 0000000000100000 - 00000000bffe0000 (usable)")
        >>> hex(f.end), f.raw, f.era
        ('0xbffe0000', '(usable)', <Era.A: 'A'>)
        >>> f = classify("BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff]  System RAM")
        >>> f.type, f.raw, f.era
        (1, ' System RAM', <Era.D: 'D'>)
        """
        return entry_fact(self.b, self.line, "entry", self.b.mark(_WHO))

    def rule_e820_entry_size_at(self) -> LineFact:
        """``BIOS-e820: 000000000009fc00 @ 0000000000000000 (usable)``: 2.4.0 - 2.4.2
        print SIZE @ START (arch/i386/kernel/setup.c print_memory_map).

        >>> from e820scope.parse.classify import classify
        >>> f = classify(" BIOS-e820: 0000000007ef0000 @ 0000000000100000 (usable)")
        >>> hex(f.addr), hex(f.end), f.type, f.raw, f.era
        ('0x100000', '0x7ff0000', 1, '(usable)', <Era.A: 'A'>)
        """
        return entry_fact(self.b, self.line, "entry", self.b.mark(_WHO))

    def rule_e820_gap(self) -> LineFact:
        """``BIOS-e820: [gap 0x00000000000a0000-0x00000000000effff]`` (7.0+)."""
        first, last = self.b.hexes[0], self.b.hexes[1]
        return LineFact("gap", who=self.b.mark(_WHO), addr=first, size=last - first + 1, era=Era.D)

    def rule_fw_bug_order(self) -> LineFact:
        """``[Firmware Bug]: out of order E820 entry!`` (7.0+)."""
        return LineFact("fw_bug_order", raw=self.line.strip(), era=Era.D)

    def rule_range_update(self) -> LineFact:
        """``e820: update [mem 0x00000000-0x00000fff] usable ==> reserved``

        >>> from e820scope.parse.classify import classify
        >>> f = classify("e820: update [mem 0x00000000-0x00000fff] usable ==> reserved")
        >>> f.kind, f.size, f.type, f.new_type
        ('update', 4096, 1, 2)
        """
        return op_fact(self.b, "update")

    def rule_range_remove(self) -> LineFact:
        """``e820: remove [mem 0x000a0000-0x000fffff] usable``"""
        return op_fact(self.b, "remove")

    def rule_table_full(self) -> LineFact:
        """``e820: too many entries; ignoring [mem 0x...-0x...]``"""
        b, line = self.b, self.line
        if b.hexes:
            addr, size = b.inclusive()
            return LineFact("table_full", addr=addr, size=size, raw=line.strip())
        return LineFact("table_full", raw=line.strip(), era=Era.A)

    def rule_ram_buffer(self) -> LineFact:
        """``e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]``"""
        b = self.b
        addr, size = b.range16(exclusive=True) if b.r16 else b.inclusive()
        return LineFact("ram_buffer", addr=addr, size=size, raw=self.line.strip())

    def rule_pci_gap(self) -> LineFact:
        """``[mem 0xc0000000-0xfeffbfff] available for PCI devices``; <= 3.4
        ``Allocating PCI resources starting at c0000000 (gap: c0000000:3ec00000)``."""
        b, line = self.b, self.line
        if len(b.hexes) == 3:  # <= 3.4: "starting at %lx (gap: %lx:%lx)" = start:size
            return LineFact(
                "pci_gap", addr=b.hexes[1], size=b.hexes[2], raw=line.strip(), era=Era.A
            )
        addr, size = b.inclusive()
        era = Era.D if line.lstrip().startswith("[gap") else None
        prefixed = "e820_pfx" in b.marks
        return LineFact(
            "pci_gap", addr=addr, size=size, raw=line.strip(), era=era, prefixed=prefixed
        )

    def rule_last_pfn(self) -> LineFact:
        """``last_pfn = 0x140000 max_arch_pfn = 0x400000000``

        >>> from e820scope.parse.classify import classify
        >>> classify("last_pfn = 0x140000 max_arch_pfn = 0x400000000").nums
        (1310720, 17179869184)
        """
        b = self.b
        return LineFact("last_pfn", nums=(b.hexes[0], b.hexes[1]), prefixed="e820_pfx" in b.marks)

    def rule_kexec_file_header(self) -> LineFact:
        """``kexec-bzImage64: E820 memmap:`` (kexec_file_load debug, 6.8+)."""
        return LineFact("memmap_header", who="kexec-bzImage64")

    def rule_kexec_tools_header(self) -> LineFact:
        """``E820 memmap:`` of ``kexec -d``."""
        return LineFact("memmap_header", who="kexec-tools")

    def rule_kexec_file_entry(self) -> LineFact:
        """``kexec-bzImage64: 0000000000001000-000000000009ffff (1)``"""
        return entry_fact(self.b, self.line, "memmap_entry", "kexec-bzImage64")

    def rule_kexec_tools_entry(self) -> LineFact:
        """``0000000000001000-000000000009ffff (1)`` of ``kexec -d``."""
        return entry_fact(self.b, self.line, "memmap_entry", "kexec-tools")

    def rule_live_header(self) -> LineFact:
        """``# e820_table_kexec ...`` (the companion module's table files)."""
        return LineFact("live_header", who=self.b.mark(_WHO), raw=self.b.text or "")

    def rule_xen_hv_header(self) -> LineFact:
        """``(XEN) Xen-e820 RAM map:``: the Xen hypervisor's own map follows.

        >>> from e820scope.parse.classify import classify
        >>> f = classify("(XEN) Xen-e820 RAM map:")
        >>> f.kind, f.who
        ('header', 'Xen-e820')

        With ``e820-verbose`` Xen first prints the map as the boot loader gave it:

        >>> classify("(XEN) Initial Xen-e820 RAM map:").who
        'Xen-e820'
        """
        return LineFact("header", who=self.b.mark(_HV_MAP))

    def rule_xen_hv_entry(self) -> LineFact:
        """``(XEN)  [0000000000000000, 000000000009fbff] (usable)`` (inclusive end, Xen
        4.14+); Xen 4.1 - 4.12 ``(XEN)  0000000000000000 - 000000000009e800 (usable)``.

        >>> from e820scope.parse.classify import classify
        >>> f = classify("(XEN)  [0000000000000000, 000000000009fbff] (usable)")
        >>> f.kind, f.who, hex(f.addr), hex(f.end), f.type, f.era
        ('entry', 'Xen hypervisor', '0x0', '0x9fc00', 1, None)
        >>> f = classify("(XEN)  000000000009e800 - 00000000000a0000 (reserved)")
        >>> hex(f.addr), hex(f.end), f.type, f.era
        ('0x9e800', '0xa0000', 2, None)
        """
        return replace(entry_fact(self.b, self.line, "entry", _XEN_WHO), era=None)

    def rule_seabios_map_header(self) -> LineFact:
        """``e820 map has 8 items:``: SeaBIOS's map follows (``nums``: the count).

        >>> from e820scope.parse.classify import classify
        >>> f = classify("e820 map has 8 items:")
        >>> f.kind, f.who, f.nums
        ('header', 'e820 map has', (8,))
        """
        return LineFact("header", who=SEABIOS_WORD, nums=(self.b.nums[0],))

    def rule_seabios_map_entry(self) -> LineFact:
        """``  6: 00000000fdffd000 - 00000000fe000000 = 4 NVS`` (:mod:`.guest_maps`).

        >>> from e820scope.parse.classify import classify
        >>> f = classify("  6: 00000000fdffd000 - 00000000fe000000 = 4 NVS")
        >>> f.kind, f.who, hex(f.addr), hex(f.end), f.type, f.raw, f.era
        ('entry', 'SeaBIOS', '0xfdffd000', '0xfe000000', 4, '4 NVS', None)
        """
        return seabios_entry(self.b)

    def rule_hvmloader_map_header(self) -> LineFact:
        """``E820 table:``: Xen hvmloader's map follows."""
        return LineFact("header", who=HVMLOADER_WORD)

    def rule_hvmloader_map_entry(self) -> LineFact:
        """`` [02]: 00000000:00100000 - 00000000:7f800000: RAM`` (:mod:`.guest_maps`).

        >>> from e820scope.parse.classify import classify
        >>> f = classify(" [02]: 00000000:00100000 - 00000000:7f800000: RAM")
        >>> f.kind, f.who, hex(f.addr), hex(f.end), f.type, f.raw
        ('entry', 'hvmloader', '0x100000', '0x7f800000', 1, 'RAM')
        """
        return hvmloader_entry(self.line)

    def rule_hvmloader_hole(self) -> LineFact:
        """`` HOLE: 00000000:000a0000 - 00000000:000d0000``: not an entry; the map stays
        open."""
        return LineFact("none")

    # -- mm.lark ---------------------------------------------------------------------
    def rule_total_ram(self) -> LineFact:
        """``total RAM covered: 3072M``"""
        return LineFact("total_ram", nums=(int(re.sub(r"\D", "", self.line.split(":", 1)[1])),))

    def rule_memory(self) -> LineFact:
        """``Memory: 3977716K/4193784K available (14343K kernel code, ...)``"""
        return LineFact("memory", nums=(self.b.nums[0], self.b.nums[1]), raw=self.line.strip())

    def rule_initmem_mem(self) -> LineFact:
        """``Initmem setup node 0 [mem 0x0000000000001000-0x000000013fffffff]``"""
        addr, size = self.b.inclusive()
        return LineFact("initmem", addr=addr, size=size, nums=(self.b.nums[0],))

    def rule_initmem_old(self) -> LineFact:
        """``Initmem setup node 0 0000000000000000-0000000140000000`` (<= 3.x)."""
        addr, size = self.b.range16(exclusive=True)
        return LineFact("initmem", addr=addr, size=size, nums=(self.b.nums[0],))

    def rule_initmem_memoryless(self) -> LineFact:
        """``Initmem setup node 1 as memoryless``"""
        return LineFact("initmem", nums=(self.b.nums[0],), note="memoryless")

    def rule_node_data(self) -> LineFact:
        """``NODE_DATA(0) allocated [mem 0x13ffd5000-0x13fffffff]``"""
        b = self.b
        addr, size = b.inclusive()
        return LineFact("node_data", addr=addr, size=size, nums=(b.nums[0] if b.nums else -1,))

    def rule_early_node_hdr(self) -> LineFact:
        """``Early memory node ranges``"""
        return LineFact("early_hdr")

    def rule_early_node_mem(self) -> LineFact:
        """``  node   0: [mem 0x0000000000001000-0x000000000009efff]``"""
        addr, size = self.b.inclusive()
        return LineFact("early_node", addr=addr, size=size, nums=(self._node(),))

    def rule_early_node_pfn(self) -> LineFact:
        """``    0: 0x00000001 -> 0x0000009f`` (PFNs, end exclusive; 2.6)."""
        b = self.b
        addr, size = b.hexes[0] << 12, (b.hexes[1] - b.hexes[0]) << 12
        return LineFact("early_node", addr=addr, size=size, nums=(self._node(),))

    def _node(self) -> int:
        b = self.b
        return b.nums[0] if b.nums else int(self.line.strip().split(":", 1)[0])

    def rule_zone_hdr(self) -> LineFact:
        """``Zone ranges:``"""
        return LineFact("zone_hdr")

    def rule_zone_mem(self) -> LineFact:
        """``  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]``"""
        addr, size = self.b.inclusive()
        return LineFact("zone", who=self._zone(), addr=addr, size=size)

    def rule_zone_empty(self) -> LineFact:
        """``  Device   empty``"""
        return LineFact("zone", who=self._zone(), note="empty")

    def rule_zone_pfn(self) -> LineFact:
        """``  DMA      0x00000001 -> 0x00001000`` (PFNs, end exclusive; 2.6)."""
        b = self.b
        addr, size = b.hexes[0] << 12, (b.hexes[1] - b.hexes[0]) << 12
        return LineFact("zone", who=self._zone(), addr=addr, size=size)

    def _zone(self) -> str:
        return self.b.marks[0] if self.b.marks else ""

    # -- efi.lark --------------------------------------------------------------------
    def rule_efi_mem_new(self) -> LineFact:
        """``efi: mem03: [Conventional|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC]
        range=[0x0000000000100000-0x00000000007fffff] (7MB)``"""
        line, b = self.line, self.b
        attrs_m = re.search(r"\[([^\]]*)\]", line[line.find(":", 4) :])
        attrs = attrs_m.group(1) if attrs_m else ""
        type_name, _, attr_cols = attrs.partition("|")
        addr, size = b.inclusive()
        return LineFact(
            "efi_mem", who=type_name.strip(), addr=addr, size=size, nums=(b.nums[0],), raw=attr_cols
        )

    def rule_efi_mem_old(self) -> LineFact:
        """``efi: mem00: type=7, attr=0xf, range=[0x0000000000000000-0x000000000009f000)``"""
        b = self.b
        etype, attr = b.nums[1], b.hexes[0]
        return LineFact(
            "efi_mem",
            who=f"type={etype}",
            addr=b.hexes[1],
            size=b.hexes[2] - b.hexes[1],
            nums=(b.nums[0],),
            raw=f"attr={attr:#x}",
        )

    def rule_efi_remove_done(self) -> LineFact:
        """``efi: Remove mem115: MMIO range=[0xc0000000-0xcfffffff] (256MB) from e820 map``"""
        return self._efi_remove("")

    def rule_efi_remove_kept(self) -> LineFact:
        """``efi: Not removing mem116: MMIO range=[0xfe000000-0xfe010fff] (68KB) from e820
        map``"""
        return self._efi_remove("kept")

    def _efi_remove(self, note: str) -> LineFact:
        addr, size = self.b.inclusive()
        raw = self.line.strip()
        return LineFact(
            "efi_remove", addr=addr, size=size, nums=(self.b.nums[0],), raw=raw, note=note
        )

    # -- boot.lark -------------------------------------------------------------------
    def rule_linux_version(self) -> LineFact:
        """``Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 ...``

        >>> from e820scope.parse.classify import classify
        >>> classify("Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP").who
        '6.1.0-56-amd64'
        """
        b = self.b
        return LineFact("linux_version", who=b.marks[0] if b.marks else "", raw=self.line.strip())

    def rule_arch_command_line(self) -> LineFact:
        """``Command line: console=ttyS0 ...`` (setup_arch)."""
        return LineFact("command_line", who="arch_command_line", raw=self.b.text or "")

    def rule_kernel_command_line(self) -> LineFact:
        """``Kernel command line: console=ttyS0 ...`` (start_kernel)."""
        return LineFact("command_line", who="kernel_command_line", raw=self.b.text or "")

    def rule_dmi(self) -> LineFact:
        """``DMI: LENOVO 20HGS0TW00/20HGS0TW00, BIOS N1WET51W (1.30 ) 02/03/2020``: the
        machine's DMI ids (``raw``: the text after ``DMI:``).

        >>> from e820scope.parse.classify import classify
        >>> classify("DMI: LENOVO 20HGS0TW00/20HGS0TW00, BIOS N1WET51W (1.30 ) 02/03/2020").raw
        'LENOVO 20HGS0TW00/20HGS0TW00, BIOS N1WET51W (1.30 ) 02/03/2020'
        >>> classify("DMI: Memory slots populated: 2/2").kind
        'unparsed'

        Since 6.x dmi_scan.c's pr_fmt is ``DMI: ``, so its table version line reads
        ``DMI: SMBIOS 2.8 present.`` (a real 7.2 console, the line before the ids): not
        the machine's ids either.

        >>> classify("DMI: SMBIOS 2.8 present.").kind
        'unparsed'
        """
        text = (self.b.text or "").strip()
        if text.startswith(("Memory slots", "SMBIOS ", "Legacy DMI ")):
            return UNPARSED
        return LineFact("dmi", raw=text)

    def rule_cpu_model(self) -> LineFact:
        """``smpboot: CPU0: Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz (family: 0x6, model:
        0x8e, stepping: 0x9)``; 2.6 ``CPU0: Intel(R) Xeon(TM) CPU 2.80GHz stepping 09``
        (``raw``: the model name, without family/stepping).

        >>> from e820scope.parse.classify import classify
        >>> classify("smpboot: CPU0: Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz "
        ...          "(family: 0x6, model: 0x8e, stepping: 0x9)").raw
        'Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz'
        >>> classify("CPU0: Intel(R) Xeon(TM) CPU 2.80GHz stepping 09").raw
        'Intel(R) Xeon(TM) CPU 2.80GHz'
        >>> classify("CPU0: Thermal monitoring enabled (TM1)").kind
        'unparsed'
        >>> classify("CPU0:  online").kind
        'unparsed'
        """
        text = _CPU_TAIL.sub("", (self.b.text or "").strip())
        if not text[:1].isupper() or text.startswith(_CPU_NOT_MODEL):
            return UNPARSED
        return LineFact("cpu_model", raw=" ".join(text.split()))

    def rule_kexec_start(self) -> LineFact:
        """``kexec_core: Starting new kernel``"""
        return LineFact("kexec_start", raw=self.line.strip())

    def rule_crashkernel(self) -> LineFact:
        """``Reserving 256MB of memory at 3808MB for crashkernel (System RAM: 4095MB)``"""
        return LineFact("crashkernel", raw=self.line.strip(), nums=crash_nums(self.line))

    def rule_oom(self) -> LineFact:
        """``stress invoked oom-killer: gfp_mask=0x...``"""
        return LineFact("oom", raw=self.line.strip())

    def rule_panic(self) -> LineFact:
        """``Kernel panic - not syncing: Out of memory and no killable processes...``"""
        return LineFact("panic", raw=self.line.strip())

    def rule_reboot_sep(self) -> LineFact:
        """``-- Reboot --`` (journalctl)."""
        return LineFact("reboot_sep")

    def rule_not_x86_mips(self) -> LineFact:
        """A MIPS boot log's own lines (``Determined physical RAM map:``)."""
        return LineFact("not_x86", raw=self.line.strip())

    def rule_not_x86_arm(self) -> LineFact:
        """An ARM boot log's own lines (``Machine model:``, ``Booting Linux on``)."""
        return LineFact("not_x86", raw=self.line.strip())
